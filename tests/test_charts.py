"""Charts draw the right series from the tidy tables, leave gaps for small samples, and save."""

from __future__ import annotations

from pathlib import Path

import matplotlib.colors as mcolors
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure
from test_report_corpus import (
    MONTHS,
    PARTIAL_MONTH,
    SMALL_MONTH,
    coverage,
    synthetic_corpus,
    synthetic_shares,
)

from analyzer import charts
from analyzer.analyze import cooccurrence, posting_levels, skill_shares, skill_trends


@pytest.fixture(scope="module")
def shares() -> pd.DataFrame:
    return synthetic_shares()


@pytest.fixture(scope="module")
def levels() -> pd.DataFrame:
    return posting_levels(*synthetic_corpus())


def _scatter_points(ax, color: str) -> tuple[list[float], list[float]]:
    """x (matplotlib date numbers) and y of every scatter point drawn in ``color``."""
    xs, ys = [], []
    for coll in ax.collections:
        if not isinstance(coll, PathCollection) or not len(coll.get_offsets()):
            continue
        colors = list(coll.get_facecolors()) + list(coll.get_edgecolors())
        if any(np.allclose(c[:3], mcolors.to_rgb(color)) for c in colors):
            offsets = np.asarray(coll.get_offsets())
            xs += list(offsets[:, 0])
            ys += list(offsets[:, 1])
    return xs, ys


def test_main_chart_draws_every_month_except_small_ones(shares: pd.DataFrame) -> None:
    """Cloud dots exist for each month with enough postings; the small month is a gap, not 0."""
    fig = charts.share_trend(shares, min_n=30)
    assert isinstance(fig, Figure)
    ax, _ax_n = fig.axes[:2]
    xs, ys = _scatter_points(ax, charts.FAMILY_COLORS["cloud"])
    drawn = {str(np.datetime64(int(x), "D"))[:7] for x in xs}
    assert drawn == set(MONTHS) - {SMALL_MONTH}
    assert min(ys) > 5  # no zero standing in for missing data
    cloud = shares[
        (shares["family"] == "cloud")
        & (shares["skill"] == "*")
        & (shares["definition"] == "requires")
        & (shares["denominator"] == "backend")
    ].set_index("period")
    expected = sorted(100 * cloud.drop(index=SMALL_MONTH)["share"])
    assert sorted(ys) == pytest.approx(expected)


def test_main_chart_marks_partial_months_hollow(shares: pd.DataFrame) -> None:
    """The partial month is drawn as a hollow marker (no face colour), the others filled."""
    fig = charts.share_trend(shares, min_n=30)
    ax = fig.axes[0]
    hollow = [
        c
        for c in ax.collections
        if isinstance(c, PathCollection) and len(c.get_offsets()) and len(c.get_facecolors()) == 0
    ]
    months = {
        str(np.datetime64(int(x), "D"))[:7]
        for c in hollow
        for x in np.asarray(c.get_offsets())[:, 0]
    }
    assert months == {PARTIAL_MONTH}


def test_main_chart_has_reference_smoothed_line_and_n_panel(shares: pd.DataFrame) -> None:
    """A dashed 75% line, a labelled rolling line per family and one n bar per month with data."""
    fig = charts.share_trend(shares, min_n=30)
    ax, ax_n = fig.axes[:2]
    dashed = [ln for ln in ax.get_lines() if ln.get_linestyle() == "--"]
    assert len(dashed) == 1 and set(dashed[0].get_ydata()) == {75.0}
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    for name in ("Cloud", "Containers", "CI/CD"):
        assert f"{name}: 3-month rolling share" in labels
    rolling = [ln for ln in ax.get_lines() if ln.get_label().endswith("rolling share")]
    assert {ln.get_color() for ln in rolling} == {
        charts.FAMILY_COLORS[f] for f in ("cloud", "containers", "ci_cd")
    }
    cloud_line = next(ln for ln in rolling if ln.get_label().startswith("Cloud"))
    y = np.asarray(cloud_line.get_ydata(), dtype=float)
    assert np.isnan(y).sum() >= 12 * 5  # the 2018-2022 gap stays a gap
    heights = [p.get_height() for p in ax_n.patches if p.get_height() > 0]
    assert len(heights) >= len(MONTHS)
    assert ax_n.get_ylabel() == "n (postings)"


def test_main_chart_footnote_names_source_dates_and_definition(shares: pd.DataFrame) -> None:
    """The figure states its source, date range and definition in a footnote."""
    fig = charts.share_trend(shares, min_n=30)
    text = " ".join(t.get_text() for t in fig.texts)
    assert "Hacker News" in text
    assert f"{MONTHS[0]} to {MONTHS[-1]}" in text
    assert "qualification" in text and "duty" in text


def test_small_multiples_one_panel_per_family(shares: pd.DataFrame) -> None:
    """Each requested family gets its own titled panel; unused grid cells are hidden."""
    families = ["cloud", "containers", "ci_cd", "iac", "observability"]
    fig = charts.family_small_multiples(shares, families, min_n=30)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title(loc="left") for ax in visible] == [
        charts.FAMILY_LABELS[f] for f in families
    ]


