"""Prometheus metrics of the nightly run: the textfile, the Pushgateway push, the HTTP counts.

The textfile and the pushed bodies are read back with prometheus-client's own parser of the text
format, and their values checked against a real run against the replay server (fixture data of
``test_run``) or a real local HTTP server standing in for the Pushgateway.
"""

from __future__ import annotations

import logging
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY, generate_latest
from prometheus_client.parser import text_string_to_metric_families
from test_run import BOARD, JOBS, PER_THREAD, THREADS, run_env, write_data

from analyzer import metrics, pipeline
from analyzer.config import Config, load_config
from analyzer.replay import Fault, ReplayServer
from analyzer.sources.http import HttpClient, HttpSettings

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def samples(text: str) -> Samples:
    """Every sample of a text-format exposition: ``(name, sorted labels) -> value``."""
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def value(parsed: Samples, name: str, **labels: str) -> float:
    return parsed[(name, tuple(sorted(labels.items())))]


class _Gateway(BaseHTTPRequestHandler):
    """A stand-in Pushgateway: records each push's method, path and body, answers 200."""

    server: _GatewayServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode()
        self.server.pushes.append((self.command, self.path, body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_PUT = do_POST = _record


class _GatewayServer(ThreadingHTTPServer):
    daemon_threads = True
    pushes: list[tuple[str, str, str]]


@pytest.fixture
def gateway() -> Iterator[_GatewayServer]:
    """A local HTTP server on 127.0.0.1 recording the pushes it receives."""
    server = _GatewayServer(("127.0.0.1", 0), _Gateway)
    server.pushes = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def replay(tmp_path: Path) -> Iterator[ReplayServer]:
    with ReplayServer(write_data(tmp_path / "data")) as server:
        yield server


def run_config(server: ReplayServer, work: Path, **overrides: Any) -> Config:
    """Settings for an in-process run against the replay server."""
    return load_config(env={}).with_overrides(
        {
            **server.base_urls(),
            "store": str(work / "store"),
            "report.out": str(work / "reports"),
            "run.sources": ["hn", "greenhouse"],
            "sources.greenhouse.boards": [BOARD],
            "http.rate_per_host": 0,
            "http.backoff": 0.01,
            "http.backoff_max": 0.05,
            "http.retries": 1,
            **overrides,
        }
    )


def test_textfile_and_push_carry_the_real_values_of_a_run(
    replay: ReplayServer, gateway: _GatewayServer, tmp_path: Path
) -> None:
    """A successful run writes and PUTs its counts, durations and HTTP answers; a failed run then
    POSTs (keeping the gateway's last success), sets success 0, counts the failure and keeps the
    previous last-success time in the textfile."""
    prom = tmp_path / "analyzer.prom"
    url = f"http://127.0.0.1:{gateway.server_address[1]}"
    config = run_config(
        replay,
        tmp_path,
        **{"metrics.textfile": str(prom), "metrics.pushgateway": url, "metrics.job": "nightly"},
    )
    summary = pipeline.run(config)
    assert not summary.failed
    parsed = samples(prom.read_text())
    hn_total = len(THREADS) * PER_THREAD
    assert value(parsed, "analyzer_run_postings", source="hn", change="new") == hn_total
    assert value(parsed, "analyzer_run_postings", source="greenhouse", change="new") == JOBS
    assert value(parsed, "analyzer_run_postings", source="greenhouse", change="closed") == 0
    assert value(parsed, "analyzer_run_failures", source="hn") == 0
    assert value(parsed, "analyzer_run_postings_tagged") == hn_total + JOBS
    assert value(parsed, "analyzer_run_reports_written") == 2
    assert value(parsed, "analyzer_run_success") == 1
    # One search page, three threads, one board: every answer a 200 from the replay server.
    assert value(parsed, "analyzer_run_http_responses", host="127.0.0.1", code="200") == 5
    assert len(replay.requests) == 5
    stages = {s: value(parsed, "analyzer_run_duration_seconds", stage=s) for s in summary.durations}
    assert set(stages) == {"fetch", "tag", "report", "total"}
    # Each duration is rounded to the millisecond: the parts may exceed the total by 1.5 ms.
    assert stages["total"] + 0.002 >= stages["fetch"] + stages["tag"] + stages["report"] > 0
    first_success = value(parsed, "analyzer_last_success_timestamp_seconds")
    assert first_success == value(parsed, "analyzer_last_run_timestamp_seconds")
    assert first_success == pytest.approx(summary.finished_at)

    [(method, path, body)] = gateway.pushes
    assert (method, path) == ("PUT", "/metrics/job/nightly")
    assert samples(body) == parsed

    replay.inject(f"/greenhouse/v1/boards/{BOARD}/jobs", Fault("503", times=None))
    failed = pipeline.run(config)
    assert failed.failed
    parsed = samples(prom.read_text())
    assert value(parsed, "analyzer_run_success") == 0
    assert value(parsed, "analyzer_run_failures", source="greenhouse") == 1
    assert value(parsed, "analyzer_run_postings", source="hn", change="new") == 0
    assert value(parsed, "analyzer_run_postings_tagged") == 0
    assert value(parsed, "analyzer_run_reports_written") == 0  # up to date
    # The 503 and its one retry; the three HN threads answer 304 (validators kept).
    assert value(parsed, "analyzer_run_http_responses", host="127.0.0.1", code="503") == 2
    assert value(parsed, "analyzer_run_http_responses", host="127.0.0.1", code="304") >= 1
    assert value(parsed, "analyzer_last_success_timestamp_seconds") == first_success
    assert value(parsed, "analyzer_last_run_timestamp_seconds") > first_success
    method, path, body = gateway.pushes[1]
    assert (method, path) == ("POST", "/metrics/job/nightly")
    pushed = samples(body)
    assert value(pushed, "analyzer_run_success") == 0
    assert ("analyzer_last_success_timestamp_seconds", ()) in pushed  # read back from the file
    # Runs never touch the process-global registry.
    assert b"analyzer_run" not in generate_latest(REGISTRY)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_push_to_a_dead_gateway_is_a_warning_and_exit_0(
    replay: ReplayServer, tmp_path: Path
) -> None:
    """`analyzer run` with an unreachable Pushgateway logs a warning, still writes the textfile,
    and exits 0."""
    prom = tmp_path / "analyzer.prom"
    env = run_env(
        replay,
        tmp_path,
        ANALYZER_RUN_SOURCES="remotive",  # not configured: skipped, so the run is quick
        ANALYZER_METRICS_PUSHGATEWAY=f"http://127.0.0.1:{free_port()}",
        ANALYZER_METRICS_PUSH_TIMEOUT="2",
        ANALYZER_METRICS_TEXTFILE=str(prom),
    )
    done = subprocess.run(
        [sys.executable, "-m", "analyzer", "run"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "WARNING analyzer.metrics: cannot push metrics to the Pushgateway" in done.stderr
    parsed = samples(prom.read_text())
    assert value(parsed, "analyzer_run_success") == 1
    assert ("analyzer_run_postings", (("change", "new"), ("source", "remotive"))) in parsed


def test_failed_first_run_has_no_last_success() -> None:
    """With no earlier success the registry has no last-success sample (absent, not zero), so a
    staleness alert written with absent() fires."""
    summary = {"ok": False, "durations": {"total": 1.5}, "sources": {}, "tagged": 0}
    parsed = samples(generate_latest(metrics.run_registry(summary, finished_at=1000.0)).decode())
    assert value(parsed, "analyzer_run_success") == 0
    assert value(parsed, "analyzer_last_run_timestamp_seconds") == 1000.0
    assert value(parsed, "analyzer_run_duration_seconds", stage="total") == 1.5
    assert ("analyzer_last_success_timestamp_seconds", ()) not in parsed
    kept = samples(
        generate_latest(
            metrics.run_registry(summary, finished_at=1000.0, last_success=900.0)
        ).decode()
    )
    assert value(kept, "analyzer_last_success_timestamp_seconds") == 900.0


def test_a_damaged_textfile_gives_no_previous_success(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """previous_success() reads the old value; a damaged or missing file gives None."""
    good = tmp_path / "good.prom"
    good.write_text("analyzer_last_success_timestamp_seconds 1234.5\n")
    assert metrics.previous_success(good) == 1234.5
    assert metrics.previous_success(tmp_path / "missing.prom") is None
    bad = tmp_path / "bad.prom"
    bad.write_text("analyzer_last_success_timestamp_seconds{ 12\n")
    with caplog.at_level(logging.WARNING, logger="analyzer.metrics"):
        assert metrics.previous_success(bad) is None
    assert "cannot parse" in caplog.text


def _client(handler: Any) -> HttpClient:
    settings = HttpSettings(retries=2, backoff=0.0, rate_per_host=0)
    return HttpClient(settings, transport=httpx.MockTransport(handler), sleep=lambda _s: None)


def test_http_client_counts_every_answer_by_host_and_status() -> None:
    """Retries, redirects and 304 are each counted; a transport error counts as status error."""
    calls = {"n": 0}

    def handler(request: httpx.Request) -> httpx.Response:
        calls["n"] += 1
        if request.url.path == "/flaky" and calls["n"] == 1:
            return httpx.Response(503)
        if request.url.path == "/moved":
            return httpx.Response(302, headers={"Location": "https://b.example/new"})
        if request.url.path == "/cached":
            return httpx.Response(304)
        if request.url.path == "/down":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(200, stream=httpx.ByteStream(b'{"ok": true}'))

    with _client(handler) as client:
        client.get("https://a.example/flaky")
        client.get("https://a.example/moved")
        assert client.get("https://a.example/cached", validators={"etag": '"x"'}).not_modified
        with pytest.raises(Exception, match="refused"):
            client.get("https://a.example/down")
        assert dict(client.responses) == {
            ("a.example", "503"): 1,
            ("a.example", "200"): 1,
            ("a.example", "302"): 1,
            ("b.example", "200"): 1,
            ("a.example", "304"): 1,
            ("a.example", "error"): 3,
        }
