"""Crash safety and locking of the store, with real processes and real SIGKILLs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from analyzer.errors import StoreLockedError
from analyzer.store import open_store

# The writer child: pre-populates batch A (when asked), then upserts batch B in one commit. With
# KILL_AT=n it SIGKILLs itself just after its n-th file operation (a data file, the manifest or a
# removal), so every step of the commit protocol is interrupted at least once.
CHILD = textwrap.dedent(
    """
    import os, signal, sys
    from datetime import UTC, datetime
    import pandas as pd
    import analyzer.store as store_module
    from analyzer.store import open_store

    root, step = sys.argv[1], sys.argv[2]
    kill_at = int(os.environ.get("KILL_AT", "0"))
    calls = 0

    def counted(method):
        def wrapper(self, *args, **kwargs):
            global calls
            result = method(self, *args, **kwargs)
            calls += 1
            if calls == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return result
        return wrapper

    store_module._Files.write_atomic = counted(store_module._Files.write_atomic)
    store_module._Files.remove = counted(store_module._Files.remove)

    def batch(ids, text):
        return pd.DataFrame({
            "source": "hn", "source_id": [str(i) for i in ids],
            "period": [f"20{10 + i % 12:02d}-{1 + i % 12:02d}" for i in ids],
            "title": "Backend Engineer", "company": [f"c{i % 97}" for i in ids],
            "text": [f"{text} {i} " + "Python, AWS, Docker, Kubernetes. " * 12 for i in ids],
        })

    with open_store(root).writer(step) as writer:
        if step == "A":
            writer.upsert_postings(batch(range(0, 6000), "first"),
                                   seen_at=datetime(2026, 1, 1, tzinfo=UTC))
        else:
            print("COMMIT", flush=True)
            writer.upsert_postings(batch(range(3000, 24000), "second"),
                                   seen_at=datetime(2026, 2, 1, tzinfo=UTC))
    print("DONE", flush=True)
    """
)


def run_child(script: Path, root: Path, step: str, kill_at: int = 0) -> subprocess.CompletedProcess:
    env = dict(os.environ, KILL_AT=str(kill_at))
    return subprocess.run(
        [sys.executable, str(script), str(root), step],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def snapshot(root: Path) -> list[tuple[str, str, str]]:
    frame = open_store(root).read_postings(columns=["posting_id", "content_hash", "first_seen_at"])
    assert frame["posting_id"].is_unique, "duplicated postings after a crash"
    return sorted(
        zip(
            frame["posting_id"],
            frame["content_hash"],
            frame["first_seen_at"].astype(str),
            strict=True,
        )
    )


def files_on_disk(root: Path) -> set[str]:
    return (
        {
            str(p.relative_to(root))
            for t in ("postings", "tags", "annotations")
            for p in (root / t).rglob("*")
            if p.is_file()
        }
        if root.exists()
        else set()
    )


def committed_files(root: Path) -> set[str]:
    manifest = open_store(root)._manifest()
    return {
        f"{t}/{k}/{e['file']}" for t, parts in manifest["files"].items() for k, e in parts.items()
    }


@pytest.fixture(scope="module")
def states(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The script, a store holding batch A, and the content before and after committing batch B."""
    base = tmp_path_factory.mktemp("crash")
    script = base / "child.py"
    script.write_text(CHILD)
    before_root = base / "before"
    assert run_child(script, before_root, "A").returncode == 0
    after_root = base / "after"
    subprocess.run(["cp", "-a", str(before_root), str(after_root)], check=True)
    done = run_child(script, after_root, "B")
    assert done.returncode == 0, done.stderr
    return {
        "script": script,
        "before_root": before_root,
        "before": snapshot(before_root),
        "after": snapshot(after_root),
        "operations": len(committed_files(after_root)),
    }


