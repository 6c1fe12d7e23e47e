"""The stages composed: fetch, tag, report, and the nightly run.

Only this module, :mod:`analyzer.cli` and :mod:`analyzer` itself import every stage. Each function here
takes the effective :class:`~analyzer.config.Config` and returns a summary the CLI prints.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from analyzer import report as reporting
from analyzer import report_cache
from analyzer.analyze import (
    Counts,
    combine_levels,
    hn_coverage,
    posting_levels,
    source_group,
)
from analyzer.config import Config
from analyzer.errors import ConfigError, InputError
from analyzer.extract.evaluate import EvalReport, evaluate_labels, format_report
from analyzer.extract.normalize import to_text
from analyzer.extract.tagger import Tagger
from analyzer.models import FAMILIES
from analyzer.sources import FetchSummary, fetch_sources
from analyzer.sources.base import Progress
from analyzer.sources.importer import read_import_file
from analyzer.store import Store, StoreWriter, UpsertResult, open_store

log = logging.getLogger(__name__)

__all__ = [
    "RunSummary",
    "default_hn_dir",
    "evaluate",
    "fetch",
    "format_evaluation",
    "format_status",
    "format_tag_summary",
    "hn_texts",
    "import_file",
    "load_levels",
    "report",
    "run",
    "status",
    "tag",
    "tag_file",
]


def status(config: Config) -> dict[str, Any]:
    """Describe the store: postings per source and period, last fetch per source, tagger versions."""
    return open_store(config["store"]).status()


def format_status(report: dict[str, Any]) -> str:
    """Render :func:`status` output as a short human-readable text."""
    lines = [f"store: {report['root']} (schema v{report['schema_version']})"]
    if not report["postings"]:
        lines.append("empty: no postings yet (run `analyzer fetch` or `analyzer run`)")
        return "\n".join(lines)
    total = sum(row["postings"] for row in report["postings"])
    lines.append(f"postings: {total:,}")
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in report["postings"]:
        by_source.setdefault(row["source"], []).append(row)
    for source, rows in sorted(by_source.items()):
        periods = sorted(r["period"] for r in rows)
        count = sum(r["postings"] for r in rows)
        last = report["sources"].get(source, {}).get("last_fetch_at", "never")
        lines.append(
            f"  {source}: {count:,} postings in {len(rows)} periods "
            f"({periods[0]}..{periods[-1]}), last fetch {last}"
        )
    versions = report.get("tagger_versions") or {}
    if versions:
        for version, count in sorted(versions.items()):
            lines.append(f"tagged by {version}: {count:,} postings")
    else:
        lines.append("not tagged yet (run `analyzer tag`)")
    return "\n".join(lines)


def load_levels(
    store: Store | str,
    *,
    source: str | None = None,
    since: str | None = None,
    until: str | None = None,
    tagger_version: str | None = None,
) -> pd.DataFrame:
    """Read a store's postings, annotations and tags and return one row per tagged posting.

    This is the notebook's starting point: the frame :func:`analyzer.analyze.skill_shares` and
    :mod:`analyzer.claims` take. One tagger version only (the latest unless given).

    Args:
        store: a :class:`~analyzer.store.Store` or its root (path or fsspec URL).
        source: one source (``hn``) or source group (``ats``); ``None`` for all.
        since: first period (``YYYY-MM``).
        until: last period (``YYYY-MM``).
        tagger_version: the tagger version to use (default: the latest present).
    """
    store = open_store(store) if isinstance(store, str) else store
    postings = store.read_postings(
        since=since, until=until, columns=["posting_id", "source", "period", "company", "title"]
    )
    if source is not None:
        postings = postings[postings["source"].map(source_group) == source_group(source)]
    sources = sorted(set(postings["source"])) or None
    annotations = store.read_annotations(sources=sources, since=since, until=until)
    tags = store.read_tags(sources=sources, since=since, until=until)
    return posting_levels(postings, annotations, tags, tagger_version=tagger_version)


# --- fetching (issue 3) ---------------------------------------------------------------------------


def fetch(
    config: Config,
    sources: Sequence[str],
    since: str | None = None,
    until: str | None = None,
    keep_raw: bool = False,
    progress: Progress | None = None,
    urls: Sequence[str] | None = None,
) -> FetchSummary:
    """Fetch ``sources`` into the store; one failing board or thread never raises.

    Returns per-source new/updated/unchanged/closed counts and the failures (see
    :func:`analyzer.sources.fetch_sources`). Raises only when the store cannot be locked or
    written (:class:`~analyzer.errors.StoreError`) or an option is invalid.
    """
    store = open_store(config["store"])
    return fetch_sources(
        store,
        config,
        list(sources),
        since=since,
        until=until,
        keep_raw=keep_raw,
        progress=progress,
        urls=urls,
    )


def import_file(
    config: Config,
    path: str | Path,
    *,
    source: str = "import",
    mapping: dict[str, str] | None = None,
) -> UpsertResult:
    """Upsert the postings of an export file (JSONL, JSON, CSV, parquet) in one commit."""
    frame = read_import_file(path, source=source, mapping=mapping)
    with open_store(config["store"]).writer(command=f"import {Path(path).name}") as writer:
        return writer.upsert_postings(frame)


# --- tagging and evaluation (issue 4) -------------------------------------------------------------

_TAG_COLUMNS = ["posting_id", "source", "period", "title", "text", "text_html"]
_TAG_ROW_COLUMNS = ["posting_id", "family", "skill", "level", "start", "end", "tagger_version"]


def _posting_text(row: Any) -> str:
    text = row.text if isinstance(row.text, str) and row.text else None
    return text or to_text(row.text_html if isinstance(row.text_html, str) else "")


def _engine(engine: str, scheduler: str | None) -> str:
    """Check the ``engine``/``scheduler`` pair of ``tag`` and ``report``."""
    if engine not in ("local", "dask"):
        raise ConfigError(f"unknown engine {engine!r}: choose local or dask")
    if scheduler is not None and engine != "dask":
        raise ConfigError("--scheduler needs --engine dask")
    return engine


class TagBatches:
    """Tag results gathered into commits of ``batch_size`` postings, with the running summary.

    Both engines feed it one posting at a time (:meth:`add`); every ``batch_size`` postings become
    one ``write_tags`` commit, whatever partitions they span, so an interrupted run resumes after
    the last commit. :attr:`summary` is what ``analyzer tag`` prints.
    """

    def __init__(
        self,
        writer: StoreWriter,
        version: str,
        batch_size: int,
        progress: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.summary: dict[str, Any] = {
            "version": version,
            "seen": 0,
            "tagged": 0,
            "skipped": 0,
            "batches": 0,
            "mentions": 0,
            "seconds": 0.0,
            "levels": dict.fromkeys(FAMILIES, 0),
        }
        self._writer, self._version, self._batch_size = writer, version, batch_size
        self._progress = progress
        self._started = time.monotonic()
        self._annotations: list[dict[str, Any]] = []
        self._tags: list[dict[str, Any]] = []

    def count(self, postings: int, todo: int) -> None:
        """Note a partition's ``postings`` of which ``todo`` are to be tagged."""
        self.summary["seen"] += postings
        self.summary["skipped"] += postings - todo

    def add(
        self,
        posting: Mapping[str, Any],
        mentions: Iterable[tuple[str, str, str, int, int]],
        involved: Iterable[str],
    ) -> None:
        """Add one tagged posting; commit when a batch is full.

        Args:
            posting: the annotation row without ``tagger_version``: ``posting_id, source, period,
                is_job_posting, roles, language, content_hash``.
            mentions: ``(family, skill, level, start, end)`` of every skill mention.
            involved: the families whose level is not absent.
        """
        version = self._version
        self._annotations.append({**posting, "tagger_version": version})
        self._tags.extend(
            {
                "posting_id": posting["posting_id"],
                "family": family,
                "skill": skill,
                "level": level,
                "start": start,
                "end": end,
                "tagger_version": version,
            }
            for family, skill, level, start, end in mentions
        )
        for family in involved:
            self.summary["levels"][family] += 1
        if len(self._annotations) >= self._batch_size:
            self.commit()

    def commit(self) -> None:
        """Write the postings gathered so far as one commit (nothing when there are none)."""
        if not self._annotations:
            return
        self._writer.write_tags(
            pd.DataFrame(self._annotations), pd.DataFrame(self._tags, columns=_TAG_ROW_COLUMNS)
        )
        self.summary["tagged"] += len(self._annotations)
        self.summary["mentions"] += len(self._tags)
        self.summary["batches"] += 1
        self.summary["seconds"] = round(time.monotonic() - self._started, 1)
        self._annotations.clear()
        self._tags.clear()
        if self._progress is not None:
            self._progress(dict(self.summary))

    def finish(self, complete: list[str]) -> dict[str, Any]:
        """Commit the rest, record the fully tagged partitions ``complete``; the summary."""
        self.commit()
        if self.summary["tagged"]:
            # Partitions now fully tagged are skipped unread by the next run (until they change).
            self._writer.mark_tagged(self._version, complete)
        self.summary["seconds"] = round(time.monotonic() - self._started, 1)
        return self.summary


