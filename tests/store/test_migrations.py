"""The schema comes from the Alembic migrations, which match the table classes."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from soteflow.store.db import VERSION_TABLE, make_engine, migrate
from soteflow.store.models import STORE_TABLES


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_head_creates_tables_on_empty_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the Alembic config is in code: any working directory works
    url = f"sqlite:///{tmp_path / 'sub' / 'store.db'}"
    migrate(url)
    assert _tables(url) == STORE_TABLES | {VERSION_TABLE}
    engine = make_engine(url)
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all() == ["0001"]
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_upgrade_twice_is_a_no_op(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    migrate(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO artefact (id, region, cycle, stage, key, kind, title, created_at) "
                "VALUES ('0123456789abcdef0123456789abcdef', 'HVA08', 2025, 'needs', 'k', 'json', 't',"
                " '2025-01-01')"
            )
        )
    migrate(engine)
    with engine.connect() as conn:
        assert conn.execute(text(f"SELECT count(*) FROM {VERSION_TABLE}")).scalar() == 1
        assert conn.execute(text("SELECT count(*) FROM artefact")).scalar() == 1
    engine.dispose()


def test_migrations_match_the_table_classes(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn,
            opts={
                "compare_type": True,
                "include_name": lambda name, type_, _parents: name in STORE_TABLES if type_ == "table" else True,
            },
        )
        assert compare_metadata(context, SQLModel.metadata) == []
    engine.dispose()


def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(engine)
    with pytest.raises(IntegrityError, match="FOREIGN KEY"), engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO decision (id, version_id, sha256, body, outcome, meeting_date, section,"
                " comments, recorded_by, recorded_at) VALUES ('00000000000000000000000000000001',"
                " '00000000000000000000000000000002', 'x', 'b', 'approved', '2025-01-01', '1', '', 'r',"
                " '2025-01-01')"
            )
        )
    engine.dispose()
