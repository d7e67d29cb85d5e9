"""Table classes of the artefact store, apart from the API shapes (:class:`LineageRef`).

The schema is created and upgraded only by the Alembic migrations in ``migrations/``; these
classes must stay in step with them (``tests/store/test_migrations.py`` compares the two).
"""

from __future__ import annotations

import datetime as dt
import uuid
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from pydantic import Field as PydanticField
from sqlmodel import Field, SQLModel

from soteflow.store.coltypes import UTCDateTime, utcnow

__all__ = [
    "STORE_TABLES",
    "Artefact",
    "ArtefactVersion",
    "AuditEvent",
    "Decision",
    "DecisionOutcome",
    "LineageRef",
    "RenderedPdf",
    "VersionStatus",
]


class VersionStatus(StrEnum):
    """Life cycle of a version: draft → proposed → approved | returned | rejected | noted; superseded."""

    DRAFT = "draft"
    PROPOSED = "proposed"
    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"
    #: The body took note of a report (merkittiin tiedoksi): final, like an approval.
    NOTED = "noted"
    SUPERSEDED = "superseded"


class DecisionOutcome(StrEnum):
    """What the governing body decided on a proposed version."""

    APPROVED = "approved"
    RETURNED = "returned"
    REJECTED = "rejected"
    NOTED = "noted"


def _status_type() -> sa.Enum:
    # Not a native enum and no CHECK constraint: a VARCHAR keeps adding a status a plain
    # migration-free code change on both SQLite and PostgreSQL; Python validates the values.
    return sa.Enum(
        VersionStatus,
        native_enum=False,
        length=16,
        values_callable=lambda enum: [member.value for member in enum],
        validate_strings=True,
    )


def _outcome_type() -> sa.Enum:
    return sa.Enum(
        DecisionOutcome,
        native_enum=False,
        length=16,
        values_callable=lambda enum: [member.value for member in enum],
        validate_strings=True,
    )


class Artefact(SQLModel, table=True):
    """One logical artefact of a region's cycle, e.g. HVA08 / 2025 / ``needs-profile``."""

    __tablename__ = "artefact"
    __table_args__ = (sa.UniqueConstraint("region", "cycle", "key", name="uq_artefact_region_cycle_key"),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    region: str = Field(max_length=32, index=True, description="Welfare-region code, e.g. HVA08.")
    cycle: int = Field(index=True, description="The cycle's year.")
    stage: str = Field(max_length=32, description="The Stage value that produces the artefact.")
    key: str = Field(max_length=120, description="Artefact key, `[a-z0-9-]` (Prefect artifact keys).")
    kind: str = Field(max_length=32, description="table, json, document, map, …")
    title: str = Field(max_length=500, description="Human-readable title (first save wins).")
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


class ArtefactVersion(SQLModel, table=True):
    """One immutable version of an artefact: canonical JSON or a content-addressed file.

    ``sha256`` is the hash of the canonical JSON bytes or of the file bytes; ``prev_sha256`` is
    the previous version's ``sha256`` (NULL for version 1) and ``chain_hash`` folds the whole
    history: ``sha256_hex((prev_chain_hash or "") + sha256)`` over the ASCII hex strings, so one
    value printed in a document commits to every earlier version too.
    """

    __tablename__ = "artefact_version"
    __table_args__ = (
        sa.UniqueConstraint("artefact_id", "version", name="uq_artefact_version_number"),
        # Identical content is the same version: saves are idempotent on the hash.
        sa.UniqueConstraint("artefact_id", "sha256", name="uq_artefact_version_sha256"),
    )

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    artefact_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid(),
            sa.ForeignKey("artefact.id", name="fk_artefact_version_artefact"),
            nullable=False,
            index=True,
        )
    )
    version: int = Field(description="1, 2, … per artefact, without gaps.")
    payload: str | None = Field(default=None, sa_type=sa.Text, description="Canonical JSON text.")
    file_path: str | None = Field(default=None, max_length=200, description="Blob path relative to blob_dir.")
    media_type: str = Field(max_length=100)
    size: int = Field(sa_type=sa.BigInteger, description="Bytes of the canonical JSON or the file.")
    sha256: str = Field(max_length=64, index=True)
    prev_sha256: str | None = Field(default=None, max_length=64)
    chain_hash: str = Field(max_length=64)
    schema_name: str = Field(max_length=200)
    schema_version: str = Field(max_length=50)
    code_version: str = Field(max_length=100)
    inputs: list[dict[str, Any]] = Field(default_factory=list, sa_type=sa.JSON, nullable=False)
    flow_run_id: str | None = Field(default=None, max_length=64)
    task_run_id: str | None = Field(default=None, max_length=64)
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    status: VersionStatus = Field(
        default=VersionStatus.DRAFT, sa_column=sa.Column(_status_type(), nullable=False, index=True)
    )
    # NULL only in a row written without the repository (verify reports it).
    record_hash: str | None = Field(
        default=None,
        max_length=64,
        description="Hash of everything stored about the version but its status, chained per artefact "
        "(soteflow.store.integrity.version_record_hash).",
    )


