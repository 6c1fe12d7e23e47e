"""Write the report directory: a self-contained ``index.html``, ``summary.md`` and tidy tables.

The report is built from tables computed upstream (:mod:`analyzer.analyze`) and figures drawn by
:mod:`analyzer.charts`; this module only lays them out. What it writes into ``out_dir``::

    index.html            one file, no external assets: charts are data: URIs, no script at all
    summary.md            the answer to the three-quarters question and the claim verdicts
    shares.csv/.parquet   the tidy share table every number comes from
    claim_<name>.csv/.parquet   one verdict table per claim
    source_comparison.csv/.parquet   the sources side by side (when given)
    charts/<name>.png/.svg          every chart, also as files
    report.json           what was reported: population, periods, files, headline

Scraped text (company names, titles, snippets) is hostile input: every string reaches the HTML
through :func:`html.escape` or ``DataFrame.to_html(escape=True)``, never a template engine or pandas
Styler, and the page carries a Content-Security-Policy that forbids scripts as a second line of
defence.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib.figure import Figure

from analyzer.charts import (
    DEFINITION_LABELS,
    DENOMINATOR_LABELS,
    FAMILY_LABELS,
    SOURCE_LABELS,
    flag_set,
    period_start,
    save_figure,
)
from analyzer.errors import InputError

__all__ = [
    "SHARES_COLUMNS",
    "VERDICT_WORDS",
    "Chart",
    "ReportSummary",
    "three_quarters_table",
    "write_report",
]

#: The columns of the tidy share table, in order.
SHARES_COLUMNS: tuple[str, ...] = (
    "period",
    "family",
    "skill",
    "definition",
    "denominator",
    "n",
    "k",
    "share",
    "ci_low",
    "ci_high",
    "flags",
)

#: How a verdict against a reference share reads in the report.
VERDICT_WORDS: dict[str, str] = {
    "below": "below 75%",
    "contains": "consistent with 75%",
    "above": "above 75%",
    "small_n": "too few postings to say",
}

_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; base-uri 'none'; "
    "form-action 'none'"
)

_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 2rem auto;
       max-width: 1150px; padding: 0 1rem; color: #222; line-height: 1.45; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
.lede { font-size: 1.15rem; background: #f4f8fb; border-left: 4px solid #0072B2;
        padding: 0.8rem 1rem; }
figure { margin: 1rem 0; } figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 0.9rem; color: #444; }
table { border-collapse: collapse; font-size: 0.85rem; margin: 0.6rem 0; }
th, td { border: 1px solid #ddd; padding: 0.2rem 0.5rem; text-align: left; vertical-align: top; }
th { background: #f6f6f6; } td { white-space: nowrap; } .meta { color: #555; font-size: 0.9rem; }
.scroll { max-height: 34rem; overflow: auto; } .below { color: #D55E00; } .above { color: #0072B2; }
"""


@dataclass(frozen=True)
class Chart:
    """One figure of the report with the words that go around it."""

    name: str
    figure: Figure
    title: str
    caption: str


@dataclass
class ReportSummary:
    """What :func:`write_report` wrote, for the CLI to print and tests to check."""

    out_dir: Path
    source: str
    headline: str
    periods: int
    files: list[Path] = field(default_factory=list)

    def __str__(self) -> str:
        return (
            f"report written to {self.out_dir} ({len(self.files)} files; source {self.source}, "
            f"{self.periods} periods)\n{self.headline}"
        )


def _esc(value: Any) -> str:
    return html.escape("" if value is None else str(value), quote=True)


def _fmt_pct(value: Any) -> str:
    return "" if value is None or pd.isna(value) else f"{100 * float(value):.1f}%"


def _verdict(low: float, high: float, reference: float) -> str:
    if high < reference:
        return "below"
    if low > reference:
        return "above"
    return "contains"


