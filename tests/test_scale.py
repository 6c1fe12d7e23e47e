"""Nightly cost grows with new work, not with the store: what `tag` and `report` read."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from test_report_corpus import build_store

from analyzer import pipeline
from analyzer.analyze import source_group
from analyzer.config import Config, load_config
from analyzer.store import Store, open_store

reporting = pipeline.reporting  # the module (``analyzer.report`` is also a function's name)

SEEN = pd.Timestamp("2024-03-01T00:00:00Z")
TEXTS = {
    "1": "Acme | Backend Engineer | Remote\nRequirements:\n- Experience with AWS and Docker",
    "2": "Initech | Designer | NYC\nWe make beautiful apps.",
    "3": "Globex | SRE | Berlin\nRequirements:\n- Kubernetes and Terraform",
    "4": "Hooli | Backend Engineer | SF\nYou know Python.",
}


def _postings(ids: dict[str, str], texts: dict[str, str] | None = None) -> pd.DataFrame:
    """HN postings ``source_id -> period`` with the texts of ``TEXTS`` (or ``texts``)."""
    texts = {**TEXTS, **(texts or {})}
    return pd.DataFrame(
        {
            "source": "hn",
            "source_id": list(ids),
            "period": list(ids.values()),
            "title": None,
            "text": [texts[i] for i in ids],
        }
    )


class ReadSpy:
    """Records every store file read and every posting read by id (with the columns asked)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.files: list[tuple[str, str, tuple[str, ...]]] = []
        self.by_id: list[tuple[str, str, set[str]]] = []
        read_file, by_id = Store._read_file, Store.iter_postings_by_id

        def spy_read_file(
            store: Store, table: str, key: str, entry: dict[str, Any], columns: list[str] | None
        ) -> Any:
            self.files.append((table, key, tuple(columns or ("*",))))
            return read_file(store, table, key, entry, columns)

        def spy_by_id(
            store: Store,
            source: str,
            period: str,
            ids: Any,
            columns: list[str],
            batch_size: int = 5000,
        ) -> Iterator[pd.DataFrame]:
            ids = set(ids)
            self.by_id.append((source, period, ids))
            yield from by_id(store, source, period, ids, columns, batch_size)

        monkeypatch.setattr(Store, "_read_file", spy_read_file)
        monkeypatch.setattr(Store, "iter_postings_by_id", spy_by_id)

    def clear(self) -> None:
        """Forget what was recorded so far."""
        self.files.clear()
        self.by_id.clear()

    def text_reads(self) -> list[tuple[str, str, set[str]]]:
        """The posting reads that included texts: ``(source, period, ids)``."""
        whole = [(t, k) for t, k, cols in self.files if t == "postings" and "text" in (*cols, "*")]
        assert not whole, f"whole postings files read with text: {whole}"
        return self.by_id


@pytest.fixture
def tagged(tmp_path: Path) -> tuple[Store, Config]:
    """A store of four HN postings in three partitions, tagged once."""
    root = tmp_path / "store"
    store = open_store(root)
    with store.writer(command="test") as writer:
        writer.upsert_postings(
            _postings({"1": "2024-01", "2": "2024-01", "3": "2024-02", "4": "2024-03"}),
            seen_at=SEEN,
        )
    config = load_config(env={}).with_overrides({"store": str(root)})
    first = pipeline.tag(config)
    assert first["tagged"] == 4
    return store, config


