"""The nightly run as a scheduler sees it: real `analyzer run` processes against the replay server.

The replay server (on 127.0.0.1, in this process) serves a small data directory the tests write: three
HN "Who is hiring?" threads and one Greenhouse board. Every run is a fresh `python -m analyzer`
process, so exit codes, stdout and stderr are the ones cron or Kubernetes would see.
"""

from __future__ import annotations

import gzip
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from analyzer.cli import main
from analyzer.config import SETTINGS
from analyzer.replay import Fault, ReplayServer
from analyzer.store import open_store

#: story id -> (title, period) of the fixture threads.
THREADS = {
    "40000001": ("Ask HN: Who is hiring? (January 2024)", "2024-01"),
    "40000002": ("Ask HN: Who is hiring? (February 2024)", "2024-02"),
    "40000003": ("Ask HN: Who is hiring? (March 2024)", "2024-03"),
}
PER_THREAD = 40
BOARD = "acme"
JOBS = 5

_STACKS = [
    "We run Python services on AWS with Terraform and Kubernetes; you will own CI/CD.",
    "Go backend on GCP. Docker and Kubernetes experience required.",
    "Django and PostgreSQL. Nice to have: AWS, Ansible.",
    "Java microservices; you will be on call and deploy with Jenkins.",
    "Node.js APIs, no ops work: the platform team handles infrastructure.",
]


def posting_html(i: int) -> str:
    """One HN comment in the usual ``Company | Role | Location`` shape."""
    stack = _STACKS[i % len(_STACKS)]
    return (
        f"Company{i % 17} | Backend Engineer | Berlin | REMOTE<p>{stack}</p>"
        f"<p>Apply at jobs{i}@example.com</p>"
    )


def write_data(root: Path) -> Path:
    """Write the fixture data directory (HN threads and a Greenhouse board); return ``root``."""
    hits = []
    for n, (story_id, (title, period)) in enumerate(sorted(THREADS.items())):
        created = f"{period}-01T15:00:00.000Z"
        hits.append(
            {
                "objectID": story_id,
                "story_id": int(story_id),
                "title": title,
                "author": "whoishiring",
                "created_at": created,
                "_tags": ["story", "author_whoishiring", f"story_{story_id}", "ask_hn"],
            }
        )
        children = [
            {
                "id": int(story_id) * 1000 + k,
                "parent_id": int(story_id),
                "author": f"user{k}",
                "created_at": f"{period}-0{1 + k % 9}T10:00:00.000Z",
                "text": posting_html(n * PER_THREAD + k),
                "children": [],
            }
            for k in range(PER_THREAD)
        ]
        item = {"id": int(story_id), "created_at": created, "title": title, "children": children}
        items = root / "hn" / "items"
        items.mkdir(parents=True, exist_ok=True)
        (items / f"{story_id}.json.gz").write_bytes(gzip.compress(json.dumps(item).encode()))
    (root / "hn" / "stories.json").write_text(json.dumps({"hits": hits[::-1], "nbPages": 1}))
    write_board(root, range(JOBS))
    return root


def write_board(root: Path, ids: Any) -> None:
    """Write the Greenhouse board ``acme`` with the jobs numbered ``ids``."""
    jobs = [
        {
            "id": 7000 + i,
            "title": "Site Reliability Engineer" if i % 2 else "Backend Engineer",
            "absolute_url": f"https://boards.greenhouse.io/{BOARD}/jobs/{7000 + i}",
            "content": f"&lt;p&gt;{_STACKS[i % len(_STACKS)]}&lt;/p&gt;",
            "updated_at": "2024-03-10T12:00:00-04:00",
            "first_published": "2024-03-01T12:00:00-04:00",
            "location": {"name": "Remote"},
        }
        for i in ids
    ]
    board = root / "ats" / "greenhouse"
    board.mkdir(parents=True, exist_ok=True)
    (board / f"{BOARD}.json").write_text(json.dumps({"jobs": jobs}))


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """The fixture data directory."""
    return write_data(tmp_path / "data")


