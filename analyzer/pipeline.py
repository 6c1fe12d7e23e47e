"""The stages composed: fetch, tag, report, and the nightly run.

Only this module, :mod:`analyzer.cli` and :mod:`analyzer` itself import every stage. Each function here
takes the effective :class:`~analyzer.config.Config` and returns a summary the CLI prints.
"""

from __future__ import annotations

from typing import Any

from analyzer.config import Config
from analyzer.store import open_store

__all__ = ["format_status", "status"]


def status(config: Config) -> dict[str, Any]:
    """Describe the store: postings per source and period, last fetch per source, tagger versions."""
    return open_store(config["store"]).status()


def format_status(report: dict[str, Any]) -> str:
    """Render :func:`status` output as a short human-readable text."""
    lines = [f"store: {report['root']} (schema v{report['schema_version']})"]
    if not report["postings"]:
        lines.append("empty: no postings yet (run `analyzer fetch` or `analyzer run`)")
        return "\n".join(lines)
    total = sum(row["postings"] for row in report["postings"])
    lines.append(f"postings: {total:,}")
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in report["postings"]:
        by_source.setdefault(row["source"], []).append(row)
    for source, rows in sorted(by_source.items()):
        periods = sorted(r["period"] for r in rows)
        count = sum(r["postings"] for r in rows)
        last = report["sources"].get(source, {}).get("last_fetch_at", "never")
        lines.append(
            f"  {source}: {count:,} postings in {len(rows)} periods "
            f"({periods[0]}..{periods[-1]}), last fetch {last}"
        )
    versions = report.get("tagger_versions") or {}
    if versions:
        for version, count in sorted(versions.items()):
            lines.append(f"tagged by {version}: {count:,} postings")
    else:
        lines.append("not tagged yet (run `analyzer tag`)")
    return "\n".join(lines)
