"""The command line: thin commands over :mod:`analyzer.pipeline`.

Each command parses its options, calls one library function and prints the result. Any
:class:`~analyzer.errors.AnalyzerError` becomes one line on stderr and the error's exit code;
``--debug`` shows the traceback instead.
"""

from __future__ import annotations

import json
import logging
import sys
from dataclasses import dataclass
from typing import Any

import click

from analyzer import pipeline
from analyzer.config import Config, load_config
from analyzer.errors import AnalyzerError, ConfigError

__all__ = ["main"]


@dataclass
class Context:
    """What every command receives: the effective config and the output options."""

    config: Config
    debug: bool
    quiet: bool


pass_context = click.make_pass_decorator(Context)


def _store_override(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    """Let `--store` also follow the command (`analyzer status --store X`)."""
    obj = ctx.find_object(Context)
    if value is not None and obj is not None:
        obj.config = obj.config.with_overrides({"store": value})


class _Command(click.Command):
    """A command that also accepts `--store` after its name, like the global option."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.params.append(
            click.Option(
                ["--store"],
                metavar="PATH_OR_URL",
                expose_value=False,
                callback=_store_override,
                help="Store root, a path or fsspec URL (same as the global --store).",
            )
        )


class _Group(click.Group):
    """A group that turns analyzer errors into one clean line and an exit code."""

    command_class = _Command
    group_class = type

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except AnalyzerError as exc:
            if ctx.obj is not None and ctx.obj.debug:
                raise
            click.echo(f"analyzer: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("analyzer: interrupted", err=True)
            sys.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    "store",
    metavar="PATH_OR_URL",
    default=None,
    help="Store root, a path or fsspec URL [env ANALYZER_STORE; default data/store].",
)
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    default=None,
    help="Settings file [env ANALYZER_CONFIG; default ./analyzer.toml if present].",
)
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.option("-q", "--quiet", is_flag=True, help="Only warnings and errors.")
@click.option(
    "--log-format",
    type=click.Choice(["human", "json"]),
    default=None,
    help="Logs on stderr as text or one JSON object per line [setting log.format; default human].",
)
@click.version_option(package_name="analyzer")
@click.pass_context
def main(
    ctx: click.Context,
    store: str | None,
    config_path: str | None,
    debug: bool,
    quiet: bool,
    log_format: str | None,
) -> None:
    """Measure DevOps skill demand in backend job postings: fetch, tag, report."""
    from analyzer.config import SETTINGS
    from analyzer.logs import setup_logging

    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO
    try:
        config = load_config(config_path)
        overrides: dict[str, Any] = {"store": store} if store is not None else {}
        if log_format is not None:
            overrides["log.format"] = log_format
        config = config.with_overrides(overrides)
    except ConfigError as exc:
        setup_logging(level, log_format or "human")
        if debug:
            raise
        click.echo(f"analyzer: error: {exc}", err=True)
        sys.exit(exc.exit_code)
    secrets = [str(config[s.key]) for s in SETTINGS if s.secret and config[s.key]]
    setup_logging(level, config["log.format"], secrets=secrets)
    ctx.obj = Context(config=config, debug=debug, quiet=quiet)


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_context
def status(ctx: Context, as_json: bool) -> None:
    """Postings per source and period, last fetch per source, tagger versions present."""
    report = pipeline.status(ctx.config)
    if as_json:
        click.echo(json.dumps(report, indent=2, default=str))
    else:
        click.echo(pipeline.format_status(report))


@main.group("config", invoke_without_command=True)
@click.pass_context
def config_group(click_ctx: click.Context) -> None:
    """Print the effective settings (`config show`) or validate them (`config check`)."""
    if click_ctx.invoked_subcommand is None:
        click_ctx.invoke(show_config)


@config_group.command("show")
@pass_context
def show_config(ctx: Context) -> None:
    """Print the effective settings and where each came from (secrets masked)."""
    for key, value in ctx.config.public().items():
        click.echo(f"{key} = {json.dumps(value)}    # {ctx.config.origin(key)}")


@config_group.command("check")
@pass_context
def check_config(ctx: Context) -> None:
    """Validate the settings (file, environment, options); exit 2 naming every problem."""
    from analyzer.config import check

    problems = check(ctx.config)
    if problems:
        for problem in problems:
            click.echo(f"analyzer: error: {problem}", err=True)
        sys.exit(ConfigError.exit_code)
    origins = [ctx.config.origin(key) for key in ctx.config]
    from_file = sum(o.startswith("file:") for o in origins)
    from_env = sum(o.startswith("env:") for o in origins)
    click.echo(
        f"config ok: {len(origins)} settings, {from_file} from the file, {from_env} from the "
        f"environment, {origins.count('option')} from options, the rest defaults"
    )


# --- fetch, import, replay-server (issue 3) -------------------------------------------------------


def _progress(ctx: Context) -> Any:
    """A progress callback: one rewritten line on a terminal, plain log lines otherwise."""
    from analyzer.sources import ProgressEvent

    # A rewritten line only for a human on a terminal; JSON logs stay one object per line.
    tty = sys.stderr.isatty() and not ctx.quiet and ctx.config["log.format"] == "human"
    log = logging.getLogger("analyzer.fetch")

    def show(event: ProgressEvent) -> None:
        r = event.result
        line = (
            f"{event.source}: {event.done}/{event.total} {event.unit} | {r.new:,} new, "
            f"{r.updated:,} updated, {r.closed:,} closed, {len(r.failures)} failed"
        )
        if tty:
            end = "\n" if event.done == event.total else ""
            click.echo(f"\r\033[K{line}", err=True, nl=False)
            click.echo(end, err=True, nl=False)
        else:
            fields = {"source": event.source, "unit": event.unit, "done": event.done}
            counts = {"new": r.new, "updated": r.updated, "closed": r.closed}
            log.info(line, extra={**fields, "total": event.total, **counts})

    return show


def _run_fetch(
    ctx: Context,
    names: list[str],
    since: str | None,
    until: str | None,
    keep_raw: bool,
    as_json: bool,
    urls: list[str] | None = None,
) -> None:
    from analyzer.sources import format_fetch_summary

    summary = pipeline.fetch(
        ctx.config,
        names,
        since=since,
        until=until,
        keep_raw=keep_raw,
        progress=_progress(ctx),
        urls=urls,
    )
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2, default=str))
    else:
        click.echo(format_fetch_summary(summary))
    if summary.failures:
        click.echo(
            f"analyzer: {len(summary.failures)} unit(s) failed; the next run retries them", err=True
        )
        sys.exit(1)


def _fetch_options(func: Any) -> Any:
    for decorator in reversed(
        [
            click.option(
                "--since",
                metavar="YYYY-MM",
                default=None,
                help="First month to fetch (HN threads, GitHub issues); backfills a range.",
            ),
            click.option("--until", metavar="YYYY-MM", default=None, help="Last month to fetch."),
            click.option(
                "--keep-raw",
                is_flag=True,
                help="Archive raw responses under raw_dir (replayable offline).",
            ),
            click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON."),
        ]
    ):
        func = decorator(func)
    return func


@main.group("fetch")
def fetch_group() -> None:
    """Fetch postings from a source (or all) into the store. Exit 1 if any unit failed."""


def _make_fetch_command(name: str, help_text: str) -> None:
    @fetch_group.command(name, help=help_text)
    @_fetch_options
    @pass_context
    def command(
        ctx: Context, since: str | None, until: str | None, keep_raw: bool, as_json: bool
    ) -> None:
        _run_fetch(ctx, [name], since, until, keep_raw, as_json)


def _add_fetch_commands() -> None:
    from analyzer.sources import SOURCES

    for name in ("hn", "greenhouse", "lever", "ashby", "remotive", "github"):
        _make_fetch_command(name, SOURCES[name].help)


_add_fetch_commands()


@fetch_group.command("all")
@_fetch_options
@pass_context
def fetch_all(
    ctx: Context, since: str | None, until: str | None, keep_raw: bool, as_json: bool
) -> None:
    """Fetch every source in run.sources; unconfigured ones are skipped."""
    _run_fetch(ctx, list(ctx.config["run.sources"]), since, until, keep_raw, as_json)


@fetch_group.command("jsonld")
@click.argument("urls", nargs=-1, required=True, metavar="URL...")
@_fetch_options
@pass_context
def fetch_jsonld(
    ctx: Context,
    urls: tuple[str, ...],
    since: str | None,
    until: str | None,
    keep_raw: bool,
    as_json: bool,
) -> None:
    """Store the schema.org JobPosting JSON-LD of career pages (robots.txt respected)."""
    _run_fetch(ctx, ["jsonld"], since, until, keep_raw, as_json, urls=list(urls))


@main.command("import")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False))
@click.option(
    "--source",
    default="import",
    show_default=True,
    metavar="NAME",
    help="Source name for rows without a source column.",
)
@click.option(
    "--map",
    "mapping",
    multiple=True,
    metavar="COL=FIELD",
    help="Rename a file column to a posting field (repeatable), e.g. job_id=source_id.",
)
@pass_context
def import_command(ctx: Context, path: str, source: str, mapping: tuple[str, ...]) -> None:
    """Import postings from a JSONL, JSON, CSV or parquet export (see README: Sources)."""
    from analyzer.errors import InputError

    pairs = {}
    for item in mapping:
        col, sep, field = item.partition("=")
        if not sep or not col or not field:
            raise InputError(f"--map takes COL=FIELD, got {item!r}")
        pairs[col] = field
    result = pipeline.import_file(ctx.config, path, source=source, mapping=pairs)
    click.echo(
        f"{path}: {result.new:,} new, {result.updated:,} updated, {result.unchanged:,} unchanged"
    )


@main.command("replay-server")
@click.option(
    "--data",
    "data_dir",
    required=True,
    metavar="DIR",
    type=click.Path(file_okay=False, exists=True),
    help="A directory laid out like ../shared/data (or a --keep-raw archive).",
)
@click.option(
    "--port",
    default=8765,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port on 127.0.0.1 (0 picks a free one).",
)
@click.option(
    "--fault",
    "faults",
    multiple=True,
    metavar="PATH=KIND[:TIMES]",
    help="Inject a fault on a path (429, 503, reset, truncate, slow, oversize, ...).",
)
def replay_server(data_dir: str, port: int, faults: tuple[str, ...]) -> None:
    """Serve recorded API responses on 127.0.0.1 as the real APIs would (for demos and tests)."""
    from analyzer.replay import ReplayServer, parse_fault

    server = ReplayServer(data_dir, port=port)
    for spec in faults:
        server.inject(*parse_fault(spec))
    click.echo(f"replaying {data_dir} at {server.url}; point analyzer at it with:")
    env = {
        "sources.hn.base_url": "ANALYZER_HN_BASE_URL",
        "sources.github.base_url": "ANALYZER_GITHUB_BASE_URL",
        "sources.greenhouse.base_url": "ANALYZER_GREENHOUSE_BASE_URL",
        "sources.lever.base_url": "ANALYZER_LEVER_BASE_URL",
        "sources.ashby.base_url": "ANALYZER_ASHBY_BASE_URL",
        "sources.remotive.base_url": "ANALYZER_REMOTIVE_BASE_URL",
    }
    for key, url in server.base_urls().items():
        if key in env:
            click.echo(f"  export {env[key]}={url}")
    click.echo("Ctrl-C stops it.")
    server.serve_forever()


def _engine_options(func: Any) -> Any:
    """``--engine`` and ``--scheduler``, shared by ``tag`` and ``report``."""
    func = click.option(
        "--scheduler",
        metavar="ADDRESS",
        default=None,
        help="Dask scheduler address, e.g. tcp://host:8786 [--engine dask; default: a "
        "LocalCluster on this machine].",
    )(func)
    return click.option(
        "--engine",
        type=click.Choice(["local", "dask"]),
        default="local",
        show_default=True,
        help="Where the work runs: this process, or a Dask cluster (pip install 'analyzer[dask]').",
    )(func)


@main.command("tag")
@click.option(
    "--source",
    "sources",
    multiple=True,
    metavar="NAME",
    help="Only postings of this source (repeatable; default all).",
)
@click.option(
    "--batch-size",
    type=click.IntRange(min=1),
    default=5000,
    show_default=True,
    help="Postings per commit.",
)
@click.option(
    "--retag", is_flag=True, help="Tag again postings the current version already tagged."
)
@_engine_options
@pass_context
def tag_command(
    ctx: Context,
    sources: tuple[str, ...],
    batch_size: int,
    retag: bool,
    engine: str,
    scheduler: str | None,
) -> None:
    """Tag postings not yet tagged by the current tagger version (skills, levels, roles)."""

    def progress(summary: dict[str, Any]) -> None:
        if not ctx.quiet:
            click.echo(
                f"tagged {summary['tagged']:,} postings ({summary['skipped']:,} already "
                f"tagged, {summary['seconds']}s)",
                err=True,
            )

    summary = pipeline.tag(
        ctx.config,
        batch_size=batch_size,
        sources=list(sources) or None,
        retag=retag,
        progress=progress,
        engine=engine,
        scheduler=scheduler,
    )
    click.echo(pipeline.format_tag_summary(summary))


@main.command("tag-file")
@click.argument("in_path", metavar="IN.jsonl", type=click.Path(dir_okay=False))
@click.argument("out_path", metavar="OUT.jsonl", type=click.Path(dir_okay=False))
def tag_file_command(in_path: str, out_path: str) -> None:
    """Tag a JSON-lines file ({"id", "text", "title"?} per line) into label records."""
    counts = pipeline.tag_file(in_path, out_path)
    click.echo(
        f"{counts['lines']} lines: {counts['tagged']} tagged, {counts['errors']} errors "
        f"-> {out_path}"
    )


@main.command("evaluate")
@click.argument("labels", metavar="LABELS.jsonl", type=click.Path(dir_okay=False))
@click.option(
    "--hn-dir",
    metavar="DIR",
    default=None,
    help="HN corpus (items/*.json.gz) to join texts from [default ../shared/data/hn "
    "when it exists, else the store].",
)
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@pass_context
def evaluate_command(ctx: Context, labels: str, hn_dir: str | None, as_json: bool) -> None:
    """Score the tagger against gold labels: per-family P/R/F1, level confusion, roles."""
    report = pipeline.evaluate(labels, config=ctx.config, hn_dir=pipeline.default_hn_dir(hn_dir))
    if as_json:
        click.echo(json.dumps(report.as_dict(), indent=2))
    else:
        click.echo(pipeline.format_evaluation(report))


@main.command("report")
@click.option(
    "--out",
    "out_dir",
    metavar="DIR",
    default=None,
    help="Report directory [setting report.out; default reports/latest].",
)
@click.option(
    "--source",
    default="hn",
    show_default=True,
    metavar="NAME",
    help="The population reported: a source (hn, github, greenhouse...) or the group "
    "ats. Other sources appear only side by side, never pooled.",
)
@click.option(
    "--denominator",
    type=click.Choice(["backend", "broad", "all"]),
    default="backend",
    show_default=True,
    help="Roles counted: backend (+fullstack), broad (+generic SWE) or all job postings.",
)
@click.option("--since", metavar="YYYY-MM", default=None, help="First period to include.")
@click.option("--until", metavar="YYYY-MM", default=None, help="Last period to include.")
@click.option(
    "--coverage",
    "coverage_path",
    metavar="FILE.tsv",
    default=None,
    type=click.Path(dir_okay=False),
    help="Coverage table marking partial months (e.g. the HN corpus's coverage.tsv).",
)
@click.option(
    "--bootstrap",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Company-cluster bootstrap replicates widening the intervals (0 = Wilson only).",
)
@_engine_options
@pass_context
def report_command(
    ctx: Context,
    out_dir: str | None,
    source: str,
    denominator: str,
    since: str | None,
    until: str | None,
    coverage_path: str | None,
    bootstrap: int,
    engine: str,
    scheduler: str | None,
) -> None:
    """Write the report: index.html, summary.md, shares.csv/.parquet, claims, charts."""
    summary = pipeline.report(
        ctx.config,
        out_dir,
        source=source,
        denominator=denominator,
        since=since,
        until=until,
        coverage_path=coverage_path,
        bootstrap=bootstrap,
        engine=engine,
        scheduler=scheduler,
    )
    click.echo(str(summary))


@main.command("run")
@click.option(
    "--since",
    metavar="YYYY-MM",
    default=None,
    help="First month to fetch (as `fetch --since`): a bounded first run.",
)
@click.option("--until", metavar="YYYY-MM", default=None, help="Last month to fetch.")
@click.option("--keep-raw", is_flag=True, help="Archive raw responses beside the store for replay.")
@click.option(
    "--out",
    "out_dir",
    metavar="DIR",
    default=None,
    help="Report directory [setting report.out; default reports/latest].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_context
def run_command(
    ctx: Context,
    since: str | None,
    until: str | None,
    keep_raw: bool,
    out_dir: str | None,
    as_json: bool,
) -> None:
    """The nightly job: fetch configured sources, tag new postings, write the reports.

    A second run with nothing new stores nothing, tags nothing and leaves the reports as they
    are. Exits 1 when a source failed (after tagging and reporting everything else; the next run
    retries it), 2 for bad settings or options, 3 when another run holds the store.
    """

    def tag_progress(summary: dict[str, Any]) -> None:
        if not ctx.quiet:
            logging.getLogger("analyzer.tag").info(
                "tagged %s postings (%ss)",
                f"{summary['tagged']:,}",
                summary["seconds"],
                extra={"tagged": summary["tagged"], "seconds": summary["seconds"]},
            )

    summary = pipeline.run(
        ctx.config,
        since=since,
        until=until,
        keep_raw=keep_raw,
        progress=_progress(ctx),
        tag_progress=tag_progress,
        out_dir=out_dir,
    )
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2, default=str))
    else:
        click.echo(str(summary))
    if summary.failed:
        click.echo(
            f"analyzer: {len(summary.fetch.failures)} source unit(s) failed; "
            "the rest was fetched, tagged and reported; the next run retries them",
            err=True,
        )
        sys.exit(1)