@pytest.fixture
def server(data_dir: Path) -> Iterator[ReplayServer]:
    """The replay server over the fixture data directory."""
    with ReplayServer(data_dir) as srv:
        yield srv


def run_env(server: ReplayServer, work: Path, **extra: str) -> dict[str, str]:
    """An environment pointing `analyzer run` at the replay server, with a store under ``work``."""
    names = {s.key: s.env for s in SETTINGS if s.env}
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANALYZER_")}
    for key, url in server.base_urls().items():
        env[names[key]] = url
    env.update(
        {
            "ANALYZER_STORE": str(work / "store"),
            "ANALYZER_REPORT_OUT": str(work / "reports"),
            "ANALYZER_RUN_SOURCES": "hn,greenhouse",
            "ANALYZER_GREENHOUSE_BOARDS": BOARD,
            "ANALYZER_HTTP_RATE_PER_HOST": "0",
            "ANALYZER_HTTP_BACKOFF": "0.01",
            "ANALYZER_HTTP_BACKOFF_MAX": "0.05",
            "ANALYZER_HTTP_RETRIES": "1",
            **extra,
        }
    )
    return env


def analyzer(
    env: dict[str, str], *args: str, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m analyzer ARGS`` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "analyzer", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        cwd=cwd,
    )


def run_json(env: dict[str, str], *args: str) -> tuple[int, dict[str, Any], str]:
    """`analyzer run --json ARGS`: exit code, the parsed summary, stderr."""
    done = analyzer(env, "run", "--json", *args)
    assert done.stdout.strip(), done.stderr[-3000:]
    return done.returncode, json.loads(done.stdout), done.stderr


def store_content(root: Path) -> dict[str, list[tuple[Any, ...]]]:
    """What a store holds, without the load ids and timestamps that differ between runs."""
    store = open_store(root)
    postings = store.read_postings(
        columns=["posting_id", "source", "period", "content_hash", "closed_at"]
    )
    annotations = store.read_annotations(
        columns=["posting_id", "is_job_posting", "language", "tagger_version"]
    )
    roles = store.read_annotations(columns=["posting_id", "roles"])
    tags = store.read_tags(columns=["posting_id", "family", "skill", "level", "start", "end"])
    assert postings["posting_id"].is_unique and annotations["posting_id"].is_unique

    def rows(frame: pd.DataFrame) -> list[tuple[Any, ...]]:
        return sorted(tuple(str(v) for v in row) for row in frame.itertuples(index=False))

    return {
        "postings": rows(
            postings.assign(closed=postings["closed_at"].notna()).drop(columns="closed_at")
        ),
        "annotations": rows(annotations),
        "roles": sorted((r.posting_id, tuple(r.roles)) for r in roles.itertuples(index=False)),
        "tags": rows(tags),
    }


def test_second_run_the_same_day_does_no_new_work(server: ReplayServer, tmp_path: Path) -> None:
    """Run 1 stores, tags and reports everything; run 2 stores nothing, tags nothing, commits
    nothing, leaves the reports untouched (`reports up to date`) and exits 0."""
    env = run_env(server, tmp_path)
    code, first, stderr = run_json(env)
    assert code == 0, stderr[-3000:]
    total = len(THREADS) * PER_THREAD
    assert first["ok"] is True
    assert first["sources"]["hn"]["new"] == total
    assert first["sources"]["greenhouse"]["new"] == JOBS
    assert first["tagged"] == total + JOBS
    assert set(first["durations"]) == {"fetch", "tag", "report", "total"}
    assert first["reports"]["up_to_date"] is False
    assert sorted(Path(p).name for p in first["reports"]["written"]) == ["ats", "hn"]
    hn_index = tmp_path / "reports" / "hn" / "index.html"
    built = hn_index.stat().st_mtime_ns
    commit = open_store(tmp_path / "store").status()["commit"]

    code, second, stderr = run_json(env)
    assert code == 0, stderr[-3000:]
    for source in ("hn", "greenhouse"):
        counts = second["sources"][source]
        assert (counts["new"], counts["updated"], counts["closed"]) == (0, 0, 0), source
    assert second["tagged"] == 0
    assert second["reports"] == {
        "up_to_date": True,
        "written": [],
        "not_reported": {},
        "index": str(tmp_path / "reports" / "index.html"),
    }
    assert open_store(tmp_path / "store").status()["commit"] == commit
    assert hn_index.stat().st_mtime_ns == built
    # Conditional requests: every thread and board answered 304 the second time.
    statuses = {row["status"] for row in second["http_responses"]}
    assert "304" in statuses and "error" not in statuses

    text = analyzer(env, "run")
    assert text.returncode == 0
    assert "reports up to date" in text.stdout
    assert "0 tagged; 0 reports written (up to date)" in text.stdout


