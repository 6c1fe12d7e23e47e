"""Prometheus metrics of one nightly run: built from its summary, written and pushed.

:func:`run_registry` is pure: the summary of a run (``RunSummary.as_dict()``) in, a fresh
:class:`~prometheus_client.CollectorRegistry` out (never the process-global registry). :func:`publish`
then writes it for the node-exporter textfile collector (atomically, with ``write_to_textfile``) and
pushes it to a Pushgateway, as the ``metrics.*`` settings say.

Every value describes the last run, so every metric is a gauge:

=============================================  =====================  ==========================================
metric                                         labels                 value
=============================================  =====================  ==========================================
``analyzer_run_duration_seconds``              ``stage``              seconds of fetch, tag, report and total
``analyzer_run_postings``                      ``source``, ``change``  postings new / updated / closed
``analyzer_run_failures``                      ``source``             units (threads, boards) that failed
``analyzer_run_postings_tagged``                                      postings tagged
``analyzer_run_reports_written``                                      reports written (0 when up to date)
``analyzer_run_http_responses``                ``host``, ``code``     HTTP answers (retries, 304 included;
                                                                      ``code="error"``: no answer)
``analyzer_run_success``                                              1 when the run succeeded, else 0
``analyzer_last_run_timestamp_seconds``                               when the run ended (Unix time)
``analyzer_last_success_timestamp_seconds``                           when the last successful run ended
=============================================  =====================  ==========================================

A failed run keeps the previous ``analyzer_last_success_timestamp_seconds``: it is read back from the
existing textfile (and the push to the gateway uses POST, which leaves metrics it does not carry in
place), so an alert on the age of the last success keeps firing while runs fail.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Gauge, push_to_gateway, pushadd_to_gateway
from prometheus_client.exposition import write_to_textfile
from prometheus_client.parser import text_string_to_metric_families

from analyzer.logs import redact

__all__ = ["LAST_SUCCESS", "previous_success", "publish", "run_registry"]

log = logging.getLogger(__name__)

#: The metric an alert on staleness watches.
LAST_SUCCESS = "analyzer_last_success_timestamp_seconds"


def run_registry(
    summary: Mapping[str, Any],
    *,
    finished_at: float,
    last_success: float | None = None,
) -> CollectorRegistry:
    """The metrics of one run in a new registry.

    Args:
        summary: ``RunSummary.as_dict()``: ``ok``, ``durations``, ``sources``, ``tagged``,
            ``reports`` and ``http_responses``.
        finished_at: when the run ended (Unix time).
        last_success: for a failed run, when the last successful run ended (``None``: never, or
            unknown); ignored for a successful run, whose own end is the last success.
    """
    registry = CollectorRegistry(auto_describe=True)
    duration = Gauge(
        "analyzer_run_duration_seconds",
        "Seconds each stage of the last run took (total: the whole run).",
        ["stage"],
        registry=registry,
    )
    for stage, seconds in summary.get("durations", {}).items():
        duration.labels(stage=stage).set(float(seconds))
    postings = Gauge(
        "analyzer_run_postings",
        "Postings the last run stored, by source and change (new, updated, closed).",
        ["source", "change"],
        registry=registry,
    )
    failures = Gauge(
        "analyzer_run_failures",
        "Units (threads, boards) of a source that failed in the last run.",
        ["source"],
        registry=registry,
    )
    for source, counts in summary.get("sources", {}).items():
        for change in ("new", "updated", "closed"):
            postings.labels(source=source, change=change).set(int(counts.get(change, 0)))
        failures.labels(source=source).set(len(counts.get("failures", [])))
    Gauge("analyzer_run_postings_tagged", "Postings the last run tagged.", registry=registry).set(
        int(summary.get("tagged", 0))
    )
    Gauge(
        "analyzer_run_reports_written",
        "Reports the last run wrote (0 when they were up to date).",
        registry=registry,
    ).set(len(summary.get("reports", {}).get("written", [])))
    responses = Gauge(
        "analyzer_run_http_responses",
        "HTTP answers in the last run by host and status code (retries and 304 included; "
        'code="error" when no answer came).',
        ["host", "code"],
        registry=registry,
    )
    for row in summary.get("http_responses", []):
        responses.labels(host=row["host"], code=str(row["status"])).set(int(row["count"]))
    ok = bool(summary.get("ok"))
    Gauge("analyzer_run_success", "1 when the last run succeeded, else 0.", registry=registry).set(
        int(ok)
    )
    Gauge(
        "analyzer_last_run_timestamp_seconds",
        "When the last run ended (Unix time).",
        registry=registry,
    ).set(finished_at)
    success = finished_at if ok else last_success
    if success is not None:
        Gauge(
            LAST_SUCCESS,
            "When the last successful run ended (Unix time).",
            registry=registry,
        ).set(success)
    return registry


def previous_success(textfile: str | Path) -> float | None:
    """The ``analyzer_last_success_timestamp_seconds`` of an earlier textfile, if any."""
    try:
        text = Path(textfile).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    try:
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                if sample.name == LAST_SUCCESS:
                    return float(sample.value)
    except ValueError:  # a damaged file: no previous value rather than no metrics
        log.warning("cannot parse the previous metrics textfile %s", textfile)
    return None


def publish(
    config: Mapping[str, Any], summary: Mapping[str, Any], *, finished_at: float
) -> CollectorRegistry:
    """Build the run's metrics, write the textfile and push them, as ``metrics.*`` configure.

    Neither a write nor a push failure raises: each is logged as a warning (the run's own outcome
    is what the exit code tells; a missing or stale metric is what the alert sees).

    Returns:
        The registry written and pushed.
    """
    textfile = config["metrics.textfile"]
    last = previous_success(textfile) if textfile else None
    registry = run_registry(summary, finished_at=finished_at, last_success=last)
    if textfile:
        try:
            write_to_textfile(str(textfile), registry)
        except OSError as exc:
            log.warning("cannot write the metrics textfile %s: %s", textfile, exc)
        else:
            log.info("metrics written to %s", textfile)
    gateway = config["metrics.pushgateway"]
    if gateway:
        # PUT replaces the job's group; POST (pushadd) keeps what a failed run does not carry.
        push = push_to_gateway if summary.get("ok") else pushadd_to_gateway
        try:
            push(
                gateway,
                job=config["metrics.job"],
                registry=registry,
                timeout=config["metrics.push_timeout"],
            )
        except Exception as exc:  # urllib raises URLError, HTTPError, OSError, ValueError...
            log.warning("cannot push metrics to the Pushgateway: %s", redact(str(exc)))
        else:
            log.info("metrics pushed to the Pushgateway (job %s)", config["metrics.job"])
    return registry
