"""Scale-out on Dask: ``analyzer tag`` and ``analyzer report`` over the parquet store on a cluster.

Needs the ``dask`` extra (``pip install 'analyzer[dask]'``). The store stays the single truth and
the results are the local engine's, row for row; only where the work runs changes.

What runs where::

    workers  read the committed parquet files (a local path, or s3://, gs://... through fsspec),
             one Dask partition per store partition (source, period), so postings, annotations
             and tags of a partition meet in one task without a shuffle;
             tag: anti-join against the partition's annotations (same rule as the local engine),
                  then tag the rest with one Tagger per worker process (built once, reused);
             report: posting_levels() of the partition: the join of postings, annotations and tags
                  into one narrow row per posting (the levels of every family and skill), then
                  its counts (analyze.count_levels) and evidence candidates, as the local engine
                  computes and caches them per partition; only those come back to the client.
    client   takes the store's write lock and commits the tagging results through the normal
             StoreWriter.write_tags, batch_size postings per atomic commit (resumable: a killed
             run leaves whole commits and the next run tags only the rest);
             report: the statistics (Wilson intervals, trends, claims), charts and files from the
             gathered counts, by the same functions as the local engine.

Why the report's cut sits at per-partition counts: every statistic but the company-cluster
bootstrap is a sum of per-month counts, and the quoted evidence comes from a few candidates per
partition, so the client holds a few numbers per partition, not a row per posting. With
``--bootstrap N`` the levels frame (one row per tagged posting with int8-coded levels, no text)
is gathered instead, as the bootstrap resamples companies. Everything heavier (reading
every posting, annotation and tag, filtering to one tagger version, the per-family grouping) runs
on the workers; only the dozen quoted postings' texts are read again for the examples.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analyzer.analyze import (
    Counts,
    combine_counts,
    combine_levels,
    latest_tagger_version,
    source_group,
)
from analyzer.config import Config
from analyzer.errors import ConfigError, CorruptStoreError, InputError
from analyzer.extract.tagger import Tagger
from analyzer.models import TABLE_SCHEMAS
from analyzer.report import (
    ReportSummary,
    build_report,
    evidence_posting_ids,
    population_levels,
)
from analyzer.report_cache import LEVEL_INPUTS, partition_aggregates, partition_levels
from analyzer.store import Store, open_store

if TYPE_CHECKING:
    from distributed import Client

__all__ = [
    "INSTALL_HINT",
    "connect",
    "counts_on_dask",
    "posting_levels_on_dask",
    "report",
    "tag",
    "worker_tagger",
]

_F = TypeVar("_F", bound=Callable[..., Any])

#: What to run when the engine is asked for without its dependencies.
INSTALL_HINT = "pip install 'analyzer[dask]'"

_TODO_COLUMNS = ["posting_id", "source", "period", "title", "text", "text_html"]
_TAGGED_COLUMNS = [
    "posting_id",
    "content_hash",
    "source",
    "period",
    "is_job_posting",
    "roles",
    "language",
    "tagger_version",
    "mentions",
    "mentioned",
]


def _import_dask() -> tuple[Any, Any]:
    """``(dask.dataframe, distributed)``, or a ConfigError saying how to install them."""
    try:
        import dask.dataframe as dd
        import distributed
    except ImportError as exc:
        raise ConfigError(
            f"--engine dask needs dask and distributed ({exc.name} is missing): {INSTALL_HINT}"
        ) from None
    return dd, distributed


@contextlib.contextmanager
def connect(scheduler: str | None = None, *, timeout: float = 10.0) -> Iterator[Client]:
    """A Dask client: of the scheduler at ``scheduler``, else of a LocalCluster on this machine.

    Args:
        scheduler: the scheduler address (``tcp://host:8786``); ``None`` starts a LocalCluster
            with one single-threaded worker process per core, closed on exit.
        timeout: seconds to wait for the scheduler before giving up.

    Raises:
        ConfigError: dask is not installed, or the scheduler cannot be reached or parsed.
    """
    _, distributed = _import_dask()
    quiet = logging.getLogger("distributed")
    if quiet.level == logging.NOTSET:
        # The in-process scheduler logs every worker's start and stop at INFO: keep the CLI terse.
        quiet.setLevel(logging.WARNING)
    if scheduler is None:
        cluster = distributed.LocalCluster(
            processes=True, threads_per_worker=1, dashboard_address=None
        )
        try:
            client = distributed.Client(cluster)
            try:
                yield client
            finally:
                client.close()
        finally:
            cluster.close()
        return
    try:
        client = distributed.Client(scheduler, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise ConfigError(
            f"cannot connect to the Dask scheduler {scheduler!r} within {timeout:g}s: "
            f"{type(exc).__name__}: {exc}"
        ) from None
    try:
        yield client
    finally:
        client.close()


def _plain_objects(func: _F) -> _F:
    """Run ``func`` with Dask's ``dataframe.convert-string`` off: it would turn the list columns
    exchanged here (roles, mentions, versions) into their string repr."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _import_dask()
        import dask

        with dask.config.set({"dataframe.convert-string": False}):
            return func(*args, **kwargs)

    return cast(_F, wrapper)


@contextlib.contextmanager
def _client(client: Client | None, scheduler: str | None) -> Iterator[Client]:
    if client is not None:
        _import_dask()
        yield client
        return
    with connect(scheduler) as made:
        yield made


# --------------------------------------------------------------------------- reading on workers


def _read(
    spec: dict[str, Any] | None,
    table: str,
    columns: list[str],
    storage_options: dict[str, Any],
) -> pa.Table:
    """One committed file (``Store.committed_files`` entry) with ``source``/``period`` appended.

    Like the store's own reader: the size must match the manifest, else the file is corrupt.
    """
    schema = TABLE_SCHEMAS[table]
    file_columns = [c for c in columns if c in schema.names]
    if spec is None:
        data = schema.empty_table().select(file_columns)
        source = period = ""
    else:
        source, period, path = spec["source"], spec["period"], spec["path"]
        try:
            fs, fs_path = fsspec.core.url_to_fs(path, **storage_options)
            if int(fs.size(fs_path)) != spec["bytes"]:
                raise CorruptStoreError(
                    f"store file {path} has the wrong size (truncated or replaced)"
                )
            with fs.open(fs_path, "rb") as handle:
                data = pq.read_table(handle, columns=file_columns, schema=schema)
        except FileNotFoundError as exc:
            raise CorruptStoreError(f"committed store file {path} is missing") from exc
        except (pa.ArrowException, OSError) as exc:
            raise CorruptStoreError(f"store file {path} is unreadable: {exc}") from exc
    if "source" in columns:
        data = data.append_column("source", pa.array([source] * data.num_rows, pa.string()))
    if "period" in columns:
        data = data.append_column("period", pa.array([period] * data.num_rows, pa.string()))
    return data.select(columns)


def _todo_postings(part: dict[str, Any], storage_options: dict[str, Any]) -> pd.DataFrame:
    """The texts of a partition's postings to tag (``part["todo"]``: ids and content hashes)."""
    todo = part["todo"]
    data = _read(part["postings"], "postings", _TODO_COLUMNS, storage_options)
    data = data.filter(pc.is_in(data["posting_id"], value_set=pa.array(todo["posting_id"])))
    frame = data.to_pandas()
    hashes = todo.set_index("posting_id")["content_hash"]
    return frame.assign(content_hash=frame["posting_id"].map(hashes).astype(object))


_TAGGER: Tagger | None = None
_TAGGER_LOCK = threading.Lock()
_TAGGER_BUILDS = 0


def worker_tagger() -> Tagger:
    """This process's Tagger: built on first use, then reused by every task of the process."""
    global _TAGGER, _TAGGER_BUILDS
    with _TAGGER_LOCK:
        if _TAGGER is None:
            _TAGGER = Tagger()
            _TAGGER_BUILDS += 1
        return _TAGGER


def _tagger_builds() -> int:
    """How many Taggers this process built (1 once it tagged; the tests check it on workers)."""
    return _TAGGER_BUILDS


def _worker_version() -> str:
    return worker_tagger().version


def _tag_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Tag one partition's postings: one row per posting with its annotation and mentions."""
    from analyzer.pipeline import _posting_text  # the text the local engine tags, defined once

    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in _TAGGED_COLUMNS})
    tagger = worker_tagger()
    rows = list(frame.itertuples(index=False))
    items = [(_posting_text(r), r.title if isinstance(r.title, str) else None) for r in rows]
    with _TAGGER_LOCK:  # one posting at a time per process, whatever the worker's threads
        results = list(tagger.tag_many(items))
    return pd.DataFrame(
        {
            "posting_id": [r.posting_id for r in rows],
            "content_hash": [r.content_hash for r in rows],
            "source": [r.source for r in rows],
            "period": [r.period for r in rows],
            "is_job_posting": [res.is_job_posting for res in results],
            "roles": [res.roles for res in results],
            "language": [res.language for res in results],
            "tagger_version": tagger.version,
            "mentions": [
                [(m.family, m.skill, m.level, m.start, m.end) for m in res.skills]
                for res in results
            ],
            "mentioned": [
                [f for f, level in res.levels.items() if level != "absent"] for res in results
            ],
        },
        columns=_TAGGED_COLUMNS,
    )


