"""Pure analysis: posting levels, skill shares with intervals, smoothing, trends, source comparison.

DataFrame in, DataFrame out: no I/O, no plotting, no global state. The pipeline reads the store
and passes its frames here; :mod:`analyzer.charts` and :mod:`analyzer.report` draw and write the
results.

The flow::

    postings, annotations, tags  --posting_levels-->  levels (one row per tagged posting)
    levels  --skill_shares-->  shares (tidy: period, family, skill, definition, denominator,
                                       n, k, share, ci_low, ci_high, flags)
    shares (monthly)  --smooth-->  rolling 3/12-month shares (same columns, flagged rolling_Nm)
    shares (monthly)  --skill_trends-->  logistic trend per family/skill (slope per year, 95% CI)
    levels  --compare_sources-->  the same shares per source group (hn, ats, github), side by side
    levels  --cooccurrence-->  pairwise co-occurrence of DevOps families per period

Every share is counted first, then computed from the counts: ``levels --count_levels--> Counts``
(n per source, month and denominator; k per indicator), summed over the months of a period, then
share, Wilson interval and flags. The functions above accept :class:`Counts` wherever they accept
levels and give the same table (a levels frame is counted first); the report caches the counts of
each store partition (:mod:`analyzer.report_cache`). Only the company-cluster bootstrap needs the
per-posting rows.

Words used throughout:

* **level** of a posting for a family or skill: the strongest level among its tags
  (:data:`~analyzer.models.LEVELS`, strongest first), ``absent`` when it has none.
* **definition**: ``requires`` (required or duty), ``requires_strict`` (required), ``involves``
  (any level).
* **denominator**: the job postings counted in ``n``: ``backend`` (roles include backend or
  fullstack), ``broad`` (also generic_swe) or ``all`` job postings.
* **flags**: a ``;``-joined string: ``small_n`` (n below ``min_n``: shown, never plotted, never a
  zero), ``partial`` (the period's data is incomplete, from the caller's coverage table),
  ``bootstrap`` (interval widened by the company-cluster bootstrap), ``rolling_3m``/``rolling_12m``
  (a smoothed row).

Sources are never pooled silently: :func:`skill_shares` refuses levels from more than one source
group (see :data:`SOURCE_GROUPS`) unless the caller says ``pool_sources=True``.
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy.stats import chi2

from analyzer.errors import ConfigError, InputError
from analyzer.models import FAMILIES, LEVELS

__all__ = [
    "COOCCURRENCE_COLUMNS",
    "DEFINITIONS",
    "DEFINITION_TEXT",
    "DENOMINATORS",
    "DENOMINATOR_ROLES",
    "DENOMINATOR_TEXT",
    "DEVOPS_FAMILIES",
    "POPULATIONS",
    "SHARE_COLUMNS",
    "SOURCE_GROUPS",
    "TREND_COLUMNS",
    "Z95",
    "Counts",
    "Period",
    "TrendFit",
    "combine_counts",
    "compare_sources",
    "compare_sources_wide",
    "cooccurrence",
    "count_keys",
    "count_levels",
    "denominator_mask",
    "hn_coverage",
    "indicator_shares",
    "latest_tagger_version",
    "level_columns",
    "logistic_trend",
    "month_time",
    "partial_periods",
    "period_label",
    "posting_levels",
    "skill_shares",
    "skill_trends",
    "smooth",
    "source_group",
    "tagger_versions",
    "version_key",
    "wilson_interval",
]

#: The columns of every shares table, in order (the report's tidy CSV/parquet schema).
SHARE_COLUMNS: tuple[str, ...] = (
    "period",
    "family",
    "skill",
    "definition",
    "denominator",
    "n",
    "k",
    "share",
    "ci_low",
    "ci_high",
    "flags",
)

#: Definitions of "a posting has this skill": the levels that count.
DEFINITIONS: dict[str, frozenset[str]] = {
    "requires": frozenset({"required", "duty"}),
    "requires_strict": frozenset({"required"}),
    "involves": frozenset({"required", "duty", "preferred", "stack"}),
}

DEFINITION_TEXT: dict[str, str] = {
    "requires": (
        "requires = level required or duty (asked of the candidate, or one of the role's duties)"
    ),
    "requires_strict": "requires_strict = level required (asked as a requirement or qualification)",
    "involves": "involves = any level: required, duty, preferred or stack (mentioned at all)",
}

#: Roles that put a job posting in each denominator (``all`` = every job posting).
DENOMINATOR_ROLES: dict[str, frozenset[str] | None] = {
    "backend": frozenset({"backend", "fullstack"}),
    "broad": frozenset({"backend", "fullstack", "generic_swe"}),
    "all": None,
}
DENOMINATORS: tuple[str, ...] = tuple(DENOMINATOR_ROLES)

DENOMINATOR_TEXT: dict[str, str] = {
    "backend": "backend = job postings whose roles include backend or fullstack",
    "broad": "broad = job postings whose roles include backend, fullstack or generic_swe",
    "all": "all = every job posting (is_job_posting true), whatever its roles",
}

#: The five DevOps families of the annotation guide (microservices and ml_ops are not DevOps work).
DEVOPS_FAMILIES: tuple[str, ...] = ("cloud", "containers", "ci_cd", "iac", "observability")

#: Source -> the group it is reported in. Sources not listed are their own group.
SOURCE_GROUPS: dict[str, str] = {
    "hn": "hn",
    "github": "github",
    "greenhouse": "ats",
    "lever": "ats",
    "ashby": "ats",
    "remotive": "ats",
}

#: Which population each source group describes (said next to every comparison).
POPULATIONS: dict[str, str] = {
    "hn": (
        "Hacker News 'Who is hiring?' top-level comments: short self-written ads, mostly US tech "
        "companies and startups; they mention fewer skills than full job descriptions"
    ),
    "ats": (
        "Full job descriptions from company ATS boards (Greenhouse, Lever, Ashby) and Remotive: "
        "the open roles of the configured companies at fetch time"
    ),
    "github": (
        "Community job boards run as GitHub issues: full descriptions, mostly Brazilian "
        "(Portuguese) backend and DevOps boards"
    ),
}

#: The two-sided 95% normal quantile.
Z95 = 1.959963984540054

Period = Literal["month", "quarter", "year", "all"]

_LEVEL_CODE: dict[str, int] = {level: i for i, level in enumerate(LEVELS)}
_ABSENT = _LEVEL_CODE["absent"]
_LEVEL_DTYPE = pd.CategoricalDtype(list(LEVELS), ordered=True)
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")
_POSTING_COLUMNS = ("posting_id", "source", "period", "company", "is_job_posting", "roles")


# ---------------------------------------------------------------------------------------------
# Small pure helpers
# ---------------------------------------------------------------------------------------------


def wilson_interval(k: Any, n: Any, z: float = Z95) -> tuple[Any, Any]:
    """Wilson score interval for a binomial proportion, vectorized.

    Args:
        k: successes (scalar or array).
        n: trials (scalar or array, same shape as ``k``).
        z: the normal quantile (default 95% two-sided).

    Returns:
        ``(low, high)``: floats for scalar input, else arrays. ``n == 0`` gives ``(0, 1)``: nothing is known. ``k == 0`` gives a
        lower bound of exactly 0 and ``k == n`` an upper bound of exactly 1.

    Raises:
        InputError: ``k`` is negative or larger than ``n``.
    """
    k_arr = np.asarray(k, dtype=float)
    n_arr = np.asarray(n, dtype=float)
    if np.any(k_arr < 0) or np.any(k_arr > n_arr):
        raise InputError("wilson_interval needs 0 <= k <= n")
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k_arr / n_arr
        z2 = z * z
        denom = 1.0 + z2 / n_arr
        centre = (p + z2 / (2.0 * n_arr)) / denom
        half = z * np.sqrt(p * (1.0 - p) / n_arr + z2 / (4.0 * n_arr * n_arr)) / denom
        low = np.where(k_arr == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(k_arr == n_arr, 1.0, np.clip(centre + half, 0.0, 1.0))
    empty = n_arr == 0
    low = np.where(empty, 0.0, low)
    high = np.where(empty, 1.0, high)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def period_label(month: str, by: Period) -> str:
    """Pool a ``YYYY-MM`` period: ``month`` -> ``YYYY-MM``, ``quarter`` -> ``YYYY-Qn``, ``year`` ->
    ``YYYY``, ``all`` -> ``all``.

    Raises:
        InputError: ``month`` is not ``YYYY-MM``.
        ConfigError: ``by`` is not one of month, quarter, year, all.
    """
    match = _MONTH_RE.match(month)
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise InputError(f"period {month!r} is not YYYY-MM")
    year, mon = match.group(1), int(match.group(2))
    if by == "month":
        return month
    if by == "quarter":
        return f"{year}-Q{(mon - 1) // 3 + 1}"
    if by == "year":
        return year
    if by == "all":
        return "all"
    raise ConfigError(f"unknown period pooling {by!r} (month, quarter, year or all)")


def _period_labels(months: pd.Series, by: Period) -> pd.Series:
    """Vectorized :func:`period_label` over a Series of ``YYYY-MM`` strings."""
    if by not in ("month", "quarter", "year", "all"):
        raise ConfigError(f"unknown period pooling {by!r} (month, quarter, year or all)")
    months = months.astype(str)
    bad = ~months.str.match(_MONTH_RE.pattern)
    if bad.any():
        raise InputError(f"period {months[bad].iloc[0]!r} is not YYYY-MM")
    if by == "month":
        return months
    if by == "year":
        return months.str[:4]
    if by == "all":
        return pd.Series("all", index=months.index)
    quarter = (months.str[5:7].astype(int) - 1) // 3 + 1
    return months.str[:4] + "-Q" + quarter.astype(str)


def _months_of(label: str) -> list[str]:
    """The ``YYYY-MM`` months a pooled period label covers (not defined for ``all``)."""
    if _MONTH_RE.match(label):
        return [label]
    if re.match(r"^\d{4}-Q[1-4]$", label):
        year, q = label[:4], int(label[-1])
        return [f"{year}-{m:02d}" for m in range(3 * q - 2, 3 * q + 1)]
    if re.match(r"^\d{4}$", label):
        return [f"{label}-{m:02d}" for m in range(1, 13)]
    raise InputError(f"cannot list the months of period {label!r}")


def _month_index(months: pd.Series | np.ndarray | list[str]) -> np.ndarray:
    """``YYYY-MM`` -> months since year 0 (an integer calendar index)."""
    s = pd.Series(months, dtype=str)
    return (s.str[:4].astype(int) * 12 + s.str[5:7].astype(int) - 1).to_numpy()


def source_group(source: str) -> str:
    """The group a source is reported in: ``hn``, ``ats`` (greenhouse, lever, ashby, remotive),
    ``github``; any other source is its own group."""
    return SOURCE_GROUPS.get(source, source)


def _as_tuple(value: str | Iterable[str], allowed: Sequence[str], what: str) -> tuple[str, ...]:
    values = (value,) if isinstance(value, str) else tuple(value)
    unknown = [v for v in values if v not in allowed]
    if unknown or not values:
        raise ConfigError(f"unknown {what} {unknown or values!r}: choose from {', '.join(allowed)}")
    return values


def _join_flags(*parts: pd.Series) -> pd.Series:
    """Join several Series of flag strings ('' = none) with ';', skipping empty ones."""
    out = pd.Series("", index=parts[0].index, dtype=object)
    for part in parts:
        part = part.fillna("").astype(str)
        sep = np.where((out != "") & (part != ""), ";", "")
        out = out + sep + part
    return out.astype(str)


# ---------------------------------------------------------------------------------------------
# Tagger versions and posting levels
# ---------------------------------------------------------------------------------------------


def version_key(version: str) -> tuple[Any, ...]:
    """Natural sort key: ``keywords.v10`` after ``keywords.v9``."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", version))


