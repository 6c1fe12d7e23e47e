"""The parquet store: hive-partitioned tables, upserts, cursors and atomic commits.

Layout under the root (a local path or an fsspec URL such as ``s3://bucket/prefix`` or ``memory://x``)::

    <root>/_analyzer/manifest.json                       the commit record: the only truth
    <root>/_analyzer/lock                                the writer lock (local roots: fcntl.flock)
    <root>/postings/source=<s>/period=<YYYY-MM>/part-<content hash>.parquet
    <root>/tags/source=<s>/period=<YYYY-MM>/part-<...>.parquet
    <root>/annotations/source=<s>/period=<YYYY-MM>/part-<...>.parquet
    <root>/cache/...                                     derived data (report counts), not committed

Each partition holds exactly one committed file. A commit writes every changed partition to a new file
named by the hash of its content (temp name, fsync, rename), then atomically replaces the manifest, then
deletes the files it superseded. A process killed at any instant leaves the manifest either before or after
the commit; files no manifest references (from a killed commit) are invisible to :class:`Store` readers
and are deleted by the next writer. Partition columns live in the path, so
``pyarrow.dataset.dataset(root + "/postings", partitioning="hive")``, pandas and DuckDB
(``read_parquet('postings/*/*/*.parquet', hive_partitioning=1)``) read the tables directly; only between
a crash and the next write can such a direct reader see an orphaned file twice.
"""

from __future__ import annotations

import bisect
import contextlib
import fcntl
import hashlib
import io
import json
import logging
import os
import re
import secrets
import socket
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import fsspec
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from analyzer.errors import (
    CorruptStoreError,
    InputError,
    SchemaVersionError,
    StoreError,
    StoreLockedError,
    StoreNotWritableError,
)
from analyzer.models import (
    ANNOTATIONS_SCHEMA,
    PARTITION_COLUMNS,
    POSTING_OPTIONAL_COLUMNS,
    POSTINGS_SCHEMA,
    TABLE_SCHEMAS,
    TAGS_SCHEMA,
    content_hash,
    make_posting_id,
)

__all__ = [
    "CACHE_ROOT",
    "SCHEMA_VERSION",
    "PartitionFiles",
    "PartitionWork",
    "Store",
    "StoreView",
    "StoreWriter",
    "UpsertResult",
    "open_store",
]

log = logging.getLogger(__name__)

#: The on-disk schema version this analyzer reads and writes.
SCHEMA_VERSION = 1
_MANIFEST = "_analyzer/manifest.json"
_LOCK = "_analyzer/lock"
#: Derived data (report aggregates) kept beside the tables, never part of the manifest.
CACHE_ROOT = "cache"
_LEASE_SECONDS = 3600
_LOADS_KEPT = 500
_SOURCE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_CONTENT_COLUMNS = ("company", "title", "location", "url", "text_html", "text")


def _now() -> datetime:
    return datetime.now(UTC)


def _new_load_id() -> str:
    return f"{_now():%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


def _partition_key(source: str, period: str) -> str:
    """Return ``source=<s>/period=<p>``, refusing any value that could escape the table directory."""
    if not isinstance(source, str) or not _SOURCE_RE.match(source):
        raise InputError(f"invalid source name {source!r} (lowercase letters, digits, - and _)")
    if not isinstance(period, str) or not _PERIOD_RE.match(period):
        raise InputError(f"invalid period {period!r} (expected YYYY-MM)")
    return f"source={source}/period={period}"


def _split_key(key: str) -> tuple[str, str]:
    source_part, period_part = key.split("/")
    return source_part.removeprefix("source="), period_part.removeprefix("period=")


