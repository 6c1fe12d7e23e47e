"""Per-partition report aggregates kept between runs, so a report recomputes only what changed.

Every number of the report except the company-cluster bootstrap is a sum of per-month counts
(:class:`~analyzer.analyze.Counts`), and the evidence quotes come from a few candidates per
partition (:func:`~analyzer.report.evidence_candidates`). This module keeps both, per store
partition (one source and month) and tagger version, in ``<store>/cache/report/``::

    cache/report/source=<s>/period=<YYYY-MM>.json

Each entry records what it was built from: the partition's committed postings, annotations and
tags files (their content-hashed names in the manifest), the tagger version and
:data:`CACHE_FORMAT`. Any change to one of them (a fetch, a re-tag, a new tagger or a new format)
makes the entry stale and it is recomputed from that partition alone. Entries are written
atomically through the store's file layer (so an object-storage root works too) and are never
part of the manifest: deleting ``cache/`` loses nothing but time. An unreadable or stale entry is
recomputed, never an error; entries of partitions no longer in the store are pruned; a store that
cannot be written to still gets its report (the entries are then not kept).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from analyzer.analyze import (
    DENOMINATORS,
    Counts,
    combine_counts,
    count_keys,
    count_levels,
    posting_levels,
    source_group,
    version_key,
)
from analyzer.errors import InputError
from analyzer.report import MAIN_FAMILIES, evidence_candidates
from analyzer.store import CACHE_ROOT, PartitionFiles, Store, StoreView

__all__ = [
    "CACHE_DIR",
    "CACHE_FORMAT",
    "LEVEL_INPUTS",
    "CachedPartition",
    "ReportInputs",
    "collect",
    "partition_aggregates",
    "partition_levels",
]

log = logging.getLogger(__name__)

#: The aggregate format: bump it whenever what an entry holds or how it is counted changes.
CACHE_FORMAT = "report-counts.v1"
#: Where the entries live, relative to the store root.
CACHE_DIR = f"{CACHE_ROOT}/report"
_CACHE_NAME = "report"  # CACHE_DIR, as the store's cache API names it

#: The columns of each table a partition's :func:`partition_levels` are built from.
LEVEL_INPUTS: dict[str, list[str]] = {
    "postings": ["posting_id", "source", "period", "company", "posted_at"],
    "annotations": ["posting_id", "is_job_posting", "roles", "language", "tagger_version"],
    "tags": ["posting_id", "family", "skill", "level", "tagger_version"],
}
_CANDIDATE_COLUMNS = ["posting_id", "source", "period", "company", "is_job_posting", "roles"]


@dataclass(frozen=True)
class CachedPartition:
    """What the report needs of one store partition, whatever the tagger version."""

    source: str
    period: str
    rows: int
    versions: tuple[str, ...]
    newest: str | None


@dataclass
class ReportInputs:
    """Everything the report reads from the store, gathered partition by partition.

    Attributes:
        tagger_version: the version reported.
        counts: the counts of every partition (all sources), combined.
        candidates: the evidence candidates of every partition, in store order.
        partitions: the facts of every postings partition read.
        recomputed: partitions whose counts were computed (not taken from the cache).
        reused: partitions whose cached counts were used.
        pruned: cache entries removed (their partition is gone).
    """

    tagger_version: str
    counts: Counts
    candidates: pd.DataFrame
    partitions: list[CachedPartition] = field(default_factory=list)
    recomputed: int = 0
    reused: int = 0
    pruned: int = 0

    def periods_of(self, source: str) -> pd.Series:
        """The months holding postings of ``source``'s group (as the coverage table wants)."""
        group = source_group(source)
        return pd.Series(
            sorted({p.period for p in self.partitions if source_group(p.source) == group}),
            dtype=object,
        )

    def newest_of(self, source: str) -> pd.Timestamp | None:
        """The newest ``posted_at`` of ``source``'s group (``None`` when none is known)."""
        group = source_group(source)
        stamps = [
            pd.Timestamp(p.newest)
            for p in self.partitions
            if source_group(p.source) == group and p.newest
        ]
        return max(stamps) if stamps else None


def _rel(source: str, period: str) -> str:
    """The entry's name under ``<store>/cache/``."""
    return f"{_CACHE_NAME}/source={source}/period={period}.json"


def _load(store: Store, rel: str) -> dict[str, Any] | None:
    """A cache entry, or ``None`` when it is missing or unreadable (it is then recomputed)."""
    try:
        entry = json.loads(store.read_cache(rel))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as exc:
        log.warning("report cache entry %s is unreadable (%s): recomputing it", rel, exc)
        return None
    if (
        not isinstance(entry, dict)
        or entry.get("format") != CACHE_FORMAT
        or not isinstance(entry.get("versions"), list)
        or not isinstance(entry.get("newest"), str | None)
    ):
        return None
    return entry


