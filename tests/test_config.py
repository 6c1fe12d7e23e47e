"""Settings: environment over analyzer.toml over defaults, with clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from analyzer.config import SETTINGS, load_config
from analyzer.errors import ConfigError


def test_defaults_without_file_or_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no file and no environment every setting has its documented default."""
    monkeypatch.chdir(tmp_path)
    config = load_config(env={})
    assert config["store"] == "data/store"
    assert config["sources.hn.base_url"] == "https://hn.algolia.com/api/v1"
    assert all(config.origin(s.key) == "default" for s in SETTINGS)


def test_env_beats_file_beats_default(tmp_path: Path) -> None:
    """A value in the environment wins over analyzer.toml, which wins over the default."""
    path = tmp_path / "analyzer.toml"
    path.write_text(
        'store = "from-file"\n[http]\nretries = 2\n[sources.greenhouse]\nboards = ["a", "b"]\n'
    )
    config = load_config(path, env={"ANALYZER_STORE": "from-env"})
    assert config["store"] == "from-env" and config.origin("store") == "env:ANALYZER_STORE"
    assert config["http.retries"] == 2 and config.origin("http.retries") == f"file:{path}"
    assert config["sources.greenhouse.boards"] == ["a", "b"]
    assert config["http.deadline"] == 120.0


def test_env_lists_and_types_are_parsed(tmp_path: Path) -> None:
    """Environment values are converted: comma lists, numbers, and rejected garbage."""
    config = load_config(
        None,
        env={
            "ANALYZER_GITHUB_BOARDS": "backend-br/vagas, backend-pt/vagas",
            "ANALYZER_HTTP_RETRIES": "7",
        },
    )
    assert config["sources.github.boards"] == ["backend-br/vagas", "backend-pt/vagas"]
    assert config["http.retries"] == 7
    with pytest.raises(ConfigError, match=r"http\.retries"):
        load_config(env={"ANALYZER_HTTP_RETRIES": "many"})
    with pytest.raises(ConfigError, match="must not be negative"):
        load_config(env={"ANALYZER_HTTP_DEADLINE": "-1"})


def test_file_errors_are_config_errors(tmp_path: Path) -> None:
    """Missing named file, bad TOML, unknown keys, wrong types and secrets in files are refused."""
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "missing.toml", env={})
    path = tmp_path / "analyzer.toml"
    for text, message in [
        ("store = [", "invalid TOML"),
        ("[sources.hn]\nbase_ulr = 'x'\n", "unknown setting"),
        ("[http]\nretries = 'three'\n", "http.retries"),
        ("[sources.github]\ntoken = 'ghp_x'\n", "secret"),
        ("[sources.greenhouse]\nboards = 'acme'\n", "list of strings"),
    ]:
        path.write_text(text)
        with pytest.raises(ConfigError, match=re.escape(message)):
            load_config(path, env={})


def test_overrides_and_repr_mask_secrets() -> None:
    """Command-line overrides win and are labelled; repr and public() never show a secret."""
    config = load_config(env={"ANALYZER_GITHUB_TOKEN": "ghp_secret"}).with_overrides({"store": "x"})
    assert config["store"] == "x" and config.origin("store") == "option"
    assert "ghp_secret" not in repr(config) and config.public()["sources.github.token"] == "***"
    with pytest.raises(ConfigError):
        config.with_overrides({"nope": 1})


def test_example_config_is_valid() -> None:
    """The shipped analyzer.example.toml loads without error and configures every board source."""
    config = load_config(Path(__file__).parents[1] / "analyzer.example.toml", env={})
    assert config["sources.github.boards"] and config["sources.greenhouse.boards"]
    assert config.origin("http.retries").startswith("file:")
