"""Tag (and report) the real HN corpus with the local engine and the Dask engine, in one process.

    python benchmarks/bench_dask.py [--runs 3] [--workers 2] [--workdir /tmp/analyzer-bench-dask]
                                    [--hn-dir ../shared/data/hn] [--scheduler tcp://host:8786]

Builds (once, cached under ``--workdir``) a store of every HN comment of ``--hn-dir``, parsed by
the HN source's ``parse_thread`` and written through the store's normal writer, then times, runs
interleaved: ``tag --retag`` with the local engine and with the Dask engine (a LocalCluster of
``--workers`` single-threaded worker processes started once, or ``--scheduler``), then ``report``
with each engine. Prints each run, the medians and the ratio dask / local, and checks that the
two engines wrote the same annotations and tags.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import distributed
import pandas as pd

from analyzer import dask_engine, pipeline
from analyzer.config import load_config
from analyzer.sources import hn
from analyzer.store import open_store


def build_store(root: Path, hn_dir: Path) -> None:
    """Every comment of the corpus, one upsert commit per thread."""
    stories = json.loads((hn_dir / "stories.json").read_text("utf-8"))
    store = open_store(str(root))
    with store.writer(command="bench") as writer:
        for hit in stories["hits"]:
            period = hn.thread_period(hit["title"])
            path = hn_dir / "items" / f"{hit['objectID']}.json.gz"
            if not period or not path.exists():
                continue
            thread = hn.HnThread(str(hit["objectID"]), hit["title"], period)
            with gzip.open(path, "rt", encoding="utf-8") as fh:
                rows = hn.parse_thread(json.load(fh), thread)
            if rows:
                writer.upsert_postings(pd.DataFrame(rows))


def snapshot(root: str) -> list[pd.DataFrame]:
    """Annotations and tags without load_id, sorted: what both engines must agree on."""
    store = open_store(root)
    tags = store.read_tags().drop(columns=["load_id"])
    tags = tags.sort_values(["posting_id", "start", "end", "family", "skill"])
    ann = store.read_annotations().drop(columns=["load_id"]).sort_values("posting_id")
    ann["roles"] = ann["roles"].map(list)
    return [ann.reset_index(drop=True), tags.reset_index(drop=True)]


def main() -> None:
    """Run the benchmark and print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--workdir", default=str(Path(tempfile.gettempdir()) / "analyzer-bench-dask")
    )
    parser.add_argument("--hn-dir", default="../shared/data/hn")
    parser.add_argument("--scheduler", default=None)
    args = parser.parse_args()
    root = Path(args.workdir) / "store"
    if not (root / "_analyzer" / "manifest.json").exists():
        started = time.perf_counter()
        build_store(root, Path(args.hn_dir))
        print(f"built {root} in {time.perf_counter() - started:.0f}s")
    config = load_config().with_overrides({"store": str(root)})
    started = time.perf_counter()
    if args.scheduler:
        client = distributed.Client(args.scheduler)
        cluster = None
    else:
        cluster = distributed.LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None
        )
        client = distributed.Client(cluster)
    print(f"cluster up in {time.perf_counter() - started:.1f}s: {client.nthreads()}")
    times: dict[str, list[float]] = {
        k: [] for k in ("tag local", "tag dask", "report local", "report dask")
    }
    snaps: dict[str, Any] = {}
    try:
        for run in range(args.runs):
            for engine in ("local", "dask"):
                started = time.perf_counter()
                if engine == "local":
                    summary = pipeline.tag(config, retag=True)
                else:
                    summary = dask_engine.tag(config, client=client, retag=True)
                times[f"tag {engine}"].append(time.perf_counter() - started)
                snaps[engine] = snapshot(str(root))
                print(
                    f"run {run + 1} tag {engine}: {times[f'tag {engine}'][-1]:.1f}s, "
                    f"{summary['tagged']:,} postings in {summary['batches']} commits"
                )
            for got, want in zip(snaps["dask"], snaps["local"], strict=True):
                pd.testing.assert_frame_equal(got, want)
            for engine in ("local", "dask"):
                out = Path(args.workdir) / f"report-{engine}"
                started = time.perf_counter()
                if engine == "local":
                    pipeline.report(config, out)
                else:
                    dask_engine.report(config, out, client=client)
                times[f"report {engine}"].append(time.perf_counter() - started)
                print(f"run {run + 1} report {engine}: {times[f'report {engine}'][-1]:.1f}s")
            local = pd.read_parquet(Path(args.workdir) / "report-local" / "shares.parquet")
            dask = pd.read_parquet(Path(args.workdir) / "report-dask" / "shares.parquet")
            pd.testing.assert_frame_equal(dask, local)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    print("identical annotations, tags and shares: yes")
    for step in ("tag", "report"):
        local, dask = (statistics.median(times[f"{step} {e}"]) for e in ("local", "dask"))
        print(
            f"{step}: local {local:.1f}s, dask {dask:.1f}s (median of {args.runs}); "
            f"dask / local = {dask / local:.2f}"
        )


if __name__ == "__main__":
    main()
