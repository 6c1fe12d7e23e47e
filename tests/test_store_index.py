"""A fetch's store work follows the incoming ids: per-file id ranges and open counts in the manifest."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analyzer.store import Store, open_store

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 2, 5, 12, 0, tzinfo=UTC)
T2 = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)


def hn(ids: dict[int, str], text: str = "Backend engineer") -> pd.DataFrame:
    """HN postings ``id -> period`` (the same text for all, so re-seen postings are unchanged)."""
    return pd.DataFrame(
        {
            "source": "hn",
            "source_id": [str(i) for i in ids],
            "period": list(ids.values()),
            "title": None,
            "text": text,
        }
    )


class FileSpy:
    """Records every postings file the store reads: ``(period, columns)``."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reads: list[tuple[str, tuple[str, ...]]] = []
        read_file = Store._read_file

        def spy(
            store: Store, table: str, key: str, entry: dict[str, Any], columns: list[str] | None
        ) -> Any:
            if table == "postings":
                self.reads.append((key.split("period=")[1], tuple(columns or ("*",))))
            return read_file(store, table, key, entry, columns)

        monkeypatch.setattr(Store, "_read_file", spy)

    def periods(self) -> set[str]:
        """The periods of every postings file read."""
        return {period for period, _ in self.reads}


@pytest.fixture
def three_periods(tmp_path: Path) -> Store:
    """HN postings in three partitions: ids 95-104, 1000-1009 and 1100-1109.

    As text "hn:95".."hn:104" spans "hn:100".."hn:99", which holds "hn:1005": only a numeric
    order keeps 2015-09's range clear of the later ids.
    """
    store = open_store(tmp_path / "store")
    ids = {i: "2015-09" for i in range(95, 105)}
    ids |= {i: "2015-10" for i in range(1000, 1010)}
    ids |= {i: "2015-11" for i in range(1100, 1110)}
    with store.writer("test") as writer:
        writer.upsert_postings(hn(ids), seen_at=T0)
    return store


def _manifest(store: Store) -> dict[str, Any]:
    return json.loads((Path(store.root) / "_analyzer" / "manifest.json").read_text())


def test_commit_records_id_range_and_open_count(three_periods: Store) -> None:
    """Each committed postings file's manifest entry has its id range (numeric order for HN ids)
    and its number of open postings."""
    entries = _manifest(three_periods)["files"]["postings"]
    assert entries["source=hn/period=2015-09"]["id_range"] == ["hn:95", "hn:104"]
    assert entries["source=hn/period=2015-10"]["id_range"] == ["hn:1000", "hn:1009"]
    assert [e["open"] for e in entries.values()] == [10, 10, 10]


