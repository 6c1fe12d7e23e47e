"""Hacker News "Ask HN: Who is hiring?" threads through the Algolia HN API.

Threads are listed with ``search_by_date?tags=story,author_whoishiring`` and kept when titled
``Ask HN: Who is hiring? (Month YYYY)``; the period is that month. Each thread is fetched whole
with ``/items/<story_id>`` and every top-level comment (``parent_id == story_id``) becomes a
posting, deleted or empty ones included (the tagger flags non-postings; nothing is dropped here).

One thread is one ``upsert_postings`` commit carrying the cursor, so a crash loses at most one
thread. Without ``--since``/``--until`` a run fetches the threads after the cursor and re-fetches
the cursor's own month (comments keep arriving during a month).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import Any

from analyzer.errors import ParseError, SourceError
from analyzer.sources.base import (
    FetchContext,
    SourceResult,
    html_to_text,
    in_range,
    parse_timestamp,
    postings_frame,
    run_units,
    to_extra,
)

__all__ = ["HnThread", "fetch", "list_threads", "parse_first_line", "parse_thread", "thread_period"]

SOURCE = "hn"
ITEM_URL = "https://news.ycombinator.com/item?id={id}"

_MONTHS = {
    name: i
    for i, name in enumerate(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
        ],
        1,
    )
}
_TITLE = re.compile(r"^\s*Ask HN:\s*Who is hiring\?\s*\(\s*([A-Za-z]+)\s+(\d{4})\s*\)\s*$", re.I)


@dataclass(frozen=True)
class HnThread:
    """One monthly "Who is hiring?" thread."""

    story_id: str
    title: str
    period: str


def thread_period(title: str) -> str | None:
    """The ``YYYY-MM`` of a "Ask HN: Who is hiring? (Month YYYY)" title, else ``None``.

    Other whoishiring threads ("Who wants to be hired?", "Freelancer?") give ``None``.
    """
    match = _TITLE.match(title or "")
    if not match:
        return None
    month = _MONTHS.get(match.group(1).lower())
    if month is None:
        return None
    return f"{int(match.group(2)):04d}-{month:02d}"


def list_threads(ctx: FetchContext) -> list[HnThread]:
    """All "Who is hiring?" threads the search API lists, oldest first.

    Raises:
        FetchError: the search request failed.
        ParseError: the response is not an Algolia search result.
    """
    base = ctx.config["sources.hn.base_url"].rstrip("/")
    threads: dict[str, HnThread] = {}
    page, pages = 0, 1
    while page < pages:
        response = ctx.client.get(
            f"{base}/search_by_date",
            params={"tags": "story,author_whoishiring", "hitsPerPage": 1000, "page": page},
        )
        body = response.json()
        if not isinstance(body, dict) or not isinstance(body.get("hits"), list):
            raise ParseError(f"{base}/search_by_date: no 'hits' list in the response")
        if ctx.archive is not None and page == 0:
            ctx.archive.save("hn/stories.json", response.content)
        for hit in body["hits"]:
            if not isinstance(hit, dict):
                continue
            period = thread_period(str(hit.get("title") or ""))
            story_id = str(hit.get("objectID") or hit.get("story_id") or "")
            if period and story_id.isdigit():
                threads[story_id] = HnThread(story_id, hit["title"], period)
        pages = min(int(body.get("nbPages") or 1), 50)
        page += 1
    return sorted(threads.values(), key=lambda t: (t.period, int(t.story_id)))


_REMOTE_NO = re.compile(
    r"\b(no|not|non)[ -]remote\b|\bon-?site only\b|^\s*on-?site\s*$|^\s*in[ -]office\s*$", re.I
)
_REMOTE = re.compile(r"\bremote\b|\bwfh\b|\banywhere\b", re.I)
_ROLE = re.compile(
    r"engineer|developer|programmer|designer|scientist|architect|\bsre\b|devops|analyst|"
    r"manager|lead\b|head of|director|\bcto\b|researcher|administrator|admin\b|hacker|"
    r"full[- ]?stack|front[- ]?end|back[- ]?end|intern|consultant|specialist|writer|"
    r"marketing|sales|recruiter|product|\bqa\b|tester|ops\b|positions|roles|various|multiple",
    re.I,
)
_NOT_LOCATION = re.compile(
    r"https?://|www\.|\.com\b|\$|€|£|\d+k\b|full[- ]?time|part[- ]?time|contract|intern|"
    r"visa|equity|salary|\bh1b\b|onsite|on-site|hybrid",
    re.I,
)


def parse_first_line(text_html: str | None) -> dict[str, Any]:
    """Company, title, location and remote from HN's ``Company | Role | Location | REMOTE`` line.

    Only a first line with at least two ``|``-separated parts is parsed; otherwise every field
    is ``None``. ``remote`` is ``True`` when a part says remote (and not "no remote"), ``False``
    when a part says onsite only / no remote, else ``None``.
    """
    out: dict[str, Any] = {"company": None, "title": None, "location": None, "remote": None}
    if not text_html:
        return out
    first = re.split(r"<p>|\n", text_html, maxsplit=1)[0]
    first = " ".join(html.unescape(re.sub(r"<[^>]+>", "", first)).split())
    parts = [p.strip() for p in first.split("|")]
    parts = [p for p in parts if p]
    if len(parts) < 2 or len(first) > 400:
        return out
    out["company"] = parts[0][:200]
    rest = parts[1:]
    for part in rest:
        if _REMOTE_NO.search(part):
            out["remote"] = False
        elif _REMOTE.search(part) and out["remote"] is None:
            out["remote"] = True
    for part in rest:
        if out["title"] is None and _ROLE.search(part):
            out["title"] = part[:300]
    for part in rest:
        if part == out["title"] or _NOT_LOCATION.search(part):
            continue
        if re.fullmatch(r"(?i)remote(\s*\(.*\))?|remote only|wfh", part):
            continue
        out["location"] = part[:200]
        break
    return out


def parse_thread(item: Any, thread: HnThread) -> list[dict[str, Any]]:
    """The posting rows of one ``/items/<story_id>`` body: its top-level comments.

    Raises:
        ParseError: the body is not the item of ``thread`` or has no ``children`` list.
    """
    if not isinstance(item, dict) or str(item.get("id")) != thread.story_id:
        raise ParseError(f"hn item {thread.story_id}: response is not that story")
    children = item.get("children")
    if not isinstance(children, list):
        raise ParseError(f"hn item {thread.story_id}: no 'children' list")
    thread_time = parse_timestamp(item.get("created_at"))
    rows = []
    for child in children:
        if not isinstance(child, dict) or child.get("id") is None:
            continue
        if str(child.get("parent_id")) != thread.story_id:
            continue
        text_html = child.get("text") or ""
        posted_at = parse_timestamp(child.get("created_at")) or thread_time
        rows.append(
            {
                "source": SOURCE,
                "source_id": str(child["id"]),
                "period": thread.period,
                **parse_first_line(text_html),
                "url": ITEM_URL.format(id=child["id"]),
                "posted_at": posted_at,
                "text_html": text_html,
                "text": html_to_text(text_html),
                "extra": to_extra(
                    {
                        "author": child.get("author"),
                        "story_id": int(thread.story_id),
                        "thread_title": thread.title,
                        "deleted": not text_html and not child.get("author"),
                    }
                ),
            }
        )
    return rows


def _select(
    threads: list[HnThread], ctx: FetchContext, cursor: str | None, pending: set[str]
) -> list[HnThread]:
    """The range's threads; else those at or after the cursor plus any that failed last time."""
    if ctx.since is not None or ctx.until is not None:
        return [t for t in threads if in_range(t.period, ctx.since, ctx.until)]
    if cursor is None:
        return threads
    return [t for t in threads if t.period >= cursor or t.story_id in pending]


