"""Alembic environment of the artefact store (online migrations only).

Run through :func:`soteflow.store.db.migrate`, which passes an open connection in
``config.attributes["connection"]``; the schema is never created with ``create_all``.
"""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import text
from sqlmodel import SQLModel

from soteflow.store import models  # noqa: F401  (registers the tables on the metadata)
from soteflow.store.db import VERSION_TABLE, make_engine
from soteflow.store.models import STORE_TABLES

config = context.config
target_metadata = SQLModel.metadata

#: Arbitrary constant key of the PostgreSQL advisory lock that serialises migrations.
_PG_MIGRATION_LOCK = 0x50F7E_F10


def _include_name(name: str | None, type_: str, _parent_names: Any) -> bool:
    # SQLModel.metadata is shared with any other SQLModel tables in the process, and the
    # database may hold other applications' tables: autogenerate looks only at ours.
    if type_ == "table":
        return name in STORE_TABLES
    return True


def run_migrations_online() -> None:
    """Run the migrations on the connection given by ``migrate()`` (or a new one from the URL)."""
    connection = config.attributes.get("connection")
    if connection is None:
        url = config.get_main_option("sqlalchemy.url")
        if not url:
            raise RuntimeError("no connection and no sqlalchemy.url: use soteflow.store.db.migrate()")
        engine = make_engine(url)
        with engine.connect() as conn:
            _run(conn)
        engine.dispose()
    else:
        _run(connection)


def _run(connection: Any) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        version_table=VERSION_TABLE,
        include_name=_include_name,
        # SQLite cannot ALTER most things: batch mode copies the table instead.
        render_as_batch=True,
        # Our engine emits BEGIN itself, so SQLite DDL is transactional too: a failed
        # migration leaves the schema as it was, and the whole upgrade is one write lock.
        transactional_ddl=True,
        compare_type=True,
    )
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        context.run_migrations()
    if connection.in_transaction():
        connection.commit()


run_migrations_online()