def test_tag_reads_texts_only_of_new_and_changed_postings(
    tagged: tuple[Store, Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    """After a fetch adds one posting and changes another's text, `tag` tags exactly those two,
    reads texts only of them, and opens no file of the partition the fetch did not touch."""
    store, config = tagged
    changed = "Initech | Platform Engineer | NYC\nRequirements:\n- Kubernetes"
    with store.writer(command="fetch") as writer:
        result = writer.upsert_postings(
            _postings({"2": "2024-01", "5": "2024-03"}, {"2": changed, "5": TEXTS["3"]}),
            seen_at=SEEN + pd.Timedelta(days=1),
        )
    assert (result.new, result.updated) == (1, 1)
    spy = ReadSpy(monkeypatch)
    summary = pipeline.tag(config)
    assert (summary["tagged"], summary["seen"], summary["skipped"]) == (2, 5, 3)
    assert spy.text_reads() == [("hn", "2024-01", {"hn:2"}), ("hn", "2024-03", {"hn:5"})]
    assert not [key for _, key, _ in spy.files if key.endswith("period=2024-02")]
    annotations = store.read_annotations().set_index("posting_id")
    hashes = store.read_postings(columns=["posting_id", "content_hash"]).set_index("posting_id")
    assert annotations["content_hash"].to_dict() == hashes["content_hash"].to_dict()
    tags = store.read_tags()
    assert set(tags.loc[tags["posting_id"] == "hn:2", "skill"]) == {"Kubernetes"}
    assert set(tags.loc[tags["posting_id"] == "hn:5", "skill"]) == {"Kubernetes", "Terraform"}


def test_tag_skips_unchanged_partitions_without_reading_them(
    tagged: tuple[Store, Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run with nothing new reads no store file at all; a fetch that only re-sees a partition's
    postings makes the next run read that partition's ids and hashes, never its texts."""
    store, config = tagged
    spy = ReadSpy(monkeypatch)
    again = pipeline.tag(config)
    assert (again["tagged"], again["skipped"], again["seen"]) == (0, 4, 4)
    assert spy.files == [] and spy.by_id == []
    with store.writer(command="fetch") as writer:
        result = writer.upsert_postings(
            _postings({"4": "2024-03"}), seen_at=SEEN + pd.Timedelta(days=2)
        )
    assert result.unchanged == 1
    spy.clear()
    assert pipeline.tag(config)["tagged"] == 0
    assert {key for _, key, _ in spy.files} == {"source=hn/period=2024-03"}
    assert {cols for _, _, cols in spy.files} == {
        ("posting_id", "content_hash"),
        ("posting_id", "tagger_version", "content_hash"),
    }
    assert spy.by_id == []


def test_tag_streams_batches_and_retag_tags_everything(
    tagged: tuple[Store, Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--retag` tags every posting again, reading at most ``batch_size`` texts at a time, and one
    commit per batch."""
    _, config = tagged
    sizes: list[int] = []
    by_id = Store.iter_postings_by_id

    def counting(store: Store, *args: Any, **kwargs: Any) -> Iterator[pd.DataFrame]:
        for frame in by_id(store, *args, **kwargs):
            sizes.append(len(frame))
            yield frame

    monkeypatch.setattr(Store, "iter_postings_by_id", counting)
    summary = pipeline.tag(config, retag=True, batch_size=1)
    assert summary["tagged"] == 4 and summary["batches"] == 4
    assert sizes == [1, 1, 1, 1]


def test_annotations_without_hash_are_trusted(tmp_path: Path) -> None:
    """Annotations written before they carried a content hash (or by a writer that gives none) are
    not re-tagged; a changed posting is, once its annotation has a hash to compare."""
    root = tmp_path / "store"
    store = open_store(root)
    with store.writer(command="test") as writer:
        writer.upsert_postings(_postings({"1": "2024-01", "2": "2024-01"}), seen_at=SEEN)
        legacy = pd.DataFrame(
            {
                "posting_id": ["hn:1", "hn:2"],
                "source": "hn",
                "period": "2024-01",
                "is_job_posting": True,
                "roles": [["backend"], ["non_eng"]],
                "language": "en",
                "tagger_version": pipeline.Tagger().version,
            }
        )
        writer.write_tags(legacy, pd.DataFrame(columns=pipeline._TAG_ROW_COLUMNS))
    assert store.read_annotations()["content_hash"].isna().all()
    config = load_config(env={}).with_overrides({"store": str(root)})
    assert pipeline.tag(config)["tagged"] == 0
    with store.writer(command="fetch") as writer:
        writer.upsert_postings(_postings({"1": "2024-01"}, {"1": TEXTS["3"]}), seen_at=SEEN)
    assert pipeline.tag(config)["tagged"] == 0
    assert pipeline.tag(config, retag=True)["tagged"] == 2
    with store.writer(command="fetch") as writer:
        writer.upsert_postings(_postings({"1": "2024-01"}), seen_at=SEEN)
    assert pipeline.tag(config)["tagged"] == 1


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def test_report_reads_narrow_columns_and_writes_the_same_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`report` reads no posting text but the few it quotes, and writes byte for byte the report
    `build_report` writes from the store's whole tables (two tagger versions in the store)."""
    root = build_store(tmp_path / "store")
    store = open_store(root)
    older = store.read_annotations().head(30).assign(tagger_version="keywords.v0")
    with store.writer(command="older version") as writer:
        writer.write_tags(older, pd.DataFrame(columns=pipeline._TAG_ROW_COLUMNS))
    config = load_config(env={}).with_overrides({"store": str(root)})
    when = datetime(2024, 1, 2, tzinfo=UTC)

    postings = store.read_postings()
    mine = postings[postings["source"].map(source_group) == "hn"]
    coverage = pipeline._report_coverage(None, mine["period"], mine["posted_at"].max())
    expected = reporting.build_report(
        tmp_path / "expected",
        postings,
        store.read_annotations(),
        store.read_tags(),
        source="hn",
        min_n=config["report.min_n"],
        coverage=coverage,
        generated_at=when,
    )

    build = reporting.build_report
    monkeypatch.setattr(
        reporting, "build_report", lambda *a, **k: build(*a, **k, generated_at=when)
    )
    spy = ReadSpy(monkeypatch)
    got = pipeline.report(config, tmp_path / "got", source="hn")
    read = {cols for table, _, cols in spy.files if table == "postings"}
    # posted_at alone: the partition's newest posting, kept with its cached counts
    assert read == {("posted_at",), ("posting_id", "company", "posted_at")}
    quoted = spy.text_reads()
    assert 0 < sum(len(ids) for _, _, ids in quoted) <= 12
    assert got.headline == expected.headline
    produced, reference = _files(tmp_path / "got"), _files(tmp_path / "expected")
    assert produced.keys() == reference.keys()
    assert [name for name in produced if produced[name] != reference[name]] == []


def test_run_fingerprint_reads_only_the_manifest(
    tagged: tuple[Store, Config], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The nightly run's "reports up to date" check opens no parquet file (its cost follows the
    partitions, not the postings); re-seeing postings leaves it unchanged, a new posting tagged
    changes it."""
    store, config = tagged
    spy = ReadSpy(monkeypatch)
    before = pipeline._report_fingerprint(config, store, ["hn"])
    assert spy.files == [] and spy.by_id == []
    files = [f["path"] for f in store.committed_files("postings")]
    with store.writer(command="fetch") as writer:
        writer.upsert_postings(
            _postings({"1": "2024-01", "3": "2024-02"}), seen_at=SEEN + pd.Timedelta(days=1)
        )
    assert [f["path"] for f in store.committed_files("postings")] != files  # last_seen_at
    assert pipeline._report_fingerprint(config, store, ["hn"]) == before
    with store.writer(command="fetch") as writer:
        writer.upsert_postings(_postings({"5": "2024-02"}, {"5": TEXTS["1"]}), seen_at=SEEN)
    pipeline.tag(config)
    assert pipeline._report_fingerprint(config, store, ["hn"]) != before
