"""What every source shares: the fetch context it receives, the result it returns, the raw archive.

A source is a function ``fetch(ctx: FetchContext) -> SourceResult`` registered in
:mod:`analyzer.sources`. It raises :class:`~analyzer.errors.NotConfiguredError` when the config
gives it nothing to do; otherwise it fetches unit by unit (one HN thread, one board), commits each
unit with one ``upsert_postings`` call, and records a failing unit in ``result.failures`` instead of
raising, so one bad board never aborts the run.
"""

from __future__ import annotations

import gzip
import html
import json
import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pandas as pd

from analyzer.errors import InputError, SourceError
from analyzer.models import POSTING_INPUT_COLUMNS, period_of
from analyzer.sources.http import HttpClient

__all__ = [
    "Failure",
    "FetchContext",
    "ProgressEvent",
    "RawArchive",
    "SourceResult",
    "html_to_text",
    "in_range",
    "parse_period",
    "parse_timestamp",
    "postings_frame",
]

log = logging.getLogger(__name__)

_PERIOD_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$")


def parse_period(value: str | None, what: str = "period") -> str | None:
    """Validate a ``YYYY-MM`` period (``None`` passes through).

    Raises:
        InputError: the value is not ``YYYY-MM``.
    """
    if value is None:
        return None
    if not _PERIOD_RE.match(value):
        raise InputError(f"{what} must be YYYY-MM, got {value!r}")
    return value


def in_range(period: str, since: str | None, until: str | None) -> bool:
    """True when ``since <= period <= until`` (either bound may be open)."""
    return (since is None or period >= since) and (until is None or period <= until)


def parse_timestamp(value: Any) -> datetime | None:
    """Parse an API timestamp to an aware UTC datetime.

    Accepts ISO 8601 strings (naive ones are taken as UTC), epoch seconds, and epoch
    milliseconds (Lever); returns ``None`` for missing or unparsable values.
    """
    if value is None or value == "":
        return None
    try:
        if isinstance(value, bool):
            return None
        if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) >= 9:
            value = int(value.strip())
        if isinstance(value, int | float):
            seconds = value / 1000 if value > 10**11 else value
            return datetime.fromtimestamp(seconds, UTC)
        ts = pd.Timestamp(str(value))
    except (ValueError, OverflowError, OSError):
        return None
    if pd.isna(ts):
        return None
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return ts.to_pydatetime()


def safe_segment(name: str, what: str) -> str:
    """Return ``name`` if it is safe as one path segment or URL path part, else raise.

    Raises:
        InputError: the name is empty, has a slash, ``..`` or other unsafe characters.
    """
    if not _SAFE_SEGMENT.match(name) or ".." in name:
        raise InputError(f"invalid {what} {name!r}: use letters, digits, '.', '_' and '-'")
    return name


_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"<\s*(p|br|li|div|h[1-6]|tr|ul|ol)\b[^>]*>", re.I)


