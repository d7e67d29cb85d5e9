"""What an attacker with write access to the database and the blob folder can do (test helpers).

:func:`sql` edits the database the way its shell does (foreign keys off), on SQLite or PostgreSQL.
:func:`forge` is the capable attacker: after an edit it recomputes every hash the store keeps —
content hashes, both chains, lineage references, decisions, the audit log's details and its hash
chain — with the store's own formulas, so the store is consistent again and only an anchor taken
before the edit can tell.
"""

from __future__ import annotations

import sqlite3
import uuid
from typing import Any

from sqlmodel import Session, col, select

from soteflow.store import Artefact, ArtefactVersion, AuditEvent, Decision, Store, chain_hash_of, sha256_hex
from soteflow.store.integrity import audit_event_hash, decision_record_hash, version_record_hash


def sql(store: Store, statement: str, **params: Any) -> int:
    """Run one statement on the store's database with foreign keys off; the rows it changed.

    SQLite: on the file, as the ``sqlite3`` shell does. PostgreSQL: a session whose
    ``session_replication_role`` is ``replica`` (no foreign-key triggers), as a superuser can.
    """
    if store.engine.dialect.name == "postgresql":
        from sqlalchemy import text

        with store.engine.begin() as connection:
            connection.execute(text("SET LOCAL session_replication_role = replica"))
            changed: int = connection.execute(text(statement), params).rowcount
        return changed
    database = store.engine.url.database
    assert database is not None
    conn = sqlite3.connect(database)
    try:
        changed = conn.execute(statement, params).rowcount
        conn.commit()
    finally:
        conn.close()
    return changed


def hex_id(value: uuid.UUID) -> str:
    """A UUID as SQLite stores it (32 hex digits)."""
    return value.hex


def forge(store: Store) -> None:
    """Make the store consistent again after an edit: recompute every hash and re-chain the log."""
    with Session(store.engine) as session:
        artefacts = {a.id: a for a in session.exec(select(Artefact)).all()}
        versions = list(
            session.exec(
                select(ArtefactVersion).order_by(col(ArtefactVersion.artefact_id), col(ArtefactVersion.version))
            ).all()
        )
        by_id = {v.id: v for v in versions}
        previous: dict[uuid.UUID, ArtefactVersion | None] = {}
        by_artefact: dict[uuid.UUID, list[ArtefactVersion]] = {}
        for v in versions:
            chain = by_artefact.setdefault(v.artefact_id, [])
            previous[v.id] = chain[-1] if chain else None
            chain.append(v)
        done: set[uuid.UUID] = set()

        def settle(v: ArtefactVersion) -> None:
            # Inputs and the previous version first: their hashes go into this one's.
            if v.id in done:
                return
            done.add(v.id)
            prev = previous[v.id]
            if prev is not None:
                settle(prev)
            refs = []
            for raw in v.inputs:
                source = by_id.get(uuid.UUID(raw["version_id"]))
                if source is not None:
                    settle(source)
                    raw = {
                        **raw,
                        "sha256": source.sha256,
                        "version": source.version,
                        "key": artefacts[source.artefact_id].key,
                    }
                refs.append(raw)
            v.inputs = refs
            if v.payload is not None:
                data = v.payload.encode("utf-8")
                v.sha256, v.size = sha256_hex(data), len(data)
            v.prev_sha256 = prev.sha256 if prev else None
            v.chain_hash = chain_hash_of(prev.chain_hash if prev else None, v.sha256)
            v.record_hash = version_record_hash(artefacts[v.artefact_id], v, prev.record_hash if prev else None)
            session.add(v)

        for v in versions:
            settle(v)
        decisions = {str(d.id): d for d in session.exec(select(Decision)).all()}
        for d in decisions.values():
            d.sha256 = by_id[d.version_id].sha256
            d.record_hash = decision_record_hash(d)
            session.add(d)
        events = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq))).all())
        for event in events:
            event.details = _details_as_stored(event, artefacts, by_id, decisions)
            event.seq = -(event.seq or 0) - 1_000_000  # out of the way of the unique index while renumbering
            session.add(event)
        session.flush()
        prev_hash: str | None = None
        for seq, event in enumerate(events, start=1):
            event.seq, event.prev_hash = seq, prev_hash
            event.hash = audit_event_hash(event, seq=seq, prev_hash=prev_hash)
            prev_hash = event.hash
            session.add(event)
        session.commit()


def _details_as_stored(
    event: AuditEvent,
    artefacts: dict[uuid.UUID, Artefact],
    versions: dict[uuid.UUID, ArtefactVersion],
    decisions: dict[str, Decision],
) -> dict[str, Any]:
    details = dict(event.details)
    if event.action == "artefact.created" and event.artefact_id in artefacts:
        a = artefacts[event.artefact_id]
        details.update(region=a.region, cycle=a.cycle, stage=a.stage, key=a.key, kind=a.kind, title=a.title)
    elif event.action == "version.created" and event.version_id in versions:
        v = versions[event.version_id]
        details.update(
            key=artefacts[v.artefact_id].key,
            version=v.version,
            sha256=v.sha256,
            size=v.size,
            file_path=v.file_path,
            prev_sha256=v.prev_sha256,
            chain_hash=v.chain_hash,
            code_version=v.code_version,
            inputs=v.inputs,
            flow_run_id=v.flow_run_id,
            task_run_id=v.task_run_id,
            created_at=v.created_at.isoformat(),
            record_hash=v.record_hash,
        )
    elif event.action == "decision.recorded" and str(details.get("decision_id")) in decisions:
        d = decisions[str(details["decision_id"])]
        details.update(
            outcome=d.outcome.value,
            sha256=d.sha256,
            body=d.body,
            section=d.section,
            comments=d.comments,
            recorded_by=d.recorded_by,
            record_hash=d.record_hash,
        )
    return details
