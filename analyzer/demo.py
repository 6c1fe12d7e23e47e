"""``python -m analyzer.demo``: the whole nightly job, offline, on the recorded corpus.

Starts :class:`~analyzer.replay.ReplayServer` on 127.0.0.1 over a directory laid out like
``../shared/data``, points every source at it (with the recorded boards configured and the rate limit
lifted, since the server is local), and runs :func:`analyzer.pipeline.run` into its own store and
report directory, so a real ``data/store`` is never touched.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from analyzer import pipeline
from analyzer.config import load_config
from analyzer.errors import AnalyzerError
from analyzer.replay import ReplayServer

__all__ = ["demo_settings", "main"]

#: The boards the recorded ATS responses in ``../shared/data/ats`` were taken from.
RECORDED_BOARDS: dict[str, list[str]] = {
    "sources.greenhouse.boards": ["anthropic"],
    "sources.lever.companies": ["spotify"],
    "sources.ashby.boards": ["ramp"],
    "sources.remotive.categories": ["software-development"],
}


def demo_settings(server: ReplayServer, data_dir: Path) -> dict[str, Any]:
    """The settings that point every source at ``server`` and configure the recorded boards."""
    repos = sorted(
        f"{p.parent.parent.name}/{p.parent.name}"
        for p in (data_dir / "github_issues" / "repos").glob("*/*/issues.json")
    )
    settings: dict[str, Any] = {
        **server.base_urls(),
        **RECORDED_BOARDS,
        "sources.github.boards": repos,
        "http.rate_per_host": 0,  # loopback only: no one to be polite to
    }
    coverage = data_dir / "hn" / "coverage.tsv"
    if coverage.exists():
        settings["report.coverage"] = str(coverage)
    return settings


def main(argv: list[str] | None = None) -> int:
    """Run the demo; returns the process exit code."""
    parser = argparse.ArgumentParser(prog="python -m analyzer.demo", description=__doc__)
    parser.add_argument("--data", default="../shared/data", help="recorded corpus directory")
    parser.add_argument("--store", default="data/demo-store", help="store for the demo")
    parser.add_argument("--out", default="reports/demo", help="report directory")
    args = parser.parse_args(argv)
    data_dir = Path(args.data)
    if not (data_dir / "hn" / "stories.json").is_file():
        print(
            f"analyzer demo: error: no recorded corpus at {data_dir} (expected hn/stories.json)",
            file=sys.stderr,
        )
        return 2
    try:
        with ReplayServer(data_dir) as server:
            print(f"replaying {data_dir} at {server.url}", file=sys.stderr)
            config = load_config().with_overrides(
                {**demo_settings(server, data_dir), "store": args.store, "report.out": args.out}
            )
            summary = pipeline.run(config)
    except AnalyzerError as exc:
        print(f"analyzer demo: error: {exc}", file=sys.stderr)
        return exc.exit_code
    print(summary)
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
