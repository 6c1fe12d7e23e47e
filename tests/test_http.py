"""The shared HTTP client: retries, Retry-After, limits, redirects, strict JSON (no real sleeps)."""

from __future__ import annotations

import gzip
import logging
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from analyzer.errors import DeferredError, FetchError, ParseError, ResponseTooLargeError
from analyzer.sources.http import (
    HttpClient,
    HttpSettings,
    parse_json,
    parse_retry_after,
    redact_url,
)


class _Body(httpx.SyncByteStream):
    """A streamed body (httpx pre-reads plain ``content=``, hiding the raw bytes)."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def __iter__(self):
        yield self.data


def resp(
    status: int,
    body: bytes | None = None,
    *,
    json: object = None,
    headers: dict[str, str] | None = None,
) -> httpx.Response:
    """A mock response whose body is streamed like a real one."""
    if json is not None:
        import json as _json

        body = _json.dumps(json).encode()
        headers = {"Content-Type": "application/json", **(headers or {})}
    return httpx.Response(status, headers=headers, stream=_Body(body or b""))


def make_client(handler, sleeps: list[float] | None = None, **settings) -> HttpClient:
    base = {"rate_per_host": 0.0, "retries": 3, "backoff": 0.5, "backoff_max": 4.0}
    base.update(settings)
    recorder = sleeps if sleeps is not None else []
    return HttpClient(
        HttpSettings(**base), transport=httpx.MockTransport(handler), sleep=recorder.append
    )


def test_retries_503_then_succeeds_with_jittered_backoff() -> None:
    """Two 503s then a 200: three attempts, two waits each within the exponential cap."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return resp(503) if len(calls) < 3 else resp(200, json={"ok": 1})

    sleeps: list[float] = []
    response = make_client(handler, sleeps).get("https://api.example/x")
    assert response.json() == {"ok": 1}
    assert response.attempts == 3
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0


