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
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analyzer.analyze import (
    DEFINITIONS,
    DENOMINATORS,
    DEVOPS_FAMILIES,
    POPULATIONS,
    SHARE_COLUMNS,
    Counts,
    compare_sources,
    compare_sources_wide,
    cooccurrence,
    count_levels,
    denominator_mask,
    posting_levels,
    skill_shares,
    skill_trends,
    source_group,
)
from analyzer.charts import (
    DEFINITION_LABELS,
    DENOMINATOR_LABELS,
    FAMILY_LABELS,
    SOURCE_LABELS,
    cooccurrence_heatmap,
    family_small_multiples,
    flag_set,
    period_start,
    rising_falling,
    save_figure,
    share_trend,
    skill_heatmap,
)
from analyzer.claims import check_claims, interval_verdict, summarize_claims
from analyzer.errors import InputError

__all__ = [
    "MAIN_FAMILIES",
    "SHARES_COLUMNS",
    "VERDICT_WORDS",
    "Chart",
    "ReportSummary",
    "build_report",
    "evidence_candidates",
    "evidence_examples",
    "evidence_posting_ids",
    "population_counts",
    "population_levels",
    "three_quarters_table",
    "write_report",
]

#: The columns of the tidy share table, in order (defined once, in :mod:`analyzer.analyze`).
SHARES_COLUMNS = SHARE_COLUMNS

