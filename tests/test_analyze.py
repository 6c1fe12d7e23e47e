"""Tests of analyzer.analyze against hand-computed values on small synthetic frames."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_analyze_support import VERSION, Post, frames, levels_of, months, trend_levels

from analyzer.analyze import (
    SHARE_COLUMNS,
    compare_sources,
    compare_sources_wide,
    cooccurrence,
    hn_coverage,
    latest_tagger_version,
    logistic_trend,
    period_label,
    posting_levels,
    skill_shares,
    skill_trends,
    smooth,
    wilson_interval,
)
from analyzer.errors import ConfigError, InputError
from analyzer.models import FAMILIES

# ----------------------------------------------------------------------------------- Wilson


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        # 7/10: p=.7, z^2=3.8415; centre=(.7+.19207)/1.38415=.64449, half=.24771
        (7, 10, 0.39677, 0.89222),
        # 0/10: centre = half = .19207/1.38415 = .13877, so (0, .27753)
        (0, 10, 0.0, 0.27753),
        (10, 10, 0.72247, 1.0),
        # 50/100: centre .5, half = 1.96*sqrt(.0025+.000096)/1.038415 = .09617
        (50, 100, 0.40383, 0.59617),
        (1, 1, 0.20655, 1.0),
    ],
)
def test_wilson_matches_hand_computed_bounds(k: int, n: int, low: float, high: float) -> None:
    """Wilson 95% bounds equal the values computed by hand from the score formula."""
    lo, hi = wilson_interval(k, n)
    assert float(lo) == pytest.approx(low, abs=5e-5)
    assert float(hi) == pytest.approx(high, abs=5e-5)


def test_wilson_empty_sample_is_the_whole_unit_interval() -> None:
    """k=0, n=0 gives (0, 1): nothing is known, and no division error."""
    lo, hi = wilson_interval(np.array([0, 3]), np.array([0, 4]))
    assert (float(lo[0]), float(hi[0])) == (0.0, 1.0)
    assert 0 < lo[1] < 0.75 < hi[1] < 1


def test_wilson_rejects_k_above_n() -> None:
    """k > n or k < 0 is an input error, not a silent NaN."""
    with pytest.raises(InputError):
        wilson_interval(5, 4)
    with pytest.raises(InputError):
        wilson_interval(-1, 4)


# ----------------------------------------------------------------------------------- periods


def test_period_labels_for_each_pooling() -> None:
    """A month maps to itself, its quarter YYYY-Qn, its year YYYY and 'all'."""
    assert period_label("2019-07", "month") == "2019-07"
    assert period_label("2019-07", "quarter") == "2019-Q3"
    assert period_label("2019-12", "quarter") == "2019-Q4"
    assert period_label("2019-01", "year") == "2019"
    assert period_label("2019-01", "all") == "all"
    with pytest.raises(InputError):
        period_label("2019-13", "month")
    with pytest.raises(ConfigError):
        period_label("2019-01", "week")  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------- levels


def test_posting_level_is_the_strongest_tag_and_absent_otherwise() -> None:
    """A family's level is its strongest tag (required beats stack); untagged families are absent."""
    levels = levels_of(
        [
            Post(
                "2020-01", {"cloud:AWS": "stack", "cloud:GCP": "required", "ci_cd:Jenkins": "duty"}
            ),
            Post("2020-01", {"cloud:AWS": "preferred"}),
            Post("2020-02", {}),
        ]
    )
    assert list(levels["cloud"].astype(str)) == ["required", "preferred", "absent"]
    assert list(levels["cloud:AWS"].astype(str)) == ["stack", "preferred", "absent"]
    assert list(levels["cloud:GCP"].astype(str)) == ["required", "absent", "absent"]
    assert list(levels["ci_cd"].astype(str)) == ["duty", "absent", "absent"]
    assert all(f in levels.columns for f in FAMILIES)
    assert set(levels["tagger_version"]) == {VERSION}