def test_fetch_reads_only_partitions_whose_range_holds_an_incoming_id(
    three_periods: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fetch of one re-seen and one new posting looks ids up only in the partition whose range
    holds the re-seen id (posting_id and closed_at only), rewrites the two partitions it changes, and opens no
    file of the partition it does not touch; the re-seen posting keeps its first partition."""
    spy = FileSpy(monkeypatch)
    with three_periods.writer("fetch") as writer:
        result = writer.upsert_postings(hn({1005: "2015-12", 1200: "2015-11"}), seen_at=T1)
    assert (result.new, result.updated, result.unchanged, result.closed) == (1, 0, 1, 0)
    assert ("2015-10", ("posting_id", "closed_at")) in spy.reads
    assert [r for r in spy.reads if r[1] == ("posting_id", "closed_at")] == [
        ("2015-10", ("posting_id", "closed_at"))
    ]
    assert spy.periods() == {"2015-10", "2015-11"}
    back = three_periods.read_postings().set_index("posting_id")
    assert back.loc["hn:1005", "period"] == "2015-10"
    assert back.loc["hn:1005", "first_seen_at"] == pd.Timestamp(T0)
    assert back.loc["hn:1200", "period"] == "2015-11"
    assert len(back) == 31 and "2015-12" not in set(back["period"])
    entries = _manifest(three_periods)["files"]["postings"]
    assert entries["source=hn/period=2015-11"]["id_range"] == ["hn:1100", "hn:1200"]


def test_manifest_without_ranges_still_works_and_learns_them(
    three_periods: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A manifest written before id ranges were recorded: the first fetch reads every partition of
    the source (as before), keeps re-seen postings in place, and its commit records the ranges,
    so the next fetch reads only the partition that can hold its ids."""
    path = Path(three_periods.root) / "_analyzer" / "manifest.json"
    manifest = json.loads(path.read_text())
    recorded = {k: dict(e) for k, e in manifest["files"]["postings"].items()}
    for entry in manifest["files"]["postings"].values():
        del entry["id_range"], entry["open"]
    path.write_text(json.dumps(manifest))
    spy = FileSpy(monkeypatch)
    with three_periods.writer("fetch") as writer:
        result = writer.upsert_postings(hn({100: "2015-11"}), seen_at=T1)
    assert (result.new, result.unchanged) == (0, 1)
    assert {p for p, cols in spy.reads if "closed_at" in cols and cols != ("*",)} == {
        "2015-09",
        "2015-10",
        "2015-11",
    }
    assert three_periods.read_postings().set_index("posting_id").loc["hn:100", "period"] == (
        "2015-09"
    )
    learned = _manifest(three_periods)["files"]["postings"]
    for key in ("source=hn/period=2015-10", "source=hn/period=2015-11"):
        assert learned[key] == recorded[key]
    assert learned["source=hn/period=2015-09"]["id_range"] == ["hn:95", "hn:104"]
    spy.reads.clear()
    with three_periods.writer("fetch") as writer:
        writer.upsert_postings(hn({1101: "2015-09"}), seen_at=T2)
    assert spy.periods() == {"2015-11"}


def test_upserts_match_a_reference_model(tmp_path: Path) -> None:
    """Random fetches of numeric ids of mixed lengths in random periods: every posting stays in
    the period it was first stored in and new/unchanged counts match a plain dictionary model."""
    rng = random.Random(6)
    store = open_store(tmp_path / "store")
    first: dict[int, str] = {}
    periods = [f"2020-{m:02d}" for m in range(1, 7)]
    with store.writer("test") as writer:
        for _ in range(8):
            ids = {
                rng.randrange(5, 200) if rng.random() < 0.5 else rng.randrange(900, 20000)
                for _ in range(40)
            }
            batch = {i: rng.choice(periods) for i in sorted(ids)}
            expected_new = sum(i not in first for i in batch)
            result = writer.upsert_postings(hn(batch), seen_at=T0)
            assert (result.new, result.unchanged) == (expected_new, len(batch) - expected_new)
            for i, period in batch.items():
                first.setdefault(i, period)
    back = store.read_postings(columns=["posting_id", "period"])
    assert back["posting_id"].is_unique
    assert dict(zip(back["posting_id"], back["period"], strict=True)) == {
        f"hn:{i}": p for i, p in first.items()
    }


def test_snapshot_closes_exactly_the_missing_jobs_and_skips_closed_partitions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A board snapshot closes exactly that board's open jobs missing from it, in every partition;
    a partition whose postings are all closed (open count 0) is not read by the next snapshot."""
    store = open_store(tmp_path / "store")
    jobs = pd.DataFrame(
        {
            "source": "greenhouse",
            "source_id": [f"{b}/{i}" for b in ("acme", "other") for i in range(6)],
            "period": [f"2026-0{1 + i // 2}" for _ in range(2) for i in range(6)],
            "title": "Engineer",
            "text": "Build things",
        }
    )
    jobs.loc[
        jobs["source_id"].str.startswith("other/") & (jobs["period"] == "2026-01"), "period"
    ] = "2026-02"
    acme = jobs[jobs["source_id"].str.startswith("acme/")]
    with store.writer("test") as writer:
        writer.upsert_postings(jobs, seen_at=T0)
        kept = acme[acme["source_id"].isin(["acme/3", "acme/5"])]
        result = writer.upsert_postings(kept, seen_at=T1, snapshot=("greenhouse", "acme/"))
    assert result.closed == 4
    back = store.read_postings().set_index("posting_id")
    closed = set(back.index[back["closed_at"].notna()])
    assert closed == {
        "greenhouse:acme/0",
        "greenhouse:acme/1",
        "greenhouse:acme/2",
        "greenhouse:acme/4",
    }
    assert (back.loc[sorted(closed), "closed_at"] == pd.Timestamp(T1)).all()
    entries = _manifest(store)["files"]["postings"]
    assert {k[-7:]: e["open"] for k, e in entries.items()} == {
        "2026-01": 0,
        "2026-02": 5,
        "2026-03": 3,
    }
    spy = FileSpy(monkeypatch)
    with store.writer("test") as writer:
        again = writer.upsert_postings(kept, seen_at=T2, snapshot=("greenhouse", "acme/"))
    assert (again.closed, again.unchanged) == (0, 2)
    assert "2026-01" not in spy.periods()
    with store.writer("test") as writer:
        back_again = writer.upsert_postings(acme, seen_at=T2, snapshot=("greenhouse", "acme/"))
    assert (back_again.closed, back_again.unchanged) == (0, 6)
    assert store.read_postings()["closed_at"].isna().all()


def test_one_writer_reads_each_partitions_ids_once(
    three_periods: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A writer making many commits (a backfill: one per page) looks a partition's ids up in the
    file only once; the ids of files it wrote itself are never read back, and a posting re-seen in
    a later commit of the same writer still keeps the partition it was first stored in."""
    spy = FileSpy(monkeypatch)
    with three_periods.writer("test") as writer:
        writer.upsert_postings(hn({1001: "2015-10", 1200: "2015-12"}), seen_at=T1)
        writer.upsert_postings(hn({1002: "2015-10", 1201: "2015-12"}), seen_at=T1)
        writer.upsert_postings(hn({1200: "2016-01", 1003: "2016-01"}), seen_at=T2)
    id_reads = [period for period, cols in spy.reads if cols == ("posting_id", "closed_at")]
    assert id_reads == ["2015-10"]  # by the first commit only; 2015-12 is the writer's own file
    postings = three_periods.read_postings(columns=["posting_id", "period"])
    where = dict(zip(postings["posting_id"], postings["period"], strict=True))
    assert (where["hn:1200"], where["hn:1003"], where["hn:1201"]) == (
        "2015-12",
        "2015-10",
        "2015-12",
    )
    assert "2016-01" not in set(postings["period"])
