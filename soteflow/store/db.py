"""Engine, migrations and sessions of the artefact store.

SQLite (the embedded default) gets WAL, enforced foreign keys, a busy timeout and write
transactions that start with ``BEGIN IMMEDIATE``: a writer takes the database's write lock at the
start of its unit of work, so concurrent writers queue on the busy timeout instead of failing
with "database is locked" when a deferred read lock cannot be upgraded. Read-only sessions use a
plain deferred ``BEGIN`` so readers never wait for writers (WAL). PostgreSQL is used as-is; the
repository serialises per artefact with row locks there.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, make_url
from sqlalchemy.engine import Connection
from sqlmodel import Session

__all__ = [
    "BEGIN_OPTION",
    "MIGRATIONS_DIR",
    "VERSION_TABLE",
    "make_engine",
    "migrate",
    "read_engine",
    "session_scope",
]

#: Folder of the Alembic environment, inside the package so it works from any directory.
MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

#: Alembic's version table: named for the store so the store can share a database.
VERSION_TABLE = "soteflow_store_alembic_version"

#: Execution option that selects how a SQLite transaction begins ("IMMEDIATE" or "DEFERRED").
BEGIN_OPTION = "soteflow_sqlite_begin"

#: Seconds a SQLite writer waits for the write lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 60.0


def _configure_sqlite(engine: Engine) -> None:
    """Install the SQLite pragmas and the BEGIN IMMEDIATE recipe on ``engine``."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module (its legacy mode emits BEGIN
        # only before DML, so SELECTs run outside the transaction); SQLAlchemy's "begin"
        # event below emits our own BEGIN. This is the recipe of SQLAlchemy's SQLite docs.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_S * 1000)}")
            cursor.execute("PRAGMA foreign_keys = ON")
            # WAL: readers do not block the writer and the writer does not block readers.
            cursor.execute("PRAGMA journal_mode = WAL")
            # NORMAL is durable across application crashes in WAL mode; FULL also across
            # power loss. Decisions are legal records: keep FULL.
            cursor.execute("PRAGMA synchronous = FULL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "IMMEDIATE")
        if mode not in {"IMMEDIATE", "DEFERRED", "EXCLUSIVE"}:
            raise ValueError(f"unknown SQLite begin mode {mode!r}")
        conn.exec_driver_sql(f"BEGIN {mode}")


def make_engine(url: str) -> Engine:
    """Create the store's engine for a SQLAlchemy URL (SQLite file or PostgreSQL).

    For SQLite the file's folder is created, and connections get WAL, ``foreign_keys=ON``, a
    busy timeout and ``BEGIN IMMEDIATE`` transactions (see the module docstring).
    """
    sa_url = make_url(url)
    if sa_url.get_backend_name() == "sqlite":
        database = sa_url.database
        if not database or database == ":memory:":
            raise ValueError("the store needs a SQLite file, not an in-memory database")
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(sa_url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_S})
        _configure_sqlite(engine)
        return engine
    # pool_pre_ping: a long-suspended flow may resume on a connection the server has closed.
    return create_engine(sa_url, pool_pre_ping=True)


def read_engine(engine: Engine) -> Engine:
    """A view of ``engine`` whose SQLite transactions begin DEFERRED (for read-only sessions)."""
    return engine.execution_options(**{BEGIN_OPTION: "DEFERRED"})


_migrate_lock = threading.Lock()


def migrate(engine_or_url: Engine | str, revision: str = "head") -> None:
    """Run ``alembic upgrade <revision>`` on the store's database; a no-op when up to date.

    The Alembic configuration is built in code with the package's migrations folder, so this
    works from any working directory and needs no ``alembic.ini``. Concurrent callers are
    serialised (SQLite: the migration runs in one ``BEGIN IMMEDIATE`` transaction; PostgreSQL:
    an advisory lock in ``env.py``).
    """
    engine = make_engine(engine_or_url) if isinstance(engine_or_url, str) else engine_or_url
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # Within one process, threads share Alembic's module-level context proxy: one at a time.
    with _migrate_lock, engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        # The migration's transaction is committed in env.py; nothing is pending here.
    if isinstance(engine_or_url, str):
        engine.dispose()


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back when it raises.

    ``expire_on_commit=False`` keeps the returned rows readable after the session closes:
    versions are immutable, so there is nothing stale to reload.
    """
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
