"""The stages composed: fetch, tag, report, and the nightly run.

Only this module, :mod:`analyzer.cli` and :mod:`analyzer` itself import every stage. Each function here
takes the effective :class:`~analyzer.config.Config` and returns a summary the CLI prints.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analyzer import report as reporting
from analyzer.analyze import hn_coverage, posting_levels, source_group
from analyzer.config import Config
from analyzer.errors import InputError
from analyzer.extract.evaluate import EvalReport, evaluate_labels, format_report
from analyzer.extract.normalize import to_text
from analyzer.extract.tagger import Tagger
from analyzer.models import FAMILIES
from analyzer.sources import FetchSummary, fetch_sources
from analyzer.sources.base import Progress
from analyzer.sources.importer import read_import_file
from analyzer.store import Store, StoreWriter, UpsertResult, open_store

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


def tag(
    config: Config,
    *,
    batch_size: int = 5000,
    sources: list[str] | None = None,
    retag: bool = False,
    progress: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Tag every posting of the store not yet tagged by the current tagger version.

    Postings are streamed from the store, anti-joined with the annotations of the current
    version (a new tagger or taxonomy version therefore re-tags everything), tagged, and written
    with one ``write_tags`` commit per batch, so an interrupted run resumes where it stopped.

    Args:
        config: the effective settings (``store``).
        batch_size: postings per commit.
        sources: only these sources (``None``: all).
        retag: tag again postings the current version already tagged.
        progress: called after each commit with the running summary.

    Returns:
        ``{"version", "seen", "tagged", "skipped", "batches", "mentions", "seconds", "levels"}``
        where ``levels`` counts postings per family whose level is not absent.
    """
    tagger = Tagger()
    store = open_store(config["store"])
    done: set[str] = set()
    if not retag:
        known = store.read_annotations(sources=sources, columns=["posting_id", "tagger_version"])
        done = set(known.loc[known["tagger_version"] == tagger.version, "posting_id"])
    summary: dict[str, Any] = {
        "version": tagger.version,
        "seen": 0,
        "tagged": 0,
        "skipped": 0,
        "batches": 0,
        "mentions": 0,
        "seconds": 0.0,
        "levels": dict.fromkeys(FAMILIES, 0),
    }
    started = time.monotonic()
    annotations: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []

    def commit(writer: StoreWriter) -> None:
        # One commit per batch_size postings, whatever partitions they span: fewer, larger commits.
        writer.write_tags(pd.DataFrame(annotations), pd.DataFrame(tags, columns=_TAG_ROW_COLUMNS))
        summary["tagged"] += len(annotations)
        summary["mentions"] += len(tags)
        summary["batches"] += 1
        summary["seconds"] = round(time.monotonic() - started, 1)
        annotations.clear()
        tags.clear()
        if progress is not None:
            progress(dict(summary))

    with store.writer(command="tag") as writer:
        for frame in store.iter_postings(
            sources=sources, columns=_TAG_COLUMNS, batch_size=batch_size
        ):
            summary["seen"] += len(frame)
            todo = frame[~frame["posting_id"].isin(done)]
            summary["skipped"] += len(frame) - len(todo)
            rows = list(todo.itertuples(index=False))
            items = [
                (_posting_text(r), r.title if isinstance(r.title, str) else None) for r in rows
            ]
            for row, result in zip(rows, tagger.tag_many(items), strict=True):
                annotations.append(
                    {
                        "posting_id": row.posting_id,
                        "source": row.source,
                        "period": row.period,
                        "is_job_posting": result.is_job_posting,
                        "roles": result.roles,
                        "language": result.language,
                        "tagger_version": tagger.version,
                    }
                )
                tags.extend(
                    {
                        "posting_id": row.posting_id,
                        "family": m.family,
                        "skill": m.skill,
                        "level": m.level,
                        "start": m.start,
                        "end": m.end,
                        "tagger_version": tagger.version,
                    }
                    for m in result.skills
                )
                for family, level in result.levels.items():
                    summary["levels"][family] += level != "absent"
            if len(annotations) >= batch_size:
                commit(writer)
        if annotations:
            commit(writer)
    summary["seconds"] = round(time.monotonic() - started, 1)
    return summary


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

    Raises:
        InputError: the store has no tagged postings of ``source``, or the coverage file is bad.
    """
    store = open_store(config["store"])
    postings = store.read_postings(
        since=since,
        until=until,
        columns=["posting_id", "source", "period", "company", "title", "text", "posted_at"],
    )
    annotations = store.read_annotations(since=since, until=until)
    tags = store.read_tags(since=since, until=until)
    if postings.empty or annotations.empty:
        raise InputError(
            f"nothing to report in {config['store']}: fetch and tag postings first "
            "(analyzer fetch, analyzer tag)"
        )
    mine = postings[postings["source"].map(source_group) == source_group(source)]
    newest = mine["posted_at"].max() if not mine.empty else None
    coverage = _report_coverage(coverage_path, mine["period"], newest)
    return reporting.build_report(
        out_dir or config["report.out"],
        postings,
        annotations,
        tags,
        source=source,
        denominator=denominator,
        min_n=config["report.min_n"],
        coverage=coverage,
        bootstrap=bootstrap,
        tagger_version=tagger_version,
    )


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


@dataclass
class RunSummary:
    """What one nightly run did: the fetch, the tagging and the reports (one per population)."""

    fetch: FetchSummary
    tag: dict[str, Any]
    reports: list[reporting.ReportSummary] = field(default_factory=list)
    not_reported: dict[str, str] = field(default_factory=dict)
    index: Path | None = None

    @property
    def failed(self) -> bool:
        """True when a source unit failed (the run still tagged and reported what it had)."""
        return bool(self.fetch.failures)

    def __str__(self) -> str:
        from analyzer.sources import format_fetch_summary

        parts = [
            "== fetch",
            format_fetch_summary(self.fetch),
            "== tag",
            format_tag_summary(self.tag),
            "== report",
        ]
        parts += [str(r) for r in self.reports]
        parts += [f"{group}: not reported ({why})" for group, why in self.not_reported.items()]
        if self.index is not None:
            parts.append(f"index of reports: {self.index}")
        return "\n".join(parts)


def run(
    config: Config,
    *,
    keep_raw: bool = False,
    progress: Progress | None = None,
    tag_progress: Callable[[dict[str, Any]], None] | None = None,
    out_dir: str | Path | None = None,
) -> RunSummary:
    """The nightly job: fetch every source of ``run.sources``, tag what is new, write the reports.

    A failing source never stops the run: it is listed in the summary (and retried next run) and
    the rest is still tagged and reported. One report is written per source group that has tagged
    postings, into ``<report.out>/<group>/``, with ``<report.out>/index.html`` linking them.

    Raises:
        StoreError: the store cannot be locked, read or written (nothing is half-written).
    """
    fetched = fetch(config, config["run.sources"], keep_raw=keep_raw, progress=progress)
    tagged = tag(config, progress=tag_progress)
    summary = RunSummary(fetch=fetched, tag=tagged)
    out = Path(out_dir or config["report.out"])
    sources = {row["source"] for row in open_store(config["store"]).status()["postings"]}
    coverage = config["report.coverage"] or None
    for group in sorted({source_group(s) for s in sources}):
        try:
            summary.reports.append(
                report(
                    config,
                    out / group,
                    source=group,
                    coverage_path=coverage if group == "hn" else None,
                )
            )
        except InputError as exc:
            summary.not_reported[group] = str(exc)
    summary.index = reporting.write_index(out, summary.reports)
    return summary
