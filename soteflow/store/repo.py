"""Persistence of artefacts: plain functions with a keyword-only ``session``, and the facade.

Locking design (see also :mod:`soteflow.store.db`):

* SQLite: every write transaction begins with ``BEGIN IMMEDIATE``, so one writer at a time holds
  the database's write lock from its first statement to its commit; others wait (busy timeout).
  Reading ``max(version)`` and inserting ``max + 1`` therefore cannot interleave.
* PostgreSQL: the artefact row is locked with ``SELECT … FOR UPDATE`` before the next version
  number is read, which serialises writers per artefact; the insert still runs in a savepoint and
  is retried on ``IntegrityError`` (e.g. two transactions creating the same new artefact).
  Blob writes take a transaction-scoped advisory lock on the blob's hash, so a rolling-back
  transaction cannot delete a file that a concurrent transaction has just decided to reuse.
* All-or-nothing: a :class:`StoreTransaction` remembers the blob files it newly created; if the
  block raises, it deletes those that no other (committed) version references, while it still
  holds the locks, and then rolls the database back.
* The audit log is one hash chain (:mod:`soteflow.store.integrity`): the events a transaction
  writes get their sequence numbers and hashes when it commits (a ``before_commit`` hook), after
  the chain's head is read under the writer's lock — SQLite's write lock, or on PostgreSQL a
  transaction-scoped advisory lock taken only for that last step, so writers are serialised for
  the commit and not for their whole unit of work.

Lock order on PostgreSQL (no two transactions can wait for each other):

1. the round's advisory lock (:meth:`StoreTransaction.lock_round`), the first statement of a
   round's persist or decision;
2. artefact rows ``FOR UPDATE`` and blob locks, in the order the round saves its outputs (the
   same code, so the same order, for every round of a stage; a round's writers are one at a time);
3. the audit chain's advisory lock, last: taken at commit after everything else is flushed, so
   its holder only updates its own new audit rows and commits, and never waits for anyone.

Cleaners never wait for a blob lock while holding another: the leftovers' sweep only *tries* each
file's lock and skips a file a live transaction is writing (it is no leftover), and the clean-up
after a failed commit locks one file per short transaction. A sweep that waited, in path order,
for a file a writer held while the writer went on to a file the sweep already held (two source
files every area's stage-1 round stores, written in lineage order) was a deadlock, one in the
first seconds of the 22-area wave of ``bench/bench_pg_concurrency.py``.
"""

from __future__ import annotations

import datetime as dt
import json
import mimetypes
import re
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, event, func, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from schemas.stages import Stage
from soteflow.errors import InputError
from soteflow.store.blobs import BlobStore, file_sha256
from soteflow.store.canonical import canonical_json, sha256_hex
from soteflow.store.db import make_engine, migrate, read_engine
from soteflow.store.errors import (
    ArtefactMismatchError,
    InvalidTransitionError,
    NotFoundError,
    StoreError,
    StoreIntegrityError,
)
from soteflow.store.integrity import audit_event_hash, decision_record_hash, version_record_hash
from soteflow.store.models import (
    Artefact,
    ArtefactVersion,
    AuditEvent,
    Decision,
    DecisionOutcome,
    LineageRef,
    VersionStatus,
)

__all__ = [
    "ALLOWED_TRANSITIONS",
    "FINAL_STATUSES",
    "JSON_MEDIA_TYPE",
    "Leftovers",
    "Store",
    "StoreTransaction",
    "chain_hash_of",
    "decisions_for",
    "export_version",
    "find_leftovers",
    "get_artefact",
    "get_or_create_artefact",
    "get_version",
    "latest_version",
    "lineage",
    "list_artefacts",
    "lock_versions",
    "newest_version_number",
    "record_decision",
    "remove_leftovers",
    "save_file_version",
    "save_json_version",
    "set_version_status",
    "version_history",
]

JSON_MEDIA_TYPE = "application/json"

#: The version life cycle. Outcomes (approved/returned/rejected/noted) are reached only through
#: :func:`record_decision`, so every such status has a decision bound to the version's hash.
ALLOWED_TRANSITIONS: dict[VersionStatus, frozenset[VersionStatus]] = {
    VersionStatus.DRAFT: frozenset({VersionStatus.PROPOSED, VersionStatus.SUPERSEDED}),
    VersionStatus.PROPOSED: frozenset(
        {VersionStatus.APPROVED, VersionStatus.RETURNED, VersionStatus.REJECTED, VersionStatus.NOTED}
    ),
    VersionStatus.APPROVED: frozenset({VersionStatus.SUPERSEDED}),
    VersionStatus.NOTED: frozenset({VersionStatus.SUPERSEDED}),
    VersionStatus.RETURNED: frozenset(),
    VersionStatus.REJECTED: frozenset(),
    VersionStatus.SUPERSEDED: frozenset(),
}

#: Outcomes that end a case for good: the version stands (an approval, or a report noted) and
#: every earlier standing version of the artefact becomes superseded.
FINAL_STATUSES = frozenset({VersionStatus.APPROVED, VersionStatus.NOTED})

#: Statuses a version may be saved with; the others need a decision or a later version.
_INITIAL_STATUSES = frozenset({VersionStatus.DRAFT, VersionStatus.PROPOSED})

# Prefect artifact keys allow only [a-z0-9-]; our keys are mirrored there unchanged.
_KEY_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_REGION_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")
_MAX_SAVE_ATTEMPTS = 5

_EXTENSIONS = {
    JSON_MEDIA_TYPE: "json",
    "application/pdf": "pdf",
    "text/html": "html",
    "image/svg+xml": "svg",
    "text/csv": "csv",
    "text/markdown": "md",
    "text/plain": "txt",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
}


# --------------------------------------------------------------------------------------------
# Helpers


def chain_hash_of(prev_chain_hash: str | None, sha256: str) -> str:
    """The chain hash of a version: ``sha256_hex((prev_chain_hash or "") + sha256)`` (ASCII hex)."""
    return sha256_hex(((prev_chain_hash or "") + sha256).encode("ascii"))