#: How a verdict against a reference share reads in the report.
VERDICT_WORDS: dict[str, str] = {
    "below": "below 75%",
    "consistent": "consistent with 75%",
    "above": "above 75%",
    "insufficient": "too few postings to say",
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


def three_quarters_table(
    shares: pd.DataFrame,
    *,
    family: str = "cloud",
    denominator: str = "backend",
    reference: float = 0.75,
    granularity: str = "month",
) -> pd.DataFrame:
    """The three-quarters answer per period: one row per period and definition.

    The verdict compares the interval with ``reference`` exactly as
    :func:`analyzer.claims.check_three_quarters` does: ``below`` (interval entirely below),
    ``consistent``, ``above``, or ``insufficient`` when the period has too few postings. Every
    number is copied from the tidy share table, so the answer is reproducible from ``shares.csv``.
    Used when no claim table is given.

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
        "insufficient" if is_small else interval_verdict(low, high, reference)
        for is_small, low, high in zip(small, rows["ci_low"], rows["ci_high"], strict=True)
    ]
    rows["_x"] = rows["period"].map(period_start)
    columns = ["period", "definition", "n", "k", "share", "ci_low", "ci_high", "verdict"]
    return rows.sort_values(["_x", "definition"])[columns].reset_index(drop=True)


def _headline(answer: pd.DataFrame, *, definition: str, source: str, denominator: str) -> str:
    rows = answer[answer["definition"] == definition]
    counted = rows[rows["verdict"] != "insufficient"]
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
        f"consistent with 75% in {counts.get('consistent', 0)} and above 75% in "
        f"{counts.get('above', 0)} (95% Wilson intervals). Latest period {latest['period']}: "
        f"{_fmt_pct(latest['share'])} ({_fmt_pct(latest['ci_low'])} to "
        f"{_fmt_pct(latest['ci_high'])}, n = {int(latest['n']):,})."
    )


def _label(value: str, labels: Mapping[str, str]) -> str:
    return labels.get(value, value)


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


def _answer_from_claims(
    claims: pd.DataFrame, *, source: str, denominator: str, family: str = "cloud"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The three-quarters rows of a claim table: (per-period rows, overall rows)."""
    rows = claims[
        (claims["claim"] == "three_quarters_cloud")
        & (claims["subject"] == family)
        & (claims["source"] == source)
        & (claims["denominator"] == denominator)
    ]
    columns = ["period", "definition", "n", "k", "share", "ci_low", "ci_high", "verdict"]
    periods = rows[rows["period"] != "overall"].copy()
    periods["_x"] = periods["period"].map(period_start)
    periods = periods.sort_values(["_x", "definition"])[columns].reset_index(drop=True)
    overall = rows[rows["period"] == "overall"][columns].reset_index(drop=True)
    return periods, overall


def _claims_overview(claims: pd.DataFrame, source: str, denominator: str) -> pd.DataFrame:
    """The trend and convergence verdicts of one source: one row per claim, subject and variant."""
    rows = claims[(claims["source"] == source) & (claims["claim"] != "three_quarters_cloud")]
    rows = rows[rows["denominator"] == denominator]
    rows = rows[rows["statistic"] == "log_odds_per_year"]
    odds = np.exp(rows["estimate"].astype(float))
    return pd.DataFrame(
        {
            "claim": rows["statement"],
            "subject": rows["subject"],
            "definition": rows["definition"],
            "denominator": rows["denominator"],
            "months": rows["period"],
            "n": rows["n"],
            "overall share": rows["share"].map(_fmt_pct),
            "odds per year": [
                "" if not np.isfinite(o) else f"x{o:.2f} (x{np.exp(lo):.2f} to x{np.exp(hi):.2f})"
                for o, lo, hi in zip(odds, rows["est_low"], rows["est_high"], strict=True)
            ],
            "verdict": rows["verdict"],
        }
    ).reset_index(drop=True)


def write_report(
    out_dir: str | Path,
    *,
    shares: pd.DataFrame,
    charts: Sequence[Chart] = (),
    claims: pd.DataFrame | None = None,
    headlines: pd.DataFrame | None = None,
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
        charts: figures to embed and save, in page order (the first is the main chart).
        claims: the claim table of :func:`analyzer.claims.check_claims` (written as
            ``claims.csv``); its three-quarters rows answer the main question. Without it the
            answer is read from ``shares`` by :func:`three_quarters_table`.
        headlines: :func:`analyzer.claims.summarize_claims` output: one sentence per claim.
        comparison: the sources side by side (written as ``source_comparison.csv``).
        examples: evidence rows (e.g. ``period, company, title, family, skill, level, snippet``);
            scraped text, escaped on output.
        source: the population ``shares`` describes; the report never pools sources.
        denominator: the role population of the main answer.
        definitions: the definitions shown in the three-quarters table, main one first.
        populations: question -> the population that answers it, stated in the report.
        notes: extra method notes (tagger version, partial months...), shown as a list.
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
    generated = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    files: list[Path] = []

    shares = shares[list(SHARES_COLUMNS)].reset_index(drop=True)
    files += _write_table(shares, out, "shares")
    if claims is not None:
        files += _write_table(claims, out, "claims")
    if comparison is not None:
        files += _write_table(comparison, out, "source_comparison")

    overall = pd.DataFrame()
    if claims is not None:
        answer, overall = _answer_from_claims(claims, source=source, denominator=denominator)
    else:
        answer = three_quarters_table(shares, denominator=denominator)
    answer = answer[answer["definition"].isin(definitions)]
    main_definition = definitions[0]
    headline = _headline(answer, definition=main_definition, source=source, denominator=denominator)
    main_rows = answer[answer["definition"] == main_definition]
    counted = main_rows[main_rows["verdict"] != "insufficient"]
    date_range = (
        f"{main_rows['period'].iloc[0]} to {main_rows['period'].iloc[-1]}"
        if not main_rows.empty
        else "no data"
    )

    chart_html = []
    for chart in charts:
        png, svg = save_figure(chart.figure, out / "charts" / _safe_name(chart.name))
        files += [png, svg]
        # the page embeds the very PNG written beside it (one render, identical bytes)
        uri = "data:image/png;base64," + base64.b64encode(png.read_bytes()).decode("ascii")
        chart_html.append(
            f"<section id='chart-{_esc(_safe_name(chart.name))}'><h2>{_esc(chart.title)}</h2>"
            f"<figure><img src='{uri}' alt='{_esc(chart.title)}'>"
            f"<figcaption>{_esc(chart.caption)}</figcaption></figure></section>"
        )

    population_items = "".join(
        f"<li><b>{_esc(question)}</b>: {_esc(answer_by)}</li>"
        for question, answer_by in (populations or {}).items()
    )
    population_html = (
        "<p>Every number on this page describes one population: "
        f"<b>{_esc(_label(source, SOURCE_LABELS))}</b> "
        f"({_esc(DENOMINATOR_LABELS.get(denominator, denominator))}). Sources are never pooled."
        f"</p><ul>{population_items}</ul>"
    )
    overall_html = ""
    if not overall.empty:
        items = "".join(
            f"<li>{_esc(DEFINITION_LABELS.get(r.definition, r.definition))}: "
            f"{_fmt_pct(r.share)} ({_fmt_pct(r.ci_low)} to {_fmt_pct(r.ci_high)}), "
            f"n = {int(r.n):,}: <b>{_esc(VERDICT_WORDS.get(str(r.verdict), r.verdict))}</b></li>"
            for r in overall[overall["definition"].isin(definitions)].itertuples()
        )
        overall_html = f"<p>All periods pooled:</p><ul>{items}</ul>"
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
        f"interval, and whether the interval lies below, around or above 75%. "
        f"{len(counted)} of {len(main_rows)} periods have enough postings. The numbers are "
        f"the <code>family = cloud, skill = *</code> rows of shares.csv.</p>",
        overall_html,
        _answer_html(answer, list(definitions)),
        "</section>",
        *chart_html[1:],
    ]
    if headlines is not None and not headlines.empty:
        own = headlines[headlines["source"] == source]
        items = "".join(
            f"<li><b>{_esc(r.claim)}</b> ({_esc(r.subject)}): <b>{_esc(r.verdict)}</b>. "
            f"{_esc(r.sentence)}</li>"
            for r in own.itertuples()
        )
        sections.append(
            "<section id='claims'><h2>The claims, checked</h2><p>Verdicts are computed from the "
            f"data each time the report is built; the numbers are in claims.csv.</p><ul>{items}</ul>"
            + (
                f"<div class='scroll'>{_table_html(_claims_overview(claims, source, denominator))}</div>"
                if claims is not None
                else ""
            )
            + "</section>"
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
            headlines=headlines,
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
                "periods": len(main_rows),
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
        out_dir=out, source=source, headline=headline, periods=len(main_rows), files=files
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
    headlines: pd.DataFrame | None,
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
    if headlines is not None and not headlines.empty:
        parts += ["## The claims, checked", ""]
        own = headlines[headlines["source"] == source]
        parts += [
            f"- **{_markdown_cell(r.claim)}** ({_markdown_cell(r.subject)}): "
            f"**{_markdown_cell(r.verdict)}**. {_markdown_cell(r.sentence)}"
            for r in own.itertuples()
        ]
        parts.append("")
    if comparison is not None:
        parts += ["## Sources side by side", "", _markdown_table(_csv_ready(comparison)), ""]
    parts += ["## Definitions", ""]
    parts += [f"- {v}" for v in DEFINITION_LABELS.values()]
    parts += [f"- denominator `{k}` = {v}" for k, v in DENOMINATOR_LABELS.items()]
    parts += [f"- families: {', '.join(f'{k} ({v})' for k, v in FAMILY_LABELS.items())}", ""]
    return "\n".join(parts)


#: The families of the main chart: the three the seed claims are about.
MAIN_FAMILIES: tuple[str, ...] = ("cloud", "containers", "ci_cd")


def _evidence_choices(
    levels: pd.DataFrame, families: Sequence[str], denominator: str, per_family: int
) -> list[tuple[str, pd.DataFrame]]:
    """Per family, the levels rows :func:`evidence_examples` quotes: the newest postings of the
    denominator requiring it, one per company."""
    in_denominator = levels[denominator_mask(levels, denominator)]
    choices = []
    for family in families:
        if family not in in_denominator.columns:
            continue
        chosen = in_denominator[in_denominator[family] == "required"]
        # Stable: among postings of one month the store's order decides, so the choice from
        # evidence_candidates of each partition is the choice from every posting.
        chosen = chosen.sort_values("period", ascending=False, kind="stable")
        chosen = chosen.drop_duplicates("company")
        choices.append((family, chosen.head(per_family)))
    return choices


def evidence_posting_ids(
    levels: pd.DataFrame,
    *,
    families: Sequence[str] = MAIN_FAMILIES,
    denominator: str = "backend",
    per_family: int = 4,
) -> list[str]:
    """The postings :func:`evidence_examples` may quote, so a reader can fetch only their texts.

    Args and selection as in :func:`evidence_examples`.
    """
    if levels.empty:
        return []
    chosen = _evidence_choices(levels, families, denominator, per_family)
    return sorted({str(i) for _, rows in chosen for i in rows["posting_id"]})


def evidence_candidates(
    levels: pd.DataFrame,
    *,
    families: Sequence[str] = MAIN_FAMILIES,
    per_family: int = 4,
) -> pd.DataFrame:
    """The rows of one store partition (one source and month) :func:`evidence_examples` could
    ever quote, for any denominator: per family and denominator, the first ``per_family``
    postings of distinct companies requiring it.

    Quotes are the newest postings, one per company, so a posting that is not among these
    candidates of its own partition is never quoted: the candidates of every partition, stacked
    in store order, give the same quotes as all the postings (see :func:`_evidence_choices`).

    Returns:
        The chosen rows of ``levels`` in their order, with ``posting_id, source, period, company,
        is_job_posting, roles`` and the ``families`` columns.
    """
    keep = ["posting_id", "source", "period", "company", "is_job_posting", "roles"]
    keep += [f for f in families if f in levels.columns]
    narrow = levels[keep]
    if narrow.empty:
        return narrow
    # What _evidence_choices picks for each denominator, without building its frames: newest
    # first (stable), the first posting of each company (missing companies count as one).
    ordered = narrow.sort_values("period", ascending=False, kind="stable")
    company = ordered["company"].to_numpy(dtype=object)
    rows: set[Any] = set()
    for den in DENOMINATORS:
        in_den = denominator_mask(ordered, den).to_numpy(dtype=bool)
        for family in families:
            if family not in ordered.columns:
                continue
            seen: set[Any] = set()
            for i in np.flatnonzero(in_den & (ordered[family] == "required").to_numpy()):
                key = None if pd.isna(company[i]) else company[i]
                if key in seen:
                    continue
                seen.add(key)
                rows.add(ordered.index[i])
                if len(seen) == per_family:
                    break
    return narrow.loc[[i for i in narrow.index if i in rows]]


def evidence_examples(
    levels: pd.DataFrame,
    postings: pd.DataFrame,
    tags: pd.DataFrame,
    *,
    families: Sequence[str] = MAIN_FAMILIES,
    denominator: str = "backend",
    per_family: int = 4,
    context: int = 70,
) -> pd.DataFrame:
    """A few postings per family that count as requiring it, with the quoted evidence.

    Picks the newest postings of the denominator whose family level is ``required``, one per
    company, and quotes ``context`` characters around the first required mention.

    Returns:
        Columns ``period, company, title, family, skill, level, snippet`` (scraped text, raw:
        escape it on output).
    """
    columns = ["period", "company", "title", "family", "skill", "level", "snippet"]
    if levels.empty or tags.empty:
        return pd.DataFrame(columns=columns)
    text = postings.set_index("posting_id")
    records = []
    for family, chosen in _evidence_choices(levels, families, denominator, per_family):
        for row in chosen.itertuples():
            mention = tags[
                (tags["posting_id"] == row.posting_id)
                & (tags["family"] == family)
                & (tags["level"] == "required")
            ].sort_values("start")
            if mention.empty or row.posting_id not in text.index:
                continue
            first = mention.iloc[0]
            body = str(text.at[row.posting_id, "text"] or "") if "text" in text else ""
            start, end = int(first["start"]), int(first["end"])
            snippet = body[max(0, start - context) : end + context].replace("\n", " ")
            records.append(
                {
                    "period": row.period,
                    "company": row.company,
                    "title": text.at[row.posting_id, "title"] if "title" in text else None,
                    "family": family,
                    "skill": first["skill"],
                    "level": "required",
                    "snippet": snippet,
                }
            )
    return pd.DataFrame(records, columns=columns)


def population_levels(all_levels: pd.DataFrame, source: str) -> pd.DataFrame:
    """The rows of one population: a source group (``ats``) or one source of it (``lever``)."""
    group = source_group(source)
    levels = all_levels[all_levels["source"].map(source_group) == group]
    if source != group:
        levels = levels[levels["source"] == source]
    return levels.reset_index(drop=True)


def population_counts(counts: Counts, source: str) -> Counts:
    """The counts of one population: a source group (``ats``) or one source of it (``lever``)."""
    sources = pd.Series(counts.n.index.get_level_values("source"), dtype=object).astype(str)
    keep = sources.map(source_group) == source_group(source)
    if source != source_group(source):
        keep &= sources == source
    return counts.where(keep.to_numpy())


def build_report(
    out_dir: str | Path,
    postings: pd.DataFrame,
    annotations: pd.DataFrame,
    tags: pd.DataFrame,
    *,
    source: str = "hn",
    denominator: str = "backend",
    min_n: int = 30,
    coverage: pd.DataFrame | None = None,
    bootstrap: int = 0,
    tagger_version: str | None = None,
    generated_at: datetime | None = None,
    all_levels: pd.DataFrame | None = None,
    counts: Counts | None = None,
) -> ReportSummary:
    """Compute everything the report shows from the store's three tables, then write it.

    ``source`` (a source such as ``hn`` or a source group such as ``ats``) chooses the population
    every share, chart and verdict describes; the other sources appear only side by side in the
    source comparison, never pooled in.

    Args:
        out_dir: the report directory.
        postings: ``posting_id, source, period, company, title, text`` (any sources).
        annotations: the store's annotations.
        tags: the store's tags (with ``start, end`` for the quoted evidence).
        source: the population of the report.
        denominator: ``backend``, ``broad`` or ``all``: the roles of the main answer.
        min_n: periods with fewer postings in the denominator are ``small_n``, not plotted.
        coverage: ``period, partial`` of the report's source (partial months are marked).
        bootstrap: company-cluster bootstrap replicates (0 = Wilson intervals only).
        tagger_version: the tagger version to report (default: the latest present).
        generated_at: the timestamp printed in the report.
        all_levels: ``posting_levels(postings, annotations, tags, tagger_version)`` when it was
            computed elsewhere (the Dask engine); ``annotations`` is then unused and ``postings``
            and ``tags`` need only the rows of :func:`evidence_posting_ids`.
        counts: :func:`~analyzer.analyze.count_levels` of every posting of the store (all
            sources), computed elsewhere (the cached per-partition counts); ``all_levels`` is
            then only the :func:`evidence_candidates` of every partition, in store order, and
            ``bootstrap`` must be 0. Every table is computed from counts either way, so the
            report is the same.

    Raises:
        InputError: nothing tagged for ``source``, or a bootstrap asked with ``counts``.
    """
    if all_levels is None:
        all_levels = posting_levels(postings, annotations, tags, tagger_version)
    if counts is None:
        counts = count_levels(all_levels)
    elif bootstrap:
        raise InputError("the company-cluster bootstrap needs every posting's levels, not counts")
    group = source_group(source)
    levels = population_levels(all_levels, source)
    mine = population_counts(counts, source)
    if mine.n.empty:
        raise InputError(f"no tagged postings of source {source!r} in the store")
    version = str(mine.tagger_version)
    # The bootstrap resamples companies, so it needs the postings; everything else is counts.
    data: pd.DataFrame | Counts = levels if bootstrap else mine
    definitions = tuple(DEFINITIONS)
    frames = [
        skill_shares(
            data,
            by=by,
            definition=definitions,
            denominator=DENOMINATORS,
            min_n=min_n,
            coverage=coverage,
            bootstrap=bootstrap,
        )
        for by in ("month", "quarter", "year")
    ]
    shares = pd.concat(frames, ignore_index=True)
    monthly = frames[0]
    claims = check_claims(data, min_n=min_n, coverage=coverage, bootstrap=bootstrap)
    headlines = summarize_claims(claims, denominator=denominator)
    groups = len({source_group(s) for s in counts.sources})
    comparison = (
        compare_sources(
            counts,
            definition=definitions,
            denominator=denominator,
            families=DEVOPS_FAMILIES,
            min_n=min_n,
        )
        if groups > 1
        else None
    )
    main_monthly = monthly[monthly["denominator"] == denominator]
    requires = main_monthly[main_monthly["definition"] == "requires"]
    figures = [
        Chart(
            "main",
            share_trend(
                main_monthly, MAIN_FAMILIES, denominator=denominator, source=source, min_n=min_n
            ),
            "Cloud, containers and CI/CD: monthly share with 95% intervals",
            "Dots: each month's share of "
            f"{DENOMINATOR_LABELS.get(denominator, denominator)} that require the family "
            "(required or a duty); band: its Wilson 95% interval; line: pooled 3-month rolling "
            f"share; dashed: 75%. Beneath: n per month; months with n < {min_n} are gaps, hollow "
            "dots are partial months.",
        ),
        Chart(
            "families",
            family_small_multiples(
                main_monthly,
                [f for f in FAMILY_LABELS if f in set(requires["family"])],
                denominator=denominator,
                source=source,
                min_n=min_n,
            ),
            "Every skill family, month by month",
            "One panel per family, same scale: pooled 3-month rolling share and the monthly "
            "Wilson 95% band; dashed: 75%.",
        ),
        Chart(
            "skills_by_year",
            skill_heatmap(
                frames[2][frames[2]["denominator"] == denominator],
                denominator=denominator,
                source=source,
            ),
            "Which skills are required, year by year",
            "Share of postings requiring each skill per calendar year (top skills by overall "
            "share); grey cells have too few postings.",
        ),
        Chart(
            "cooccurrence",
            cooccurrence_heatmap(
                cooccurrence(
                    mine, by="year", denominator=denominator, min_n=min_n, coverage=coverage
                ),
                denominator=denominator,
                source=source,
            ),
            "Do DevOps skills come together?",
            "Of the postings requiring the row's family, the share that also require the "
            "column's family, all years pooled.",
        ),
        Chart(
            "rising_falling",
            rising_falling(skill_trends(requires), denominator=denominator, source=source),
            "Skills rising and falling fastest",
            "Odds ratio per year from a logistic regression of each skill's monthly share on "
            "time, with 95% intervals (widened when months vary more than chance).",
        ),
    ]
    partial = sorted(
        {
            p
            for p, f in zip(monthly["period"], monthly["flags"], strict=True)
            if "partial" in flag_set(f)
        }
    )
    notes = [
        f"Tagger version: {version}. Minimum n per period: {min_n}.",
        "Partial months (incomplete capture): " + (", ".join(partial) or "none known") + ".",
        "Intervals: Wilson 95%"
        + (f", widened by a {bootstrap}-replicate company-cluster bootstrap" if bootstrap else "")
        + ". They cover sampling uncertainty only, not tagging errors: the tagger's accuracy per "
        "family is measured against labelled postings with `analyzer evaluate` (README, Extraction).",
    ]
    populations = {
        "Do three-quarters of backend roles require cloud? Which skills rise?": (
            f"{_label(source, SOURCE_LABELS)}: {POPULATIONS.get(group, group)}"
        ),
    }
    if comparison is not None:
        populations["How much do the sources differ?"] = (
            "each source group on its own, side by side (same months where possible)"
        )
    summary = write_report(
        out_dir,
        shares=shares,
        charts=figures,
        claims=claims,
        headlines=headlines,
        comparison=compare_sources_wide(comparison) if comparison is not None else None,
        examples=evidence_examples(levels, postings, tags, denominator=denominator),
        source=source,
        denominator=denominator,
        populations=populations,
        notes=notes,
        generated_at=generated_at,
    )
    return summary


def write_index(out_dir: str | Path, reports: Sequence[ReportSummary]) -> Path:
    """Write ``out_dir/index.html``: one link per population's report, with its headline.

    The nightly run writes one report per source group (never pooled); this page lists them.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    items = "\n".join(
        f'<li><a href="{_esc(Path(r.out_dir).name)}/index.html">{_esc(SOURCE_LABELS.get(r.source, r.source))}'
        f"</a> ({r.periods} periods)<br>{_esc(r.headline)}</li>"
        for r in reports
    )
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    page = (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        '<title>analyzer reports</title></head><body style="font-family: sans-serif; max-width: 60em">'
        f"<h1>DevOps skills in job postings: reports</h1><p>Generated {generated}. One report per "
        "population; populations are never pooled.</p>"
        f"<ul>{items or '<li>No population has tagged postings yet.</li>'}</ul></body></html>\n"
    )
    path = out / "index.html"
    path.write_text(page, encoding="utf-8")
    return path
