"""Initial schema of the artefact store: artefacts, versions, decisions, audit log.

Revision ID: 0001
Revises:
Create Date: 2025-01-01 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the four tables of the store."""
    op.create_table(
        "artefact",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("region", sa.String(length=32), nullable=False),
        sa.Column("cycle", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_artefact"),
        sa.UniqueConstraint("region", "cycle", "key", name="uq_artefact_region_cycle_key"),
    )
    op.create_index("ix_artefact_region", "artefact", ["region"])
    op.create_index("ix_artefact_cycle", "artefact", ["cycle"])

    op.create_table(
        "artefact_version",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("artefact_id", sa.Uuid(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("file_path", sa.String(length=200), nullable=True),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("prev_sha256", sa.String(length=64), nullable=True),
        sa.Column("chain_hash", sa.String(length=64), nullable=False),
        sa.Column("schema_name", sa.String(length=200), nullable=False),
        sa.Column("schema_version", sa.String(length=50), nullable=False),
        sa.Column("code_version", sa.String(length=100), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("flow_run_id", sa.String(length=64), nullable=True),
        sa.Column("task_run_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_artefact_version"),
        sa.ForeignKeyConstraint(["artefact_id"], ["artefact.id"], name="fk_artefact_version_artefact"),
        sa.UniqueConstraint("artefact_id", "version", name="uq_artefact_version_number"),
        sa.UniqueConstraint("artefact_id", "sha256", name="uq_artefact_version_sha256"),
    )
    op.create_index("ix_artefact_version_artefact_id", "artefact_version", ["artefact_id"])
    op.create_index("ix_artefact_version_sha256", "artefact_version", ["sha256"])
    op.create_index("ix_artefact_version_status", "artefact_version", ["status"])

    op.create_table(
        "decision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("body", sa.String(length=200), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("meeting_date", sa.Date(), nullable=False),
        sa.Column("section", sa.String(length=20), nullable=False),
        sa.Column("decision_number", sa.String(length=50), nullable=True),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("flow_run_id", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_decision"),
        sa.ForeignKeyConstraint(["version_id"], ["artefact_version.id"], name="fk_decision_version"),
    )
    op.create_index("ix_decision_version_id", "decision", ["version_id"])

    op.create_table(
        "audit_event",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=50), nullable=False),
        sa.Column("artefact_id", sa.Uuid(), nullable=True),
        sa.Column("version_id", sa.Uuid(), nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_event"),
        sa.ForeignKeyConstraint(["artefact_id"], ["artefact.id"], name="fk_audit_event_artefact"),
        sa.ForeignKeyConstraint(["version_id"], ["artefact_version.id"], name="fk_audit_event_version"),
    )
    op.create_index("ix_audit_event_artefact_id", "audit_event", ["artefact_id"])
    op.create_index("ix_audit_event_at", "audit_event", ["at"])


def downgrade() -> None:
    """Drop the store's tables (destroys every artefact: development use only)."""
    op.drop_table("audit_event")
    op.drop_table("decision")
    op.drop_table("artefact_version")
    op.drop_table("artefact")