def tag(
    config: Config,
    *,
    batch_size: int = 5000,
    sources: list[str] | None = None,
    retag: bool = False,
    progress: Callable[[dict[str, Any]], None] | None = None,
    engine: str = "local",
    scheduler: str | None = None,
) -> dict[str, Any]:
    """Tag the postings of the store the current tagger version has not tagged, new or changed.

    Which postings to tag is found per partition from ids and content hashes alone
    (:meth:`~analyzer.store.Store.tag_work`: no annotation of the current version, or one made from
    other content; a new tagger or taxonomy version therefore re-tags everything), and partitions a
    previous run recorded as fully tagged, and unchanged since, are not read at all. Only the
    postings to tag are then read with their texts, partition by partition in batches of
    ``batch_size``, tagged, and written with one ``write_tags`` commit per batch, so memory is
    bounded by the batch size and an interrupted run resumes where it stopped.

    Args:
        config: the effective settings (``store``).
        batch_size: postings per commit.
        sources: only these sources (``None``: all).
        retag: tag again postings the current version already tagged.
        progress: called after each commit with the running summary.
        engine: ``local``, or ``dask`` to tag on a Dask cluster (:mod:`analyzer.dask_engine`).
        scheduler: the Dask scheduler address (``dask`` only; default: a LocalCluster).

    Returns:
        ``{"version", "seen", "tagged", "skipped", "batches", "mentions", "seconds", "levels"}``
        where ``levels`` counts postings per family whose level is not absent.
    """
    if _engine(engine, scheduler) == "dask":
        from analyzer import dask_engine

        return dask_engine.tag(
            config,
            scheduler=scheduler,
            batch_size=batch_size,
            sources=sources,
            retag=retag,
            progress=progress,
        )
    tagger = Tagger()
    store = open_store(config["store"])
    complete: list[str] = []
    with store.writer(command="tag") as writer:
        batches = TagBatches(writer, tagger.version, batch_size, progress)
        for work in store.tag_work(tagger.version, sources, retag=retag):
            batches.count(work.postings, len(work.todo))
            complete.append(work.key)
            if work.todo.empty:
                continue
            hashes = work.todo.set_index("posting_id")["content_hash"]
            for frame in store.iter_postings_by_id(
                work.source, work.period, hashes.index, _TAG_COLUMNS, batch_size=batch_size
            ):
                rows = list(frame.itertuples(index=False))
                items = [
                    (_posting_text(r), r.title if isinstance(r.title, str) else None) for r in rows
                ]
                for row, result in zip(rows, tagger.tag_many(items), strict=True):
                    batches.add(
                        {
                            "posting_id": row.posting_id,
                            "source": row.source,
                            "period": row.period,
                            "is_job_posting": result.is_job_posting,
                            "roles": result.roles,
                            "language": result.language,
                            "content_hash": hashes[row.posting_id],
                        },
                        ((m.family, m.skill, m.level, m.start, m.end) for m in result.skills),
                        (f for f, level in result.levels.items() if level != "absent"),
                    )
        return batches.finish(complete)


