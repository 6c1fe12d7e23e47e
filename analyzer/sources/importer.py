"""``analyzer import FILE``: bring your own postings from a JSONL, JSON, CSV or parquet export.

Columns are matched by name to the posting fields; ``mapping`` renames the file's columns first
(``{"job_id": "source_id", "description": "text"}``). Fields:

=============  ===========================================================================
``source_id``  required: the posting's id within its source (unique per source)
``text``       the posting's plain text (or give ``text_html``; at least one of the two)
``text_html``  the posting's HTML (plain text is derived from it when ``text`` is missing)
``posted_at``  ISO 8601 or epoch seconds/milliseconds; naive times are UTC
``period``     ``YYYY-MM``; derived from ``posted_at`` when missing (one of the two required)
``source``     the source name per row (default: the ``--source`` option, ``import``)
``company``, ``title``, ``location``, ``url``: optional strings; ``remote``: optional boolean
=============  ===========================================================================

Any other column is kept in ``extra`` (as JSON). Imports are plain upserts: importing the same
file twice adds nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from analyzer.errors import InputError
from analyzer.models import POSTING_INPUT_COLUMNS, period_of
from analyzer.sources.base import (
    html_to_text,
    parse_timestamp,
    postings_frame,
)

__all__ = ["read_import_file"]

_SOURCE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def _read(path: Path) -> pd.DataFrame:
    suffix = "".join(path.suffixes[-2:]).lower() if path.suffix == ".gz" else path.suffix.lower()
    try:
        if suffix in (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz"):
            return pd.read_json(path, lines=True, dtype=False)
        if suffix in (".json", ".json.gz"):
            return pd.read_json(path, dtype=False)
        if suffix in (".csv", ".csv.gz"):
            return pd.read_csv(path, dtype=str, keep_default_na=False)
        if suffix == ".parquet":
            return pd.read_parquet(path)
    except FileNotFoundError:
        raise InputError(f"file not found: {path}") from None
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read {path}: {exc}") from exc
    raise InputError(f"unsupported file type {path.name!r}: use .jsonl, .json, .csv or .parquet")


def _bool(value: Any) -> bool | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return None if text == "" else False
    raise InputError(f"remote must be true/false, got {value!r}")


def _str(value: Any) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return str(value)


def read_import_file(
    path: str | Path,
    *,
    source: str = "import",
    mapping: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Read an export into the DataFrame ``upsert_postings`` takes (see the module doc).

    Args:
        path: a ``.jsonl``/``.ndjson``, ``.json``, ``.csv`` (optionally ``.gz``) or ``.parquet`` file.
        source: the source name for rows without a ``source`` column.
        mapping: the file's column names to posting fields.

    Raises:
        InputError: unreadable file, a required field missing, or an invalid value (the message
            names the row).
    """
    path = Path(path)
    frame = _read(path)
    if mapping:
        unknown = [c for c in mapping if c not in frame.columns]
        if unknown:
            raise InputError(f"--map names column(s) not in {path.name}: {', '.join(unknown)}")
        frame = frame.rename(columns=dict(mapping))
    if "source_id" not in frame.columns:
        raise InputError(f"{path.name}: no source_id column (map one with --map COL=source_id)")
    if "text" not in frame.columns and "text_html" not in frame.columns:
        raise InputError(f"{path.name}: no text or text_html column")
    if "period" not in frame.columns and "posted_at" not in frame.columns:
        raise InputError(f"{path.name}: no period or posted_at column")
    known = set(POSTING_INPUT_COLUMNS)
    others = [c for c in frame.columns if c not in known]
    rows = []
    for number, record in enumerate(frame.to_dict("records"), start=1):
        where = f"{path.name} row {number}"
        name = _str(record.get("source")) or source
        if not _SOURCE_NAME.match(name):
            raise InputError(f"{where}: invalid source name {name!r} (a-z, 0-9, '_', '-')")
        source_id = _str(record.get("source_id"))
        if not source_id:
            raise InputError(f"{where}: empty source_id")
        posted_at = parse_timestamp(record.get("posted_at"))
        if _str(record.get("posted_at")) and posted_at is None:
            raise InputError(f"{where}: unparsable posted_at {record.get('posted_at')!r}")
        period = _str(record.get("period")) or (period_of(posted_at) if posted_at else None)
        if not period or not _PERIOD.match(period):
            raise InputError(f"{where}: period must be YYYY-MM (or give posted_at), got {period!r}")
        text_html = _str(record.get("text_html"))
        text = _str(record.get("text")) or html_to_text(text_html)
        extra = {c: record[c] for c in others if _str(record[c]) not in (None, "")}
        rows.append(
            {
                "source": name,
                "source_id": source_id,
                "period": period,
                "company": _str(record.get("company")),
                "title": _str(record.get("title")),
                "location": _str(record.get("location")),
                "remote": _bool(record.get("remote")),
                "url": _str(record.get("url")),
                "posted_at": posted_at,
                "text_html": text_html,
                "text": text,
                "extra": json.dumps(extra, ensure_ascii=False, default=str) if extra else None,
            }
        )
    return postings_frame(rows)
