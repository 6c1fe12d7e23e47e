"""Configuration: one table of settings, read from the environment, then analyzer.toml, then defaults.

Every setting analyzer knows is a row of :data:`SETTINGS` (its dotted key, environment variable, type,
default and help). A key in analyzer.toml that is not in the table is an error, so a typo never goes
unnoticed. The README's settings table is checked against :data:`SETTINGS` by the test suite.

The TOML file is the one named by ``--config``, else ``$ANALYZER_CONFIG``, else ``./analyzer.toml``
when it exists. Dotted keys map to TOML tables: ``sources.greenhouse.boards`` is ``boards`` in
``[sources.greenhouse]``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.errors import ConfigError

__all__ = ["SETTINGS", "Config", "Setting", "check", "load_config"]


@dataclass(frozen=True)
class Setting:
    """One configurable value: where it is read from and what it means."""

    key: str
    env: str | None
    type: type
    default: Any
    help: str
    secret: bool = False
    choices: tuple[str, ...] = ()

    def parse(self, value: Any, origin: str) -> Any:
        """Convert a raw value (TOML value or environment string) to this setting's type."""
        try:
            if self.type is list:
                if isinstance(value, str) and origin.startswith("env:"):
                    return [item.strip() for item in value.split(",") if item.strip()]
                if isinstance(value, list) and all(isinstance(v, str) for v in value):
                    return list(value)
                raise TypeError("expected a list of strings")
            if self.type is bool:
                if isinstance(value, bool):
                    return value
                if isinstance(value, str) and value.lower() in {"1", "true", "yes", "on"}:
                    return True
                if isinstance(value, str) and value.lower() in {"0", "false", "no", "off"}:
                    return False
                raise TypeError("expected true or false")
            if self.type in (int, float):
                if isinstance(value, bool):
                    raise TypeError(f"expected a {self.type.__name__}")
                number = self.type(value)
                if number < 0:
                    raise ValueError("must not be negative")
                return number
            if not isinstance(value, str):
                raise TypeError("expected a string")
            if self.choices and value not in self.choices:
                raise ValueError(f"expected one of {', '.join(self.choices)}")
            return value
        except (TypeError, ValueError) as exc:
            raise ConfigError(
                f"invalid value {value!r} for {self.key} (from {origin}): {exc}"
            ) from exc


_UA = "analyzer/0.1 (job-posting skills research; +https://pypi.org/project/analyzer/)"

