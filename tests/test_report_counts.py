"""The report from per-partition counts: same tables as from every posting, cached between runs."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_report import _add_github_postings
from test_report_corpus import TAGGER, build_store, coverage, synthetic_corpus

from analyzer import pipeline, report_cache
from analyzer.analyze import (
    DEFINITIONS,
    DENOMINATORS,
    compare_sources,
    cooccurrence,
    count_levels,
    denominator_mask,
    posting_levels,
    skill_shares,
    source_group,
)
from analyzer.claims import check_claims
from analyzer.config import Config, load_config
from analyzer.errors import InputError
from analyzer.store import Store, open_store

reporting = pipeline.reporting  # the module (``analyzer.report`` is also a function's name)
WHEN = datetime(2024, 1, 2, tzinfo=UTC)


def _files(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


def _store_files(root: Path) -> dict[str, bytes]:
    """Every file of the store outside the cache directory."""
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and not str(p.relative_to(root)).startswith("cache/")
    }


@pytest.fixture
def fixed_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every report of the test prints the same generation time."""
    build = reporting.build_report
    monkeypatch.setattr(
        reporting, "build_report", lambda *a, **k: build(*a, **k, generated_at=WHEN)
    )


@pytest.fixture
def two_sources(tmp_path: Path) -> tuple[Store, Config]:
    """The synthetic HN store plus a github source."""
    root = build_store(tmp_path / "store")
    _add_github_postings(root)
    return open_store(root), load_config(env={}).with_overrides({"store": str(root)})


def _reference_report(store: Store, config: Config, out: Path, source: str) -> None:
    """The report as built from the store's whole tables (every posting's levels)."""
    postings = store.read_postings()
    mine = postings[postings["source"].map(source_group) == source_group(source)]
    cover = pipeline._report_coverage(None, mine["period"], mine["posted_at"].max())
    reporting.build_report(
        out,
        postings,
        store.read_annotations(),
        store.read_tags(),
        source=source,
        min_n=config["report.min_n"],
        coverage=cover,
    )


def test_counts_equal_direct_per_posting_sums() -> None:
    """Each count is the number of postings of that source, month and denominator whose level
    counts under the definition (checked against a direct sum over the levels frame)."""
    postings, annotations, tags = synthetic_corpus()
    levels = posting_levels(postings, annotations, tags)
    counts = count_levels(levels)
    assert counts.tagger_version == TAGGER
    assert int(counts.n["rows"].sum()) == len(levels)
    for den in DENOMINATORS:
        mask = denominator_mask(levels, den)
        direct_n = mask.groupby(levels["period"]).sum()
        got_n = counts.n[den].droplevel("source")
        assert got_n.to_dict() == {p: int(v) for p, v in direct_n.items()}
        for dfn, counted in DEFINITIONS.items():
            for column in ("cloud", "containers:Docker", "iac:Chef"):
                has = levels[column].astype(str).isin(counted) & mask
                direct = has.groupby(levels["period"]).sum()
                rows = counts.k.xs(den, level="denominator")[f"{dfn}|{column}"]
                assert rows.droplevel("source").to_dict() == {p: int(v) for p, v in direct.items()}
        fams = levels[["cloud", "containers", "ci_cd", "iac", "observability"]].astype(str)
        two = (fams.isin(DEFINITIONS["requires"]).sum(axis=1) >= 2) & mask
        rows = counts.k.xs(den, level="denominator")["requires|>=2 devops families"]
        assert int(rows.sum()) == int(two.sum()) > 0


def test_every_analysis_is_the_same_from_counts_and_from_levels() -> None:
    """skill_shares, check_claims, compare_sources and cooccurrence give equal tables from a
    levels frame and from its counts; the bootstrap keeps the counts and only widens intervals."""
    postings, annotations, tags = synthetic_corpus()
    levels = posting_levels(postings, annotations, tags)
    counts = count_levels(levels)
    cover = coverage()
    for by in ("month", "quarter", "year", "all"):
        pd.testing.assert_frame_equal(
            skill_shares(levels, by=by, definition=tuple(DEFINITIONS), coverage=cover),
            skill_shares(counts, by=by, definition=tuple(DEFINITIONS), coverage=cover),
        )
    pd.testing.assert_frame_equal(
        check_claims(levels, coverage=cover), check_claims(counts, coverage=cover)
    )
    pd.testing.assert_frame_equal(
        cooccurrence(levels, coverage=cover), cooccurrence(counts, coverage=cover)
    )
    pd.testing.assert_frame_equal(
        compare_sources(levels, families=("cloud", "iac")),
        compare_sources(counts, families=("cloud", "iac")),
    )
    plain = skill_shares(counts, by="year")
    boot = skill_shares(levels, by="year", bootstrap=40, seed=3)
    assert (boot[["n", "k"]].to_numpy() == plain[["n", "k"]].to_numpy()).all()
    assert (boot["ci_low"] <= plain["ci_low"] + 1e-12).all()
    assert (boot["ci_high"] >= plain["ci_high"] - 1e-12).all()
    assert boot["flags"].str.contains("bootstrap").any()
    with pytest.raises(InputError, match="bootstrap"):
        skill_shares(counts, bootstrap=10)