def _partition_stats(part: dict[str, Any], storage_options: dict[str, Any]) -> pd.DataFrame:
    """Postings, newest ``posted_at`` and tagger versions of one store partition."""
    postings = _read(part["postings"], "postings", ["posted_at"], storage_options).to_pandas()
    versions: list[str] = []
    if part["annotations"] is not None:
        known = _read(
            part["annotations"], "annotations", ["tagger_version"], storage_options
        ).to_pandas()
        versions = sorted(known["tagger_version"].dropna().astype(str).unique())
    return pd.DataFrame(
        {
            "source": [part["source"]],
            "period": [part["period"]],
            "postings": [len(postings)],
            "newest": [postings["posted_at"].max()],
            "versions": [versions],
        }
    )


def _partition_levels(
    part: dict[str, Any], version: str, storage_options: dict[str, Any]
) -> pd.DataFrame:
    """:func:`~analyzer.report_cache.partition_levels` of one store partition."""
    return partition_levels(*_level_inputs(part, storage_options), version)


def _partition_counts(
    part: dict[str, Any], version: str, storage_options: dict[str, Any]
) -> tuple[Counts, pd.DataFrame] | None:
    """:func:`~analyzer.report_cache.partition_aggregates` of one store partition."""
    return partition_aggregates(*_level_inputs(part, storage_options), version)