def tag_file(in_path: str | Path, out_path: str | Path, *, batch_size: int = 500) -> dict[str, int]:
    """Tag a JSON-lines file of postings into a JSON-lines file of label records.

    Input lines are ``{"id": ..., "text": "<HTML, markdown or plain>", "title"?: ...}``. Each output
    line is the label format of ``ANNOTATION.md`` plus ``language`` and ``skills``; a malformed
    input line yields ``{"id": ..., "error": "..."}`` (``id`` is ``null`` when unreadable) and
    the run goes on.

    Returns:
        ``{"lines", "tagged", "errors"}``.

    Raises:
        InputError: the input cannot be opened or the output cannot be written.
    """
    tagger = Tagger()
    counts = {"lines": 0, "tagged": 0, "errors": 0}
    try:
        with (
            open(in_path, encoding="utf-8", errors="replace") as src,
            open(out_path, "w", encoding="utf-8") as out,
        ):
            pending: list[tuple[Any, str, str | None]] = []

            def flush() -> None:
                results = tagger.tag_many([(text, title) for _, text, title in pending])
                for (posting_id, _, _), result in zip(pending, results, strict=True):
                    out.write(json.dumps(result.as_label(posting_id), ensure_ascii=False) + "\n")
                    counts["tagged"] += 1
                pending.clear()

            for line in src:
                if not line.strip():
                    continue
                counts["lines"] += 1
                record, error = _parse_posting_line(line)
                if error is not None:
                    flush()
                    out.write(json.dumps({"id": record, "error": error}) + "\n")
                    counts["errors"] += 1
                    continue
                posting_id, body, title = record
                pending.append((posting_id, to_text(body), title))
                if len(pending) >= batch_size:
                    flush()
            flush()
    except OSError as exc:
        raise InputError(f"tag-file: {exc}") from exc
    return counts


