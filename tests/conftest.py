"""Shared fixtures: where the real corpus is, and temporary stores."""

from __future__ import annotations

from pathlib import Path

import pytest

#: The real corpus lives beside the checkout, never inside it.
SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """The real corpus in ../shared/data; skips the test where it is absent."""
    if not (SHARED_DATA / "hn" / "stories.json").exists():
        pytest.skip(f"real corpus not found at {SHARED_DATA} (it sits beside the checkout in CI)")
    return SHARED_DATA