def _save(store: Store, rel: str, entry: dict[str, Any]) -> None:
    try:
        store.write_cache(rel, json.dumps(entry, separators=(",", ":")).encode())
    except OSError as exc:
        log.warning(
            "cannot keep report cache entry %s (%s): the next report recomputes it", rel, exc
        )


def _facts(view: StoreView, part: PartitionFiles) -> dict[str, Any]:
    """The version-independent facts of a partition: tagger versions present, newest posting."""
    posted = view.read("postings", part.source, part.period, ["posted_at"])
    versions = view.read("annotations", part.source, part.period, ["tagger_version"])
    newest = posted["posted_at"].max() if not posted.empty else None
    present = sorted({str(v) for v in versions["tagger_version"].dropna()}, key=version_key)
    return {
        "versions": present,
        "newest": None if newest is None or pd.isna(newest) else pd.Timestamp(newest).isoformat(),
    }


def _plain(value: Any) -> Any:
    """A JSON-ready copy of a frame cell (numpy scalars and arrays, missing values)."""
    if isinstance(value, np.ndarray | list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return value if isinstance(value, bool | int | float | str) else str(value)


def partition_levels(
    postings: pd.DataFrame, annotations: pd.DataFrame, tags: pd.DataFrame, version: str
) -> pd.DataFrame:
    """:func:`~analyzer.analyze.posting_levels` of one store partition's tables (columns of
    :data:`LEVEL_INPUTS` at least), empty when nothing in it is tagged with ``version``."""
    annotations = annotations[annotations["tagger_version"] == version]
    if annotations.empty or postings.empty:
        return pd.DataFrame()
    return posting_levels(postings, annotations, tags, version)


def partition_aggregates(
    postings: pd.DataFrame, annotations: pd.DataFrame, tags: pd.DataFrame, version: str
) -> tuple[Counts, pd.DataFrame] | None:
    """What the report keeps of one store partition: the :class:`~analyzer.analyze.Counts` of
    its levels and its :func:`~analyzer.report.evidence_candidates` (``None`` when untagged)."""
    levels = partition_levels(postings, annotations, tags, version)
    if levels.empty:
        return None
    return count_levels(levels), evidence_candidates(levels)


def _compute(view: StoreView, part: PartitionFiles, version: str) -> dict[str, Any]:
    """Count one partition for ``version`` (its levels are built and dropped here)."""
    tables = {
        table: view.read(table, part.source, part.period, columns, tagger_version=version)
        if "tagger_version" in columns
        else view.read(table, part.source, part.period, columns)
        for table, columns in LEVEL_INPUTS.items()
    }
    aggregates = partition_aggregates(
        tables["postings"], tables["annotations"], tables["tags"], version
    )
    if aggregates is None:
        return {"columns": [], "n": None, "k": {}, "candidates": []}
    counts, chosen = aggregates
    n = counts.n.iloc[0]
    k = {
        str(den): {key: int(v) for key, v in row.items() if v}
        for (_, _, den), row in counts.k.iterrows()
    }
    candidates = [
        {col: _plain(value) for col, value in row.items()} for row in chosen.to_dict("records")
    ]
    return {
        "columns": list(counts.columns),
        "n": {col: int(n[col]) for col in counts.n.columns},
        "k": k,
        "candidates": candidates,
    }


def _entry_counts(source: str, period: str, entry: dict[str, Any], version: str) -> Counts | None:
    """The :class:`Counts` an entry holds (``None`` for a partition with nothing tagged)."""
    if entry["n"] is None:
        return None
    columns = [str(c) for c in entry["columns"]]
    keys = count_keys(columns)
    n = pd.DataFrame(
        [[int(entry["n"][c]) for c in ("rows", *DENOMINATORS)]],
        columns=["rows", *DENOMINATORS],
        index=pd.MultiIndex.from_tuples([(source, period)], names=["source", "period"]),
    )
    values = np.zeros((len(DENOMINATORS), len(keys)), dtype="int64")
    position = {key: i for i, key in enumerate(keys)}
    for d, den in enumerate(DENOMINATORS):
        for key, value in entry["k"].get(den, {}).items():
            values[d, position[key]] = int(value)
    k = pd.DataFrame(
        values,
        columns=keys,
        index=pd.MultiIndex.from_tuples(
            [(source, period, den) for den in DENOMINATORS],
            names=["source", "period", "denominator"],
        ),
    )
    return Counts(n, k, tuple(columns), version)


def _reuse(
    counted: Any, source: str, period: str, version: str
) -> tuple[Counts | None, list[dict[str, Any]]] | None:
    """The counts and candidates of a cached entry of ``version``; ``None`` when it holds
    another version or is damaged (then it is recomputed)."""
    if not isinstance(counted, dict) or counted.get("tagger_version") != version:
        return None
    try:
        return _entry_counts(source, period, counted, version), list(counted["candidates"])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        log.warning("report cache of %s %s is damaged (%r): recomputing it", source, period, exc)
        return None


def _candidates_frame(records: list[dict[str, Any]]) -> pd.DataFrame:
    columns = [*_CANDIDATE_COLUMNS, *MAIN_FAMILIES]
    frame = pd.DataFrame.from_records(records, columns=columns) if records else None
    if frame is None:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in columns})
    frame["is_job_posting"] = frame["is_job_posting"].astype(bool)
    frame["roles"] = [list(r) if isinstance(r, list) else [] for r in frame["roles"]]
    frame["tagger_version"] = None
    return frame


