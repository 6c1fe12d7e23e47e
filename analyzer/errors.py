"""Every error analyzer raises on purpose, in one hierarchy.

The CLI turns any :class:`AnalyzerError` into one line on stderr and a non-zero exit
(the traceback only under ``--debug``); anything else is a bug.

::

    AnalyzerError                  exit code 1 unless a child says otherwise
    ├── ConfigError                bad analyzer.toml, environment variable or option (exit 2)
    ├── InputError                 a file given by the user cannot be read or parsed (exit 2)
    ├── StoreError                 the parquet store cannot be used
    │   ├── StoreLockedError       another writer holds the store's lock
    │   ├── SchemaVersionError     the store was written by an unknown schema version
    │   ├── CorruptStoreError      a committed file or the manifest is unreadable
    │   └── StoreNotWritableError  the store root cannot be created or written
    ├── SourceError                a source failed (one board or thread; the run goes on)
    │   ├── NotConfiguredError     the source has nothing to do with the current config
    │   ├── FetchError             an HTTP request failed after its retries
    │   │   ├── ResponseTooLargeError  the body exceeded the configured maximum
    │   │   └── DeferredError      the server asked us to come back much later (Retry-After)
    │   └── ParseError             a response body is not what the API promises
    └── ExtractError               the taxonomy or a tagger model is invalid
"""

from __future__ import annotations

__all__ = [
    "AnalyzerError",
    "ConfigError",
    "CorruptStoreError",
    "DeferredError",
    "ExtractError",
    "FetchError",
    "InputError",
    "NotConfiguredError",
    "ParseError",
    "ResponseTooLargeError",
    "SchemaVersionError",
    "SourceError",
    "StoreError",
    "StoreLockedError",
    "StoreNotWritableError",
]


class AnalyzerError(Exception):
    """Base class of every error analyzer raises deliberately."""

    exit_code: int = 1


class ConfigError(AnalyzerError):
    """A setting in analyzer.toml, the environment or the command line is invalid."""

    exit_code = 2


class InputError(AnalyzerError):
    """A file or value given by the user cannot be read or parsed."""

    exit_code = 2


class StoreError(AnalyzerError):
    """The parquet store cannot be opened, read or written."""


class StoreLockedError(StoreError):
    """Another process holds the store's write lock."""

    exit_code = 3


class SchemaVersionError(StoreError):
    """The store's schema version is not one this analyzer knows."""


class CorruptStoreError(StoreError):
    """A committed data file or the manifest is missing, truncated or unreadable."""


class StoreNotWritableError(StoreError):
    """The store root cannot be created or written to."""


class SourceError(AnalyzerError):
    """A source (one board, one thread) failed; the run reports it and goes on."""


class NotConfiguredError(SourceError):
    """The source has nothing to fetch under the current configuration; it is skipped."""


class FetchError(SourceError):
    """An HTTP request failed for good (after its retries, or with a non-retryable status)."""

    def __init__(self, message: str, *, url: str = "", status: int | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.status = status


class ResponseTooLargeError(FetchError):
    """A response body (declared or decompressed) exceeded the configured maximum size."""


class DeferredError(FetchError):
    """The server asked to be retried later than we are willing to wait in this run."""


class ParseError(SourceError):
    """A response body does not have the shape the API documents."""


class ExtractError(AnalyzerError):
    """The taxonomy data file or a tagger component is invalid."""
