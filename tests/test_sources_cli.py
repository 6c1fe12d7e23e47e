"""The fetch, import and replay-server commands, through click."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.replay import ReplayServer

FIXTURES = Path(__file__).parent / "fixtures" / "sources"


@pytest.mark.corpus
def test_fetch_hn_command_json_summary(shared_data: Path, tmp_path: Path, monkeypatch) -> None:
    """`analyzer fetch hn --since --until --json` stores one month and prints its counts."""
    with ReplayServer(shared_data) as server:
        monkeypatch.setenv("ANALYZER_HN_BASE_URL", server.base_urls()["sources.hn.base_url"])
        monkeypatch.setenv("ANALYZER_HTTP_RATE_PER_HOST", "0")
        result = CliRunner().invoke(
            main,
            [
                "--store",
                str(tmp_path / "s"),
                "fetch",
                "hn",
                "--since",
                "2012-01",
                "--until",
                "2012-01",
                "--json",
            ],
        )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["sources"]["hn"]["new"] == 151


def test_fetch_rejects_bad_period(tmp_path: Path) -> None:
    """--since must be YYYY-MM: one error line, exit code 2."""
    result = CliRunner().invoke(
        main, ["--store", str(tmp_path / "s"), "fetch", "hn", "--since", "2012"]
    )
    assert result.exit_code == 2
    assert "YYYY-MM" in result.stderr


def test_import_command_twice_adds_nothing(tmp_path: Path) -> None:
    """`analyzer import` stores the CSV rows once; importing again reports 0 new."""
    args = [
        "--store",
        str(tmp_path / "s"),
        "import",
        str(FIXTURES / "import_sample.csv"),
        "--map",
        "job_id=source_id",
        "--map",
        "description=text",
        "--source",
        "mycsv",
    ]
    first = CliRunner().invoke(main, args)
    assert first.exit_code == 0, first.output
    assert "3 new" in first.stdout
    second = CliRunner().invoke(main, args)
    assert "0 new" in second.stdout and "3 unchanged" in second.stdout


def test_fetch_unconfigured_source_is_skipped(tmp_path: Path, monkeypatch) -> None:
    """`analyzer fetch greenhouse` with no boards says it skipped, exit 0."""
    monkeypatch.delenv("ANALYZER_GREENHOUSE_BOARDS", raising=False)
    result = CliRunner().invoke(main, ["--store", str(tmp_path / "s"), "fetch", "greenhouse"])
    assert result.exit_code == 0, result.output
    assert "skipped" in result.stdout