def three_quarters_table(
    shares: pd.DataFrame,
    *,
    family: str = "cloud",
    denominator: str = "backend",
    reference: float = 0.75,
    granularity: str = "month",
) -> pd.DataFrame:
    """The three-quarters answer per period: one row per period and definition.

    The verdict compares the Wilson interval with ``reference``: ``below`` (interval entirely
    below), ``contains``, ``above``, or ``small_n`` when the period has too few postings to say.
    Every number is copied from the tidy share table, so the answer is reproducible from
    ``shares.csv``.

    Args:
        shares: the tidy share table.
        family: the family the claim is about.
        denominator: the role population.
        reference: the claimed share.
        granularity: ``month``, ``quarter`` or ``year``.

    Returns:
        Columns ``period, definition, n, k, share, ci_low, ci_high, verdict``, oldest period first.
    """
    pattern = {"month": r"^\d{4}-\d{2}$", "quarter": r"^\d{4}-Q\d$", "year": r"^\d{4}$"}[
        granularity
    ]
    rows = shares[
        (shares["family"] == family)
        & (shares["skill"] == "*")
        & (shares["denominator"] == denominator)
        & shares["period"].str.match(pattern)
    ].copy()
    small = rows["flags"].map(lambda f: "small_n" in flag_set(f))
    rows["verdict"] = [
        "small_n" if is_small else _verdict(low, high, reference)
        for is_small, low, high in zip(small, rows["ci_low"], rows["ci_high"], strict=True)
    ]
    rows["_x"] = rows["period"].map(period_start)
    columns = ["period", "definition", "n", "k", "share", "ci_low", "ci_high", "verdict"]
    return rows.sort_values(["_x", "definition"])[columns].reset_index(drop=True)


def _headline(answer: pd.DataFrame, *, definition: str, source: str, denominator: str) -> str:
    rows = answer[answer["definition"] == definition]
    counted = rows[rows["verdict"] != "small_n"]
    if counted.empty:
        population = DENOMINATOR_LABELS.get(denominator, denominator)
        return (
            f"No period of {_label(source, SOURCE_LABELS)} has enough {population} to answer "
            "whether three-quarters of them require cloud."
        )
    counts = counted["verdict"].value_counts()
    latest = counted.iloc[-1]
    return (
        f"Do nearly three-quarters of {DENOMINATOR_LABELS.get(denominator, denominator)} require "
        f"cloud proficiency? In {_label(source, SOURCE_LABELS)}, of {len(counted)} periods with "
        f"enough postings, the share requiring cloud was below 75% in {counts.get('below', 0)}, "
        f"consistent with 75% in {counts.get('contains', 0)} and above 75% in "
        f"{counts.get('above', 0)} (95% Wilson intervals). Latest period {latest['period']}: "
        f"{_fmt_pct(latest['share'])} ({_fmt_pct(latest['ci_low'])} to "
        f"{_fmt_pct(latest['ci_high'])}, n = {int(latest['n']):,})."
    )


def _label(value: str, labels: Mapping[str, str]) -> str:
    return labels.get(value, value)


def _png_data_uri(fig: Figure) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _table_html(frame: pd.DataFrame, *, max_rows: int | None = None) -> str:
    shown = frame if max_rows is None else frame.head(max_rows)
    # escape=True is the default; stated because scraped strings end up in these cells.
    return shown.to_html(index=False, escape=True, border=0, na_rep="", float_format=_float)


def _float(value: float) -> str:
    return f"{value:.4g}"


