"""The sources registry: every source analyzer can fetch, by name.

Each entry is a :class:`Source`: its name, what one unit of work is (a thread, a board), whether it
takes snapshots, and its ``fetch(ctx) -> SourceResult`` function. A source with nothing configured
raises :class:`~analyzer.errors.NotConfiguredError` and the runner skips it.

===========  ==================================================================  ==========
name         what                                                                snapshot
===========  ==================================================================  ==========
hn           Hacker News "Ask HN: Who is hiring?" threads (Algolia API)          no
greenhouse   Greenhouse job boards                                               yes
lever        Lever postings (global and EU hosts)                                yes
ashby        Ashby job boards (listed jobs only)                                 yes
remotive     Remotive remote-job categories                                      yes
github       job boards run as GitHub issues                                     no
jsonld       schema.org JobPosting JSON-LD in career pages (URLs given per run)  no
===========  ==================================================================  ==========
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from analyzer.errors import ConfigError, NotConfiguredError, SourceError, StoreError
from analyzer.sources import ashby, github, greenhouse, hn, jsonld, lever, remotive
from analyzer.sources.base import (
    Failure,
    FetchContext,
    Progress,
    ProgressEvent,
    RawArchive,
    SourceResult,
)
from analyzer.sources.http import HttpClient, HttpSettings

__all__ = [
    "SOURCES",
    "Failure",
    "FetchContext",
    "FetchSummary",
    "HttpClient",
    "HttpSettings",
    "ProgressEvent",
    "RawArchive",
    "Source",
    "SourceResult",
    "fetch_sources",
    "format_fetch_summary",
    "get_source",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Source:
    """One registered source."""

    name: str
    version: str
    unit: str
    snapshot: bool
    fetch: Callable[..., SourceResult]
    help: str


SOURCES: dict[str, Source] = {
    s.name: s
    for s in (
        Source(
            "hn",
            "hn.v1",
            "thread",
            False,
            hn.fetch,
            "Hacker News 'Ask HN: Who is hiring?' threads via the Algolia API.",
        ),
        Source(
            "greenhouse",
            "greenhouse.v1",
            "board",
            True,
            greenhouse.fetch,
            "Greenhouse job boards (sources.greenhouse.boards).",
        ),
        Source(
            "lever",
            "lever.v1",
            "company",
            True,
            lever.fetch,
            "Lever postings (sources.lever.companies, sources.lever.eu_companies).",
        ),
        Source(
            "ashby",
            "ashby.v1",
            "board",
            True,
            ashby.fetch,
            "Ashby job boards (sources.ashby.boards).",
        ),
        Source(
            "remotive",
            "remotive.v1",
            "category",
            True,
            remotive.fetch,
            "Remotive remote jobs (sources.remotive.categories).",
        ),
        Source(
            "github",
            "github.v1",
            "board",
            False,
            github.fetch,
            "Job boards run as GitHub issues (sources.github.boards).",
        ),
        Source(
            "jsonld",
            "jsonld.v1",
            "page",
            False,
            jsonld.fetch,
            "schema.org JobPosting JSON-LD from career pages given as URLs.",
        ),
    )
}


def get_source(name: str) -> Source:
    """The registered source called ``name``.

    Raises:
        ConfigError: no source has that name.
    """
    try:
        return SOURCES[name]
    except KeyError:
        raise ConfigError(f"unknown source {name!r}; known: {', '.join(SOURCES)}") from None


@dataclass
class FetchSummary:
    """What a fetch run did, per source: counts, units, failures (nothing here raised)."""

    results: dict[str, SourceResult] = field(default_factory=dict)
    load_id: str | None = None
    seconds: float = 0.0
    requests: int = 0

    @property
    def failures(self) -> list[Failure]:
        """Every failing unit of every source."""
        return [f for r in self.results.values() for f in r.failures]

    def total(self, count: str) -> int:
        """The sum of one count (``new``, ``updated``, ``unchanged``, ``closed``) over sources."""
        return sum(getattr(r, count) for r in self.results.values())

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready description (for ``--json`` and the nightly run's summary)."""
        return {
            "load_id": self.load_id,
            "seconds": round(self.seconds, 2),
            "requests": self.requests,
            "sources": {
                name: {
                    "new": r.new,
                    "updated": r.updated,
                    "unchanged": r.unchanged,
                    "closed": r.closed,
                    "units_done": r.units_done,
                    "units_not_modified": r.units_not_modified,
                    "skipped": r.skipped,
                    "failures": [f.__dict__ for f in r.failures],
                }
                for name, r in self.results.items()
            },
        }