#: ``Session.info`` key of the audit events a session has added and not yet sealed, in order.
_PENDING_AUDIT = "soteflow.pending_audit"

#: Arbitrary constant key of the PostgreSQL advisory lock that serialises appends to the audit chain.
_PG_AUDIT_CHAIN_LOCK = 0x50F7E_A0D17


def _audit(
    session: Session,
    *,
    actor: str,
    action: str,
    artefact_id: uuid.UUID | None = None,
    version_id: uuid.UUID | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    audit_event = AuditEvent(
        actor=actor, action=action, artefact_id=artefact_id, version_id=version_id, details=details or {}
    )
    session.add(audit_event)
    session.info.setdefault(_PENDING_AUDIT, []).append(audit_event)


@event.listens_for(Session, "before_commit")
def _seal_audit_chain(session: Session) -> None:
    """Append the session's new audit events to the chain just before the outermost commit."""
    if session.in_nested_transaction():
        return
    pending: list[AuditEvent] = session.info.pop(_PENDING_AUDIT, [])
    # Events added inside a savepoint that was rolled back have left the session: skip them.
    events = [e for e in pending if e in session]
    if events:
        seal_audit_events(session, events)


def seal_audit_events(session: Session, events: Sequence[AuditEvent]) -> None:
    """Give ``events`` the next sequence numbers and their chained hashes (the caller commits).

    On SQLite the caller's transaction already holds the write lock (BEGIN IMMEDIATE); on
    PostgreSQL the chain's advisory lock is taken here and held until the commit, after the
    session's pending rows are flushed: the last lock of a transaction, whose holder waits for
    no other lock (only its own new audit rows are written after it).
    """
    if _is_postgres(session):
        session.flush()
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_CHAIN_LOCK})
    with session.no_autoflush:
        head = session.exec(
            select(AuditEvent.seq, AuditEvent.hash)
            .where(col(AuditEvent.seq).is_not(None))
            .order_by(col(AuditEvent.seq).desc())
            .limit(1)
        ).first()
    seq, prev_hash = (int(head[0] or 0), head[1]) if head else (0, None)
    for audit_event in events:
        seq += 1
        audit_event.seq = seq
        audit_event.prev_hash = prev_hash
        audit_event.hash = audit_event_hash(audit_event, seq=seq, prev_hash=prev_hash)
        prev_hash = audit_event.hash


def _validate_identity(region: str, cycle: int, stage: Stage | str, key: str, kind: str) -> str:
    if not _REGION_RE.match(region):
        raise ValueError(f"invalid region code {region!r}")
    if not 1900 <= cycle <= 2999:
        raise ValueError(f"invalid cycle year {cycle!r}")
    if not _KEY_RE.match(key) or len(key) > 120:
        raise ValueError(f"invalid artefact key {key!r}: use [a-z0-9-], e.g. 'needs-profile'")
    if not _KEY_RE.match(kind):
        raise ValueError(f"invalid artefact kind {kind!r}: use [a-z0-9-], e.g. 'table'")
    return Stage(stage).value


def _is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _lock_blob(session: Session, sha256: str) -> None:
    """Serialise writers of one blob (PostgreSQL); SQLite's write lock already does it."""
    if _is_postgres(session):
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _blob_lock_key(sha256)})


def _try_lock_blob(session: Session, sha256: str) -> bool:
    """Take one blob's lock if it is free (PostgreSQL); False while a live transaction holds it.

    For cleaners: a held lock means a transaction is writing or reusing the file right now, so it
    is no leftover, and a cleaner that skips it instead of waiting can never be half of a deadlock.
    """
    if not _is_postgres(session):
        return True  # SQLite: the caller's write lock already excludes every writer
    taken: bool = session.execute(
        text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": _blob_lock_key(sha256)}
    ).scalar_one()
    return taken


def _blob_lock_key(sha256: str) -> int:
    # 15 hex digits fit a signed 64-bit key; collisions only serialise unrelated writers.
    return int(sha256[:15], 16)


def _lineage_refs(session: Session, inputs: Sequence[ArtefactVersion | LineageRef]) -> list[dict[str, Any]]:
    """Resolve ``inputs`` to lineage refs, checking each exists with the hash it claims."""
    refs: list[dict[str, Any]] = []
    for item in inputs:
        version_id = item.id if isinstance(item, ArtefactVersion) else item.version_id
        stored = session.get(ArtefactVersion, version_id)
        if stored is None:
            raise NotFoundError(f"input version {version_id} is not in the store")
        if stored.sha256 != item.sha256:
            raise StoreIntegrityError(
                f"input version {version_id} has sha256 {stored.sha256}, the caller used {item.sha256}"
            )
        artefact = session.get(Artefact, stored.artefact_id)
        assert artefact is not None  # foreign key
        ref = LineageRef(version_id=stored.id, key=artefact.key, version=stored.version, sha256=stored.sha256)
        refs.append(ref.model_dump(mode="json"))
    return refs


# --------------------------------------------------------------------------------------------
# Writes (plain functions; the caller owns the transaction)


def get_or_create_artefact(
    *,
    session: Session,
    actor: str,
    region: str,
    cycle: int,
    stage: Stage | str,
    key: str,
    kind: str,
    title: str,
) -> Artefact:
    """The artefact ``(region, cycle, key)``, created on first use.

    Raises:
        ArtefactMismatchError: the key exists with another stage or kind (a key names one
            thing for the whole cycle). A different title is ignored: the first save names it.
    """
    stage_value = _validate_identity(region, cycle, stage, key, kind)
    statement = select(Artefact).where(Artefact.region == region, Artefact.cycle == cycle, Artefact.key == key)
    for _ in range(_MAX_SAVE_ATTEMPTS):
        artefact = session.exec(statement).first()
        if artefact is None:
            artefact = Artefact(region=region, cycle=cycle, stage=stage_value, key=key, kind=kind, title=title)
            try:
                # A savepoint: on PostgreSQL a concurrent creator may win the unique key, and
                # only this insert, not the caller's whole unit of work, must be undone.
                with session.begin_nested():
                    session.add(artefact)
                    _audit(
                        session,
                        actor=actor,
                        action="artefact.created",
                        artefact_id=artefact.id,
                        details={
                            "region": region,
                            "cycle": cycle,
                            "stage": stage_value,
                            "key": key,
                            "kind": kind,
                            "title": title,
                            "created_at": artefact.created_at.isoformat(),
                        },
                    )
            except IntegrityError:
                continue
        if artefact.stage != stage_value or artefact.kind != kind:
            raise ArtefactMismatchError(
                f"artefact {region}/{cycle}/{key} is stage {artefact.stage!r}, kind {artefact.kind!r}; "
                f"refusing stage {stage_value!r}, kind {kind!r}"
            )
        return artefact
    raise StoreError(f"could not create artefact {region}/{cycle}/{key} after {_MAX_SAVE_ATTEMPTS} attempts")