def latest_tagger_version(annotations: pd.DataFrame) -> str:
    """The latest tagger version present in ``annotations`` (natural sort of the version string).

    Raises:
        InputError: ``annotations`` is empty or has no ``tagger_version`` column.
    """
    if "tagger_version" not in annotations.columns or annotations.empty:
        raise InputError("no annotations: tag the postings first (analyzer tag)")
    versions = annotations["tagger_version"].dropna().unique().tolist()
    if not versions:
        raise InputError("no annotations carry a tagger_version")
    return max(versions, key=version_key)


def tagger_versions(annotations: pd.DataFrame) -> pd.DataFrame:
    """How many postings each tagger version annotated, latest version first.

    A store keeps one annotation per posting, so after a partial re-tag some postings carry an
    older version; :func:`posting_levels` uses one version only and leaves the others out. Show
    this table next to any result so that nobody mistakes a partial re-tag for the whole corpus.

    Returns:
        Columns ``tagger_version, postings``.
    """
    _require_columns(annotations, ("tagger_version",), "annotations")
    counts = annotations["tagger_version"].dropna().astype(str).value_counts()
    order = sorted(counts.index, key=version_key, reverse=True)
    return pd.DataFrame({"tagger_version": order, "postings": [int(counts[v]) for v in order]})


