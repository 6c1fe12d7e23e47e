"""The full HN backfill against the local replay: every one of the 50,114 comments, once."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from analyzer.config import load_config
from analyzer.replay import ReplayServer
from analyzer.sources import fetch_sources
from analyzer.store import open_store

pytestmark = [pytest.mark.corpus, pytest.mark.slow]


def test_backfill_2012_to_2026_05_stores_50114_once(shared_data: Path, tmp_path: Path) -> None:
    """`fetch hn --since 2012-01 --until 2026-05` stores 50,114 postings; a second run adds none."""
    with ReplayServer(shared_data) as server:
        config = load_config(env={}).with_overrides(
            {
                **server.base_urls(),
                "store": str(tmp_path / "store"),
                "http.rate_per_host": 0,
            }
        )
        store = open_store(config["store"])
        started = time.monotonic()
        first = fetch_sources(store, config, ["hn"], since="2012-01", until="2026-05")
        elapsed = time.monotonic() - started
        assert first.failures == []
        assert first.results["hn"].new == 50_114
        postings = store.read_postings(sources=["hn"], columns=["posting_id", "period"])
        assert len(postings) == postings["posting_id"].nunique() == 50_114
        assert postings["period"].min() == "2012-01" and postings["period"].max() == "2026-05"
        second = fetch_sources(store, config, ["hn"], since="2012-01", until="2026-05")
        assert second.results["hn"].new == 0 and second.results["hn"].updated == 0
        assert len(store.read_postings(sources=["hn"], columns=["posting_id"])) == 50_114
    print(f"backfill: {elapsed:.1f}s for {first.requests} requests")