def _save_version(
    *,
    session: Session,
    actor: str,
    artefact: Artefact,
    sha256: str,
    size: int,
    media_type: str,
    payload: str | None,
    file_path: str | None,
    schema_name: str,
    schema_version: str,
    code_version: str,
    inputs: Sequence[ArtefactVersion | LineageRef],
    flow_run_id: str | None,
    task_run_id: str | None,
    status: VersionStatus | str,
    new_versions: list[uuid.UUID] | None,
) -> ArtefactVersion:
    status = VersionStatus(status)
    if status not in _INITIAL_STATUSES:
        raise InvalidTransitionError(f"a new version starts as draft or proposed, not {status.value}")
    refs = _lineage_refs(session, inputs)
    for _ in range(_MAX_SAVE_ATTEMPTS):
        # PostgreSQL: lock the artefact row so version numbers are allocated one writer at a
        # time. SQLite renders no FOR UPDATE; its BEGIN IMMEDIATE lock already serialises.
        session.exec(select(Artefact).where(Artefact.id == artefact.id).with_for_update()).one()
        existing = session.exec(
            select(ArtefactVersion).where(ArtefactVersion.artefact_id == artefact.id, ArtefactVersion.sha256 == sha256)
        ).first()
        if existing is not None:
            # Idempotent: identical content is the existing version (its lineage and metadata
            # stay those of the first save). Logged, so the audit shows who produced it again.
            _audit(
                session,
                actor=actor,
                action="version.reused",
                artefact_id=artefact.id,
                version_id=existing.id,
                details={"version": existing.version, "sha256": sha256, "flow_run_id": flow_run_id},
            )
            return existing
        previous = session.exec(
            select(ArtefactVersion)
            .where(ArtefactVersion.artefact_id == artefact.id)
            .order_by(col(ArtefactVersion.version).desc())
            .limit(1)
        ).first()
        version = ArtefactVersion(
            artefact_id=artefact.id,
            version=(previous.version + 1) if previous else 1,
            payload=payload,
            file_path=file_path,
            media_type=media_type,
            size=size,
            sha256=sha256,
            prev_sha256=previous.sha256 if previous else None,
            chain_hash=chain_hash_of(previous.chain_hash if previous else None, sha256),
            schema_name=schema_name,
            schema_version=schema_version,
            code_version=code_version,
            inputs=refs,
            flow_run_id=flow_run_id,
            task_run_id=task_run_id,
            status=status,
        )
        version.record_hash = version_record_hash(artefact, version, previous.record_hash if previous else None)
        try:
            with session.begin_nested():
                session.add(version)
                _audit(
                    session,
                    actor=actor,
                    action="version.created",
                    artefact_id=artefact.id,
                    version_id=version.id,
                    details={
                        "key": artefact.key,
                        "version": version.version,
                        "sha256": sha256,
                        "status": status.value,
                        "flow_run_id": flow_run_id,
                        "task_run_id": task_run_id,
                        # The rest of the row, so verification can name a field changed later.
                        "size": size,
                        "media_type": media_type,
                        "file_path": file_path,
                        "prev_sha256": version.prev_sha256,
                        "chain_hash": version.chain_hash,
                        "schema_name": schema_name,
                        "schema_version": schema_version,
                        "code_version": code_version,
                        "inputs": refs,
                        "created_at": version.created_at.isoformat(),
                        "record_hash": version.record_hash,
                    },
                )
        except IntegrityError:
            # Another writer took this number or hash meanwhile (PostgreSQL): read again.
            continue
        if new_versions is not None:
            new_versions.append(version.id)
        return version
    raise StoreError(f"could not allocate a version of {artefact.key} after {_MAX_SAVE_ATTEMPTS} attempts")


def save_json_version(
    *,
    session: Session,
    actor: str,
    region: str,
    cycle: int,
    stage: Stage | str,
    key: str,
    kind: str,
    title: str,
    payload: BaseModel | dict[str, Any] | list[Any],
    schema_name: str,
    schema_version: str,
    code_version: str,
    inputs: Sequence[ArtefactVersion | LineageRef] = (),
    flow_run_id: str | None = None,
    task_run_id: str | None = None,
    status: VersionStatus | str = VersionStatus.DRAFT,
    new_versions: list[uuid.UUID] | None = None,
) -> ArtefactVersion:
    """Save a JSON artefact version (canonical JSON); identical content returns the existing one.

    When a new version is created (not reused), its id is appended to ``new_versions``.
    """
    data = canonical_json(payload)
    artefact = get_or_create_artefact(
        session=session, actor=actor, region=region, cycle=cycle, stage=stage, key=key, kind=kind, title=title
    )
    return _save_version(
        session=session,
        actor=actor,
        artefact=artefact,
        sha256=sha256_hex(data),
        size=len(data),
        media_type=JSON_MEDIA_TYPE,
        payload=data.decode("utf-8"),
        file_path=None,
        schema_name=schema_name,
        schema_version=schema_version,
        code_version=code_version,
        inputs=inputs,
        flow_run_id=flow_run_id,
        task_run_id=task_run_id,
        status=status,
        new_versions=new_versions,
    )