def _parse_posting_line(line: str) -> tuple[Any, str | None]:
    """Parse one tag-file input line: ``((id, text, title), None)`` or ``(id, error)``."""
    try:
        data = json.loads(line)
    except (ValueError, RecursionError) as exc:
        return None, f"invalid JSON: {str(exc)[:200]}"
    if not isinstance(data, dict):
        return None, "a line must be a JSON object"
    posting_id = data.get("id")
    if posting_id is None or isinstance(posting_id, (dict, list)):
        return None, "missing or invalid 'id'"
    text, title = data.get("text"), data.get("title")
    if not isinstance(text, str):
        return posting_id, "'text' must be a string"
    if title is not None and not isinstance(title, str):
        return posting_id, "'title' must be a string"
    return (posting_id, text, title), None


def hn_texts(hn_dir: str | Path, ids: set[int]) -> dict[int, str]:
    """Read the plain texts of some HN comments from a corpus directory (``items/*.json.gz``)."""
    found: dict[int, str] = {}
    for path in sorted(Path(hn_dir).glob("items/*.json.gz")):
        try:
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                story = json.load(fh)
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read {path}: {exc}") from exc
        for child in story.get("children") or []:
            if child.get("id") in ids:
                found[child["id"]] = to_text(child.get("text") or "")
        if len(found) == len(ids):
            break
    return found


def evaluate(
    labels_path: str | Path,
    *,
    config: Config | None = None,
    hn_dir: str | Path | None = None,
) -> EvalReport:
    """Tag the postings of a gold label file and score the tagger against the labels.

    Texts are joined on ``id``: from the HN corpus directory ``hn_dir`` when given, else from the
    store of ``config`` (posting ``hn:<id>``).

    Raises:
        InputError: the label file is unreadable or malformed, or no text source is given.
    """
    try:
        gold = [
            json.loads(line)
            for line in Path(labels_path).read_text("utf-8").splitlines()
            if line.strip()
        ]
    except (OSError, ValueError, RecursionError) as exc:
        raise InputError(f"cannot read labels {labels_path}: {exc}") from exc
    if not all(isinstance(g, dict) and "id" in g for g in gold):
        raise InputError(f"labels {labels_path}: every line must be a JSON object with an 'id'")
    ids = {g["id"] for g in gold}
    if hn_dir is not None:
        texts: dict[Any, str] = dict(hn_texts(hn_dir, {int(i) for i in ids}))
    elif config is not None:
        frame = open_store(config["store"]).read_postings(
            sources="hn", columns=["source_id", "text", "text_html"]
        )
        texts = {}
        for row in frame.itertuples(index=False):
            if row.source_id.isdigit() and int(row.source_id) in ids:
                texts[int(row.source_id)] = row.text or to_text(row.text_html or "")
    else:
        raise InputError("evaluate needs --hn-dir or a store with the HN postings")
    missing = len(ids - set(texts))
    if missing == len(ids):
        raise InputError(f"none of the {len(ids)} labelled postings has a text to tag")
    if missing:
        logging.getLogger(__name__).warning("%d labelled postings have no text; left out", missing)
    tagger = Tagger()
    order = [g["id"] for g in gold if g["id"] in texts]
    results = tagger.tag_many(texts[i] for i in order)
    predicted = {i: result.as_label(i) for i, result in zip(order, results, strict=True)}
    return evaluate_labels(gold, predicted)


def default_hn_dir(hn_dir: str | Path | None) -> Path | None:
    """The HN corpus directory to evaluate with: the given one, else ``../shared/data/hn`` if it
    exists (beside the checkout), else ``None`` (join texts from the store)."""
    if hn_dir is not None:
        path = Path(hn_dir)
        if not path.is_dir():
            raise InputError(f"--hn-dir {hn_dir}: not a directory")
        return path
    default = Path("..") / "shared" / "data" / "hn"
    return default if default.is_dir() else None


def format_evaluation(report: EvalReport) -> str:
    """Render an evaluation report as text (see :func:`analyzer.extract.evaluate.format_report`)."""
    return format_report(report)


