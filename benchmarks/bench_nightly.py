"""The nightly run's cost against a full re-tag, on stores of real HN postings replicated to size N.

    python benchmarks/bench_nightly.py [--sizes 100000,1000000] [--runs 1] [--new-share 0.01]
                                       [--workdir /tmp/analyzer-bench] [--keep] [--hn-dir DIR]
                                       [--tracemalloc] [--skip-retag]

For each size N a store is built once and cached under ``--workdir`` (``store-<N>``): the 51,388 real
HN comments of ``--hn-dir`` (parsed by the HN source's own ``parse_thread``) replicated with new ids
(``<id> + k * 10^8``) and shifted companies (``<company> #k``), written through the store's normal
writer (``upsert_postings``, one commit per period) and tagged fully once. Each run then

1. copies the cached store (hard links: committed files are never modified in place),
2. upserts ``--new-share`` x N new postings into the newest period (the current month, as a
   nightly fetch does; copies of the newest real postings with fresh ids), untimed,
3. measures, each in a fresh subprocess so that its peak RSS (``VmHWM``) is its own:
   ``tag (nothing new)`` and ``report (cold cache)`` (no cached counts yet: every partition is
   counted; it leaves the cache the previous night's report would have left) before step 2,
   the nightly work = ``tag`` (only the new postings) + ``report`` (one report per source group,
   as ``analyzer run`` writes them, with the cache of the cold report: only the changed
   partition is recounted), the same reports read as ``analyzer report`` read the store before
   (every posting's title and text, every annotation and tag column: the baseline of the narrow
   read), and the full re-tag ``tag --retag`` of the whole store. With ``--tracemalloc`` the two
   reports run once more, untimed, under :mod:`tracemalloc` for their Python-heap peak.

It prints wall time and peak RSS per step (median of ``--runs``), the ratio re-tag / nightly, and the
nightly peak RSS across sizes (bounded: it should not grow with N). The full re-tag of 1,000,000
postings takes tens of minutes on a loaded 2-core machine. The cached stores are kept (delete
``--workdir`` to rebuild); ``--keep`` also keeps each size's last work copy and the reports.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd

DEFAULT_HN = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hn"
ID_STRIDE = 100_000_000
#: Replica numbers of the new postings start here (never used by the cached store).
NEW_REPLICA = 10_000
SEEN_AT = pd.Timestamp("2026-10-03T12:00:00Z")


# --------------------------------------------------------------------------- building the store


def load_hn(hn_dir: Path) -> pd.DataFrame:
    """The real HN postings as the HN source parses them (one row per top-level comment)."""
    from analyzer.sources.hn import HnThread, parse_thread, thread_period

    stories = json.loads((hn_dir / "stories.json").read_text(encoding="utf-8"))
    rows: list[dict[str, Any]] = []
    for hit in stories["hits"]:
        period = thread_period(str(hit.get("title") or ""))
        path = hn_dir / "items" / f"{hit['objectID']}.json.gz"
        if period is None or not path.exists():
            continue
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            item = json.load(fh)
        rows += parse_thread(item, HnThread(str(hit["objectID"]), hit["title"], period))
    frame = pd.DataFrame(rows)
    return frame.sort_values(["period", "source_id"], kind="stable").reset_index(drop=True)


def replica(base: pd.DataFrame, k: int) -> pd.DataFrame:
    """Copy ``k`` of the base postings: ids shifted by ``k * 10^8``, companies suffixed ``#k``."""
    if k == 0:
        return base
    ids = base["source_id"].astype("int64") + k * ID_STRIDE
    company = base["company"].where(base["company"].isna(), base["company"] + f" #{k}")
    return base.assign(source_id=ids.astype(str), company=company)


def store_rows(base: pd.DataFrame, size: int) -> Iterator[pd.DataFrame]:
    """The first ``size`` postings of replicas 0, 1, 2, ... of ``base``, one period at a time."""
    full, rest = divmod(size, len(base))
    partial = base.iloc[:rest]
    for period, rows in base.groupby("period", sort=True):
        parts = [replica(rows, k) for k in range(full)]
        parts.append(replica(partial[partial["period"] == period], full))
        batch = pd.concat(parts, ignore_index=True)
        if len(batch):
            yield batch