def save_file_version(
    *,
    session: Session,
    blobs: BlobStore,
    actor: str,
    region: str,
    cycle: int,
    stage: Stage | str,
    key: str,
    kind: str,
    title: str,
    content: bytes | Path,
    media_type: str,
    schema_name: str,
    schema_version: str,
    code_version: str,
    inputs: Sequence[ArtefactVersion | LineageRef] = (),
    flow_run_id: str | None = None,
    task_run_id: str | None = None,
    status: VersionStatus | str = VersionStatus.DRAFT,
    new_blobs: list[str] | None = None,
    new_versions: list[uuid.UUID] | None = None,
) -> ArtefactVersion:
    """Save a file artefact version as a content-addressed blob.

    ``content`` is the bytes, or the path of a large file, which is hashed and copied streaming
    (never read whole). The blob is written after the database lock is held (see the module
    docstring). When the file did not exist before, its relative path is appended to ``new_blobs``
    so the caller can delete it if the transaction rolls back; a newly created version's id goes to
    ``new_versions``.
    """
    artefact = get_or_create_artefact(
        session=session, actor=actor, region=region, cycle=cycle, stage=stage, key=key, kind=kind, title=title
    )
    if isinstance(content, Path):
        sha256 = file_sha256(content)
        _lock_blob(session, sha256)
        copied, relative, created, size = blobs.write_file(content)
        if created and new_blobs is not None:
            new_blobs.append(relative)
        if copied != sha256:
            raise StoreIntegrityError(f"{content} changed while it was stored (sha256 {sha256}, then {copied})")
    else:
        sha256 = sha256_hex(content)
        _lock_blob(session, sha256)
        _, relative, created = blobs.write(content)
        size = len(content)
        if created and new_blobs is not None:
            new_blobs.append(relative)
    return _save_version(
        session=session,
        actor=actor,
        artefact=artefact,
        sha256=sha256,
        size=size,
        media_type=media_type,
        payload=None,
        file_path=relative,
        schema_name=schema_name,
        schema_version=schema_version,
        code_version=code_version,
        inputs=inputs,
        flow_run_id=flow_run_id,
        task_run_id=task_run_id,
        status=status,
        new_versions=new_versions,
    )


def _reload_for_update(session: Session, version: ArtefactVersion | uuid.UUID) -> ArtefactVersion:
    """The version as stored now, with its artefact locked (the caller's copy may be stale)."""
    version_id = version if isinstance(version, uuid.UUID) else version.id
    current = session.get(ArtefactVersion, version_id, populate_existing=True)
    if current is None:
        raise NotFoundError(f"version {version_id} is not in the store")
    session.exec(select(Artefact).where(Artefact.id == current.artefact_id).with_for_update()).one()
    session.refresh(current)
    return current


def lock_versions(*, session: Session, version_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, ArtefactVersion]:
    """The versions as stored now, after locking their artefacts (one writer at a time).

    On PostgreSQL the artefact rows are locked ``FOR UPDATE`` in id order (a fixed order, so two
    transactions locking overlapping sets cannot deadlock), and the versions are read after the
    lock is held; on SQLite the transaction's write lock (BEGIN IMMEDIATE) already serialises.

    Raises:
        NotFoundError: a version is not in the store.
    """
    found = {
        v.id: v
        for v in session.exec(select(ArtefactVersion).where(col(ArtefactVersion.id).in_(list(version_ids)))).all()
    }
    missing = [str(i) for i in version_ids if i not in found]
    if missing:
        raise NotFoundError(f"versions not in the store: {', '.join(missing)}")
    artefact_ids = sorted({v.artefact_id for v in found.values()})
    session.exec(
        select(Artefact).where(col(Artefact.id).in_(artefact_ids)).order_by(col(Artefact.id)).with_for_update()
    ).all()
    for version in found.values():
        session.refresh(version)
    return found


def _change_status(
    session: Session, version: ArtefactVersion, new: VersionStatus, *, actor: str, reason: str | None
) -> None:
    old = version.status
    if new not in ALLOWED_TRANSITIONS[old]:
        raise InvalidTransitionError(
            f"version {version.version} ({version.id}): {old.value} → {new.value} is not allowed"
        )
    version.status = new
    session.add(version)
    _audit(
        session,
        actor=actor,
        action="version.status",
        artefact_id=version.artefact_id,
        version_id=version.id,
        details={"from": old.value, "to": new.value, "reason": reason},
    )


def set_version_status(
    *,
    session: Session,
    actor: str,
    version: ArtefactVersion | uuid.UUID,
    status: VersionStatus | str,
    reason: str | None = None,
) -> ArtefactVersion:
    """Move a version along its life cycle (:data:`ALLOWED_TRANSITIONS`).

    Approved, returned and rejected come only from :func:`record_decision`; "approved →
    superseded" only when a later version of the artefact is approved.

    Raises:
        InvalidTransitionError: the transition is not allowed.
    """
    new = VersionStatus(status)
    current = _reload_for_update(session, version)
    if new in {VersionStatus.APPROVED, VersionStatus.RETURNED, VersionStatus.REJECTED, VersionStatus.NOTED}:
        raise InvalidTransitionError(f"{new.value} is a decision outcome: use record_decision()")
    if current.status in FINAL_STATUSES and new is VersionStatus.SUPERSEDED:
        later = session.exec(
            select(ArtefactVersion.id).where(
                ArtefactVersion.artefact_id == current.artefact_id,
                ArtefactVersion.version > current.version,
                col(ArtefactVersion.status).in_(list(FINAL_STATUSES)),
            )
        ).first()
        if later is None:
            raise InvalidTransitionError(
                f"version {current.version} is the latest approved version; it is superseded only by a later approval"
            )
    _change_status(session, current, new, actor=actor, reason=reason)
    if isinstance(version, ArtefactVersion) and version is not current:
        version.status = current.status
    return current