def format_tag_summary(summary: dict[str, Any]) -> str:
    """Render the summary of :func:`tag` as a few lines of text."""
    seconds = summary["seconds"] or 0.0
    rate = summary["tagged"] / seconds if seconds else 0.0
    lines = [
        f"tagger {summary['version']}: tagged {summary['tagged']:,} of {summary['seen']:,} "
        f"postings ({summary['skipped']:,} already tagged) in {summary['batches']} commits, "
        f"{seconds}s ({rate:,.0f}/s), {summary['mentions']:,} skill mentions",
    ]
    if summary["tagged"]:
        shares = ", ".join(
            f"{family} {count / summary['tagged']:.1%}"
            for family, count in summary["levels"].items()
        )
        lines.append(f"mentioned (any level): {shares}")
    return "\n".join(lines)


_REPORT_TAG_COLUMNS = ["posting_id", "family", "skill", "level", "start", "end", "tagger_version"]


def report(
    config: Config,
    out_dir: str | Path | None = None,
    *,
    source: str = "hn",
    denominator: str = "backend",
    since: str | None = None,
    until: str | None = None,
    coverage_path: str | Path | None = None,
    bootstrap: int = 0,
    tagger_version: str | None = None,
    engine: str = "local",
    scheduler: str | None = None,
) -> reporting.ReportSummary:
    """Write the report of one population (``source``) from the store into ``out_dir``.

    Args:
        config: the effective settings (``store``, ``report.out``, ``report.min_n``).
        out_dir: the report directory (default: the ``report.out`` setting).
        source: the population: a source (``hn``, ``greenhouse``...) or group (``ats``).
        denominator: ``backend``, ``broad`` or ``all``.
        since: first period (``YYYY-MM``) read from the store.
        until: last period (``YYYY-MM``) read from the store.
        coverage_path: a coverage TSV: the HN corpus's ``coverage.tsv`` (``month ... from``) or
            ``period``/``partial`` columns. Without it only the month of the newest posting is
            marked partial (it was still in progress when captured).
        bootstrap: company-cluster bootstrap replicates (0 = Wilson intervals only).
        tagger_version: report this tagger version (default: the latest in the store).
        engine: ``local``, or ``dask`` for the per-posting work on a Dask cluster (same files).
        scheduler: the Dask scheduler address (``dask`` only; default: a LocalCluster).

    Raises:
        InputError: the store has no tagged postings of ``source``, or the coverage file is bad.
    """
    if _engine(engine, scheduler) == "dask":
        from analyzer import dask_engine

        return dask_engine.report(
            config,
            out_dir,
            scheduler=scheduler,
            source=source,
            denominator=denominator,
            since=since,
            until=until,
            coverage_path=coverage_path,
            bootstrap=bootstrap,
            tagger_version=tagger_version,
        )
    # Per-partition counts and evidence candidates, cached in the store between reports: only the
    # partitions changed since the last report are read; no posting text is read except the few
    # quoted as evidence. The company-cluster bootstrap needs every posting's levels.
    store = open_store(config["store"])
    inputs = report_cache.collect(store, tagger_version=tagger_version, since=since, until=until)
    return _local_report(
        config,
        store,
        inputs,
        out_dir,
        source=source,
        denominator=denominator,
        since=since,
        until=until,
        coverage_path=coverage_path,
        bootstrap=bootstrap,
        tagger_version=tagger_version,
    )


def _local_report(
    config: Config,
    store: Store,
    inputs: report_cache.ReportInputs,
    out_dir: str | Path | None,
    *,
    source: str,
    denominator: str = "backend",
    since: str | None = None,
    until: str | None = None,
    coverage_path: str | Path | None = None,
    bootstrap: int = 0,
    tagger_version: str | None = None,
) -> reporting.ReportSummary:
    """:func:`report` of one population from the store's gathered report inputs (one gathering
    serves every population of a run)."""
    version = inputs.tagger_version
    coverage = _report_coverage(coverage_path, inputs.periods_of(source), inputs.newest_of(source))
    counts: Counts | None = inputs.counts
    all_levels = inputs.candidates
    if bootstrap:
        all_levels, counts = _levels_by_partition(store, version, since, until), None
    quoted = reporting.evidence_posting_ids(
        reporting.population_levels(all_levels, source), denominator=denominator
    )
    where = all_levels.loc[
        all_levels["posting_id"].isin(quoted), ["posting_id", "source", "period"]
    ].astype({"source": str, "period": str})
    quoted_rows = store.read_postings_by_id(where, ["title", "text", "text_html"])
    # Mention offsets index the text the tagger saw: the plain text, else the normalized HTML.
    quoted_rows["text"] = [_posting_text(row) for row in quoted_rows.itertuples(index=False)]
    evidence = where.merge(
        quoted_rows[["posting_id", "title", "text"]], on="posting_id", how="left"
    )
    tags = pd.concat(
        [
            frame[frame["posting_id"].isin(quoted)]
            for (src, period), _ in where.groupby(["source", "period"], sort=True)
            for frame in [
                store.read_tags(
                    sources=[src],
                    since=period,
                    until=period,
                    columns=_REPORT_TAG_COLUMNS,
                    tagger_version=version,
                )
            ]
        ]
        or [pd.DataFrame(columns=_REPORT_TAG_COLUMNS)],
        ignore_index=True,
    )
    return reporting.build_report(
        out_dir or config["report.out"],
        evidence,
        pd.DataFrame(),
        tags,
        all_levels=all_levels,
        source=source,
        denominator=denominator,
        min_n=config["report.min_n"],
        coverage=coverage,
        bootstrap=bootstrap,
        tagger_version=tagger_version,
        counts=counts,
    )


