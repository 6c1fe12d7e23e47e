"""Lever postings: ``GET /v0/postings/{company}?mode=json``, one snapshot per company.

Dates are epoch milliseconds. Companies hosted in the EU are listed separately
(``sources.lever.eu_companies``) and fetched from the EU host.
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

__all__ = ["fetch", "parse_postings"]

SOURCE = "lever"


def _body_html(job: dict[str, Any]) -> str:
    parts = [str(job.get("description") or "")]
    for section in job.get("lists") or []:
        if isinstance(section, dict):
            parts.append(
                f"<h3>{section.get('text') or ''}</h3><ul>{section.get('content') or ''}</ul>"
            )
    parts.append(str(job.get("additional") or ""))
    return "\n".join(p for p in parts if p)


def parse_postings(body: Any, company: str, seen_at: datetime) -> list[dict[str, Any]]:
    """Posting rows from a Lever ``postings`` response (a JSON list) of ``company``.

    Raises:
        ParseError: the body is not a list.
    """
    if not isinstance(body, list):
        raise ParseError(f"lever {company}: expected a JSON list of postings")
    rows = []
    for job in body:
        if not isinstance(job, dict) or not job.get("id"):
            continue
        posted_at = parse_timestamp(job.get("createdAt"))
        categories: dict[str, Any] = job.get("categories") or {}
        if not isinstance(categories, dict):
            categories = {}
        workplace = str(job.get("workplaceType") or "").lower()
        text_html = _body_html(job)
        rows.append(
            {
                "source": SOURCE,
                "source_id": f"{company}/{job['id']}",
                "period": period_or(posted_at, seen_at),
                "company": company,
                "title": job.get("text"),
                "location": categories.get("location"),
                "remote": (workplace == "remote")
                if workplace and workplace != "unspecified"
                else None,
                "url": job.get("hostedUrl"),
                "posted_at": posted_at,
                "text_html": text_html,
                "text": html_to_text(text_html),
                "extra": to_extra(
                    {
                        "board": company,
                        "team": categories.get("team"),
                        "department": categories.get("department"),
                        "commitment": categories.get("commitment"),
                        "all_locations": categories.get("allLocations"),
                        "country": job.get("country"),
                        "workplace_type": job.get("workplaceType"),
                    }
                ),
            }
        )
    return rows


def fetch(ctx: FetchContext) -> SourceResult:
    """Snapshot every company in ``sources.lever.companies`` and ``sources.lever.eu_companies``.

    Raises:
        NotConfiguredError: no companies are configured.
    """
    hosts = {c: ctx.config["sources.lever.base_url"] for c in ctx.config["sources.lever.companies"]}
    hosts.update(
        {
            c: ctx.config["sources.lever.eu_base_url"]
            for c in ctx.config["sources.lever.eu_companies"]
        }
    )
    if not hosts:
        raise NotConfiguredError("no Lever companies configured (sources.lever.companies)")
    return snapshot_boards(
        ctx,
        SOURCE,
        list(hosts),
        lambda c: f"{hosts[c].rstrip('/')}/v0/postings/{c}",
        parse_postings,
        params={"mode": "json"},
    )
