"""analyzer: DevOps skill demand in backend job postings, measured honestly.

The notebook API is this one flat namespace::

    import analyzer as az

    store = az.open_store("data/store")                 # the parquet store
    levels = az.load_levels(store, source="hn")         # one row per tagged posting
    shares = az.skill_shares(levels, definition="requires", denominator="backend")
    az.share_trend(shares, ["cloud", "containers", "ci_cd"])   # a matplotlib Figure
    claims = az.check_claims(levels)                    # computed verdicts
    az.summarize_claims(claims)

Each name is documented where it is defined; errors are in :mod:`analyzer.errors`.
"""

from __future__ import annotations

from analyzer.analyze import (
    compare_sources,
    cooccurrence,
    posting_levels,
    skill_shares,
    skill_trends,
    smooth,
    wilson_interval,
)
from analyzer.charts import (
    cooccurrence_heatmap,
    family_small_multiples,
    rising_falling,
    save_figure,
    share_trend,
    skill_heatmap,
)
from analyzer.claims import check_claims, check_three_quarters, summarize_claims
from analyzer.config import Config, load_config
from analyzer.errors import (
    AnalyzerError,
    ConfigError,
    CorruptStoreError,
    ExtractError,
    FetchError,
    InputError,
    SchemaVersionError,
    SourceError,
    StoreError,
    StoreLockedError,
)
from analyzer.extract.roles import classify_roles
from analyzer.extract.tagger import Tagger
from analyzer.models import FAMILIES, LEVELS, ROLES
from analyzer.pipeline import fetch, load_levels, report, run, status, tag
from analyzer.report import build_report
from analyzer.store import Store, UpsertResult, open_store

__version__ = "0.1.0"

__all__ = [
    "FAMILIES",
    "LEVELS",
    "ROLES",
    "AnalyzerError",
    "Config",
    "ConfigError",
    "CorruptStoreError",
    "ExtractError",
    "FetchError",
    "InputError",
    "SchemaVersionError",
    "SourceError",
    "Store",
    "StoreError",
    "StoreLockedError",
    "Tagger",
    "UpsertResult",
    "__version__",
    "build_report",
    "check_claims",
    "check_three_quarters",
    "classify_roles",
    "compare_sources",
    "cooccurrence",
    "cooccurrence_heatmap",
    "family_small_multiples",
    "fetch",
    "load_config",
    "load_levels",
    "open_store",
    "posting_levels",
    "report",
    "rising_falling",
    "run",
    "save_figure",
    "share_trend",
    "skill_heatmap",
    "skill_shares",
    "skill_trends",
    "smooth",
    "status",
    "summarize_claims",
    "tag",
    "wilson_interval",
]
