"""Logging setup: human and JSON formats, structured fields, secrets and query strings redacted."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.logs import JsonFormatter, redact, setup_logging

TOKEN = "ghp_0123456789abcdefSECRET"


@pytest.fixture
def restore_root() -> Iterator[None]:
    """Put the root logger back as it was (setup_logging changes it process-wide)."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_json_lines_carry_the_record_and_its_extra_fields(restore_root: None) -> None:
    """Each record is one JSON object: ts, level, logger, message, and every ``extra=`` field."""
    out = io.StringIO()
    setup_logging(logging.INFO, "json", stream=out)
    logging.getLogger("analyzer.test").info(
        "fetched %d postings", 12, extra={"source": "hn", "seconds": 1.5}
    )
    logging.getLogger("analyzer.test").debug("below the level")
    [line] = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "fetched 12 postings"
    assert record["level"] == "INFO" and record["logger"] == "analyzer.test"
    assert record["source"] == "hn" and record["seconds"] == 1.5
    assert record["ts"].endswith("+00:00") and "T" in record["ts"]


def test_exceptions_are_one_json_line(restore_root: None) -> None:
    """A logged exception stays on one line, its traceback in ``exc_info``."""
    out = io.StringIO()
    setup_logging(logging.INFO, "json", stream=out)
    try:
        raise ValueError("boom")
    except ValueError:
        logging.getLogger("analyzer.test").exception("failed")
    [line] = out.getvalue().splitlines()
    record = json.loads(line)
    assert record["message"] == "failed" and "ValueError: boom" in record["exc_info"]


@pytest.mark.parametrize("fmt", ["human", "json"])
def test_secrets_and_query_strings_never_reach_the_log(restore_root: None, fmt: str) -> None:
    """The token is masked in the message, its arguments and extra fields; URLs lose their query
    string, in both formats."""
    out = io.StringIO()
    setup_logging(logging.INFO, fmt, secrets=[TOKEN], stream=out)
    log = logging.getLogger("analyzer.test")
    log.warning("auth with %s failed", TOKEN, extra={"header": f"Bearer {TOKEN}"})
    log.warning("GET %s", "https://api.example.com/jobs?api_key=abc123&page=2")
    text = out.getvalue()
    assert TOKEN not in text and "abc123" not in text
    assert "***" in text
    assert "https://api.example.com/jobs?…" in text


def test_human_format_is_unchanged(restore_root: None) -> None:
    """Human lines keep the format analyzer always had: time, level, logger: message."""
    out = io.StringIO()
    setup_logging(logging.INFO, "human", stream=out)
    logging.getLogger("analyzer.x").info("hello", extra={"n": 1})
    line = out.getvalue().strip()
    assert line.endswith(" INFO analyzer.x: hello")


def test_setting_up_twice_does_not_duplicate_lines(restore_root: None) -> None:
    """A second setup replaces the first handler rather than adding another one."""
    first, second = io.StringIO(), io.StringIO()
    setup_logging(logging.INFO, "human", stream=first)
    setup_logging(logging.INFO, "json", stream=second)
    logging.getLogger("analyzer.x").info("once")
    assert first.getvalue() == "" and len(second.getvalue().splitlines()) == 1


def test_unknown_format_is_refused() -> None:
    """Only human and json exist."""
    with pytest.raises(ValueError, match="human, json"):
        setup_logging(logging.INFO, "xml")


def test_redact_masks_url_credentials_and_leaves_plain_text_alone() -> None:
    """A URL's user:password is masked; text without secrets or URL queries passes unchanged."""
    assert redact("push to https://bob:pw123@gw.example/metrics failed") == (
        "push to https://***@gw.example/metrics failed"
    )
    assert redact("3 threads fetched from https://hn.example/api/v1/items/1") == (
        "3 threads fetched from https://hn.example/api/v1/items/1"
    )


def test_cli_log_format_option_and_setting(restore_root: None, tmp_path: Path) -> None:
    """`--log-format json` and ANALYZER_LOG_FORMAT=json both give JSON lines; a bad value of the
    setting is a configuration error (exit 2)."""
    store = str(tmp_path / "store")
    for args, env in (
        (["--log-format", "json", "--store", store, "status"], {}),
        (["--store", store, "status"], {"ANALYZER_LOG_FORMAT": "json"}),
    ):
        result = CliRunner().invoke(main, args, env=env)
        assert result.exit_code == 0, result.output
        [handler] = [h for h in logging.getLogger().handlers if h.get_name() == "analyzer"]
        assert isinstance(handler.formatter, JsonFormatter)
    bad = CliRunner().invoke(main, ["status"], env={"ANALYZER_LOG_FORMAT": "xml"})
    assert bad.exit_code == 2
    assert "expected one of human, json" in bad.stderr