def test_evidence_candidates_of_each_partition_give_the_same_quotes() -> None:
    """Stacking each partition's evidence candidates (in store order) and choosing from them
    picks the same postings as choosing from every posting, for every denominator, with
    missing companies and ties within a month."""
    postings, annotations, tags = synthetic_corpus()
    postings.loc[postings.index % 7 == 0, "company"] = None
    levels = posting_levels(postings, annotations, tags)
    parts = [
        reporting.evidence_candidates(rows.reset_index(drop=True))
        for _, rows in levels.groupby(["source", "period"], sort=True)
    ]
    candidates = pd.concat(parts, ignore_index=True)
    # at most 4 per family and denominator in each partition, whatever its size
    assert max(len(p) for p in parts) <= 3 * len(DENOMINATORS) * 4 < len(levels) / len(parts)
    for den in DENOMINATORS:
        for per_family in (1, 2, 4):
            want = reporting.evidence_posting_ids(levels, denominator=den, per_family=per_family)
            got = reporting.evidence_posting_ids(candidates, denominator=den, per_family=per_family)
            assert got == want
    assert reporting.evidence_posting_ids(levels, denominator="all") != []


def test_cached_report_equals_the_report_from_every_posting(
    two_sources: tuple[Store, Config], tmp_path: Path, fixed_time: None
) -> None:
    """`report` from the cached counts writes byte for byte the files `build_report` writes from
    the whole tables (shares, claims, comparison, co-occurrence chart, evidence), for both
    populations, cold and warm."""
    store, config = two_sources
    for source in ("hn", "github"):
        _reference_report(store, config, tmp_path / f"expected-{source}", source)
        reference = _files(tmp_path / f"expected-{source}")
        assert any(name.startswith("source_comparison") for name in reference)
        for run in ("cold", "warm"):
            pipeline.report(config, tmp_path / f"{run}-{source}", source=source)
            produced = _files(tmp_path / f"{run}-{source}")
            assert produced.keys() == reference.keys()
            assert [n for n in produced if produced[n] != reference[n]] == []


def test_second_report_recomputes_nothing_and_leaves_the_store_alone(
    two_sources: tuple[Store, Config], tmp_path: Path, fixed_time: None
) -> None:
    """The second report reuses every partition's counts; the reports only add files under
    cache/ (manifest and tables unchanged); the bootstrap path gives the same counts."""
    store, config = two_sources
    root = Path(store.root)
    before = _store_files(root)
    first = report_cache.collect(store)
    partitions = len(store.committed_files("postings"))
    assert (first.recomputed, first.reused) == (partitions, 0)
    second = report_cache.collect(store)
    assert (second.recomputed, second.reused) == (0, partitions)
    pd.testing.assert_frame_equal(first.counts.n, second.counts.n)
    pd.testing.assert_frame_equal(first.counts.k, second.counts.k)
    pd.testing.assert_frame_equal(first.candidates, second.candidates)
    pipeline.report(config, tmp_path / "out", source="hn")
    assert _store_files(root) == before
    cache = sorted(p.relative_to(root) for p in (root / "cache").rglob("*") if p.is_file())
    assert len(cache) == partitions


def test_one_changed_partition_is_the_only_one_recomputed(
    two_sources: tuple[Store, Config], tmp_path: Path, fixed_time: None
) -> None:
    """A new tagged posting in one month recomputes that partition only, and the report still
    equals the one built from every posting."""
    store, config = two_sources
    report_cache.collect(store)
    postings, annotations, tags = synthetic_corpus()
    new = postings[postings["period"] == "2017-03"].head(1).assign(source_id="999999")
    new["posting_id"] = "hn:999999"
    with store.writer(command="one more") as writer:
        writer.upsert_postings(new.drop(columns=["posting_id"]), seen_at=pd.Timestamp("2023-07-01"))
        writer.write_tags(
            annotations.head(1).assign(posting_id="hn:999999", period="2017-03"),
            tags.head(0),
        )
    again = report_cache.collect(store)
    assert again.recomputed == 1
    assert again.reused == len(store.committed_files("postings")) - 1
    assert int(again.counts.n.loc[("hn", "2017-03"), "rows"]) == int(
        (postings["period"] == "2017-03").sum() + 1
    )
    _reference_report(store, config, tmp_path / "expected", "hn")
    pipeline.report(config, tmp_path / "got", source="hn")
    assert _files(tmp_path / "got") == _files(tmp_path / "expected")


