"""A small synthetic corpus with known answers, shared by the chart, report, notebook and browser
tests (import it as ``from test_report_corpus import ...``), and the tests that pin its design.

Design (deterministic, seed 7): HN-like postings for 2016-01..2017-12 and 2023-01..2023-06 (a gap
in between), about 50 a month, one small month (2016-06, 12 postings), one partial month (2023-06).
Backend postings require cloud with a probability rising from 0.35 to 0.85, containers rising,
Chef falling. One company and one title are hostile HTML.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analyzer.analyze import posting_levels, skill_shares

TAGGER = "keywords.v1"
HOSTILE_COMPANY = "<script>window.__pwned = 1</script>Acme"
HOSTILE_TITLE = '<img src="x" onerror="window.__pwned = 2">Backend Engineer'
MONTHS = [f"{y}-{m:02d}" for y in (2016, 2017) for m in range(1, 13)] + [
    f"2023-{m:02d}" for m in range(1, 7)
]
SMALL_MONTH = "2016-06"
PARTIAL_MONTH = "2023-06"


def _progress(period: str) -> float:
    """0 at the first month, 1 at the last: drives the designed trends."""
    return MONTHS.index(period) / (len(MONTHS) - 1)


def synthetic_corpus(seed: int = 7) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Postings, annotations and tags shaped like the store's tables (one source: ``hn``)."""
    rng = np.random.default_rng(seed)
    postings, annotations, tags = [], [], []
    companies = ["Initech", "Globex", "Hooli", "Umbrella", HOSTILE_COMPANY]
    for period in MONTHS:
        count = 12 if period == SMALL_MONTH else int(rng.integers(45, 60))
        t = _progress(period)
        for i in range(count):
            source_id = f"{period.replace('-', '')}{i:03d}"
            posting_id = f"hn:{source_id}"
            roles = ["backend"] if rng.random() < 0.8 else ["frontend"]
            company = companies[i % len(companies)]
            title = HOSTILE_TITLE if company == HOSTILE_COMPANY else "Software Engineer"
            postings.append(
                {
                    "posting_id": posting_id,
                    "source": "hn",
                    "source_id": source_id,
                    "period": period,
                    "company": company,
                    "title": title,
                    "text": f"{company} is hiring. We use AWS, Docker and Chef.",
                    "url": f"https://news.ycombinator.com/item?id={source_id}",
                    "posted_at": pd.Timestamp(f"{period}-05T15:00:00Z"),
                }
            )
            annotations.append(
                {
                    "posting_id": posting_id,
                    "source": "hn",
                    "period": period,
                    "is_job_posting": True,
                    "roles": roles,
                    "language": "en",
                    "tagger_version": TAGGER,
                }
            )
            designed = [
                ("cloud", "AWS", 0.35 + 0.5 * t),
                ("containers", "Docker", 0.10 + 0.5 * t),
                ("ci_cd", "Jenkins", 0.25),
                ("iac", "Chef", 0.30 - 0.25 * t),
                ("observability", "Prometheus", 0.15),
            ]
            for family, skill, p in designed:
                draw = rng.random()
                if draw < p:
                    level = "required"
                elif draw < p + 0.1:
                    level = "stack"
                else:
                    continue
                start = int(rng.integers(0, 40))
                tags.append(
                    {
                        "posting_id": posting_id,
                        "family": family,
                        "skill": skill,
                        "level": level,
                        "start": start,
                        "end": start + len(skill),
                        "tagger_version": TAGGER,
                    }
                )
    return pd.DataFrame(postings), pd.DataFrame(annotations), pd.DataFrame(tags)


def coverage() -> pd.DataFrame:
    """The coverage table of the synthetic corpus: every month listed, the last one partial."""
    return pd.DataFrame({"period": MONTHS, "partial": [m == PARTIAL_MONTH for m in MONTHS]})


def synthetic_shares(min_n: int = 30) -> pd.DataFrame:
    """The tidy monthly share table of the synthetic corpus, computed by analyzer.analyze."""
    postings, annotations, tags = synthetic_corpus()
    levels = posting_levels(postings, annotations, tags)
    return skill_shares(
        levels,
        definition=["requires", "requires_strict", "involves"],
        denominator=["backend", "all"],
        min_n=min_n,
        coverage=coverage(),
    )


def build_store(root: Path) -> Path:
    """Write the synthetic corpus into a real store at ``root`` through the store's writer."""
    from analyzer.store import open_store

    postings, annotations, tags = synthetic_corpus()
    store = open_store(root)
    with store.writer(command="test synthetic corpus") as writer:
        writer.upsert_postings(
            postings.drop(columns=["posting_id"]),
            seen_at=pd.Timestamp("2023-06-20T00:00:00Z"),
        )
        writer.write_tags(annotations, tags)
    return root


def test_corpus_has_the_designed_small_and_partial_months() -> None:
    """The synthetic shares flag 2016-06 small_n and 2023-06 partial, and nothing else."""
    shares = synthetic_shares()
    cloud = shares[
        (shares["family"] == "cloud")
        & (shares["skill"] == "*")
        & (shares["definition"] == "requires")
        & (shares["denominator"] == "backend")
    ].set_index("period")
    assert list(cloud.index) == MONTHS
    small = {p for p, f in cloud["flags"].items() if "small_n" in f}
    partial = {p for p, f in cloud["flags"].items() if "partial" in f}
    assert small == {SMALL_MONTH}
    assert partial == {PARTIAL_MONTH}


def test_corpus_cloud_share_rises_as_designed() -> None:
    """Cloud 'requires' in backend roles is about 35% in 2016 and about 80% by 2023."""
    shares = synthetic_shares()
    cloud = shares[
        (shares["family"] == "cloud")
        & (shares["skill"] == "*")
        & (shares["definition"] == "requires")
        & (shares["denominator"] == "backend")
    ]
    early = cloud[cloud["period"].str.startswith("2016")]
    late = cloud[cloud["period"].str.startswith("2023")]
    assert 0.30 < early["k"].sum() / early["n"].sum() < 0.50
    assert 0.70 < late["k"].sum() / late["n"].sum() < 0.92