def test_posting_levels_uses_one_version_latest_by_default() -> None:
    """Tags of another tagger version never leak in; the default is the latest (v10 after v9)."""
    posts = [Post("2020-01", {"cloud:AWS": "required"}), Post("2020-01", {})]
    p9, a9, t9 = frames(posts, version="keywords.v9")
    _, a10, t10 = frames(
        [Post("2020-01", {}), Post("2020-01", {"containers:Docker": "duty"})],
        version="keywords.v10",
    )
    ann, tags = pd.concat([a9, a10]), pd.concat([t9, t10])
    assert latest_tagger_version(ann) == "keywords.v10"
    latest = posting_levels(p9, ann, tags)
    assert list(latest["cloud"].astype(str)) == ["absent", "absent"]
    assert list(latest["containers"].astype(str)) == ["absent", "duty"]
    old = posting_levels(p9, ann, tags, tagger_version="keywords.v9")
    assert list(old["cloud"].astype(str)) == ["required", "absent"]
    assert "containers:Docker" not in old.columns
    with pytest.raises(InputError, match=r"keywords\.v3"):
        posting_levels(p9, ann, tags, tagger_version="keywords.v3")


def test_untagged_postings_are_left_out() -> None:
    """Postings without an annotation of the chosen version are not counted as 'absent'."""
    postings, ann, tags = frames([Post("2020-01", {"cloud:AWS": "required"}), Post("2020-01")])
    levels = posting_levels(postings, ann.iloc[:1], tags)
    assert list(levels["posting_id"]) == ["hn:0"]


def test_unknown_level_in_tags_is_refused() -> None:
    """A tag with a level outside LEVELS is an input error."""
    postings, ann, tags = frames([Post("2020-01", {"cloud:AWS": "required"})])
    tags.loc[0, "level"] = "mandatory"
    with pytest.raises(InputError, match="mandatory"):
        posting_levels(postings, ann, tags)


# ----------------------------------------------------------------------------------- shares


def _small_levels() -> pd.DataFrame:
    return levels_of(
        [
            Post("2020-01", {"cloud:AWS": "required"}, roles=["backend"]),
            Post("2020-01", {"cloud:GCP": "duty"}, roles=["fullstack", "frontend"]),
            Post("2020-01", {"cloud:AWS": "preferred"}, roles=["backend"]),
            Post("2020-01", {"cloud:AWS": "required"}, roles=["generic_swe"]),
            Post("2020-01", {}, roles=["frontend"]),
            Post("2020-01", {"cloud:AWS": "required"}, roles=[], is_job=False),
        ]
    )


def test_shares_counts_by_definition_and_denominator() -> None:
    """n and k follow the definitions (required|duty, required, any) and denominators by hand."""
    shares = skill_shares(
        _small_levels(),
        definition=["requires", "requires_strict", "involves"],
        denominator=["backend", "broad", "all"],
        families=["cloud"],
        min_n=1,
    )
    assert tuple(shares.columns) == SHARE_COLUMNS
    fam = shares[shares["skill"] == "*"].set_index(["definition", "denominator"])
    expected = {
        ("requires", "backend"): (3, 2),
        ("requires", "broad"): (4, 3),
        ("requires", "all"): (5, 3),
        ("requires_strict", "backend"): (3, 1),
        ("requires_strict", "all"): (5, 2),
        ("involves", "backend"): (3, 3),
        ("involves", "all"): (5, 4),
    }
    for key, (n, k) in expected.items():
        assert (fam.loc[key, "n"], fam.loc[key, "k"]) == (n, k), key
    aws = shares[(shares["skill"] == "AWS") & (shares["definition"] == "requires")]
    assert aws.set_index("denominator").loc["backend", "k"] == 1
    row = fam.loc[("requires", "backend")]
    lo, hi = wilson_interval(2, 3)
    assert (row["share"], row["ci_low"], row["ci_high"]) == pytest.approx((2 / 3, lo, hi))


def test_small_n_is_flagged_and_empty_periods_are_not_zero() -> None:
    """A period below min_n is flagged small_n; an empty denominator gives NaN share, never 0."""
    levels = levels_of(
        [Post("2020-01", {"cloud:AWS": "required"})] * 3 + [Post("2020-02", {}, roles=["frontend"])]
    )
    shares = skill_shares(levels, families=["cloud"], skills=False, min_n=3).set_index("period")
    assert shares.loc["2020-01", "flags"] == ""
    assert shares.loc["2020-01", "share"] == 1.0
    feb = shares.loc["2020-02"]
    assert feb["n"] == 0 and feb["flags"] == "small_n"
    assert np.isnan(feb["share"])
    assert (feb["ci_low"], feb["ci_high"]) == (0.0, 1.0)
    flagged = skill_shares(levels, families=["cloud"], skills=False, min_n=4)
    assert flagged.set_index("period").loc["2020-01", "flags"] == "small_n"