@dataclass(frozen=True)
class UpsertResult:
    """What one :meth:`StoreWriter.upsert_postings` commit changed."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0

    def __add__(self, other: UpsertResult) -> UpsertResult:
        return UpsertResult(
            self.new + other.new,
            self.updated + other.updated,
            self.unchanged + other.unchanged,
            self.closed + other.closed,
        )


@dataclass(frozen=True)
class PartitionWork:
    """What one postings partition needs from the tagger (see :meth:`Store.tag_work`).

    Attributes:
        source: the partition's source.
        period: the partition's period.
        postings: how many postings the partition holds.
        todo: ``posting_id, content_hash`` of the postings to tag (empty when none).
        checked: ``False`` when the manifest says the partition is fully tagged, so no file was read.
    """

    source: str
    period: str
    postings: int
    todo: pd.DataFrame
    checked: bool = True

    @property
    def key(self) -> str:
        """``source=<s>/period=<p>``."""
        return _partition_key(self.source, self.period)


# --------------------------------------------------------------------------- file systems


class _Files:
    """The few file operations the store needs, on a local directory or an fsspec file system."""

    def __init__(self, root: str) -> None:
        self.url = root
        self.local = "://" not in root or root.startswith("file://")
        if self.local:
            self.root = Path(root.removeprefix("file://")).expanduser()
            self.fs: Any = None
        else:
            try:
                self.fs, path = fsspec.core.url_to_fs(root)
            except (ImportError, ValueError) as exc:
                raise StoreError(f"cannot open store URL {root!r}: {exc}") from exc
            self.root_str = path.rstrip("/")

    def _abs(self, rel: str) -> str:
        if self.local:
            return str(self.root / rel)
        return f"{self.root_str}/{rel}"

    def exists(self, rel: str) -> bool:
        return Path(self._abs(rel)).exists() if self.local else bool(self.fs.exists(self._abs(rel)))

    def read_bytes(self, rel: str) -> bytes:
        if self.local:
            return Path(self._abs(rel)).read_bytes()
        return bytes(self.fs.cat_file(self._abs(rel)))

    def size(self, rel: str) -> int:
        if self.local:
            return Path(self._abs(rel)).stat().st_size
        return int(self.fs.size(self._abs(rel)))

    def open_input(self, rel: str) -> Any:
        """A path or file object pyarrow can read from."""
        return self._abs(rel) if self.local else self.fs.open(self._abs(rel), "rb")

    def write_atomic(self, rel: str, data: bytes) -> None:
        """Write a file so that readers see either nothing or all of it (temp, fsync, rename)."""
        if not self.local:
            # An object-store PUT is atomic; the manifest decides what is committed anyway.
            self.fs.makedirs(self._abs(rel).rsplit("/", 1)[0], exist_ok=True)
            self.fs.pipe_file(self._abs(rel), data)
            return
        final = Path(self._abs(rel))
        final.parent.mkdir(parents=True, exist_ok=True)
        tmp = final.parent / f".tmp-{uuid.uuid4().hex}-{final.name}"
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, final)
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        dir_fd = os.open(final.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

    def remove(self, rel: str) -> None:
        with contextlib.suppress(FileNotFoundError):
            if self.local:
                Path(self._abs(rel)).unlink()
            else:
                self.fs.rm_file(self._abs(rel))

    def list_table_files(self, table: str) -> list[str]:
        """Every file under a table directory (committed or not), as root-relative paths."""
        if self.local:
            base = self.root / table
            if not base.exists():
                return []
            return [str(p.relative_to(self.root)) for p in base.rglob("*") if p.is_file()]
        remote_base = self._abs(table)
        if not self.fs.exists(remote_base):
            return []
        prefix = self.root_str + "/"
        return [p.removeprefix(prefix).lstrip("/") for p in self.fs.find(remote_base)]

    def makedirs(self) -> None:
        try:
            if self.local:
                (self.root / "_analyzer").mkdir(parents=True, exist_ok=True)
                probe = self.root / "_analyzer" / f".probe-{uuid.uuid4().hex}"
                probe.write_bytes(b"")
                probe.unlink()
            else:
                self.fs.makedirs(self._abs("_analyzer"), exist_ok=True)
        except OSError as exc:
            raise StoreNotWritableError(f"store {self.url} is not writable: {exc}") from exc


# --------------------------------------------------------------------------- reading


_NO_WORK = pd.DataFrame(
    {"posting_id": pd.Series([], dtype=object), "content_hash": pd.Series([], dtype=object)}
)


def _mark(postings: dict[str, Any], annotations: dict[str, Any] | None) -> dict[str, Any]:
    """What :meth:`StoreWriter.mark_tagged` records of a fully tagged partition: its two files."""
    return {"postings": postings["file"], "annotations": annotations and annotations["file"]}


def _empty_frame(schema: pa.Schema, columns: list[str] | None) -> pd.DataFrame:
    table = schema.empty_table()
    for name in PARTITION_COLUMNS:
        table = table.append_column(name, pa.array([], pa.string()))
    frame = table.to_pandas()
    return frame[columns] if columns else frame


class Store:
    """A parquet store of postings, tags and annotations; open it with :func:`open_store`.

    Readers see the last committed state. Writing goes through :meth:`writer`, which takes the lock.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = str(root)
        self._files = _Files(self.root)

    def __repr__(self) -> str:
        manifest = self._manifest()
        rows = sum(f["rows"] for f in manifest["files"]["postings"].values())
        return f"<Store {self.root!r} postings={rows} commit={manifest['version']}>"

    # -- manifest

    def _manifest(self) -> dict[str, Any]:
        """The committed manifest, or an empty one for a store that was never written."""
        try:
            raw = self._files.read_bytes(_MANIFEST)
        except FileNotFoundError:
            if any(self._files.list_table_files(t) for t in TABLE_SCHEMAS):
                raise CorruptStoreError(
                    f"store {self.root} has data files but no manifest ({_MANIFEST})"
                ) from None
            return _empty_manifest()
        except (IsADirectoryError, NotADirectoryError, PermissionError) as exc:
            raise StoreError(f"cannot read store {self.root}: {exc}") from exc
        try:
            manifest = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise CorruptStoreError(
                f"store manifest {self.root}/{_MANIFEST} is unreadable"
            ) from exc
        if not isinstance(manifest, dict) or manifest.get("format") != "analyzer-store":
            raise CorruptStoreError(f"{self.root}/{_MANIFEST} is not an analyzer store manifest")
        version = manifest.get("schema_version")
        if version != SCHEMA_VERSION:
            raise SchemaVersionError(
                f"store {self.root} has schema version {version!r}; this analyzer reads version "
                f"{SCHEMA_VERSION} (upgrade analyzer, or use a new store)"
            )
        return manifest

    # -- reads

    def _partitions(
        self,
        manifest: dict[str, Any],
        table: str,
        sources: Iterable[str] | None,
        since: str | None,
        until: str | None,
    ) -> list[tuple[str, str, dict[str, Any]]]:
        wanted = set([sources] if isinstance(sources, str) else sources) if sources else None
        chosen = []
        for key, entry in sorted(manifest["files"][table].items()):
            source, period = _split_key(key)
            if wanted is not None and source not in wanted:
                continue
            if (since and period < since) or (until and period > until):
                continue
            chosen.append((source, period, entry))
        return chosen

    def _read_file(
        self, table: str, key: str, entry: dict[str, Any], columns: list[str] | None
    ) -> pa.Table:
        rel = f"{table}/{key}/{entry['file']}"
        try:
            if self._files.size(rel) != entry["bytes"]:
                raise CorruptStoreError(
                    f"store file {self.root}/{rel} has the wrong size (truncated or replaced)"
                )
            source = self._files.open_input(rel)
            return pq.read_table(source, columns=columns, schema=TABLE_SCHEMAS[table])
        except FileNotFoundError as exc:
            raise CorruptStoreError(f"committed store file {self.root}/{rel} is missing") from exc
        except (pa.ArrowException, OSError) as exc:
            raise CorruptStoreError(f"store file {self.root}/{rel} is unreadable: {exc}") from exc

    def _read(
        self,
        table: str,
        sources: Iterable[str] | str | None,
        since: str | None,
        until: str | None,
        columns: list[str] | None,
        manifest: dict[str, Any] | None = None,
        *,
        tagger_version: str | None = None,
    ) -> pd.DataFrame:
        manifest = manifest or self._manifest()
        file_columns = [c for c in columns if c not in PARTITION_COLUMNS] if columns else None
        if tagger_version is not None and file_columns is not None:
            file_columns = list(dict.fromkeys([*file_columns, "tagger_version"]))
        parts = []
        for source, period, entry in self._partitions(manifest, table, sources, since, until):
            data = self._read_file(table, f"source={source}/period={period}", entry, file_columns)
            if tagger_version is not None:
                data = data.filter(pc.equal(data["tagger_version"], tagger_version))
            data = data.append_column("source", pa.array([source] * data.num_rows, pa.string()))
            data = data.append_column("period", pa.array([period] * data.num_rows, pa.string()))
            parts.append(data)
        if not parts:
            return _empty_frame(TABLE_SCHEMAS[table], columns)
        frame = pa.concat_tables(parts).to_pandas()
        return frame[columns] if columns else frame

    def iter_partitions(
        self,
        tables: Mapping[str, list[str]],
        *,
        since: str | None = None,
        until: str | None = None,
        tagger_version: str | None = None,
    ) -> Iterator[tuple[str, str, dict[str, pd.DataFrame]]]:
        """Read several tables one partition at a time, all from one committed state.

        Args:
            tables: table name -> columns; the partitions are those of the first table.
            since: first period (``YYYY-MM``) to include.
            until: last period (``YYYY-MM``) to include.
            tagger_version: keep only rows of this version in tables that carry one.

        Yields:
            ``(source, period, {table: frame})`` in partition order.
        """
        manifest = self._manifest()
        first = next(iter(tables))
        for source, period, _ in self._partitions(manifest, first, None, since, until):
            yield (
                source,
                period,
                {
                    table: self._read(
                        table,
                        source,
                        period,
                        period,
                        columns,
                        manifest,
                        tagger_version=tagger_version
                        if "tagger_version" in TABLE_SCHEMAS[table].names
                        else None,
                    )
                    for table, columns in tables.items()
                },
            )

    def read_postings(
        self,
        sources: Iterable[str] | str | None = None,
        since: str | None = None,
        until: str | None = None,
        columns: list[str] | None = None,
    ) -> pd.DataFrame:
        """Read committed postings as a DataFrame, touching only the matching partitions.

        Args:
            sources: one source name or several; ``None`` for all.
            since: first period (``YYYY-MM``) to include.
            until: last period (``YYYY-MM``) to include.
            columns: columns to read (``source`` and ``period`` come from the path); ``None`` for all.
        """
        return self._read("postings", sources, since, until, columns)

    def read_tags(
        self,
        sources: Iterable[str] | str | None = None,
        since: str | None = None,
        until: str | None = None,
        columns: list[str] | None = None,
        tagger_version: str | None = None,
    ) -> pd.DataFrame:
        """Read skill tags (one row per mention), optionally of one tagger version only."""
        return self._read("tags", sources, since, until, columns, tagger_version=tagger_version)

    def read_annotations(
        self,
        sources: Iterable[str] | str | None = None,
        since: str | None = None,
        until: str | None = None,
        columns: list[str] | None = None,
        tagger_version: str | None = None,
    ) -> pd.DataFrame:
        """Read per-posting annotations (job posting or not, roles, language, tagger version)."""
        return self._read(
            "annotations", sources, since, until, columns, tagger_version=tagger_version
        )

    def iter_postings(
        self,
        sources: Iterable[str] | str | None = None,
        since: str | None = None,
        until: str | None = None,
        columns: list[str] | None = None,
        batch_size: int = 5000,
    ) -> Iterator[pd.DataFrame]:
        """Stream committed postings in DataFrames of at most ``batch_size`` rows (bounded memory)."""
        manifest = self._manifest()
        file_columns = [c for c in columns if c not in PARTITION_COLUMNS] if columns else None
        for source, period, entry in self._partitions(manifest, "postings", sources, since, until):
            rel = f"postings/source={source}/period={period}/{entry['file']}"
            try:
                reader = pq.ParquetFile(self._files.open_input(rel))
                for batch in reader.iter_batches(batch_size=batch_size, columns=file_columns):
                    frame = batch.to_pandas()
                    frame["source"] = source
                    frame["period"] = period
                    yield frame[columns] if columns else frame
            except FileNotFoundError as exc:
                raise CorruptStoreError(
                    f"committed store file {self.root}/{rel} is missing"
                ) from exc
            except (pa.ArrowException, OSError) as exc:
                raise CorruptStoreError(
                    f"store file {self.root}/{rel} is unreadable: {exc}"
                ) from exc

    def tag_work(
        self,
        tagger_version: str,
        sources: Iterable[str] | str | None = None,
        *,
        retag: bool = False,
    ) -> Iterator[PartitionWork]:
        """Per postings partition, which postings ``tagger_version`` has still to tag; reads no text.

        A posting needs tagging when it has no annotation of ``tagger_version`` or its annotation
        was made from other content (its ``content_hash`` differs from the posting's; annotations
        written before annotations carried a hash are trusted). Only ``posting_id`` and
        ``content_hash`` of postings and annotations are read, one partition at a time, and a
        partition whose postings and annotations files are the very files a tag run recorded as fully
        tagged (:meth:`StoreWriter.mark_tagged`) is not read at all.

        Args:
            tagger_version: the current tagger version.
            sources: only these sources (``None``: all).
            retag: every posting is to tag, whatever its annotation.
        """
        manifest = self._manifest()
        marks = manifest.get("tagged", {}).get(tagger_version, {})
        annotations = manifest["files"]["annotations"]
        for source, period, entry in self._partitions(manifest, "postings", sources, None, None):
            key = f"source={source}/period={period}"
            ann = annotations.get(key)
            if not retag and marks.get(key) == _mark(entry, ann):
                yield PartitionWork(source, period, entry["rows"], _NO_WORK, checked=False)
                continue
            posts = self._read_file("postings", key, entry, ["posting_id", "content_hash"])
            frame = posts.to_pandas()
            if not retag and ann is not None:
                done = self._read_file(
                    "annotations", key, ann, ["posting_id", "tagger_version", "content_hash"]
                ).to_pandas()
                done = done[done["tagger_version"] == tagger_version].set_index("posting_id")
                tagged_hash = frame["posting_id"].map(done["content_hash"])
                known = frame["posting_id"].isin(done.index)
                current = known & (tagged_hash.isna() | (tagged_hash == frame["content_hash"]))
                frame = frame[~current.to_numpy()]
            yield PartitionWork(source, period, entry["rows"], frame.reset_index(drop=True))

    def iter_postings_by_id(
        self,
        source: str,
        period: str,
        posting_ids: Iterable[str],
        columns: list[str],
        batch_size: int = 5000,
    ) -> Iterator[pd.DataFrame]:
        """Stream some postings of one partition, at most ``batch_size`` rows read at a time.

        Only the partition's file is opened; rows not in ``posting_ids`` are dropped batch by batch,
        so memory stays bounded by ``batch_size`` whatever the partition's size.

        Args:
            source: the partition's source.
            period: the partition's period.
            posting_ids: the postings wanted.
            columns: columns to read (``posting_id`` is always included; ``source`` and
                ``period`` come from the path).
        """
        wanted = pa.array(sorted(set(posting_ids)), pa.string())
        if len(wanted) == 0:
            return
        key = _partition_key(source, period)
        entry = self._manifest()["files"]["postings"].get(key)
        if entry is None:
            return
        columns = list(dict.fromkeys(["posting_id", *columns]))
        file_columns = [c for c in columns if c not in PARTITION_COLUMNS]
        rel = f"postings/{key}/{entry['file']}"
        try:
            reader = pq.ParquetFile(self._files.open_input(rel))
            for batch in reader.iter_batches(batch_size=batch_size, columns=file_columns):
                keep = batch.filter(pc.is_in(batch.column("posting_id"), value_set=wanted))
                if keep.num_rows == 0:
                    continue
                frame = keep.to_pandas()
                frame["source"] = source
                frame["period"] = period
                yield frame[columns]
        except FileNotFoundError as exc:
            raise CorruptStoreError(f"committed store file {self.root}/{rel} is missing") from exc
        except (pa.ArrowException, OSError) as exc:
            raise CorruptStoreError(f"store file {self.root}/{rel} is unreadable: {exc}") from exc

    def read_postings_by_id(self, keys: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
        """Read a few postings given as ``posting_id, source, period`` rows (only their partitions).

        Returns:
            ``columns`` (with ``posting_id``) of the postings found, in partition order.
        """
        columns = list(dict.fromkeys(["posting_id", *columns]))
        parts = [
            frame
            for (source, period), rows in keys.groupby(["source", "period"], sort=True)
            for frame in self.iter_postings_by_id(
                str(source), str(period), rows["posting_id"], columns
            )
        ]
        if not parts:
            return _empty_frame(POSTINGS_SCHEMA, columns)
        return pd.concat(parts, ignore_index=True)

    def state(self, source: str) -> dict[str, Any]:
        """The fetch state (cursor) a source committed last, ``{}`` if it never ran."""
        return dict(self._manifest()["state"].get(source, {}))

    def loads(self) -> list[dict[str, Any]]:
        """The most recent commits, oldest first: load id, command, time and what changed."""
        return list(self._manifest()["loads"])

    def status(self) -> dict[str, Any]:
        """Postings per source and period, last fetch per source, tagger versions present.

        Every committed file's parquet footer is read, so a truncated file is reported here.
        """
        manifest = self._manifest()
        postings = []
        for source, period, entry in self._partitions(manifest, "postings", None, None, None):
            rel = f"postings/source={source}/period={period}/{entry['file']}"
            try:
                rows = pq.read_metadata(self._files.open_input(rel)).num_rows
            except FileNotFoundError as exc:
                raise CorruptStoreError(
                    f"committed store file {self.root}/{rel} is missing"
                ) from exc
            except (pa.ArrowException, OSError) as exc:
                raise CorruptStoreError(
                    f"store file {self.root}/{rel} is unreadable: {exc}"
                ) from exc
            postings.append({"source": source, "period": period, "postings": rows})
        versions = self._read("annotations", None, None, None, ["tagger_version"], manifest)
        return {
            "root": self.root,
            "schema_version": SCHEMA_VERSION,
            "commit": manifest["version"],
            "postings": postings,
            "sources": manifest["sources"],
            "tagger_versions": {
                str(k): int(v) for k, v in versions["tagger_version"].value_counts().items()
            },
            "last_load": manifest["loads"][-1] if manifest["loads"] else None,
        }

    # -- writing

    @contextlib.contextmanager
    def writer(self, command: str = "") -> Iterator[StoreWriter]:
        """Take the store's write lock and yield a :class:`StoreWriter`.

        Raises:
            StoreLockedError: another live process holds the lock.
            StoreNotWritableError: the root cannot be created or written.
        """
        self._files.makedirs()
        with self._lock(command):
            manifest = self._manifest()
            writer = StoreWriter(self, manifest, command)
            writer.collect_garbage()
            yield writer

    @contextlib.contextmanager
    def _lock(self, command: str) -> Iterator[None]:
        owner = {
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "command": command,
            "since": _now().isoformat(timespec="seconds"),
        }
        if not self._files.local:
            yield from _lease(self._files, owner)
            return
        path = Path(self._files._abs(_LOCK))
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreNotWritableError(f"cannot create lock {path}: {exc}") from exc
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 4096, 0).decode("utf-8", "replace")
                raise StoreLockedError(
                    f"store {self.root} is being written by another process ({_describe(holder)}); "
                    "try again when it has finished"
                ) from None
            # The kernel releases a flock when its holder dies, so a killed writer never blocks us.
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(owner).encode(), 0)
            yield
        finally:
            os.close(fd)

    def committed_files(
        self,
        table: str,
        sources: Iterable[str] | str | None = None,
        since: str | None = None,
        until: str | None = None,
    ) -> list[dict[str, Any]]:
        """The committed parquet file of each partition of ``table``, for readers such as Dask.

        Returns:
            One ``{"source", "period", "path", "rows", "bytes"}`` per partition, in partition
            order; ``path`` is a local path or a full fsspec URL (``s3://...``) that other
            processes can open. Files no manifest references are never listed.
        """
        if table not in TABLE_SCHEMAS:
            raise InputError(f"unknown store table {table!r}: {', '.join(TABLE_SCHEMAS)}")
        files = []
        for source, period, entry in self._partitions(
            self._manifest(), table, sources, since, until
        ):
            path = self._files._abs(f"{table}/source={source}/period={period}/{entry['file']}")
            if not self._files.local:
                path = self._files.fs.unstrip_protocol(path)
            files.append(
                {
                    "source": source,
                    "period": period,
                    "path": path,
                    "rows": entry["rows"],
                    "bytes": entry["bytes"],
                }
            )
        return files

    def view(self) -> StoreView:
        """One committed state of the store (a single manifest read) to read partition by partition."""
        return StoreView(self, self._manifest())

    # -- derived data kept beside the tables (never part of the manifest)

    def _cache_rel(self, name: str) -> str:
        if not name or name.startswith("/") or ".." in name.split("/"):
            raise InputError(f"bad cache entry name {name!r}")
        return f"{CACHE_ROOT}/{name}"

    def read_cache(self, name: str) -> bytes:
        """The bytes of cache entry ``name`` (a path under ``<store>/cache/``).

        Raises:
            FileNotFoundError: there is no such entry.
            OSError: it cannot be read.
        """
        return self._files.read_bytes(self._cache_rel(name))

    def write_cache(self, name: str, data: bytes) -> None:
        """Write cache entry ``name`` atomically (readers see the old entry or the new one).

        Raises:
            OSError: the store cannot be written.
        """
        self._files.write_atomic(self._cache_rel(name), data)

    def list_cache(self, prefix: str) -> list[str]:
        """The names of every file under ``<store>/cache/<prefix>`` (entries and stray temp files)."""
        root = f"{CACHE_ROOT}/"
        return [
            rel.removeprefix(root) for rel in self._files.list_table_files(self._cache_rel(prefix))
        ]

    def remove_cache(self, name: str) -> None:
        """Delete cache entry ``name`` (no error if it is already gone)."""
        self._files.remove(self._cache_rel(name))