def new_rows(base: pd.DataFrame, count: int) -> pd.DataFrame:
    """``count`` new postings of the newest period: the newest real postings with fresh ids."""
    newest = str(base["period"].max())
    donors = base.sort_values("period", ascending=False, kind="stable").head(count)
    parts, k = [], NEW_REPLICA
    while sum(len(p) for p in parts) < count:
        parts.append(replica(donors, k))
        k += 1
    return pd.concat(parts, ignore_index=True).head(count).assign(period=newest)


def build(root: Path, base: pd.DataFrame, size: int) -> dict[str, Any]:
    """Write ``size`` postings through the store's writer (one commit per period), then tag them."""
    from analyzer.store import open_store

    started = time.monotonic()
    with open_store(root).writer(command="bench build") as writer:
        for batch in store_rows(base, size):
            writer.upsert_postings(batch, seen_at=SEEN_AT.to_pydatetime())
    written = time.monotonic() - started
    tagged = step("tag", root)
    return {"postings": size, "write_s": round(written, 1), "tag": tagged}


def work_copy(cached: Path, work: Path) -> None:
    """Copy a store: table files hard-linked (never modified in place), ``_analyzer`` copied."""
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    for child in cached.iterdir():
        if child.name == "_analyzer":
            shutil.copytree(child, work / child.name)
        elif child.is_dir():
            shutil.copytree(child, work / child.name, copy_function=os.link)


# --------------------------------------------------------------------------- measured steps


def step(name: str, root: Path, out: Path | None = None, *, trace: bool = False) -> dict[str, Any]:
    """Run one step in a fresh subprocess; return its wall time, peak RSS and summary (with
    ``trace``, also its :mod:`tracemalloc` peak, ``traced_peak_mb``)."""
    command = [sys.executable, __file__, "--step", name, "--store", str(root)]
    if out is not None:
        command += ["--out", str(out)]
    if trace:
        command.append("--trace")
    started = time.monotonic()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, cwd=root.parent)
    assert child.stdout is not None
    output = child.stdout.read()
    status = child.wait()
    seconds = time.monotonic() - started
    if status != 0:
        raise SystemExit(f"step {name} on {root} failed with exit code {status}")
    summary = json.loads(output.decode().strip().splitlines()[-1])
    result = {"seconds": seconds, "peak_mb": summary.pop("peak_kb") / 1024, "summary": summary}
    if "traced_peak_kb" in summary:
        result["traced_peak_mb"] = summary.pop("traced_peak_kb") / 1024
    return result