def _require_columns(frame: pd.DataFrame, columns: Iterable[str], name: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InputError(f"{name} lacks column(s) {', '.join(missing)}")


def posting_levels(
    postings: pd.DataFrame,
    annotations: pd.DataFrame,
    tags: pd.DataFrame,
    tagger_version: str | None = None,
) -> pd.DataFrame:
    """One row per tagged posting with its level for every family and every tagged skill.

    Only one tagger version is ever used: ``tagger_version``, or the latest present in
    ``annotations`` (see :func:`latest_tagger_version`). Annotations and tags of other versions are
    ignored, never mixed. Postings without an annotation of that version are left out (they are
    not tagged yet).

    Args:
        postings: needs ``posting_id, source, period``; ``company`` is used when present.
        annotations: ``posting_id, is_job_posting, roles, tagger_version`` (``language`` optional).
        tags: ``posting_id, family, skill, level, tagger_version``.
        tagger_version: the version to use; ``None`` = the latest present.

    Returns:
        Columns ``posting_id, source, period, company, is_job_posting, roles, language,
        tagger_version``, then one column per family (named after it, all of
        :data:`~analyzer.models.FAMILIES`) and one per tagged skill (named ``"<family>:<skill>"``,
        e.g. ``"cloud:AWS"``), each an ordered categorical of :data:`~analyzer.models.LEVELS`
        (``absent`` when not mentioned). Use :func:`level_columns` to list them.

    Raises:
        InputError: a needed column is missing, the version is not present, a posting has two
            annotations of one version, or a tag has an unknown family or level.
    """
    _require_columns(postings, ("posting_id", "source", "period"), "postings")
    _require_columns(
        annotations, ("posting_id", "is_job_posting", "roles", "tagger_version"), "annotations"
    )
    _require_columns(tags, ("posting_id", "family", "skill", "level", "tagger_version"), "tags")
    version = tagger_version or latest_tagger_version(annotations)
    ann = annotations[annotations["tagger_version"] == version]
    if ann.empty:
        present = ", ".join(sorted(annotations["tagger_version"].dropna().unique())) or "none"
        raise InputError(f"no annotations of tagger version {version!r} (present: {present})")
    if ann["posting_id"].duplicated().any():
        dup = ann.loc[ann["posting_id"].duplicated(), "posting_id"].iloc[0]
        raise InputError(f"posting {dup!r} has two annotations of tagger version {version!r}")
    tg = tags[tags["tagger_version"] == version]
    bad_family = sorted(set(tg["family"]) - set(FAMILIES))
    if bad_family:
        raise InputError(f"tags with unknown family: {', '.join(bad_family)}")
    bad_level = sorted(set(tg["level"]) - set(LEVELS))
    if bad_level:
        raise InputError(f"tags with unknown level: {', '.join(bad_level)}")

    post = postings.drop_duplicates("posting_id", keep="last")
    keep = [c for c in ("posting_id", "source", "period", "company") if c in post.columns]
    base = post[keep].merge(
        ann[[c for c in ("posting_id", "is_job_posting", "roles", "language") if c in ann.columns]],
        on="posting_id",
        how="inner",
    )
    if "company" not in base.columns:
        base["company"] = None
    if "language" not in base.columns:
        base["language"] = None
    base["roles"] = base["roles"].map(_as_role_list)
    base["is_job_posting"] = base["is_job_posting"].astype(bool)
    base["tagger_version"] = version
    base = base.reset_index(drop=True)

    codes = tg.assign(code=tg["level"].map(_LEVEL_CODE).astype("int8"))
    codes = codes[codes["posting_id"].isin(base["posting_id"])]
    fam = codes.groupby(["posting_id", "family"])["code"].min().unstack()
    fam = fam.reindex(columns=list(FAMILIES))
    skill_codes = codes.assign(key=codes["family"] + ":" + codes["skill"].astype(str))
    skl = skill_codes.groupby(["posting_id", "key"])["code"].min().unstack()
    skl = skl.reindex(columns=sorted(skl.columns, key=_skill_sort_key))
    wide = pd.concat([fam, skl], axis=1).reindex(base["posting_id"])
    wide = wide.fillna(_ABSENT).astype("int8")
    level_frame = pd.DataFrame(
        {
            col: pd.Categorical.from_codes(wide[col].to_numpy(), dtype=_LEVEL_DTYPE)
            for col in wide.columns
        },
        index=base.index,
    )
    return pd.concat([base, level_frame], axis=1)


def _skill_sort_key(key: str) -> tuple[int, str]:
    family, _, skill = key.partition(":")
    return (FAMILIES.index(family), skill.casefold())


def _as_role_list(value: Any) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    if isinstance(value, str):
        return [value]
    return [str(v) for v in value]


def level_columns(levels: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The family columns and the ``"<family>:<skill>"`` skill columns of a levels frame."""
    families = [c for c in levels.columns if c in FAMILIES]
    skills = [
        c
        for c in levels.columns
        if isinstance(c, str) and ":" in c and c.partition(":")[0] in FAMILIES
    ]
    return families, skills


def combine_levels(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """Stack the :func:`posting_levels` frames of store partitions as the frame of the whole
    store: the union of skill columns in posting_levels' order, ``absent`` where a partition
    lacks one. Given the partitions in store order, the result equals posting_levels of all
    of them at once (same rows, order, columns and dtypes), at a fraction of the peak memory.
    """
    if not frames:
        return pd.DataFrame(columns=["posting_id", "source", "period", "company", "tagger_version"])
    skills: set[str] = set()
    for frame in frames:
        skills.update(level_columns(frame)[1])
    levels = [*FAMILIES, *sorted(skills, key=_skill_sort_key)]
    base = [c for c in frames[0].columns if c not in FAMILIES and c not in skills]
    absent = LEVELS.index("absent")
    filled = []
    for frame in frames:
        missing = {
            column: pd.Categorical.from_codes(
                np.full(len(frame), absent, dtype="int8"), dtype=_LEVEL_DTYPE
            )
            for column in levels
            if column not in frame.columns
        }
        filled.append(
            frame.assign(**missing)[[*base, *levels]] if missing else frame[[*base, *levels]]
        )
    return pd.concat(filled, ignore_index=True)


def denominator_mask(levels: pd.DataFrame, denominator: str) -> pd.Series:
    """Which rows of ``levels`` are in the denominator (see :data:`DENOMINATOR_ROLES`)."""
    _as_tuple(denominator, DENOMINATORS, "denominator")
    is_job = levels["is_job_posting"].astype(bool)
    roles = DENOMINATOR_ROLES[denominator]
    if roles is None:
        return is_job
    exploded = levels["roles"].explode()
    has_role = exploded.isin(roles).groupby(level=0).any().reindex(levels.index, fill_value=False)
    return is_job & has_role.astype(bool)


# ---------------------------------------------------------------------------------------------
# Coverage: which periods are partial
# ---------------------------------------------------------------------------------------------


def hn_coverage(
    coverage_tsv: pd.DataFrame,
    *,
    first_page_sources: Sequence[str] = ("gouldie",),
    as_of: str | pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Turn the HN corpus's ``coverage.tsv`` (as a DataFrame) into ``period, observed, partial``.

    A month is partial when all its comments come from first-page-only captures (the ``from``
    column names only ``first_page_sources``, e.g. ``gouldie:176``), or when it is the month of
    ``as_of`` (the capture date: a month still in progress).

    Args:
        coverage_tsv: columns ``month``, ``top_level_comments``, ``from``.
        first_page_sources: provenance names whose captures hold only a thread's first page.
        as_of: when the data was captured (e.g. the newest ``posted_at``); its month is partial.
    """
    _require_columns(coverage_tsv, ("month", "from"), "coverage")
    contributors = (
        coverage_tsv["from"]
        .fillna("")
        .astype(str)
        .map(lambda s: {part.split(":")[0].strip() for part in s.split(",") if part.strip()})
    )
    first_only = contributors.map(lambda names: bool(names) and names <= set(first_page_sources))
    out = pd.DataFrame(
        {
            "period": coverage_tsv["month"].astype(str),
            "observed": coverage_tsv.get("top_level_comments", pd.Series(np.nan)).to_numpy(),
            "partial": first_only.to_numpy(dtype=bool),
        }
    )
    if as_of is not None:
        stamp = pd.Timestamp(as_of)
        if stamp.tzinfo is not None:
            stamp = stamp.tz_convert("UTC")
        out.loc[out["period"] == f"{stamp.year:04d}-{stamp.month:02d}", "partial"] = True
    return out


def partial_periods(coverage: pd.DataFrame | None) -> tuple[set[str], set[str]]:
    """Read a caller's coverage table: ``(months with data, partial months)``.

    ``coverage`` has a ``period`` (or ``month``) column of ``YYYY-MM`` and either a boolean
    ``partial`` column or ``expected`` and ``observed`` counts (partial when observed < expected).
    ``None`` means no coverage information: nothing is marked partial.
    """
    if coverage is None:
        return set(), set()
    col = "period" if "period" in coverage.columns else "month"
    _require_columns(coverage, (col,), "coverage")
    months = coverage[col].astype(str)
    if "partial" in coverage.columns:
        partial = coverage["partial"].fillna(False).astype(bool)
    elif {"expected", "observed"} <= set(coverage.columns):
        partial = coverage["observed"].astype(float) < coverage["expected"].astype(float)
    else:
        raise InputError("coverage needs a 'partial' column or 'expected' and 'observed' counts")
    return set(months), set(months[partial.to_numpy()])


def _partial_flags(labels: pd.Series, by: Period, coverage: pd.DataFrame | None) -> pd.Series:
    """'partial' for periods holding any partial month or any month coverage does not list."""
    listed, partial = partial_periods(coverage)
    if coverage is None:
        return pd.Series("", index=labels.index)

    def is_partial(label: str) -> bool:
        if label == "all":
            return bool(partial)
        months = _months_of(label)
        return any(m in partial or m not in listed for m in months)

    uniq = {label: is_partial(label) for label in labels.unique()}
    return labels.map(lambda lab: "partial" if uniq[lab] else "")


# ---------------------------------------------------------------------------------------------
# Counting: the engine under skill_shares, compare_sources and cooccurrence
# ---------------------------------------------------------------------------------------------


def _check_single_group(levels: pd.DataFrame | Counts, pool_sources: bool) -> None:
    sources = levels.sources if isinstance(levels, Counts) else levels["source"].dropna().unique()
    groups = sorted({source_group(s) for s in sources})
    if len(groups) > 1 and not pool_sources:
        raise InputError(
            f"levels hold several source groups ({', '.join(groups)}): filter to one, use "
            "compare_sources, or pass pool_sources=True to pool them on purpose"
        )


def _check_single_version(levels: pd.DataFrame) -> None:
    if "tagger_version" in levels.columns:
        versions = levels["tagger_version"].dropna().unique()
        if len(versions) > 1:
            raise InputError(
                f"levels mix tagger versions ({', '.join(sorted(map(str, versions)))}): "
                "build them with posting_levels(..., tagger_version=...) for one version"
            )


def _cluster_keys(levels: pd.DataFrame) -> pd.Series:
    """Company cluster of each posting: the normalized company name, else the posting itself."""
    company = (
        levels["company"] if "company" in levels.columns else pd.Series(None, index=levels.index)
    )
    norm = company.astype("string").str.casefold().str.strip().str.replace(r"\s+", " ", regex=True)
    norm = norm.mask(norm.isna() | (norm == ""), "posting:" + levels["posting_id"].astype(str))
    return norm.astype(str)


def _bootstrap_ci(
    indicators: pd.DataFrame,
    mask: pd.Series,
    labels: pd.Series,
    clusters: pd.Series,
    replicates: int,
    seed: int,
    salt: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Percentile 95% interval of each share, resampling companies (clusters) within each period.

    Each period draws from its own generator seeded by ``(seed, crc32(period, salt))``, so a
    period's interval does not change when another period's data changes.
    """
    sel = mask.to_numpy()
    ind = indicators[sel].astype("int64")
    lab = labels[sel].to_numpy()
    clu = clusters[sel].to_numpy()
    lows: dict[str, np.ndarray] = {}
    highs: dict[str, np.ndarray] = {}
    for period in np.unique(lab):
        in_period = lab == period
        per_cluster = ind[in_period].groupby(clu[in_period]).sum()
        sizes = pd.Series(clu[in_period]).value_counts().reindex(per_cluster.index).to_numpy(float)
        n_clusters = len(sizes)
        rng = np.random.default_rng([seed, zlib.crc32(f"{period}|{salt}".encode())])
        weights = rng.multinomial(
            n_clusters, np.full(n_clusters, 1.0 / n_clusters), size=replicates
        )
        shares = (weights @ per_cluster.to_numpy(float)) / (weights @ sizes)[:, None]
        lows[period] = np.quantile(shares, 0.025, axis=0)
        highs[period] = np.quantile(shares, 0.975, axis=0)
    cols = list(indicators.columns)
    return (
        pd.DataFrame.from_dict(lows, orient="index", columns=cols),
        pd.DataFrame.from_dict(highs, orient="index", columns=cols),
    )


# ---------------------------------------------------------------------------------------------
# Monthly counts: what every share is computed from
# ---------------------------------------------------------------------------------------------

_COUNT_INDEX = ["source", "period"]


@dataclass(frozen=True)
class Counts:
    """Per (source, month) counts of tagged postings and of boolean per-posting indicators.

    Every number of the report except the company-cluster bootstrap is ``k / n`` summed over
    months and sources, so these counts carry all of it. :func:`count_levels` builds them from a
    levels frame (the report does it one store partition at a time and caches the result),
    :func:`combine_counts` stacks them, and :func:`skill_shares`, :func:`indicator_shares`,
    :func:`compare_sources`, :func:`cooccurrence` and the claim checks accept them wherever they
    accept levels: a levels frame is first turned into these counts, so both give the same table.

    Attributes:
        n: indexed by ``source, period`` (one row per month of a source with tagged postings);
            int64 columns ``rows`` (tagged postings) and one per denominator (postings in it).
        k: indexed by ``source, period, denominator`` (each row of ``n`` times each denominator);
            one int64 column per indicator, named ``"<definition>|<name>"``, ``<name>`` being a
            level column (``cloud``, ``cloud:AWS``), ``>=<j> devops families`` (j = 1..5) or a
            pair ``<a>+<b>`` of :data:`DEVOPS_FAMILIES` (in that order).
        columns: the level columns counted (families, then skills, in :func:`posting_levels`
            order): what :func:`level_columns` lists for the levels frame.
        tagger_version: the one tagger version counted (``None`` when the levels had none).
    """

    n: pd.DataFrame
    k: pd.DataFrame
    columns: tuple[str, ...]
    tagger_version: str | None = None

    @property
    def sources(self) -> list[str]:
        """The sources with tagged postings, sorted."""
        return sorted({str(s) for s in self.n.index.get_level_values("source")})

    @property
    def periods(self) -> pd.Series:
        """The ``YYYY-MM`` month of each row of ``n``."""
        return pd.Series(self.n.index.get_level_values("period"), dtype=object).astype(str)

    def where(self, keep: pd.Series | np.ndarray) -> Counts:
        """The counts of the rows of ``n`` where ``keep`` (one bool per row) is true."""
        n = self.n[np.asarray(keep, dtype=bool)]
        k = self.k[self.k.index.droplevel("denominator").isin(n.index)]
        return Counts(n, k, self.columns, self.tagger_version)


def _level_codes(column: pd.Series) -> np.ndarray:
    """The :data:`~analyzer.models.LEVELS` codes of a level column (categorical or strings)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return np.asarray(column.cat.codes.to_numpy())
    return np.asarray(pd.Categorical(column, dtype=_LEVEL_DTYPE).codes)


def _counted_codes(definition: str) -> np.ndarray:
    return np.array(sorted(_LEVEL_CODE[lv] for lv in DEFINITIONS[definition]), dtype="int8")


def count_keys(columns: Sequence[str]) -> list[str]:
    """Every indicator :func:`count_levels` counts for these level columns, in order."""
    devops = all(f in columns for f in DEVOPS_FAMILIES)
    keys = []
    for dfn in DEFINITIONS:
        keys += [f"{dfn}|{c}" for c in columns]
        if devops:
            keys += [f"{dfn}|>={j} devops families" for j in range(1, len(DEVOPS_FAMILIES) + 1)]
            keys += [
                f"{dfn}|{a}+{b}"
                for i, a in enumerate(DEVOPS_FAMILIES)
                for b in DEVOPS_FAMILIES[i + 1 :]
            ]
    return keys


def _empty_counts(columns: Sequence[str], keys: Sequence[str], version: str | None) -> Counts:
    n_index = pd.MultiIndex.from_arrays([[], []], names=_COUNT_INDEX)
    k_index = pd.MultiIndex.from_arrays([[], [], []], names=[*_COUNT_INDEX, "denominator"])
    n = pd.DataFrame({c: pd.Series([], dtype="int64") for c in ("rows", *DENOMINATORS)})
    k = pd.DataFrame({c: pd.Series([], dtype="int64") for c in keys})
    return Counts(n.set_axis(n_index), k.set_axis(k_index), tuple(columns), version)


def _count_partition(
    levels: pd.DataFrame, source: str, period: str, columns: Sequence[str], version: str | None
) -> Counts:
    """:func:`count_levels` of rows that all share one source and period (vectorized)."""
    columns = list(columns)
    codes = (
        np.column_stack([_level_codes(levels[c]) for c in columns])
        if columns
        else np.zeros((len(levels), 0), dtype="int8")
    )
    devops = all(f in columns for f in DEVOPS_FAMILIES)
    fam_idx = [columns.index(f) for f in DEVOPS_FAMILIES] if devops else []
    masks = {den: denominator_mask(levels, den).to_numpy(dtype=bool) for den in DENOMINATORS}
    n_row = {"rows": len(levels), **{den: int(masks[den].sum()) for den in DENOMINATORS}}
    k_rows = []
    for den in DENOMINATORS:
        row: list[np.ndarray] = []
        for dfn in DEFINITIONS:
            has = np.isin(codes[masks[den]], _counted_codes(dfn))
            row.append(has.sum(axis=0))
            if devops:
                fam = has[:, fam_idx]
                total = fam.sum(axis=1)
                row.append(
                    np.array([(total >= j).sum() for j in range(1, len(DEVOPS_FAMILIES) + 1)])
                )
                row.append(
                    np.array(
                        [
                            (fam[:, i] & fam[:, j]).sum()
                            for i in range(len(fam_idx))
                            for j in range(i + 1, len(fam_idx))
                        ]
                    )
                )
        k_rows.append(np.concatenate(row).astype("int64") if row else np.zeros(0, "int64"))
    n = pd.DataFrame(
        [n_row], index=pd.MultiIndex.from_tuples([(source, period)], names=_COUNT_INDEX)
    ).astype("int64")
    k = pd.DataFrame(
        np.vstack(k_rows),
        index=pd.MultiIndex.from_tuples(
            [(source, period, den) for den in DENOMINATORS],
            names=[*_COUNT_INDEX, "denominator"],
        ),
        columns=count_keys(columns),
    )
    return Counts(n, k, tuple(columns), version)


def count_levels(levels: pd.DataFrame) -> Counts:
    """Count a levels frame per (source, month): postings per denominator and, per denominator,
    postings with each indicator (see :class:`Counts`).

    Args:
        levels: from :func:`posting_levels` (one tagger version; any sources).

    Raises:
        InputError: a needed column is missing or the levels mix tagger versions.
    """
    _require_columns(levels, _POSTING_COLUMNS, "levels")
    _check_single_version(levels)
    families, skills = level_columns(levels)
    columns = [*families, *skills]
    version = None
    if "tagger_version" in levels.columns and levels["tagger_version"].notna().any():
        version = str(levels["tagger_version"].dropna().iloc[0])
    if levels.empty:
        return _empty_counts(columns, count_keys(columns), version)
    keys = [levels["source"].astype(str), levels["period"].astype(str)]
    if keys[0].nunique() == 1 and keys[1].nunique() == 1:  # one store partition
        return _count_partition(levels, keys[0].iloc[0], keys[1].iloc[0], columns, version)
    parts = [
        _count_partition(rows, str(source), str(period), columns, version)
        for (source, period), rows in levels.groupby(keys, sort=True)
    ]
    return combine_counts(parts)


def combine_counts(parts: Sequence[Counts]) -> Counts:
    """Stack the counts of store partitions into the counts of all of them: the union of their
    level columns in :func:`posting_levels` order, 0 where a part lacks an indicator; counts of
    the same (source, month) in several parts are added.

    Raises:
        InputError: the parts count different tagger versions.
    """
    versions = sorted({p.tagger_version for p in parts if p.tagger_version is not None})
    if len(versions) > 1:
        raise InputError(f"counts mix tagger versions ({', '.join(versions)})")
    version = versions[0] if versions else None
    skills: set[str] = set()
    families: set[str] = set()
    for part in parts:
        families.update(c for c in part.columns if c in FAMILIES)
        skills.update(c for c in part.columns if c not in FAMILIES)
    columns = [
        *[f for f in FAMILIES if f in families],
        *sorted(skills, key=_skill_sort_key),
    ]
    keys = count_keys(columns)
    filled = [p for p in parts if not p.n.empty]
    if not filled:
        return _empty_counts(columns, keys, version)
    n = pd.concat([p.n for p in filled])
    k = pd.concat([p.k for p in filled])
    if n.index.duplicated().any():
        n = n.groupby(level=[0, 1], sort=True).sum()
        k = k.groupby(level=[0, 1, 2], sort=True).sum(min_count=0)
    k = k.reindex(columns=keys).fillna(0).astype("int64")
    return Counts(n.astype("int64"), k, tuple(columns), version)


def _as_counts(data: pd.DataFrame | Counts) -> Counts:
    """Counts as they are; a levels frame counted by :func:`count_levels`."""
    return data if isinstance(data, Counts) else count_levels(data)


def _indicator_counts(levels: pd.DataFrame, indicators: pd.DataFrame) -> Counts:
    """Counts of arbitrary boolean per-posting indicators (k columns named as ``indicators``)."""
    _require_columns(levels, ("period", "is_job_posting", "roles"), "levels")
    source = (
        levels["source"].astype(str)
        if "source" in levels.columns
        else pd.Series("", index=levels.index)
    )
    keys = [source.to_numpy(), levels["period"].astype(str).to_numpy()]
    if levels.empty:
        return _empty_counts((), list(indicators.columns), None)
    masks = {den: denominator_mask(levels, den).to_numpy(dtype=bool) for den in DENOMINATORS}
    flags = pd.DataFrame({"rows": 1, **{d: m.astype("int64") for d, m in masks.items()}})
    n = flags.groupby(keys, sort=True).sum()
    n.index.names = _COUNT_INDEX
    values = indicators.astype("int64").reset_index(drop=True)
    parts = {}
    for den in DENOMINATORS:
        sel = masks[den]
        if sel.any():
            k = values[sel].groupby([keys[0][sel], keys[1][sel]], sort=True).sum()
            parts[den] = k.set_axis(k.index.set_names(_COUNT_INDEX)).reindex(n.index, fill_value=0)
        else:
            parts[den] = pd.DataFrame(0, index=n.index, columns=values.columns)
    k_all = pd.concat(parts, names=["denominator"]).reorder_levels([1, 2, 0])
    return Counts(n.astype("int64"), k_all.astype("int64"), (), None)


def _long_shares(n: pd.Series, k: pd.DataFrame, all_labels: Iterable[str]) -> pd.DataFrame:
    """Long table ``period, column, k, n, share, ci_low, ci_high`` from counts per period label."""
    index = pd.Index(sorted(set(all_labels) | set(n.index)), name="period")
    n = n.reindex(index, fill_value=0)
    k = k.reindex(index, fill_value=0)
    long_k = k.stack()
    long_k.index.names = ["period", "column"]
    out = long_k.rename("k").reset_index()
    out["n"] = out["period"].map(n).astype("int64")
    out["k"] = out["k"].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = np.where(out["n"] > 0, out["k"] / out["n"], np.nan)
    low, high = wilson_interval(out["k"].to_numpy(), out["n"].to_numpy())
    out["ci_low"], out["ci_high"] = low, high
    return out


def _shares_from_counts(
    counts: Counts,
    indicators: Mapping[Any, str],
    *,
    by: Period,
    denominators: Sequence[str],
    min_n: int,
    coverage: pd.DataFrame | None,
) -> pd.DataFrame:
    """Shares of the counted indicators (output name -> k column), pooled by ``by``: months ->
    period labels, n and k summed, then share, Wilson interval, ``small_n`` and ``partial``.

    Returns:
        Columns ``period, column, denominator, n, k, share, ci_low, ci_high, flags``; per
        denominator, every period label present (or listed in ``coverage``) times every column.
    """
    labels = _period_labels(counts.periods, by).to_numpy()
    all_labels = list(pd.unique(labels))
    partial = None
    if coverage is not None:
        listed, _ = partial_periods(coverage)
        all_labels = sorted(set(all_labels) | {period_label(m, by) for m in listed})
        flags = _partial_flags(pd.Series(all_labels, dtype=str), by, coverage)
        partial = pd.Series(flags.to_numpy(), index=all_labels)
    names, keys = list(indicators), list(indicators.values())
    dens = counts.k.index.get_level_values("denominator")
    frames = []
    for den in denominators:
        n = counts.n[den].groupby(labels).sum()
        k_den = counts.k.loc[dens == den, keys].droplevel("denominator")
        k_den = k_den.reindex(counts.n.index, fill_value=0).set_axis(names, axis=1)
        out = _long_shares(n, k_den.groupby(labels).sum(), all_labels)
        small = pd.Series(np.where(out["n"] < max(min_n, 1), "small_n", ""), index=out.index)
        part = (
            out["period"].map(partial).fillna("")
            if partial is not None
            else pd.Series("", index=out.index)
        )
        out["flags"] = _join_flags(small, part)
        out.insert(2, "denominator", den)
        frames.append(out[[*_LONG_COLUMNS]])
    return pd.concat(frames, ignore_index=True)


_LONG_COLUMNS = ("period", "column", "denominator", "n", "k", "share", "ci_low", "ci_high", "flags")


def _widen_by_bootstrap(
    out: pd.DataFrame,
    levels: pd.DataFrame,
    indicators: pd.DataFrame,
    *,
    by: Period,
    bootstrap: int,
    seed: int,
    salt: str,
) -> pd.DataFrame:
    """Widen each share's interval to cover its company-cluster bootstrap interval (per posting)."""
    labels = _period_labels(levels["period"], by)
    clusters = _cluster_keys(levels)
    frames = []
    for den, block in out.groupby("denominator", sort=False):
        b_low, b_high = _bootstrap_ci(
            indicators,
            denominator_mask(levels, str(den)),
            labels,
            clusters,
            bootstrap,
            seed,
            f"{salt}|{den}",
        )
        both = pd.concat([b_low.stack().rename("b_low"), b_high.stack().rename("b_high")], axis=1)
        both.index.names = ["period", "column"]
        block = block.merge(both.reset_index(), on=["period", "column"], how="left")
        has = block["b_low"].notna()
        # The bootstrap only ever widens the Wilson interval: one company cannot make it narrower.
        block.loc[has, "ci_low"] = np.minimum(block.loc[has, "ci_low"], block.loc[has, "b_low"])
        block.loc[has, "ci_high"] = np.maximum(block.loc[has, "ci_high"], block.loc[has, "b_high"])
        boot = pd.Series(np.where(has, "bootstrap", ""), index=block.index)
        block["flags"] = _join_flags(block["flags"], boot)
        frames.append(block.drop(columns=["b_low", "b_high"]))
    return pd.concat(frames, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# Shares
# ---------------------------------------------------------------------------------------------


def indicator_shares(
    levels: pd.DataFrame | Counts,
    indicators: pd.DataFrame | Mapping[Any, str],
    *,
    by: Period = "month",
    denominator: str | Sequence[str] = "backend",
    min_n: int = 30,
    coverage: pd.DataFrame | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    salt: str = "",
) -> pd.DataFrame:
    """Shares of any boolean per-posting indicators (the engine under :func:`skill_shares`).

    Args:
        levels: from :func:`posting_levels` (gives period, roles, company), or :class:`Counts`.
        indicators: with levels, boolean columns indexed like ``levels`` (e.g. "requires two or
            more families"); with counts, output column name -> counted indicator
            (``{"cloud": "requires|cloud"}``).
        by, denominator, min_n, coverage, bootstrap, seed: as in :func:`skill_shares`.
        salt: mixed into the bootstrap seed so different indicator sets draw independently.

    Returns:
        Columns ``period, column, denominator, n, k, share, ci_low, ci_high, flags``.

    Raises:
        InputError: a bootstrap asked of counts (it needs each posting's company).
    """
    denominators = _as_tuple(denominator, DENOMINATORS, "denominator")
    if isinstance(levels, Counts):
        if bootstrap:
            raise InputError("the company-cluster bootstrap needs per-posting levels, not counts")
        if isinstance(indicators, pd.DataFrame):
            raise InputError("with counts, name the counted indicators (name -> k column)")
        return _shares_from_counts(
            levels,
            indicators,
            by=by,
            denominators=denominators,
            min_n=min_n,
            coverage=coverage,
        )
    if not isinstance(indicators, pd.DataFrame):
        raise InputError("with levels, give the indicators as boolean columns")
    out = _shares_from_counts(
        _indicator_counts(levels, indicators),
        {c: c for c in indicators.columns},
        by=by,
        denominators=denominators,
        min_n=min_n,
        coverage=coverage,
    )
    if bootstrap:
        out = _widen_by_bootstrap(
            out, levels, indicators, by=by, bootstrap=bootstrap, seed=seed, salt=salt
        )
    return out


def _select_columns(
    available: Sequence[str],
    families: Sequence[str] | None,
    skills: bool | Sequence[str],
) -> list[str]:
    fam_cols = [c for c in available if c in FAMILIES]
    skill_cols = [c for c in available if c not in FAMILIES]
    chosen_fams = list(FAMILIES) if families is None else list(families)
    unknown = [f for f in chosen_fams if f not in FAMILIES]
    if unknown:
        raise ConfigError(f"unknown family {unknown!r}: choose from {', '.join(FAMILIES)}")
    missing = [f for f in chosen_fams if f not in fam_cols]
    if missing:
        raise InputError(f"levels lack family column(s) {', '.join(missing)}: use posting_levels")
    columns = list(chosen_fams)
    if skills is True:
        columns += [c for c in skill_cols if c.partition(":")[0] in chosen_fams]
    elif skills is not False:
        by_name: dict[str, list[str]] = {}
        for col in skill_cols:
            by_name.setdefault(col.partition(":")[2].casefold(), []).append(col)
            by_name.setdefault(col.casefold(), []).append(col)
        for name in skills:
            found = by_name.get(str(name).casefold())
            if not found:
                raise InputError(f"skill {name!r} is not tagged in these postings")
            columns += [c for c in found if c not in columns]
    return columns


def _indicator_frame(levels: pd.DataFrame, columns: Sequence[str], definition: str) -> pd.DataFrame:
    counted = _counted_codes(definition)
    return pd.DataFrame(
        {col: np.isin(_level_codes(levels[col]), counted) for col in columns},
        index=levels.index,
    )


def skill_shares(
    levels: pd.DataFrame | Counts,
    *,
    by: Period = "month",
    definition: str | Sequence[str] = "requires",
    denominator: str | Sequence[str] = "backend",
    families: Sequence[str] | None = None,
    skills: bool | Sequence[str] = True,
    min_n: int = 30,
    coverage: pd.DataFrame | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    pool_sources: bool = False,
) -> pd.DataFrame:
    """Share of the denominator's postings that have each family or skill, per period.

    Args:
        levels: from :func:`posting_levels` (one source group, one tagger version), or their
            :class:`Counts` (same table; no bootstrap).
        by: ``month`` (``YYYY-MM``), ``quarter`` (``YYYY-Qn``), ``year`` (``YYYY``) or ``all``.
        definition: one or several of ``requires``, ``requires_strict``, ``involves``.
        denominator: one or several of ``backend``, ``broad``, ``all``.
        families: families to report (default all of FAMILIES); skill rows follow them.
        skills: ``True`` every tagged skill of those families, ``False`` families only, or a list
            of canonical skill names (``"AWS"``) or ``"family:skill"`` keys.
        min_n: periods whose denominator has fewer postings get the ``small_n`` flag (their share
            is still given, with its wide interval; it is never a zero standing for "no data").
        coverage: the caller's coverage table (see :func:`partial_periods`); periods with partial
            data, and pooled periods holding a partial or unlisted month, get the ``partial`` flag.
        bootstrap: ``0`` for Wilson intervals only, or the number of company-cluster bootstrap
            replicates; the reported interval is then the union of the Wilson and the bootstrap
            percentile interval (flag ``bootstrap``), so one company posting many roles widens it.
        seed: bootstrap seed (results are deterministic for a given seed and data).
        pool_sources: allow levels from several source groups to be pooled into one share.

    Returns:
        The tidy table with exactly :data:`SHARE_COLUMNS`. ``skill`` is ``*`` for a family row.
        Every period present in ``levels`` (or listed in ``coverage``) appears for every
        family/skill, with ``n = 0`` (share NaN, interval 0..1, ``small_n``) when the denominator
        is empty. Rows are sorted by definition, denominator, family, skill, period.

    Raises:
        ConfigError: an unknown definition, denominator, family or pooling.
        InputError: mixed tagger versions, several source groups without ``pool_sources``,
            a skill not tagged, malformed periods, or a bootstrap asked of counts.
    """
    definitions = _as_tuple(definition, tuple(DEFINITIONS), "definition")
    denominators = _as_tuple(denominator, DENOMINATORS, "denominator")
    per_posting = bootstrap and not isinstance(levels, Counts)
    if isinstance(levels, pd.DataFrame):
        _require_columns(levels, _POSTING_COLUMNS, "levels")
        _check_single_version(levels)
    _check_single_group(levels, pool_sources)
    data = levels if per_posting else _as_counts(levels)
    available = data.columns if isinstance(data, Counts) else _flat_columns(data)
    columns = _select_columns(available, families, skills)
    frames = []
    for dfn in definitions:
        indicators: pd.DataFrame | dict[str, str] = (
            _indicator_frame(levels, columns, dfn)
            if isinstance(data, pd.DataFrame)
            else {c: f"{dfn}|{c}" for c in columns}
        )
        long = indicator_shares(
            data,
            indicators,
            by=by,
            denominator=denominators,
            min_n=min_n,
            coverage=coverage,
            bootstrap=bootstrap,
            seed=seed,
            salt=dfn,
        )
        long["definition"] = dfn
        frames.append(long)
    out = pd.concat(frames, ignore_index=True)
    split = out["column"].str.partition(":")
    out["family"] = split[0]
    out["skill"] = split[2].where(split[1] == ":", "*")
    return _sort_shares(out[list(SHARE_COLUMNS)])


def _sort_shares(frame: pd.DataFrame) -> pd.DataFrame:
    """Sort by definition, denominator, family, skill, period (whichever are present), in the
    report's order: definitions and denominators as declared, FAMILIES order, ``*`` first."""
    order = {
        "definition": {d: i for i, d in enumerate(DEFINITIONS)},
        "denominator": {d: i for i, d in enumerate(DENOMINATORS)},
        "family": {f: i for i, f in enumerate(FAMILIES)},
    }

    def key(col: pd.Series) -> pd.Series:
        if col.name in order:
            return col.map(order[str(col.name)]).fillna(99)
        if col.name == "skill":
            return col.map(lambda s: "" if s == "*" else "~" + str(s).casefold())
        return col

    by = [c for c in ("definition", "denominator", "family", "skill", "period") if c in frame]
    return frame.sort_values(by, key=key, kind="stable").reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Smoothing
# ---------------------------------------------------------------------------------------------


def smooth(shares: pd.DataFrame, window: int, *, min_n: int = 30) -> pd.DataFrame:
    """Rolling ``window``-month shares: counts pooled over the calendar months ending at each month.

    ``k`` and ``n`` are summed over the window (months with no row count as nothing), and the
    share and Wilson interval are recomputed from the sums, so the smoothed line has an honest
    interval. Every output row is flagged ``rolling_<window>m``; ``partial`` when the window holds
    a month with no row or a month flagged partial (the first months of a series, months next to
    a gap); ``small_n`` when the pooled ``n`` is below ``min_n``. Only months present in
    ``shares`` get a row.

    Args:
        shares: monthly rows of :func:`skill_shares` (``period`` as ``YYYY-MM``).
        window: months per window (3 and 12 are the report's).
        min_n: the small-sample threshold for the pooled ``n``.

    Raises:
        InputError: ``shares`` is not monthly, or ``window`` is below 1.
    """
    if window < 1:
        raise InputError("smoothing window must be at least one month")
    _require_columns(shares, SHARE_COLUMNS, "shares")
    if shares.empty:
        return shares.copy()
    periods = shares["period"].astype(str)
    if not periods.str.match(_MONTH_RE.pattern).all():
        raise InputError("smooth needs monthly shares (period YYYY-MM)")
    keys = ["family", "skill", "definition", "denominator"]
    month = _month_index(periods)
    group = shares.groupby(keys, sort=False).ngroup().to_numpy()
    groups = shares[keys].drop_duplicates().reset_index(drop=True)
    first = int(month.min())
    rows = month - first
    shape = (int(month.max()) - first + 1, len(groups))
    # months x series matrices; a month with no row is absent (counts 0, window partial)
    present = np.zeros(shape, dtype=bool)
    k = np.zeros(shape)
    n = np.zeros(shape)
    bad = np.ones(shape)
    present[rows, group] = True
    np.add.at(k, (rows, group), shares["k"].to_numpy(float))
    np.add.at(n, (rows, group), shares["n"].to_numpy(float))
    bad[rows, group] = shares["flags"].str.contains(r"\bpartial\b").to_numpy(float)

    def rolling(values: np.ndarray) -> np.ndarray:
        cum = np.cumsum(values, axis=0)
        out = cum.copy()
        out[window:] -= cum[:-window]
        return out

    window_bad = rolling(bad) > 0
    window_bad[: window - 1] = True  # the window reaches before the first month
    ti, gi = np.nonzero(present)
    out = groups.iloc[gi].reset_index(drop=True)
    out["m"] = ti + first
    out["k"] = rolling(k)[ti, gi]
    out["n"] = rolling(n)[ti, gi]
    out["bad"] = window_bad[ti, gi]
    out["period"] = [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in out["m"]]
    out["k"] = out["k"].astype("int64")
    out["n"] = out["n"].astype("int64")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = np.where(out["n"] > 0, out["k"] / out["n"], np.nan)
    out["ci_low"], out["ci_high"] = wilson_interval(out["k"].to_numpy(), out["n"].to_numpy())
    out["flags"] = _join_flags(
        pd.Series(f"rolling_{window}m", index=out.index),
        pd.Series(np.where(out["n"] < max(min_n, 1), "small_n", ""), index=out.index),
        pd.Series(np.where(out["bad"] > 0, "partial", ""), index=out.index),
    )
    return _sort_shares(out[list(SHARE_COLUMNS)])


# ---------------------------------------------------------------------------------------------
# Trends: logistic regression of the indicator on time
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendFit:
    """A logistic trend fitted to per-period counts.

    Attributes:
        slope: change in log-odds per year.
        se: its standard error, inflated by ``sqrt(dispersion)`` when over-dispersed.
        ci_low, ci_high: the 95% Wald interval of the slope.
        intercept: log-odds at ``centre`` (the mean time, in years).
        centre: the time the intercept refers to.
        dispersion: Pearson chi-square / df over the periods (quasi-binomial phi); NaN with fewer
            than 3 periods.
        dispersion_p: P(chi-square_df >= observed) under the binomial model; small = over-dispersed.
        df: periods minus 2.
        converged: whether IRLS converged; False also when there is nothing to fit (all 0 or all 1).
    """

    slope: float
    se: float
    ci_low: float
    ci_high: float
    intercept: float
    centre: float
    dispersion: float
    df: int
    converged: bool
    dispersion_p: float = float("nan")

    @property
    def direction(self) -> str:
        """``rising`` (interval above 0), ``falling`` (below 0), ``flat`` (contains 0), or
        ``insufficient`` (no fit)."""
        if not self.converged or not np.isfinite(self.ci_low):
            return "insufficient"
        if self.ci_low > 0:
            return "rising"
        if self.ci_high < 0:
            return "falling"
        return "flat"

    @property
    def odds_ratio(self) -> float:
        """Multiplicative change of the odds per year."""
        return float(np.exp(self.slope))


def logistic_trend(
    time: Sequence[float] | np.ndarray,
    k: Sequence[float] | np.ndarray,
    n: Sequence[float] | np.ndarray,
    *,
    z: float = Z95,
    max_iter: int = 100,
) -> TrendFit:
    """Fit ``logit(p_t) = a + b (t - mean t)`` to grouped binomial counts by IRLS.

    With time constant within a period, this is the same maximum-likelihood fit as a logistic
    regression of the per-posting 0/1 indicator on time. The dispersion check compares the
    Pearson chi-square over the periods to its degrees of freedom; when phi > 1 (periods vary more
    than binomial sampling explains) the standard error is multiplied by ``sqrt(phi)``
    (quasi-binomial), never shrunk.

    Args:
        time: period times in years (e.g. 2016.375 for 2016-05), one per period.
        k: indicator count per period.
        n: denominator per period (periods with ``n == 0`` are ignored).
        z: the interval's normal quantile.
        max_iter: IRLS iteration cap.
    """
    t = np.asarray(time, dtype=float)
    kk = np.asarray(k, dtype=float)
    nn = np.asarray(n, dtype=float)
    keep = nn > 0
    t, kk, nn = t[keep], kk[keep], nn[keep]
    nan = float("nan")
    periods = len(t)
    if periods < 2 or kk.sum() == 0 or kk.sum() == nn.sum() or np.ptp(t) == 0:
        return TrendFit(nan, nan, nan, nan, nan, nan, nan, max(periods - 2, 0), False)
    centre = float(np.average(t, weights=nn))
    x = np.column_stack([np.ones_like(t), t - centre])
    p0 = kk.sum() / nn.sum()
    beta = np.array([np.log(p0 / (1 - p0)), 0.0])
    converged = False
    for _ in range(max_iter):
        eta = x @ beta
        p = 1.0 / (1.0 + np.exp(-eta))
        w = nn * p * (1 - p)
        if np.any(w <= 1e-12):
            break
        info = x.T @ (w[:, None] * x)
        step = np.linalg.solve(info, x.T @ (kk - nn * p))
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            converged = True
            break
    if not converged or abs(beta[1]) > 50:
        return TrendFit(nan, nan, nan, nan, nan, centre, nan, periods - 2, False)
    p = 1.0 / (1.0 + np.exp(-(x @ beta)))
    w = nn * p * (1 - p)
    cov = np.linalg.inv(x.T @ (w[:, None] * x))
    se = float(np.sqrt(cov[1, 1]))
    df = periods - 2
    pearson = float(np.sum((kk - nn * p) ** 2 / w))
    dispersion = pearson / df if df > 0 else nan
    dispersion_p = float(chi2.sf(pearson, df)) if df > 0 else nan
    if np.isfinite(dispersion) and dispersion > 1:
        se *= float(np.sqrt(dispersion))
    slope = float(beta[1])
    return TrendFit(
        slope,
        se,
        slope - z * se,
        slope + z * se,
        float(beta[0]),
        centre,
        dispersion,
        df,
        True,
        dispersion_p,
    )


#: Columns of :func:`skill_trends`.
TREND_COLUMNS: tuple[str, ...] = (
    "family",
    "skill",
    "definition",
    "denominator",
    "first_period",
    "last_period",
    "periods",
    "n",
    "k",
    "share",
    "slope",
    "ci_low",
    "ci_high",
    "odds_ratio",
    "dispersion",
    "direction",
    "flags",
)


def month_time(periods: pd.Series | Sequence[str]) -> np.ndarray:
    """``YYYY-MM`` -> decimal years at the middle of the month (2016-05 -> 2016.375)."""
    idx = _month_index(list(periods))
    return idx / 12.0 + 1.0 / 24.0


def skill_trends(shares: pd.DataFrame, *, drop_partial: bool = False) -> pd.DataFrame:
    """Logistic trend per family/skill, definition and denominator, from monthly shares.

    Args:
        shares: monthly rows of :func:`skill_shares` (``period`` as ``YYYY-MM``).
        drop_partial: leave out months flagged ``partial`` (e.g. first-page-only captures).

    Returns:
        :data:`TREND_COLUMNS`: the slope in log-odds per year with its 95% interval (quasi-binomial
        when over-dispersed), ``odds_ratio`` per year, the Pearson ``dispersion``, ``direction``
        (rising / falling / flat / insufficient), and the pooled ``n, k, share`` over the months
        used. The SE is inflated by sqrt(phi) whenever phi > 1; ``flags`` says ``overdispersed``
        when the Pearson test rejects the binomial model (p < 0.05), and ``partial_dropped``.
        Sorted by definition, denominator, family, skill.
    """
    _require_columns(shares, SHARE_COLUMNS, "shares")
    rows = shares
    if not rows["period"].astype(str).str.match(_MONTH_RE.pattern).all():
        raise InputError("skill_trends needs monthly shares (period YYYY-MM)")
    if drop_partial:
        rows = rows[~rows["flags"].str.contains(r"\bpartial\b")]
    rows = rows[rows["n"] > 0]
    records = []
    keys = ["family", "skill", "definition", "denominator"]
    for key, grp in rows.groupby(keys, sort=False):
        fit = logistic_trend(month_time(grp["period"]), grp["k"], grp["n"])
        n_total, k_total = int(grp["n"].sum()), int(grp["k"].sum())
        flags = []
        if fit.converged and fit.dispersion_p < 0.05:
            flags.append("overdispersed")
        if drop_partial:
            flags.append("partial_dropped")
        records.append(
            dict(
                zip(keys, key, strict=True),
                first_period=grp["period"].min(),
                last_period=grp["period"].max(),
                periods=len(grp),
                n=n_total,
                k=k_total,
                share=k_total / n_total if n_total else np.nan,
                slope=fit.slope,
                ci_low=fit.ci_low,
                ci_high=fit.ci_high,
                odds_ratio=fit.odds_ratio,
                dispersion=fit.dispersion,
                direction=fit.direction,
                flags=";".join(flags),
            )
        )
    out = pd.DataFrame.from_records(records, columns=list(TREND_COLUMNS))
    return _sort_shares(out)


# ---------------------------------------------------------------------------------------------
# Source comparison and co-occurrence
# ---------------------------------------------------------------------------------------------


def compare_sources(
    levels: pd.DataFrame | Counts,
    *,
    definition: str | Sequence[str] = "requires",
    denominator: str | Sequence[str] = "backend",
    families: Sequence[str] | None = None,
    skills: bool | Sequence[str] = False,
    since: str | None = None,
    until: str | None = None,
    min_n: int = 30,
) -> pd.DataFrame:
    """The same shares computed separately for each source group (hn, ats, github), never pooled.

    Args:
        levels: from :func:`posting_levels`, any mix of sources, or their :class:`Counts`.
        definition, denominator, families, skills, min_n: as in :func:`skill_shares`.
        since, until: inclusive ``YYYY-MM`` bounds applied to every source, so the groups can be
            compared over the same months; the actual months each group has are reported.

    Returns:
        Columns ``source, population, first_period, last_period, periods`` followed by
        :data:`SHARE_COLUMNS` (``period`` is ``all``: pooled over the months of that source).
        One block per source group, in the order hn, ats, github, others.
    """
    if isinstance(levels, pd.DataFrame):
        _require_columns(levels, _POSTING_COLUMNS, "levels")
        _check_single_version(levels)
    counts = _as_counts(levels)
    periods = counts.periods
    keep = np.ones(len(periods), dtype=bool)
    if since:
        keep &= (periods >= since).to_numpy()
    if until:
        keep &= (periods <= until).to_numpy()
    rows = counts.where(keep)
    groups = pd.Series(rows.n.index.get_level_values("source")).map(source_group)
    order = {"hn": 0, "ats": 1, "github": 2}
    frames = []
    for group in sorted(groups.unique(), key=lambda g: (order.get(g, 9), g)):
        part = rows.where((groups == group).to_numpy())
        shares = skill_shares(
            part,
            by="all",
            definition=definition,
            denominator=denominator,
            families=families,
            skills=skills,
            min_n=min_n,
            pool_sources=True,
        )
        months = part.periods
        shares.insert(0, "periods", months.nunique())
        shares.insert(0, "last_period", months.max())
        shares.insert(0, "first_period", months.min())
        shares.insert(0, "population", POPULATIONS.get(group, f"postings from source {group}"))
        shares.insert(0, "source", group)
        frames.append(shares)
    columns = ["source", "population", "first_period", "last_period", "periods", *SHARE_COLUMNS]
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True)[columns]


def compare_sources_wide(comparison: pd.DataFrame) -> pd.DataFrame:
    """Pivot :func:`compare_sources` to one row per (definition, denominator, family, skill) and,
    per source group, columns ``<source> share``, ``<source> ci``, ``<source> n``."""
    _require_columns(
        comparison,
        (
            "source",
            "family",
            "skill",
            "definition",
            "denominator",
            "n",
            "share",
            "ci_low",
            "ci_high",
        ),
        "comparison",
    )
    keys = ["definition", "denominator", "family", "skill"]
    parts = []
    for source, grp in comparison.groupby("source", sort=False):
        block = grp.set_index(keys)
        parts.append(
            pd.DataFrame(
                {
                    f"{source} share": block["share"].round(3),
                    f"{source} ci": [
                        f"{lo:.2f}-{hi:.2f}"
                        for lo, hi in zip(block["ci_low"], block["ci_high"], strict=True)
                    ],
                    f"{source} n": block["n"],
                },
                index=block.index,
            )
        )
    if not parts:
        return pd.DataFrame()
    return pd.concat(parts, axis=1).reset_index()


#: Columns of :func:`cooccurrence`.
COOCCURRENCE_COLUMNS: tuple[str, ...] = (
    "period",
    "family_a",
    "family_b",
    "definition",
    "denominator",
    "n",
    "k",
    "share",
    "ci_low",
    "ci_high",
    "flags",
)


def cooccurrence(
    levels: pd.DataFrame | Counts,
    *,
    by: Period = "year",
    definition: str = "requires",
    denominator: str = "backend",
    families: Sequence[str] = DEVOPS_FAMILIES,
    min_n: int = 30,
    coverage: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Pairwise co-occurrence of families per period: the share of the denominator having both.

    The diagonal (``family_a == family_b``) is the family's own share, so the table is the full
    symmetric matrix in long form (pivot on ``family_a``/``family_b`` for a heatmap).

    Args:
        levels: from :func:`posting_levels` (one source group), or their :class:`Counts`
            (which hold the pairs of :data:`DEVOPS_FAMILIES` only).

    Returns:
        :data:`COOCCURRENCE_COLUMNS`, with Wilson intervals and the usual flags.
    """
    if isinstance(levels, pd.DataFrame):
        _require_columns(levels, _POSTING_COLUMNS, "levels")
        _check_single_version(levels)
    _check_single_group(levels, pool_sources=False)
    _as_tuple(definition, tuple(DEFINITIONS), "definition")
    fams = list(families)
    counted = set(DEVOPS_FAMILIES)
    data: pd.DataFrame | Counts = levels
    if isinstance(levels, Counts) or set(fams) <= counted:
        data = _as_counts(levels)
        _select_columns(data.columns, fams, False)
        if not set(fams) <= counted:
            raise InputError(
                f"counts hold the pairs of {', '.join(DEVOPS_FAMILIES)} only: pass levels"
            )
        rank = {f: i for i, f in enumerate(DEVOPS_FAMILIES)}
        pairs: dict[str, Any] = {}
        for i, a in enumerate(fams):
            for b in fams[i:]:
                first, second = sorted((a, b), key=rank.__getitem__)
                pairs[f"{a}|{b}"] = (
                    f"{definition}|{a}" if a == b else f"{definition}|{first}+{second}"
                )
        long = indicator_shares(
            data, pairs, by=by, denominator=denominator, min_n=min_n, coverage=coverage
        )
    else:
        base = _indicator_frame(
            levels, _select_columns(_flat_columns(levels), fams, False), definition
        )
        ind = pd.DataFrame(
            {f"{a}|{b}": base[a] & base[b] for i, a in enumerate(fams) for b in fams[i:]},
            index=levels.index,
        )
        long = indicator_shares(
            levels, ind, by=by, denominator=denominator, min_n=min_n, coverage=coverage
        )
    split = long["column"].str.partition("|")
    mirrored = long.assign(family_a=split[2], family_b=split[0])
    long = long.assign(family_a=split[0], family_b=split[2])
    out = pd.concat([long, mirrored[mirrored["family_a"] != mirrored["family_b"]]])
    out = out.assign(definition=definition)
    rank_all = {f: i for i, f in enumerate(fams)}
    out = out.sort_values(
        ["period", "family_a", "family_b"],
        key=lambda c: c.map(rank_all) if c.name != "period" else c,
    )
    return out[list(COOCCURRENCE_COLUMNS)].reset_index(drop=True)


def _flat_columns(levels: pd.DataFrame) -> list[str]:
    """The family and skill columns of a levels frame, in one list."""
    families, skills = level_columns(levels)
    return [*families, *skills]