def test_404_is_not_retried() -> None:
    """A 4xx other than 429 fails at once with its status."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return resp(404)

    with pytest.raises(FetchError) as info:
        make_client(handler).get("https://api.example/missing")
    assert info.value.status == 404
    assert len(calls) == 1


def test_retry_after_seconds_and_http_date_are_honoured() -> None:
    """429 with Retry-After: 7 waits 7 s; an HTTP date 30 s ahead waits about 30 s."""
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    answers = [
        resp(429, headers={"Retry-After": "7"}),
        resp(503, headers={"Retry-After": when}),
        resp(200, json=[]),
    ]

    sleeps: list[float] = []
    make_client(lambda request: answers.pop(0), sleeps).get("https://api.example/x")
    assert sleeps[0] == 7.0
    assert 25 <= sleeps[1] <= 31


def test_far_retry_after_defers_the_source() -> None:
    """A Retry-After beyond http.max_retry_after raises DeferredError without waiting."""
    sleeps: list[float] = []
    client = make_client(
        lambda r: resp(429, headers={"Retry-After": "86400"}), sleeps, max_retry_after=300.0
    )
    with pytest.raises(DeferredError):
        client.get("https://api.example/x")
    assert sleeps == []


def test_parse_retry_after_forms() -> None:
    """Seconds, a past date (0), a future date, and garbage (None)."""
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert parse_retry_after("120", now) == 120.0
    assert parse_retry_after("Wed, 31 Dec 2025 23:00:00 GMT", now) == 0.0
    assert parse_retry_after("Thu, 01 Jan 2026 00:01:00 GMT", now) == 60.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(None) is None


def test_declared_oversize_body_is_refused_before_download() -> None:
    """A Content-Length above http.max_bytes raises ResponseTooLargeError, with no retry."""
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return resp(200, headers={"Content-Length": str(10**9)}, body=b"")

    with pytest.raises(ResponseTooLargeError):
        make_client(handler, max_bytes=1000).get("https://api.example/big")
    assert len(calls) == 1


def test_gzip_bomb_stops_at_the_cap() -> None:
    """8 MiB of zeros in ~8 KiB of gzip is refused at a 1 MiB cap instead of being inflated."""
    bomb = gzip.compress(b"\0" * (8 << 20))
    assert len(bomb) < 20_000

    def handler(request: httpx.Request) -> httpx.Response:
        return resp(200, headers={"Content-Encoding": "gzip"}, body=bomb)

    with pytest.raises(ResponseTooLargeError):
        make_client(handler, max_bytes=1 << 20).get("https://api.example/bomb")


def test_gzip_body_is_decoded() -> None:
    """A gzip-encoded JSON body comes back decoded."""
    body = gzip.compress(b'{"a": [1, 2]}')
    client = make_client(lambda r: resp(200, headers={"Content-Encoding": "gzip"}, body=body))
    assert client.get_json("https://api.example/z") == {"a": [1, 2]}


def test_cross_origin_redirect_drops_custom_headers() -> None:
    """Authorization and API-key headers reach the original origin only, never a redirect target."""
    seen: dict[str, httpx.Headers] = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen[request.url.host] = request.headers
        if request.url.host == "api.example":
            return resp(302, headers={"Location": "https://evil.example/x"})
        return resp(200, json={})

    make_client(handler).get(
        "https://api.example/a", headers={"Authorization": "Bearer s3cret", "X-Api-Key": "k"}
    )
    assert seen["api.example"]["authorization"] == "Bearer s3cret"
    assert "authorization" not in seen["evil.example"]
    assert "x-api-key" not in seen["evil.example"]
    assert seen["evil.example"]["user-agent"]


def test_conditional_request_sends_validators_and_reports_304() -> None:
    """ETag/Last-Modified go out as If-None-Match/If-Modified-Since; 304 is not_modified."""

    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"v1"':
            return resp(304)
        return resp(
            200, json=[], headers={"ETag": '"v1"', "Last-Modified": "Mon, 01 Jun 2026 00:00:00 GMT"}
        )

    client = make_client(handler)
    first = client.get("https://api.example/b")
    assert first.validators == {"etag": '"v1"', "last_modified": "Mon, 01 Jun 2026 00:00:00 GMT"}
    assert client.get("https://api.example/b", validators=first.validators).not_modified


def test_rate_limit_spaces_requests_per_host() -> None:
    """At 2 requests/s, three requests to one host wait 0.5 s and 1.0 s on a frozen clock."""
    sleeps: list[float] = []
    client = HttpClient(
        HttpSettings(rate_per_host=2.0),
        transport=httpx.MockTransport(lambda r: resp(200, json=1)),
        sleep=sleeps.append,
        clock=lambda: 100.0,
    )
    for _ in range(3):
        client.get("https://api.example/r")
    assert sleeps == [0.5, 1.0]


def test_user_agent_from_settings_and_no_query_in_errors(caplog) -> None:
    """The configured User-Agent is sent; error messages and logs never show the query string."""
    agents = []

    def handler(request: httpx.Request) -> httpx.Response:
        agents.append(request.headers["user-agent"])
        return resp(500)

    client = make_client(handler, user_agent="analyzer-test/1", retries=1)
    with caplog.at_level(logging.INFO), pytest.raises(FetchError) as info:
        client.get("https://api.example/s", params={"api_key": "TOPSECRET"})
    assert agents == ["analyzer-test/1", "analyzer-test/1"]
    assert "TOPSECRET" not in str(info.value)
    assert "TOPSECRET" not in caplog.text
    assert redact_url("https://u:p@h.example:8/p?k=v") == "https://h.example:8/p?…"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"a": 1,', "application/json"),
        (b'{"a": NaN}', "application/json"),
        (b"[" * 50_000 + b"]" * 50_000, "application/json"),
        ('{"a": "café"}'.encode("latin-1"), "application/json"),
        (b'{"a": 1}', "application/json; charset=x-unknown"),
    ],
    ids=["truncated", "nan", "deep", "latin1-without-charset", "unknown-charset"],
)
def test_bad_json_is_a_parse_error(body: bytes, content_type: str) -> None:
    """Truncated, NaN, deeply nested and wrongly encoded bodies all raise ParseError."""
    with pytest.raises(ParseError):
        parse_json(body, content_type)


def test_declared_charset_is_used() -> None:
    """A body in the charset its Content-Type declares decodes correctly."""
    assert parse_json('{"a": "café"}'.encode("latin-1"), "application/json; charset=latin-1") == {
        "a": "café"
    }
