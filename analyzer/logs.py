"""Logging setup for the command line: human text or one JSON object per line, secrets redacted.

``human`` is the format analyzer always had (``time LEVEL logger: message``). ``json`` writes one
object per line with ``ts`` (UTC, ISO 8601), ``level``, ``logger``, ``message``, the structured fields
passed with ``extra=`` and, for an exception, ``exc_info``; a log shipper reads it without parsing.

Whatever the format, a :class:`RedactFilter` on the handler rewrites every record before it is
formatted: the values of secret settings (the GitHub token) become ``***`` and the query string of any
URL becomes ``?…`` (an API key may travel in a query string) and a URL's ``user:password@`` becomes
``***@``, in the message, its arguments and the
``extra`` fields alike.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, TextIO

__all__ = ["FORMATS", "JsonFormatter", "RedactFilter", "redact", "setup_logging"]

#: The values of ``--log-format`` and of the ``log.format`` setting.
FORMATS = ("human", "json")

HUMAN_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", None, None)).keys() | {"message", "asctime"}
)
_URL_QUERY = re.compile(r"(https?://[^\s?#\"'<>]*)\?[^\s#\"'<>]*")
_URL_USERINFO = re.compile(r"://[^/@\s]+@")
_MASK = "***"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with every secret value masked and every URL's query string cut to ``?…``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, _MASK)
    return _URL_USERINFO.sub("://***@", _URL_QUERY.sub(r"\1?…", text))


def _redact_value(value: Any, secrets: tuple[str, ...]) -> Any:
    if isinstance(value, str):
        return redact(value, secrets)
    if isinstance(value, dict):
        return {k: _redact_value(v, secrets) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_redact_value(v, secrets) for v in value)
    if isinstance(value, int | float | bool) or value is None:
        return value
    return redact(str(value), secrets)


class RedactFilter(logging.Filter):
    """Masks secrets and URL query strings in a record's message, arguments and extra fields."""

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self.secrets = tuple(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite ``record`` in place; never drops it."""
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a malformed format string: log it as given
            message = str(record.msg)
        record.msg = redact(message, self.secrets)
        record.args = None
        for key, value in list(vars(record).items()):
            if key not in _STANDARD:
                setattr(record, key, _redact_value(value, self.secrets))
        return True


class _StderrHandler(logging.StreamHandler[TextIO]):
    """Writes to whatever ``sys.stderr`` is at emit time (click's test runner swaps it)."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        return sys.stderr

    @stream.setter
    def stream(self, _value: TextIO) -> None:
        pass


class JsonFormatter(logging.Formatter):
    """One JSON object per record: ``ts``, ``level``, ``logger``, ``message`` and extra fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render ``record`` as one line of JSON (values that are not JSON become strings)."""
        data: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in data:
                data[key] = value
        if record.exc_info:
            data["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(data, default=str, ensure_ascii=False)


def setup_logging(
    level: int,
    fmt: str = "human",
    *,
    secrets: Iterable[str] = (),
    stream: TextIO | None = None,
) -> logging.Handler:
    """Send the root logger's records to ``stream`` (stderr) in format ``fmt``; return the handler.

    Replaces any handler an earlier call installed, so calling it twice (tests, notebooks) does not
    print every line twice. httpx's own request lines are kept at WARNING: they carry full URLs.

    Args:
        level: the root level (``logging.INFO``...).
        fmt: ``human`` or ``json``.
        secrets: values to mask wherever they appear (the GitHub token).
        stream: where to write (default ``sys.stderr``).

    Raises:
        ValueError: ``fmt`` is not one of :data:`FORMATS`.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown log format {fmt!r}; choose from {', '.join(FORMATS)}")
    handler: logging.Handler = (
        logging.StreamHandler(stream) if stream is not None else _StderrHandler()
    )
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(HUMAN_FORMAT))
    handler.addFilter(RedactFilter(secrets))
    handler.set_name("analyzer")
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == "analyzer"]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return handler
