"""The artefact store: append-only, versioned, hash-chained artefacts and their decisions.

SQLModel over SQLite (default, a file under ``SOTEFLOW_HOME``) or PostgreSQL, schema by Alembic
migrations, files content-addressed under ``blob_dir``. No Prefect imports here: flows and tasks
call the store, the store knows nothing about them.

Public surface::

    store = Store.from_settings()
    with store.transaction(actor="flow:needs") as tx:
        v = tx.save_json(region="HVA08", cycle=2025, stage=Stage.NEEDS, key="needs-profile", ...)
    report = verify(store)
"""

from __future__ import annotations

from soteflow.store.blobs import BlobStore
from soteflow.store.canonical import canonical_json, sha256_hex
from soteflow.store.db import make_engine, migrate, session_scope
from soteflow.store.errors import (
    ArtefactMismatchError,
    InvalidTransitionError,
    NotFoundError,
    StoreError,
    StoreIntegrityError,
)
from soteflow.store.models import (
    Artefact,
    ArtefactVersion,
    AuditEvent,
    Decision,
    DecisionOutcome,
    LineageRef,
    VersionStatus,
)
from soteflow.store.repo import ALLOWED_TRANSITIONS, FINAL_STATUSES, Store, StoreTransaction, chain_hash_of
from soteflow.store.verify import Problem, VerificationReport, verify

__all__ = [
    "ALLOWED_TRANSITIONS",
    "FINAL_STATUSES",
    "Artefact",
    "ArtefactMismatchError",
    "ArtefactVersion",
    "AuditEvent",
    "BlobStore",
    "Decision",
    "DecisionOutcome",
    "InvalidTransitionError",
    "LineageRef",
    "NotFoundError",
    "Problem",
    "Store",
    "StoreError",
    "StoreIntegrityError",
    "StoreTransaction",
    "VerificationReport",
    "VersionStatus",
    "canonical_json",
    "chain_hash_of",
    "make_engine",
    "migrate",
    "session_scope",
    "sha256_hex",
    "verify",
]
