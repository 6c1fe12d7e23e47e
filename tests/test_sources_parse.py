"""Parsing per source, from the real recorded responses and small fixtures."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

from analyzer.errors import InputError, ParseError
from analyzer.sources import ashby, github, greenhouse, hn, jsonld, lever, remotive
from analyzer.sources.importer import read_import_file

FIXTURES = Path(__file__).parent / "fixtures" / "sources"
SEEN = datetime(2026, 7, 20, tzinfo=UTC)


def recorded(shared: Path, name: str) -> object:
    return json.loads((shared / "ats" / name).read_text(encoding="utf-8"))


def test_thread_period_keeps_only_who_is_hiring() -> None:
    """The period comes from the title; other whoishiring threads are not postings threads."""
    assert hn.thread_period("Ask HN: Who is hiring? (January 2012)") == "2012-01"
    assert hn.thread_period("Ask HN: Who is hiring? (October 2026)") == "2026-10"
    assert hn.thread_period("Ask HN: Who wants to be hired? (January 2012)") is None
    assert hn.thread_period("Ask HN: Freelancer? Seeking freelancer? (May 2020)") is None


def test_first_line_fields() -> None:
    """Company | Role | Location | REMOTE parses; entities decode; text without pipes stays empty."""
    parsed = hn.parse_first_line(
        "Acme &amp; Co | Senior Backend Engineer | Berlin, Germany | REMOTE (EU)<p>We use Go."
    )
    assert parsed == {
        "company": "Acme & Co",
        "title": "Senior Backend Engineer",
        "location": "Berlin, Germany",
        "remote": True,
    }
    assert hn.parse_first_line("Shepherd | ONSITE | New York<p>x")["remote"] is False
    assert hn.parse_first_line("We are hiring engineers in London.<p>More")["company"] is None
    assert hn.parse_first_line(None)["title"] is None


@pytest.mark.corpus
def test_hn_thread_keeps_every_top_level_comment(shared_data: Path) -> None:
    """Every top-level comment of a thread becomes a row (deleted ones too), period from the title."""
    import gzip

    item = json.loads(gzip.decompress((shared_data / "hn/items/3412900.json.gz").read_bytes()))
    thread = hn.HnThread("3412900", "Ask HN: Who is hiring? (January 2012)", "2012-01")
    rows = hn.parse_thread(item, thread)
    assert len(rows) == 151
    assert {r["period"] for r in rows} == {"2012-01"}
    assert all(r["text_html"] is not None and r["url"].endswith(r["source_id"]) for r in rows)
    assert "Mixlr" in rows[0]["text"] and "<p>" not in rows[0]["text"]
    with pytest.raises(ParseError):
        hn.parse_thread({"id": 1, "children": []}, thread)


@pytest.mark.corpus
def test_greenhouse_unescapes_content_and_prefers_first_published(shared_data: Path) -> None:
    """Entity-encoded content becomes HTML; posted_at is first_published; remote from metadata."""
    rows = greenhouse.parse_jobs(recorded(shared_data, "greenhouse_jobs.json"), "anthropic", SEEN)
    assert len(rows) == 4
    first = rows[0]
    assert first["source_id"] == "anthropic/5311686008"
    assert first["text_html"].startswith('<div class="content-intro"><h2>')
    assert "&lt;" not in first["text_html"] and "About Anthropic" in first["text"]
    assert first["posted_at"] == datetime(2026, 7, 10, 20, 15, 41, tzinfo=UTC)
    assert first["period"] == "2026-07" and first["remote"] is True
    assert rows[1]["remote"] is False and rows[3]["remote"] is None


def test_greenhouse_missing_fields_and_bad_shape() -> None:
    """A job with only an id still parses (period from seen_at); a body without jobs is an error."""
    rows = greenhouse.parse_jobs({"jobs": [{"id": 7}]}, "b", SEEN)
    assert rows[0]["period"] == "2026-07" and rows[0]["title"] is None
    with pytest.raises(ParseError):
        greenhouse.parse_jobs([], "b", SEEN)


@pytest.mark.corpus
def test_lever_epoch_ms_and_sections(shared_data: Path) -> None:
    """createdAt epoch-ms becomes a UTC time; lists are part of the HTML; workplaceType -> remote."""
    rows = lever.parse_postings(recorded(shared_data, "lever_postings.json"), "spotify", SEEN)
    assert len(rows) == 4
    assert rows[0]["posted_at"] == datetime.fromtimestamp(1782821535.482, UTC)
    assert rows[0]["remote"] is True and rows[1]["remote"] is False
    assert "What You'll Do" in rows[0]["text_html"] and "Kotlin" in rows[0]["text"]
    with pytest.raises(ParseError):
        lever.parse_postings({"jobs": []}, "spotify", SEEN)


@pytest.mark.corpus
def test_ashby_skips_unlisted(shared_data: Path) -> None:
    """Listed jobs become rows; a job with isListed false is skipped."""
    body = recorded(shared_data, "ashby_jobs.json")
    assert len(ashby.parse_jobs(body, "ramp", SEEN)) == 4
    body["jobs"][0]["isListed"] = False
    rows = ashby.parse_jobs(body, "ramp", SEEN)
    assert len(rows) == 3 and all(r["source_id"].startswith("ramp/") for r in rows)


@pytest.mark.corpus
def test_remotive_naive_dates_are_utc(shared_data: Path) -> None:
    """publication_date without a zone is read as UTC; every job is remote."""
    rows = remotive.parse_jobs(recorded(shared_data, "remotive_jobs.json"), "all", SEEN)
    assert rows[0]["posted_at"] == datetime(2026, 7, 12, 6, 35, 18, tzinfo=UTC)
    assert all(r["remote"] is True for r in rows)


def test_github_skips_pull_requests_and_keeps_labels() -> None:
    """Pull requests are skipped; labels land in extra; the id is owner/repo#number."""
    page = [
        {
            "number": 2,
            "title": "[Remoto] Backend",
            "body": "Python",
            "state": "open",
            "created_at": "2025-03-02T10:00:00Z",
            "labels": [{"name": "remoto"}, {"name": "python"}],
            "user": {"login": "x"},
            "html_url": "https://github.com/o/r/issues/2",
        },
        {"number": 3, "title": "PR", "pull_request": {}, "created_at": "2025-03-02T10:00:00Z"},
    ]
    rows = github.parse_issues(page, "o/r", SEEN)
    assert [r["source_id"] for r in rows] == ["o/r#2"]
    assert json.loads(rows[0]["extra"])["labels"] == ["remoto", "python"]
    assert rows[0]["period"] == "2025-03" and rows[0]["remote"] is True
    assert (
        github.next_link('<https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel="last"')
        == "https://a/x?page=2"
    )
    assert github.next_link('<https://a/x?page=1>; rel="first"') is None


