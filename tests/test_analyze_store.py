"""The analysis reads what the store returns: dtypes of a real round trip through the parquet store."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analyzer.analyze import posting_levels, skill_shares, tagger_versions
from analyzer.claims import check_three_quarters
from analyzer.store import open_store


def test_levels_and_shares_from_a_store_round_trip(tmp_path: Path) -> None:
    """Postings, annotations (roles as parquet lists) and tags read back from the store give the
    hand-counted shares; a posting re-tagged by another version drops out instead of mixing."""
    store = open_store(str(tmp_path / "store"))
    postings = pd.DataFrame(
        {
            "source": ["hn"] * 4,
            "source_id": ["1", "2", "3", "4"],
            "period": ["2020-01", "2020-01", "2020-01", "2020-02"],
            "company": ["Acme", None, "<script>alert(1)</script>", "Beta"],
            "title": ["a", "b", "c", "d"],
            "text": ["a", "b", "c", "d"],
            "posted_at": pd.to_datetime(["2020-01-02"] * 3 + ["2020-02-03"], utc=True),
        }
    )
    ids = [f"hn:{i}" for i in range(1, 5)]
    annotations = pd.DataFrame(
        {
            "posting_id": ids,
            "source": "hn",
            "period": list(postings["period"]),
            "is_job_posting": [True, True, True, False],
            "roles": [["backend"], ["frontend", "fullstack"], ["frontend"], []],
            "language": "en",
            "tagger_version": "kw.v1",
        }
    )
    tags = pd.DataFrame(
        {
            "posting_id": ["hn:1", "hn:1", "hn:2", "hn:3"],
            "family": ["cloud", "cloud", "cloud", "containers"],
            "skill": ["AWS", "AWS", "GCP", "Docker"],
            "level": ["stack", "required", "preferred", "required"],
            "start": [0, 10, 0, 0],
            "end": [3, 13, 3, 6],
            "tagger_version": "kw.v1",
        }
    )
    with store.writer(command="test") as writer:
        writer.upsert_postings(postings)
        writer.write_tags(annotations, tags)
        # hn:4 re-tagged by a newer version: the store keeps one annotation per posting
        writer.write_tags(annotations.iloc[3:].assign(tagger_version="kw.v2"), tags.iloc[:0])

    annotations_read = store.read_annotations()
    assert tagger_versions(annotations_read).to_dict("records") == [
        {"tagger_version": "kw.v2", "postings": 1},
        {"tagger_version": "kw.v1", "postings": 3},
    ]
    latest = posting_levels(store.read_postings(), annotations_read, store.read_tags())
    assert list(latest["posting_id"]) == ["hn:4"]
    levels = posting_levels(
        store.read_postings(), annotations_read, store.read_tags(), tagger_version="kw.v1"
    )
    assert list(levels["posting_id"]) == ["hn:1", "hn:2", "hn:3"]
    assert list(levels["cloud"].astype(str)) == ["required", "preferred", "absent"]
    assert isinstance(levels.loc[1, "roles"], list)
    shares = skill_shares(levels, families=["cloud"], min_n=1, definition=["requires", "involves"])
    jan = shares[(shares["period"] == "2020-01") & (shares["skill"] == "*")]
    assert jan.set_index("definition")[["n", "k"]].to_dict("index") == {
        "requires": {"n": 2, "k": 1},
        "involves": {"n": 2, "k": 2},
    }
    claims = check_three_quarters(levels, definition="requires", denominator="all", min_n=1)
    overall = claims[claims["period"] == "overall"].iloc[0]
    assert (overall["n"], overall["k"]) == (3, 1)
