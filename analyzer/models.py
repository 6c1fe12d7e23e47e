"""The schemas of the store's tables and the vocabularies used across stages.

Column names and allowed values are defined here once; every other module imports them.

Tables (all partitioned on disk by ``source`` and ``period``, which live in the path, not the files):

* ``postings``: one row per posting, keyed by ``posting_id`` = ``"<source>:<source_id>"``.
* ``tags``: one row per skill mention found in a posting (``posting_id`` x ``skill`` x span).
* ``annotations``: one row per tagged posting: is it a job posting, which roles, which language,
  and which tagger version decided. A posting with an annotation but no tags mentions no skill.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import pyarrow as pa

__all__ = [
    "ANNOTATIONS_SCHEMA",
    "FAMILIES",
    "LEVELS",
    "PARTITION_COLUMNS",
    "POSTINGS_SCHEMA",
    "POSTING_INPUT_COLUMNS",
    "POSTING_OPTIONAL_COLUMNS",
    "REQUIRES_LEVELS",
    "ROLES",
    "TABLE_SCHEMAS",
    "TAGS_SCHEMA",
    "content_hash",
    "make_posting_id",
    "period_of",
]

TIMESTAMP = pa.timestamp("us", tz="UTC")

#: The partition columns, in path order: ``<table>/source=<s>/period=<YYYY-MM>/``.
PARTITION_COLUMNS: tuple[str, ...] = ("source", "period")

POSTINGS_SCHEMA = pa.schema(
    [
        pa.field("posting_id", pa.string(), nullable=False),
        pa.field("source_id", pa.string(), nullable=False),
        pa.field("company", pa.string()),
        pa.field("title", pa.string()),
        pa.field("location", pa.string()),
        pa.field("remote", pa.bool_()),
        pa.field("url", pa.string()),
        pa.field("posted_at", TIMESTAMP),
        pa.field("text_html", pa.string()),
        pa.field("text", pa.string()),
        pa.field(
            "extra", pa.string()
        ),  # source-specific fields as a JSON object (labels, board...)
        pa.field("content_hash", pa.string(), nullable=False),
        pa.field("first_seen_at", TIMESTAMP, nullable=False),
        pa.field("last_seen_at", TIMESTAMP, nullable=False),
        pa.field("closed_at", TIMESTAMP),
        pa.field("load_id", pa.string(), nullable=False),
    ]
)

#: Posting columns a source may leave out (the store keeps what it has for a column not given).
POSTING_OPTIONAL_COLUMNS: tuple[str, ...] = (
    "company", "title", "location", "remote", "url", "posted_at", "text_html", "text", "extra",
)  # fmt: skip

#: Columns a source gives ``upsert_postings``; the store fills posting_id, content_hash,
#: first/last seen, closed_at and load_id.
POSTING_INPUT_COLUMNS: tuple[str, ...] = (
    "source",
    "source_id",
    "period",
    *POSTING_OPTIONAL_COLUMNS,
)

TAGS_SCHEMA = pa.schema(
    [
        pa.field("posting_id", pa.string(), nullable=False),
        pa.field("family", pa.string(), nullable=False),
        pa.field("skill", pa.string(), nullable=False),
        pa.field("level", pa.string(), nullable=False),
        pa.field("start", pa.int32(), nullable=False),
        pa.field("end", pa.int32(), nullable=False),
        pa.field("tagger_version", pa.string(), nullable=False),
        pa.field("load_id", pa.string(), nullable=False),
    ]
)

ANNOTATIONS_SCHEMA = pa.schema(
    [
        pa.field("posting_id", pa.string(), nullable=False),
        pa.field("is_job_posting", pa.bool_(), nullable=False),
        pa.field("roles", pa.list_(pa.string()), nullable=False),
        pa.field("language", pa.string()),
        pa.field("tagger_version", pa.string(), nullable=False),
        pa.field("load_id", pa.string(), nullable=False),
        # The posting's content_hash when it was tagged (null in annotations written before it
        # existed): a posting whose content_hash differs is tagged again.
        pa.field("content_hash", pa.string()),
    ]
)

TABLE_SCHEMAS: dict[str, pa.Schema] = {
    "postings": POSTINGS_SCHEMA,
    "tags": TAGS_SCHEMA,
    "annotations": ANNOTATIONS_SCHEMA,
}

#: Skill families: the five of the annotation guide, then the two extra families.
FAMILIES: tuple[str, ...] = (
    "cloud",
    "containers",
    "ci_cd",
    "iac",
    "observability",
    "microservices",
    "ml_ops",
)

#: Requirement levels, strongest first (the strongest mention decides a family's level).
LEVELS: tuple[str, ...] = ("required", "duty", "preferred", "stack", "absent")

#: Levels that count as "requires" in the reports (``requires_strict`` is ``required`` alone).
REQUIRES_LEVELS: frozenset[str] = frozenset({"required", "duty"})

#: Role labels of the annotation guide.
ROLES: tuple[str, ...] = (
    "backend",
    "fullstack",
    "frontend",
    "mobile",
    "data_ml",
    "devops_sre",
    "generic_swe",
    "other_eng",
    "non_eng",
)


def make_posting_id(source: str, source_id: str) -> str:
    """Return the store key of a posting: ``"<source>:<source_id>"``."""
    return f"{source}:{source_id}"


def period_of(ts: datetime) -> str:
    """Return the ``YYYY-MM`` period of a timestamp, computed in UTC (never local time).

    Naive datetimes are taken to be UTC already.
    """
    if ts.tzinfo is not None:
        ts = ts.astimezone(UTC)
    return f"{ts.year:04d}-{ts.month:02d}"


def content_hash(*parts: str | None) -> str:
    """Return a stable hash of a posting's content fields (used to detect changed text)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update((part or "").encode("utf-8", "surrogatepass"))
        digest.update(b"\x00")
    return digest.hexdigest()[:32]
