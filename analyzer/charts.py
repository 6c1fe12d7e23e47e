"""Charts for hiring managers, drawn from the tidy share tables of :mod:`analyzer.analyze`.

Every function takes DataFrames and returns a :class:`matplotlib.figure.Figure`; nothing here
calls ``plt.show()`` or touches pyplot's global figure list, so charts are safe in scripts, tests
and notebooks alike. :func:`save_figure` writes a figure as PNG and SVG.

The input of most charts is the tidy share table (one row per period x family x skill x definition x
denominator)::

    period, family, skill, definition, denominator, n, k, share, ci_low, ci_high, flags

``skill == "*"`` rows describe a whole family. ``flags`` holds tokens such as ``small_n`` and
``partial`` (a string joined by ``;``, ``,`` or ``|``, or a list). Periods flagged ``small_n`` are
never drawn as values: they leave a gap, never a zero. Periods flagged ``partial`` are drawn hollow
and hatched.

Design rules (for a reader who sees one chart): Okabe-Ito colour-blind-safe colours, a title that
says what is measured, units on the axes, and a footnote with the source, date range and
definitions. No 100%-stacked areas and no dual axes. Labels that come from data are drawn with
``text.parse_math`` off, so a skill called ``PHP $_$`` is text, not a mathtext error.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.patches import Patch

from analyzer.analyze import SHARE_COLUMNS, smooth

__all__ = [
    "DEFINITION_LABELS",
    "DENOMINATOR_LABELS",
    "FAMILY_COLORS",
    "FAMILY_LABELS",
    "OKABE_ITO",
    "SOURCE_LABELS",
    "cooccurrence_heatmap",
    "family_small_multiples",
    "flag_set",
    "period_start",
    "rising_falling",
    "save_figure",
    "share_trend",
    "skill_heatmap",
]

#: The Okabe-Ito palette (Okabe & Ito 2008), safe under common colour-vision deficiencies.
OKABE_ITO: dict[str, str] = {
    "orange": "#E69F00",
    "sky_blue": "#56B4E9",
    "bluish_green": "#009E73",
    "yellow": "#F0E442",
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "reddish_purple": "#CC79A7",
    "black": "#000000",
}

FAMILY_COLORS: dict[str, str] = {
    "cloud": OKABE_ITO["blue"],
    "containers": OKABE_ITO["vermillion"],
    "ci_cd": OKABE_ITO["bluish_green"],
    "iac": OKABE_ITO["reddish_purple"],
    "observability": OKABE_ITO["orange"],
    "microservices": OKABE_ITO["sky_blue"],
    "ml_ops": OKABE_ITO["black"],
}

FAMILY_LABELS: dict[str, str] = {
    "cloud": "Cloud",
    "containers": "Containers",
    "ci_cd": "CI/CD",
    "iac": "Infrastructure as code",
    "observability": "Observability",
    "microservices": "Microservices",
    "ml_ops": "AI/ML infrastructure",
}

DEFINITION_LABELS: dict[str, str] = {
    "requires": "requires = the posting asks for it as a qualification or makes it a duty of the "
    "role",
    "requires_strict": "requires (strict) = the posting asks for it as a qualification",
    "involves": "involves = mentioned at any level (required, duty, preferred or company stack)",
}

DENOMINATOR_LABELS: dict[str, str] = {
    "backend": "backend or full-stack roles",
    "broad": "backend, full-stack or generic software-engineer roles",
    "all": "all job postings",
}

SOURCE_LABELS: dict[str, str] = {
    "hn": "Hacker News 'Ask HN: Who is hiring?' threads",
    "github": "GitHub issue job boards (mostly Brazilian)",
    "ats": "company ATS job boards (Greenhouse, Lever, Ashby) and Remotive",
    "greenhouse": "Greenhouse job boards",
    "lever": "Lever job boards",
    "ashby": "Ashby job boards",
    "remotive": "Remotive",
}

_NO_MATH: Any = {"text.parse_math": False}  # mpl types rc keys as Literals
_GREY = "#8C8C8C"
_LIGHT_GREY = "#D9D9D9"
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_QUARTER = re.compile(r"^(\d{4})-Q([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def period_start(period: str) -> pd.Timestamp:
    """Return the first day of a ``YYYY-MM``, ``YYYY-Qn`` or ``YYYY`` period.

    Raises:
        ValueError: the period has none of these shapes.
    """
    if m := _MONTH.match(period):
        return pd.Timestamp(int(m[1]), int(m[2]), 1)
    if m := _QUARTER.match(period):
        return pd.Timestamp(int(m[1]), 3 * int(m[2]) - 2, 1)
    if m := _YEAR.match(period):
        return pd.Timestamp(int(m[1]), 1, 1)
    raise ValueError(f"not a period: {period!r}")


def flag_set(flags: Any) -> frozenset[str]:
    """Return the flags of one row as a set, whether stored as a joined string or a list."""
    if flags is None:
        return frozenset()
    if isinstance(flags, str):
        return frozenset(t for t in re.split(r"[;,|\s]+", flags) if t)
    if isinstance(flags, float) and np.isnan(flags):
        return frozenset()
    if isinstance(flags, Iterable):
        return frozenset(str(t) for t in flags if t)
    return frozenset()


def _label(value: str, labels: dict[str, str]) -> str:
    return labels.get(value, value)


def _select(
    shares: pd.DataFrame,
    *,
    definition: str,
    denominator: str,
    families: Sequence[str] | None = None,
    skill: str | None = "*",
) -> pd.DataFrame:
    rows = shares[(shares["definition"] == definition) & (shares["denominator"] == denominator)]
    if families is not None:
        rows = rows[rows["family"].isin(list(families))]
    if skill is not None:
        rows = rows[rows["skill"] == skill]
    rows = rows.copy()
    rows["_flags"] = rows["flags"].map(flag_set) if "flags" in rows else [frozenset()] * len(rows)
    rows["_small"] = rows["_flags"].map(lambda f: "small_n" in f)
    rows["_partial"] = rows["_flags"].map(lambda f: "partial" in f)
    rows["_x"] = rows["period"].map(period_start)
    return rows.sort_values("_x")


def _date_range(rows: pd.DataFrame) -> str:
    if rows.empty:
        return "no data"
    periods = rows.sort_values("_x")["period"]
    return f"{periods.iloc[0]} to {periods.iloc[-1]}"


def _monthly_axis(rows: pd.DataFrame) -> pd.DatetimeIndex:
    """Every calendar month from the first to the last period, so missing months leave gaps."""
    if rows.empty:
        return pd.DatetimeIndex([])
    return pd.date_range(rows["_x"].min(), rows["_x"].max(), freq="MS")


def _smoothed_line(
    fam: pd.DataFrame, months: pd.DatetimeIndex, window: int, min_n: int | None
) -> pd.Series:
    """The pooled rolling share (per cent) of one family on the monthly axis, from
    :func:`analyzer.analyze.smooth`; windows whose pooled n is too small are gaps."""
    table = fam.reset_index(drop=True)[list(SHARE_COLUMNS)]
    rolled = smooth(table, window, min_n=min_n if min_n is not None else 1)
    rolled = rolled[~rolled["flags"].map(lambda f: "small_n" in flag_set(f))]
    values = pd.Series(rolled["share"].to_numpy(), index=rolled["period"].map(period_start))
    return values.reindex(months) * 100


def _footnote(fig: Figure, lines: Sequence[str]) -> None:
    """Write the source/definition footnote under the axes and keep the axes clear of it."""
    width_in, height_in = fig.get_size_inches()
    wrapped = [part for line in lines for part in textwrap.wrap(line, int(width_in * 15.5))]
    fig.text(0.01, 0.01, "\n".join(wrapped), ha="left", va="bottom", fontsize=7.5, color="#444444")
    bottom = (0.13 * len(wrapped) + 0.12) / height_in
    engine = fig.get_layout_engine()
    if isinstance(engine, ConstrainedLayoutEngine):
        # constrained layout takes rect as (left, bottom, width, height)
        engine.set(rect=(0, bottom, 1, 1 - bottom))


def share_trend(
    shares: pd.DataFrame,
    families: Sequence[str] = ("cloud", "containers", "ci_cd"),
    *,
    definition: str = "requires",
    denominator: str = "backend",
    source: str = "hn",
    reference: float | None = 0.75,
    window: int = 3,
    min_n: int | None = None,
    title: str | None = None,
    skill: str = "*",
) -> Figure:
    """The main chart: monthly share of roles requiring each family, intervals and sample sizes.

    Monthly shares are dots with their Wilson 95% interval as a band; a pooled ``window``-month
    rolling share is the labelled line; a dashed line marks ``reference`` (the "three-quarters"
    claim). The panel beneath shows the sample size ``n`` per month. Months flagged ``small_n`` are
    left out of the top panel (a gap, never a zero) and drawn grey beneath; months flagged
    ``partial`` are hollow dots and hatched bars.

    Args:
        shares: the tidy share table; monthly ``skill == "*"`` rows are used.
        families: the families to draw, in legend order.
        definition: ``requires``, ``requires_strict`` or ``involves``.
        denominator: ``backend``, ``broad`` or ``all``.
        source: the population the table describes (named in the footnote).
        reference: the reference share drawn dashed, or ``None``.
        window: months pooled by the smoothed line.
        min_n: the small-sample threshold, drawn in the n panel when given.
        title: overrides the default title.
        skill: ``*`` for whole families, or one skill of each family (a drill-down, e.g.
            ``families=["containers"], skill="Kubernetes"``).
    """
    rows = _select(
        shares, definition=definition, denominator=denominator, families=families, skill=skill
    )
    rows = rows[rows["period"].str.match(_MONTH)]
    months = _monthly_axis(rows)
    with mpl.rc_context(_NO_MATH):
        fig = Figure(figsize=(11, 6.8), layout="constrained")
        grid = fig.add_gridspec(2, 1, height_ratios=[4, 1.1])
        ax = fig.add_subplot(grid[0])
        ax_n = fig.add_subplot(grid[1], sharex=ax)
        for family in families:
            fam = rows[rows["family"] == family].set_index("_x")
            if fam.empty:
                continue
            color = FAMILY_COLORS.get(family, _GREY)
            label = _label(family, FAMILY_LABELS) if skill == "*" else skill
            shown = fam[~fam["_small"]].reindex(months)
            valid = shown["share"].notna().to_numpy()
            ax.fill_between(
                months,
                shown["ci_low"] * 100,
                shown["ci_high"] * 100,
                where=valid,
                color=color,
                alpha=0.15,
                linewidth=0,
                interpolate=False,
            )
            dots = shown.dropna(subset=["share"])
            full = dots[~dots["_partial"].astype(bool)]
            part = dots[dots["_partial"].astype(bool)]
            ax.scatter(full.index, full["share"] * 100, s=10, color=color, alpha=0.75, linewidths=0)
            ax.scatter(
                part.index,
                part["share"] * 100,
                s=14,
                facecolors="none",
                edgecolors=color,
                linewidths=0.9,
            )
            line = _smoothed_line(fam, months, window, min_n)
            ax.plot(
                months,
                line,
                color=color,
                linewidth=2.2,
                label=f"{label}: {window}-month rolling share",
            )
            last = line.dropna()
            if not last.empty:
                ax.annotate(
                    label,
                    (last.index[-1], last.iloc[-1]),
                    xytext=(6, 0),
                    textcoords="offset points",
                    color=color,
                    fontsize=9,
                    va="center",
                    fontweight="bold",
                )
        if reference is not None:
            ax.axhline(
                reference * 100,
                color=OKABE_ITO["black"],
                linestyle="--",
                linewidth=1.1,
                label=f"{reference:.0%} reference ('nearly three-quarters')",
            )
        ax.set_ylim(0, 100)
        ax.set_ylabel("share of postings (%)")
        ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(decimals=0))
        ax.grid(axis="y", color="#EEEEEE")
        ax.spines[["top", "right"]].set_visible(False)
        handles, _ = ax.get_legend_handles_labels()
        handles += [
            Patch(facecolor=_GREY, alpha=0.25, label="Wilson 95% interval of the month"),
            mpl.lines.Line2D(
                [], [], marker="o", linestyle="", color=_GREY, markersize=4, label="one month"
            ),
            mpl.lines.Line2D(
                [],
                [],
                marker="o",
                linestyle="",
                markerfacecolor="none",
                markeredgecolor=_GREY,
                markersize=4,
                label="partial month",
            ),
        ]
        ax.legend(handles=handles, loc="upper left", fontsize=8, frameon=False, ncol=2)
        ax.set_title(
            title
            or f"Share of {_label(denominator, DENOMINATOR_LABELS)} that require "
            + (", ".join(_label(f, FAMILY_LABELS) for f in families) if skill == "*" else skill),
            loc="left",
            fontsize=12,
            fontweight="bold",
        )
        _draw_n_panel(ax_n, rows, months, min_n)
        _footnote(
            fig,
            [
                f"Source: {_label(source, SOURCE_LABELS)}, {_date_range(rows)}, monthly. "
                f"Denominator: {_label(denominator, DENOMINATOR_LABELS)}.",
                f"Definition: {_label(definition, DEFINITION_LABELS)}. Months with too few "
                "postings are not plotted (gaps, not zeros); hollow dots and hatched bars are "
                "partial months.",
            ],
        )
    return fig


def _draw_n_panel(ax: Any, rows: pd.DataFrame, months: pd.DatetimeIndex, min_n: int | None) -> None:
    per_month = rows.groupby("_x").agg(
        n=("n", "max"), small=("_small", "any"), partial=("_partial", "any")
    )
    per_month = per_month.reindex(months).dropna(subset=["n"])
    width = 25  # days: one bar per month
    ok = per_month[~per_month["small"].astype(bool)]
    small = per_month[per_month["small"].astype(bool)]
    ax.bar(ok.index, ok["n"], width=width, color="#5A5A5A", label="postings in the denominator")
    ax.bar(small.index, small["n"], width=width, color=_LIGHT_GREY, label="too few: not plotted")
    part = per_month[per_month["partial"].astype(bool)]
    ax.bar(
        part.index,
        part["n"],
        width=width,
        facecolor="none",
        edgecolor="white",
        hatch="////",
        linewidth=0,
    )
    handles: list[Any] = [
        Patch(facecolor="#5A5A5A", label="postings in the denominator (n)"),
        Patch(facecolor=_LIGHT_GREY, label="too few postings: not plotted"),
        Patch(facecolor="#5A5A5A", edgecolor="white", hatch="////", label="partial month"),
    ]
    if min_n is not None:
        ax.axhline(min_n, color=_GREY, linestyle=":", linewidth=1)
        handles.append(
            mpl.lines.Line2D([], [], color=_GREY, linestyle=":", label=f"minimum n = {min_n}")
        )
    ax.set_ylabel("n (postings)")
    ax.spines[["top", "right"]].set_visible(False)
    ax.legend(
        handles=handles,
        loc="upper left",
        fontsize=7,
        frameon=False,
        ncol=4,
        bbox_to_anchor=(0, 1.25),
    )


def family_small_multiples(
    shares: pd.DataFrame,
    families: Sequence[str] | None = None,
    *,
    definition: str = "requires",
    denominator: str = "backend",
    source: str = "hn",
    reference: float | None = 0.75,
    window: int = 3,
    min_n: int | None = None,
    ncols: int = 3,
) -> Figure:
    """One small panel per family on a shared y-axis: monthly interval band and rolling share.

    Args:
        shares: the tidy share table; monthly ``skill == "*"`` rows are used.
        families: families to draw (default: every family present, in table order).
        definition: ``requires``, ``requires_strict`` or ``involves``.
        denominator: ``backend``, ``broad`` or ``all``.
        source: the population the table describes.
        reference: the reference share drawn dashed, or ``None``.
        window: months pooled by the smoothed line.
        min_n: windows whose pooled n is below this are not drawn.
        ncols: panels per row.
    """
    rows = _select(shares, definition=definition, denominator=denominator, families=families)
    rows = rows[rows["period"].str.match(_MONTH)]
    if families is None:
        families = list(dict.fromkeys(rows["family"]))
    months = _monthly_axis(rows)
    nrows = max(1, -(-len(families) // ncols))
    with mpl.rc_context(_NO_MATH):
        fig = Figure(figsize=(3.8 * ncols, 2.7 * nrows + 0.9), layout="constrained")
        axes = fig.subplots(nrows, ncols, sharex=True, sharey=True, squeeze=False).ravel()
        for ax, family in zip(axes, families, strict=False):
            fam = rows[rows["family"] == family].set_index("_x")
            color = FAMILY_COLORS.get(family, _GREY)
            shown = fam[~fam["_small"]].reindex(months)
            ax.fill_between(
                months,
                shown["ci_low"] * 100,
                shown["ci_high"] * 100,
                where=shown["share"].notna().to_numpy(),
                color=color,
                alpha=0.2,
                linewidth=0,
            )
            if not fam.empty:
                line = _smoothed_line(fam, months, window, min_n)
                ax.plot(months, line, color=color, linewidth=1.8)
            if reference is not None:
                ax.axhline(reference * 100, color="black", linestyle="--", linewidth=0.8)
            ax.set_title(
                _label(family, FAMILY_LABELS),
                loc="left",
                fontsize=10,
                color=color,
                fontweight="bold",
            )
            ax.set_ylim(0, 100)
            ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(decimals=0))
            ax.spines[["top", "right"]].set_visible(False)
            ax.grid(axis="y", color="#EEEEEE")
        for ax in axes[len(families) :]:
            ax.set_visible(False)
        fig.suptitle(
            f"Each skill family: share of {_label(denominator, DENOMINATOR_LABELS)} "
            f"that require it ({window}-month rolling, Wilson 95% band)",
            x=0.01,
            ha="left",
            fontsize=11,
            fontweight="bold",
        )
        fig.supylabel("share of postings (%)", fontsize=9)
        _footnote(
            fig,
            [
                f"Source: {_label(source, SOURCE_LABELS)}, {_date_range(rows)}. "
                f"Definition: {_label(definition, DEFINITION_LABELS)}.",
                "Band: monthly Wilson 95% interval; line: pooled rolling share; dashed: 75%. "
                "Months with too few postings are gaps.",
            ],
        )
    return fig


def skill_heatmap(
    shares: pd.DataFrame,
    *,
    definition: str = "requires",
    denominator: str = "backend",
    source: str = "hn",
    families: Sequence[str] | None = None,
    top: int = 25,
    granularity: str = "year",
) -> Figure:
    """A skill x period heatmap of shares (per cent), the ``top`` skills by overall share.

    Cells flagged ``small_n`` or absent are grey and hatched, never coloured as 0%.

    Args:
        shares: the tidy share table; rows with a real skill (not ``*``) are used.
        definition: ``requires``, ``requires_strict`` or ``involves``.
        denominator: ``backend``, ``broad`` or ``all``.
        source: the population the table describes.
        families: restrict to these families.
        top: how many skills to show (highest pooled share first).
        granularity: ``month``, ``quarter`` or ``year``: which period rows to use.
    """
    pattern = {"month": _MONTH, "quarter": _QUARTER, "year": _YEAR}[granularity]
    rows = _select(
        shares, definition=definition, denominator=denominator, families=families, skill=None
    )
    rows = rows[(rows["skill"] != "*") & rows["period"].str.match(pattern)]
    pooled = rows.groupby("skill")[["k", "n"]].sum()
    order = (pooled["k"] / pooled["n"].where(pooled["n"] > 0)).sort_values(ascending=False)
    skills = list(order.index[:top])
    periods = sorted(rows["period"].unique(), key=period_start)
    shown = rows[~rows["_small"] & rows["skill"].isin(skills)]
    grid = shown.pivot_table(index="skill", columns="period", values="share", aggfunc="first")
    grid = grid.reindex(index=skills, columns=periods) * 100
    family_of = rows.drop_duplicates("skill").set_index("skill")["family"]
    with mpl.rc_context(_NO_MATH):
        fig = Figure(
            figsize=(max(9.0, 0.55 * len(periods) + 4.5), max(3.5, 0.32 * len(skills) + 2.5)),
            layout="constrained",
        )
        ax = fig.add_subplot()
        ax.set_facecolor(_LIGHT_GREY)
        values = np.ma.masked_invalid(grid.to_numpy(dtype=float))
        image = ax.imshow(
            values,
            aspect="auto",
            cmap="cividis",
            vmin=0,
            vmax=max(
                1.0,
                float(np.nanmax(grid.to_numpy(dtype=float))) if grid.notna().any().any() else 1.0,
            ),
            interpolation="nearest",
        )
        missing = np.isnan(grid.to_numpy(dtype=float))
        if missing.any():
            ax.imshow(
                np.where(missing, 1.0, np.nan),
                aspect="auto",
                cmap=ListedColormap([_LIGHT_GREY]),
                interpolation="nearest",
            )
        ax.set_xticks(
            range(len(periods)), periods, rotation=90 if len(periods) > 12 else 0, fontsize=8
        )
        ax.set_yticks(
            range(len(skills)),
            [f"{s} ({_label(family_of.get(s, ''), FAMILY_LABELS)})" for s in skills],
            fontsize=8,
        )
        if len(periods) * len(skills) <= 400:
            for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
                if not np.isnan(value):
                    ax.text(
                        j,
                        i,
                        f"{value:.0f}",
                        ha="center",
                        va="center",
                        fontsize=6.5,
                        color="white" if value < 0.6 * float(np.nanmax(grid)) else "black",
                    )
        bar = fig.colorbar(image, ax=ax, shrink=0.8)
        bar.set_label("share of postings (%)")
        ax.set_title(
            f"Skills required by {granularity}: top {len(skills)} by overall share\n"
            f"in {_label(denominator, DENOMINATOR_LABELS)}",
            loc="left",
            fontsize=11,
            fontweight="bold",
        )
        _footnote(
            fig,
            [
                f"Source: {_label(source, SOURCE_LABELS)}, {_date_range(rows)}. "
                f"Definition: {_label(definition, DEFINITION_LABELS)}.",
                "Grey cells: no data or too few postings (not 0%).",
            ],
        )
    return fig


def cooccurrence_heatmap(
    cooccurrence: pd.DataFrame,
    *,
    periods: Sequence[str] | None = None,
    definition: str = "requires",
    denominator: str = "backend",
    source: str = "hn",
) -> Figure:
    """How often postings that require one family also require another (row -> column).

    Built from :func:`analyzer.analyze.cooccurrence` (long form: ``period, family_a, family_b,
    definition, denominator, n, k, ...``; ``k`` counts postings having both families, the diagonal
    a family alone). Counts are summed over ``periods``, and each cell is the conditional share
    ``k(a, b) / k(a, a)``: of the postings requiring the row's family, the share also requiring the
    column's.

    Args:
        cooccurrence: the long co-occurrence table.
        periods: the periods to pool (default: all in the table).
        definition: the level definition used for both families.
        denominator: the role population the postings come from.
        source: the population.
    """
    rows = cooccurrence[
        (cooccurrence["definition"] == definition) & (cooccurrence["denominator"] == denominator)
    ]
    if periods is not None:
        rows = rows[rows["period"].isin(list(periods))]
    pooled = rows.groupby(["family_a", "family_b"])["k"].sum()
    present = set(rows["family_a"]) | set(rows["family_b"])
    families = [f for f in FAMILY_LABELS if f in present] + sorted(present - set(FAMILY_LABELS))
    joint = pooled.unstack().reindex(index=families, columns=families).astype(float)
    alone = pd.Series(np.diag(joint.to_numpy()) if families else [], index=families, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        grid = joint.div(alone.where(alone > 0), axis=0) * 100
    for family in families:
        grid.loc[family, family] = np.nan
    used = sorted(rows["period"].unique(), key=period_start) if not rows.empty else []
    period_text = f"{used[0]} to {used[-1]}" if used else "no data"
    with mpl.rc_context(_NO_MATH):
        fig = Figure(figsize=(7.5, 6.4), layout="constrained")
        ax = fig.add_subplot()
        ax.set_facecolor(_LIGHT_GREY)
        image = ax.imshow(
            np.ma.masked_invalid(grid.to_numpy(dtype=float)), cmap="cividis", vmin=0, vmax=100
        )
        labels = [_label(f, FAMILY_LABELS) for f in families]
        ax.set_xticks(range(len(families)), labels, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(
            range(len(families)),
            [f"{lab} (n={int(n):,})" for lab, n in zip(labels, alone.fillna(0), strict=True)],
            fontsize=8,
        )
        values = grid.to_numpy(dtype=float)
        for (i, j), value in np.ndenumerate(values):
            if not np.isnan(value):
                ax.text(
                    j,
                    i,
                    f"{value:.0f}%",
                    ha="center",
                    va="center",
                    fontsize=8,
                    color="white" if value < 60 else "black",
                )
        ax.set_xlabel("... also require this family")
        ax.set_ylabel("Postings that require this family ...")
        fig.colorbar(image, ax=ax, shrink=0.8).set_label("share of the row's postings (%)")
        ax.set_title(
            "Do DevOps skills come together?\nCo-occurrence in "
            f"{_label(denominator, DENOMINATOR_LABELS)}",
            loc="left",
            fontsize=11,
            fontweight="bold",
        )
        _footnote(
            fig,
            [
                f"Source: {_label(source, SOURCE_LABELS)}, {period_text} pooled. "
                f"Definition: {_label(definition, DEFINITION_LABELS)}.",
                "Read a row: of the n postings requiring the row's family, the share that also "
                "require each column's family.",
            ],
        )
    return fig


def rising_falling(
    trends: pd.DataFrame,
    *,
    top: int = 8,
    definition: str = "requires",
    denominator: str = "backend",
    source: str = "hn",
    min_k: int = 20,
) -> Figure:
    """The skills rising and falling fastest, each with its 95% interval (a forest plot).

    Built from :func:`analyzer.analyze.skill_trends`: the logistic slope per skill becomes the
    odds ratio per year, ``exp(slope)``, drawn on a log axis (1 = no change). Only skills with a
    fitted trend and at least ``min_k`` postings counted are ranked.

    Args:
        trends: the trend table (``family, skill, definition, denominator, first_period,
            last_period, k, slope, ci_low, ci_high, direction``).
        top: how many rising and how many falling skills to show.
        definition: the level definition.
        denominator: the role population.
        source: the population.
        min_k: skills counted in fewer postings are left out (their trend is noise).
    """
    rows = trends[
        (trends["definition"] == definition)
        & (trends["denominator"] == denominator)
        & (trends["skill"] != "*")
        & (trends["direction"] != "insufficient")
        & (trends["k"] >= min_k)
    ].dropna(subset=["slope", "ci_low", "ci_high"])
    ranked = rows.sort_values("slope")
    rising = ranked[ranked["slope"] > 0].tail(top)
    falling = ranked[ranked["slope"] < 0].head(top)
    shown = pd.concat([falling, rising])
    span = (
        f"{rows['first_period'].min()} to {rows['last_period'].max()}"
        if not rows.empty
        else "no data"
    )
    with mpl.rc_context(_NO_MATH):
        fig = Figure(figsize=(8.5, max(3.2, 0.34 * len(shown) + 2.2)), layout="constrained")
        ax = fig.add_subplot()
        for y, row in enumerate(shown.itertuples()):
            color = OKABE_ITO["blue"] if row.slope > 0 else OKABE_ITO["vermillion"]
            estimate = float(np.exp(row.slope))
            low, high = float(np.exp(row.ci_low)), float(np.exp(row.ci_high))
            ax.errorbar(
                estimate,
                y,
                xerr=[[estimate - low], [high - estimate]],
                fmt="o",
                color=color,
                capsize=3,
                markersize=5,
            )
        ax.axvline(1, color="black", linewidth=0.8)
        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"×{v:g}"))
        ax.set_yticks(
            range(len(shown)),
            [f"{r.skill} ({_label(str(r.family), FAMILY_LABELS)})" for r in shown.itertuples()],
            fontsize=8,
        )
        ax.set_xlabel("change in the odds that a posting requires the skill, per year (log scale)")
        ax.spines[["top", "right"]].set_visible(False)
        ax.legend(
            handles=[
                Patch(color=OKABE_ITO["blue"], label="rising"),
                Patch(color=OKABE_ITO["vermillion"], label="falling"),
            ],
            loc="lower right",
            fontsize=8,
            frameon=False,
        )
        ax.set_title(
            f"Skills rising and falling fastest in {_label(denominator, DENOMINATOR_LABELS)}",
            loc="left",
            fontsize=11,
            fontweight="bold",
        )
        _footnote(
            fig,
            [
                f"Source: {_label(source, SOURCE_LABELS)}, {span}, monthly counts. Definition: "
                f"{_label(definition, DEFINITION_LABELS)}.",
                "Logistic regression of the share on time; dots: odds ratio per year, whiskers: "
                "95% interval (widened when months vary more than chance). A whisker crossing ×1 "
                "means "
                f"no clear change. Skills counted in fewer than {min_k} postings are left out.",
            ],
        )
    return fig


def save_figure(fig: Figure, stem: str | Path, *, dpi: int = 120) -> list[Path]:
    """Write ``fig`` as ``<stem>.png`` and ``<stem>.svg`` and return the two paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    params: Any = {**_NO_MATH, "svg.fonttype": "none", "svg.hashsalt": "analyzer"}
    with mpl.rc_context(params):
        for suffix in (".png", ".svg"):
            path = stem.with_suffix(suffix)
            fig.savefig(
                path, dpi=dpi, metadata={"Software": None} if suffix == ".png" else {"Date": None}
            )
            paths.append(path)
    return paths