def test_quarter_and_year_pooling_sums_counts() -> None:
    """Quarter and year rows pool the months' n and k; labels are YYYY-Qn and YYYY."""
    posts = (
        [Post("2020-01", {"cloud:AWS": "required"})] * 2
        + [Post("2020-02", {})] * 3
        + [Post("2020-04", {"cloud:AWS": "duty"})] * 4
        + [Post("2021-12", {})]
    )
    levels = levels_of(posts)
    q = skill_shares(levels, by="quarter", skills=False, families=["cloud"], min_n=1)
    assert q.set_index("period")[["n", "k"]].to_dict("index") == {
        "2020-Q1": {"n": 5, "k": 2},
        "2020-Q2": {"n": 4, "k": 4},
        "2021-Q4": {"n": 1, "k": 0},
    }
    y = skill_shares(levels, by="year", skills=False, families=["cloud"], min_n=1)
    assert y.set_index("period")[["n", "k"]].to_dict("index") == {
        "2020": {"n": 9, "k": 6},
        "2021": {"n": 1, "k": 0},
    }


def test_partial_periods_are_marked_from_coverage() -> None:
    """Months marked partial, and pooled periods holding a partial or unlisted month, are flagged."""
    levels = levels_of([Post(m, {"cloud:AWS": "required"}) for m in months("2019-01", 6)] * 2)
    coverage = pd.DataFrame(
        {"period": months("2019-01", 6), "partial": [False, True, False, False, False, False]}
    )
    monthly = skill_shares(levels, skills=False, families=["cloud"], min_n=1, coverage=coverage)
    flags = monthly.set_index("period")["flags"]
    assert flags["2019-02"] == "partial"
    assert flags["2019-03"] == ""
    quarterly = skill_shares(
        levels, by="quarter", skills=False, families=["cloud"], min_n=1, coverage=coverage
    ).set_index("period")["flags"]
    assert quarterly["2019-Q1"] == "partial"
    assert quarterly["2019-Q2"] == ""
    yearly = skill_shares(
        levels, by="year", skills=False, families=["cloud"], min_n=1, coverage=coverage
    ).set_index("period")["flags"]
    assert yearly["2019"] == "partial"  # July..December are not listed
    counts = pd.DataFrame(
        {"month": ["2019-01", "2019-02"], "expected": [100, 100], "observed": [100, 40]}
    )
    by_counts = skill_shares(levels, skills=False, families=["cloud"], min_n=1, coverage=counts)
    assert by_counts.set_index("period")["flags"]["2019-02"] == "partial"


def test_mixed_tagger_versions_are_refused() -> None:
    """Levels holding two tagger versions cannot be turned into shares."""
    levels = _small_levels()
    levels.loc[0, "tagger_version"] = "keywords.v0"
    with pytest.raises(InputError, match="tagger versions"):
        skill_shares(levels)


def test_sources_are_never_pooled_silently() -> None:
    """hn and github levels together are refused; ATS boards form one group; pooling is opt-in."""
    levels = levels_of(
        [
            Post("2020-01", {"cloud:AWS": "required"}, source="hn"),
            Post("2020-01", {}, source="github"),
        ]
    )
    with pytest.raises(InputError, match="github, hn"):
        skill_shares(levels)
    pooled = skill_shares(levels, pool_sources=True, skills=False, families=["cloud"], min_n=1)
    assert pooled.loc[0, "n"] == 2
    ats = levels_of([Post("2020-01", source="greenhouse"), Post("2020-01", source="lever")])
    assert skill_shares(ats, skills=False, min_n=1)["n"].iloc[0] == 2


def test_unknown_options_are_config_errors() -> None:
    """An unknown definition, denominator or family is a ConfigError naming the choices."""
    levels = _small_levels()
    with pytest.raises(ConfigError, match="requires_strict"):
        skill_shares(levels, definition="needs")
    with pytest.raises(ConfigError):
        skill_shares(levels, denominator="backend_only")
    with pytest.raises(ConfigError):
        skill_shares(levels, families=["kubernetes"])
    with pytest.raises(InputError, match="Kubernetes"):
        skill_shares(levels, skills=["Kubernetes"])