def record_decision(
    *,
    session: Session,
    actor: str,
    version: ArtefactVersion | uuid.UUID,
    body: str,
    outcome: DecisionOutcome | str,
    meeting_date: dt.date,
    section: str,
    decision_number: str | None,
    comments: str,
    recorded_by: str,
    flow_run_id: str | None = None,
) -> Decision:
    """Record the governing body's decision on a proposed version.

    The decision is bound to the version's ``sha256``; the version's status becomes the
    outcome, and on approval every earlier approved version of the artefact becomes superseded.

    Raises:
        InvalidTransitionError: the version is not "proposed".
        StoreIntegrityError: the caller's copy of the version has another hash than the stored one.
    """
    result = DecisionOutcome(outcome)
    current = _reload_for_update(session, version)
    if isinstance(version, ArtefactVersion) and version.sha256 != current.sha256:
        raise StoreIntegrityError(
            f"version {current.id}: decided on sha256 {version.sha256}, the store holds {current.sha256}"
        )
    if current.status is not VersionStatus.PROPOSED:
        raise InvalidTransitionError(
            f"only a proposed version can be decided; version {current.version} is {current.status.value}"
        )
    decision = Decision(
        version_id=current.id,
        sha256=current.sha256,
        body=body,
        outcome=result,
        meeting_date=meeting_date,
        section=section,
        decision_number=decision_number,
        comments=comments,
        recorded_by=recorded_by,
        flow_run_id=flow_run_id,
    )
    decision.record_hash = decision_record_hash(decision)
    session.add(decision)
    _audit(
        session,
        actor=actor,
        action="decision.recorded",
        artefact_id=current.artefact_id,
        version_id=current.id,
        details={
            "decision_id": str(decision.id),
            "outcome": result.value,
            "sha256": current.sha256,
            "body": body,
            "meeting_date": meeting_date.isoformat(),
            "section": section,
            "decision_number": decision_number,
            "comments": comments,
            "recorded_by": recorded_by,
            "recorded_at": decision.recorded_at.isoformat(),
            "flow_run_id": flow_run_id,
            "record_hash": decision.record_hash,
        },
    )
    _change_status(session, current, VersionStatus(result.value), actor=actor, reason=f"decision {decision.id}")
    if VersionStatus(result.value) in FINAL_STATUSES:
        earlier = session.exec(
            select(ArtefactVersion).where(
                ArtefactVersion.artefact_id == current.artefact_id,
                ArtefactVersion.version < current.version,
                col(ArtefactVersion.status).in_(list(FINAL_STATUSES)),
            )
        ).all()
        for old in earlier:
            _change_status(
                session,
                old,
                VersionStatus.SUPERSEDED,
                actor=actor,
                reason=f"version {current.version} approved",
            )
    if isinstance(version, ArtefactVersion) and version is not current:
        version.status = current.status
    return decision


# --------------------------------------------------------------------------------------------
# Reads


def get_artefact(*, session: Session, artefact_id: uuid.UUID) -> Artefact:
    """The artefact with this id.

    Raises:
        NotFoundError: no such artefact.
    """
    artefact = session.get(Artefact, artefact_id)
    if artefact is None:
        raise NotFoundError(f"artefact {artefact_id} is not in the store")
    return artefact


def get_version(*, session: Session, version_id: uuid.UUID) -> ArtefactVersion:
    """The version with this id.

    Raises:
        NotFoundError: no such version.
    """
    version = session.get(ArtefactVersion, version_id)
    if version is None:
        raise NotFoundError(f"version {version_id} is not in the store")
    return version


def version_history(*, session: Session, region: str, cycle: int, key: str) -> list[ArtefactVersion]:
    """Every version of an artefact, oldest first (empty if the artefact does not exist)."""
    return list(
        session.exec(
            select(ArtefactVersion)
            .join(Artefact, col(Artefact.id) == col(ArtefactVersion.artefact_id))
            .where(Artefact.region == region, Artefact.cycle == cycle, Artefact.key == key)
            .order_by(col(ArtefactVersion.version))
        ).all()
    )


def latest_version(
    *, session: Session, region: str, cycle: int, key: str, status: VersionStatus | str | None = None
) -> ArtefactVersion | None:
    """The highest-numbered version of an artefact (optionally only with ``status``), or None."""
    statement = (
        select(ArtefactVersion)
        .join(Artefact, col(Artefact.id) == col(ArtefactVersion.artefact_id))
        .where(Artefact.region == region, Artefact.cycle == cycle, Artefact.key == key)
    )
    if status is not None:
        statement = statement.where(ArtefactVersion.status == VersionStatus(status))
    return session.exec(statement.order_by(col(ArtefactVersion.version).desc()).limit(1)).first()


def newest_version_number(*, session: Session, artefact_id: uuid.UUID) -> int | None:
    """The highest version number of an artefact, or None if it has no version."""
    result: int | None = session.exec(
        select(func.max(ArtefactVersion.version)).where(ArtefactVersion.artefact_id == artefact_id)
    ).one()
    return result


def list_artefacts(
    *, session: Session, region: str | None = None, cycle: int | None = None, stage: Stage | str | None = None
) -> list[Artefact]:
    """Artefacts, filtered by region, cycle and stage, in stage-key order."""
    statement = select(Artefact)
    if region is not None:
        statement = statement.where(Artefact.region == region)
    if cycle is not None:
        statement = statement.where(Artefact.cycle == cycle)
    if stage is not None:
        statement = statement.where(Artefact.stage == Stage(stage).value)
    order = (col(Artefact.region), col(Artefact.cycle), col(Artefact.stage), col(Artefact.key))
    return list(session.exec(statement.order_by(*order)).all())


def decisions_for(*, session: Session, version_id: uuid.UUID) -> list[Decision]:
    """The decisions recorded on a version, oldest first."""
    return list(
        session.exec(
            select(Decision).where(Decision.version_id == version_id).order_by(col(Decision.recorded_at))
        ).all()
    )