def test_jsonld_graph_postings_and_bad_blocks() -> None:
    """Both JobPostings in an @graph are found; an invalid block is skipped, not fatal."""
    markup = (FIXTURES / "career_page.html").read_text(encoding="utf-8")
    rows = jsonld.parse_page(markup, "https://example.com/careers", SEEN)
    assert [r["source_id"] for r in rows] == [
        "https://example.com/careers#BE-42",
        "https://example.com/careers#SRE-7",
    ]
    first = rows[0]
    assert first["company"] == "Example Corp" and first["remote"] is True
    assert first["location"] == "Lisbon, PT" and first["period"] == "2026-03"
    assert "Kubernetes" in first["text"] and "<b>" not in first["text"]


def test_import_csv_with_mapping() -> None:
    """A CSV export maps columns, derives periods from posted_at (ISO, date, epoch ms), keeps extras."""
    frame = read_import_file(
        FIXTURES / "import_sample.csv", mapping={"job_id": "source_id", "description": "text"}
    )
    assert list(frame["source_id"]) == ["a-1", "a-2", "a-3"]
    assert list(frame["period"]) == ["2025-11", "2025-12", "2026-01"]
    assert list(frame["remote"].astype(object)) == [True, False, pd.NA]
    assert json.loads(frame["extra"][0]) == {"team": "platform"}
    assert set(frame["source"]) == {"import"}


def test_import_rejects_missing_id_and_bad_source(tmp_path: Path) -> None:
    """No source_id column, or a source name that is not a safe name, is an InputError."""
    path = tmp_path / "x.jsonl"
    path.write_text('{"id": 1, "text": "t", "period": "2025-01"}\n')
    with pytest.raises(InputError, match="source_id"):
        read_import_file(path)
    with pytest.raises(InputError, match="source name"):
        read_import_file(path, source="../etc", mapping={"id": "source_id"})