def peak_rss_kb() -> int:
    """This process's peak resident set size since its ``exec`` (``VmHWM``; Linux).

    Not ``getrusage``: its ``ru_maxrss`` keeps the high-water mark of the forked parent's memory
    across ``exec``, so every child would report at least the benchmark process's own size.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def report_reading_texts(config: Any, out: Path, group: str) -> Any:
    """The baseline: the report as `analyzer report` read the store before, with every posting's
    title and text, every annotation column and every tag of every version."""
    from analyzer import pipeline
    from analyzer.analyze import source_group
    from analyzer.report import build_report
    from analyzer.store import open_store

    store = open_store(config["store"])
    postings = store.read_postings(
        columns=["posting_id", "source", "period", "company", "title", "text", "posted_at"]
    )
    mine = postings[postings["source"].map(source_group) == group]
    coverage = pipeline._report_coverage(None, mine["period"], mine["posted_at"].max())
    return build_report(
        out,
        postings,
        store.read_annotations(),
        store.read_tags(),
        source=group,
        min_n=config["report.min_n"],
        coverage=coverage,
    )


def run_step(name: str, store: str, out: str | None) -> dict[str, Any]:
    """The body of one measured step (runs in the child)."""
    from analyzer import pipeline
    from analyzer.analyze import source_group
    from analyzer.config import load_config
    from analyzer.errors import InputError
    from analyzer.report import write_index

    config = load_config(env={}).with_overrides({"store": store})
    if name in ("tag", "retag"):
        summary = pipeline.tag(config, retag=name == "retag")
        return {k: summary[k] for k in ("seen", "tagged", "skipped", "batches")}
    # The reports `analyzer run` writes: one per source group, then the index page.
    assert out is not None
    from analyzer.store import open_store

    sources = {f["source"] for f in open_store(store).committed_files("postings")}
    written = []
    for group in sorted({source_group(s) for s in sources}):
        try:
            if name == "report":
                written.append(pipeline.report(config, Path(out) / group, source=group))
            else:
                written.append(report_reading_texts(config, Path(out) / group, group))
        except InputError:
            continue
    write_index(Path(out), written)
    return {"reports": [r.source for r in written]}


# --------------------------------------------------------------------------- the benchmark


def measure(
    workdir: Path,
    base: pd.DataFrame,
    size: int,
    runs: int,
    share: float,
    keep: bool,
    trace: bool = False,
    retag: bool = True,
) -> dict[str, Any]:
    """Build (or reuse) the store of ``size`` postings and measure the steps ``runs`` times."""
    cached = workdir / f"store-{size}"
    ready = workdir / f"store-{size}.json"
    if not ready.exists():
        if cached.exists():
            shutil.rmtree(cached)
        print(f"building {cached} ({size:,} postings) and tagging it ...", flush=True)
        info = build(cached, base, size)
        ready.write_text(json.dumps(info))
        print(f"  built: {json.dumps(info)}", flush=True)
    added = new_rows(base, max(1, round(size * share)))
    results: dict[str, list[dict[str, Any]]] = {}
    work = workdir / f"work-{size}"
    for run in range(runs):
        work_copy(cached, work)
        results.setdefault("tag (nothing new)", []).append(step("tag", work))
        if trace:
            traced = step("report", work, workdir / "out", trace=True)
            shutil.rmtree(work / "cache", ignore_errors=True)
            results.setdefault("report (cold cache), traced", []).append(traced)
        cold = step("report", work, workdir / "out")
        results.setdefault("report (cold cache)", []).append(cold)
        from analyzer.store import open_store

        with open_store(work).writer(command="bench fetch") as writer:
            upsert = writer.upsert_postings(added, seen_at=SEEN_AT.to_pydatetime())
        assert upsert.new == len(added), upsert
        tag = step("tag", work)
        assert tag["summary"]["tagged"] == len(added), tag
        results.setdefault("nightly tag", []).append(tag)
        if trace:
            primed = workdir / f"cache-{size}"
            shutil.rmtree(primed, ignore_errors=True)
            shutil.copytree(work / "cache", primed)
            traced = step("report", work, workdir / "out", trace=True)
            shutil.rmtree(work / "cache")
            shutil.copytree(primed, work / "cache")
            shutil.rmtree(primed)
            results.setdefault("nightly report, traced", []).append(traced)
        results.setdefault("nightly report", []).append(step("report", work, workdir / "out"))
        before = step("report-texts", work, workdir / "out-texts")
        results.setdefault("report reading all texts (before)", []).append(before)
        if retag:
            full = step("retag", work)
            assert full["summary"]["tagged"] == size + len(added), full
            results.setdefault("full re-tag", []).append(full)
        print(f"  run {run + 1}/{runs} of {size:,} done", flush=True)
    if not keep:
        shutil.rmtree(work, ignore_errors=True)
    return {"size": size, "new": len(added), "steps": results}


def median(values: list[float]) -> float:
    """The median (a helper so the table code stays short)."""
    return statistics.median(values)


def print_table(measured: list[dict[str, Any]]) -> None:
    """Wall time and peak RSS per step and size, the ratio re-tag / nightly."""
    print()
    print("| store | step | wall s (median) | peak RSS MB (median) |")
    print("|---|---|---|---|")
    for entry in measured:
        for name, values in entry["steps"].items():
            traced = [v["traced_peak_mb"] for v in values if "traced_peak_mb" in v]
            print(
                f"| {entry['size']:,} + {entry['new']:,} new | {name} | "
                f"{median([v['seconds'] for v in values]):.1f} | "
                f"{median([v['peak_mb'] for v in values]):.0f}"
                + (f" (tracemalloc peak {median(traced):.0f})" if traced else "")
                + " |"
            )
    print()
    for entry in measured:
        steps = entry["steps"]
        nightly = median(
            [
                a["seconds"] + b["seconds"]
                for a, b in zip(steps["nightly tag"], steps["nightly report"], strict=True)
            ]
        )
        retag = median([v["seconds"] for v in steps.get("full re-tag", [])] or [float("nan")])
        peak = max(
            median([v["peak_mb"] for v in steps["nightly tag"]]),
            median([v["peak_mb"] for v in steps["nightly report"]]),
        )
        texts = steps["report reading all texts (before)"]
        report = median([v["seconds"] for v in steps["nightly report"]])
        print(
            f"{entry['size']:,} postings: nightly (tag + report) {nightly:.1f}s, peak {peak:.0f} MB; "
            f"full re-tag {retag:.1f}s; re-tag / nightly = {retag / nightly:.1f}x; report reading "
            f"all texts / report = {median([v['seconds'] for v in texts]) / report:.2f}x time, "
            f"{median([v['peak_mb'] for v in texts]) / median([v['peak_mb'] for v in steps['nightly report']]):.2f}x peak"
        )
        cold = steps["report (cold cache)"]
        print(
            f"{entry['size']:,} postings: report cold cache "
            f"{median([v['seconds'] for v in cold]):.1f}s / "
            f"{median([v['peak_mb'] for v in cold]):.0f} MB, nightly report (cache + new) "
            f"{report:.1f}s / {median([v['peak_mb'] for v in steps['nightly report']]):.0f} MB"
        )


def main(argv: list[str] | None = None) -> int:
    """Parse arguments; either run one measured step (child) or the whole benchmark."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100000,1000000", help="store sizes, comma-separated")
    parser.add_argument("--runs", type=int, default=1, help="runs per size (median)")
    parser.add_argument("--new-share", type=float, default=0.01, help="new postings per run")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/analyzer-bench"))
    parser.add_argument("--keep", action="store_true", help="keep the work copies too")
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also run the cold and nightly reports under tracemalloc (untimed) for their peak",
    )
    parser.add_argument("--skip-retag", action="store_true", help="leave out the full re-tag")
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--hn-dir", type=Path, default=DEFAULT_HN)
    parser.add_argument(
        "--step", choices=["tag", "retag", "report", "report-texts"], help=argparse.SUPPRESS
    )
    parser.add_argument("--store", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.step:
        if args.trace:
            import tracemalloc

            tracemalloc.start()
        result = run_step(args.step, args.store, args.out)
        if args.trace:
            result["traced_peak_kb"] = tracemalloc.get_traced_memory()[1] // 1024
        print(json.dumps({**result, "peak_kb": peak_rss_kb()}))
        return 0
    if not (args.hn_dir / "stories.json").exists():
        parser.error(f"no HN corpus at {args.hn_dir} (--hn-dir)")
    args.workdir.mkdir(parents=True, exist_ok=True)
    base = load_hn(args.hn_dir)
    print(f"{len(base):,} real HN postings in {base['period'].nunique()} periods", flush=True)
    measured = []
    for size in (int(s) for s in args.sizes.split(",")):
        measured.append(
            measure(
                args.workdir,
                base,
                size,
                args.runs,
                args.new_share,
                args.keep,
                args.tracemalloc,
                not args.skip_retag,
            )
        )
        print_table(measured)
    if not args.keep:
        shutil.rmtree(args.workdir / "out", ignore_errors=True)
        shutil.rmtree(args.workdir / "out-texts", ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