def lineage(*, session: Session, version_id: uuid.UUID) -> list[LineageRef]:
    """Every version this one was computed from, transitively: nearest first, each once."""
    start = get_version(session=session, version_id=version_id)
    seen: set[uuid.UUID] = {start.id}
    result: list[LineageRef] = []
    frontier = [start]
    while frontier:
        next_frontier: list[ArtefactVersion] = []
        for version in frontier:
            for raw in version.inputs:
                ref = LineageRef.model_validate(raw)
                if ref.version_id in seen:
                    continue
                seen.add(ref.version_id)
                result.append(ref)
                parent = session.get(ArtefactVersion, ref.version_id)
                if parent is not None:
                    next_frontier.append(parent)
        frontier = next_frontier
    return result


def read_json(version: ArtefactVersion) -> Any:
    """The JSON value of a JSON version (after checking its hash).

    Raises:
        StoreError: the version is a file.
        StoreIntegrityError: the stored payload does not hash to ``sha256``.
    """
    if version.payload is None:
        raise StoreError(f"version {version.id} is a file, not JSON")
    if sha256_hex(version.payload.encode("utf-8")) != version.sha256:
        raise StoreIntegrityError(f"version {version.id}: payload does not match its sha256")
    return json.loads(version.payload)


def _extension(media_type: str) -> str:
    base = media_type.split(";", 1)[0].strip().lower()
    if base in _EXTENSIONS:
        return _EXTENSIONS[base]
    guessed = mimetypes.guess_extension(base)
    return guessed.lstrip(".") if guessed else "bin"


def export_version(*, session: Session, blobs: BlobStore, version: ArtefactVersion, dest_dir: Path) -> Path:
    """Write a version to ``dest_dir/<key>-v<version>.<ext>`` and return the path.

    JSON is written pretty-printed (indent 2, sorted keys, UTF-8) for people; files are
    copied after re-hashing them. An existing file of that name is overwritten.
    """
    artefact = get_artefact(session=session, artefact_id=version.artefact_id)
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / f"{artefact.key}-v{version.version}.{_extension(version.media_type)}"
    if target.is_symlink():
        # Writing through a link found in the destination would write wherever it points.
        raise InputError("is a symbolic link; refusing to write through it", file=target)
    if version.payload is not None:
        value = read_json(version)
        target.write_text(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    elif version.file_path is not None:
        target.write_bytes(blobs.read(version.file_path, version.sha256))
    else:
        raise StoreIntegrityError(f"version {version.id} has neither payload nor file")
    return target


# --------------------------------------------------------------------------------------------
# Leftovers of a crash


@dataclass(frozen=True)
class Leftovers:
    """Files a crash left in the blob folder: blobs no version references, and temporary files."""

    orphan_blobs: tuple[str, ...] = ()
    temp_files: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.orphan_blobs or self.temp_files)


def find_leftovers(*, session: Session, blobs: BlobStore) -> Leftovers:
    """The orphan blob files and temporary files in the blob folder (nothing is removed)."""
    temps = tuple(blobs.iter_temp_files())
    on_disk = set(blobs.iter_relative_paths())
    if not on_disk:
        return Leftovers(temp_files=temps)
    referenced = set(
        session.exec(select(ArtefactVersion.file_path).where(col(ArtefactVersion.file_path).is_not(None))).all()
    )
    return Leftovers(orphan_blobs=tuple(sorted(on_disk - referenced)), temp_files=temps)


def remove_leftovers(*, session: Session, blobs: BlobStore, actor: str) -> Leftovers:
    """Remove the orphan blob files and temporary files; return what was removed (audited).

    Only files no committed version references are removed, and only while no writer can be
    between writing a file and committing its version: on SQLite the caller's write transaction
    holds the database's write lock (taken by the first statement here); on PostgreSQL each
    file's blob lock is taken and its references are read again before it is removed. A file
    whose lock a live transaction holds is being written or reused now, not left over: it is
    skipped, never waited for (waiting while holding other files' locks could deadlock with it).
    """
    session.exec(select(func.count()).select_from(ArtefactVersion)).one()  # SQLite: BEGIN IMMEDIATE's lock
    found = find_leftovers(session=session, blobs=blobs)
    removed_blobs: list[str] = []
    removed_temps: list[str] = []
    for relative in found.orphan_blobs:
        if not _try_lock_blob(session, relative.rsplit("/", 1)[-1]):
            continue
        referenced = session.exec(
            select(ArtefactVersion.id).where(ArtefactVersion.file_path == relative).limit(1)
        ).first()
        if referenced is None and blobs.delete(relative):
            removed_blobs.append(relative)
    for relative in found.temp_files:
        digest = BlobStore.temp_digest(relative)
        if digest is not None and not _try_lock_blob(session, digest):
            continue  # a write still under way holds it until its commit
        if blobs.delete(relative):
            removed_temps.append(relative)
    removed = Leftovers(orphan_blobs=tuple(removed_blobs), temp_files=tuple(removed_temps))
    if removed:
        _audit(
            session,
            actor=actor,
            action="store.leftovers-removed",
            details={"orphan_blobs": removed_blobs, "temp_files": removed_temps},
        )
    return removed


# --------------------------------------------------------------------------------------------
# Facade