def test_skill_heatmap_masks_small_months(levels: pd.DataFrame) -> None:
    """Monthly heatmap: the small month's cells are not coloured (masked), others are."""
    monthly = skill_shares(levels, definition="requires", min_n=30)
    fig = charts.skill_heatmap(monthly, granularity="month")
    image = fig.axes[0].images[0]
    data = image.get_array()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    column = labels.index(SMALL_MONTH)
    assert data.mask[:, column].all()
    assert not data.mask[:, labels.index("2017-06")].any()


def test_heatmap_with_mathtext_like_skill_names_renders(tmp_path: Path) -> None:
    """A skill named like mathtext ('PHP $_$') is drawn as text and saved without error."""
    frame = pd.DataFrame(
        {
            "period": ["2020", "2021"],
            "family": ["cloud", "cloud"],
            "skill": ["PHP $_$", "PHP $_$"],
            "definition": "requires",
            "denominator": "backend",
            "n": [100, 100],
            "k": [10, 20],
            "share": [0.1, 0.2],
            "ci_low": [0.05, 0.13],
            "ci_high": [0.17, 0.29],
            "flags": ["", ""],
        }
    )
    fig = charts.skill_heatmap(frame)
    paths = charts.save_figure(fig, tmp_path / "heat")
    assert "PHP $_$ (Cloud)" in [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert all(p.stat().st_size > 1000 for p in paths)


def test_cooccurrence_cells_are_conditional_shares(levels: pd.DataFrame) -> None:
    """Each cell is k(a,b) / k(a,a) pooled over the periods; the diagonal is left empty."""
    table = cooccurrence(levels, by="year", coverage=coverage())
    fig = charts.cooccurrence_heatmap(table)
    data = fig.axes[0].images[0].get_array()
    both = table[(table["family_a"] == "cloud") & (table["family_b"] == "containers")]["k"].sum()
    alone = table[(table["family_a"] == "cloud") & (table["family_b"] == "cloud")]["k"].sum()
    assert data[0, 1] == pytest.approx(100 * both / alone)
    assert data.mask[0, 0] and data.mask[1, 1]


def test_rising_falling_puts_designed_trends_on_the_right_side(levels: pd.DataFrame) -> None:
    """AWS (designed rising) is right of x1 in blue; Chef (designed falling) left in vermillion."""
    monthly = skill_shares(levels, definition="requires", min_n=30)
    fig = charts.rising_falling(skill_trends(monthly))
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert "AWS (Cloud)" in names and "Chef (Infrastructure as code)" in names
    points = {}
    for container in ax.containers:
        line = container.lines[0]
        x, y = line.get_xdata()[0], line.get_ydata()[0]
        points[names[round(y)]] = (x, line.get_color())
    assert points["AWS (Cloud)"][0] > 1 and points["AWS (Cloud)"][1] == charts.OKABE_ITO["blue"]
    chef = points["Chef (Infrastructure as code)"]
    assert chef[0] < 1 and chef[1] == charts.OKABE_ITO["vermillion"]


def test_save_figure_writes_png_and_svg(shares: pd.DataFrame, tmp_path: Path) -> None:
    """save_figure writes a real PNG and a real SVG beside each other."""
    png, svg = charts.save_figure(charts.share_trend(shares), tmp_path / "sub" / "main")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert "<svg" in svg.read_text(encoding="utf-8")


def test_charts_leave_no_pyplot_figures_open(shares: pd.DataFrame) -> None:
    """Charts are plain Figures: pyplot's global figure list stays empty (no leaks in loops)."""
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    charts.share_trend(shares)
    charts.family_small_multiples(shares)
    assert plt.get_fignums() == before


def test_period_start_and_flags_parsing() -> None:
    """Periods of all three shapes map to their first day; flags parse from strings and lists."""
    assert charts.period_start("2023-02") == pd.Timestamp(2023, 2, 1)
    assert charts.period_start("2023-Q3") == pd.Timestamp(2023, 7, 1)
    assert charts.period_start("2023") == pd.Timestamp(2023, 1, 1)
    with pytest.raises(ValueError):
        charts.period_start("2023-13-01")
    assert charts.flag_set("small_n;partial") == {"small_n", "partial"}
    assert charts.flag_set(["bootstrap"]) == {"bootstrap"}
    assert charts.flag_set(float("nan")) == frozenset()


def test_main_chart_drills_down_to_one_skill(shares: pd.DataFrame) -> None:
    """With skill='AWS' the chart draws the AWS rows, labelled with the skill's name."""
    fig = charts.share_trend(shares, ["cloud"], skill="AWS", min_n=30)
    ax = fig.axes[0]
    assert "AWS" in ax.get_title(loc="left")
    assert "AWS: 3-month rolling share" in [t.get_text() for t in ax.get_legend().get_texts()]
    _, ys = _scatter_points(ax, charts.FAMILY_COLORS["cloud"])
    aws = shares[
        (shares["skill"] == "AWS")
        & (shares["definition"] == "requires")
        & (shares["denominator"] == "backend")
        & (shares["period"] != SMALL_MONTH)
    ]
    assert sorted(ys) == pytest.approx(sorted(100 * aws["share"]))
