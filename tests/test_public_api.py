"""The flat notebook namespace: `import analyzer as az`."""

from __future__ import annotations

import inspect
from pathlib import Path

import pandas as pd

import analyzer as az


def test_all_names_exist_and_are_documented() -> None:
    """Every name in `analyzer.__all__` exists, and every public callable has a docstring."""
    assert len(az.__all__) == len(set(az.__all__))
    for name in az.__all__:
        value = getattr(az, name)
        if callable(value):
            assert inspect.getdoc(value), f"analyzer.{name} has no docstring"


def test_no_public_name_is_missing_from_all() -> None:
    """Names imported into the package namespace are listed in `__all__` (no accidental API)."""
    public = {n for n in vars(az) if not n.startswith("_") and not inspect.ismodule(getattr(az, n))}
    public -= {"annotations"}  # `from __future__ import annotations`
    assert public == set(az.__all__) - {"__version__"}


def test_load_levels_from_a_store(tmp_path: Path) -> None:
    """`az.load_levels` reads a store into one row per tagged posting of one source group."""
    store = az.open_store(tmp_path)
    postings = pd.DataFrame(
        {
            "source": ["hn", "hn", "github"],
            "source_id": ["1", "2", "o/r#1"],
            "period": ["2024-01", "2024-01", "2024-01"],
            "company": ["A", "B", "C"],
        }
    )
    with store.writer("test") as writer:
        writer.upsert_postings(postings)
        writer.write_tags(
            pd.DataFrame(
                {
                    "posting_id": ["hn:1", "hn:2", "github:o/r#1"],
                    "source": ["hn", "hn", "github"],
                    "period": "2024-01",
                    "is_job_posting": True,
                    "roles": [["backend"]] * 3,
                    "language": "en",
                    "tagger_version": "t.v1",
                }
            ),
            pd.DataFrame(
                {
                    "posting_id": ["hn:1"],
                    "family": ["cloud"],
                    "skill": ["AWS"],
                    "level": ["required"],
                    "start": [0],
                    "end": [3],
                    "tagger_version": ["t.v1"],
                }
            ),
        )
    levels = az.load_levels(str(tmp_path), source="hn")
    assert sorted(levels["posting_id"]) == ["hn:1", "hn:2"]
    assert levels.set_index("posting_id").loc["hn:1", "cloud"] == "required"
    assert levels.set_index("posting_id").loc["hn:2", "cloud"] == "absent"
    shares = az.skill_shares(levels, definition="requires", denominator="backend", min_n=1)
    cloud = shares[(shares["family"] == "cloud") & (shares["skill"] == "*")].iloc[0]
    assert (cloud["n"], cloud["k"], cloud["share"]) == (2, 1, 0.5)
