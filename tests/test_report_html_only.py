"""The report quotes postings stored as HTML only (ATS boards) from the text the tagger saw."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analyzer import pipeline
from analyzer.config import Config, load_config
from analyzer.store import open_store

HTML = (
    "<p>{company} | Backend Engineer | Remote</p><p><b>Requirements</b></p>"
    "<ul><li>Experience with AWS &amp; Docker in production</li></ul>"
)
# The quoted snippet: the normalized text (tags gone, entity decoded), escaped once for HTML.
SNIPPET = "Experience with AWS &amp; Docker in production"


def html_only_store(root: Path) -> Config:
    """A tagged store of 40 HN-shaped postings in two months, each with `text_html` only."""
    store = open_store(root)
    companies = [f"Company{i}" for i in range(40)]
    postings = pd.DataFrame(
        {
            "source": "hn",
            "source_id": [str(i) for i in range(len(companies))],
            "period": ["2024-01"] * 20 + ["2024-02"] * 20,
            "title": None,
            "text": None,
            "text_html": [HTML.format(company=c) for c in companies],
        }
    )
    with store.writer(command="test") as writer:
        writer.upsert_postings(postings, seen_at=pd.Timestamp("2024-03-01T00:00:00Z"))
    config = load_config(env={}).with_overrides({"store": str(root)})
    assert pipeline.tag(config)["tagged"] == 40
    return config


def assert_quotes_normalized_text(page: str) -> None:
    """The report page quotes the normalized text for both families, escaped exactly once."""
    assert page.count(SNIPPET) >= 2  # one quote for cloud, one for containers
    assert "&lt;li&gt;" not in page and "&amp;amp;" not in page


def test_report_quotes_html_only_postings_at_the_tagged_offsets(tmp_path: Path) -> None:
    """Postings with `text_html` and no `text` are tagged on their normalized text; the report's
    evidence quotes that text around the mention instead of failing on the missing `text`."""
    config = html_only_store(tmp_path / "store")
    pipeline.report(config, tmp_path / "out", source="hn")
    assert_quotes_normalized_text((tmp_path / "out" / "index.html").read_text(encoding="utf-8"))