def _prune(store: Store, keep: Iterable[str]) -> int:
    """Remove the entries (and stray temp files) of partitions no longer in the store."""
    wanted = set(keep)
    removed = 0
    try:
        for rel in store.list_cache(_CACHE_NAME):
            if rel not in wanted:
                store.remove_cache(rel)
                removed += 1
    except OSError as exc:
        log.warning("cannot prune the report cache (%s)", exc)
    return removed


def collect(
    store: Store,
    *,
    tagger_version: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> ReportInputs:
    """The report's counts, evidence candidates and partition facts, from the cache where it is
    current and from the partition's files where it is not (and then kept).

    Args:
        store: the store (its committed state is read once, from one manifest).
        tagger_version: the version to report (default: the latest present in the partitions).
        since, until: inclusive ``YYYY-MM`` bounds on the partitions.

    Raises:
        InputError: nothing fetched and tagged, or no annotation of ``tagger_version``.
    """
    view = store.view()
    entries: list[tuple[PartitionFiles, dict[str, Any]]] = []
    facts: list[CachedPartition] = []
    for part in view.partitions(since, until):
        built_from = {table: part.files[table] for table in ("postings", "annotations", "tags")}
        cached = _load(store, _rel(part.source, part.period))
        if cached is None or cached.get("files") != built_from:
            cached = {"format": CACHE_FORMAT, "files": built_from, **_facts(view, part)}
            cached["stale"] = True
        entries.append((part, cached))
        facts.append(
            CachedPartition(
                part.source,
                part.period,
                part.rows,
                tuple(cached["versions"]),
                cached.get("newest"),
            )
        )
    present = sorted({v for f in facts for v in f.versions}, key=version_key)
    if not facts or not present:
        raise InputError(
            f"nothing to report in {store.root}: fetch and tag postings first "
            "(analyzer fetch, analyzer tag)"
        )
    version = tagger_version or present[-1]
    if version not in present:
        raise InputError(
            f"no annotations of tagger version {version!r} (present: {', '.join(sorted(present))})"
        )
    parts: list[Counts] = []
    candidates: list[dict[str, Any]] = []
    recomputed = reused = 0
    for part, cached in entries:
        source, period = part.source, part.period
        reuse = (
            None
            if cached.pop("stale", False)
            else _reuse(cached.get("counts"), source, period, version)
        )
        if reuse is None:
            counted = {"tagger_version": version, **_compute(view, part, version)}
            cached["counts"] = counted
            _save(store, _rel(source, period), cached)
            reuse = (_entry_counts(source, period, counted, version), counted["candidates"])
            recomputed += 1
        else:
            reused += 1
        if reuse[0] is not None:
            parts.append(reuse[0])
        candidates += reuse[1]
    pruned = _prune(store, [_rel(p.source, p.period) for p in view.partitions()])
    counts = combine_counts(parts)
    if counts.n.empty:
        raise InputError(
            f"no annotations of tagger version {version!r} (present: {', '.join(sorted(present))})"
        )
    log.info(
        "report counts: %d partition(s), %d recomputed, %d from the cache",
        len(entries),
        recomputed,
        reused,
    )
    return ReportInputs(
        tagger_version=version,
        counts=counts,
        candidates=_candidates_frame(candidates),
        partitions=facts,
        recomputed=recomputed,
        reused=reused,
        pruned=pruned,
    )
