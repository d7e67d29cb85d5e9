"""Fixtures of the store tests: each test runs on SQLite and on PostgreSQL.

``store_url`` is parametrised over both backends: a SQLite file under ``tmp_path``, or a fresh
database on the server ``SOTEFLOW_TEST_PG_URL`` names, copied from a template migrated to head once
per session (the PostgreSQL variant is skipped, with the reason, when the variable is not set);
``empty_store_url`` gives an empty PostgreSQL database instead, for a test of migrating it.
``settings_store`` points the settings (and so ``open_store()`` and the CLI) at ``store_url``'s
database.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from soteflow.store import Store
from tests.pg import fresh_database, migrated_template, require_server


def _database(request: pytest.FixtureRequest, tmp_path: Path, *, migrated: bool) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'store.db'}"
        return
    server = require_server()
    with fresh_database(server, template=migrated_template(server) if migrated else "template0") as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The SQLAlchemy URL of a new store database on the parametrised backend: an empty SQLite
    file, or a PostgreSQL database already migrated to head (migrating again is a no-op)."""
    yield from _database(request, tmp_path, migrated=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The SQLAlchemy URL of a new, empty database on the parametrised backend (nothing migrated)."""
    yield from _database(request, tmp_path, migrated=False)


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
