"""Job boards run as GitHub issues (backend-br/vagas and the like) through the GitHub REST API.

``GET /repos/{owner}/{repo}/issues?state=all&per_page=100``, following the ``Link: rel="next"``
header; pull requests (items with a ``pull_request`` key) are skipped; labels are kept in
``extra``. ``source_id`` is ``"owner/repo#number"`` and the period is the issue's creation month.

Incremental: each board's cursor is the newest ``updated_at`` seen; without ``--since``/``--until``
the next run asks only for issues updated since then (the API's ``since`` parameter), and the first
page is requested conditionally (ETag). ``ANALYZER_GITHUB_TOKEN`` goes in the ``Authorization``
header only: never in a URL, never in a log line.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from analyzer.errors import NotConfiguredError, ParseError
from analyzer.sources.base import (
    FetchContext,
    SourceResult,
    html_to_text,
    in_range,
    parse_timestamp,
    period_or,
    postings_frame,
    run_units,
    safe_segment,
    to_extra,
)

__all__ = ["fetch", "next_link", "parse_issues"]

SOURCE = "github"
_MAX_PAGES = 200
_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="?([^";]+)"?')


def next_link(header: str | None) -> str | None:
    """The ``rel="next"`` URL of a ``Link`` header, or ``None`` on the last page."""
    for url, rel in _LINK.findall(header or ""):
        if "next" in rel.split():
            return url
    return None


def parse_issues(body: Any, repo: str, seen_at: datetime) -> list[dict[str, Any]]:
    """Posting rows from one page of issues of ``repo`` (``owner/name``); PRs are skipped.

    Raises:
        ParseError: the page is not a JSON list of issues.
    """
    if not isinstance(body, list):
        raise ParseError(f"github {repo}: expected a JSON list of issues")
    rows = []
    for issue in body:
        if not isinstance(issue, dict) or issue.get("number") is None:
            continue
        if "pull_request" in issue:
            continue
        created = parse_timestamp(issue.get("created_at"))
        text = issue.get("body") or ""
        user: dict[str, Any] = issue.get("user") or {}
        if not isinstance(user, dict):
            user = {}
        labels = [
            lab.get("name") if isinstance(lab, dict) else str(lab)
            for lab in issue.get("labels") or []
        ]
        rows.append(
            {
                "source": SOURCE,
                "source_id": f"{repo}#{issue['number']}",
                "period": period_or(created, seen_at),
                "company": None,
                "title": issue.get("title"),
                "location": None,
                "remote": True if any("remot" in (lab or "").lower() for lab in labels) else None,
                "url": issue.get("html_url"),
                "posted_at": created,
                "text_html": None,
                "text": text if "<" not in text else html_to_text(text) or text,
                "extra": to_extra(
                    {
                        "board": repo,
                        "labels": labels,
                        "state": issue.get("state"),
                        "updated_at": issue.get("updated_at"),
                        "author": user.get("login"),
                        "body_format": "markdown",
                    }
                ),
            }
        )
    return rows


def _check_repo(repo: str) -> str:
    owner, _, name = repo.partition("/")
    safe_segment(owner, "GitHub owner")
    safe_segment(name, "GitHub repository")
    return f"{owner}/{name}"


def fetch(ctx: FetchContext) -> SourceResult:
    """Fetch every board in ``sources.github.boards``; one commit per board.

    Raises:
        NotConfiguredError: no boards are configured.
    """
    boards = list(ctx.config["sources.github.boards"])
    if not boards:
        raise NotConfiguredError("no GitHub boards configured (sources.github.boards)")
    base = ctx.config["sources.github.base_url"].rstrip("/")
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
    if token := ctx.config["sources.github.token"]:
        headers["Authorization"] = f"Bearer {token}"
    result = SourceResult(SOURCE)
    state = dict(ctx.store.state(SOURCE) or {})
    ranged = ctx.since is not None or ctx.until is not None

    def fetch_board(board: str) -> Any:
        repo = _check_repo(board)
        board_state = dict((state.get("boards") or {}).get(repo) or {})
        params: dict[str, Any] = {"state": "all", "per_page": 100}
        if board_state.get("cursor") and not ranged:
            params["since"] = board_state["cursor"]
        url: str | None = f"{base}/repos/{repo}/issues"
        seen_at = ctx.now()
        rows: list[dict[str, Any]] = []
        raw: list[Any] = []
        validators_now: dict[str, str] = {}
        for page in range(_MAX_PAGES):
            if url is None:
                break
            response = ctx.client.get(
                url,
                params=params if page == 0 else None,
                headers=headers,
                validators=board_state.get("validators") if page == 0 and not ranged else None,
            )
            if response.not_modified:
                return None
            if page == 0:
                validators_now = response.validators
            body = response.json()
            rows.extend(parse_issues(body, repo, seen_at))
            raw.extend(body)
            url = next_link(response.headers.get("link"))
            if url is not None and not url.startswith(base + "/"):
                raise ParseError(f"github {repo}: Link header points off the API ({base})")
        if ranged:
            rows = [r for r in rows if in_range(r["period"], ctx.since, ctx.until)]
        if ctx.archive is not None:
            ctx.archive.save(
                f"github_issues/repos/{repo}/issues.json",
                json.dumps(raw, ensure_ascii=False).encode(),
            )
        updated = [u for u in (json.loads(r["extra"]).get("updated_at") for r in rows) if u]
        if updated and max(updated) > (board_state.get("cursor") or ""):
            board_state["cursor"] = max(updated)
        if validators_now and not ranged:
            board_state["validators"] = validators_now
        new_state = {
            **state,
            "boards": {**(state.get("boards") or {}), repo: board_state},
            "last_fetch_at": seen_at.isoformat(),
        }
        upsert = ctx.writer.upsert_postings(
            postings_frame(rows), seen_at=seen_at, state={SOURCE: new_state}
        )
        state.clear()
        state.update(new_state)
        return upsert

    return run_units(ctx, result, boards, fetch_board)
