"""The parquet store: round trips, upserts, partitions, schema version and error paths."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pandas as pd
import pyarrow.dataset as pads
import pyarrow.parquet as pq
import pytest

from analyzer.errors import (
    CorruptStoreError,
    InputError,
    SchemaVersionError,
    StoreNotWritableError,
)
from analyzer.store import Store, open_store

T0 = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
T1 = datetime(2026, 2, 5, 12, 0, tzinfo=UTC)


def make_postings(
    n: int,
    *,
    source: str = "hn",
    periods: tuple[str, ...] = ("2015-09", "2015-10"),
    text: str = "Backend engineer, AWS and Docker required",
) -> pd.DataFrame:
    """Synthetic postings shaped like a fetched HN thread."""
    return pd.DataFrame(
        {
            "source": source,
            "source_id": [str(1000 + i) for i in range(n)],
            "period": [periods[i % len(periods)] for i in range(n)],
            "company": [f"Company {i % 7}" for i in range(n)],
            "title": "Backend Engineer",
            "location": "Berlin",
            "remote": [i % 2 == 0 for i in range(n)],
            "url": None,
            "posted_at": [datetime(2015, 9, 1, 15, tzinfo=UTC)] * n,
            "text_html": [f"<p>{text} #{i}</p>" for i in range(n)],
            "text": [f"{text} #{i}" for i in range(n)],
        }
    )


@pytest.fixture(params=["local", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """An empty store on a local directory, and on an fsspec memory:// file system."""
    if request.param == "local":
        return open_store(tmp_path / "store")
    return open_store(f"memory://analyzer-test-{uuid4().hex}")


def test_empty_store_reads_as_empty(store: Store) -> None:
    """A store that was never written has no postings and reports itself empty."""
    assert store.read_postings().empty
    assert list(store.read_postings().columns)[:2] == ["posting_id", "source_id"]
    status = store.status()
    assert status["postings"] == [] and status["tagger_versions"] == {}
    assert store.state("hn") == {}


def test_round_trip_keeps_values_and_types(store: Store) -> None:
    """Postings written come back with the same values, UTC timestamps and partition columns."""
    postings = make_postings(10)
    with store.writer("test") as writer:
        result = writer.upsert_postings(postings, seen_at=T0)
    assert result.new == 10 and result.updated == 0
    back = store.read_postings().sort_values("source_id").reset_index(drop=True)
    assert len(back) == 10
    assert back["posting_id"].tolist() == [f"hn:{1000 + i}" for i in range(10)]
    assert back["text"].tolist() == postings["text"].tolist()
    assert back["remote"].tolist() == postings["remote"].tolist()
    assert str(back["posted_at"].dtype) == "datetime64[us, UTC]"
    assert (back["first_seen_at"] == pd.Timestamp(T0)).all()
    assert back["closed_at"].isna().all()
    assert back["load_id"].nunique() == 1 and back["load_id"].iloc[0] == writer.load_id
    assert set(back["period"]) == {"2015-09", "2015-10"}


def test_upsert_is_idempotent_and_tracks_sightings(store: Store) -> None:
    """Fetching the same postings again adds nothing; first_seen_at stays, last_seen_at moves."""
    postings = make_postings(6)
    with store.writer("test") as writer:
        writer.upsert_postings(postings, seen_at=T0)
        again = writer.upsert_postings(postings, seen_at=T1)
    assert (again.new, again.updated, again.unchanged) == (0, 0, 6)
    back = store.read_postings()
    assert len(back) == 6 and back["posting_id"].is_unique
    assert (back["first_seen_at"] == pd.Timestamp(T0)).all()
    assert (back["last_seen_at"] == pd.Timestamp(T1)).all()