def test_closed_and_changed_jobs_are_counted_and_rebuild_only_what_they_change(
    server: ReplayServer, data_dir: Path, tmp_path: Path
) -> None:
    """A job gone from its board counts as closed, a retitled one as updated, for their source. The
    reports read neither ``closed_at`` nor ``last_seen_at``, so a closure alone leaves them up to
    date; a changed title or a changed setting they read (report.min_n) rebuilds them."""
    env = run_env(server, tmp_path)
    assert run_json(env)[0] == 0
    write_board(data_dir, range(JOBS - 1))
    code, summary, stderr = run_json(env)
    assert code == 0, stderr[-3000:]
    assert summary["sources"]["greenhouse"]["closed"] == 1
    assert summary["sources"]["hn"]["closed"] == 0
    assert summary["reports"]["up_to_date"] is True
    board = data_dir / "ats" / "greenhouse" / f"{BOARD}.json"
    body = json.loads(board.read_text())
    body["jobs"][0]["title"] = "Staff Platform Engineer"
    board.write_text(json.dumps(body))
    code, summary, _ = run_json(env)
    assert summary["sources"]["greenhouse"]["updated"] == 1
    assert summary["reports"]["up_to_date"] is False
    assert len(summary["reports"]["written"]) == 2
    code, summary, _ = run_json(env)
    assert summary["reports"]["up_to_date"] is True
    code, summary, _ = run_json({**env, "ANALYZER_REPORT_MIN_N": "5"})
    assert code == 0
    assert summary["reports"]["up_to_date"] is False
    assert len(summary["reports"]["written"]) == 2


def test_since_until_bound_the_first_run(server: ReplayServer, tmp_path: Path) -> None:
    """`--since/--until` fetch only the threads of those months; a bad month is exit 2."""
    env = run_env(server, tmp_path)
    code, summary, stderr = run_json(env, "--since", "2024-02", "--until", "2024-03")
    assert code == 0, stderr[-3000:]
    assert summary["since"] == "2024-02" and summary["until"] == "2024-03"
    assert summary["sources"]["hn"]["new"] == 2 * PER_THREAD
    periods = set(open_store(tmp_path / "store").read_postings(sources=["hn"])["period"])
    assert periods == {"2024-02", "2024-03"}
    bad = analyzer(env, "run", "--since", "2024-13")
    assert bad.returncode == 2
    assert "analyzer: error:" in bad.stderr and "2024-13" in bad.stderr


def test_a_failing_board_exits_1_after_tagging_and_reporting_the_rest(
    server: ReplayServer, tmp_path: Path
) -> None:
    """A board answering 404 is a failure of its source (exit 1, named on stderr); HN is still
    stored, tagged and reported."""
    server.inject(f"/greenhouse/v1/boards/{BOARD}/jobs", Fault("404", times=None))
    code, summary, stderr = run_json(run_env(server, tmp_path))
    assert code == 1
    assert summary["ok"] is False
    assert [f["unit"] for f in summary["sources"]["greenhouse"]["failures"]] == [BOARD]
    assert summary["sources"]["hn"]["new"] == len(THREADS) * PER_THREAD
    assert summary["tagged"] == len(THREADS) * PER_THREAD
    assert [Path(p).name for p in summary["reports"]["written"]] == ["hn"]
    assert "1 source unit(s) failed" in stderr
    assert {"host": "127.0.0.1", "status": "404", "count": 1} in summary["http_responses"]