#: Every setting analyzer reads. Add new settings here, and document them in the README.
SETTINGS: tuple[Setting, ...] = (
    Setting(
        "store",
        "ANALYZER_STORE",
        str,
        "data/store",
        "Store root: a local path or an fsspec URL (s3://bucket/prefix, memory://name).",
    ),
    Setting(
        "raw_dir",
        "ANALYZER_RAW_DIR",
        str,
        "",
        "Where --keep-raw archives raw responses (default: <store>/_raw).",
    ),
    Setting(
        "run.sources",
        "ANALYZER_RUN_SOURCES",
        list,
        ["hn", "greenhouse", "lever", "ashby", "remotive", "github"],
        "Sources the nightly `analyzer run` fetches; unconfigured ones are skipped.",
    ),
    Setting(
        "report.out",
        "ANALYZER_REPORT_OUT",
        str,
        "reports/latest",
        "Directory `analyzer run` and `analyzer report` write the report to.",
    ),
    Setting(
        "report.coverage",
        "ANALYZER_REPORT_COVERAGE",
        str,
        "",
        "Coverage TSV marking partial HN months in `analyzer run` reports "
        "(e.g. ../shared/data/hn/coverage.tsv); without it only the newest month is partial.",
    ),
    Setting(
        "report.min_n",
        "ANALYZER_REPORT_MIN_N",
        int,
        30,
        "Periods with fewer postings in the denominator are flagged `small_n` and not plotted.",
    ),
    Setting(
        "run.tag_batch_size",
        "ANALYZER_RUN_TAG_BATCH_SIZE",
        int,
        5000,
        "Postings per tag commit in `analyzer run` (a killed run loses at most one batch).",
    ),
    # Logs and metrics of each run.
    Setting(
        "log.format",
        "ANALYZER_LOG_FORMAT",
        str,
        "human",
        "Log lines on stderr: human (text) or json (one object per line); --log-format wins.",
        choices=("human", "json"),
    ),
    Setting(
        "metrics.textfile",
        "ANALYZER_METRICS_TEXTFILE",
        str,
        "",
        "A .prom file `analyzer run` writes its metrics to (node-exporter textfile collector).",
    ),
    Setting(
        "metrics.pushgateway",
        "ANALYZER_METRICS_PUSHGATEWAY",
        str,
        "",
        "Pushgateway URL `analyzer run` pushes its metrics to (a failed push is only a warning).",
    ),
    Setting(
        "metrics.job",
        "ANALYZER_METRICS_JOB",
        str,
        "analyzer",
        "The job name of the pushed metrics.",
    ),
    Setting(
        "metrics.push_timeout",
        "ANALYZER_METRICS_PUSH_TIMEOUT",
        float,
        10.0,
        "Seconds the push to the Pushgateway may take.",
    ),
    # HTTP client, shared by every source.
    Setting(
        "http.user_agent", "ANALYZER_USER_AGENT", str, _UA, "User-Agent sent with every request."
    ),
    Setting(
        "http.connect_timeout",
        "ANALYZER_HTTP_CONNECT_TIMEOUT",
        float,
        10.0,
        "Seconds to wait for a connection.",
    ),
    Setting(
        "http.read_timeout",
        "ANALYZER_HTTP_READ_TIMEOUT",
        float,
        30.0,
        "Seconds to wait for each chunk of a response.",
    ),
    Setting(
        "http.deadline",
        "ANALYZER_HTTP_DEADLINE",
        float,
        120.0,
        "Total seconds one request may take, however slowly the server drips bytes.",
    ),
    Setting(
        "http.max_bytes",
        "ANALYZER_HTTP_MAX_BYTES",
        int,
        64 * 1024 * 1024,
        "Largest response body accepted, after decompression.",
    ),
    Setting(
        "http.retries",
        "ANALYZER_HTTP_RETRIES",
        int,
        4,
        "Retries after the first attempt on connection errors, 429 and 5xx.",
    ),
    Setting(
        "http.backoff",
        "ANALYZER_HTTP_BACKOFF",
        float,
        1.0,
        "Base of the exponential backoff in seconds (full jitter).",
    ),
    Setting(
        "http.backoff_max",
        "ANALYZER_HTTP_BACKOFF_MAX",
        float,
        60.0,
        "Longest single wait between retries, in seconds.",
    ),
    Setting(
        "http.max_retry_after",
        "ANALYZER_HTTP_MAX_RETRY_AFTER",
        float,
        300.0,
        "A Retry-After longer than this defers the source to the next run.",
    ),
    Setting(
        "http.rate_per_host",
        "ANALYZER_HTTP_RATE_PER_HOST",
        float,
        1.0,
        "Most requests per second to one host (Algolia allows 10,000/hour; 1/s is 3,600).",
    ),
    Setting(
        "http.concurrency_per_host",
        "ANALYZER_HTTP_CONCURRENCY_PER_HOST",
        int,
        2,
        "Most requests in flight to one host at once.",
    ),
    # Sources.
    Setting(
        "sources.hn.base_url",
        "ANALYZER_HN_BASE_URL",
        str,
        "https://hn.algolia.com/api/v1",
        "Algolia Hacker News API base URL.",
    ),
    Setting(
        "sources.greenhouse.base_url",
        "ANALYZER_GREENHOUSE_BASE_URL",
        str,
        "https://boards-api.greenhouse.io",
        "Greenhouse job board API base URL.",
    ),
    Setting(
        "sources.greenhouse.boards",
        "ANALYZER_GREENHOUSE_BOARDS",
        list,
        [],
        "Greenhouse board tokens to snapshot.",
    ),
    Setting(
        "sources.lever.base_url",
        "ANALYZER_LEVER_BASE_URL",
        str,
        "https://api.lever.co",
        "Lever postings API base URL.",
    ),
    Setting(
        "sources.lever.eu_base_url",
        "ANALYZER_LEVER_EU_BASE_URL",
        str,
        "https://api.eu.lever.co",
        "Lever postings API base URL for EU-hosted companies.",
    ),
    Setting(
        "sources.lever.companies",
        "ANALYZER_LEVER_COMPANIES",
        list,
        [],
        "Lever company slugs to snapshot (global host).",
    ),
    Setting(
        "sources.lever.eu_companies",
        "ANALYZER_LEVER_EU_COMPANIES",
        list,
        [],
        "Lever company slugs to snapshot on the EU host.",
    ),
    Setting(
        "sources.ashby.base_url",
        "ANALYZER_ASHBY_BASE_URL",
        str,
        "https://api.ashbyhq.com",
        "Ashby posting API base URL.",
    ),
    Setting(
        "sources.ashby.boards",
        "ANALYZER_ASHBY_BOARDS",
        list,
        [],
        "Ashby job board names to snapshot.",
    ),
    Setting(
        "sources.remotive.base_url",
        "ANALYZER_REMOTIVE_BASE_URL",
        str,
        "https://remotive.com/api",
        "Remotive API base URL.",
    ),
    Setting(
        "sources.remotive.categories",
        "ANALYZER_REMOTIVE_CATEGORIES",
        list,
        [],
        "Remotive categories to snapshot (e.g. software-dev); empty disables Remotive.",
    ),
    Setting(
        "sources.github.base_url",
        "ANALYZER_GITHUB_BASE_URL",
        str,
        "https://api.github.com",
        "GitHub REST API base URL.",
    ),
    Setting(
        "sources.github.boards",
        "ANALYZER_GITHUB_BOARDS",
        list,
        [],
        "GitHub repositories used as job boards, as owner/repo.",
    ),
    Setting(
        "sources.github.token",
        "ANALYZER_GITHUB_TOKEN",
        str,
        "",
        "GitHub token for the higher rate limit (environment only; never logged).",
        secret=True,
    ),
)

_BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}


def _flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, key + "."))
        else:
            flat[key] = value
    return flat