@dataclass(frozen=True)
class PartitionFiles:
    """One postings partition of a committed store state, and the committed file of each table.

    Attributes:
        source: the partition's source.
        period: its month (``YYYY-MM``).
        rows: its postings.
        files: table -> the committed file's name (a hash of its content), ``None`` when the
            table has no rows in this partition.
    """

    source: str
    period: str
    rows: int
    files: dict[str, str | None]


class StoreView:
    """One committed state of a store, read partition by partition.

    The file names a view lists change exactly when a partition's content changes, so
    per-partition results can be cached keyed by them. A view reads the files of its commit: a
    file a later commit superseded is deleted (reading it raises :class:`CorruptStoreError`), so
    take a fresh view for each pass over the store.
    """

    def __init__(self, store: Store, manifest: dict[str, Any]) -> None:
        self.store = store
        self._manifest = manifest

    def __repr__(self) -> str:
        return f"<StoreView {self.store.root!r} commit={self._manifest['version']}>"

    def partitions(
        self, since: str | None = None, until: str | None = None
    ) -> list[PartitionFiles]:
        """The postings partitions (in partition order) between ``since`` and ``until``."""
        files = self._manifest["files"]
        return [
            PartitionFiles(
                source,
                period,
                int(entry["rows"]),
                {
                    table: (files[table].get(_partition_key(source, period)) or {}).get("file")
                    for table in TABLE_SCHEMAS
                },
            )
            for source, period, entry in self.store._partitions(
                self._manifest, "postings", None, since, until
            )
        ]

    def read(
        self,
        table: str,
        source: str,
        period: str,
        columns: list[str] | None = None,
        *,
        tagger_version: str | None = None,
    ) -> pd.DataFrame:
        """``columns`` of one partition of ``table`` (rows of ``tagger_version`` only, if given)."""
        if table not in TABLE_SCHEMAS:
            raise InputError(f"unknown store table {table!r}: {', '.join(TABLE_SCHEMAS)}")
        return self.store._read(
            table, source, period, period, columns, self._manifest, tagger_version=tagger_version
        )


