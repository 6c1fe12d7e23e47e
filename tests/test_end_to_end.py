"""The whole product on the real corpus: replay server -> fetch -> tag -> reports.

This is the nightly job exactly as `make demo` runs it (``python -m analyzer.demo``), in a fresh
process, over the real recorded corpus in ../shared/data, then checked from the outside: the store's
counts, the report's answer for every month, and every number against the tidy tables.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from analyzer.analyze import SHARE_COLUMNS, wilson_interval
from analyzer.store import open_store

pytestmark = [pytest.mark.slow, pytest.mark.corpus]

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def run_demo(store: Path, out: Path) -> subprocess.CompletedProcess[str]:
    """Run `python -m analyzer.demo` over the real corpus in a fresh process."""
    command = [sys.executable, "-m", "analyzer.demo", "--data", str(SHARED_DATA)]
    return subprocess.run(
        [*command, "--store", str(store), "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=1500,
        cwd=store.parent,
    )


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, str]:
    """Run the nightly job once against the replayed corpus; yield the store, reports and output."""
    if not (SHARED_DATA / "hn" / "stories.json").exists():
        pytest.skip(f"real corpus not found at {SHARED_DATA}")
    base = tmp_path_factory.mktemp("e2e")
    store, out = base / "store", base / "reports"
    done = run_demo(store, out)
    assert done.returncode == 0, done.stderr[-3000:]
    return store, out, done.stdout


def test_every_posting_is_stored_once_and_tagged(demo_run: tuple[Path, Path, str]) -> None:
    """All 51,388 HN comments, 3,218 GitHub issues and the recorded ATS jobs are stored and tagged."""
    store_root, _, stdout = demo_run
    status = open_store(store_root).status()
    per_source: dict[str, int] = {}
    for row in status["postings"]:
        per_source[row["source"]] = per_source.get(row["source"], 0) + row["postings"]
    assert per_source["hn"] == 51_388
    assert per_source["github"] == 3_218
    assert sum(per_source.values()) == sum(status["tagger_versions"].values())
    assert len(status["tagger_versions"]) == 1
    assert "tagged 54,6" in stdout


def test_hn_report_answers_every_month(demo_run: tuple[Path, Path, str]) -> None:
    """The HN report gives a three-quarters verdict for each of its 123 months, from its own table."""
    _, out, _ = demo_run
    claims = pd.read_csv(out / "hn" / "claims.csv", dtype={"period": str})
    three = claims[
        (claims["claim"] == "three_quarters_cloud")
        & (claims["definition"] == "requires")
        & (claims["denominator"] == "backend")
        & claims["period"].str.fullmatch(r"\d{4}-\d{2}")
    ]
    assert len(three) == 123
    assert set(three["verdict"]) <= {"below", "consistent", "above", "insufficient"}
    summary = (out / "hn" / "summary.md").read_text()
    for period, verdict in zip(three["period"], three["verdict"], strict=True):
        if verdict != "insufficient":
            assert f"| {period} |" in summary
    index = (out / "index.html").read_text()
    assert 'href="hn/index.html"' in index and 'href="github/index.html"' in index


def test_report_numbers_reproduce_from_tidy_table(demo_run: tuple[Path, Path, str]) -> None:
    """Every share and Wilson interval in shares.csv follows from its own n and k, and each
    monthly verdict follows from that interval against 0.75."""
    _, out, _ = demo_run
    shares = pd.read_csv(out / "hn" / "shares.csv", dtype={"period": str, "flags": str})
    assert tuple(shares.columns) == SHARE_COLUMNS
    sample = shares[shares["n"] > 0].sample(500, random_state=1)
    for row in sample.itertuples():
        low, high = wilson_interval(row.k, row.n)
        if "bootstrap" not in str(row.flags) and "rolling" not in str(row.flags):
            assert math.isclose(row.share, row.k / row.n)
            assert math.isclose(row.ci_low, low, abs_tol=1e-9)
            assert math.isclose(row.ci_high, high, abs_tol=1e-9)
    monthly = shares[
        (shares["family"] == "cloud")
        & (shares["skill"] == "*")
        & (shares["definition"] == "requires")
        & (shares["denominator"] == "backend")
        & shares["period"].str.fullmatch(r"\d{4}-\d{2}")
    ].set_index("period")
    claims = pd.read_csv(out / "hn" / "claims.csv", dtype={"period": str})
    three = claims[
        (claims["claim"] == "three_quarters_cloud")
        & (claims["definition"] == "requires")
        & (claims["denominator"] == "backend")
    ].set_index("period")
    for period, row in monthly.iterrows():
        if row["n"] < 30:
            continue
        expected = (
            "below" if row["ci_high"] < 0.75 else "above" if row["ci_low"] > 0.75 else "consistent"
        )
        assert three.loc[period, "verdict"] == expected, period
        assert three.loc[period, "k"] == row["k"] and three.loc[period, "n"] == row["n"]
    report = json.loads((out / "hn" / "report.json").read_text())
    assert report["source"] == "hn"


def test_second_run_adds_nothing(demo_run: tuple[Path, Path, str]) -> None:
    """Running the nightly job again over the same corpus stores and tags nothing new."""
    store, out, _ = demo_run
    before = open_store(store).status()["postings"]
    done = run_demo(store, out)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "hn: 0 new" in done.stdout and "github: 0 new" in done.stdout
    assert "tagged 0 of" in done.stdout
    assert open_store(store).status()["postings"] == before
