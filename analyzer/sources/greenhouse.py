"""Greenhouse job boards: ``GET /v1/boards/{token}/jobs?content=true``, one snapshot per board.

``content`` is HTML that is itself entity-encoded (``&lt;p&gt;``): it is unescaped once into
``text_html``. The posting date is ``first_published`` (``updated_at`` changes on every edit and
only stands in when ``first_published`` is missing).
"""

from __future__ import annotations

import html
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

SOURCE = "greenhouse"


def parse_jobs(body: Any, board: str, seen_at: datetime) -> list[dict[str, Any]]:
    """Posting rows from a Greenhouse ``jobs`` response of board ``board``.

    Raises:
        ParseError: the body has no ``jobs`` list.
    """
    if not isinstance(body, dict) or not isinstance(body.get("jobs"), list):
        raise ParseError(f"greenhouse {board}: no 'jobs' list in the response")
    rows = []
    for job in body["jobs"]:
        if not isinstance(job, dict) or job.get("id") is None:
            continue
        posted_at = parse_timestamp(job.get("first_published")) or parse_timestamp(
            job.get("updated_at")
        )
        text_html = html.unescape(job.get("content") or "")
        location = (
            (job.get("location") or {}).get("name")
            if isinstance(job.get("location"), dict)
            else None
        )
        location_type = next(
            (
                m.get("value")
                for m in job.get("metadata") or []
                if isinstance(m, dict) and str(m.get("name", "")).lower() == "location type"
            ),
            None,
        )
        remote: bool | None = None
        if isinstance(location_type, str):
            remote = location_type.strip().lower() == "remote"
        elif location and "remote" in location.lower():
            remote = True
        rows.append(
            {
                "source": SOURCE,
                "source_id": f"{board}/{job['id']}",
                "period": period_or(posted_at, seen_at),
                "company": job.get("company_name") or board,
                "title": job.get("title"),
                "location": location,
                "remote": remote,
                "url": job.get("absolute_url"),
                "posted_at": posted_at,
                "text_html": text_html,
                "text": html_to_text(text_html),
                "extra": to_extra(
                    {
                        "board": board,
                        "updated_at": job.get("updated_at"),
                        "requisition_id": job.get("requisition_id"),
                        "departments": [
                            d.get("name")
                            for d in job.get("departments") or []
                            if isinstance(d, dict)
                        ],
                        "offices": [
                            o.get("name") for o in job.get("offices") or [] if isinstance(o, dict)
                        ],
                        "location_type": location_type,
                        "language": job.get("language"),
                    }
                ),
            }
        )
    return rows


def fetch(ctx: FetchContext) -> SourceResult:
    """Snapshot every board in ``sources.greenhouse.boards``.

    Raises:
        NotConfiguredError: no boards are configured.
    """
    boards = list(ctx.config["sources.greenhouse.boards"])
    if not boards:
        raise NotConfiguredError("no Greenhouse boards configured (sources.greenhouse.boards)")
    base = ctx.config["sources.greenhouse.base_url"].rstrip("/")
    return snapshot_boards(
        ctx,
        SOURCE,
        boards,
        lambda b: f"{base}/v1/boards/{b}/jobs",
        parse_jobs,
        params={"content": "true"},
    )
