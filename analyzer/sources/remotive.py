"""Remotive, an aggregator of remote jobs: ``GET /remote-jobs?category={slug}``.

Each configured category is one snapshot (``source_id`` = ``"<category>/<job id>"``). Remotive asks
API users to call it only a few times a day: the nightly run is well within that.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from analyzer.errors import NotConfiguredError, ParseError
from analyzer.sources.base import (
    FetchContext,
    SourceResult,
    html_to_text,
    parse_timestamp,
    period_or,
    snapshot_boards,
    to_extra,
)

__all__ = ["fetch", "parse_jobs"]

SOURCE = "remotive"


def parse_jobs(body: Any, category: str, seen_at: datetime) -> list[dict[str, Any]]:
    """Posting rows from a Remotive ``remote-jobs`` response for ``category``.

    Raises:
        ParseError: the body has no ``jobs`` list.
    """
    if not isinstance(body, dict) or not isinstance(body.get("jobs"), list):
        raise ParseError(f"remotive {category}: no 'jobs' list in the response")
    rows = []
    for job in body["jobs"]:
        if not isinstance(job, dict) or job.get("id") is None:
            continue
        posted_at = parse_timestamp(job.get("publication_date"))
        text_html = job.get("description") or ""
        rows.append(
            {
                "source": SOURCE,
                "source_id": f"{category}/{job['id']}",
                "period": period_or(posted_at, seen_at),
                "company": job.get("company_name"),
                "title": job.get("title"),
                "location": job.get("candidate_required_location"),
                "remote": True,
                "url": job.get("url"),
                "posted_at": posted_at,
                "text_html": text_html,
                "text": html_to_text(text_html),
                "extra": to_extra(
                    {
                        "board": category,
                        "category": job.get("category"),
                        "tags": job.get("tags"),
                        "job_type": job.get("job_type"),
                        "salary": job.get("salary"),
                    }
                ),
            }
        )
    return rows


def fetch(ctx: FetchContext) -> SourceResult:
    """Snapshot every category in ``sources.remotive.categories``.

    Raises:
        NotConfiguredError: no categories are configured.
    """
    categories = list(ctx.config["sources.remotive.categories"])
    if not categories:
        raise NotConfiguredError("no Remotive categories configured (sources.remotive.categories)")
    base = ctx.config["sources.remotive.base_url"].rstrip("/")
    return snapshot_boards(
        ctx,
        SOURCE,
        categories,
        lambda c: f"{base}/remote-jobs?category={c}",
        parse_jobs,
    )