def test_corrupt_or_stray_cache_files_are_recomputed_or_pruned(
    two_sources: tuple[Store, Config], tmp_path: Path, fixed_time: None
) -> None:
    """A truncated cache entry and one with damaged counts are recomputed (no error, same
    report); an entry whose partition is not in the store is deleted."""
    store, config = two_sources
    pipeline.report(config, tmp_path / "first", source="hn")
    root = Path(store.root)
    entry = root / "cache" / "report" / "source=hn" / "period=2016-05.json"
    entry.write_bytes(entry.read_bytes()[:40])
    damaged = root / "cache" / "report" / "source=hn" / "period=2017-02.json"
    content = json.loads(damaged.read_bytes())
    content["counts"]["n"] = {}
    damaged.write_text(json.dumps(content))
    stray = root / "cache" / "report" / "source=hn" / "period=1999-01.json"
    stray.write_text("{}")
    inputs = report_cache.collect(store)
    assert inputs.recomputed == 2 and inputs.pruned == 1
    assert not stray.exists()
    assert json.loads(entry.read_bytes())["format"] == report_cache.CACHE_FORMAT
    pipeline.report(config, tmp_path / "second", source="hn")
    assert _files(tmp_path / "first") == _files(tmp_path / "second")


def test_another_tagger_version_is_not_reused(two_sources: tuple[Store, Config]) -> None:
    """Counts cached for one tagger version are recomputed for another, and back."""
    store, _ = two_sources
    older = store.read_annotations().head(30).assign(tagger_version="keywords.v0")
    with store.writer(command="older version") as writer:
        writer.write_tags(older, pd.DataFrame(columns=pipeline._TAG_ROW_COLUMNS))
    partitions = len(store.committed_files("postings"))
    latest = report_cache.collect(store)
    assert latest.tagger_version == TAGGER
    assert report_cache.collect(store).recomputed == 0
    old = report_cache.collect(store, tagger_version="keywords.v0")
    assert old.tagger_version == "keywords.v0"
    assert old.recomputed == partitions
    assert int(old.counts.n["rows"].sum()) == 30
    assert report_cache.collect(store).recomputed == partitions
    with pytest.raises(InputError, match=r"keywords\.v9"):
        report_cache.collect(store, tagger_version="keywords.v9")


def _hn_postings(hn_dir: Path, months: int) -> pd.DataFrame:
    """The real HN postings of the newest ``months`` threads, as the HN source parses them."""
    from analyzer.sources.hn import HnThread, parse_thread, thread_period

    stories = json.loads((hn_dir / "stories.json").read_text(encoding="utf-8"))
    threads = []
    for hit in stories["hits"]:
        period = thread_period(str(hit.get("title") or ""))
        path = hn_dir / "items" / f"{hit['objectID']}.json.gz"
        if period is not None and path.exists():
            threads.append((period, hit, path))
    rows = []
    for period, hit, path in sorted(threads, key=lambda t: t[0])[-months:]:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            item = json.load(fh)
        rows += parse_thread(item, HnThread(str(hit["objectID"]), hit["title"], period))
    return pd.DataFrame(rows)


@pytest.mark.corpus
def test_cached_report_equals_per_posting_report_on_real_hn(
    shared_data: Path, tmp_path: Path, fixed_time: None
) -> None:
    """On real HN postings (the newest 18 threads, tagged by the real tagger) the report from
    cached counts equals, file for file, the report from every posting's levels."""
    postings = _hn_postings(shared_data / "hn", 18)
    assert len(postings) > 1000
    root = tmp_path / "store"
    store = open_store(root)
    with store.writer(command="real hn") as writer:
        writer.upsert_postings(postings, seen_at=pd.Timestamp("2026-10-03T12:00:00Z"))
    config = load_config(env={}).with_overrides({"store": str(root)})
    pipeline.tag(config)
    _reference_report(store, config, tmp_path / "expected", "hn")
    pipeline.report(config, tmp_path / "cold", source="hn")
    pipeline.report(config, tmp_path / "warm", source="hn")
    reference = _files(tmp_path / "expected")
    for run in ("cold", "warm"):
        produced = _files(tmp_path / run)
        assert produced.keys() == reference.keys()
        assert [n for n in produced if produced[n] != reference[n]] == []
    shares = pd.read_csv(tmp_path / "warm" / "shares.csv")
    assert np.isfinite(shares["share"]).any()


def test_a_store_that_cannot_be_written_still_gets_its_report(
    two_sources: tuple[Store, Config], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """When cache entries cannot be written the report is still written (nothing is kept, the
    next report counts again)."""
    from analyzer import store as store_module

    store, config = two_sources

    def refuse(self: object, rel: str, data: bytes) -> None:
        raise PermissionError(f"read-only: {rel}")

    monkeypatch.setattr(store_module._Files, "write_atomic", refuse)
    summary = pipeline.report(config, tmp_path / "out", source="hn")
    assert (tmp_path / "out" / "shares.csv").exists() and summary.periods > 0
    assert not (Path(store.root) / "cache").exists()
    assert report_cache.collect(store).reused == 0