def test_changed_text_updates_hash_but_not_first_seen(store: Store) -> None:
    """A posting whose text changed gets the new text and hash; first_seen_at never moves."""
    with store.writer("test") as writer:
        writer.upsert_postings(make_postings(3), seen_at=T0)
        before = store.read_postings().set_index("posting_id")
        changed = make_postings(3)
        changed.loc[1, "text"] = "Now Kubernetes too"
        result = writer.upsert_postings(changed, seen_at=T1)
    assert (result.new, result.updated, result.unchanged) == (0, 1, 2)
    after = store.read_postings().set_index("posting_id")
    assert after.loc["hn:1001", "text"] == "Now Kubernetes too"
    assert after.loc["hn:1001", "content_hash"] != before.loc["hn:1001", "content_hash"]
    assert after.loc["hn:1000", "content_hash"] == before.loc["hn:1000", "content_hash"]
    assert after.loc["hn:1001", "first_seen_at"] == pd.Timestamp(T0)
    assert after.loc["hn:1001", "last_seen_at"] == pd.Timestamp(T1)


def test_metadata_follows_the_source_without_counting_as_update(store: Store) -> None:
    """A changed `extra` (labels, state) or `remote` is stored; only text changes count as updated."""
    postings = make_postings(2).assign(extra='{"labels": ["backend"]}')
    with store.writer("test") as writer:
        writer.upsert_postings(postings, seen_at=T0)
        relabelled = postings.assign(extra='{"labels": ["backend", "closed"]}', remote=False)
        result = writer.upsert_postings(relabelled, seen_at=T1)
    assert (result.updated, result.unchanged) == (0, 2)
    back = store.read_postings()
    assert set(back["extra"]) == {'{"labels": ["backend", "closed"]}'}
    assert not back["remote"].any()


def test_columns_not_provided_keep_stored_values(store: Store) -> None:
    """An upsert without some optional columns keeps what is stored in them (no update counted)."""
    with store.writer("test") as writer:
        writer.upsert_postings(make_postings(2), seen_at=T0)
        result = writer.upsert_postings(
            make_postings(2)[["source", "source_id", "period"]], seen_at=T1
        )
    assert (result.new, result.updated, result.unchanged) == (0, 0, 2)
    back = store.read_postings().sort_values("source_id")
    assert back["text"].tolist() == make_postings(2)["text"].tolist()
    assert (back["last_seen_at"] == pd.Timestamp(T1)).all()


def test_posting_keeps_its_first_partition(store: Store) -> None:
    """A posting re-fetched with another period is updated where it is, never duplicated."""
    with store.writer("test") as writer:
        writer.upsert_postings(make_postings(2, periods=("2015-09",)), seen_at=T0)
        writer.upsert_postings(make_postings(2, periods=("2016-01",)), seen_at=T1)
    back = store.read_postings()
    assert len(back) == 2 and set(back["period"]) == {"2015-09"}


def test_snapshot_closes_missing_and_reopens(store: Store) -> None:
    """A board snapshot closes jobs that disappeared (never deletes them) and reopens returning ones."""
    board = make_postings(4, source="greenhouse", periods=("2026-01",))
    board["source_id"] = [f"acme/{i}" for i in range(4)]
    other = board.assign(source_id=[f"other/{i}" for i in range(4)])
    with store.writer("test") as writer:
        writer.upsert_postings(pd.concat([board, other]), seen_at=T0)
        result = writer.upsert_postings(
            board.iloc[:2], seen_at=T1, snapshot=("greenhouse", "acme/")
        )
        assert result.closed == 2
        back = store.read_postings().set_index("posting_id")
        assert len(back) == 8
        assert back["closed_at"].notna().sum() == 2
        assert back.loc["greenhouse:acme/3", "closed_at"] == pd.Timestamp(T1)
        assert back.loc["greenhouse:other/3", "closed_at"] is pd.NaT
        writer.upsert_postings(board, seen_at=T1, snapshot=("greenhouse", "acme/"))
    assert store.read_postings()["closed_at"].isna().all()


