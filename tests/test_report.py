"""`analyzer report` end to end on a small store: files, tidy tables, the answer, escaping."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from test_report_corpus import (
    HOSTILE_COMPANY,
    HOSTILE_TITLE,
    MONTHS,
    SMALL_MONTH,
    TAGGER,
    build_store,
    synthetic_corpus,
)

from analyzer.cli import main
from analyzer.errors import InputError
from analyzer.report import SHARES_COLUMNS, write_report
from analyzer.store import open_store

PERIOD = re.compile(r"^(\d{4}-\d{2}|\d{4}-Q[1-4]|\d{4})$")


def _add_github_postings(root: Path) -> None:
    """A second source in the same store: every github posting requires cloud."""
    postings, annotations, _ = synthetic_corpus(seed=11)
    postings = postings.head(120).assign(
        source="github", source_id=lambda d: "acme/jobs#" + d["source_id"]
    )
    postings["posting_id"] = "github:" + postings["source_id"]
    annotations = annotations.head(120).assign(
        source="github", posting_id=postings["posting_id"].to_numpy(), roles=[["backend"]] * 120
    )
    tags = pd.DataFrame(
        {
            "posting_id": postings["posting_id"],
            "family": "cloud",
            "skill": "AWS",
            "level": "required",
            "start": 0,
            "end": 3,
            "tagger_version": TAGGER,
        }
    )
    store = open_store(root)
    with store.writer(command="test github") as writer:
        writer.upsert_postings(
            postings.drop(columns=["posting_id"]), seen_at=pd.Timestamp("2023-06-20T00:00:00Z")
        )
        writer.write_tags(annotations, tags)


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("store")
    build_store(root)
    _add_github_postings(root)
    out = tmp_path_factory.mktemp("report") / "out"
    result = CliRunner().invoke(main, ["--store", str(root), "report", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "report written to" in result.output
    return out


def test_report_writes_every_file(report_dir: Path) -> None:
    """The report directory holds the page, the summary, tidy tables and every chart twice."""
    for name in (
        "index.html",
        "summary.md",
        "report.json",
        "shares.csv",
        "shares.parquet",
        "claims.csv",
        "claims.parquet",
        "source_comparison.csv",
    ):
        assert (report_dir / name).stat().st_size > 0, name
    charts = {p.name for p in (report_dir / "charts").iterdir()}
    for stem in ("main", "families", "skills_by_year", "cooccurrence", "rising_falling"):
        assert {f"{stem}.png", f"{stem}.svg"} <= charts
    meta = json.loads((report_dir / "report.json").read_text())
    assert meta["source"] == "hn" and meta["periods"] == len(MONTHS)
    assert all((report_dir / f).exists() for f in meta["files"])


def test_shares_table_is_tidy(report_dir: Path) -> None:
    """shares.csv has exactly the documented columns and values from the documented vocabularies."""
    csv = pd.read_csv(report_dir / "shares.csv", dtype={"period": str}, keep_default_na=False)
    parquet = pd.read_parquet(report_dir / "shares.parquet")
    assert tuple(csv.columns) == SHARES_COLUMNS
    assert tuple(parquet.columns) == SHARES_COLUMNS
    assert len(csv) == len(parquet)
    assert csv["period"].str.match(PERIOD).all()
    assert set(csv["definition"]) == {"requires", "requires_strict", "involves"}
    assert set(csv["denominator"]) == {"backend", "broad", "all"}
    assert "*" in set(csv["skill"]) and "AWS" in set(csv["skill"])
    assert {"2016-01", "2016-Q1", "2016"} <= set(csv["period"])


def test_every_period_gets_an_answer_reproducible_from_shares(report_dir: Path) -> None:
    """summary.md answers the 75% question for every month, with the numbers of shares.csv."""
    shares = pd.read_csv(report_dir / "shares.csv", dtype={"period": str}, keep_default_na=False)
    cloud = shares[
        (shares["family"] == "cloud")
        & (shares["skill"] == "*")
        & (shares["definition"] == "requires")
        & (shares["denominator"] == "backend")
    ].set_index("period")
    summary = (report_dir / "summary.md").read_text(encoding="utf-8")
    for month in MONTHS:
        row = cloud.loc[month]
        line = next(ln for ln in summary.splitlines() if ln.startswith(f"| {month} |"))
        expected = (
            f"| {month} | {int(row['n']):,} | {100 * row['share']:.1f}% | "
            f"{100 * row['ci_low']:.1f}% to {100 * row['ci_high']:.1f}% |"
        )
        assert line.startswith(expected), (line, expected)
        if month == SMALL_MONTH:
            assert "too few postings" in line
        else:
            verdict = (
                "below 75%"
                if row["ci_high"] < 0.75
                else "above 75%"
                if row["ci_low"] > 0.75
                else "consistent with 75%"
            )
            assert line.rstrip(" |").endswith(verdict)


def test_claims_table_matches_shares(report_dir: Path) -> None:
    """The three-quarters claim rows carry the same n, k and interval as the share rows."""
    claims = pd.read_csv(report_dir / "claims.csv", dtype={"period": str}, keep_default_na=False)
    shares = pd.read_csv(report_dir / "shares.csv", dtype={"period": str}, keep_default_na=False)
    three = claims[
        (claims["claim"] == "three_quarters_cloud")
        & (claims["source"] == "hn")
        & (claims["period"] != "overall")
    ]
    merged = three.merge(
        shares[(shares["family"] == "cloud") & (shares["skill"] == "*")],
        on=["period", "definition", "denominator"],
        suffixes=("_claim", "_share"),
    )
    assert len(merged) == len(three) > 0
    assert (merged["n_claim"] == merged["n_share"]).all()
    assert (merged["k_claim"] == merged["k_share"]).all()
    for column in ("share", "ci_low", "ci_high"):
        claim = pd.to_numeric(merged[f"{column}_claim"])
        assert claim.to_numpy() == pytest.approx(merged[f"{column}_share"].to_numpy(), abs=1e-12)


def test_report_never_pools_sources(report_dir: Path) -> None:
    """The hn report counts hn postings only; github appears only in the side-by-side table."""
    _, annotations, _ = synthetic_corpus()
    backend = annotations[annotations["roles"].map(lambda r: "backend" in r)]
    shares = pd.read_csv(report_dir / "shares.csv", dtype={"period": str}, keep_default_na=False)
    monthly = shares[
        (shares["family"] == "cloud")
        & (shares["skill"] == "*")
        & (shares["definition"] == "requires")
        & (shares["denominator"] == "backend")
        & shares["period"].str.match(r"^\d{4}-\d{2}$")
    ]
    assert monthly["n"].sum() == len(backend)
    comparison = pd.read_csv(report_dir / "source_comparison.csv")
    assert any(c.startswith("hn ") for c in comparison.columns)
    assert any(c.startswith("github ") for c in comparison.columns)
    html = (report_dir / "index.html").read_text(encoding="utf-8")
    assert "Sources are never pooled" in html


def test_html_is_self_contained(report_dir: Path) -> None:
    """No script, no external asset: every image is an embedded PNG data URI that decodes."""
    html = (report_dir / "index.html").read_text(encoding="utf-8")
    assert "<script" not in html.lower()
    assert "<link" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*['"]?(https?:|//)""", html, re.IGNORECASE)
    sources = re.findall(r"<img src='([^']*)'", html)
    assert len(sources) == 5
    for src in sources:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Content-Security-Policy" in html


