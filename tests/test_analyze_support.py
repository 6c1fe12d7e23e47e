"""Builders of small synthetic store frames (postings, annotations, tags) for the analysis tests."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analyzer.analyze import posting_levels
from analyzer.models import FAMILIES

VERSION = "keywords.v1+levels.v1+taxonomy.1"


@dataclass
class Post:
    """One synthetic posting: its period, company, roles and tags as {"family:Skill": level}."""

    period: str
    tags: Mapping[str, str] = field(default_factory=dict)
    roles: Sequence[str] = ("backend",)
    company: str | None = None
    source: str = "hn"
    is_job: bool = True


def frames(
    posts: Iterable[Post], version: str = VERSION
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The (postings, annotations, tags) frames the store would return for these posts."""
    postings, annotations, tags = [], [], []
    for i, post in enumerate(posts):
        pid = f"{post.source}:{i}"
        postings.append(
            {
                "posting_id": pid,
                "source": post.source,
                "period": post.period,
                "company": post.company,
            }
        )
        annotations.append(
            {
                "posting_id": pid,
                "is_job_posting": post.is_job,
                "roles": list(post.roles),
                "language": "en",
                "tagger_version": version,
            }
        )
        for key, level in post.tags.items():
            family, _, skill = key.partition(":")
            tags.append(
                {
                    "posting_id": pid,
                    "family": family,
                    "skill": skill or family,
                    "level": level,
                    "start": 0,
                    "end": 1,
                    "tagger_version": version,
                }
            )
    tag_cols = ["posting_id", "family", "skill", "level", "start", "end", "tagger_version"]
    return pd.DataFrame(postings), pd.DataFrame(annotations), pd.DataFrame(tags, columns=tag_cols)


def levels_of(posts: Iterable[Post]) -> pd.DataFrame:
    """posting_levels of the synthetic posts."""
    return posting_levels(*frames(posts))


def months(start: str, count: int) -> list[str]:
    """``count`` consecutive YYYY-MM months from ``start``."""
    year, month = int(start[:4]), int(start[5:7]) - 1
    return [
        f"{(year * 12 + month + i) // 12:04d}-{(year * 12 + month + i) % 12 + 1:02d}"
        for i in range(count)
    ]


def trend_levels(
    slopes: Mapping[str, float],
    *,
    start: str = "2012-01",
    n_months: int = 120,
    per_month: int = 200,
    base_logit: float = -1.0,
    seed: int = 1,
    level: str = "required",
) -> pd.DataFrame:
    """Levels where each subject ("family" or "family:Skill") follows logit p = a + slope * years.

    Years are centred on the middle of the range; every posting is a backend job posting of its own
    company. Drawn with a seeded generator, so the data (and every test on it) is fixed.
    """
    rng = np.random.default_rng(seed)
    period_list = months(start, n_months)
    period = np.repeat(period_list, per_month)
    years = (np.repeat(np.arange(n_months), per_month) - (n_months - 1) / 2) / 12.0
    n = len(period)
    ids = [f"hn:{i}" for i in range(n)]
    postings = pd.DataFrame(
        {
            "posting_id": ids,
            "source": "hn",
            "period": period,
            "company": [f"c{i}" for i in range(n)],
        }
    )
    annotations = pd.DataFrame(
        {
            "posting_id": ids,
            "is_job_posting": True,
            "roles": [["backend"]] * n,
            "language": "en",
            "tagger_version": VERSION,
        }
    )
    tag_frames = []
    for key, slope in slopes.items():
        family, _, skill = key.partition(":")
        assert family in FAMILIES
        p = 1.0 / (1.0 + np.exp(-(base_logit + slope * years)))
        hit = rng.random(n) < p
        tag_frames.append(
            pd.DataFrame(
                {
                    "posting_id": np.asarray(ids)[hit],
                    "family": family,
                    "skill": skill or family,
                    "level": level,
                    "start": 0,
                    "end": 1,
                    "tagger_version": VERSION,
                }
            )
        )
    return posting_levels(postings, annotations, pd.concat(tag_frames, ignore_index=True))
