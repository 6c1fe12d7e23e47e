"""End to end: fetch from the replay server (real corpus) into a temporary store, with faults."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer.config import Config, load_config
from analyzer.replay import Fault, ReplayServer
from analyzer.sources import fetch_sources
from analyzer.store import open_store

pytestmark = pytest.mark.corpus

MONTHS = {"2012-01": "3412900", "2012-02": "3537881", "2012-03": "3652041"}


@pytest.fixture
def server(shared_data: Path) -> Iterator[ReplayServer]:
    with ReplayServer(shared_data) as srv:
        yield srv


def make_config(server: ReplayServer, tmp_path: Path, **overrides: object) -> Config:
    """Settings pointing every source at the replay server, with no politeness delay (loopback)."""
    return load_config(env={}).with_overrides(
        {
            **server.base_urls(),
            "store": str(tmp_path / "store"),
            "http.rate_per_host": 0,
            "http.backoff": 0.001,
            "http.backoff_max": 0.01,
            "http.retries": 2,
            "http.deadline": 1.0,
            "http.read_timeout": 1.0,
            **overrides,
        }
    )


def coverage(shared: Path) -> dict[str, int]:
    with open(shared / "hn" / "coverage.tsv", encoding="utf-8") as handle:
        return {
            row["month"]: int(row["top_level_comments"])
            for row in csv.DictReader(handle, delimiter="\t")
        }


def test_hn_months_match_coverage_and_refetch_adds_nothing(server, tmp_path, shared_data) -> None:
    """Three HN months store exactly coverage.tsv's top-level comments; a second run adds 0."""
    config = make_config(server, tmp_path)
    store = open_store(config["store"])
    first = fetch_sources(store, config, ["hn"], since="2012-01", until="2012-03")
    expected = coverage(shared_data)
    assert first.results["hn"].new == sum(expected[m] for m in MONTHS)
    counts = store.read_postings(sources=["hn"]).groupby("period").size().to_dict()
    assert counts == {m: expected[m] for m in MONTHS}
    second = fetch_sources(store, config, ["hn"], since="2012-01", until="2012-03")
    assert second.results["hn"].new == 0 and second.results["hn"].updated == 0
    assert len(store.read_postings(sources=["hn"])) == sum(expected[m] for m in MONTHS)
    assert store.state("hn")["cursor"] == "2012-03"


def test_hn_without_range_fetches_after_cursor_and_refetches_latest(server, tmp_path) -> None:
    """With a cursor at 2026-09 a plain run asks only for the 2026-09 and 2026-10 threads."""
    config = make_config(server, tmp_path)
    store = open_store(config["store"])
    with store.writer(command="test") as writer:
        writer.set_state("hn", {"cursor": "2026-09"})
    summary = fetch_sources(store, config, ["hn"])
    items = [p for p in server.requests if p.startswith("/hn/api/v1/items/")]
    assert items == ["/hn/api/v1/items/49522897", "/hn/api/v1/items/49922569"]
    assert summary.results["hn"].units_done == 2
    assert set(store.read_postings(sources=["hn"])["period"]) == {"2026-09", "2026-10"}
    assert store.state("hn")["cursor"] == "2026-10"


@pytest.mark.parametrize(
    "kind", ["reset", "truncate", "slow", "oversize", "503", "bad-json", "gzip-bomb"]
)
def test_a_failing_thread_is_reported_and_the_next_run_completes(
    server, tmp_path, shared_data, kind
) -> None:
    """A thread that keeps failing is reported while the others are stored; the rerun fills it in."""
    config = make_config(server, tmp_path, **{"http.max_bytes": 8 << 20})
    store = open_store(config["store"])
    bad = f"/hn/api/v1/items/{MONTHS['2012-02']}"
    server.inject(bad, Fault(kind, times=None, interval=0.05))
    first = fetch_sources(store, config, ["hn"], since="2012-01", until="2012-03")
    failures = first.results["hn"].failures
    assert [f.unit for f in failures] == [f"2012-02 ({MONTHS['2012-02']})"]
    expected = coverage(shared_data)
    stored = store.read_postings(sources=["hn"])
    assert set(stored["period"]) == {"2012-01", "2012-03"}
    assert len(stored) == expected["2012-01"] + expected["2012-03"]

    server.clear_faults()
    second = fetch_sources(store, config, ["hn"], since="2012-01", until="2012-03")
    assert second.failures == []
    assert second.results["hn"].new == expected["2012-02"]
    stored = store.read_postings(sources=["hn"])
    assert len(stored) == stored["posting_id"].nunique() == sum(expected[m] for m in MONTHS)


