"""Rendered PDFs by render key: a document whose content is already stored is not rendered again.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 00:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create the lookup table from render key to the stored PDF version."""
    op.create_table(
        "rendered_pdf",
        sa.Column("render_key", sa.String(length=64), nullable=False),
        sa.Column("version_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("render_key", name="pk_rendered_pdf"),
        sa.ForeignKeyConstraint(["version_id"], ["artefact_version.id"], name="fk_rendered_pdf_version"),
    )


def downgrade() -> None:
    """Drop the lookup table (PDFs are then rendered again; nothing else is lost)."""
    op.drop_table("rendered_pdf")
