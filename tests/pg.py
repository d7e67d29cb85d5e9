"""PostgreSQL for the tests: a fresh database per test on the server ``SOTEFLOW_TEST_PG_URL`` names.

``.ci/run`` starts a private cluster and sets the variable; without it the PostgreSQL variants
are skipped with :data:`SKIP_REASON`. Each database is created from ``template0`` under a unique
name (tests run on several xdist workers at once) and dropped with its connections afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, make_url, text

#: The environment variable with the SQLAlchemy URL of a PostgreSQL database tests may create databases from.
PG_URL_VARIABLE = "SOTEFLOW_TEST_PG_URL"

SKIP_REASON = (
    f"PostgreSQL variant: {PG_URL_VARIABLE} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres;"
    " .ci/run starts a private cluster and sets it)"
)


def server_url() -> str | None:
    """The PostgreSQL URL of the test server, or None."""
    return os.environ.get(PG_URL_VARIABLE) or None


def require_server() -> str:
    """The PostgreSQL URL of the test server; skips the test when there is none."""
    url = server_url()
    if url is None:
        pytest.skip(SKIP_REASON)
    return url


@contextmanager
def fresh_database(base_url: str, prefix: str = "t") -> Iterator[str]:
    """A new, empty database on ``base_url``'s server for one test; its URL (same driver)."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(make_url(base_url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE template0'))
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            # FORCE: a Store cached by the test (open_store) may still hold pooled connections.
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