class StoreTransaction:
    """One unit of work on the store, opened by :meth:`Store.transaction`; do not nest them."""

    def __init__(self, store: Store, session: Session, actor: str) -> None:
        """Wrap an open session; use :meth:`Store.transaction` rather than this directly."""
        self.store = store
        self.session = session
        self.actor = actor
        #: Blob files this transaction created (deleted again if it rolls back).
        self.new_blobs: list[str] = []
        #: Ids of the versions this transaction created (not reused).
        self.new_versions: list[uuid.UUID] = []

    def save_json(
        self,
        *,
        region: str,
        cycle: int,
        stage: Stage | str,
        key: str,
        kind: str,
        title: str,
        payload: BaseModel | dict[str, Any] | list[Any],
        schema_name: str,
        schema_version: str,
        code_version: str,
        inputs: Sequence[ArtefactVersion | LineageRef] = (),
        flow_run_id: str | None = None,
        task_run_id: str | None = None,
        status: VersionStatus | str = VersionStatus.DRAFT,
    ) -> ArtefactVersion:
        """Save a JSON version (see :func:`save_json_version`)."""
        version = save_json_version(
            session=self.session,
            actor=self.actor,
            region=region,
            cycle=cycle,
            stage=stage,
            key=key,
            kind=kind,
            title=title,
            payload=payload,
            schema_name=schema_name,
            schema_version=schema_version,
            code_version=code_version,
            inputs=inputs,
            flow_run_id=flow_run_id,
            task_run_id=task_run_id,
            status=status,
            new_versions=self.new_versions,
        )
        return version

    def save_file(
        self,
        *,
        region: str,
        cycle: int,
        stage: Stage | str,
        key: str,
        kind: str,
        title: str,
        content: bytes | Path,
        media_type: str,
        schema_name: str,
        schema_version: str,
        code_version: str,
        inputs: Sequence[ArtefactVersion | LineageRef] = (),
        flow_run_id: str | None = None,
        task_run_id: str | None = None,
        status: VersionStatus | str = VersionStatus.DRAFT,
    ) -> ArtefactVersion:
        """Save a file version as a content-addressed blob (see :func:`save_file_version`)."""
        version = save_file_version(
            session=self.session,
            blobs=self.store.blobs,
            actor=self.actor,
            region=region,
            cycle=cycle,
            stage=stage,
            key=key,
            kind=kind,
            title=title,
            content=content,
            media_type=media_type,
            schema_name=schema_name,
            schema_version=schema_version,
            code_version=code_version,
            inputs=inputs,
            flow_run_id=flow_run_id,
            task_run_id=task_run_id,
            status=status,
            new_blobs=self.new_blobs,
            new_versions=self.new_versions,
        )
        return version

    def lock_round(self, *, region: str, cycle: int, stage: Stage | str) -> None:
        """Serialise this transaction with every other writer of one stage round (PostgreSQL).

        Taken first, before any row or blob lock: a round's persist and its decisions lock the
        same artefact rows in different orders (lineage order, id order), which on PostgreSQL can
        deadlock two writers of one round; one at a time per round they cannot. SQLite's write lock
        already serialises every writer.
        """
        if _is_postgres(self.session):
            name = f"round:{region}:{cycle}:{Stage(stage).value}"
            self.session.execute(
                text("SELECT pg_advisory_xact_lock(:k)"), {"k": int(sha256_hex(name.encode())[:15], 16)}
            )

    def note_awaited(self, version: ArtefactVersion, *, details: dict[str, Any]) -> None:
        """Log that a flow run waits for the body's decision on ``version`` (``decision.awaited``).

        ``details`` name the run and how it waits (flow run id, gate, pause key), so a decision
        recorded from outside the run can find it rather than write around it.
        """
        _audit(
            self.session,
            actor=self.actor,
            action="decision.awaited",
            artefact_id=version.artefact_id,
            version_id=version.id,
            details=details,
        )

    def set_status(
        self, version: ArtefactVersion | uuid.UUID, status: VersionStatus | str, *, reason: str | None = None
    ) -> None:
        """Change a version's status (see :func:`set_version_status`); updates ``version`` too."""
        set_version_status(session=self.session, actor=self.actor, version=version, status=status, reason=reason)

    def record_decision(
        self,
        version: ArtefactVersion | uuid.UUID,
        *,
        body: str,
        outcome: DecisionOutcome | str,
        meeting_date: dt.date,
        section: str,
        decision_number: str | None,
        comments: str,
        recorded_by: str,
        flow_run_id: str | None = None,
    ) -> Decision:
        """Record a decision on a proposed version (see :func:`record_decision`)."""
        return record_decision(
            session=self.session,
            actor=self.actor,
            version=version,
            body=body,
            outcome=outcome,
            meeting_date=meeting_date,
            section=section,
            decision_number=decision_number,
            comments=comments,
            recorded_by=recorded_by,
            flow_run_id=flow_run_id,
        )

    def _discard_new_blobs(
        self, session: Session, *, exclude: Sequence[uuid.UUID], only: Sequence[str] | None = None
    ) -> None:
        """Delete the new blobs (or those of them in ``only``) that no version outside ``exclude`` references.

        Called while the transaction (and its locks) is still open, so no other writer can
        start referencing a file between the check and the deletion.
        """
        for relative in self.new_blobs if only is None else only:
            statement = select(ArtefactVersion.id).where(ArtefactVersion.file_path == relative)
            if exclude:
                statement = statement.where(col(ArtefactVersion.id).not_in(list(exclude)))
            if session.exec(statement.limit(1)).first() is None:
                self.store.blobs.delete(relative)