def test_429_with_retry_after_is_waited_out(server, tmp_path) -> None:
    """A 429 with Retry-After: 0 on the search is retried and the run completes."""
    config = make_config(server, tmp_path)
    server.inject("/hn/api/v1/search_by_date", Fault("429", times=2, retry_after="0"))
    summary = fetch_sources(
        open_store(config["store"]), config, ["hn"], since="2012-01", until="2012-01"
    )
    assert summary.failures == []
    assert summary.results["hn"].new > 0


def test_ats_snapshot_closes_a_vanished_job_and_404_board_is_reported(
    server, tmp_path, shared_data
) -> None:
    """Greenhouse: a job missing from the next snapshot gets closed_at; an unknown board fails alone."""
    config = make_config(server, tmp_path, **{"sources.greenhouse.boards": ["nope", "anthropic"]})
    store = open_store(config["store"])
    first = fetch_sources(store, config, ["greenhouse"])
    assert first.results["greenhouse"].new == 4
    assert [f.unit for f in first.failures] == ["nope"]
    recorded = json.loads((shared_data / "ats" / "greenhouse_jobs.json").read_text())
    gone = recorded["jobs"].pop()
    server.override("/greenhouse/v1/boards/anthropic/jobs", json.dumps(recorded).encode())
    second = fetch_sources(store, config, ["greenhouse"])
    assert second.results["greenhouse"].closed == 1
    postings = store.read_postings(sources=["greenhouse"]).set_index("source_id")
    assert postings["closed_at"].notna().sum() == 1
    assert pd_notna(postings.loc[f"anthropic/{gone['id']}", "closed_at"])


def pd_notna(value: object) -> bool:
    import pandas as pd

    return bool(pd.notna(value))


def test_every_ats_source_and_github_boards(server, tmp_path, shared_data) -> None:
    """Lever, Ashby, Remotive and two GitHub boards (paginated, 68 and more issues) all store."""
    boards = ["DevOps-Brasil/Vagas", "backend-br/vagas"]
    config = make_config(
        server,
        tmp_path,
        **{
            "sources.lever.companies": ["spotify"],
            "sources.ashby.boards": ["ramp"],
            "sources.remotive.categories": ["software-development"],
            "sources.github.boards": boards,
        },
    )
    store = open_store(config["store"])
    summary = fetch_sources(store, config, ["lever", "ashby", "remotive", "github", "greenhouse"])
    assert summary.failures == []
    assert summary.results["greenhouse"].skipped
    issues = sum(
        len(json.loads((shared_data / "github_issues" / "repos" / b / "issues.json").read_text()))
        for b in boards
    )
    counts = store.read_postings().groupby("source").size().to_dict()
    assert counts == {"lever": 4, "ashby": 4, "remotive": 2, "github": issues}
    again = fetch_sources(store, config, ["lever", "ashby", "remotive", "github"])
    assert sum(r.new for r in again.results.values()) == 0


def test_keep_raw_archive_replays_offline(server, tmp_path) -> None:
    """--keep-raw writes a directory the replay server can serve: a second store gets the same rows."""
    config = make_config(server, tmp_path, raw_dir=str(tmp_path / "raw"))
    store = open_store(config["store"])
    fetch_sources(store, config, ["hn"], since="2012-01", until="2012-01", keep_raw=True)
    assert (tmp_path / "raw" / "hn" / "items" / f"{MONTHS['2012-01']}.json.gz").exists()
    with ReplayServer(tmp_path / "raw") as offline:
        config2 = make_config(offline, tmp_path / "b")
        store2 = open_store(config2["store"])
        fetch_sources(store2, config2, ["hn"], since="2012-01", until="2012-01")
    assert len(store2.read_postings()) == len(store.read_postings())


def test_thread_failed_behind_the_cursor_is_retried_by_a_plain_run(server, tmp_path) -> None:
    """A thread that failed while newer ones succeeded is fetched by the next run without --since."""
    config = make_config(server, tmp_path)
    store = open_store(config["store"])
    bad = "/hn/api/v1/items/49522897"  # 2026-09, between 2026-08 and 2026-10
    server.inject(bad, Fault("503", times=None))
    fetch_sources(store, config, ["hn"], since="2026-08", until="2026-10")
    assert store.state("hn")["pending"] == ["49522897"]
    server.clear_faults()
    rerun = fetch_sources(store, config, ["hn"])
    items = [p for p in server.requests if p == bad]
    assert len(items) > 1 and rerun.failures == []
    assert rerun.results["hn"].units_done == 2  # 2026-10 (the cursor's month) and 2026-09
    assert "2026-09" in set(store.read_postings(sources=["hn"])["period"])
    assert store.state("hn")["pending"] == []
