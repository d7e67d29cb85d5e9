"""Fixtures of the store tests: each test runs on SQLite and on PostgreSQL.

``store_url`` is parametrised over both backends: a SQLite file under ``tmp_path``, or a fresh
database on the server ``SOTEFLOW_TEST_PG_URL`` names (the PostgreSQL variant is skipped, with the
reason, when the variable is not set). ``settings_store`` points the settings (and so
``open_store()`` and the CLI) at that database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from soteflow.store import Store
from tests.pg import fresh_database, require_server


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The SQLAlchemy URL of an empty store database on the parametrised backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    with fresh_database(require_server()) as url:
        yield url


@pytest.fixture
def store(store_url: str, tmp_path: Path) -> Iterator[Store]:
    """A migrated store on the parametrised backend, its files under ``tmp_path``."""
    s = Store(store_url, tmp_path / "blobs")
    yield s
    s.close()


@pytest.fixture
def settings_store(store_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """``SOTEFLOW_DATABASE_URL`` set to the parametrised backend's database (``open_store()`` opens it)."""
    from soteflow.settings import get_settings
    from soteflow.stagekit import _open_store

    monkeypatch.setenv("SOTEFLOW_DATABASE_URL", store_url)
    get_settings.cache_clear()
    yield store_url
    # A PostgreSQL database is dropped with its connections (FORCE); the cached Store goes with the cache.
    _open_store.cache_clear()
    get_settings.cache_clear()