def _levels_by_partition(
    store: Store, version: str, since: str | None, until: str | None
) -> pd.DataFrame:
    """:func:`posting_levels` of the whole store, computed one tagged partition at a time.

    Only one partition's annotations and tags are in memory at once, so the peak is the levels
    frame (a few categorical columns per posting), not every tag row of the store.
    """
    frames = []
    # Annotations first: iter_partitions visits the partitions of its first table (the tagged ones).
    inputs = {t: report_cache.LEVEL_INPUTS[t] for t in ("annotations", "postings", "tags")}
    for _, _, tables in store.iter_partitions(
        inputs, since=since, until=until, tagger_version=version
    ):
        frame = report_cache.partition_levels(
            tables["postings"], tables["annotations"], tables["tags"], version
        )
        if not frame.empty:
            frames.append(frame)
    return combine_levels(frames)


def _report_coverage(
    path: str | Path | None, periods: pd.Series, newest: pd.Timestamp | None
) -> pd.DataFrame:
    """Which months of the report's source are partial: from a coverage file, else the newest."""
    as_of = None if newest is None or pd.isna(newest) else newest
    if path is None:
        months = sorted(set(periods.astype(str)))
        latest = f"{as_of.year:04d}-{as_of.month:02d}" if as_of is not None else None
        return pd.DataFrame({"period": months, "partial": [m == latest for m in months]})
    try:
        table = pd.read_csv(path, sep="\t", dtype=str)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read coverage file {path}: {exc}") from exc
    if {"month", "from"} <= set(table.columns):
        return hn_coverage(table, as_of=as_of)
    if {"period", "partial"} <= set(table.columns):
        return table.assign(partial=table["partial"].str.lower().isin(["true", "1", "yes"]))
    raise InputError(f"coverage file {path} needs columns month and from, or period and partial")


# --- the nightly run --------------------------------------------------------------------------------

#: The file in the report directory recording what the reports were built from.
FINGERPRINT_FILE = ".analyzer-run.json"