def fetch_sources(
    store: Any,
    config: Mapping[str, Any],
    names: Sequence[str],
    *,
    since: str | None = None,
    until: str | None = None,
    keep_raw: bool = False,
    progress: Progress | None = None,
    urls: Sequence[str] | None = None,
    client: HttpClient | None = None,
) -> FetchSummary:
    """Fetch the named sources into ``store`` under one write lock; never raise for a source.

    A source with nothing configured is skipped (``skipped`` says why); a failing unit or a
    failing source is recorded in the summary. Only store errors (a held lock, an unwritable
    root) propagate, since no source can be stored then.

    Args:
        store: an open :class:`analyzer.store.Store`.
        config: the effective settings.
        names: source names (see :data:`SOURCES`), in the order to run them.
        since: first period (``YYYY-MM``) to fetch, for sources with history (HN, GitHub).
        until: last period to fetch.
        keep_raw: archive raw responses under ``raw_dir`` (default ``<store>/_raw``).
        progress: called after each unit.
        urls: the career page URLs for ``jsonld``.
        client: an HTTP client to use (default: one built from the ``http.*`` settings).

    Raises:
        ConfigError: an unknown source name.
        StoreError: the store cannot be locked or written.
    """
    from analyzer.sources.base import parse_period

    since = parse_period(since, "--since")
    until = parse_period(until, "--until")
    if since and until and since > until:
        raise ConfigError(f"--since {since} is after --until {until}")
    sources = [get_source(name) for name in names]
    archive = None
    if keep_raw:
        archive = RawArchive(config["raw_dir"] or f"{str(config['store']).rstrip('/')}/_raw")
    own_client = client is None
    http = client or HttpClient(HttpSettings.from_config(config))
    summary = FetchSummary()
    started = time.monotonic()
    sent_before = http.requests_sent
    try:
        with store.writer(command=f"fetch {' '.join(names)}") as writer:
            summary.load_id = writer.load_id
            ctx = FetchContext(http, writer, store, config, since, until, archive, progress)
            for source in sources:
                summary.results[source.name] = _run_one(source, ctx, urls)
    finally:
        summary.seconds = time.monotonic() - started
        summary.requests = http.requests_sent - sent_before
        if own_client:
            http.close()
    return summary


def _run_one(source: Source, ctx: FetchContext, urls: Sequence[str] | None) -> SourceResult:
    try:
        if source.name == "jsonld":
            return jsonld.fetch(ctx, list(urls or []))
        return source.fetch(ctx)
    except NotConfiguredError as exc:
        log.info("%s skipped: %s", source.name, exc)
        return SourceResult(source.name, skipped=str(exc))
    except StoreError:
        raise
    except SourceError as exc:
        result = SourceResult(source.name)
        result.fail("*", exc)
        return result
    except Exception as exc:  # a bug in one source must not stop the others
        log.exception("%s failed unexpectedly", source.name)
        result = SourceResult(source.name)
        result.fail("*", exc)
        return result


def format_fetch_summary(summary: FetchSummary) -> str:
    """Render a :class:`FetchSummary` as a few human-readable lines."""
    lines = []
    for name, r in summary.results.items():
        if r.skipped:
            lines.append(f"{name}: skipped ({r.skipped})")
            continue
        line = (
            f"{name}: {r.new:,} new, {r.updated:,} updated, {r.unchanged:,} unchanged, "
            f"{r.closed:,} closed; {r.units_done} done"
        )
        if r.units_not_modified:
            line += f" ({r.units_not_modified} not modified)"
        if r.failures:
            line += f", {len(r.failures)} failed"
        lines.append(line)
        lines.extend(f"  failed {f.unit}: {f.kind}: {f.error}" for f in r.failures)
    lines.append(f"{summary.requests:,} requests in {summary.seconds:.1f}s, load {summary.load_id}")
    return "\n".join(lines)
