"""The one HTTP client every source uses: polite, bounded and fault-tolerant.

httpx alone does not retry statuses, times out per chunk rather than per request, and
decompresses without a size limit (see ``RELIABILITY.md``). :class:`HttpClient` adds:

* a total deadline per request, checked while the body streams in;
* a size cap: a ``Content-Length`` above it is refused before downloading, and the body is
  read with ``iter_raw()`` and decompressed in bounded steps (a gzip bomb stops at the cap);
* retries with exponential backoff and full jitter on connection errors, 429 and 5xx, honouring
  ``Retry-After`` in seconds or as an HTTP date (clamped; beyond ``max_retry_after`` the request
  raises :class:`~analyzer.errors.DeferredError`); no retry on any other 4xx;
* a per-host rate limit (requests per second) and a per-host concurrency limit;
* conditional requests: pass the validators of the last response (``ETag``/``Last-Modified``)
  and a ``304 Not Modified`` comes back as a :class:`Response` with ``not_modified`` set;
* redirects followed by hand: custom headers (an API key, ``Authorization``) are sent only to
  the origin they were meant for;
* the User-Agent from config, and log lines that never show a query string;
* a count of every answer by host and status (:attr:`HttpClient.responses`): redirects, ``304``
  and each retried attempt included, transport errors counted as status ``"error"``.

The sleeper and the clock are injectable, so tests never wait for real seconds.
"""

from __future__ import annotations

import email.utils
import json
import logging
import random
import threading
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from analyzer.errors import DeferredError, FetchError, ParseError, ResponseTooLargeError

__all__ = [
    "HttpClient",
    "HttpSettings",
    "Response",
    "parse_json",
    "parse_retry_after",
    "redact_url",
]

log = logging.getLogger(__name__)


