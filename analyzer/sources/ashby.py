"""Ashby job boards: the public posting API, ``GET /posting-api/job-board/{board}``.

One snapshot per board; unlisted jobs (``isListed: false``) are skipped, so a job that becomes
unlisted is closed like one that disappeared.
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

SOURCE = "ashby"


def parse_jobs(body: Any, board: str, seen_at: datetime) -> list[dict[str, Any]]:
    """Posting rows from an Ashby job-board response; unlisted jobs are left out.

    Raises:
        ParseError: the body has no ``jobs`` list.
    """
    if not isinstance(body, dict) or not isinstance(body.get("jobs"), list):
        raise ParseError(f"ashby {board}: no 'jobs' list in the response")
    rows = []
    for job in body["jobs"]:
        if not isinstance(job, dict) or not job.get("id") or job.get("isListed") is False:
            continue
        posted_at = parse_timestamp(job.get("publishedAt"))
        text_html = job.get("descriptionHtml") or ""
        workplace = str(job.get("workplaceType") or "")
        remote = job.get("isRemote") if isinstance(job.get("isRemote"), bool) else None
        compensation: dict[str, Any] = job.get("compensation") or {}
        if not isinstance(compensation, dict):
            compensation = {}
        rows.append(
            {
                "source": SOURCE,
                "source_id": f"{board}/{job['id']}",
                "period": period_or(posted_at, seen_at),
                "company": board,
                "title": job.get("title"),
                "location": job.get("location"),
                "remote": remote,
                "url": job.get("jobUrl"),
                "posted_at": posted_at,
                "text_html": text_html,
                "text": job.get("descriptionPlain") or html_to_text(text_html),
                "extra": to_extra(
                    {
                        "board": board,
                        "department": job.get("department"),
                        "team": job.get("team"),
                        "employment_type": job.get("employmentType"),
                        "workplace_type": workplace,
                        "secondary_locations": [
                            s.get("location")
                            for s in job.get("secondaryLocations") or []
                            if isinstance(s, dict)
                        ],
                        "compensation": compensation.get("compensationTierSummary"),
                    }
                ),
            }
        )
    return rows


def fetch(ctx: FetchContext) -> SourceResult:
    """Snapshot every board in ``sources.ashby.boards``.

    Raises:
        NotConfiguredError: no boards are configured.
    """
    boards = list(ctx.config["sources.ashby.boards"])
    if not boards:
        raise NotConfiguredError("no Ashby boards configured (sources.ashby.boards)")
    base = ctx.config["sources.ashby.base_url"].rstrip("/")
    return snapshot_boards(
        ctx,
        SOURCE,
        boards,
        lambda b: f"{base}/posting-api/job-board/{b}",
        parse_jobs,
        params={"includeCompensation": "true"},
    )