def fetch(ctx: FetchContext) -> SourceResult:
    """Fetch the selected "Who is hiring?" threads, one commit per thread (see module doc)."""
    result = SourceResult(SOURCE)
    base = ctx.config["sources.hn.base_url"].rstrip("/")
    try:
        threads = list_threads(ctx)
    except SourceError as exc:
        result.fail("search", exc)
        return result
    state = dict(ctx.store.state(SOURCE) or {})
    selected = _select(threads, ctx, state.get("cursor"), set(state.get("pending") or []))
    by_unit = {f"{t.period} ({t.story_id})": t for t in selected}

    def fetch_thread(unit: str) -> Any:
        thread = by_unit[unit]
        validators = (state.get("validators") or {}).get(thread.story_id)
        response = ctx.client.get(f"{base}/items/{thread.story_id}", validators=validators)
        if response.not_modified:
            return None
        rows = parse_thread(response.json(), thread)
        if ctx.archive is not None:
            ctx.archive.save(f"hn/items/{thread.story_id}.json.gz", response.content, compress=True)
        seen_at = ctx.now()
        cursor = max(filter(None, [state.get("cursor"), thread.period]))
        new_validators = {
            k: v
            for k, v in (state.get("validators") or {}).items()
            if _period_of_story(threads, k) >= cursor
        }
        if response.validators:
            new_validators[thread.story_id] = response.validators
        new_state = {
            **state,
            "pending": [p for p in state.get("pending") or [] if p != thread.story_id],
            "cursor": cursor,
            "validators": new_validators,
            "last_fetch_at": seen_at.isoformat(),
        }
        upsert = ctx.writer.upsert_postings(
            postings_frame(rows), seen_at=seen_at, state={SOURCE: new_state}
        )
        state.clear()
        state.update(new_state)
        return upsert

    run_units(ctx, result, list(by_unit), fetch_thread)
    # Threads that failed are remembered, so a cursor run (no --since) retries them too.
    failed = {by_unit[f.unit].story_id for f in result.failures if f.unit in by_unit}
    pending = sorted(set(state.get("pending") or []) | failed)
    if pending != list(state.get("pending") or []):
        ctx.writer.set_state(SOURCE, {**state, "pending": pending})
    return result


def _period_of_story(threads: list[HnThread], story_id: str) -> str:
    for thread in threads:
        if thread.story_id == story_id:
            return thread.period
    return ""
