"""A real HTTP server on 127.0.0.1 that replays a data directory as the real APIs would.

The directory is laid out like ``../shared/data`` (and like the ``--keep-raw`` archive); each file
answers one API path:

* ``hn/stories.json``: ``/hn/api/v1/search_by_date?tags=&hitsPerPage=&page=`` (Algolia search).
* ``hn/items/<story_id>.json.gz``: ``/hn/api/v1/items/<story_id>`` (sent gzip-encoded when accepted).
* ``github_issues/repos/<o>/<r>/issues.json``: ``/github/repos/<o>/<r>/issues?state=&per_page=&page=
  &since=``, paginated with a ``Link`` header as GitHub does.
* ``ats/greenhouse_jobs.json`` or ``ats/greenhouse/<board>.json``: ``/greenhouse/v1/boards/<b>/jobs``.
* ``ats/lever_postings.json`` or ``ats/lever/<company>.json``: ``/lever/v0/postings/<company>``.
* ``ats/ashby_jobs.json`` or ``ats/ashby/<board>.json``: ``/ashby/posting-api/job-board/<board>``.
* ``ats/remotive_jobs.json`` or ``ats/remotive/<category>.json``: ``/remotive/api/remote-jobs``.
* ``pages/<name>``: ``/pages/<name>`` (career pages for the JSON-LD source).

A recorded ATS file answers for the board it was recorded from (``anthropic``, ``spotify``,
``ramp``); other boards are 404, as on the real APIs. Every 200 carries an ``ETag`` and a
conditional request with a matching ``If-None-Match`` gets ``304``. ``/robots.txt`` allows all.

Faults are injected per path (the URL path without its query) for tests and demos:
``429`` (with ``Retry-After``), ``503``, ``reset`` (connection reset before any answer),
``truncate`` (half the body, then close), ``slow`` (one byte every ``interval`` seconds),
``oversize`` (a declared ``Content-Length`` beyond any cap), ``huge`` (an undeclared, endless
chunked body), ``gzip-bomb`` (64 MiB of zeros in ~64 KiB of gzip), ``bad-json``, ``nan-json``,
``deep-json``, ``404``. Each fault is used ``times`` times (``None``: forever), then the path
answers normally again.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import socket
import struct
import threading
import time
import zlib
from dataclasses import dataclass
from email.utils import formatdate
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

from analyzer.errors import InputError

__all__ = ["FAULT_KINDS", "Fault", "ReplayServer", "parse_fault"]

FAULT_KINDS = (
    "429",
    "503",
    "404",
    "reset",
    "truncate",
    "slow",
    "oversize",
    "huge",
    "gzip-bomb",
    "bad-json",
    "nan-json",
    "deep-json",
)

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


@dataclass
class Fault:
    """One injected misbehaviour of a path.

    Attributes:
        kind: one of :data:`FAULT_KINDS`.
        times: how many requests it affects (``None``: every request).
        retry_after: the ``Retry-After`` value sent with ``429``/``503`` (seconds or HTTP date).
        interval: seconds between bytes for ``slow``.
    """

    kind: str
    times: int | None = 1
    retry_after: str | None = None
    interval: float = 0.2

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise InputError(f"unknown fault {self.kind!r}; choose from {', '.join(FAULT_KINDS)}")


def parse_fault(spec: str) -> tuple[str, Fault]:
    """Parse ``PATH=KIND[:TIMES]`` (as given to ``analyzer replay-server --fault``).

    Raises:
        InputError: the spec is malformed or the kind unknown.
    """
    path, sep, rest = spec.partition("=")
    if not sep or not path.startswith("/"):
        raise InputError(f"fault must be PATH=KIND[:TIMES], got {spec!r}")
    kind, _, times = rest.partition(":")
    if times and not times.isdigit():
        raise InputError(f"fault TIMES must be a number, got {times!r}")
    return path, Fault(kind, times=int(times) if times else None)


@cache
def _gzip_bomb() -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = b"\0" * (1 << 20)
    return b"".join(compressor.compress(block) for _ in range(64)) + compressor.flush()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class _Data:
    """Reads the data directory, with the few transformations the real APIs make."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _json(self, *parts: str) -> Any | None:
        path = self.root.joinpath(*parts)
        if not path.is_file():
            return None
        return json.loads(path.read_bytes())

    def hn_search(self, query: dict[str, str]) -> Any | None:
        body = self._json("hn", "stories.json")
        if body is None:
            return None
        wanted = {t for t in query.get("tags", "").split(",") if t}
        hits = [h for h in body.get("hits", []) if wanted <= set(h.get("_tags", wanted))]
        per_page = max(1, min(int(query.get("hitsPerPage", "20") or 20), 1000))
        page = max(0, int(query.get("page", "0") or 0))
        pages = max(1, -(-len(hits) // per_page))
        return {
            **body,
            "hits": hits[page * per_page : (page + 1) * per_page],
            "nbHits": len(hits),
            "page": page,
            "nbPages": pages,
            "hitsPerPage": per_page,
        }

    def hn_item_gz(self, story_id: str) -> bytes | None:
        path = self.root / "hn" / "items" / f"{story_id}.json.gz"
        return path.read_bytes() if _SAFE.match(story_id) and path.is_file() else None

    def github_issues(self, owner: str, repo: str) -> list[Any] | None:
        if not (_SAFE.match(owner) and _SAFE.match(repo)):
            return None
        return self._json("github_issues", "repos", owner, repo, "issues.json")

    def ats(self, source: str, board: str, recorded: str, board_of: Any) -> Any | None:
        if not _SAFE.match(board):
            return None
        own = self._json("ats", source, f"{board}.json")
        if own is not None:
            return own
        body = self._json("ats", recorded)
        if body is None:
            return None
        return body if board_of(body) == board else None


#: The recorded ATS boards: (path pattern, source, recorded file, job field whose URL names the board).
_ATS_ROUTES: tuple[tuple[str, str, str, str], ...] = (
    (r"/greenhouse/v1/boards/([^/]+)/jobs", "greenhouse", "greenhouse_jobs.json", "absolute_url"),
    (r"/lever/v0/postings/([^/]+)", "lever", "lever_postings.json", "hostedUrl"),
    (r"/ashby/posting-api/job-board/([^/]+)", "ashby", "ashby_jobs.json", "jobUrl"),
)


def _board_from_url(url: str | None, index: int) -> str | None:
    if not url:
        return None
    parts = urlsplit(url).path.strip("/").split("/")
    return parts[index] if len(parts) > index else None


def _first(jobs: Any, key: str) -> str | None:
    items = jobs if isinstance(jobs, list) else (jobs or {}).get("jobs") or []
    return items[0].get(key) if items and isinstance(items[0], dict) else None


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # quiet: tests run many requests
        pass

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        self.server.record(parts.path)
        fault = self.server.take_fault(parts.path)
        if fault is not None and self._fault(fault):
            return
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        try:
            routed = self._route(parts.path, query)
        except (ValueError, json.JSONDecodeError) as exc:
            self._send(400, json.dumps({"message": str(exc)}).encode())
            return
        if routed is None:
            self._send(404, b'{"message": "Not Found"}')
            return
        body, headers = routed
        etag = '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        headers.setdefault("ETag", etag)
        if self.headers.get("If-None-Match") == headers["ETag"]:
            self._send(304, b"", {"ETag": headers["ETag"]})
            return
        self._send(200, body, headers)

    # -- routes

    def _route(self, path: str, query: dict[str, str]) -> tuple[bytes, dict[str, str]] | None:
        data = self.server.data
        if path in self.server.overrides:
            body, headers = self.server.overrides[path]
            return body, dict(headers)
        if path == "/robots.txt":
            return b"User-agent: *\nAllow: /\n", {"Content-Type": "text/plain"}
        if path == "/hn/api/v1/search_by_date":
            return _json_body(data.hn_search(query))
        if m := re.fullmatch(r"/hn/api/v1/items/([^/]+)", path):
            raw = data.hn_item_gz(m.group(1))
            if raw is None:
                return None
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                return raw, {
                    "Content-Type": "application/json; charset=utf-8",
                    "Content-Encoding": "gzip",
                }
            return gzip.decompress(raw), {"Content-Type": "application/json; charset=utf-8"}
        if m := re.fullmatch(r"/github/repos/([^/]+)/([^/]+)/issues", path):
            return self._github(m.group(1), m.group(2), query)
        for pattern, source, recorded, url_key in _ATS_ROUTES:
            if m := re.fullmatch(pattern, path):
                board = m.group(1)
                return _json_body(
                    data.ats(
                        source,
                        board,
                        recorded,
                        lambda b, k=url_key: _board_from_url(_first(b, k), 0),
                    )
                )
        if path == "/remotive/api/remote-jobs":
            category = query.get("category", "")
            listing: Any = (
                data.ats("remotive", category, "remotive_jobs.json", lambda b: category)
                if category
                else data._json("ats", "remotive_jobs.json")
            )
            own = (data.root / "ats" / "remotive" / f"{category}.json").is_file()
            if listing is not None and category and "jobs" in listing and not own:
                jobs = [j for j in listing["jobs"] if _slug(j.get("category", "")) == category]
                listing = {**listing, "jobs": jobs, "job-count": len(jobs)}
            return _json_body(listing)
        if m := re.fullmatch(r"/pages/([^/]+)", path):
            page = data.root / "pages" / m.group(1)
            if _SAFE.match(m.group(1)) and page.is_file():
                return page.read_bytes(), {"Content-Type": "text/html; charset=utf-8"}
        return None

    def _github(
        self, owner: str, repo: str, query: dict[str, str]
    ) -> tuple[bytes, dict[str, str]] | None:
        issues = self.server.data.github_issues(owner, repo)
        if issues is None:
            return None
        state = query.get("state", "open")
        if state != "all":
            issues = [i for i in issues if i.get("state") == state]
        if since := query.get("since"):
            issues = [i for i in issues if (i.get("updated_at") or "") >= since]
        per_page = max(1, min(int(query.get("per_page", "30")), 100))
        page = max(1, int(query.get("page", "1")))
        last = max(1, -(-len(issues) // per_page))
        body = json.dumps(issues[(page - 1) * per_page : page * per_page]).encode()
        base = f"{self.server.url}/github/repos/{owner}/{repo}/issues"

        def link(p: int) -> str:
            return f"{base}?{urlencode({**query, 'page': p})}"

        rels = []
        if page < last:
            rels += [f'<{link(page + 1)}>; rel="next"', f'<{link(last)}>; rel="last"']
        if page > 1:
            rels += [f'<{link(1)}>; rel="first"', f'<{link(page - 1)}>; rel="prev"']
        headers = {"Content-Type": "application/json; charset=utf-8"}
        if rels:
            headers["Link"] = ", ".join(rels)
        return body, headers

    # -- output

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if not headers or "Content-Type" not in headers:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Last-Modified", formatdate(self.server.started, usegmt=True))
        self.end_headers()
        self.wfile.write(body)

    def _fault(self, fault: Fault) -> bool:
        """Misbehave; return True when the request is fully handled."""
        kind = fault.kind
        if kind in ("429", "503", "404"):
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            self._send(int(kind), b'{"message": "injected fault"}', headers)
            return True
        if kind == "reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return True
        if kind in ("bad-json", "nan-json", "deep-json"):
            body = {
                "bad-json": b'{"hits": [1, 2,',
                "nan-json": b'{"hits": [], "x": NaN}',
                "deep-json": b"[" * 100_000 + b"]" * 100_000,
            }[kind]
            self._send(200, body)
            return True
        if kind == "oversize":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(1 << 40))
            self.end_headers()
            self.close_connection = True
            return True
        if kind == "gzip-bomb":
            self._send(200, _gzip_bomb(), {"Content-Encoding": "gzip"})
            return True
        if kind == "huge":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            self.close_connection = True
            chunk = b"[" + b"0," * 32767 + b"0]"
            try:
                for _ in range(4096):  # up to ~256 MiB, stops when the client hangs up
                    self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            except OSError:
                pass
            return True
        # truncate / slow need the real body first.
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        routed = self._route(parts.path, query)
        body, headers = routed if routed is not None else (b'{"message": "Not Found"}', {})
        self.send_response(200)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.close_connection = True
        try:
            if kind == "truncate":
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
            else:  # slow
                for i in range(len(body)):
                    self.wfile.write(body[i : i + 1])
                    self.wfile.flush()
                    if self.server.stopping.wait(fault.interval):
                        break
        except OSError:
            pass
        return True


def _json_body(body: Any | None) -> tuple[bytes, dict[str, str]] | None:
    if body is None:
        return None
    return json.dumps(body, ensure_ascii=False).encode(), {
        "Content-Type": "application/json; charset=utf-8"
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], data: _Data) -> None:
        super().__init__(address, _Handler)
        self.data = data
        self.faults: dict[str, list[Fault]] = {}
        self.overrides: dict[str, tuple[bytes, dict[str, str]]] = {}
        self.requests: list[str] = []
        self.lock = threading.Lock()
        self.started = time.time()
        self.stopping = threading.Event()
        host, port = self.server_address[:2]
        host = host.decode() if isinstance(host, bytes) else host
        self.url = f"http://{host}:{port}"

    def record(self, path: str) -> None:
        with self.lock:
            self.requests.append(path)

    def take_fault(self, path: str) -> Fault | None:
        with self.lock:
            queue = self.faults.get(path)
            if not queue:
                return None
            fault = queue[0]
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    queue.pop(0)
            return fault


class ReplayServer:
    """Serve a data directory on 127.0.0.1 as the real APIs would (see the module doc).

    Use as a context manager (a background thread) or call :meth:`serve_forever`.

    Args:
        data_dir: a directory laid out like ``../shared/data``.
        host: the address to bind; only loopback is meant.
        port: ``0`` picks a free port.
    """

    def __init__(self, data_dir: str | Path, host: str = "127.0.0.1", port: int = 0) -> None:
        root = Path(data_dir)
        if not root.is_dir():
            raise InputError(f"replay data directory not found: {root}")
        self._server = _Server((host, port), _Data(root))
        self._thread: threading.Thread | None = None

    def __repr__(self) -> str:
        return f"ReplayServer({self.url!r}, data={str(self._server.data.root)!r})"

    @property
    def url(self) -> str:
        """The server's base URL, e.g. ``http://127.0.0.1:8765``."""
        return self._server.url

    @property
    def requests(self) -> list[str]:
        """Paths requested so far, in order (a copy)."""
        with self._server.lock:
            return list(self._server.requests)

    def base_urls(self) -> dict[str, str]:
        """The ``sources.*.base_url`` settings that point every source at this server."""
        return {
            "sources.hn.base_url": f"{self.url}/hn/api/v1",
            "sources.github.base_url": f"{self.url}/github",
            "sources.greenhouse.base_url": f"{self.url}/greenhouse",
            "sources.lever.base_url": f"{self.url}/lever",
            "sources.lever.eu_base_url": f"{self.url}/lever",
            "sources.ashby.base_url": f"{self.url}/ashby",
            "sources.remotive.base_url": f"{self.url}/remotive/api",
        }

    def inject(self, path: str, fault: Fault) -> None:
        """Queue ``fault`` for requests to ``path`` (after any faults already queued)."""
        with self._server.lock:
            self._server.faults.setdefault(path, []).append(fault)

    def clear_faults(self) -> None:
        """Remove every queued fault."""
        with self._server.lock:
            self._server.faults.clear()

    def override(self, path: str, body: bytes, headers: dict[str, str] | None = None) -> None:
        """Answer ``path`` with ``body`` instead of the data directory (e.g. a changed board)."""
        with self._server.lock:
            self._server.overrides[path] = (body, dict(headers or {}))

    def clear_overrides(self) -> None:
        """Forget every override."""
        with self._server.lock:
            self._server.overrides.clear()

    def start(self) -> ReplayServer:
        """Serve in a daemon thread."""
        self._thread = threading.Thread(
            target=self._server.serve_forever, daemon=True, name="replay-server"
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in this thread until interrupted."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> ReplayServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