def test_skill_selection_by_name() -> None:
    """skills=[...] picks canonical skills by name; the family row stays."""
    shares = skill_shares(_small_levels(), families=["cloud"], skills=["aws"], min_n=1)
    assert sorted(shares["skill"].unique()) == ["*", "AWS"]


# ----------------------------------------------------------------------------------- bootstrap


def _clustered_levels() -> pd.DataFrame:
    posts = []
    for c in range(10):
        tags = {"cloud:AWS": "required"} if c < 5 else {}
        posts += [Post("2020-01", tags, company=f"Company {c}")] * 10
    return levels_of(posts)


def test_cluster_bootstrap_widens_interval_for_clustered_companies() -> None:
    """10 companies x 10 postings, 5 all-yes: resampling companies gives ~Binomial(10,.5)/10, so
    the 95% interval is 0.2..0.8, far wider than Wilson's 0.40..0.60 for 50/100."""
    shares = skill_shares(
        _clustered_levels(), families=["cloud"], skills=False, bootstrap=4000, seed=7
    ).iloc[0]
    assert (shares["n"], shares["k"]) == (100, 50)
    assert shares["ci_low"] == pytest.approx(0.2, abs=1e-9)
    assert shares["ci_high"] == pytest.approx(0.8, abs=1e-9)
    assert shares["flags"] == "bootstrap"
    again = skill_shares(
        _clustered_levels(), families=["cloud"], skills=False, bootstrap=4000, seed=7
    ).iloc[0]
    assert (again["ci_low"], again["ci_high"]) == (shares["ci_low"], shares["ci_high"])


def test_bootstrap_with_one_posting_per_company_stays_near_wilson() -> None:
    """With singleton companies the cluster bootstrap is the plain bootstrap: close to Wilson."""
    posts = [
        Post("2020-01", {"cloud:AWS": "required"} if i < 30 else {}, company=f"c{i}")
        for i in range(100)
    ]
    row = skill_shares(levels_of(posts), families=["cloud"], skills=False, bootstrap=2000).iloc[0]
    lo, hi = wilson_interval(30, 100)
    assert row["ci_low"] <= lo + 1e-12 and row["ci_high"] >= hi - 1e-12
    assert row["ci_low"] == pytest.approx(float(lo), abs=0.03)
    assert row["ci_high"] == pytest.approx(float(hi), abs=0.03)


def test_missing_company_counts_each_posting_as_its_own_cluster() -> None:
    """Postings without a company are not lumped into one giant 'None' company."""
    posts = [Post("2020-01", {"cloud:AWS": "required"} if i < 50 else {}) for i in range(100)]
    row = skill_shares(levels_of(posts), families=["cloud"], skills=False, bootstrap=2000).iloc[0]
    assert row["ci_high"] - row["ci_low"] < 0.25


# ----------------------------------------------------------------------------------- smoothing


def test_rolling_three_months_pools_counts_and_labels_rows() -> None:
    """A 3-month row pools k and n of the window; windows cut by the start or a gap are partial."""
    spec = {"2020-01": (10, 2), "2020-02": (20, 10), "2020-03": (30, 3), "2020-05": (10, 10)}
    posts = []
    for month, (n, k) in spec.items():
        posts += [Post(month, {"cloud:AWS": "required"})] * k + [Post(month)] * (n - k)
    monthly = skill_shares(levels_of(posts), families=["cloud"], skills=False, min_n=1)
    smoothed = smooth(monthly, 3, min_n=1).set_index("period")
    assert tuple(smoothed.reset_index().columns) == SHARE_COLUMNS
    assert list(smoothed.index) == ["2020-01", "2020-02", "2020-03", "2020-05"]
    assert (smoothed.loc["2020-03", "n"], smoothed.loc["2020-03", "k"]) == (60, 15)
    assert smoothed.loc["2020-03", "flags"] == "rolling_3m"
    assert smoothed.loc["2020-01", "flags"] == "rolling_3m;partial"
    # 2020-05 pools 03 (30, 3), the missing 04, and 05 (10, 10)
    assert (smoothed.loc["2020-05", "n"], smoothed.loc["2020-05", "k"]) == (40, 13)
    assert "partial" in smoothed.loc["2020-05", "flags"]
    lo, hi = wilson_interval(15, 60)
    assert (smoothed.loc["2020-03", "ci_low"], smoothed.loc["2020-03", "ci_high"]) == pytest.approx(
        (float(lo), float(hi))
    )
    with pytest.raises(InputError):
        smooth(skill_shares(levels_of(posts), by="quarter", min_n=1), 3)


