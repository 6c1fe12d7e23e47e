"""schema.org ``JobPosting`` objects embedded as JSON-LD in career pages.

``analyzer fetch jsonld URL...`` fetches each page (robots.txt respected), reads every
``<script type="application/ld+json">`` block, and keeps each ``JobPosting`` found at the top
level, in a list, or in an ``@graph``. ``source_id`` is the page URL (plus ``#<identifier>`` when a
page holds several postings). These are plain upserts: a page is not a complete board.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from datetime import datetime
from typing import Any

from analyzer.errors import FetchError, InputError, NotConfiguredError
from analyzer.sources.base import (
    FetchContext,
    SourceResult,
    html_to_text,
    parse_timestamp,
    period_or,
    postings_frame,
    run_units,
    to_extra,
)
from analyzer.sources.robots import RobotsCache

__all__ = ["extract_job_postings", "fetch", "parse_page"]

SOURCE = "jsonld"
_SCRIPT = re.compile(
    r"<script\b[^>]*type\s*=\s*[\"']?application/ld\+json[\"']?[^>]*>(.*?)</script\s*>",
    re.I | re.S,
)


def _is_job_posting(node: dict[str, Any]) -> bool:
    kind = node.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(str(k).rsplit("/", 1)[-1] == "JobPosting" for k in kinds)


def extract_job_postings(markup: str) -> list[dict[str, Any]]:
    """Every JobPosting object in the JSON-LD blocks of ``markup`` (invalid blocks are skipped)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any, depth: int = 0) -> None:
        if depth > 8:
            return
        if isinstance(node, list):
            for item in node:
                walk(item, depth + 1)
        elif isinstance(node, dict):
            if _is_job_posting(node):
                found.append(node)
            elif "@graph" in node:
                walk(node["@graph"], depth + 1)

    for block in _SCRIPT.findall(markup):
        try:
            walk(json.loads(html.unescape(block.strip()) if "&quot;" in block else block.strip()))
        except (json.JSONDecodeError, RecursionError, ValueError):
            continue
    return found


def _name(value: Any) -> str | None:
    if isinstance(value, dict):
        return value.get("name")
    return str(value) if value else None


def _location(value: Any) -> str | None:
    places = value if isinstance(value, list) else [value]
    names = []
    for place in places:
        if not isinstance(place, dict):
            continue
        address = place.get("address")
        if isinstance(address, dict):
            parts = [address.get(k) for k in ("addressLocality", "addressRegion", "addressCountry")]
            parts = [_name(p) for p in parts if p]
            if parts:
                names.append(", ".join(p for p in parts if p))
        elif isinstance(address, str):
            names.append(address)
        elif place.get("name"):
            names.append(str(place["name"]))
    return "; ".join(names) or None


def parse_page(markup: str, url: str, seen_at: datetime) -> list[dict[str, Any]]:
    """Posting rows for the JobPosting objects of one page fetched from ``url``."""
    postings = extract_job_postings(markup)
    rows = []
    for index, job in enumerate(postings):
        identifier = job.get("identifier")
        ident = identifier.get("value") if isinstance(identifier, dict) else identifier
        source_id = url if len(postings) == 1 else f"{url}#{ident or index}"
        posted_at = parse_timestamp(job.get("datePosted"))
        description = str(job.get("description") or "")
        text_html = description if "<" in description else None
        remote = str(job.get("jobLocationType") or "").upper() == "TELECOMMUTE" or None
        rows.append(
            {
                "source": SOURCE,
                "source_id": source_id,
                "period": period_or(posted_at, seen_at),
                "company": _name(job.get("hiringOrganization")),
                "title": job.get("title"),
                "location": _location(job.get("jobLocation")),
                "remote": remote,
                "url": job.get("url") or url,
                "posted_at": posted_at,
                "text_html": text_html,
                "text": html_to_text(description) if text_html else description,
                "extra": to_extra(
                    {
                        "page": url,
                        "employment_type": job.get("employmentType"),
                        "valid_through": job.get("validThrough"),
                        "identifier": ident,
                    }
                ),
            }
        )
    return rows


def fetch(ctx: FetchContext, urls: list[str] | None = None) -> SourceResult:
    """Fetch each career page in ``urls`` and store its JobPostings (one commit per page).

    Raises:
        NotConfiguredError: no URLs were given.
    """
    if not urls:
        raise NotConfiguredError("no career page URLs given (analyzer fetch jsonld URL...)")
    for url in urls:
        if not url.startswith(("http://", "https://")):
            raise InputError(f"not an http(s) URL: {url!r}")
    robots = RobotsCache(ctx.client, ctx.config["http.user_agent"])
    result = SourceResult(SOURCE)

    def fetch_page(url: str) -> Any:
        if not robots.allowed(url):
            raise FetchError(f"{url}: disallowed by robots.txt", url=url)
        response = ctx.client.get(url, headers={"Accept": "text/html,application/xhtml+xml"})
        markup = response.content.decode("utf-8", "replace")
        seen_at = ctx.now()
        rows = parse_page(markup, url, seen_at)
        if ctx.archive is not None:
            digest = hashlib.sha256(url.encode()).hexdigest()[:16]
            ctx.archive.save(f"jsonld/{digest}.html", response.content)
        return ctx.writer.upsert_postings(postings_frame(rows), seen_at=seen_at)

    return run_units(ctx, result, list(urls), fetch_page)