def test_partition_pruning_touches_only_matching_files(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read of one source and period range opens only that partition's file."""
    with store.writer("test") as writer:
        writer.upsert_postings(make_postings(9, periods=("2015-09", "2015-10", "2015-11")))
        writer.upsert_postings(make_postings(3, source="github", periods=("2015-10",)))
    opened: list[str] = []
    original = store._files.open_input

    def spy(rel: str) -> object:
        opened.append(rel)
        return original(rel)

    monkeypatch.setattr(store._files, "open_input", spy)
    frame = store.read_postings(
        sources="hn", since="2015-10", until="2015-10", columns=["posting_id", "period"]
    )
    assert len(frame) == 3 and set(frame["period"]) == {"2015-10"}
    assert len(opened) == 1 and opened[0].startswith("postings/source=hn/period=2015-10/")


def test_iter_postings_streams_bounded_batches(store: Store) -> None:
    """Streaming yields every posting once, in batches no larger than asked."""
    with store.writer("test") as writer:
        writer.upsert_postings(make_postings(25, periods=("2015-09",)))
    batches = list(store.iter_postings(batch_size=10, columns=["posting_id", "source"]))
    assert [len(b) for b in batches] == [10, 10, 5]
    assert pd.concat(batches)["posting_id"].nunique() == 25


def test_tags_replace_previous_tags_of_same_postings(store: Store) -> None:
    """Tagging a posting again replaces its tags and annotation; other postings keep theirs."""
    with store.writer("test") as writer:
        writer.upsert_postings(make_postings(2, periods=("2015-09",)))
        annotations = pd.DataFrame(
            {
                "posting_id": ["hn:1000", "hn:1001"],
                "source": "hn",
                "period": "2015-09",
                "is_job_posting": True,
                "roles": [["backend"], ["frontend"]],
                "language": "en",
                "tagger_version": "v1",
            }
        )
        tags = pd.DataFrame(
            {
                "posting_id": ["hn:1000", "hn:1000", "hn:1001"],
                "family": ["cloud", "containers", "cloud"],
                "skill": ["AWS", "Docker", "GCP"],
                "level": ["required", "stack", "preferred"],
                "start": [0, 10, 5],
                "end": [3, 16, 8],
                "tagger_version": "v1",
            }
        )
        writer.write_tags(annotations, tags)
        writer.write_tags(
            annotations.iloc[:1].assign(tagger_version="v2"),
            tags.iloc[:1].assign(tagger_version="v2"),
        )
    stored = store.read_tags().sort_values("posting_id")
    assert stored[["posting_id", "skill", "tagger_version"]].values.tolist() == [
        ["hn:1000", "AWS", "v2"],
        ["hn:1001", "GCP", "v1"],
    ]
    assert store.status()["tagger_versions"] == {"v1": 1, "v2": 1}
    assert store.read_annotations(tagger_version="v2")["roles"].tolist()[0].tolist() == ["backend"]


def test_iter_partitions_reads_tables_side_by_side_of_one_version(store: Store) -> None:
    """`iter_partitions` yields each partition of the first table with the same partition of the
    others, in partition order, filtering only tables that carry a tagger version."""
    with store.writer("test") as writer:
        writer.upsert_postings(make_postings(3, periods=("2015-09", "2015-10")))
        posted = store.read_postings(columns=["posting_id", "source", "period"])
        annotations = posted.assign(
            is_job_posting=True, roles=[["backend"]] * 3, language="en", tagger_version="v1"
        )
        tags = posted[["posting_id"]].assign(
            family="cloud", skill="AWS", level="required", start=0, end=3, tagger_version="v1"
        )
        writer.write_tags(annotations, tags)
        writer.write_tags(annotations.iloc[:1].assign(tagger_version="v2"), tags.iloc[:0])
    seen = list(
        store.iter_partitions(
            {"annotations": ["posting_id"], "postings": ["posting_id"], "tags": ["skill"]},
            tagger_version="v1",
        )
    )
    assert [(source, period) for source, period, _ in seen] == sorted(
        set(zip(posted["source"], posted["period"], strict=True))
    )
    ids = {t: sorted(i for _, _, f in seen for i in f[t].get("posting_id", [])) for t in seen[0][2]}
    assert len(ids["postings"]) == 3  # postings carry no version: all read
    assert ids["annotations"] == [i for i in ids["postings"] if i != posted["posting_id"].iloc[0]]
    assert sum(len(f["tags"]) for _, _, f in seen) == 2  # the v2 commit replaced one posting's


def test_state_commits_with_rows(store: Store) -> None:
    """A cursor given with an upsert is committed with it; status shows the last fetch."""
    with store.writer("fetch hn") as writer:
        writer.upsert_postings(make_postings(2), state={"hn": {"cursor": "2015-10"}})
    assert store.state("hn") == {"cursor": "2015-10"}
    assert "last_fetch_at" in store.status()["sources"]["hn"]
    assert store.loads()[-1]["command"] == "fetch hn"


def test_directory_is_readable_as_a_hive_dataset(tmp_path: Path) -> None:
    """pyarrow reads the postings directory directly, with source and period from the path."""
    store = open_store(tmp_path)
    with store.writer("test") as writer:
        writer.upsert_postings(make_postings(6))
    table = pads.dataset(tmp_path / "postings", partitioning="hive").to_table()
    assert table.num_rows == 6
    assert sorted(set(table.column("period").to_pylist())) == ["2015-09", "2015-10"]


def test_rejects_path_escaping_partition_values(store: Store) -> None:
    """A source or period that could escape the table directory is refused before anything is written."""
    bad = make_postings(1).assign(source="../../escaped")
    with store.writer("test") as writer, pytest.raises(InputError, match="invalid source"):
        writer.upsert_postings(bad)
    with store.writer("test") as writer, pytest.raises(InputError, match="invalid period"):
        writer.upsert_postings(make_postings(1).assign(period="2015/09"))
    assert store.read_postings().empty


def test_unknown_schema_version_fails_clearly(tmp_path: Path) -> None:
    """Opening a store written by an unknown schema version names both versions."""
    store = open_store(tmp_path)
    with store.writer("test") as writer:
        writer.upsert_postings(make_postings(1))
    manifest_path = tmp_path / "_analyzer" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["schema_version"] = 99
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(SchemaVersionError, match="schema version 99"):
        open_store(tmp_path).read_postings()


def test_truncated_data_file_is_reported_as_corrupt(tmp_path: Path) -> None:
    """A committed file cut short is detected on read and by status, naming the file."""
    store = open_store(tmp_path)
    with store.writer("test") as writer:
        writer.upsert_postings(make_postings(4, periods=("2015-09",)))
    (data_file,) = (tmp_path / "postings").rglob("*.parquet")
    data_file.write_bytes(data_file.read_bytes()[:100])
    with pytest.raises(CorruptStoreError, match=r"part-.*\.parquet"):
        store.read_postings()
    with pytest.raises(CorruptStoreError):
        store.status()


def test_uncommitted_files_are_invisible_and_collected(tmp_path: Path) -> None:
    """A data file no manifest lists (a killed commit) is not read, and the next writer removes it."""
    store = open_store(tmp_path)
    with store.writer("test") as writer:
        writer.upsert_postings(make_postings(2, periods=("2015-09",)))
    orphan = tmp_path / "postings" / "source=hn" / "period=2015-09" / "part-orphan.parquet"
    pq.write_table(pq.read_table(next((tmp_path / "postings").rglob("part-*.parquet"))), orphan)
    assert len(store.read_postings()) == 2
    with store.writer("test"):
        pass
    assert not orphan.exists()


def test_unwritable_root_fails_clearly(tmp_path: Path) -> None:
    """A store root under a regular file cannot be created: StoreNotWritableError, nothing else."""
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    store = open_store(blocker / "store")
    with pytest.raises(StoreNotWritableError, match="not writable"), store.writer("test"):
        pass


def test_manifest_garbage_is_corrupt(tmp_path: Path) -> None:
    """An unreadable manifest is a CorruptStoreError, not a JSON traceback."""
    (tmp_path / "_analyzer").mkdir()
    (tmp_path / "_analyzer" / "manifest.json").write_text("{not json")
    with pytest.raises(CorruptStoreError, match="manifest"):
        open_store(tmp_path).status()


def test_tagger_version_filter_works_with_column_projection(store: Store) -> None:
    """Filtering tags by tagger version works even when that column is not among those read."""
    with store.writer("test") as writer:
        writer.upsert_postings(make_postings(2, periods=("2015-09",)))
        for version, ids in (("v1", ["hn:1000"]), ("v2", ["hn:1001"])):
            writer.write_tags(
                pd.DataFrame(
                    {
                        "posting_id": ids,
                        "source": "hn",
                        "period": "2015-09",
                        "is_job_posting": True,
                        "roles": [["backend"]],
                        "language": "en",
                        "tagger_version": version,
                    }
                ),
                pd.DataFrame(
                    {
                        "posting_id": ids,
                        "family": "cloud",
                        "skill": "AWS",
                        "level": "required",
                        "start": 0,
                        "end": 3,
                        "tagger_version": version,
                    }
                ),
            )
    tags = store.read_tags(columns=["posting_id", "skill"], tagger_version="v2")
    assert tags.values.tolist() == [["hn:1001", "AWS"]]
    assert list(tags.columns) == ["posting_id", "skill"]
    assert store.read_annotations(columns=["posting_id"], tagger_version="v1")[
        "posting_id"
    ].tolist() == ["hn:1000"]


def test_view_lists_partition_files_of_one_commit_and_cache_entries_stay_outside(
    store: Store,
) -> None:
    """A view lists one committed state: its partitions name each table's committed file (a later
    commit gives new names, the view keeps its own); cache entries live beside the tables (never
    in the manifest), and names escaping ``cache/`` are refused."""
    with store.writer() as writer:
        writer.upsert_postings(make_postings(4), seen_at=T0)
    view = store.view()
    parts = view.partitions()
    assert [(p.source, p.period, p.rows) for p in parts] == [
        ("hn", "2015-09", 2),
        ("hn", "2015-10", 2),
    ]
    assert all(p.files["postings"] and p.files["tags"] is None for p in parts)
    assert [p.period for p in view.partitions(since="2015-10")] == ["2015-10"]
    assert len(view.read("postings", "hn", "2015-09", ["posting_id"])) == 2
    with store.writer() as writer:
        writer.upsert_postings(make_postings(6), seen_at=T1)
    assert view.partitions() == parts
    assert store.view().partitions()[0].files["postings"] != parts[0].files["postings"]
    with pytest.raises(InputError, match="unknown store table"):
        view.read("nope", "hn", "2015-09")

    commit = store.status()["commit"]
    store.write_cache("report/source=hn/period=2015-09.json", b"{}")
    assert store.read_cache("report/source=hn/period=2015-09.json") == b"{}"
    assert store.list_cache("report") == ["report/source=hn/period=2015-09.json"]
    store.remove_cache("report/source=hn/period=2015-09.json")
    store.remove_cache("report/source=hn/period=2015-09.json")  # already gone: no error
    assert store.list_cache("report") == []
    with pytest.raises(FileNotFoundError):
        store.read_cache("report/missing.json")
    for bad in ("../_analyzer/manifest.json", "/etc/passwd", ""):
        with pytest.raises(InputError, match="bad cache entry name"):
            store.write_cache(bad, b"x")
    assert store.status()["commit"] == commit
    assert len(store.read_postings()) == 6