class _RedactUrls(logging.Filter):
    """Rewrites URLs in httpx's own log records (httpx logs full query strings at INFO)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_url(str(a)) if isinstance(a, httpx.URL) else a for a in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_RedactUrls())

_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 5
_CHUNK = 64 * 1024


@dataclass(frozen=True)
class HttpSettings:
    """The politeness and safety limits of :class:`HttpClient` (the ``http.*`` settings)."""

    user_agent: str = "analyzer"
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    deadline: float = 120.0
    max_bytes: int = 64 * 1024 * 1024
    retries: int = 4
    backoff: float = 1.0
    backoff_max: float = 60.0
    max_retry_after: float = 300.0
    rate_per_host: float = 1.0
    concurrency_per_host: int = 2

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> HttpSettings:
        """Build the settings from the ``http.*`` rows of the effective config."""
        return cls(
            user_agent=config["http.user_agent"],
            connect_timeout=config["http.connect_timeout"],
            read_timeout=config["http.read_timeout"],
            deadline=config["http.deadline"],
            max_bytes=config["http.max_bytes"],
            retries=config["http.retries"],
            backoff=config["http.backoff"],
            backoff_max=config["http.backoff_max"],
            max_retry_after=config["http.max_retry_after"],
            rate_per_host=config["http.rate_per_host"],
            concurrency_per_host=config["http.concurrency_per_host"],
        )


@dataclass
class Response:
    """A fully read response: status, headers, the decoded body and its validators."""

    url: str
    status: int
    headers: httpx.Headers
    content: bytes = b""
    attempts: int = 1

    @property
    def not_modified(self) -> bool:
        """True for a ``304`` answer to a conditional request (the cached copy is current)."""
        return self.status == 304

    @property
    def validators(self) -> dict[str, str]:
        """The ``etag``/``last_modified`` validators to send with the next conditional request."""
        out: dict[str, str] = {}
        if etag := self.headers.get("etag"):
            out["etag"] = etag
        if modified := self.headers.get("last-modified"):
            out["last_modified"] = modified
        return out

    def json(self) -> Any:
        """Parse the body as JSON; raise :class:`ParseError` on anything but strict JSON."""
        return parse_json(self.content, self.headers.get("content-type", ""), url=self.url)


def redact_url(url: str) -> str:
    """Return ``url`` without its query string and credentials (safe for logs and errors)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return f"{parts.scheme}://{host}{parts.path}" + ("?…" if parts.query else "")


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date).

    A date in the past gives ``0.0``; an unparsable value gives ``None`` (use the backoff).
    """
    if value is None:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = now or datetime.now(UTC)
    return max(0.0, (when - now).total_seconds())


def _reject_constant(name: str) -> Any:
    raise ValueError(f"non-standard JSON constant {name}")


def parse_json(body: bytes, content_type: str = "", *, url: str = "") -> Any:
    """Decode a JSON body strictly.

    Bytes are decoded with the charset of ``content_type`` (UTF-8 when none is given, as RFC 8259
    requires) with no silent replacement; ``NaN``/``Infinity`` are refused, and nesting deep
    enough to exhaust the parser's recursion (``RecursionError``) is a parse error too.

    Raises:
        ParseError: the body is not valid, strict, reasonably shallow JSON.
    """
    where = redact_url(url) if url else "response"
    charset = "utf-8"
    for param in content_type.split(";")[1:]:
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip():
            charset = val.strip().strip('"')
    try:
        text = body.decode(charset)
    except (UnicodeDecodeError, LookupError) as exc:
        raise ParseError(f"{where}: body is not valid {charset}: {exc}") from exc
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except (json.JSONDecodeError, ValueError, RecursionError) as exc:
        raise ParseError(f"{where}: invalid JSON: {exc}") from exc


class _HostGate:
    """Per-host rate limit (minimum interval between request starts) and concurrency cap."""

    def __init__(
        self,
        rate: float,
        concurrency: int,
        clock: Callable[[], float],
        sleep: Callable[[float], None],
    ) -> None:
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._slots = threading.BoundedSemaphore(max(1, concurrency))
        self._lock = threading.Lock()
        self._next_start = 0.0
        self._clock = clock
        self._sleep = sleep

    def acquire(self) -> None:
        self._slots.acquire()
        with self._lock:
            now = self._clock()
            start = max(now, self._next_start)
            self._next_start = start + self._interval
        if start > now:
            self._sleep(start - now)

    def release(self) -> None:
        self._slots.release()


@dataclass
class _Attempt:
    response: Response | None = None
    error: Exception | None = None
    retry_after: float | None = None
    retryable: bool = False


class HttpClient:
    """A synchronous HTTP client with retries, limits and conditional requests.

    Args:
        settings: timeouts, limits and politeness (see :class:`HttpSettings`).
        transport: an httpx transport (tests pass ``httpx.MockTransport``).
        sleep: called with seconds to wait (tests pass a recorder).
        clock: monotonic seconds (tests pass a fake clock).
        rng: the jitter source.
    """

    def __init__(
        self,
        settings: HttpSettings | None = None,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        rng: random.Random | None = None,
    ) -> None:
        self.settings = settings or HttpSettings()
        self._sleep = sleep
        self._clock = clock
        self._rng = rng or random.Random()
        self._gates: dict[str, _HostGate] = {}
        self._gates_lock = threading.Lock()
        timeout = httpx.Timeout(
            connect=self.settings.connect_timeout,
            read=self.settings.read_timeout,
            write=self.settings.read_timeout,
            pool=self.settings.deadline,
        )
        self._client = httpx.Client(
            transport=transport,
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": self.settings.user_agent, "Accept-Encoding": "gzip, deflate"},
        )
        self.requests_sent = 0
        #: Answers per ``(host, status)``: every attempt, redirects, 304 and retries included;
        #: ``status`` is the HTTP code as a string, or ``"error"`` for a transport failure.
        self.responses: Counter[tuple[str, str]] = Counter()
        self._responses_lock = threading.Lock()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the connection pool."""
        self._client.close()

    def __repr__(self) -> str:
        return f"HttpClient(rate_per_host={self.settings.rate_per_host}, sent={self.requests_sent})"

    def _gate(self, url: str) -> _HostGate:
        host = urlsplit(url).netloc.lower()
        with self._gates_lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = _HostGate(
                    self.settings.rate_per_host,
                    self.settings.concurrency_per_host,
                    self._clock,
                    self._sleep,
                )
                self._gates[host] = gate
            return gate

    def get(
        self,
        url: str,
        *,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
        validators: Mapping[str, str] | None = None,
    ) -> Response:
        """GET ``url`` with retries; return the fully read response (2xx or 304).

        Args:
            url: absolute URL (keep secrets out of it: pass them in ``headers``).
            params: query parameters.
            headers: extra headers, sent only to ``url``'s origin (not across redirects).
            validators: ``etag``/``last_modified`` of a cached copy, for a conditional request.

        Raises:
            FetchError: a non-retryable status, or retries exhausted.
            DeferredError: the server asked us to wait longer than ``max_retry_after``.
            ResponseTooLargeError: the body is larger than ``max_bytes``.
        """
        request_url = str(httpx.URL(url, params=params)) if params else url
        send_headers = dict(headers or {})
        if validators:
            if validators.get("etag"):
                send_headers["If-None-Match"] = validators["etag"]
            if validators.get("last_modified"):
                send_headers["If-Modified-Since"] = validators["last_modified"]
        s = self.settings
        last_error: Exception | None = None
        for attempt in range(s.retries + 1):
            outcome = self._attempt(request_url, send_headers)
            if outcome.response is not None:
                outcome.response.attempts = attempt + 1
                return outcome.response
            last_error = outcome.error
            if not outcome.retryable:
                assert last_error is not None
                raise last_error
            if attempt == s.retries:
                break
            if outcome.retry_after is not None:
                if outcome.retry_after > s.max_retry_after:
                    status = getattr(last_error, "status", None)
                    raise DeferredError(
                        f"{redact_url(request_url)}: server asked to retry in "
                        f"{outcome.retry_after:.0f}s (more than {s.max_retry_after:.0f}s)",
                        url=redact_url(request_url),
                        status=status,
                    )
                wait = outcome.retry_after
            else:
                wait = self._rng.uniform(0, min(s.backoff_max, s.backoff * 2**attempt))
            log.info("retrying %s in %.2fs after: %s", redact_url(request_url), wait, last_error)
            self._sleep(wait)
        assert last_error is not None
        if isinstance(last_error, FetchError):
            raise FetchError(
                f"{last_error} (gave up after {s.retries + 1} attempts)",
                url=last_error.url,
                status=last_error.status,
            ) from last_error
        raise FetchError(f"{redact_url(request_url)}: {last_error}") from last_error

    def get_json(self, url: str, **kwargs: Any) -> Any:
        """GET ``url`` and parse its body as strict JSON (see :meth:`get`, :func:`parse_json`)."""
        return self.get(url, **kwargs).json()

    def _attempt(self, url: str, headers: dict[str, str]) -> _Attempt:
        """One request, following same-origin-safe redirects; never raises for the network."""
        origin = urlsplit(url)[:2]
        current, extra = url, headers
        for _ in range(_MAX_REDIRECTS + 1):
            gate = self._gate(current)
            gate.acquire()
            try:
                self.requests_sent += 1
                outcome, location = self._send(current, extra)
            finally:
                gate.release()
            if location is None:
                return outcome
            target = urljoin(current, location)
            if urlsplit(target).scheme not in ("http", "https"):
                return _Attempt(
                    error=FetchError(
                        f"{redact_url(current)}: redirect to a non-HTTP URL refused",
                        url=redact_url(current),
                    )
                )
            if urlsplit(target)[:2] != origin:
                # Another origin must not receive our keys or tokens.
                extra = {
                    k: v
                    for k, v in extra.items()
                    if k.lower() in ("if-none-match", "if-modified-since")
                }
            current = target
        return _Attempt(
            error=FetchError(f"{redact_url(url)}: too many redirects", url=redact_url(url))
        )

    def _count(self, url: str, status: str) -> None:
        host = (urlsplit(url).hostname or "").lower()
        with self._responses_lock:
            self.responses[(host, status)] += 1

    def _send(self, url: str, headers: dict[str, str]) -> tuple[_Attempt, str | None]:
        safe = redact_url(url)
        started = self._clock()
        deadline = started + self.settings.deadline
        answered = False
        try:
            with self._client.stream("GET", url, headers=headers) as resp:
                status = resp.status_code
                self._count(url, str(status))
                answered = True
                if status in _REDIRECTS and resp.headers.get("location"):
                    return _Attempt(), resp.headers["location"]
                if status in _RETRY_STATUSES:
                    retry_after = parse_retry_after(resp.headers.get("retry-after"))
                    err = FetchError(f"{safe}: HTTP {status}", url=safe, status=status)
                    return _Attempt(error=err, retry_after=retry_after, retryable=True), None
                if status == 304:
                    return _Attempt(response=Response(str(resp.url), 304, resp.headers)), None
                if status >= 400 or status < 200:
                    err = FetchError(f"{safe}: HTTP {status}", url=safe, status=status)
                    return _Attempt(error=err, retryable=False), None
                body = self._read_body(resp, safe, deadline)
                return _Attempt(response=Response(str(resp.url), status, resp.headers, body)), None
        except ResponseTooLargeError as exc:
            return _Attempt(error=exc, retryable=False), None
        except FetchError as exc:  # deadline exceeded or a broken encoding: retry
            return _Attempt(error=exc, retryable=True), None
        except httpx.HTTPError as exc:  # connect/read timeouts, resets, protocol errors
            if not answered:  # a failure after the status line was counted with its status
                self._count(url, "error")
            err = FetchError(f"{safe}: {type(exc).__name__}: {exc}", url=safe)
            return _Attempt(error=err, retryable=True), None

    def _read_body(self, resp: httpx.Response, safe: str, deadline: float) -> bytes:
        limit = self.settings.max_bytes
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise ResponseTooLargeError(
                f"{safe}: Content-Length {int(declared):,} exceeds the {limit:,}-byte limit",
                url=safe,
                status=resp.status_code,
            )
        decoder = _Decoder(resp.headers.get("content-encoding", ""), limit, safe)
        parts: list[bytes] = []
        for chunk in resp.iter_raw():  # no chunk_size: it would buffer a slow drip
            if self._clock() > deadline:
                raise FetchError(
                    f"{safe}: no complete response within the {self.settings.deadline:g}s deadline",
                    url=safe,
                    status=resp.status_code,
                )
            parts.extend(decoder.feed(chunk))
        parts.extend(decoder.finish())
        body = b"".join(parts)
        if declared and declared.isdigit() and decoder.raw_bytes < int(declared):
            raise FetchError(
                f"{safe}: body truncated ({decoder.raw_bytes} of {declared} bytes)",
                url=safe,
                status=resp.status_code,
            )
        return body


