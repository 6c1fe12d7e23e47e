"""A fetch's store work against the store's size: the id lookup before and after per-file id ranges.

    python benchmarks/bench_fetch_store.py [--sizes 100000,1000000] [--runs 3] [--new-share 0.01]
                                           [--workdir /tmp/analyzer-bench] [--hn-dir DIR]
                                           [--before REV]

The stores are those of ``benchmarks/bench_nightly.py`` (real HN postings replicated to N with new
ids, cached as ``<workdir>/store-<N>``; built the same way when absent). Each run upserts
``--new-share`` x N new postings into the newest period (``bench_nightly.new_rows``: the newest real
postings with fresh ids, as a nightly fetch of the current thread adds them) into a hard-linked copy
of the store, in a fresh subprocess per step, three ways:

- ``before``: ``analyzer/store.py`` as of ``--before`` (default: the commit before the id ranges),
  which reads ``posting_id, period, closed_at`` of every partition of the source into an index;
- ``first run after upgrade``: this store code on the same copy, whose manifest (written by older
  code) has no id ranges yet: every partition's ids are read once and their ranges recorded;
- ``with id ranges``: this store code on a copy whose manifest records the ranges (as every store
  written by this code does): only partitions whose range can hold an incoming id are read.

It prints, per size and way, the median over ``--runs`` of the upsert's wall time (timed in the
child, imports excluded), the child's peak RSS (``VmHWM``) and how much the upsert raised it above
the child's peak before the upsert (imports and the incoming rows), and how many postings files the
upsert opened.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_nightly  # noqa: E402  (a sibling script, not a package)

#: The last commit whose store looked posting ids up in a whole-source index.
BEFORE = "55398b6"
WAYS = ("before", "first run after upgrade", "with id ranges")


def old_store_module(path: Path) -> ModuleType:
    """Import a saved copy of an older ``analyzer/store.py`` under its own module name."""
    spec = importlib.util.spec_from_file_location("analyzer_store_before", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def child(store_root: str, rows_path: str, old_store: str | None) -> dict[str, Any]:
    """One measured upsert (runs in a fresh process): wall time, peak RSS, files opened."""
    if old_store:
        store_module: Any = old_store_module(Path(old_store))
    else:
        import analyzer.store as store_module

    rows = pd.read_parquet(rows_path)
    opened: list[str] = []
    read_file = store_module.Store._read_file

    def counting(store: Any, table: str, key: str, entry: Any, columns: Any) -> Any:
        if table == "postings":
            opened.append(key)
        return read_file(store, table, key, entry, columns)

    store_module.Store._read_file = counting
    before_kb = bench_nightly.peak_rss_kb()
    started = time.perf_counter()
    with store_module.open_store(store_root).writer(command="bench fetch") as writer:
        result = writer.upsert_postings(rows, seen_at=bench_nightly.SEEN_AT.to_pydatetime())
    seconds = time.perf_counter() - started
    assert result.new == len(rows), result
    return {
        "seconds": seconds,
        "peak_kb": bench_nightly.peak_rss_kb(),
        "before_kb": before_kb,
        "files_opened": len(opened),
        "partitions_opened": len(set(opened)),
    }


def run_child(root: Path, rows: Path, old_store: Path | None) -> dict[str, Any]:
    """Run :func:`child` in a fresh subprocess and return what it measured."""
    command = [sys.executable, __file__, "--child", str(root), "--rows", str(rows)]
    if old_store is not None:
        command += ["--old-store", str(old_store)]
    done = subprocess.run(command, check=True, capture_output=True, text=True, cwd=HERE.parent)
    return json.loads(done.stdout.strip().splitlines()[-1])


def ranged_copy(cached: Path, target: Path, base: pd.DataFrame) -> None:
    """A copy of ``cached`` whose manifest records every postings file's id range: one untimed
    upsert of a stored posting of the newest period through this store code (the first run
    after an upgrade records the ranges of every file it reads)."""
    from analyzer.store import open_store

    bench_nightly.work_copy(cached, target)
    newest = base[base["period"] == base["period"].max()].head(1)
    with open_store(target).writer(command="bench record ranges") as writer:
        writer.upsert_postings(newest, seen_at=bench_nightly.SEEN_AT.to_pydatetime())
    manifest = json.loads((target / "_analyzer" / "manifest.json").read_text())
    assert all("id_range" in e for e in manifest["files"]["postings"].values())


def measure(
    workdir: Path, base: pd.DataFrame, size: int, runs: int, share: float, old_store: Path
) -> dict[str, Any]:
    """Measure the three ways ``runs`` times, interleaved, on copies of the store of ``size``."""
    cached = workdir / f"store-{size}"
    ready = workdir / f"store-{size}.json"
    if not ready.exists():
        shutil.rmtree(cached, ignore_errors=True)
        print(f"building {cached} ({size:,} postings) as bench_nightly does ...", flush=True)
        ready.write_text(json.dumps(bench_nightly.build(cached, base, size)))
    rows_path = workdir / f"fetch-new-{size}.parquet"
    added = bench_nightly.new_rows(base, max(1, round(size * share)))
    added.to_parquet(rows_path)
    ranged = workdir / f"fetch-ranged-{size}"
    ranged_copy(cached, ranged, base)
    work = workdir / f"fetch-work-{size}"
    results: dict[str, list[dict[str, Any]]] = {way: [] for way in WAYS}
    for run in range(runs):
        for way in WAYS:
            bench_nightly.work_copy(ranged if way == "with id ranges" else cached, work)
            results[way].append(run_child(work, rows_path, old_store if way == "before" else None))
        print(f"  run {run + 1}/{runs} of {size:,} done", flush=True)
    for path in (work, ranged):
        shutil.rmtree(path, ignore_errors=True)
    rows_path.unlink()
    return {"size": size, "new": len(added), "results": results}


def print_table(measured: list[dict[str, Any]]) -> None:
    """Medians per size and way, and the before / with-ranges ratios."""
    print()
    print("| store | way | upsert s | peak RSS MB | raised by upsert MB | files read |")
    print("|---|---|---|---|---|---|")
    for entry in measured:
        for way, values in entry["results"].items():
            med = {
                k: statistics.median(v[k] for v in values)
                for k in ("seconds", "peak_kb", "before_kb", "files_opened")
            }
            raised = statistics.median((v["peak_kb"] - v["before_kb"]) / 1024 for v in values)
            print(
                f"| {entry['size']:,} + {entry['new']:,} new | {way} | {med['seconds']:.2f} | "
                f"{med['peak_kb'] / 1024:.0f} | {raised:.0f} | {med['files_opened']:.0f} |"
            )
    print()
    for entry in measured:
        old, new = entry["results"]["before"], entry["results"]["with id ranges"]
        time_ratio = statistics.median(v["seconds"] for v in old) / statistics.median(
            v["seconds"] for v in new
        )
        print(f"{entry['size']:,} postings: before / with id ranges = {time_ratio:.1f}x time")


def main(argv: list[str] | None = None) -> int:
    """Parse arguments; either run one measured upsert (child) or the whole benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="store sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="runs per size and way (median)")
    parser.add_argument("--new-share", type=float, default=0.01, help="new postings per run")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/analyzer-bench"))
    parser.add_argument("--hn-dir", type=Path, default=bench_nightly.DEFAULT_HN)
    parser.add_argument("--before", default=BEFORE, help="git revision of the old store code")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--rows", help=argparse.SUPPRESS)
    parser.add_argument("--old-store", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(args.child, args.rows, args.old_store)))
        return 0
    if not (args.hn_dir / "stories.json").exists():
        parser.error(f"no HN corpus at {args.hn_dir} (--hn-dir)")
    args.workdir.mkdir(parents=True, exist_ok=True)
    old_store = args.workdir / "store_before.py"
    source = subprocess.run(
        ["git", "show", f"{args.before}:analyzer/store.py"],
        check=True,
        capture_output=True,
        text=True,
        cwd=HERE.parent,
    ).stdout
    old_store.write_text(source)
    base = bench_nightly.load_hn(args.hn_dir)
    print(f"{len(base):,} real HN postings in {base['period'].nunique()} periods", flush=True)
    measured = []
    for size in (int(s) for s in args.sizes.split(",")):
        measured.append(measure(args.workdir, base, size, args.runs, args.new_share, old_store))
        print_table(measured)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