def _level_inputs(
    part: dict[str, Any], storage_options: dict[str, Any]
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The postings, annotations and tags a partition's levels are built from."""
    postings, annotations, tags = (
        _read(part[table], table, LEVEL_INPUTS[table], storage_options).to_pandas()
        for table in ("postings", "annotations", "tags")
    )
    return postings, annotations, tags


def _partition_rows(
    part: dict[str, Any], table: str, columns: list[str], storage_options: dict[str, Any]
) -> pd.DataFrame:
    """The rows of some postings (``part["ids"]``) in one store partition."""
    frame = _read(part[table], table, columns, storage_options).to_pandas()
    return frame[frame["posting_id"].isin(part["ids"])].reset_index(drop=True)


# --------------------------------------------------------------------------- tag


def _parts(
    store: Store, sources: list[str] | None, since: str | None, until: str | None
) -> list[dict[str, Any]]:
    """One entry per postings partition with the committed file of each table (or None)."""
    others = {
        table: {
            (f["source"], f["period"]): f
            for f in store.committed_files(table, sources=sources, since=since, until=until)
        }
        for table in ("annotations", "tags")
    }
    return [
        {
            "source": f["source"],
            "period": f["period"],
            "postings": f,
            "annotations": others["annotations"].get((f["source"], f["period"])),
            "tags": others["tags"].get((f["source"], f["period"])),
        }
        for f in store.committed_files("postings", sources=sources, since=since, until=until)
    ]


def _results(client: Client, delayed: list[Any], window: int) -> Iterator[pd.DataFrame]:
    """Compute Dask partitions with at most ``window`` in flight; yield them as they finish."""
    _, distributed = _import_dask()
    pending = iter(delayed)
    running = distributed.as_completed()
    futures = []
    try:
        for item in pending:
            futures.append(client.compute(item))
            running.add(futures[-1])
            if len(futures) >= window:
                break
        for future in running:
            frame = future.result()
            future.release()
            nxt = next(pending, None)
            if nxt is not None:
                futures.append(client.compute(nxt))
                running.add(futures[-1])
            yield frame
    finally:
        client.cancel([f for f in futures if not f.done()])


@_plain_objects
def tag(
    config: Config,
    *,
    scheduler: str | None = None,
    client: Client | None = None,
    batch_size: int = 5000,
    sources: list[str] | None = None,
    retag: bool = False,
    progress: Callable[[dict[str, Any]], None] | None = None,
    storage_options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """:func:`analyzer.pipeline.tag` on Dask: the same postings tagged, the same store content.

    The workers read and tag; this process holds the store's lock and commits ``batch_size``
    postings per ``write_tags`` commit, so an interrupted run resumes where it stopped.

    Args:
        config: the effective settings (``store``).
        scheduler: the Dask scheduler address; ``None`` for a LocalCluster on this machine.
        client: an existing Dask client to use instead (not closed here).
        batch_size: postings per commit.
        sources: only these sources (``None``: all).
        retag: tag again postings the current version already tagged.
        progress: called after each commit with the running summary.
        storage_options: fsspec options for the workers' reads of an object-store root
            (default: credentials from the workers' environment, as for the store itself).

    Returns:
        The summary of :func:`analyzer.pipeline.tag`.

    Raises:
        ConfigError: dask is not installed, the scheduler is unreachable, or the workers run
            different tagger versions.
    """
    from analyzer.pipeline import TagBatches  # the batching the local engine commits with

    dd, _ = _import_dask()
    options = dict(storage_options or {})
    with _client(client, scheduler) as dask_client:
        workers = list(dask_client.scheduler_info()["workers"])
        if not workers:
            raise ConfigError("the Dask cluster has no workers")
        # Every worker builds its Tagger now (in parallel) and says which version it runs.
        versions = set(
            dask_client.gather(
                [dask_client.submit(_worker_version, workers=[w], pure=False) for w in workers]
            )
        )
        if len(versions) != 1:
            raise ConfigError(
                f"the Dask workers run different tagger versions ({', '.join(sorted(versions))}): "
                "install the same analyzer on every worker"
            )
        version = versions.pop()
        store = open_store(config["store"])
        with store.writer(command="tag --engine dask") as writer:
            # Which postings to tag: the local engine's rule, from ids and content hashes only.
            files = {
                (f["source"], f["period"]): f
                for f in store.committed_files("postings", sources=sources)
            }
            batches = TagBatches(writer, version, batch_size, progress)
            parts, complete = [], []
            for work in store.tag_work(version, sources, retag=retag):
                batches.count(work.postings, len(work.todo))
                complete.append(work.key)
                if not work.todo.empty:
                    parts.append({"postings": files[(work.source, work.period)], "todo": work.todo})
            if parts:
                todo = dd.from_map(
                    _todo_postings,
                    parts,
                    storage_options=options,
                    meta=pd.DataFrame(
                        {c: pd.Series(dtype=object) for c in [*_TODO_COLUMNS, "content_hash"]}
                    ),
                    label="analyzer-read-postings",
                )
                tagged = todo.map_partitions(
                    _tag_frame,
                    meta=pd.DataFrame({c: pd.Series(dtype=object) for c in _TAGGED_COLUMNS}),
                    enforce_metadata=False,
                )
                window = max(2, 2 * sum(dask_client.nthreads().values()))
                for frame in _results(dask_client, tagged.to_delayed(), window):
                    for row in frame.itertuples(index=False):
                        if row.tagger_version != version:
                            raise ConfigError(
                                f"a Dask worker tagged with {row.tagger_version}, not {version}"
                            )
                        batches.add(
                            {
                                "posting_id": row.posting_id,
                                "source": row.source,
                                "period": row.period,
                                "is_job_posting": row.is_job_posting,
                                "roles": row.roles,
                                "language": row.language,
                                "content_hash": row.content_hash,
                            },
                            row.mentions,
                            row.mentioned,
                        )
            return batches.finish(complete)


# --------------------------------------------------------------------------- report


@_plain_objects
def posting_levels_on_dask(
    client: Client,
    store: Store,
    *,
    since: str | None = None,
    until: str | None = None,
    tagger_version: str | None = None,
    storage_options: dict[str, Any] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`~analyzer.analyze.posting_levels` of the whole store, computed on the workers.

    Returns:
        ``(levels, stats)``: the levels frame, equal to the local one (same rows, order,
        columns and dtypes), and one row per postings partition with ``source, period,
        postings, newest, versions`` (newest ``posted_at``, tagger versions present).

    Raises:
        InputError: nothing to report, or ``tagger_version`` is not in the store.
    """
    options = dict(storage_options or {})
    parts, stats, version = _stats_and_version(client, store, since, until, tagger_version, options)
    return _levels_gathered(client, parts, version, options), stats


@_plain_objects
def counts_on_dask(
    client: Client,
    store: Store,
    *,
    since: str | None = None,
    until: str | None = None,
    tagger_version: str | None = None,
    storage_options: dict[str, Any] | None = None,
) -> tuple[Counts, pd.DataFrame, pd.DataFrame]:
    """The counts and evidence candidates of every store partition, computed on the workers.

    Returns:
        ``(counts, candidates, stats)``: :func:`~analyzer.analyze.count_levels` of the whole
        store, the :func:`~analyzer.report.evidence_candidates` of every partition in store
        order (both equal to the local engine's), and the partition stats of
        :func:`posting_levels_on_dask`.

    Raises:
        InputError: nothing to report, or ``tagger_version`` is not in the store.
    """
    options = dict(storage_options or {})
    parts, stats, version = _stats_and_version(client, store, since, until, tagger_version, options)
    tagged = [p for p in parts if p["annotations"] is not None]
    futures = client.map(
        _partition_counts,
        tagged,
        version=version,
        storage_options=options,
        key=[f"analyzer-counts-{p['source']}-{p['period']}-{version}" for p in tagged],
    )
    done = [r for r in client.gather(futures) if r is not None]
    counts = combine_counts([c for c, _ in done])
    frames = [c for _, c in done]
    candidates = (
        pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["posting_id"])
    )
    return counts, candidates, stats


@_plain_objects
def _stats_and_version(
    client: Client,
    store: Store,
    since: str | None,
    until: str | None,
    tagger_version: str | None,
    options: dict[str, Any],
) -> tuple[list[dict[str, Any]], pd.DataFrame, str]:
    """The partitions, their stats (computed on the workers) and the version to report."""
    dd, _ = _import_dask()
    parts = _parts(store, None, since, until)
    if not parts or not any(p["annotations"] for p in parts):
        raise InputError(
            f"nothing to report in {store.root}: fetch and tag postings first "
            "(analyzer fetch, analyzer tag)"
        )
    stats = dd.from_map(
        _partition_stats,
        parts,
        storage_options=options,
        meta=pd.DataFrame(
            {
                "source": pd.Series(dtype=object),
                "period": pd.Series(dtype=object),
                "postings": pd.Series(dtype="int64"),
                "newest": pd.Series(dtype="datetime64[us, UTC]"),
                "versions": pd.Series(dtype=object),
            }
        ),
        label="analyzer-stats",
    )
    stats = client.compute(stats).result().reset_index(drop=True)
    present = sorted({v for vs in stats["versions"] for v in vs})
    version = tagger_version or latest_tagger_version(pd.DataFrame({"tagger_version": present}))
    if version not in present:
        raise InputError(
            f"no annotations of tagger version {version!r} (present: {', '.join(present) or 'none'})"
        )
    return parts, stats, version


def _levels_gathered(
    client: Client, parts: list[dict[str, Any]], version: str, options: dict[str, Any]
) -> pd.DataFrame:
    dd, _ = _import_dask()
    tagged = [p for p in parts if p["annotations"] is not None]
    levels = dd.from_map(
        _partition_levels,
        tagged,
        version=version,
        storage_options=options,
        meta=pd.DataFrame(),
        label="analyzer-levels",
    )
    frames = [f for f in client.gather(client.compute(levels.to_delayed())) if not f.empty]
    return combine_levels(frames)


def report(
    config: Config,
    out_dir: str | Path | None = None,
    *,
    scheduler: str | None = None,
    client: Client | None = None,
    source: str = "hn",
    denominator: str = "backend",
    since: str | None = None,
    until: str | None = None,
    coverage_path: str | Path | None = None,
    bootstrap: int = 0,
    tagger_version: str | None = None,
    storage_options: dict[str, Any] | None = None,
) -> ReportSummary:
    """:func:`analyzer.pipeline.report` with the per-posting work on Dask; the same files.

    Args as in :func:`analyzer.pipeline.report`, plus ``scheduler``, ``client`` and
    ``storage_options`` as in :func:`tag`.
    """
    from analyzer.pipeline import _report_coverage  # the local engine's coverage rule

    store = open_store(config["store"])
    counts: Counts | None = None
    with _client(client, scheduler) as dask_client:
        if bootstrap:
            # The company-cluster bootstrap resamples postings: gather every posting's levels.
            all_levels, stats = posting_levels_on_dask(
                dask_client,
                store,
                since=since,
                until=until,
                tagger_version=tagger_version,
                storage_options=storage_options,
            )
        else:
            counts, all_levels, stats = counts_on_dask(
                dask_client,
                store,
                since=since,
                until=until,
                tagger_version=tagger_version,
                storage_options=storage_options,
            )
        mine = stats[stats["source"].map(source_group) == source_group(source)]
        newest = mine["newest"].max() if not mine.empty else None
        coverage = _report_coverage(coverage_path, mine["period"], newest)
        # Only the postings the report quotes are read again, with their tags.
        ids = evidence_posting_ids(population_levels(all_levels, source), denominator=denominator)
        postings, tags = _quoted_rows(dask_client, store, all_levels, ids, storage_options)
    return build_report(
        out_dir or config["report.out"],
        postings,
        pd.DataFrame(),
        tags,
        source=source,
        denominator=denominator,
        min_n=config["report.min_n"],
        coverage=coverage,
        bootstrap=bootstrap,
        tagger_version=tagger_version,
        all_levels=all_levels,
        counts=counts,
    )


@_plain_objects
def _quoted_rows(
    client: Client,
    store: Store,
    levels: pd.DataFrame,
    ids: list[str],
    storage_options: dict[str, Any] | None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The postings (``posting_id, title, text``) and tags of ``ids``, read on the workers."""
    from analyzer.pipeline import _posting_text

    dd, _ = _import_dask()
    options = dict(storage_options or {})
    where = levels.loc[levels["posting_id"].isin(ids), ["posting_id", "source", "period"]]
    wanted = {
        (s, p): set(group["posting_id"]) for (s, p), group in where.groupby(["source", "period"])
    }
    parts = [
        {**part, "ids": wanted[(part["source"], part["period"])]}
        for part in _parts(store, sorted({s for s, _ in wanted}), None, None)
        if (part["source"], part["period"]) in wanted
    ]
    tag_columns = ["posting_id", "family", "skill", "level", "start", "end", "tagger_version"]
    out = []
    for table, columns in (
        ("postings", ["posting_id", "title", "text", "text_html"]),
        ("tags", tag_columns),
    ):
        if not parts:
            out.append(pd.DataFrame({c: pd.Series(dtype=object) for c in columns}))
            continue
        rows = dd.from_map(
            _partition_rows,
            parts,
            table=table,
            columns=columns,
            storage_options=options,
            meta=pd.DataFrame({c: pd.Series(dtype=object) for c in columns}),
            label=f"analyzer-quoted-{table}",
        )
        out.append(client.compute(rows).result().reset_index(drop=True))
    postings, tags = out
    if not postings.empty:
        # Mention offsets index the text the tagger saw: the plain text, else the normalized HTML.
        postings["text"] = [_posting_text(r) for r in postings.itertuples(index=False)]
    return postings[["posting_id", "title", "text"]], tags