class Decision(SQLModel, table=True):
    """The governing body's decision on a proposed version, bound to that version's hash."""

    __tablename__ = "decision"

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    version_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid(),
            sa.ForeignKey("artefact_version.id", name="fk_decision_version"),
            nullable=False,
            index=True,
        )
    )
    sha256: str = Field(max_length=64, description="The decided version's sha256 when decided.")
    body: str = Field(max_length=200, description="Deciding body, e.g. aluehallitus.")
    outcome: DecisionOutcome = Field(sa_column=sa.Column(_outcome_type(), nullable=False))
    meeting_date: dt.date
    section: str = Field(max_length=20, description="Minutes section (§) number.")
    decision_number: str | None = Field(default=None, max_length=50)
    comments: str = Field(default="", sa_type=sa.Text)
    recorded_by: str = Field(max_length=200)
    recorded_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)
    flow_run_id: str | None = Field(default=None, max_length=64)
    record_hash: str | None = Field(
        default=None, max_length=64, description="Hash of every field (soteflow.store.integrity.decision_record_hash)."
    )


class AuditEvent(SQLModel, table=True):
    """Append-only log of every write to the store, in the same transaction as the write.

    The log is a hash chain: ``seq`` numbers the events 1, 2, … without gaps and ``hash`` covers
    the event and the previous event's ``hash`` (``prev_hash``). Both are assigned when the
    writing transaction commits (:mod:`soteflow.store.repo`), one committer at a time.
    """

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("uq_audit_event_seq", "seq", unique=True),)

    id: uuid.UUID = Field(default_factory=uuid.uuid4, primary_key=True)
    at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False, index=True)
    actor: str = Field(max_length=200)
    action: str = Field(max_length=50, description="version.created, version.status, …")
    artefact_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Uuid(), sa.ForeignKey("artefact.id", name="fk_audit_event_artefact"), nullable=True, index=True
        ),
    )
    version_id: uuid.UUID | None = Field(
        default=None,
        sa_column=sa.Column(
            sa.Uuid(), sa.ForeignKey("artefact_version.id", name="fk_audit_event_version"), nullable=True
        ),
    )
    details: dict[str, Any] = Field(default_factory=dict, sa_type=sa.JSON, nullable=False)
    seq: int | None = Field(default=None, description="Position in the audit chain, from 1.")
    prev_hash: str | None = Field(default=None, max_length=64, description="The previous event's hash.")
    hash: str | None = Field(
        default=None, max_length=64, description="Hash of this event (soteflow.store.integrity.audit_event_hash)."
    )


class RenderedPdf(SQLModel, table=True):
    """Which stored PDF version a render key gave, so identical content is not rendered again.

    The key (:func:`soteflow.documents.render.render_key`) covers the HTML, the metadata, the
    attachments and the renderer; renders are byte-reproducible, so the version's file stands for
    any later render with the same key. Written in the transaction that saved the version. A
    derived index, not a record (so not in the audit log): a row whose file does not check out
    (hash, the PDF's identifier) is ignored and the document rendered again.
    """

    __tablename__ = "rendered_pdf"

    render_key: str = Field(primary_key=True, max_length=64, description="SHA-256 of the render's inputs.")
    version_id: uuid.UUID = Field(
        sa_column=sa.Column(
            sa.Uuid(),
            sa.ForeignKey("artefact_version.id", name="fk_rendered_pdf_version"),
            nullable=False,
        )
    )
    created_at: dt.datetime = Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=False)


#: The store's tables; migrations and schema comparison look only at these.
STORE_TABLES: frozenset[str] = frozenset({"artefact", "artefact_version", "decision", "audit_event", "rendered_pdf"})


class LineageRef(BaseModel):
    """A reference to an input version, as recorded in ``ArtefactVersion.inputs``."""

    model_config = ConfigDict(frozen=True)

    version_id: uuid.UUID = PydanticField(description="Id of the input version.")
    key: str = PydanticField(description="The input artefact's key.")
    version: int = PydanticField(description="The input's version number.")
    sha256: str = PydanticField(description="The input version's sha256 when it was used.")