def kill_when(
    env: dict[str, str], marker: str, *args: str, timeout: float = 120.0
) -> tuple[int, str]:
    """Start `analyzer run`, SIGKILL it as soon as a stderr line contains ``marker``."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "analyzer", "run", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    watchdog = threading.Timer(timeout, proc.kill)  # never hang the suite on a missed marker
    watchdog.start()
    seen: list[str] = []
    try:
        assert proc.stderr is not None
        for line in proc.stderr:
            seen.append(line)
            if marker in line:
                os.kill(proc.pid, signal.SIGKILL)
                break
        else:
            pytest.fail(f"run ended before {marker!r}: {''.join(seen)[-2000:]}")
    finally:
        watchdog.cancel()
        code = proc.wait(timeout=60)
        if proc.stderr is not None:
            proc.stderr.close()
    return code, "".join(seen)


def uninterrupted(server: ReplayServer, tmp_path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The store content of one uninterrupted run (the reference a resumed run must match)."""
    work = tmp_path / "reference"
    code, _, stderr = run_json(run_env(server, work))
    assert code == 0, stderr[-3000:]
    return store_content(work / "store")


def test_run_killed_during_fetch_resumes_to_the_same_store(
    server: ReplayServer, tmp_path: Path
) -> None:
    """SIGKILL while the second thread downloads (the server drips it): the next run completes
    and the store holds exactly what an uninterrupted run stores."""
    reference = uninterrupted(server, tmp_path)
    server.inject("/hn/api/v1/items/40000002", Fault("slow", times=1, interval=0.5))
    env = run_env(server, tmp_path / "killed")
    code, stderr = kill_when(env, "hn: 1/3 ")
    assert code == -signal.SIGKILL
    partial = open_store(tmp_path / "killed" / "store").read_postings(sources=["hn"])
    assert set(partial["period"]) == {"2024-01"}  # killed mid-fetch: one thread committed
    code, summary, stderr = run_json(env)
    assert code == 0, stderr[-3000:]
    assert summary["sources"]["hn"]["new"] == 2 * PER_THREAD
    assert store_content(tmp_path / "killed" / "store") == reference


def test_run_killed_during_tag_resumes_to_the_same_store(
    server: ReplayServer, tmp_path: Path
) -> None:
    """SIGKILL after the first tag commit (batches of about 10): the next run tags only the rest and the
    store holds exactly what an uninterrupted run stores."""
    reference = uninterrupted(server, tmp_path)
    env = run_env(server, tmp_path / "killed", ANALYZER_RUN_TAG_BATCH_SIZE="10")
    code, stderr = kill_when(env, "analyzer.tag: tagged ")
    assert code == -signal.SIGKILL
    store = open_store(tmp_path / "killed" / "store")
    tagged_before = len(store.read_annotations(columns=["posting_id"]))
    total = len(THREADS) * PER_THREAD + JOBS
    assert len(store.read_postings(columns=["posting_id"])) == total
    assert 0 < tagged_before < total  # killed mid-tag
    code, summary, stderr = run_json(env)
    assert code == 0, stderr[-3000:]
    assert summary["tagged"] == total - tagged_before
    assert store_content(tmp_path / "killed" / "store") == reference