def _answer_html(answer: pd.DataFrame, definitions: Sequence[str]) -> str:
    """One row per period: n, then share, interval and verdict for each definition."""
    periods = list(dict.fromkeys(answer["period"]))
    head = "".join(
        f"<th>{_esc(DEFINITION_LABELS.get(d, d).split(' = ')[0])}: share (95% CI)</th>"
        f"<th>verdict</th>"
        for d in definitions
    )
    body = []
    by_key = {(r.period, r.definition): r for r in answer.itertuples()}
    for period in periods:
        cells = []
        n_value = ""
        for definition in definitions:
            row = by_key.get((period, definition))
            if row is None:
                cells.append("<td></td><td></td>")
                continue
            n_value = f"{int(row.n):,}"
            verdict = str(row.verdict)
            cells.append(
                f"<td>{_fmt_pct(row.share)} ({_fmt_pct(row.ci_low)} to {_fmt_pct(row.ci_high)})"
                f"</td><td class='{_esc(verdict)}'>{_esc(VERDICT_WORDS.get(verdict, verdict))}</td>"
            )
        body.append(f"<tr><td>{_esc(period)}</td><td>{_esc(n_value)}</td>{''.join(cells)}</tr>")
    return (
        "<div class='scroll'><table><thead><tr><th>period</th><th>n</th>"
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _answer_markdown(answer: pd.DataFrame, definition: str) -> str:
    rows = answer[answer["definition"] == definition]
    lines = ["| period | n | share | 95% CI | verdict |", "|---|---:|---:|---|---|"]
    for row in rows.itertuples():
        lines.append(
            f"| {row.period} | {int(row.n):,} | {_fmt_pct(row.share)} | {_fmt_pct(row.ci_low)} to "
            f"{_fmt_pct(row.ci_high)} | {VERDICT_WORDS.get(str(row.verdict), row.verdict)} |"
        )
    return "\n".join(lines)


def _markdown_cell(value: Any) -> str:
    text = "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
    return html.escape(text, quote=False).replace("|", "\\|").replace("\n", " ")


def _markdown_table(frame: pd.DataFrame, max_rows: int = 60) -> str:
    shown = frame.head(max_rows)
    lines = [
        "| " + " | ".join(_markdown_cell(c) for c in shown.columns) + " |",
        "|" + "---|" * len(shown.columns),
    ]
    for row in shown.itertuples(index=False):
        cells = [_float(v) if isinstance(v, float) and not pd.isna(v) else v for v in row]
        lines.append("| " + " | ".join(_markdown_cell(c) for c in cells) + " |")
    if len(frame) > max_rows:
        lines.append(f"\n({len(frame) - max_rows} more rows in the CSV file)")
    return "\n".join(lines)


def _csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists (such as ``flags``) become ``;``-joined strings so the CSV stays tidy."""
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, list | tuple | set | frozenset)).any():
            out[column] = out[column].map(
                lambda v: (
                    ";".join(sorted(map(str, v)))
                    if isinstance(v, list | tuple | set | frozenset)
                    else v
                )
            )
    return out


def _write_table(frame: pd.DataFrame, out_dir: Path, stem: str) -> list[Path]:
    tidy = _csv_ready(frame)
    csv_path, parquet_path = out_dir / f"{stem}.csv", out_dir / f"{stem}.parquet"
    tidy.to_csv(csv_path, index=False)
    tidy.to_parquet(parquet_path, index=False)
    return [csv_path, parquet_path]


def write_report(
    out_dir: str | Path,
    *,
    shares: pd.DataFrame,
    charts: Sequence[Chart] = (),
    claims: Mapping[str, pd.DataFrame] | None = None,
    claim_texts: Mapping[str, str] | None = None,
    comparison: pd.DataFrame | None = None,
    examples: pd.DataFrame | None = None,
    source: str = "hn",
    denominator: str = "backend",
    definitions: Sequence[str] = ("requires", "requires_strict", "involves"),
    populations: Mapping[str, str] | None = None,
    notes: Sequence[str] = (),
    generated_at: datetime | None = None,
) -> ReportSummary:
    """Write the report for one population (``source``) into ``out_dir``.

    Args:
        out_dir: the report directory (created; files in it are overwritten).
        shares: the tidy share table of ``source`` (columns :data:`SHARES_COLUMNS`).
        charts: figures to embed and save, in page order.
        claims: claim name -> verdict table (computed upstream), written as ``claim_<name>``.
        claim_texts: claim name -> the claim as a sentence, shown above its table.
        comparison: the sources side by side (one row per source x family x definition).
        examples: evidence rows (e.g. ``period, company, title, family, skill, level, snippet``);
            scraped text, escaped on output.
        source: the population ``shares`` describes; the report never pools sources.
        denominator: the role population of the main answer.
        definitions: the definitions shown in the three-quarters table, main one first.
        populations: question -> the source that answers it, stated in the report.
        notes: extra method notes (tagger versions, partial months...), shown as a list.
        generated_at: the timestamp printed in the report (defaults to now, UTC).

    Returns:
        A :class:`ReportSummary` of the files written.

    Raises:
        InputError: ``shares`` lacks a column of :data:`SHARES_COLUMNS`.
    """
    missing = [c for c in SHARES_COLUMNS if c not in shares.columns]
    if missing:
        raise InputError(f"share table lacks column(s): {', '.join(missing)}")
    out = Path(out_dir)
    (out / "charts").mkdir(parents=True, exist_ok=True)
    claims = dict(claims or {})
    claim_texts = dict(claim_texts or {})
    generated = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    files: list[Path] = []

    shares = shares[list(SHARES_COLUMNS)].reset_index(drop=True)
    files += _write_table(shares, out, "shares")
    for name, table in claims.items():
        files += _write_table(table, out, f"claim_{_safe_name(name)}")
    if comparison is not None:
        files += _write_table(comparison, out, "source_comparison")

    answer = three_quarters_table(shares, denominator=denominator)
    answer = answer[answer["definition"].isin(definitions)]
    main_definition = definitions[0]
    headline = _headline(answer, definition=main_definition, source=source, denominator=denominator)
    monthly_periods = answer[answer["definition"] == main_definition]
    counted = monthly_periods[monthly_periods["verdict"] != "small_n"]
    date_range = (
        f"{monthly_periods['period'].iloc[0]} to {monthly_periods['period'].iloc[-1]}"
        if not monthly_periods.empty
        else "no data"
    )

    chart_html = []
    for chart in charts:
        files += save_figure(chart.figure, out / "charts" / _safe_name(chart.name))
        chart_html.append(
            f"<section id='chart-{_esc(_safe_name(chart.name))}'><h2>{_esc(chart.title)}</h2>"
            f"<figure><img src='{_png_data_uri(chart.figure)}' alt='{_esc(chart.title)}'>"
            f"<figcaption>{_esc(chart.caption)}</figcaption></figure></section>"
        )

    claim_html = []
    for name, table in claims.items():
        claim_html.append(
            f"<h3>{_esc(name)}</h3><p>{_esc(claim_texts.get(name, ''))}</p>"
            f"<p class='meta'>Table: claim_{_esc(_safe_name(name))}.csv</p>"
            f"<div class='scroll'>{_table_html(_csv_ready(table))}</div>"
        )

    population_html = "".join(
        f"<li><b>{_esc(question)}</b>: {_esc(answer_by)}</li>"
        for question, answer_by in (populations or {}).items()
    )
    population_html = (
        "<p>Every number on this page describes one population: "
        f"<b>{_esc(_label(source, SOURCE_LABELS))}</b> "
        f"({_esc(DENOMINATOR_LABELS.get(denominator, denominator))}). Sources are never pooled."
        f"</p><ul>{population_html}</ul>"
    )
    definitions_html = "".join(
        f"<li>{_esc(DEFINITION_LABELS.get(d, d))}</li>" for d in DEFINITION_LABELS
    ) + "".join(
        f"<li>denominator <b>{_esc(k)}</b> = {_esc(v)}</li>" for k, v in DENOMINATOR_LABELS.items()
    )
    notes_html = "".join(f"<li>{_esc(note)}</li>" for note in notes)
    sections = [
        "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
        f"<meta http-equiv='Content-Security-Policy' content=\"{_CSP}\">",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>DevOps skills in backend job postings</title>",
        f"<style>{_CSS}</style></head><body>",
        "<h1>DevOps skills in backend job postings</h1>",
        f"<p class='meta'>{_esc(_label(source, SOURCE_LABELS))}, {_esc(date_range)}; "
        f"generated {_esc(generated)}.</p>",
        f"<p class='lede' id='headline'>{_esc(headline)}</p>",
        "<section id='population'><h2>Which population answers which question</h2>"
        f"{population_html}</section>",
        *chart_html[:1],
        "<section id='answer'><h2>Do nearly three-quarters of backend roles require cloud?</h2>",
        f"<p>Each period with data, for each definition: the share of "
        f"{_esc(DENOMINATOR_LABELS.get(denominator, denominator))} that require cloud, its 95% "
        f"Wilson interval, and whether the interval lies below, around or above 75%. "
        f"{len(counted)} of {len(monthly_periods)} periods have enough postings. The numbers are "
        f"the <code>family = cloud, skill = *</code> rows of shares.csv.</p>",
        _answer_html(answer, list(definitions)),
        "</section>",
        *chart_html[1:],
    ]
    if claim_html:
        sections.append(
            "<section id='claims'><h2>The claims, checked</h2>"
            "<p>Verdicts are computed from the data each time the report is built.</p>"
            f"{''.join(claim_html)}</section>"
        )
    if comparison is not None:
        sections.append(
            "<section id='comparison'><h2>Sources side by side</h2><p>Each source is its own "
            "population: short Hacker News comments mention fewer skills than full job "
            "descriptions, and the GitHub issue boards are mostly Brazilian. Compare them, do not "
            "add them up.</p>"
            f"<div class='scroll'>{_table_html(_csv_ready(comparison))}</div></section>"
        )
    if examples is not None and not examples.empty:
        sections.append(
            "<section id='examples'><h2>Examples: what the tagger counted</h2><p>Postings quoted "
            "as scraped (escaped), with the skill and level they were counted for.</p>"
            f"<div class='scroll'>{_table_html(examples, max_rows=60)}</div></section>"
        )
    sections.append(
        "<section id='method'><h2>Definitions and method</h2>"
        f"<ul>{definitions_html}{notes_html}</ul><p class='meta'>Files: "
        + ", ".join(_esc(p.relative_to(out)) for p in files)
        + "</p></section></body></html>"
    )
    index = out / "index.html"
    index.write_text("\n".join(sections), encoding="utf-8")
    files.append(index)

    summary = out / "summary.md"
    summary.write_text(
        _summary_markdown(
            headline=headline,
            answer=answer,
            main_definition=main_definition,
            claims=claims,
            claim_texts=claim_texts,
            comparison=comparison,
            source=source,
            denominator=denominator,
            date_range=date_range,
            generated=generated,
            populations=populations or {},
        ),
        encoding="utf-8",
    )
    files.append(summary)
    meta = out / "report.json"
    meta.write_text(
        json.dumps(
            {
                "source": source,
                "denominator": denominator,
                "definitions": list(definitions),
                "date_range": date_range,
                "periods": len(monthly_periods),
                "periods_with_enough_data": len(counted),
                "headline": headline,
                "generated_at": generated,
                "files": [str(p.relative_to(out)) for p in files],
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    files.append(meta)
    return ReportSummary(
        out_dir=out, source=source, headline=headline, periods=len(monthly_periods), files=files
    )


def _safe_name(name: str) -> str:
    """A file-name-safe version of a chart or claim name (never a path)."""
    cleaned = "".join(c if c.isalnum() or c in "-_" else "_" for c in name)
    return cleaned.strip("_") or "unnamed"


def _summary_markdown(
    *,
    headline: str,
    answer: pd.DataFrame,
    main_definition: str,
    claims: Mapping[str, pd.DataFrame],
    claim_texts: Mapping[str, str],
    comparison: pd.DataFrame | None,
    source: str,
    denominator: str,
    date_range: str,
    generated: str,
    populations: Mapping[str, str],
) -> str:
    parts = [
        "# DevOps skills in backend job postings",
        "",
        f"Population: {_label(source, SOURCE_LABELS)} "
        f"({DENOMINATOR_LABELS.get(denominator, denominator)}), "
        f"{date_range}. Generated {generated}. Sources are never pooled.",
        "",
        "## Answer",
        "",
        html.escape(headline, quote=False),
        "",
        f"Definition: {DEFINITION_LABELS.get(main_definition, main_definition)}. "
        "Every number below is a `family = cloud, skill = *` row of `shares.csv`.",
        "",
        _answer_markdown(answer, main_definition),
        "",
    ]
    if populations:
        parts += ["## Which population answers which question", ""]
        parts += [f"- **{_markdown_cell(q)}**: {_markdown_cell(a)}" for q, a in populations.items()]
        parts.append("")
    for name, table in claims.items():
        parts += [
            f"## Claim: {_markdown_cell(name)}",
            "",
            _markdown_cell(claim_texts.get(name, "")),
            "",
            _markdown_table(_csv_ready(table)),
            "",
        ]
    if comparison is not None:
        parts += ["## Sources side by side", "", _markdown_table(_csv_ready(comparison)), ""]
    parts += ["## Definitions", ""]
    parts += [f"- {v}" for v in DEFINITION_LABELS.values()]
    parts += [f"- denominator `{k}` = {v}" for k, v in DENOMINATOR_LABELS.items()]
    parts += [f"- families: {', '.join(f'{k} ({v})' for k, v in FAMILY_LABELS.items())}", ""]
    return "\n".join(parts)
