"""The seed claims as testable statements, with verdicts computed from the data (never written).

Each check returns a tidy DataFrame with :data:`CLAIM_COLUMNS`: one row per source group,
definition, denominator and period, plus an overall row, carrying the numbers behind the verdict
(``n, k, share, ci_low, ci_high``), the statistic the verdict rests on (``statistic, estimate,
est_low, est_high``) and a ``definitions`` text saying exactly what was counted.

* :func:`check_three_quarters` - "nearly three-quarters of backend roles require cloud
  proficiency": each period's share against 0.75: ``below`` (interval entirely below),
  ``consistent`` (interval contains 0.75), ``above`` (entirely above), ``insufficient`` (small n).
* :func:`check_trends` - "containers, CI/CD, monitoring (Prometheus), Terraform/IaC and ML
  infrastructure are increasingly required": logistic regression of the per-posting indicator on
  time with a dispersion check; verdict ``rising``, ``falling``, ``flat`` or ``insufficient``.
* :func:`check_convergence` - "backend and DevOps are converging": the share of backend postings
  requiring two or more DevOps families, per year, and its trend (plus every pair's trend).
* :func:`check_claims` runs all three; :func:`summarize_claims` turns them into one sentence each.

Source groups (hn, ats, github) are always checked separately, never pooled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypeAlias

import numpy as np
import pandas as pd

from analyzer.analyze import (
    DEFINITION_TEXT,
    DEFINITIONS,
    DENOMINATOR_TEXT,
    DENOMINATORS,
    DEVOPS_FAMILIES,
    Counts,
    Period,
    count_levels,
    indicator_shares,
    level_columns,
    logistic_trend,
    month_time,
    source_group,
    wilson_interval,
)
from analyzer.errors import ConfigError, InputError
from analyzer.models import LEVELS

__all__ = [
    "CLAIM_COLUMNS",
    "TREND_TARGETS",
    "check_claims",
    "check_convergence",
    "check_three_quarters",
    "check_trends",
    "interval_verdict",
    "summarize_claims",
]

#: Columns of every claim table, in order.
CLAIM_COLUMNS: tuple[str, ...] = (
    "claim",
    "statement",
    "subject",
    "source",
    "definition",
    "denominator",
    "period",
    "n",
    "k",
    "share",
    "ci_low",
    "ci_high",
    "statistic",
    "estimate",
    "est_low",
    "est_high",
    "dispersion",
    "verdict",
    "flags",
    "definitions",
)

THREE_QUARTERS_STATEMENT = "Nearly three-quarters of backend roles require cloud proficiency"

#: Trend claims: claim id -> (statement, subjects). A subject is a family (``"containers"``) or a
#: ``"family:Skill"`` key (``"observability:Prometheus"``).
TREND_TARGETS: dict[str, tuple[str, tuple[str, ...]]] = {
    "containers_rising": (
        "Containers (Docker/Kubernetes) are increasingly listed as essential",
        ("containers", "containers:Docker", "containers:Kubernetes"),
    ),
    "ci_cd_rising": ("CI/CD is increasingly listed as essential", ("ci_cd",)),
    "observability_rising": (
        "Monitoring like Prometheus is increasingly required",
        ("observability", "observability:Prometheus"),
    ),
    "iac_rising": (
        "Terraform (infrastructure as code) is increasingly required",
        ("iac", "iac:Terraform"),
    ),
    "ml_ops_rising": ("AI/ML infrastructure is the next requirement", ("ml_ops",)),
}

CONVERGENCE_STATEMENT = "Backend and DevOps are converging"

_WILSON_TEXT = "interval: Wilson 95% score interval"
_BOOT_TEXT = " widened to cover the company-cluster bootstrap percentile interval"
_TREND_TEXT = (
    "trend: logistic regression of the per-posting indicator on time in years (monthly periods), "
    "slope in log-odds per year with a 95% Wald interval; standard error inflated by "
    "sqrt(Pearson chi2/df) when the months are over-dispersed (quasi-binomial)"
)


def _definitions_text(definition: str, denominator: str, extra: str) -> str:
    return f"{DEFINITION_TEXT[definition]}; {DENOMINATOR_TEXT[denominator]}; {extra}"


#: What the checks accept: a levels frame or its counts.
Data: TypeAlias = pd.DataFrame | Counts


def _groups(levels: Data) -> list[tuple[str, Data]]:
    """The rows of each source group, in the order hn, ats, github, others."""
    if isinstance(levels, Counts):
        groups = pd.Series(levels.n.index.get_level_values("source")).map(source_group)
    elif "source" not in levels.columns:
        raise InputError("levels lack column source")
    else:
        groups = levels["source"].map(source_group)
    order = {"hn": 0, "ats": 1, "github": 2}
    return [
        (
            group,
            levels.where((groups == group).to_numpy())
            if isinstance(levels, Counts)
            else levels[groups == group],
        )
        for group in sorted(groups.dropna().unique(), key=lambda g: (order.get(g, 9), g))
    ]


def _as_counts(levels: Data) -> Counts:
    return levels if isinstance(levels, Counts) else count_levels(levels)


def _indicator_columns(
    levels: Data, subjects: Sequence[str], definition: str
) -> tuple[pd.DataFrame | dict[str, str], list[str]]:
    """Indicators of the subjects present in ``levels`` (boolean columns for levels, counted
    indicator names for counts); also the missing subjects."""
    if isinstance(levels, Counts):
        found = [s for s in subjects if s in levels.columns]
        missing = [s for s in subjects if s not in levels.columns]
        return {s: f"{definition}|{s}" for s in found}, missing
    families, skills = level_columns(levels)
    present = set(families) | set(skills)
    found = [s for s in subjects if s in present]
    missing = [s for s in subjects if s not in present]
    counted = np.array(sorted(DEFINITION_CODES[definition]), dtype="int8")
    ind = pd.DataFrame(
        {s: np.isin(levels[s].cat.codes.to_numpy(), counted) for s in found}, index=levels.index
    )
    return ind, missing


#: Definition -> the level codes (index in LEVELS) that count.
DEFINITION_CODES: dict[str, frozenset[int]] = {
    name: frozenset(LEVELS.index(level) for level in counted)
    for name, counted in DEFINITIONS.items()
}


def _choices(value: str | Sequence[str], allowed: Sequence[str], what: str) -> tuple[str, ...]:
    values = (value,) if isinstance(value, str) else tuple(value)
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise ConfigError(f"unknown {what} {bad or values!r}: choose from {', '.join(allowed)}")
    return values


def _frame(records: list[dict[str, object]]) -> pd.DataFrame:
    out = pd.DataFrame.from_records(records, columns=list(CLAIM_COLUMNS))
    for col in ("n", "k"):
        out[col] = out[col].astype("int64")
    return out


def interval_verdict(low: float, high: float, threshold: float) -> str:
    """``below``/``above`` when the interval lies entirely below/above ``threshold``, else
    ``consistent``: the one verdict rule of the share claims (the report uses it too)."""
    if high < threshold:
        return "below"
    if low > threshold:
        return "above"
    return "consistent"


def _share_verdict(row: pd.Series, threshold: float) -> str:
    if "small_n" in str(row["flags"]).split(";") or row["n"] == 0:
        return "insufficient"
    return interval_verdict(row["ci_low"], row["ci_high"], threshold)


def check_three_quarters(
    levels: Data,
    *,
    family: str = "cloud",
    threshold: float = 0.75,
    by: Period = "month",
    definition: str | Sequence[str] = tuple(DEFINITIONS),
    denominator: str | Sequence[str] = DENOMINATORS,
    min_n: int = 30,
    coverage: pd.DataFrame | None = None,
    bootstrap: int = 0,
    seed: int = 0,
) -> pd.DataFrame:
    """Check "nearly three-quarters of backend roles require cloud" per period and overall.

    Args:
        levels: from :func:`analyzer.analyze.posting_levels`, or their
            :class:`~analyzer.analyze.Counts` (no bootstrap); every source group is checked apart.
        family: the family (or ``"family:Skill"`` key) the claim is about.
        threshold: the claimed share.
        by: period pooling for the per-period rows (``month``, ``quarter``, ``year``).
        definition, denominator: which definitions and denominators to check (default: all).
        min_n, coverage, bootstrap, seed: as in :func:`analyzer.analyze.skill_shares`.

    Returns:
        :data:`CLAIM_COLUMNS`; ``period`` is the period label, or ``overall`` for the pooled row
        (all months of that source). ``statistic`` is ``share_vs_<threshold>`` and ``estimate``,
        ``est_low``, ``est_high`` repeat the share and its interval.
    """
    definitions = _choices(definition, tuple(DEFINITIONS), "definition")
    denominators = _choices(denominator, DENOMINATORS, "denominator")
    records: list[dict[str, object]] = []
    data = levels if bootstrap and isinstance(levels, pd.DataFrame) else _as_counts(levels)
    for group, part in _groups(data):
        for dfn in definitions:
            ind, missing = _indicator_columns(part, [family], dfn)
            if missing:
                raise InputError(f"levels have no column {family!r}")
            extra = _WILSON_TEXT + (_BOOT_TEXT if bootstrap else "")
            extra += f"; periods with n < {min_n} are insufficient"
            for pooling in (by, "all"):
                shares = indicator_shares(
                    part,
                    ind,
                    by=pooling,
                    denominator=denominators,
                    min_n=min_n,
                    coverage=coverage,
                    bootstrap=bootstrap,
                    seed=seed,
                    salt=f"three|{dfn}",
                )
                for row in shares.itertuples(index=False):
                    series = pd.Series(row._asdict())
                    records.append(
                        {
                            "claim": "three_quarters_cloud",
                            "statement": THREE_QUARTERS_STATEMENT,
                            "subject": family,
                            "source": group,
                            "definition": dfn,
                            "denominator": row.denominator,
                            "period": "overall" if pooling == "all" else row.period,
                            "n": row.n,
                            "k": row.k,
                            "share": row.share,
                            "ci_low": row.ci_low,
                            "ci_high": row.ci_high,
                            "statistic": f"share_vs_{threshold:g}",
                            "estimate": row.share,
                            "est_low": row.ci_low,
                            "est_high": row.ci_high,
                            "dispersion": np.nan,
                            "verdict": _share_verdict(series, threshold),
                            "flags": row.flags,
                            "definitions": _definitions_text(dfn, row.denominator, extra),
                        }
                    )
    return _frame(records)


def _trend_rows(
    *,
    claim: str,
    statement: str,
    group: str,
    part: Data,
    ind: pd.DataFrame | dict[str, str],
    definition: str,
    denominators: Sequence[str],
    min_n: int,
    coverage: pd.DataFrame | None,
    drop_partial: bool,
    subject_of: Mapping[str, str],
) -> list[dict[str, object]]:
    """Yearly descriptive rows and one overall trend row per indicator column and denominator."""
    records: list[dict[str, object]] = []
    monthly = indicator_shares(
        part, ind, by="month", denominator=denominators, min_n=min_n, coverage=coverage
    )
    yearly = indicator_shares(
        part, ind, by="year", denominator=denominators, min_n=min_n, coverage=coverage
    )
    text_extra = f"{_WILSON_TEXT} for the yearly rows; {_TREND_TEXT}"
    if drop_partial:
        text_extra += "; months flagged partial left out of the trend"
    for (column, den), grp in yearly.groupby(["column", "denominator"], sort=False):
        definitions = _definitions_text(definition, str(den), text_extra)
        for row in grp.itertuples(index=False):
            records.append(
                {
                    "claim": claim,
                    "statement": statement,
                    "subject": subject_of[str(column)],
                    "source": group,
                    "definition": definition,
                    "denominator": den,
                    "period": row.period,
                    "n": row.n,
                    "k": row.k,
                    "share": row.share,
                    "ci_low": row.ci_low,
                    "ci_high": row.ci_high,
                    "statistic": "share",
                    "estimate": row.share,
                    "est_low": row.ci_low,
                    "est_high": row.ci_high,
                    "dispersion": np.nan,
                    "verdict": "",
                    "flags": row.flags,
                    "definitions": definitions,
                }
            )
        months = monthly[(monthly["column"] == column) & (monthly["denominator"] == den)]
        if drop_partial:
            months = months[~months["flags"].str.contains(r"\bpartial\b")]
        months = months[months["n"] > 0]
        fit = logistic_trend(month_time(months["period"]), months["k"], months["n"])
        n_total, k_total = int(months["n"].sum()), int(months["k"].sum())
        flags = []
        if fit.converged and fit.dispersion_p < 0.05:
            flags.append("overdispersed")
        if drop_partial:
            flags.append("partial_dropped")
        period = f"{months['period'].min()}..{months['period'].max()}" if len(months) else ""
        share = k_total / n_total if n_total else np.nan
        lo, hi = (np.nan, np.nan)
        if n_total:
            lo_a, hi_a = wilson_interval(k_total, n_total)
            lo, hi = float(lo_a), float(hi_a)
        records.append(
            {
                "claim": claim,
                "statement": statement,
                "subject": subject_of[str(column)],
                "source": group,
                "definition": definition,
                "denominator": den,
                "period": period,
                "n": n_total,
                "k": k_total,
                "share": share,
                "ci_low": lo,
                "ci_high": hi,
                "statistic": "log_odds_per_year",
                "estimate": fit.slope,
                "est_low": fit.ci_low,
                "est_high": fit.ci_high,
                "dispersion": fit.dispersion,
                "verdict": fit.direction,
                "flags": ";".join(flags),
                "definitions": definitions,
            }
        )
    return records


def check_trends(
    levels: Data,
    *,
    targets: Mapping[str, tuple[str, Sequence[str]]] = TREND_TARGETS,
    definition: str | Sequence[str] = tuple(DEFINITIONS),
    denominator: str | Sequence[str] = DENOMINATORS,
    min_n: int = 30,
    coverage: pd.DataFrame | None = None,
    drop_partial: bool = False,
) -> pd.DataFrame:
    """Check the "increasingly required" claims by a logistic trend of each subject over time.

    Args:
        levels: from :func:`analyzer.analyze.posting_levels`, or their
            :class:`~analyzer.analyze.Counts`; every source group is checked apart.
        targets: claim id -> (statement, subjects); see :data:`TREND_TARGETS`.
        definition, denominator: which to check (default: all).
        min_n, coverage: flags of the yearly rows, as in :func:`analyzer.analyze.skill_shares`.
        drop_partial: leave months flagged partial out of the regression.

    Returns:
        :data:`CLAIM_COLUMNS`: per subject, the yearly shares (``statistic`` ``share``, no verdict)
        and one trend row (``period`` ``first..last``, ``statistic`` ``log_odds_per_year``,
        ``estimate`` the slope with its interval, ``dispersion`` the Pearson phi, ``verdict``
        rising / falling / flat / insufficient). A subject not tagged in these postings gets one
        row with verdict ``not_tagged``.
    """
    definitions = _choices(definition, tuple(DEFINITIONS), "definition")
    denominators = _choices(denominator, DENOMINATORS, "denominator")
    records: list[dict[str, object]] = []
    for group, part in _groups(_as_counts(levels)):
        for claim, (statement, subjects) in targets.items():
            for dfn in definitions:
                ind, missing = _indicator_columns(part, list(subjects), dfn)
                for subject in missing:
                    for den in denominators:
                        records.append(_not_tagged(claim, statement, subject, group, dfn, den))
                if len(ind.columns if isinstance(ind, pd.DataFrame) else ind) == 0:
                    continue
                records += _trend_rows(
                    claim=claim,
                    statement=statement,
                    group=group,
                    part=part,
                    ind=ind,
                    definition=dfn,
                    denominators=denominators,
                    min_n=min_n,
                    coverage=coverage,
                    drop_partial=drop_partial,
                    subject_of={str(c): str(c) for c in ind},
                )
    return _frame(records)


def _not_tagged(
    claim: str, statement: str, subject: str, group: str, definition: str, denominator: str
) -> dict[str, object]:
    return {
        "claim": claim,
        "statement": statement,
        "subject": subject,
        "source": group,
        "definition": definition,
        "denominator": denominator,
        "period": "",
        "n": 0,
        "k": 0,
        "share": np.nan,
        "ci_low": np.nan,
        "ci_high": np.nan,
        "statistic": "log_odds_per_year",
        "estimate": np.nan,
        "est_low": np.nan,
        "est_high": np.nan,
        "dispersion": np.nan,
        "verdict": "not_tagged",
        "flags": "",
        "definitions": _definitions_text(
            definition, denominator, "the tagger found no mention of this subject in this source"
        ),
    }


def check_convergence(
    levels: Data,
    *,
    families: Sequence[str] = DEVOPS_FAMILIES,
    at_least: int = 2,
    definition: str | Sequence[str] = tuple(DEFINITIONS),
    denominator: str | Sequence[str] = ("backend",),
    min_n: int = 30,
    coverage: pd.DataFrame | None = None,
    drop_partial: bool = False,
    pairs: bool = True,
) -> pd.DataFrame:
    """Check "backend and DevOps are converging" by co-occurrence of DevOps families over time.

    The main subject is ``>=2 devops families``: the share of the denominator's postings that have
    (per definition) at least ``at_least`` of ``families``, per year, and its logistic trend;
    a ``rising`` verdict supports the claim. With ``pairs``, each pair of families
    (``cloud+containers``...) gets its own yearly shares and trend as further subjects. For the
    full pairwise matrix per period use :func:`analyzer.analyze.cooccurrence`.

    ``levels`` may be :class:`~analyzer.analyze.Counts` when ``families`` are the DevOps families
    (the indicators counts hold).

    Returns:
        :data:`CLAIM_COLUMNS`, as :func:`check_trends`.
    """
    definitions = _choices(definition, tuple(DEFINITIONS), "definition")
    denominators = _choices(denominator, DENOMINATORS, "denominator")
    fams = list(families)
    main = f">={at_least} devops families"
    counted = tuple(fams) == DEVOPS_FAMILIES and 1 <= at_least <= len(fams)
    if isinstance(levels, Counts) and not counted:
        raise InputError("counts hold the DevOps families only (at_least 1 to 5): pass levels")
    data = _as_counts(levels) if counted else levels
    records: list[dict[str, object]] = []
    for group, part in _groups(data):
        for dfn in definitions:
            base, missing = _indicator_columns(part, fams, dfn)
            if missing:
                raise InputError(f"levels lack family column(s) {', '.join(missing)}")
            ind: pd.DataFrame | dict[str, str]
            if isinstance(base, pd.DataFrame):
                spec: dict[str, pd.Series] = {main: base.sum(axis=1) >= at_least}
                if pairs:
                    for i, a in enumerate(fams):
                        for b in fams[i + 1 :]:
                            spec[f"{a}+{b}"] = base[a] & base[b]
                ind = pd.DataFrame(spec, index=base.index)
            else:
                ind = {main: f"{dfn}|>={at_least} devops families"}
                if pairs:
                    for i, a in enumerate(fams):
                        for b in fams[i + 1 :]:
                            ind[f"{a}+{b}"] = f"{dfn}|{a}+{b}"
            records += _trend_rows(
                claim="backend_devops_converging",
                statement=CONVERGENCE_STATEMENT,
                group=group,
                part=part,
                ind=ind,
                definition=dfn,
                denominators=denominators,
                min_n=min_n,
                coverage=coverage,
                drop_partial=drop_partial,
                subject_of={str(c): str(c) for c in ind},
            )
    return _frame(records)


def check_claims(
    levels: Data,
    *,
    min_n: int = 30,
    coverage: pd.DataFrame | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    by: Period = "month",
) -> pd.DataFrame:
    """Run every seed claim check (three-quarters, trends, convergence) into one table.

    ``levels`` from :func:`analyzer.analyze.posting_levels` or their
    :class:`~analyzer.analyze.Counts` (same table; the bootstrap needs levels).
    """
    if bootstrap == 0:
        levels = _as_counts(levels)
    return pd.concat(
        [
            check_three_quarters(
                levels, by=by, min_n=min_n, coverage=coverage, bootstrap=bootstrap, seed=seed
            ),
            check_trends(levels, min_n=min_n, coverage=coverage),
            check_convergence(levels, min_n=min_n, coverage=coverage),
        ],
        ignore_index=True,
    )


_VERB = {"requires": "require", "requires_strict": "strictly require", "involves": "involve"}


def _pct(value: float) -> str:
    return "n/a" if not np.isfinite(value) else f"{100 * value:.1f}%"


def summarize_claims(
    claims: pd.DataFrame,
    *,
    definition: str = "requires",
    denominator: str = "backend",
) -> pd.DataFrame:
    """One headline per claim, subject and source: its overall verdict and a plain sentence.

    Args:
        claims: output of the checks (any mix).
        definition, denominator: which variant to headline (the others stay in the table).

    Returns:
        Columns ``claim, subject, source, verdict, sentence``. For the three-quarters claim the
        sentence also counts the periods below / consistent with / above the threshold.
    """
    rows = claims[(claims["definition"] == definition) & (claims["denominator"] == denominator)]
    out = []
    for (claim, subject, source), grp in rows.groupby(["claim", "subject", "source"], sort=False):
        if claim == "three_quarters_cloud":
            overall = grp[grp["period"] == "overall"]
            periods = grp[grp["period"] != "overall"]
            if overall.empty:
                continue
            o = overall.iloc[0]
            counts = periods["verdict"].value_counts()
            threshold = str(o["statistic"]).removeprefix("share_vs_")
            sentence = (
                f"{source}: {_pct(o['share'])} of {denominator} job postings {_VERB[definition]} "
                f"{subject} (95% CI {_pct(o['ci_low'])}-{_pct(o['ci_high'])}, n={o['n']:,}); "
                f"verdict against {threshold}: {o['verdict']}. Per period: "
                f"{counts.get('below', 0)} below, {counts.get('consistent', 0)} consistent, "
                f"{counts.get('above', 0)} above, {counts.get('insufficient', 0)} with too few "
                "postings."
            )
            out.append((claim, subject, source, o["verdict"], sentence))
            continue
        trend = grp[grp["statistic"] == "log_odds_per_year"]
        if trend.empty:
            continue
        t = trend.iloc[0]
        if t["verdict"] == "not_tagged":
            sentence = f"{source}: {subject} is never tagged, so its trend cannot be checked."
        else:
            slope = t["estimate"]
            sentence = (
                f"{source}, {t['period']}: {subject} ({definition}, {denominator}) is "
                f"{t['verdict']}: odds x{np.exp(slope):.2f} per year "
                f"(95% CI x{np.exp(t['est_low']):.2f}-x{np.exp(t['est_high']):.2f}), "
                f"overall share {_pct(t['share'])} of n={t['n']:,}."
            )
        out.append((claim, subject, source, t["verdict"], sentence))
    return pd.DataFrame(out, columns=["claim", "subject", "source", "verdict", "sentence"])