def _describe(holder: str) -> str:
    try:
        info = json.loads(holder)
        return f"pid {info['pid']} on {info['host']}, `{info['command']}`, since {info['since']}"
    except (ValueError, KeyError, TypeError):
        return "unknown holder"


def _lease(files: _Files, owner: dict[str, Any]) -> Iterator[None]:
    """A lease file for object stores: expires after an hour, so a dead writer blocks one hour at most.

    Without conditional writes two writers starting in the same instant could both win; run one
    writer per store (e.g. one CronJob with ``concurrencyPolicy: Forbid``).
    """
    rel = _LOCK + ".json"
    if files.exists(rel):
        try:
            held = json.loads(files.read_bytes(rel))
            expires = datetime.fromisoformat(held["expires"])
        except (ValueError, KeyError, TypeError):
            held, expires = {}, _now()
        if expires > _now():
            raise StoreLockedError(
                f"store {files.url} is leased by another writer ({_describe(json.dumps(held))}) "
                f"until {expires.isoformat(timespec='seconds')}"
            )
        log.warning("taking over the expired lease of %s", _describe(json.dumps(held)))
    lease = dict(owner, expires=(_now() + timedelta(seconds=_LEASE_SECONDS)).isoformat())
    files.write_atomic(rel, json.dumps(lease).encode())
    try:
        yield
    finally:
        files.remove(rel)