def test_json_logs_are_one_object_per_line_without_secrets(
    server: ReplayServer, tmp_path: Path
) -> None:
    """`--log-format json`: every stderr line is a JSON object with ts, level, logger and message;
    the GitHub token never appears."""
    token = "ghp_SECRETTOKENVALUE123"
    env = run_env(server, tmp_path, ANALYZER_GITHUB_TOKEN=token)
    done = analyzer(env, "--log-format", "json", "run")
    assert done.returncode == 0, done.stderr[-3000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines
    records = [json.loads(line) for line in lines]
    for record in records:
        assert {"ts", "level", "logger", "message"} <= set(record)
    assert any(r["message"] == "run ok" and "durations" in r for r in records)
    progress = [r for r in records if r["logger"] == "analyzer.fetch" and r.get("source") == "hn"]
    assert [(r["done"], r["total"]) for r in progress] == [(1, 3), (2, 3), (3, 3)]
    assert progress[-1]["new"] == len(THREADS) * PER_THREAD
    assert token not in done.stderr and token not in done.stdout
    env_json = analyzer({**env, "ANALYZER_LOG_FORMAT": "json"}, "run")
    assert all(line.startswith("{") for line in env_json.stderr.splitlines() if line.strip())


def invoke(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), env=env or {}, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_config_show_matches_plain_config(tmp_path: Path) -> None:
    """`analyzer config show` prints what plain `analyzer config` prints: every setting with its
    origin, secrets masked."""
    env = {"ANALYZER_GITHUB_TOKEN": "tok123", "ANALYZER_METRICS_JOB": "nightly"}
    code, plain, _ = invoke("--config", str(write_toml(tmp_path, "")), "config", env=env)
    assert code == 0
    code, shown, _ = invoke("--config", str(write_toml(tmp_path, "")), "config", "show", env=env)
    assert code == 0 and shown == plain
    assert 'metrics.job = "nightly"    # env:ANALYZER_METRICS_JOB' in shown
    assert 'sources.github.token = "***"' in shown and "tok123" not in shown


def write_toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "analyzer.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("toml", "env", "message"),
    [
        ("[metrics]\ntextfil = 'x.prom'\n", {}, "unknown setting(s)"),
        ("[log]\nformat = 'xml'\n", {}, "expected one of human, json"),
        ("[report]\nmin_n = 'ten'\n", {}, "invalid value 'ten' for report.min_n"),
        ("", {"ANALYZER_HTTP_RETRIES": "-1"}, "must not be negative"),
        ("[metrics]\ntextfile = 'metrics.txt'\n", {}, "reads only *.prom files"),
        ("[metrics]\npushgateway = 'ftp://gw'\n", {}, "expected an http(s) URL"),
        ("[run]\nsources = ['hn', 'monster']\n", {}, "unknown source(s) monster"),
        ("[run]\ntag_batch_size = 0\n", {}, "at least 1"),
    ],
)
def test_config_check_exits_2_naming_the_problem(
    tmp_path: Path, toml: str, env: dict[str, str], message: str
) -> None:
    """`analyzer config check` exits 2 with one clear line for an unknown key or a bad value."""
    code, out, err = invoke("--config", str(write_toml(tmp_path, toml)), "config", "check", env=env)
    assert code == 2
    assert err.startswith("analyzer: error:") and message in err
    assert out == ""


def test_config_check_accepts_a_good_file(tmp_path: Path) -> None:
    """A valid file passes `config check` (exit 0) and the counts say where settings came from."""
    toml = f"[metrics]\ntextfile = '{tmp_path / 'analyzer.prom'}'\npushgateway = 'localhost:9091'\n"
    code, out, err = invoke(
        "--config", str(write_toml(tmp_path, toml)), "config", "check", env={"ANALYZER_STORE": "x"}
    )
    assert code == 0, err
    assert out.startswith("config ok: ") and "2 from the file, 1 from the environment" in out


def test_known_sources_of_config_check_match_the_registry() -> None:
    """The source names `config check` accepts are exactly the registered sources."""
    from analyzer.config import _KNOWN_SOURCES
    from analyzer.sources import SOURCES

    assert set(_KNOWN_SOURCES) == set(SOURCES)
