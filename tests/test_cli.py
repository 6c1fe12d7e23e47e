"""The command line: status, config, and the one-line error contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.store import open_store


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env or {}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def fill(root: Path) -> None:
    """Write two periods of HN postings and one GitHub posting, and tag one of them."""
    postings = pd.DataFrame(
        {
            "source": ["hn", "hn", "hn", "github"],
            "source_id": ["1", "2", "3", "a/b#1"],
            "period": ["2015-09", "2015-09", "2015-10", "2024-01"],
            "text": ["x", "y", "z", "w"],
        }
    )
    with open_store(root).writer("test") as writer:
        writer.upsert_postings(postings)
        writer.write_tags(
            pd.DataFrame(
                {
                    "posting_id": ["hn:1"],
                    "source": "hn",
                    "period": "2015-09",
                    "is_job_posting": True,
                    "roles": [["backend"]],
                    "language": "en",
                    "tagger_version": "tagger.v1",
                }
            ),
            pd.DataFrame(
                columns=["posting_id", "family", "skill", "level", "start", "end", "tagger_version"]
            ),
        )


def test_status_of_empty_store_says_empty(tmp_path: Path) -> None:
    """`status` on a store that does not exist yet says it is empty and exits 0."""
    code, out, _ = invoke("--store", str(tmp_path / "nothing"), "status")
    assert code == 0
    assert "empty: no postings yet" in out


def test_status_counts_per_source_and_period(tmp_path: Path) -> None:
    """`status` lists postings per source and period range, fetch times and tagger versions."""
    fill(tmp_path)
    code, out, _ = invoke("--store", str(tmp_path), "status")
    assert code == 0
    assert "postings: 4" in out
    assert "hn: 3 postings in 2 periods (2015-09..2015-10)" in out
    assert "github: 1 postings in 1 periods (2024-01..2024-01)" in out
    assert "tagged by tagger.v1: 1 postings" in out


def test_store_option_also_follows_the_command(tmp_path: Path) -> None:
    """`--store` works after the command name too, for every command (here status and fetch)."""
    fill(tmp_path)
    code, out, _ = invoke("status", "--store", str(tmp_path))
    assert code == 0 and "postings: 4" in out
    code, out, _ = invoke("fetch", "hn", "--help")
    assert "--store PATH_OR_URL" in out


def test_status_json_is_machine_readable(tmp_path: Path) -> None:
    """`status --json` prints the same facts as JSON, reading the store from ANALYZER_STORE."""
    fill(tmp_path)
    code, out, _ = invoke("status", "--json", env={"ANALYZER_STORE": str(tmp_path)})
    assert code == 0
    report = json.loads(out)
    assert {(r["source"], r["period"], r["postings"]) for r in report["postings"]} == {
        ("hn", "2015-09", 2),
        ("hn", "2015-10", 1),
        ("github", "2024-01", 1),
    }
    assert report["tagger_versions"] == {"tagger.v1": 1}
    assert set(report["sources"]) == {"hn", "github"}


def test_corrupt_file_is_one_line_error(tmp_path: Path) -> None:
    """A truncated parquet file makes `status` fail with one line on stderr, no traceback."""
    fill(tmp_path)
    victim = next((tmp_path / "postings").rglob("*.parquet"))
    victim.write_bytes(b"PAR1garbage")
    code, _, err = invoke("--store", str(tmp_path), "status")
    assert code == 1
    assert err.count("\n") == 1 and err.startswith("analyzer: error: store file")
    assert "Traceback" not in err


def test_bad_config_is_exit_2(tmp_path: Path) -> None:
    """An invalid analyzer.toml is reported in one line with exit code 2."""
    config = tmp_path / "analyzer.toml"
    config.write_text("[http]\ntimeout = \n")
    code, _, err = invoke("--config", str(config), "status")
    assert code == 2 and err.startswith("analyzer: error: invalid TOML")
    config.write_text('[sources.greenhuose]\nboards = ["x"]\n')
    code, _, err = invoke("--config", str(config), "status")
    assert code == 2 and "unknown setting(s)" in err and "sources.greenhuose.boards" in err


def test_unknown_schema_version_is_one_line(tmp_path: Path) -> None:
    """A store of an unknown schema version fails `status` clearly."""
    fill(tmp_path)
    manifest = tmp_path / "_analyzer" / "manifest.json"
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "schema_version": 7}))
    code, _, err = invoke("--store", str(tmp_path), "status")
    assert code == 1 and "schema version 7" in err


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    """With --debug the error propagates with its traceback instead of the one-line summary."""
    (tmp_path / "_analyzer").mkdir()
    (tmp_path / "_analyzer" / "manifest.json").write_text("[]")
    result = CliRunner().invoke(main, ["--debug", "--store", str(tmp_path), "status"])
    assert result.exit_code != 0
    assert type(result.exception).__name__ == "CorruptStoreError"


def test_config_command_masks_secrets(tmp_path: Path) -> None:
    """`config` shows each setting's origin and never prints a token."""
    code, out, _ = invoke(
        "config",
        env={
            "ANALYZER_GITHUB_TOKEN": "ghp_secret",
            "ANALYZER_HN_BASE_URL": "http://127.0.0.1:9/api",
        },
    )
    assert code == 0
    assert "ghp_secret" not in out and 'sources.github.token = "***"' in out
    assert 'sources.hn.base_url = "http://127.0.0.1:9/api"    # env:ANALYZER_HN_BASE_URL' in out


@pytest.mark.parametrize(
    "entry", [["-m", "analyzer"], ["-c", "from analyzer.cli import main; main()"]]
)
def test_module_entry_point_runs(entry: list[str], tmp_path: Path) -> None:
    """`python -m analyzer` is the same CLI as the console script."""
    done = subprocess.run(
        [sys.executable, *entry, "--store", str(tmp_path), "status"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "empty" in done.stdout


def test_every_command_has_help() -> None:
    """Every command and option has help text (an undocumented command fails this test)."""

    def walk(command, path):  # type: ignore[no-untyped-def]
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, [*path, name])

    for path, command in walk(main, []):
        assert command.help, f"command {' '.join(path) or 'analyzer'} has no help"
        for param in command.params:
            if param.param_type_name == "option" and not getattr(param, "hidden", False):
                assert param.help, f"option {param.name} of {' '.join(path)} has no help"


def test_readme_documents_every_command_and_setting() -> None:
    """The README names every CLI command and every setting of the settings table."""
    from analyzer.config import SETTINGS

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    for setting in SETTINGS:
        assert f"`{setting.key}`" in readme, f"setting {setting.key} missing from README"
        if setting.env:
            assert setting.env in readme, f"env {setting.env} missing from README"

    def names(command, prefix):  # type: ignore[no-untyped-def]
        for name, sub in getattr(command, "commands", {}).items():
            yield f"{prefix}{name}"
            yield from names(sub, f"{prefix}{name} ")

    for name in names(main, ""):
        assert f"analyzer {name}" in readme, f"command `analyzer {name}` missing from README"