def _empty_manifest() -> dict[str, Any]:
    return {
        "format": "analyzer-store",
        "schema_version": SCHEMA_VERSION,
        "version": 0,
        "committed_at": None,
        "files": {table: {} for table in TABLE_SCHEMAS},
        "state": {},
        "sources": {},
        "loads": [],
        "tagged": {},
    }


# --------------------------------------------------------------------------- the writer


def _to_utc(series: pd.Series, column: str) -> pd.Series:
    try:
        converted = pd.to_datetime(series, utc=True, format="ISO8601")
    except (ValueError, TypeError) as exc:
        raise InputError(f"column {column!r} has values that are not timestamps: {exc}") from exc
    return converted.astype("datetime64[us, UTC]")


def _hash_rows(frame: pd.DataFrame) -> list[str]:
    """The content hash of each posting row (title, company, location, url and texts)."""
    return [
        content_hash(*(None if pd.isna(v) else str(v) for v in row))
        for row in frame[list(_CONTENT_COLUMNS)].itertuples(index=False)
    ]


def _id_key(posting_id: str) -> tuple[int, str]:
    """The order of a partition's recorded id range: shorter ids first, then by text.

    Within one source whose ids are numbers (HN comment ids) this is numeric order, so a partition's
    range stays as narrow as its ids; for any other ids it is still a total order, so a range check
    in it never misses an id.
    """
    return len(posting_id), posting_id


