"""The schema comes from the Alembic migrations, which match the table classes (on SQLite and PostgreSQL;
the tests of a SQLite file's own behaviour run on SQLite only)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import SQLModel

from soteflow.store import Store, canonical_json, chain_hash_of, sha256_hex, verify
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
        assert conn.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalars().all() == ["0003"]
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    engine.dispose()


def test_upgrade_twice_is_a_no_op(store_url: str) -> None:
    url = store_url
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


def test_migrations_match_the_table_classes(store_url: str) -> None:
    engine = make_engine(store_url)
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


def _legacy_rows(url: str) -> dict[str, uuid.UUID]:
    """A case as the code of revision 0001 stored it: two versions, a decision, the audit log."""
    engine = make_engine(url)
    ids = {name: uuid.uuid4() for name in ("artefact", "v1", "v2", "decision")}
    p1, p2 = canonical_json({"n": 1}), canonical_json({"n": 2})
    s1, s2 = sha256_hex(p1), sha256_hex(p2)
    c1 = chain_hash_of(None, s1)
    at = [f"2025-03-01 10:00:0{i}.000000" for i in range(7)]
    rows = [
        (
            "INSERT INTO artefact VALUES (:id, 'HVA08', 2025, 'needs', 'needs-proposal', 'proposal', 'T', :at)",
            {"id": ids["artefact"].hex, "at": at[0]},
        ),
        *[
            (
                "INSERT INTO artefact_version (id, artefact_id, version, payload, media_type, size, sha256, "
                "prev_sha256, chain_hash, schema_name, schema_version, code_version, inputs, created_at, status) "
                "VALUES (:id, :a, :n, :p, 'application/json', :size, :sha, :prev, :chain, 'S', '1', '0.1.0', '[]',"
                " :at, :status)",
                {
                    "id": ids[v].hex,
                    "a": ids["artefact"].hex,
                    "n": n,
                    "p": p.decode(),
                    "size": len(p),
                    "sha": sha,
                    "prev": prev,
                    "chain": chain,
                    "at": at[n],
                    "status": status,
                },
            )
            for v, n, p, sha, prev, chain, status in (
                ("v1", 1, p1, s1, None, c1, "proposed"),
                ("v2", 2, p2, s2, s1, chain_hash_of(c1, s2), "approved"),
            )
        ],
        (
            "INSERT INTO decision VALUES (:id, :v, :sha, 'Aluehallitus', 'approved', '2025-03-10', '42', NULL, '',"
            " 'Sihteeri', :at, NULL)",
            {"id": ids["decision"].hex, "v": ids["v2"].hex, "sha": s2, "at": at[3]},
        ),
    ]
    events = [
        (
            "artefact.created",
            None,
            {"region": "HVA08", "cycle": 2025, "stage": "needs", "key": "needs-proposal", "kind": "proposal"},
        ),
        ("version.created", "v1", {"key": "needs-proposal", "version": 1, "sha256": s1, "status": "proposed"}),
        ("version.created", "v2", {"key": "needs-proposal", "version": 2, "sha256": s2, "status": "proposed"}),
        (
            "decision.recorded",
            "v2",
            {
                "decision_id": str(ids["decision"]),
                "outcome": "approved",
                "sha256": s2,
                "body": "Aluehallitus",
                "section": "42",
            },
        ),
        ("version.status", "v2", {"from": "proposed", "to": "approved", "reason": "decision"}),
    ]
    with engine.begin() as conn:
        for statement, params in rows:
            conn.execute(text(statement), params)
        for i, (action, version, details) in enumerate(events):
            conn.execute(
                text("INSERT INTO audit_event VALUES (:id, :at, 'flow', :action, :a, :v, :details)"),
                {
                    "id": uuid.uuid4().hex,
                    "at": at[min(i + 1, 6)],
                    "action": action,
                    "a": ids["artefact"].hex,
                    "v": ids[version].hex if version else None,
                    "details": json.dumps(details),
                },
            )
    engine.dispose()
    return ids


def test_a_store_of_revision_0001_upgrades_with_its_rows_as_the_baseline(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    migrate(url, "0001")
    ids = _legacy_rows(url)
    store = Store(url, tmp_path / "blobs")  # upgrades to head on first use
    report = verify(store)
    assert report.ok, report.problems
    events = store.audit_events()
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[-1].action == "store.baseline"
    assert events[-1].details["versions"] == 2 and events[-1].details["audit_events"] == 5
    assert all(v.record_hash for v in store.history("HVA08", 2025, "needs-proposal"))
    # From now on the old rows are covered like new ones: an edit of their metadata is found.
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE artefact_version SET code_version = 'x' WHERE id = :id"), {"id": ids["v1"].hex})
    assert {(p.version, p.code) for p in verify(store).problems} == {(1, "record-hash")}
    store.close()


def test_downgrade_to_0001_and_upgrade_again(store_url: str) -> None:
    from alembic import command
    from alembic.config import Config

    from soteflow.store.db import MIGRATIONS_DIR

    url = store_url
    migrate(url)
    engine = make_engine(url)
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    assert "record_hash" not in {c["name"] for c in inspect(engine).get_columns("artefact_version")}
    migrate(engine)
    assert "record_hash" in {c["name"] for c in inspect(engine).get_columns("artefact_version")}
    engine.dispose()
