"""Fixtures of the store tests: a fresh SQLite store in a temporary folder, and a factory."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from soteflow.store import Store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """A migrated store on a SQLite file under ``tmp_path``."""
    s = Store(f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "blobs")
    yield s
    s.close()