def _id_summary(
    ids: pa.Array | pa.ChunkedArray, closed_at: pa.Array | pa.ChunkedArray
) -> dict[str, Any]:
    """The optional manifest fields of a postings file: its ``posting_id`` range (in
    :func:`_id_key` order) and how many of its postings are open (``closed_at`` null)."""
    lengths = pc.utf8_length(ids)
    shortest, longest = pc.min_max(lengths).values()
    lowest = pc.min(pc.filter(ids, pc.equal(lengths, shortest))).as_py()
    highest = pc.max(pc.filter(ids, pc.equal(lengths, longest))).as_py()
    return {"id_range": [lowest, highest], "open": closed_at.null_count}


def _may_hold(entry: dict[str, Any], keys: list[tuple[int, str]]) -> bool:
    """Whether a postings file can hold one of ``keys`` (sorted :func:`_id_key` values); a file
    with no recorded range (a manifest written before ranges were recorded) always can."""
    span = entry.get("id_range")
    if not span:
        return True
    at = bisect.bisect_left(keys, _id_key(span[0]))
    return at < len(keys) and keys[at] <= _id_key(span[1])


def _table_bytes(table: pa.Table) -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue()


class StoreWriter:
    """Writes to a locked store; every public method is one atomic commit.

    Attributes:
        load_id: the id stamped on every row this writer writes (one per run).
    """

    def __init__(self, store: Store, manifest: dict[str, Any], command: str) -> None:
        self.store = store
        self.load_id = _new_load_id()
        self.command = command
        self._manifest = manifest
        self._files = store._files
        # key -> (file, its posting_id and closed_at): each postings file this writer read or
        # wrote, so a writer making many commits (a backfill) reads a partition's ids only once;
        # a file an older analyzer committed without an id range gets it from here.
        self._ids: dict[str, tuple[str, pa.Table]] = {}

    def __repr__(self) -> str:
        return f"<StoreWriter {self.store.root!r} load_id={self.load_id}>"

    # -- commit machinery

    def _partition_frame(self, table: str, key: str) -> pd.DataFrame:
        entry = self._manifest["files"][table].get(key)
        if entry is None:
            return TABLE_SCHEMAS[table].empty_table().to_pandas()
        return self.store._read_file(table, key, entry, None).to_pandas()

    def _commit(
        self,
        changes: dict[tuple[str, str], pd.DataFrame],
        *,
        state: dict[str, dict[str, Any]] | None = None,
        sources_seen: Iterable[str] = (),
        summary: dict[str, Any] | None = None,
        tagged: dict[str, dict[str, Any]] | None = None,
    ) -> None:
        """Write changed partitions, then the manifest (the commit point), then drop old files."""
        # Copy only the containers a commit edits; file entries are replaced, never mutated.
        manifest = {
            **self._manifest,
            "files": {table: dict(parts) for table, parts in self._manifest["files"].items()},
            "state": dict(self._manifest["state"]),
            "sources": dict(self._manifest["sources"]),
        }
        superseded: list[str] = []
        for (table, key), frame in sorted(changes.items()):
            schema = TABLE_SCHEMAS[table]
            data = pa.Table.from_pandas(
                frame[schema.names].sort_values(["posting_id"], kind="stable"),
                schema=schema,
                preserve_index=False,
            )
            old = manifest["files"][table].get(key)
            if data.num_rows == 0:
                manifest["files"][table].pop(key, None)
            else:
                payload = _table_bytes(data)
                name = f"part-{hashlib.sha256(payload).hexdigest()[:24]}.parquet"
                if old is None or old["file"] != name:
                    self._files.write_atomic(f"{table}/{key}/{name}", payload)
                if table == "postings":  # the ids a later upsert of this writer looks up
                    self._ids[key] = (name, data.select(["posting_id", "closed_at"]))
                manifest["files"][table][key] = {
                    "file": name,
                    "rows": data.num_rows,
                    "bytes": len(payload),
                    **(
                        _id_summary(data["posting_id"], data["closed_at"])
                        if table == "postings"
                        else {}
                    ),
                }
            if old is not None and (
                key not in manifest["files"][table]
                or manifest["files"][table][key]["file"] != old["file"]
            ):
                superseded.append(f"{table}/{key}/{old['file']}")
        # Record the id ranges of files an older analyzer committed without them, as read.
        postings = manifest["files"]["postings"]
        for key, (name, ids) in self._ids.items():
            entry = postings.get(key)
            if entry is not None and entry["file"] == name and "id_range" not in entry:
                postings[key] = {**entry, **_id_summary(ids["posting_id"], ids["closed_at"])}
        committed_at = _now().isoformat(timespec="milliseconds")
        for source, value in (state or {}).items():
            manifest["state"][source] = value
        if tagged is not None:
            manifest["tagged"] = tagged
        for source in sources_seen:
            manifest["sources"][source] = {"last_fetch_at": committed_at, "load_id": self.load_id}
        manifest["version"] += 1
        manifest["committed_at"] = committed_at
        manifest["loads"] = [
            *manifest["loads"],
            {
                "load_id": self.load_id,
                "command": self.command,
                "committed_at": committed_at,
                **(summary or {}),
            },
        ][-_LOADS_KEPT:]
        self._files.write_atomic(_MANIFEST, json.dumps(manifest, separators=(",", ":")).encode())
        self._manifest = manifest
        for rel in superseded:
            self._files.remove(rel)

    def collect_garbage(self) -> int:
        """Delete files no committed manifest references (left by a killed commit); return how many."""
        referenced = {
            f"{table}/{key}/{entry['file']}"
            for table in TABLE_SCHEMAS
            for key, entry in self._manifest["files"][table].items()
        }
        removed = 0
        for table in TABLE_SCHEMAS:
            for rel in self._files.list_table_files(table):
                if rel not in referenced:
                    self._files.remove(rel)
                    removed += 1
        if removed:
            log.info("removed %d uncommitted file(s) left by an interrupted write", removed)
        return removed

    # -- postings

    def _postings_ids(self, key: str) -> pa.Table:
        """``posting_id, closed_at`` of one committed postings file, read once per writer and
        file; a file committed without an id range gets its range and open count recorded in
        the next commit."""
        entry = self._manifest["files"]["postings"][key]
        known = self._ids.get(key)
        if known is not None and known[0] == entry["file"]:
            return known[1]
        data = self.store._read_file("postings", key, entry, ["posting_id", "closed_at"])
        self._ids[key] = (entry["file"], data)
        return data

    def _stored_periods(self, source: str, ids: pd.Series) -> pd.Series:
        """The period each of ``ids`` (posting ids of ``source``) is stored in, NaN if none.

        Only ``posting_id, closed_at`` of the source's partitions whose recorded id range can
        hold one of ``ids`` is read (every partition committed without a range), once per writer,
        so the cost follows the incoming ids, not the size of the store.
        """
        found = pd.Series(index=pd.Index(ids), dtype=object)
        wanted = sorted({_id_key(i) for i in ids})
        if not wanted:
            return found.reindex(ids).reset_index(drop=True)
        value_set = pa.array([i for _, i in wanted], pa.string())
        for _, period, entry in self.store._partitions(
            self._manifest, "postings", [source], None, None
        ):
            if not _may_hold(entry, wanted):
                continue
            key = _partition_key(source, period)
            stored = self._postings_ids(key)["posting_id"]
            hits = pc.filter(stored, pc.is_in(stored, value_set=value_set)).to_pylist()
            found[found.index.isin(hits)] = period
        return found.reindex(ids).reset_index(drop=True)

    def _open_postings(self, source: str, prefix: str) -> dict[str, list[str]]:
        """Period -> ids of the open postings of ``source`` whose id starts with
        ``<source>:<prefix>``, reading only partitions whose recorded open count is not zero."""
        found: dict[str, list[str]] = {}
        for _, period, entry in self.store._partitions(
            self._manifest, "postings", [source], None, None
        ):
            if entry.get("open", 1) == 0:
                continue
            data = self._postings_ids(_partition_key(source, period))
            mask = pc.and_(
                pc.starts_with(data["posting_id"], f"{source}:{prefix}"),
                pc.is_null(data["closed_at"]),
            )
            ids = pc.filter(data["posting_id"], mask).to_pylist()
            if ids:
                found[period] = ids
        return found

    def upsert_postings(
        self,
        postings: pd.DataFrame,
        *,
        seen_at: datetime | None = None,
        snapshot: tuple[str, str] | None = None,
        state: dict[str, dict[str, Any]] | None = None,
    ) -> UpsertResult:
        """Insert or update postings by ``posting_id`` in one atomic commit.

        A posting seen again keeps its ``first_seen_at`` and its partition; ``last_seen_at`` moves to
        ``seen_at`` and ``closed_at`` is cleared. Changed content (title, company, location, url, text)
        updates ``content_hash`` and the content columns.

        Besides the partitions it rewrites, it reads only ``posting_id, closed_at`` of partitions
        whose recorded id range can hold an incoming id and, for ``snapshot``, of the source's
        partitions that hold an open posting (each at most once per writer).

        Args:
            postings: columns ``source``, ``source_id``, ``period`` and any of
                ``company, title, location, remote, url, posted_at, text_html, text, extra``.
            seen_at: when these postings were fetched (default: now).
            snapshot: ``(source, source_id_prefix)`` when ``postings`` is the complete list of open
                jobs of one board: its open postings missing from ``postings`` get ``closed_at``.
            state: fetch state per source (cursors), committed together with the rows.

        Raises:
            InputError: a required column is missing or a value is invalid.
        """
        seen = pd.Timestamp(seen_at or _now())
        seen = (seen.tz_localize("UTC") if seen.tzinfo is None else seen.tz_convert("UTC")).as_unit(
            "us"
        )
        incoming = self._prepare_postings(postings)
        sources = set(incoming["source"])
        if snapshot is not None:
            sources.add(snapshot[0])
            _partition_key(snapshot[0], "2000-01")

        # A posting already stored stays in the partition it was first stored in.
        for source in sorted(set(incoming["source"])):
            mine = incoming["source"] == source
            known = self._stored_periods(source, incoming.loc[mine, "posting_id"])
            known.index = incoming.index[mine]
            incoming.loc[known[known.notna()].index, "period"] = known[known.notna()]

        touched: dict[tuple[str, str], pd.DataFrame] = {}
        counts = {"new": 0, "updated": 0, "unchanged": 0, "closed": 0}
        for (source, period), batch in incoming.groupby(["source", "period"], sort=True):
            key = _partition_key(source, period)
            current = self._partition_frame("postings", key)
            touched[("postings", key)] = self._merge(
                current, batch, seen, counts, set(postings.columns)
            )

        if snapshot is not None:
            source, prefix = snapshot
            fetched = set(incoming.loc[incoming["source"] == source, "posting_id"])
            for period, open_ids in self._open_postings(source, prefix).items():
                gone = set(open_ids) - fetched
                if not gone:
                    continue
                key = _partition_key(source, period)
                frame = touched.get(("postings", key))
                if frame is None:
                    frame = self._partition_frame("postings", key)
                closing = frame["posting_id"].isin(gone)
                frame.loc[closing, "closed_at"] = seen
                frame.loc[closing, "load_id"] = self.load_id
                counts["closed"] += int(closing.sum())
                touched[("postings", key)] = frame

        self._commit(
            touched, state=state, sources_seen=sources, summary={"table": "postings", **counts}
        )
        return UpsertResult(**counts)

    def _prepare_postings(self, postings: pd.DataFrame) -> pd.DataFrame:
        missing = [c for c in ("source", "source_id", "period") if c not in postings.columns]
        if missing:
            raise InputError(f"postings lack required column(s): {', '.join(missing)}")
        frame = postings.copy()
        for column in POSTING_OPTIONAL_COLUMNS:
            if column not in frame.columns:
                frame[column] = None
        frame["source_id"] = frame["source_id"].astype(str)
        for source, period in frame[["source", "period"]].drop_duplicates().itertuples(index=False):
            _partition_key(source, period)
        frame["posting_id"] = [
            make_posting_id(s, i) for s, i in zip(frame["source"], frame["source_id"], strict=True)
        ]
        frame = frame.drop_duplicates("posting_id", keep="last").reset_index(drop=True)
        frame["posted_at"] = _to_utc(frame["posted_at"], "posted_at")
        frame["remote"] = frame["remote"].astype("boolean")
        for column in ("company", "title", "location", "url", "text_html", "text", "extra"):
            frame[column] = frame[column].astype("string")
        frame["content_hash"] = _hash_rows(frame)
        return frame

    def _merge(
        self,
        current: pd.DataFrame,
        batch: pd.DataFrame,
        seen: pd.Timestamp,
        counts: dict[str, int],
        provided: set[str],
    ) -> pd.DataFrame:
        """Combine one partition's stored rows with incoming rows of the same partition.

        Incoming values win for every column the caller provided (so ``extra``, ``remote`` and
        ``posted_at`` follow the source); a column the caller did not provide keeps its stored value.
        """
        old = current.set_index("posting_id")
        rows = batch.set_index("posting_id")
        known = rows.index.isin(old.index)
        absent = [c for c in POSTING_OPTIONAL_COLUMNS if c not in provided]
        if absent and known.any():
            known_ids = rows.index[known]
            for column in absent:
                rows.loc[known_ids, column] = old.loc[known_ids, column].to_numpy()
            rows["content_hash"] = _hash_rows(rows)
        previous_hash = old["content_hash"].reindex(rows.index)
        changed = known & (previous_hash.to_numpy() != rows["content_hash"].to_numpy())
        counts["new"] += int((~known).sum())
        counts["updated"] += int(changed.sum())
        counts["unchanged"] += int((known & ~changed).sum())

        first_seen = old["first_seen_at"].reindex(rows.index)
        rows["first_seen_at"] = first_seen.where(first_seen.notna(), seen).astype(
            "datetime64[us, UTC]"
        )
        rows["last_seen_at"] = seen
        rows["closed_at"] = pd.Series(pd.NaT, index=rows.index, dtype="datetime64[us, UTC]")
        rows["load_id"] = self.load_id
        names = [n for n in POSTINGS_SCHEMA.names if n != "posting_id"]
        merged = pd.concat([old[~old.index.isin(rows.index)][names], rows[names]])
        return merged.rename_axis("posting_id").reset_index()

    # -- tags

    def write_tags(self, annotations: pd.DataFrame, tags: pd.DataFrame) -> int:
        """Replace the tags and annotation of every posting in ``annotations``, in one commit.

        Args:
            annotations: ``posting_id, source, period, is_job_posting, roles, language,
                tagger_version``; one row per tagged posting.
            tags: ``posting_id, family, skill, level, start, end, tagger_version``; one row per
                mention, only for postings listed in ``annotations``.

        Returns:
            The number of postings whose tags were written.
        """
        needed = [*ANNOTATIONS_SCHEMA.names, *PARTITION_COLUMNS]
        optional = ("load_id", "content_hash")
        missing = [c for c in needed if c not in annotations.columns and c not in optional]
        missing += [c for c in TAGS_SCHEMA.names if c not in tags.columns and c != "load_id"]
        if missing:
            raise InputError(f"tags or annotations lack column(s): {', '.join(missing)}")
        annotations = annotations.drop_duplicates("posting_id", keep="last").assign(
            load_id=self.load_id
        )
        if "content_hash" not in annotations.columns:
            annotations = annotations.assign(content_hash=None)
        tags = tags.assign(load_id=self.load_id)
        stray = set(tags["posting_id"]) - set(annotations["posting_id"])
        if stray:
            raise InputError(f"{len(stray)} tag row(s) belong to postings with no annotation")
        where = annotations.set_index("posting_id")[["source", "period"]]
        tags = tags.join(where, on="posting_id")
        changes: dict[tuple[str, str], pd.DataFrame] = {}
        for (source, period), batch in annotations.groupby(["source", "period"], sort=True):
            key = _partition_key(source, period)
            ids = set(batch["posting_id"])
            for table, new in (
                ("annotations", batch),
                ("tags", tags[tags["posting_id"].isin(ids)]),
            ):
                old = self._partition_frame(table, key)
                old = old[~old["posting_id"].isin(ids)]
                names = TABLE_SCHEMAS[table].names
                changes[(table, key)] = pd.concat([old[names], new[names]], ignore_index=True)
        self._commit(
            changes, summary={"table": "tags", "postings": len(annotations), "tags": len(tags)}
        )
        return len(annotations)

    def mark_tagged(self, tagger_version: str, keys: Iterable[str]) -> bool:
        """Record that ``tagger_version`` has tagged every posting of these partitions.

        The record names the partition's current postings and annotations files, so any later
        change to either (a fetch, a re-tag) voids it; :meth:`Store.tag_work` then skips unvoided
        partitions without reading them. Marks of other tagger versions and of partitions gone are
        dropped. Commits only when the record changes.

        Returns:
            Whether a commit was made.
        """
        files = self._manifest["files"]
        current = self._manifest.get("tagged", {}).get(tagger_version, {})
        marks = {
            key: mark
            for key, mark in current.items()
            if key in files["postings"]
            and mark == _mark(files["postings"][key], files["annotations"].get(key))
        }
        for key in keys:
            marks[key] = _mark(files["postings"][key], files["annotations"].get(key))
        if {tagger_version: marks} == self._manifest.get("tagged", {}):
            return False
        self._commit(
            {},
            tagged={tagger_version: marks},
            summary={"table": "tagged", "partitions": len(marks)},
        )
        return True

    def set_state(self, source: str, state: dict[str, Any]) -> None:
        """Commit a source's fetch state (cursor) on its own."""
        _partition_key(source, "2000-01")
        self._commit({}, state={source: state}, summary={"table": "state", "source": source})


def open_store(root: str | Path) -> Store:
    """Open the store at a local path or fsspec URL (a store that does not exist yet reads as empty).

    Raises:
        StoreError: the URL's file system is not available.
    """
    return Store(root)
