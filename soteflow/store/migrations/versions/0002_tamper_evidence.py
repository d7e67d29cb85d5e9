"""Tamper evidence: record hashes of versions and decisions, the audit log as a hash chain.

Adds ``artefact_version.record_hash``, ``decision.record_hash`` and ``audit_event.seq``,
``prev_hash``, ``hash`` (see :mod:`soteflow.store.integrity`), and computes them for the rows
already stored. Those rows are a **baseline**: their hashes say what they were at upgrade time,
not that they were never changed before it; the migration appends one ``store.baseline`` audit
event that says so and counts them. Run ``soteflow verify`` before upgrading to check what the
older hashes (content, chains, decisions) could already check.

Revision ID: 0002
Revises: 0001
Create Date: 2026-01-15 00:00:00+00:00
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

from soteflow.store.coltypes import UTCDateTime, utcnow
from soteflow.store.integrity import audit_event_hash, decision_record_hash, version_record_hash

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The tables as this migration knows them (not the ORM classes, which move on with later revisions).
_artefact = sa.table(
    "artefact",
    sa.column("id", sa.Uuid()),
    sa.column("region", sa.String()),
    sa.column("cycle", sa.Integer()),
    sa.column("stage", sa.String()),
    sa.column("key", sa.String()),
    sa.column("kind", sa.String()),
    sa.column("title", sa.String()),
    sa.column("created_at", UTCDateTime()),
)
_version = sa.table(
    "artefact_version",
    *(
        sa.column(name, type_)
        for name, type_ in (
            ("id", sa.Uuid()),
            ("artefact_id", sa.Uuid()),
            ("version", sa.Integer()),
            ("file_path", sa.String()),
            ("media_type", sa.String()),
            ("size", sa.BigInteger()),
            ("sha256", sa.String()),
            ("prev_sha256", sa.String()),
            ("chain_hash", sa.String()),
            ("schema_name", sa.String()),
            ("schema_version", sa.String()),
            ("code_version", sa.String()),
            ("inputs", sa.JSON()),
            ("flow_run_id", sa.String()),
            ("task_run_id", sa.String()),
            ("created_at", UTCDateTime()),
            ("record_hash", sa.String()),
        )
    ),
)
_decision = sa.table(
    "decision",
    *(
        sa.column(name, type_)
        for name, type_ in (
            ("id", sa.Uuid()),
            ("version_id", sa.Uuid()),
            ("sha256", sa.String()),
            ("body", sa.String()),
            ("outcome", sa.String()),
            ("meeting_date", sa.Date()),
            ("section", sa.String()),
            ("decision_number", sa.String()),
            ("comments", sa.Text()),
            ("recorded_by", sa.String()),
            ("recorded_at", UTCDateTime()),
            ("flow_run_id", sa.String()),
            ("record_hash", sa.String()),
        )
    ),
)
_event = sa.table(
    "audit_event",
    sa.column("id", sa.Uuid()),
    sa.column("at", UTCDateTime()),
    sa.column("actor", sa.String()),
    sa.column("action", sa.String()),
    sa.column("artefact_id", sa.Uuid()),
    sa.column("version_id", sa.Uuid()),
    sa.column("details", sa.JSON()),
    sa.column("seq", sa.Integer()),
    sa.column("prev_hash", sa.String()),
    sa.column("hash", sa.String()),
)


def upgrade() -> None:
    """Add the hash columns and compute them for the stored rows (the baseline)."""
    op.add_column("artefact_version", sa.Column("record_hash", sa.String(length=64), nullable=True))
    op.add_column("decision", sa.Column("record_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_event", sa.Column("seq", sa.Integer(), nullable=True))
    op.add_column("audit_event", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_event", sa.Column("hash", sa.String(length=64), nullable=True))
    op.create_index("uq_audit_event_seq", "audit_event", ["seq"], unique=True)
    _baseline(op.get_bind())


def _baseline(conn: sa.Connection) -> None:
    artefacts = {row.id: row for row in conn.execute(sa.select(_artefact))}
    versions = conn.execute(sa.select(_version).order_by(_version.c.artefact_id, _version.c.version)).all()
    previous: dict[Any, str] = {}
    for row in versions:
        record = version_record_hash(artefacts[row.artefact_id], row, previous.get(row.artefact_id))
        previous[row.artefact_id] = record
        conn.execute(sa.update(_version).where(_version.c.id == row.id).values(record_hash=record))
    decisions = conn.execute(sa.select(_decision)).all()
    for row in decisions:
        conn.execute(sa.update(_decision).where(_decision.c.id == row.id).values(record_hash=decision_record_hash(row)))
    # The order the events were written in: their time, and within one time the insertion order
    # where the database keeps one (SQLite's rowid); PostgreSQL falls back to the id.
    tiebreak = sa.text("rowid") if conn.dialect.name == "sqlite" else _event.c.id
    events = conn.execute(sa.select(_event).order_by(_event.c.at, tiebreak)).all()
    prev_hash: str | None = None
    seq = 0
    if not (versions or decisions or events):
        return  # a new store: nothing to take as a baseline
    for seq, row in enumerate(events, start=1):
        digest = audit_event_hash(row, seq=seq, prev_hash=prev_hash)
        conn.execute(sa.update(_event).where(_event.c.id == row.id).values(seq=seq, prev_hash=prev_hash, hash=digest))
        prev_hash = digest
    baseline = {
        "id": uuid.uuid4(),
        "at": utcnow(),
        "actor": "migration 0002",
        "action": "store.baseline",
        "artefact_id": None,
        "version_id": None,
        "details": {
            "versions": len(versions),
            "decisions": len(decisions),
            "audit_events": len(events),
            "note": "hashes of the rows stored before migration 0002 were computed at the upgrade",
        },
    }
    event = _Event(**baseline)
    digest = audit_event_hash(event, seq=seq + 1, prev_hash=prev_hash)
    conn.execute(sa.insert(_event).values(**baseline, seq=seq + 1, prev_hash=prev_hash, hash=digest))


class _Event:
    """Attribute access to a plain dict of an audit event, for :func:`audit_event_hash`."""

    def __init__(self, **fields: Any) -> None:
        self.__dict__.update(fields)


def downgrade() -> None:
    """Drop the hash columns (the hashes are lost; the rest stays)."""
    op.drop_index("uq_audit_event_seq", table_name="audit_event")
    # Plain ALTER TABLE … DROP COLUMN (SQLite 3.35+): a batch copy of artefact_version would have
    # to drop a table that decisions and audit events refer to.
    for table, column in (
        ("audit_event", "hash"),
        ("audit_event", "prev_hash"),
        ("audit_event", "seq"),
        ("decision", "record_hash"),
        ("artefact_version", "record_hash"),
    ):
        op.drop_column(table, column)
