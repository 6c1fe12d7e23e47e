"""analyzer: DevOps skill demand in backend job postings, measured honestly.

The notebook API, one flat namespace::

    import analyzer as az
    store = az.open_store("data/store")
    postings = store.read_postings(sources="hn", since="2023-01")
"""

from __future__ import annotations

from analyzer.config import Config, load_config
from analyzer.errors import (
    AnalyzerError,
    ConfigError,
    CorruptStoreError,
    FetchError,
    InputError,
    SchemaVersionError,
    SourceError,
    StoreError,
    StoreLockedError,
)
from analyzer.models import FAMILIES, LEVELS, ROLES
from analyzer.store import Store, UpsertResult, open_store

__version__ = "0.1.0"

__all__ = [
    "FAMILIES",
    "LEVELS",
    "ROLES",
    "AnalyzerError",
    "Config",
    "ConfigError",
    "CorruptStoreError",
    "FetchError",
    "InputError",
    "SchemaVersionError",
    "SourceError",
    "Store",
    "StoreError",
    "StoreLockedError",
    "UpsertResult",
    "__version__",
    "load_config",
    "open_store",
]