class Config(Mapping[str, Any]):
    """The effective settings, each with the place it came from (env, file or default)."""

    def __init__(self, values: dict[str, Any], origins: dict[str, str]) -> None:
        self._values = values
        self._origins = origins

    def __getitem__(self, key: str) -> Any:
        try:
            return self._values[key]
        except KeyError:
            raise KeyError(f"unknown setting {key!r}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def origin(self, key: str) -> str:
        """Where a setting's value came from: ``env:NAME``, ``file:PATH``, ``option`` or ``default``."""
        return self._origins[key]

    def with_overrides(self, overrides: Mapping[str, Any]) -> Config:
        """Return a copy with some settings (dotted keys) replaced, e.g. by command-line options."""
        values, origins = dict(self._values), dict(self._origins)
        for key, value in overrides.items():
            setting = _BY_KEY.get(key)
            if setting is None:
                raise ConfigError(f"unknown setting {key!r}")
            values[key] = setting.parse(value, "option")
            origins[key] = "option"
        return Config(values, origins)

    def public(self) -> dict[str, Any]:
        """The settings as a dict with secrets masked (safe to print or log)."""
        return {
            key: ("***" if _BY_KEY[key].secret and value else value)
            for key, value in self._values.items()
        }

    def __repr__(self) -> str:
        changed = {k: v for k, v in self.public().items() if self._origins[k] != "default"}
        return f"Config({changed!r})"


def load_config(
    path: str | Path | None = None,
    *,
    env: Mapping[str, str] | None = None,
) -> Config:
    """Read the effective configuration: environment over the TOML file over defaults.

    Args:
        path: the TOML file; ``None`` means ``$ANALYZER_CONFIG`` or ``./analyzer.toml`` if present.
        env: the environment to read (defaults to ``os.environ``).

    Raises:
        ConfigError: the file is missing (when named explicitly) or invalid, a key is unknown,
            or a value has the wrong type.
    """
    env = os.environ if env is None else env
    explicit = path is not None or bool(env.get("ANALYZER_CONFIG"))
    file = Path(path if path is not None else env.get("ANALYZER_CONFIG") or "analyzer.toml")
    from_file: dict[str, Any] = {}
    if file.exists() or explicit:
        try:
            from_file = _flatten(tomllib.loads(file.read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {file}") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"cannot read config file {file}: {exc}") from exc
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"invalid TOML in {file}: {exc}") from exc
    unknown = sorted(set(from_file) - set(_BY_KEY))
    if unknown:
        raise ConfigError(f"unknown setting(s) in {file}: {', '.join(unknown)}")

    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for setting in SETTINGS:
        if setting.env and env.get(setting.env) not in (None, ""):
            origin = f"env:{setting.env}"
            values[setting.key] = setting.parse(env[setting.env], origin)
        elif setting.key in from_file:
            if setting.secret:
                raise ConfigError(f"{setting.key} is a secret: set ${setting.env}, not the file")
            origin = f"file:{file}"
            values[setting.key] = setting.parse(from_file[setting.key], origin)
        else:
            origin = "default"
            values[setting.key] = setting.default
        origins[setting.key] = origin
    return Config(values, origins)


def check(config: Config) -> list[str]:
    """Problems of settings that each parse but cannot work; ``[]`` when the config is usable.

    :func:`load_config` already refuses unknown keys and values of the wrong type; this adds
    what only makes sense across settings or against the machine: the metrics textfile's name
    and directory, the Pushgateway URL, the store's file system.
    """
    from urllib.parse import urlsplit

    problems: list[str] = []
    textfile = config["metrics.textfile"]
    if textfile:
        path = Path(textfile)
        if path.suffix != ".prom":
            problems.append(
                f"metrics.textfile {textfile!r}: the textfile collector reads only *.prom files"
            )
        if not path.parent.is_dir():
            problems.append(
                f"metrics.textfile {textfile!r}: directory {path.parent} does not exist"
            )
    gateway = config["metrics.pushgateway"]
    if gateway:
        parts = urlsplit(gateway if "://" in gateway else f"http://{gateway}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            problems.append(
                f"metrics.pushgateway {gateway!r}: expected an http(s) URL or host:port"
            )
    if config["run.tag_batch_size"] < 1:
        problems.append("run.tag_batch_size must be at least 1")
    unknown = [name for name in config["run.sources"] if name not in _KNOWN_SOURCES]
    if unknown:
        problems.append(
            f"run.sources: unknown source(s) {', '.join(unknown)}; known: {', '.join(_KNOWN_SOURCES)}"
        )
    store = str(config["store"])
    if "://" in store:
        import fsspec

        protocol = store.split("://", 1)[0]
        try:
            fsspec.get_filesystem_class(protocol)
        except (ImportError, ValueError) as exc:
            problems.append(f"store {store!r}: file system {protocol!r} is not available ({exc})")
    return problems


#: The names ``run.sources`` may list (the registry in :mod:`analyzer.sources`; kept here so the
#: config module imports no source).
_KNOWN_SOURCES = ("hn", "greenhouse", "lever", "ashby", "remotive", "github", "jsonld")