def test_hostile_strings_are_escaped(report_dir: Path) -> None:
    """Company and title HTML from postings shows as text, never as markup."""
    html = (report_dir / "index.html").read_text(encoding="utf-8")
    assert HOSTILE_COMPANY not in html and HOSTILE_TITLE not in html
    assert "&lt;script&gt;window.__pwned = 1&lt;/script&gt;Acme" in html
    assert '&lt;img src="x" onerror="window.__pwned = 2"&gt;Backend Engineer' in html
    tags = re.findall(r"<img\b[^>]*>", html, re.IGNORECASE)
    assert len(tags) == 5 and all(t.startswith("<img src='data:image/png;base64,") for t in tags)
    assert not re.search(r"<[a-z]+\b[^>]*\son[a-z]+\s*=", html, re.IGNORECASE)


def test_write_report_rejects_a_table_without_the_tidy_columns(tmp_path: Path) -> None:
    """A share table missing columns is an InputError naming them, not a broken report."""
    with pytest.raises(InputError, match="ci_low"):
        write_report(tmp_path, shares=pd.DataFrame({"period": ["2020-01"], "family": ["cloud"]}))


def test_report_on_an_empty_store_is_a_clean_error(tmp_path: Path) -> None:
    """`analyzer report` on an empty store prints one error line and exits 2."""
    result = CliRunner().invoke(
        main, ["--store", str(tmp_path / "none"), "report", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert "nothing to report" in result.output
