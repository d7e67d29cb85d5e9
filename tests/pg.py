"""PostgreSQL for the tests: a fresh database per test on the server ``SOTEFLOW_TEST_PG_URL`` names.

``.ci/run`` starts a private cluster and sets the variable; without it the PostgreSQL variants
are skipped with :data:`SKIP_REASON`. Each database is created under a unique name (tests run on
several xdist workers at once) and dropped with its connections afterwards.

A store test's database is a copy of a template migrated to head (:func:`migrated_template`),
made once per migrations' content and server: ``CREATE DATABASE … TEMPLATE`` copies the files,
which is quicker than running the migrations again for every test. The template is built by
:func:`soteflow.store.db.migrate` on an empty database, so the migrations from nothing still run
on PostgreSQL (and a broken one fails every PostgreSQL variant, loudly).
"""

from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

#: The environment variable with the SQLAlchemy URL of a PostgreSQL database tests may create databases from.
PG_URL_VARIABLE = "SOTEFLOW_TEST_PG_URL"

SKIP_REASON = (
    f"PostgreSQL variant: {PG_URL_VARIABLE} is not set (e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres;"
    " .ci/run starts a private cluster and sets it)"
)

#: Name prefix of the migrated templates (the rest is a digest of the migrations' files).
TEMPLATE_PREFIX = "soteflow_tpl_"

#: Arbitrary constant key of the advisory lock under which one xdist worker builds the template.
_TEMPLATE_LOCK = 0x50F7E_7E51


def server_url() -> str | None:
    """The PostgreSQL URL of the test server, or None."""
    return os.environ.get(PG_URL_VARIABLE) or None


def require_server() -> str:
    """The PostgreSQL URL of the test server; skips the test when there is none."""
    url = server_url()
    if url is None:
        pytest.skip(SKIP_REASON)
    return url


@cache
def _admin(base_url: str) -> Engine:
    """An autocommit engine on the server's ``postgres`` database (CREATE/DROP DATABASE), one per process."""
    return create_engine(make_url(base_url).set(database="postgres"), isolation_level="AUTOCOMMIT")


@contextmanager
def fresh_database(base_url: str, prefix: str = "t", *, template: str = "template0") -> Iterator[str]:
    """A new database on ``base_url``'s server for one test, a copy of ``template`` (empty by
    default); its URL (same driver). Dropped afterwards with whatever is still connected."""
    name = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = _admin(base_url)
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
        yield make_url(base_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            # FORCE: a Store cached by the test (open_store) may still hold pooled connections.
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def _migrations_digest() -> str:
    from soteflow.store.db import MIGRATIONS_DIR

    digest = hashlib.sha256()
    for path in sorted(MIGRATIONS_DIR.rglob("*.py")):
        digest.update(path.relative_to(MIGRATIONS_DIR).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


@cache
def migrated_template(base_url: str) -> str:
    """The name of a template database on ``base_url``'s server with the store migrated to head.

    Built once per content of the migrations (the name carries its digest, so a changed migration
    gets a new template and an unchanged one is reused by later sessions on the same server): on a
    database of its own, migrated, then renamed to the template's name, so a build cut short never
    passes for a template. It accepts no connections: a copy needs a source nobody is connected to.
    """
    from soteflow.store.db import make_engine, migrate

    name = TEMPLATE_PREFIX + _migrations_digest()
    with _admin(base_url).connect() as conn:
        # xdist workers start together: one builds, the others wait and find it built.
        conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _TEMPLATE_LOCK})
        try:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first()
            if exists is None:
                building = f"{name}_build_{uuid.uuid4().hex[:8]}"
                conn.execute(text(f'CREATE DATABASE "{building}" TEMPLATE template0'))
                engine = make_engine(make_url(base_url).set(database=building).render_as_string(hide_password=False))
                try:
                    migrate(engine)
                finally:
                    engine.dispose()
                conn.execute(text(f'ALTER DATABASE "{building}" RENAME TO "{name}"'))
                conn.execute(text(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true ALLOW_CONNECTIONS false'))
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _TEMPLATE_LOCK})
    return name