# ----------------------------------------------------------------------------------- trends


def test_logistic_trend_two_periods_matches_hand_computation() -> None:
    """Two periods one year apart: slope = logit(.4) - logit(.2) = 0.98083, SE =
    sqrt(1/(100*.2*.8) + 1/(100*.4*.6)) = 0.32275."""
    fit = logistic_trend([2000.0, 2001.0], [20, 40], [100, 100])
    assert fit.converged
    assert fit.slope == pytest.approx(0.980829, abs=1e-6)
    assert fit.se == pytest.approx(0.322749, abs=1e-6)
    assert fit.ci_low == pytest.approx(0.980829 - 1.959964 * 0.322749, abs=1e-5)
    assert fit.direction == "rising"


def test_logistic_trend_recovers_a_known_slope() -> None:
    """Synthetic binomial data with slope 0.3/year: the interval holds 0.3, the fit says rising,
    and the dispersion is near 1 (no inflation needed)."""
    rng = np.random.default_rng(3)
    t = np.arange(120) / 12.0
    n = np.full(120, 300)
    k = rng.binomial(n, 1 / (1 + np.exp(-(-1.0 + 0.3 * (t - 5)))))
    fit = logistic_trend(2010 + t, k, n)
    assert fit.ci_low < 0.3 < fit.ci_high
    assert fit.ci_high - fit.ci_low < 0.05
    assert fit.direction == "rising"
    assert 0.7 < fit.dispersion < 1.4
    falling = logistic_trend(2010 + t, rng.binomial(n, 1 / (1 + np.exp(0.2 * (t - 5)))), n)
    assert falling.direction == "falling"
    flat = logistic_trend(2010 + t, rng.binomial(n, 0.3), n)
    assert flat.ci_low < 0 < flat.ci_high and flat.direction == "flat"


def test_overdispersion_inflates_the_standard_error() -> None:
    """Month-to-month noise beyond binomial (beta-binomial) gives phi >> 1 and an SE inflated by
    sqrt(phi) compared with the plain binomial SE."""
    rng = np.random.default_rng(5)
    t = np.arange(60) / 12.0
    n = np.full(60, 500)
    p = rng.beta(20, 60, size=60)  # mean .25, strong extra variation between months
    k = rng.binomial(n, p)
    fit = logistic_trend(t, k, n)
    assert fit.dispersion > 3
    assert fit.dispersion_p < 0.001
    # the binomial-only SE: refit without inflation from the same pieces
    x = t - fit.centre
    q = 1 / (1 + np.exp(-(fit.intercept + fit.slope * x)))
    w = n * q * (1 - q)
    info = np.array([[w.sum(), (w * x).sum()], [(w * x).sum(), (w * x * x).sum()]])
    plain_se = float(np.sqrt(np.linalg.inv(info)[1, 1]))
    assert fit.se == pytest.approx(plain_se * np.sqrt(fit.dispersion), rel=1e-6)


def test_logistic_trend_without_events_is_insufficient() -> None:
    """All-zero counts cannot be fitted: direction 'insufficient', not 'flat'."""
    fit = logistic_trend([1.0, 2.0, 3.0], [0, 0, 0], [10, 10, 10])
    assert not fit.converged and fit.direction == "insufficient"


def test_skill_trends_on_synthetic_levels() -> None:
    """skill_trends finds the rising, falling and flat subjects a synthetic corpus was drawn with."""
    levels = trend_levels({"containers:Docker": 0.25, "ci_cd:Jenkins": -0.25, "cloud:AWS": 0.0})
    trends = skill_trends(skill_shares(levels)).set_index(["family", "skill"])
    assert trends.loc[("containers", "Docker"), "direction"] == "rising"
    assert (
        trends.loc[("containers", "Docker"), "ci_low"]
        < 0.25
        < trends.loc[("containers", "Docker"), "ci_high"]
    )
    assert trends.loc[("ci_cd", "Jenkins"), "direction"] == "falling"
    assert trends.loc[("cloud", "AWS"), "direction"] == "flat"
    assert trends.loc[("iac", "*"), "direction"] == "insufficient"
    assert trends.loc[("containers", "Docker"), "n"] == 24000