@dataclass
class _Decoder:
    """Decompress gzip/deflate in bounded steps, refusing output beyond ``limit`` bytes."""

    encoding: str
    limit: int
    url: str
    raw_bytes: int = 0
    out_bytes: int = 0
    _zlib: Any = field(default=None, init=False)

    def __post_init__(self) -> None:
        enc = self.encoding.strip().lower()
        if enc in ("gzip", "x-gzip"):
            self._zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif enc == "deflate":
            self._zlib = zlib.decompressobj()
        elif enc not in ("", "identity"):
            raise FetchError(f"{self.url}: unsupported Content-Encoding {enc!r}", url=self.url)

    def _count(self, data: bytes) -> bytes:
        self.out_bytes += len(data)
        if self.out_bytes > self.limit:
            raise ResponseTooLargeError(
                f"{self.url}: body exceeds the {self.limit:,}-byte limit", url=self.url
            )
        return data

    def feed(self, chunk: bytes) -> Iterator[bytes]:
        self.raw_bytes += len(chunk)
        if self._zlib is None:
            yield self._count(chunk)
            return
        data = chunk
        try:
            while data:
                yield self._count(self._zlib.decompress(data, _CHUNK))
                data = self._zlib.unconsumed_tail
        except zlib.error as exc:
            raise FetchError(f"{self.url}: corrupt compressed body: {exc}", url=self.url) from exc

    def finish(self) -> Iterator[bytes]:
        if self._zlib is None:
            return
        try:
            # Input is fully consumed by now, so what is left is at most one window.
            yield self._count(self._zlib.flush())
        except zlib.error as exc:
            raise FetchError(f"{self.url}: corrupt compressed body: {exc}", url=self.url) from exc
        if not self._zlib.eof:
            raise FetchError(f"{self.url}: compressed body truncated", url=self.url)