class Store:
    """The artefact store: a database (SQLite file or PostgreSQL) and a blob folder.

    Use :meth:`transaction` for writes (one unit of work, all or nothing) and :meth:`session`
    or the read helpers for reads. Objects returned stay readable after their session closes.
    """

    def __init__(self, url: str, blob_dir: Path, *, auto_migrate: bool = True) -> None:
        """Open the store at ``url``; the schema is migrated to head on first use unless
        ``auto_migrate`` is False."""
        self.url = url
        self.engine: Engine = make_engine(url)
        self._read_engine = read_engine(self.engine)
        self.blobs = BlobStore(blob_dir)
        self._auto_migrate = auto_migrate
        self._migrated = False
        self._migrate_lock = threading.Lock()
        self._swept = False

    @classmethod
    def from_settings(cls) -> Store:
        """The store configured by :func:`soteflow.settings.get_settings`."""
        from soteflow.settings import get_settings

        settings = get_settings()
        return cls(settings.store_url, settings.blob_dir)

    def migrate(self) -> None:
        """Upgrade the schema to the latest migration (a no-op when it is current)."""
        with self._migrate_lock:
            migrate(self.engine)
            self._migrated = True

    def is_new(self) -> bool:
        """Whether nothing was ever stored here: no database yet (SQLite: no file) or no schema.
        Asked without creating or migrating anything, so a read that finds nothing changes nothing."""
        url = self.engine.url
        database = url.database
        if (
            url.get_backend_name() == "sqlite"
            and database not in (None, "", ":memory:")
            and not Path(database).exists()
        ):
            return True
        from sqlalchemy import inspect

        return not inspect(self.engine).has_table(Artefact.__tablename__)

    def _ensure_migrated(self) -> None:
        if self._auto_migrate and not self._migrated:
            self.migrate()

    def close(self) -> None:
        """Release the engine's connections."""
        self.engine.dispose()

    @contextmanager
    def transaction(self, *, actor: str) -> Iterator[StoreTransaction]:
        """One unit of work by ``actor``: committed when the block ends, undone if it raises.

        Undoing removes every version, decision and audit row written in the block and every
        blob file the block newly created that no committed version references.
        """
        self._ensure_migrated()
        self._sweep_once(actor)
        session = Session(self.engine, expire_on_commit=False)
        tx = StoreTransaction(self, session, actor)
        committing = False
        try:
            yield tx
            committing = True
            session.commit()
        except BaseException:
            if committing:
                # The commit itself failed: the transaction is gone; check references
                # again in a fresh locked transaction.
                session.rollback()
                self._discard_after_failed_commit(tx)
            else:
                try:
                    session.flush()
                except Exception:
                    session.rollback()
                    self._discard_after_failed_commit(tx)
                else:
                    try:
                        tx._discard_new_blobs(session, exclude=tx.new_versions)
                    finally:
                        session.rollback()
            raise
        finally:
            session.close()

    def _sweep_once(self, actor: str) -> None:
        """Before this store's first write: remove what an earlier crash left in the blob folder."""
        if self._swept:
            return
        self._swept = True
        with self.session() as session:
            if not find_leftovers(session=session, blobs=self.blobs):
                return
        self.remove_leftovers(actor=actor)

    def leftovers(self) -> Leftovers:
        """The orphan blob files and temporary files in the blob folder now."""
        with self.session() as session:
            return find_leftovers(session=session, blobs=self.blobs)

    def remove_leftovers(self, *, actor: str) -> Leftovers:
        """Remove orphan blob files and temporary files (see :func:`remove_leftovers`)."""
        self._swept = True
        with self.transaction(actor=actor) as tx:
            return remove_leftovers(session=tx.session, blobs=self.blobs, actor=actor)

    def _discard_after_failed_commit(self, tx: StoreTransaction) -> None:
        # One short transaction per file: it holds one blob lock while it waits for nothing else,
        # so it cannot close a cycle with writers that take several in their own order.
        for relative in tx.new_blobs:
            with Session(self.engine) as session:
                _lock_blob(session, relative.rsplit("/", 1)[-1])
                # Touch the database so SQLite's BEGIN IMMEDIATE takes the write lock first.
                session.exec(select(func.count()).select_from(ArtefactVersion)).one()
                tx._discard_new_blobs(session, exclude=(), only=(relative,))
                session.commit()

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A read-only session (SQLite: deferred BEGIN, so it never waits for writers)."""
        self._ensure_migrated()
        # Closing (not rolling back) ends the read transaction without expiring the loaded
        # rows, so they stay readable after the block; the pool rolls the connection back.
        with Session(self._read_engine, expire_on_commit=False) as session:
            yield session

    # Read helpers --------------------------------------------------------------------------

    def latest(
        self, region: str, cycle: int, key: str, status: VersionStatus | str | None = None
    ) -> ArtefactVersion | None:
        """The latest version of an artefact (optionally with ``status``), or None."""
        with self.session() as session:
            return latest_version(session=session, region=region, cycle=cycle, key=key, status=status)

    def get_version(self, version_id: uuid.UUID) -> ArtefactVersion:
        """The version with this id (raises :class:`NotFoundError`)."""
        with self.session() as session:
            return get_version(session=session, version_id=version_id)

    def get_artefact(self, artefact_id: uuid.UUID) -> Artefact:
        """The artefact with this id (raises :class:`NotFoundError`)."""
        with self.session() as session:
            return get_artefact(session=session, artefact_id=artefact_id)

    def history(self, region: str, cycle: int, key: str) -> list[ArtefactVersion]:
        """Every version of an artefact, oldest first."""
        with self.session() as session:
            return version_history(session=session, region=region, cycle=cycle, key=key)

    def list_artefacts(
        self, region: str | None = None, cycle: int | None = None, stage: Stage | str | None = None
    ) -> list[Artefact]:
        """Artefacts, filtered by region, cycle and stage."""
        with self.session() as session:
            return list_artefacts(session=session, region=region, cycle=cycle, stage=stage)

    def decisions_for(self, version_id: uuid.UUID) -> list[Decision]:
        """The decisions recorded on a version."""
        with self.session() as session:
            return decisions_for(session=session, version_id=version_id)

    def lineage(self, version_id: uuid.UUID) -> list[LineageRef]:
        """The versions a version was computed from, transitively, nearest first."""
        with self.session() as session:
            return lineage(session=session, version_id=version_id)

    def audit_events(self, *, artefact_id: uuid.UUID | None = None) -> list[AuditEvent]:
        """The audit log (optionally of one artefact), oldest first."""
        with self.session() as session:
            statement = select(AuditEvent)
            if artefact_id is not None:
                statement = statement.where(AuditEvent.artefact_id == artefact_id)
            return list(session.exec(statement.order_by(col(AuditEvent.seq), col(AuditEvent.at))).all())

    def read_json(self, version: ArtefactVersion) -> Any:
        """The JSON value of a JSON version, hash-checked."""
        return read_json(version)

    def read_file(self, version: ArtefactVersion) -> bytes:
        """The bytes of a file version, re-hashed (raises :class:`StoreIntegrityError`)."""
        if version.file_path is None:
            raise StoreError(f"version {version.id} is JSON, not a file")
        return self.blobs.read(version.file_path, version.sha256)

    def export_version(self, version: ArtefactVersion, dest_dir: Path) -> Path:
        """Write a version under a readable name ``<key>-v<version>.<ext>`` in ``dest_dir``."""
        with self.session() as session:
            return export_version(session=session, blobs=self.blobs, version=version, dest_dir=dest_dir)