# ----------------------------------------------------------------------------------- comparison


def test_compare_sources_keeps_groups_apart_and_names_populations() -> None:
    """Each source group gets its own share with its own n and a population description."""
    levels = levels_of(
        [Post("2020-01", {"cloud:AWS": "required"}, source="hn")] * 2
        + [Post("2020-01", source="hn")] * 2
        + [Post("2024-05", {"cloud:AWS": "required"}, source="greenhouse")] * 3
        + [Post("2024-06", {"cloud:AWS": "duty"}, source="lever")]
        + [Post("2024-06", {"cloud:AWS": "stack"}, source="github")] * 5
    )
    table = compare_sources(levels, families=["cloud"], min_n=1)
    fam = table[table["skill"] == "*"].set_index("source")
    assert list(fam.index) == ["hn", "ats", "github"]
    assert fam.loc["hn", ["n", "k"]].tolist() == [4, 2]
    assert fam.loc["ats", ["n", "k"]].tolist() == [4, 4]
    assert fam.loc["github", ["n", "k"]].tolist() == [5, 0]
    assert "Hacker News" in fam.loc["hn", "population"]
    assert "Brazil" in fam.loc["github", "population"]
    assert (fam.loc["ats", "first_period"], fam.loc["ats", "last_period"]) == ("2024-05", "2024-06")
    wide = compare_sources_wide(table)
    assert {"hn share", "ats n", "github ci"} <= set(wide.columns)
    since = compare_sources(levels, families=["cloud"], since="2024-01", min_n=1)
    assert "hn" not in set(since["source"])


def test_cooccurrence_is_symmetric_with_hand_counts() -> None:
    """Pair shares count postings having both families; the matrix is symmetric."""
    levels = levels_of(
        [Post("2020-01", {"cloud:AWS": "required", "containers:Docker": "required"})] * 3
        + [Post("2020-01", {"cloud:AWS": "required"})] * 2
        + [Post("2020-01", {"containers:Docker": "stack"})]
    )
    co = cooccurrence(levels, families=["cloud", "containers"], min_n=1)
    pairs = co.set_index(["family_a", "family_b"])
    assert pairs.loc[("cloud", "containers"), "k"] == 3
    assert pairs.loc[("containers", "cloud"), "k"] == 3
    assert pairs.loc[("cloud", "cloud"), "k"] == 5
    assert pairs.loc[("containers", "containers"), "k"] == 3
    assert set(pairs["n"]) == {6}
    involves = cooccurrence(levels, families=["cloud", "containers"], definition="involves")
    assert involves.set_index(["family_a", "family_b"]).loc[("containers", "containers"), "k"] == 4


# ----------------------------------------------------------------------------------- coverage


def test_hn_coverage_marks_first_page_months_and_the_open_month() -> None:
    """Months captured only by first-page sources are partial; so is the month of as_of."""
    tsv = pd.DataFrame(
        {
            "month": ["2018-06", "2018-07", "2026-09", "2026-10"],
            "top_level_comments": [668, 176, 255, 185],
            "from": [
                "demircancelebi:146,gouldie:1,kennytilton:521",
                "gouldie:176",
                "gantrydev:255",
                "gantrydev:185",
            ],
        }
    )
    cov = hn_coverage(tsv, as_of="2026-10-03T12:00:00Z").set_index("period")["partial"]
    assert cov.to_dict() == {"2018-06": False, "2018-07": True, "2026-09": False, "2026-10": True}


@pytest.mark.corpus
def test_hn_coverage_of_the_real_corpus(shared_data) -> None:  # type: ignore[no-untyped-def]
    """On the real coverage.tsv: 2018-07..2020-12 (29 months, 2019-07 missing) are first-page-only
    partial months, plus the in-progress 2026-10."""
    tsv = pd.read_csv(shared_data / "hn" / "coverage.tsv", sep="\t", dtype={"month": str})
    cov = hn_coverage(tsv, as_of="2026-10-03")
    partial = sorted(cov.loc[cov["partial"], "period"])
    expected = [m for m in months("2018-07", 30) if m != "2019-07"] + ["2026-10"]
    assert partial == expected
    assert len(cov) == 123