@dataclass
class RunSummary:
    """What one nightly run did: the fetch, the tagging and the reports (one per population).

    Attributes:
        fetch: per-source counts and failures of the fetch stage.
        tag: the summary of :func:`tag` (empty when the run stopped before tagging).
        reports: the reports written (none when they were up to date).
        not_reported: source groups with postings but nothing to report, and why.
        index: the index page of the reports.
        reports_up_to_date: the store and settings the reports read had not changed, so they
            were not rebuilt.
        durations: seconds per stage (``fetch``, ``tag``, ``report``) and ``total``.
        responses: HTTP answers per ``(host, status)`` (see :attr:`HttpClient.responses`).
        since: the first period fetched (``--since``), if any.
        until: the last period fetched (``--until``), if any.
        error: why the run stopped early (an exception it raised), else ``None``.
        finished_at: when the run ended (Unix time).
    """

    fetch: FetchSummary
    tag: dict[str, Any]
    reports: list[reporting.ReportSummary] = field(default_factory=list)
    not_reported: dict[str, str] = field(default_factory=dict)
    index: Path | None = None
    reports_up_to_date: bool = False
    durations: dict[str, float] = field(default_factory=dict)
    responses: dict[tuple[str, str], int] = field(default_factory=dict)
    since: str | None = None
    until: str | None = None
    error: str | None = None
    finished_at: float = 0.0

    @property
    def failed(self) -> bool:
        """True when a source unit failed (the run still tagged and reported what it had) or the
        run stopped early."""
        return bool(self.fetch.failures) or self.error is not None

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description (``analyzer run --json`` and the run's metrics)."""
        fetched = self.fetch.as_dict()  # per source new/updated/unchanged/closed/failures
        return {
            "ok": not self.failed,
            "error": self.error,
            "since": self.since,
            "until": self.until,
            "finished_at": datetime.fromtimestamp(self.finished_at, UTC).isoformat()
            if self.finished_at
            else None,
            "sources": fetched["sources"],
            "requests": fetched["requests"],
            "load_id": fetched["load_id"],
            "tagged": int(self.tag.get("tagged", 0)),
            "tagger_version": self.tag.get("version"),
            "reports": {
                "up_to_date": self.reports_up_to_date,
                "written": [str(r.out_dir) for r in self.reports],
                "not_reported": dict(self.not_reported),
                "index": str(self.index) if self.index is not None else None,
            },
            "durations": {stage: round(s, 3) for stage, s in self.durations.items()},
            "http_responses": [
                {"host": host, "status": status, "count": count}
                for (host, status), count in sorted(self.responses.items())
            ],
        }

    def __str__(self) -> str:
        from analyzer.sources import format_fetch_summary

        seconds = self.durations
        parts = [f"== fetch ({seconds.get('fetch', 0.0):.1f}s)", format_fetch_summary(self.fetch)]
        if self.tag:
            parts += [f"== tag ({seconds.get('tag', 0.0):.1f}s)", format_tag_summary(self.tag)]
        if "report" in seconds:
            parts.append(f"== report ({seconds['report']:.1f}s)")
            if self.reports_up_to_date:
                parts.append("reports up to date (nothing they read changed)")
            parts += [str(r) for r in self.reports]
            parts += [f"{group}: not reported ({why})" for group, why in self.not_reported.items()]
            if self.index is not None:
                parts.append(f"index of reports: {self.index}")
        changes = ", ".join(
            f"{name} +{r.new:,}/~{r.updated:,}/-{r.closed:,}"
            + (f" ({len(r.failures)} failed)" if r.failures else "")
            for name, r in self.fetch.results.items()
            if not r.skipped
        )
        outcome = "failed" if self.failed else "ok"
        parts.append(
            f"== run {outcome} in {seconds.get('total', 0.0):.1f}s: postings new/updated/closed "
            f"{changes or 'none'}; {int(self.tag.get('tagged', 0)):,} tagged; "
            f"{len(self.reports)} reports written"
            + (" (up to date)" if self.reports_up_to_date else "")
        )
        if self.error is not None:
            parts.append(f"stopped: {self.error}")
        return "\n".join(parts)


def _report_fingerprint(config: Config, store: Store, groups: list[str]) -> str:
    """A hash of everything the run's reports read: the tagged store's state and the settings.

    Read from the store's manifest alone, so its cost follows the number of partitions, never
    the number of postings. Annotation and tag files are named after a hash of their content,
    so their names fingerprint every tagging result; a posting's content change re-tags it (the
    annotation records the content hash it was tagged from), so postings count only by rows per
    partition, and a re-fetch that changes nothing but ``last_seen_at`` or ``closed_at`` leaves
    the reports as they are.
    """
    digest = hashlib.sha256()
    for table in ("postings", "annotations", "tags"):
        for entry in store.committed_files(table):
            name = "" if table == "postings" else Path(entry["path"]).name
            digest.update(
                f"{table}|{entry['source']}|{entry['period']}|{entry['rows']}|{name}\n".encode()
            )
    coverage = config["report.coverage"]
    coverage_hash = ""
    if coverage:
        try:
            coverage_hash = hashlib.sha256(Path(coverage).read_bytes()).hexdigest()
        except OSError:
            coverage_hash = "unreadable"
    from analyzer import __version__

    settings = {
        "analyzer": __version__,
        "groups": groups,
        "min_n": config["report.min_n"],
        "coverage": coverage,
        "coverage_sha256": coverage_hash,
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()


def _reports_current(out: Path, fingerprint: str, groups: list[str]) -> bool:
    """True when ``out`` holds reports built from ``fingerprint`` and none of them is missing."""
    try:
        recorded = json.loads((out / FINGERPRINT_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    if not isinstance(recorded, dict) or recorded.get("fingerprint") != fingerprint:
        return False
    written = recorded.get("reports") or []
    return (out / "index.html").is_file() and all(
        (out / group / "index.html").is_file() for group in written
    )


def _write_fingerprint(out: Path, fingerprint: str, summary: RunSummary) -> None:
    """Record (atomically) what the reports in ``out`` were built from."""
    record = {
        "fingerprint": fingerprint,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "reports": [Path(r.out_dir).name for r in summary.reports],
        "not_reported": summary.not_reported,
    }
    tmp = out / f"{FINGERPRINT_FILE}.tmp"
    tmp.write_text(json.dumps(record, indent=2), encoding="utf-8")
    tmp.replace(out / FINGERPRINT_FILE)


def run(
    config: Config,
    *,
    since: str | None = None,
    until: str | None = None,
    keep_raw: bool = False,
    progress: Progress | None = None,
    tag_progress: Callable[[dict[str, Any]], None] | None = None,
    out_dir: str | Path | None = None,
) -> RunSummary:
    """The nightly job: fetch every source of ``run.sources``, tag what is new, write the reports.

    A failing source never stops the run: it is listed in the summary (and retried next run) and
    the rest is still tagged and reported. One report is written per source group that has tagged
    postings, into ``<report.out>/<group>/``, with ``<report.out>/index.html`` linking them; when
    nothing the reports read changed since they were written (the fingerprint recorded in
    ``<report.out>/.analyzer-run.json``), they are left as they are. Every stage commits as it
    goes, so a killed run is resumed by running it again. The run's metrics are written and pushed
    as the ``metrics.*`` settings say, whether it succeeds, fails or raises.

    Args:
        config: the effective settings.
        since: first period to fetch (``YYYY-MM``), as ``analyzer fetch --since``.
        until: last period to fetch.
        keep_raw: archive raw responses.
        progress: called after each fetched unit.
        tag_progress: called after each tag commit.
        out_dir: the report directory (default ``report.out``).

    Raises:
        StoreError: the store cannot be locked, read or written (nothing is half-written).
        ConfigError: ``since``/``until`` are invalid.
    """
    from analyzer import metrics
    from analyzer.sources import HttpClient, HttpSettings

    started = time.monotonic()
    summary = RunSummary(fetch=FetchSummary(), tag={}, since=since, until=until)
    http = HttpClient(HttpSettings.from_config(config))
    store = open_store(config["store"])
    stage = started
    try:
        summary.fetch = fetch_sources(
            store,
            config,
            list(config["run.sources"]),
            since=since,
            until=until,
            keep_raw=keep_raw,
            progress=progress,
            client=http,
        )
        summary.durations["fetch"] = time.monotonic() - stage
        log.info("fetch done", extra={"stage": "fetch", "seconds": summary.durations["fetch"]})
        stage = time.monotonic()
        summary.tag = tag(
            config, batch_size=max(1, config["run.tag_batch_size"]), progress=tag_progress
        )
        summary.durations["tag"] = time.monotonic() - stage
        log.info("tag done", extra={"stage": "tag", "tagged": summary.tag["tagged"]})
        stage = time.monotonic()
        _run_reports(config, store, summary, Path(out_dir or config["report.out"]))
        summary.durations["report"] = time.monotonic() - stage
    except BaseException as exc:
        summary.error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        http.close()
        summary.responses = dict(http.responses)
        summary.durations["total"] = time.monotonic() - started
        summary.finished_at = time.time()
        log.info(
            "run %s",
            "failed" if summary.failed else "ok",
            extra={"durations": summary.durations, "failures": len(summary.fetch.failures)},
        )
        metrics.publish(config, summary.as_dict(), finished_at=summary.finished_at)
    return summary


def _run_reports(config: Config, store: Store, summary: RunSummary, out: Path) -> None:
    """Write one report per source group, unless the fingerprint says they are up to date."""
    groups = sorted({source_group(f["source"]) for f in store.committed_files("postings")})
    fingerprint = _report_fingerprint(config, store, groups)
    if _reports_current(out, fingerprint, groups):
        summary.reports_up_to_date = True
        summary.index = out / "index.html"
        log.info("reports up to date", extra={"stage": "report", "fingerprint": fingerprint[:16]})
        return
    coverage = config["report.coverage"] or None
    try:
        inputs = report_cache.collect(store)  # once for every group's report
    except InputError as exc:
        summary.not_reported = dict.fromkeys(groups, str(exc))
        groups = []
    for group in groups:
        try:
            summary.reports.append(
                _local_report(
                    config,
                    store,
                    inputs,
                    out / group,
                    source=group,
                    coverage_path=coverage if group == "hn" else None,
                )
            )
        except InputError as exc:
            summary.not_reported[group] = str(exc)
    summary.index = reporting.write_index(out, summary.reports)
    _write_fingerprint(out, fingerprint, summary)