@pytest.mark.slow
def test_sigkill_at_every_commit_step_leaves_before_or_after(
    states: dict[str, object], tmp_path: Path
) -> None:
    """Killed after any file operation of a commit, the store reads as before or after, and a rerun
    completes it exactly: no duplicate, nothing lost, no stray file."""
    before, after = states["before"], states["after"]
    assert before != after and len(after) == 24000
    # 12 periods: up to 12 data files, then the manifest, then up to 12 removals.
    for kill_at in (1, 2, 6, 12, 13, 14, 20):
        root = tmp_path / f"k{kill_at}"
        subprocess.run(["cp", "-a", str(states["before_root"]), str(root)], check=True)
        killed = run_child(states["script"], root, "B", kill_at=kill_at)
        assert killed.returncode == -signal.SIGKILL, (kill_at, killed.stderr)
        assert snapshot(root) in (before, after), f"half-written store after kill at {kill_at}"
        rerun = run_child(states["script"], root, "B")
        assert rerun.returncode == 0, rerun.stderr
        assert snapshot(root) == after
        assert files_on_disk(root) == committed_files(root)


@pytest.mark.slow
def test_sigkill_at_random_instants_mid_commit(states: dict[str, object], tmp_path: Path) -> None:
    """Killed by another process at arbitrary instants of a large commit, the store stays consistent."""
    before, after = states["before"], states["after"]
    outcomes = set()
    for i, delay in enumerate((0.05, 0.3, 0.6, 1.0, 1.5, 2.5)):
        root = tmp_path / f"t{i}"
        subprocess.run(["cp", "-a", str(states["before_root"]), str(root)], check=True)
        with subprocess.Popen(
            [sys.executable, str(states["script"]), str(root), "B"],
            stdout=subprocess.PIPE,
            text=True,
        ) as child:
            assert child.stdout is not None
            assert child.stdout.readline().strip() == "COMMIT"
            time.sleep(delay)
            child.send_signal(signal.SIGKILL)
            child.wait(timeout=60)
        state = snapshot(root)
        assert state in (before, after)
        outcomes.add("before" if state == before else "after")
        assert run_child(states["script"], root, "B").returncode == 0
        assert snapshot(root) == after
    assert "before" in outcomes  # at least one kill landed before the commit point


HOLDER = textwrap.dedent(
    """
    import sys, time
    from analyzer.store import open_store
    with open_store(sys.argv[1]).writer("holder"):
        print("LOCKED", flush=True)
        time.sleep(60)
    """
)


def test_second_writer_fails_at_once_and_stale_lock_recovers(tmp_path: Path) -> None:
    """While a writer runs, another fails at once naming the holder; once it is killed, writing works."""
    script = tmp_path / "holder.py"
    script.write_text(HOLDER)
    root = tmp_path / "store"
    with subprocess.Popen(
        [sys.executable, str(script), str(root)], stdout=subprocess.PIPE, text=True
    ) as holder:
        try:
            assert holder.stdout is not None and holder.stdout.readline().strip() == "LOCKED"
            started = time.monotonic()
            with (
                pytest.raises(StoreLockedError, match=rf"pid {holder.pid}.*holder"),
                open_store(root).writer("second"),
            ):
                pass
            assert time.monotonic() - started < 2
        finally:
            holder.send_signal(signal.SIGKILL)
            holder.wait(timeout=30)
    assert (root / "_analyzer" / "lock").exists()  # the dead holder's lock file is still there
    with open_store(root).writer("after") as writer:
        writer.upsert_postings(
            pd.DataFrame({"source": ["hn"], "source_id": ["1"], "period": ["2020-01"]})
        )
    assert len(open_store(root).read_postings()) == 1


def test_lease_on_object_store_blocks_and_expires() -> None:
    """On an fsspec store a live lease blocks a second writer and an expired one is taken over."""
    import json
    from datetime import UTC, datetime, timedelta

    store = open_store("memory://lease-test")
    with (
        store.writer("first"),
        pytest.raises(StoreLockedError, match="leased"),
        open_store("memory://lease-test").writer("second"),
    ):
        pass
    expired = {
        "pid": 1,
        "host": "gone",
        "command": "dead",
        "since": "x",
        "expires": (datetime.now(UTC) - timedelta(seconds=1)).isoformat(),
    }
    store._files.write_atomic("_analyzer/lock.json", json.dumps(expired).encode())
    with store.writer("third") as writer:
        writer.set_state("hn", {"cursor": "x"})
    assert store.state("hn") == {"cursor": "x"}
