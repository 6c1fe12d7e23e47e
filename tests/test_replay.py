"""The replay server answers like the real APIs: paths, pagination, ETags, 404s, faults."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from analyzer.errors import InputError
from analyzer.replay import Fault, ReplayServer, parse_fault

pytestmark = pytest.mark.corpus


@pytest.fixture
def server(shared_data: Path) -> Iterator[ReplayServer]:
    with ReplayServer(shared_data) as srv:
        yield srv


def test_algolia_search_and_items(server: ReplayServer, shared_data: Path) -> None:
    """Story search returns every thread with nbPages; an item comes gzip-encoded and whole."""
    with httpx.Client(base_url=server.url) as client:
        search = client.get(
            "/hn/api/v1/search_by_date",
            params={"tags": "story,author_whoishiring", "hitsPerPage": 50},
        )
        body = search.json()
        assert body["nbHits"] == 123 and body["nbPages"] == 3 and len(body["hits"]) == 50
        item = client.get("/hn/api/v1/items/3412900")
        assert item.headers["content-encoding"] == "gzip"
        assert len(item.json()["children"]) == 151
        assert client.get("/hn/api/v1/items/999").status_code == 404


def test_github_link_pagination_and_etag(server: ReplayServer, shared_data: Path) -> None:
    """per_page/page slice the board; Link has next/last; a matching If-None-Match gets 304."""
    issues = json.loads(
        (shared_data / "github_issues/repos/DevOps-Brasil/Vagas/issues.json").read_text()
    )
    path = "/github/repos/DevOps-Brasil/Vagas/issues"
    with httpx.Client(base_url=server.url) as client:
        page1 = client.get(path, params={"state": "all", "per_page": 30})
        assert [i["number"] for i in page1.json()] == [i["number"] for i in issues[:30]]
        assert 'rel="next"' in page1.headers["link"] and "page=2" in page1.headers["link"]
        last = client.get(path, params={"state": "all", "per_page": 30, "page": 3})
        assert len(last.json()) == len(issues) - 60 and 'rel="next"' not in last.headers["link"]
        again = client.get(
            path,
            params={"state": "all", "per_page": 30},
            headers={"If-None-Match": page1.headers["etag"]},
        )
        assert again.status_code == 304


def test_ats_boards_answer_for_their_recorded_board_only(server: ReplayServer) -> None:
    """The recorded Greenhouse/Lever/Ashby responses answer their board; others are 404."""
    with httpx.Client(base_url=server.url) as client:
        assert len(client.get("/greenhouse/v1/boards/anthropic/jobs").json()["jobs"]) == 4
        assert len(client.get("/lever/v0/postings/spotify").json()) == 4
        assert len(client.get("/ashby/posting-api/job-board/ramp").json()["jobs"]) == 4
        assert client.get("/greenhouse/v1/boards/other/jobs").status_code == 404


def test_faults_are_used_then_cleared(server: ReplayServer) -> None:
    """A fault with times=2 answers twice, then the path answers normally."""
    path = "/lever/v0/postings/spotify"
    server.inject(path, Fault("503", times=2, retry_after="1"))
    with httpx.Client(base_url=server.url) as client:
        first = client.get(path)
        assert first.status_code == 503 and first.headers["retry-after"] == "1"
        assert client.get(path).status_code == 503
        assert client.get(path).status_code == 200


def test_parse_fault_spec() -> None:
    """PATH=KIND[:TIMES] parses; unknown kinds and relative paths are refused."""
    path, fault = parse_fault("/hn/api/v1/items/1=reset:3")
    assert path == "/hn/api/v1/items/1" and fault.kind == "reset" and fault.times == 3
    assert parse_fault("/x=slow")[1].times is None
    with pytest.raises(InputError):
        parse_fault("/x=teapot")
    with pytest.raises(InputError):
        parse_fault("x=503")