def _simple_html_to_text(markup: str) -> str:
    text = _BLOCK.sub("\n", markup)
    text = html.unescape(_TAG.sub("", text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def html_to_text(markup: str | None) -> str:
    """Plain text of an HTML fragment.

    Uses :func:`analyzer.extract.normalize.html_to_text` when that module exists, else a
    simple tag-stripping fallback that keeps paragraph breaks.
    """
    if not markup:
        return ""
    try:
        from analyzer.extract.normalize import html_to_text as normalize
    except ImportError:
        return _simple_html_to_text(markup)
    return normalize(markup)


def postings_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Build the DataFrame ``upsert_postings`` takes from dicts (missing keys become nulls)."""
    frame = pd.DataFrame(rows, columns=list(POSTING_INPUT_COLUMNS))
    frame["posted_at"] = pd.to_datetime(frame["posted_at"], utc=True)
    frame["remote"] = frame["remote"].astype("boolean")
    for col in (
        "source",
        "source_id",
        "period",
        "company",
        "title",
        "location",
        "url",
        "text_html",
        "text",
        "extra",
    ):
        frame[col] = frame[col].astype("string")
    return frame


def to_extra(values: Mapping[str, Any]) -> str:
    """Serialise source-specific fields to the ``extra`` JSON column (nulls dropped)."""
    return json.dumps(
        {k: v for k, v in values.items() if v not in (None, "", [], {})},
        ensure_ascii=False,
        sort_keys=True,
        default=str,
    )


def period_or(ts: datetime | None, fallback: datetime) -> str:
    """The period of ``ts``, or of ``fallback`` when the posting has no date."""
    return period_of(ts or fallback)


@dataclass(frozen=True)
class Failure:
    """One unit (thread, board, URL) that failed; the run goes on and the next run retries it."""

    source: str
    unit: str
    error: str
    kind: str

    @classmethod
    def of(cls, source: str, unit: str, exc: BaseException) -> Failure:
        """Describe ``exc`` (its message never carries a query string: see ``redact_url``)."""
        return cls(source, unit, str(exc), type(exc).__name__)


@dataclass
class SourceResult:
    """What one source did in a run: posting counts, units done, failures."""

    source: str
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    closed: int = 0
    units_done: int = 0
    units_not_modified: int = 0
    failures: list[Failure] = field(default_factory=list)
    skipped: str | None = None

    def add(self, result: Any) -> None:
        """Add the counts of an ``UpsertResult``."""
        self.new += result.new
        self.updated += result.updated
        self.unchanged += result.unchanged
        self.closed += result.closed

    def fail(self, unit: str, exc: BaseException) -> None:
        """Record a failing unit and log it (one line; the run goes on)."""
        failure = Failure.of(self.source, unit, exc)
        self.failures.append(failure)
        log.warning("%s %s failed: %s: %s", self.source, unit, failure.kind, failure.error)


@dataclass(frozen=True)
class ProgressEvent:
    """Reported after each unit: which source, which unit, how far, the counts so far."""

    source: str
    unit: str
    done: int
    total: int
    result: SourceResult


Progress = Callable[[ProgressEvent], None]


class RawArchive:
    """Raw responses kept beside the store (``--keep-raw``), laid out like ``../shared/data``.

    Because the layout is the replay server's, ``analyzer replay-server --data <raw_dir>`` replays
    an archived run offline. Paths: ``hn/stories.json``, ``hn/items/<id>.json.gz``,
    ``github_issues/repos/<owner>/<repo>/issues.json``, ``ats/<source>/<board>.json``,
    ``jsonld/<sha>.html``. A later run overwrites a file with the newer response.
    """

    def __init__(self, root: str) -> None:
        import fsspec

        self.root = root.rstrip("/")
        self._fs, self._base = fsspec.core.url_to_fs(self.root)

    def __repr__(self) -> str:
        return f"RawArchive({self.root!r})"

    def save(self, relpath: str, body: bytes, *, compress: bool = False) -> None:
        """Write ``body`` at ``relpath`` (each segment validated), atomically where possible."""
        segments = relpath.split("/")
        for seg in segments:
            safe_segment(seg, "archive path segment")
        path = "/".join([self._base, *segments])
        self._fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        data = gzip.compress(body, mtime=0) if compress else body
        tmp = path + ".part"
        with self._fs.open(tmp, "wb") as handle:
            handle.write(data)
        self._fs.mv(tmp, path)


@dataclass
class FetchContext:
    """Everything a source needs for one run."""

    client: HttpClient
    writer: Any  # analyzer.store writer: upsert_postings(...), load_id
    store: Any  # analyzer.store store: state(source)
    config: Mapping[str, Any]
    since: str | None = None
    until: str | None = None
    archive: RawArchive | None = None
    progress: Progress | None = None
    now: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))

    def report(self, result: SourceResult, unit: str, done: int, total: int) -> None:
        """Tell the progress callback a unit finished."""
        if self.progress is not None:
            self.progress(ProgressEvent(result.source, unit, done, total, result))


def run_units(
    ctx: FetchContext,
    result: SourceResult,
    units: list[str],
    fetch_unit: Callable[[str], Any],
) -> SourceResult:
    """Run ``fetch_unit`` for each unit, recording failures instead of raising."""
    for done, unit in enumerate(units, 1):
        try:
            upsert = fetch_unit(unit)
        except (SourceError, InputError) as exc:
            result.fail(unit, exc)
        else:
            if upsert is None:
                result.units_not_modified += 1
            else:
                result.add(upsert)
            result.units_done += 1
        ctx.report(result, unit, done, len(units))
    return result


def snapshot_boards(
    ctx: FetchContext,
    source: str,
    boards: list[str],
    url_of: Callable[[str], str],
    parse: Callable[[Any, str, datetime], list[dict[str, Any]]],
    *,
    params: Mapping[str, Any] | None = None,
) -> SourceResult:
    """Fetch each board whole and commit it as a snapshot (ATS semantics).

    Each board is one ``upsert_postings(..., snapshot=(source, "<board>/"))`` commit: open
    postings of that board missing from the response get ``closed_at``. A ``304 Not Modified``
    (the validators are kept in the source state) commits nothing. A failing board is recorded
    and the next board goes on.
    """
    result = SourceResult(source)
    state = dict(ctx.store.state(source) or {})

    def fetch_board(board: str) -> Any:
        safe_segment(board, f"{source} board")
        validators = (state.get("validators") or {}).get(board)
        response = ctx.client.get(url_of(board), params=params, validators=validators)
        if response.not_modified:
            return None
        seen_at = ctx.now()
        rows = parse(response.json(), board, seen_at)
        if ctx.archive is not None:
            ctx.archive.save(f"ats/{source}/{board}.json", response.content)
        validators_now = dict(state.get("validators") or {})
        if response.validators:
            validators_now[board] = response.validators
        else:
            validators_now.pop(board, None)
        new_state = {**state, "validators": validators_now, "last_fetch_at": seen_at.isoformat()}
        upsert = ctx.writer.upsert_postings(
            postings_frame(rows),
            seen_at=seen_at,
            snapshot=(source, f"{board}/"),
            state={source: new_state},
        )
        state.clear()
        state.update(new_state)
        return upsert

    return run_units(ctx, result, list(boards), fetch_board)
