"""Tests of analyzer.claims: verdicts are computed from the numbers and move with the data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from test_analyze_support import Post, levels_of, trend_levels

from analyzer.claims import (
    CLAIM_COLUMNS,
    check_claims,
    check_convergence,
    check_three_quarters,
    check_trends,
    summarize_claims,
)


def _month(period: str, n: int, k_required: int, k_duty: int = 0) -> list[Post]:
    return (
        [
            Post(period, {"cloud:AWS": "required"}, company=f"{period}-r{i}")
            for i in range(k_required)
        ]
        + [Post(period, {"cloud:GCP": "duty"}, company=f"{period}-d{i}") for i in range(k_duty)]
        + [Post(period, {}, company=f"{period}-x{i}") for i in range(n - k_required - k_duty)]
    )


def _three_quarters_levels() -> pd.DataFrame:
    return levels_of(
        _month("2020-01", 100, 90)  # 0.90, Wilson 0.826..0.945: above
        + _month("2020-02", 100, 75)  # 0.75: consistent
        + _month("2020-03", 100, 30, k_duty=20)  # requires 0.50, strict 0.30: below
        + _month("2020-04", 5, 5)  # n=5: insufficient
    )


def test_three_quarters_verdict_per_period_from_the_interval() -> None:
    """Each month's verdict is below / consistent / above from its Wilson interval vs 0.75, and a
    month with too few postings is insufficient (never 'below' because of its zero-ish data)."""
    claims = check_three_quarters(_three_quarters_levels(), min_n=30)
    assert tuple(claims.columns) == CLAIM_COLUMNS
    req = claims[(claims["definition"] == "requires") & (claims["denominator"] == "backend")]
    verdicts = req.set_index("period")["verdict"].to_dict()
    assert verdicts == {
        "2020-01": "above",
        "2020-02": "consistent",
        "2020-03": "below",
        "2020-04": "insufficient",
        "overall": "consistent",  # 220/305 = 0.721, Wilson 0.669..0.768 holds 0.75
    }
    overall = req.set_index("period").loc["overall"]
    assert (overall["n"], overall["k"]) == (305, 220)
    # by hand: centre (0.72131 + 0.0062975) / 1.012595 = 0.71856, half 1.96 * 0.025873 / 1.012595
    assert (overall["ci_low"], overall["ci_high"]) == pytest.approx((0.66848, 0.76864), abs=5e-5)
    assert set(claims["definition"]) == {"requires", "requires_strict", "involves"}
    assert set(claims["denominator"]) == {"backend", "broad", "all"}
    strict = claims[
        (claims["definition"] == "requires_strict") & (claims["denominator"] == "backend")
    ]
    march = strict.set_index("period").loc["2020-03"]
    assert (march["n"], march["k"], march["verdict"]) == (100, 30, "below")
    assert "requires_strict = level required" in march["definitions"]
    assert "Wilson" in march["definitions"]


def test_three_quarters_verdict_changes_when_the_data_changes() -> None:
    """The verdict is computed: the same month flips from below to above with different data."""
    low = check_three_quarters(
        levels_of(_month("2021-01", 200, 60)), definition="requires", denominator="backend"
    )
    high = check_three_quarters(
        levels_of(_month("2021-01", 200, 190)), definition="requires", denominator="backend"
    )
    assert set(low["verdict"]) == {"below"}
    assert set(high["verdict"]) == {"above"}


def test_three_quarters_is_checked_per_source_group() -> None:
    """HN and GitHub postings get separate rows and verdicts, never one pooled share."""
    posts = _month("2020-01", 100, 90)
    posts += [Post("2020-01", {}, source="github", company=f"g{i}") for i in range(100)]
    claims = check_three_quarters(levels_of(posts), definition="requires", denominator="backend")
    overall = claims[claims["period"] == "overall"].set_index("source")
    assert overall.loc["hn", "verdict"] == "above"
    assert overall.loc["github", "verdict"] == "below"
    assert overall.loc["hn", "n"] == 100 and overall.loc["github", "n"] == 100


def test_trend_claims_find_the_synthetic_directions() -> None:
    """Containers drawn rising and CI/CD falling get those verdicts with the slope interval around
    the true slope; an untagged subject (Prometheus) says not_tagged instead of 'flat'."""
    levels = trend_levels({"containers:Docker": 0.3, "ci_cd:Jenkins": -0.3, "iac:Terraform": 0.0})
    claims = check_trends(levels, definition="requires", denominator="backend")
    trend = claims[claims["statistic"] == "log_odds_per_year"].set_index("subject")
    assert trend.loc["containers", "verdict"] == "rising"
    assert trend.loc["containers", "est_low"] < 0.3 < trend.loc["containers", "est_high"]
    assert trend.loc["ci_cd", "verdict"] == "falling"
    assert trend.loc["iac:Terraform", "verdict"] == "flat"
    assert trend.loc["observability:Prometheus", "verdict"] == "not_tagged"
    assert trend.loc["containers", "period"] == "2012-01..2021-12"
    yearly = claims[(claims["subject"] == "containers") & (claims["statistic"] == "share")]
    assert list(yearly["period"]) == [str(y) for y in range(2012, 2022)]
    assert yearly["share"].iloc[-1] > yearly["share"].iloc[0]
    assert "logistic regression" in trend.loc["containers", "definitions"]


def test_convergence_rises_when_families_co_occur_more() -> None:
    """Two families each rising make '>=2 devops families' rise; the claim reports it."""
    levels = trend_levels({"cloud": 0.4, "containers": 0.4}, base_logit=-0.5)
    claims = check_convergence(levels, definition="requires")
    trend = claims[claims["statistic"] == "log_odds_per_year"].set_index("subject")
    assert trend.loc[">=2 devops families", "verdict"] == "rising"
    assert trend.loc["cloud+containers", "verdict"] == "rising"
    assert trend.loc["ci_cd+iac", "verdict"] == "insufficient"
    yearly = claims[(claims["subject"] == ">=2 devops families") & (claims["statistic"] == "share")]
    # k of '>=2 families' equals k of cloud+containers: the only two families present
    pair = claims[(claims["subject"] == "cloud+containers") & (claims["statistic"] == "share")]
    assert yearly["k"].tolist() == pair["k"].tolist()


def test_check_claims_and_headlines() -> None:
    """check_claims covers every claim; summarize_claims gives one sentence each with numbers."""
    levels = trend_levels({"cloud:AWS": 0.0, "containers:Docker": 0.3}, n_months=36, per_month=60)
    claims = check_claims(levels)
    assert set(claims["claim"]) == {
        "three_quarters_cloud",
        "containers_rising",
        "ci_cd_rising",
        "observability_rising",
        "iac_rising",
        "ml_ops_rising",
        "backend_devops_converging",
    }
    assert (
        claims["verdict"]
        .isin(
            [
                "below",
                "consistent",
                "above",
                "insufficient",
                "rising",
                "falling",
                "flat",
                "not_tagged",
                "",
            ]
        )
        .all()
    )
    heads = summarize_claims(claims).set_index(["claim", "subject"])
    three = heads.loc[("three_quarters_cloud", "cloud")]
    assert three["verdict"] == "below"
    assert "36 below" in three["sentence"] and "n=2,160" in three["sentence"]
    assert "rising" in heads.loc[("containers_rising", "containers:Docker"), "sentence"]


def test_trend_rows_can_leave_partial_months_out() -> None:
    """drop_partial removes months the coverage marks partial from the regression's n."""
    levels = trend_levels({"containers": 0.3}, n_months=24, per_month=50)
    coverage = pd.DataFrame({"period": sorted(levels["period"].unique())})
    coverage["partial"] = np.arange(len(coverage)) < 6
    kept = check_trends(levels, definition="requires", denominator="backend", coverage=coverage)
    dropped = check_trends(
        levels, definition="requires", denominator="backend", coverage=coverage, drop_partial=True
    )
    row = lambda c: c[(c["subject"] == "containers") & (c["statistic"] != "share")].iloc[0]  # noqa: E731
    assert row(kept)["n"] == 1200 and row(dropped)["n"] == 900
    assert row(dropped)["flags"] == "partial_dropped"
    assert row(dropped)["period"].startswith("2012-07")


@pytest.mark.parametrize("bad", [{"definition": "needs"}, {"denominator": "everyone"}])
def test_claim_options_are_validated(bad: dict[str, str]) -> None:
    """Unknown definitions or denominators are refused by name."""
    from analyzer.errors import ConfigError

    with pytest.raises(ConfigError):
        check_three_quarters(_three_quarters_levels(), **bad)  # type: ignore[arg-type]
