"""verify(): tampering with the database or a blob file is found and named."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text

from soteflow.store import Store, StoreIntegrityError, verify
from soteflow.store.verify import make_anchor, store_point
from tests.store.factories import save_file, save_json


def _populate(store: Store) -> dict[str, object]:
    with store.transaction(actor="flow") as tx:
        v1 = save_json(tx, {"n": 1})
        v2 = save_json(tx, {"n": 2}, status="proposed")
        pdf = save_file(tx, b"%PDF-original")
        tx.record_decision(
            v2,
            body="aluehallitus",
            outcome="approved",
            meeting_date=dt.date(2025, 3, 10),
            section="42",
            decision_number=None,
            comments="",
            recorded_by="r",
        )
    return {"v1": v1, "v2": v2, "pdf": pdf}


def _sql(store: Store, statement: str, **params: object) -> None:
    with store.engine.begin() as conn:
        conn.execute(text(statement), params)


def test_clean_store_verifies(store: Store) -> None:
    _populate(store)
    report = verify(store)
    assert report.ok, report.problems
    assert (report.artefacts, report.versions, report.decisions, report.blobs) == (2, 3, 1, 1)
    assert report.orphan_blobs == []
    report.raise_for_problems()
    assert report.summary().startswith("OK:")


def test_edited_payload_is_named(store: Store) -> None:
    v = _populate(store)
    _sql(
        store,
        "UPDATE artefact_version SET payload = :p WHERE version = 1 AND payload IS NOT NULL",
        p='{"n":9}',
    )
    report = verify(store)
    found = {(p.key, p.version, p.code) for p in report.problems}
    assert ("needs-profile", 1, "payload-hash") in found
    # Canonical-but-different text keeps the shape; a spelling change is named too:
    _sql(
        store,
        "UPDATE artefact_version SET payload = :p WHERE version = 1 AND payload IS NOT NULL",
        p='{"n": 1}',
    )
    codes = {p.code for p in verify(store).problems if p.key == "needs-profile" and p.version == 1}
    assert codes == {"payload-canonical", "payload-hash", "size"}
    with pytest.raises(StoreIntegrityError, match="needs-profile v1"):
        verify(store).raise_for_problems()
    assert v  # populated


def test_tampered_blob_file_is_named(store: Store) -> None:
    pdf = _populate(store)["pdf"]
    path = store.blobs.path_for(pdf.file_path)  # type: ignore[attr-defined]
    path.write_bytes(b"%PDF-forged")
    problems = [p for p in verify(store).problems if p.code == "file-hash"]
    assert [(p.key, p.version) for p in problems] == [("needs-proposal", 1)]
    assert pdf.file_path in problems[0].message  # type: ignore[attr-defined]


def test_missing_and_orphan_blob_files(store: Store) -> None:
    pdf = _populate(store)["pdf"]
    store.blobs.path_for(pdf.file_path).unlink()  # type: ignore[attr-defined]
    orphan_sha, orphan, _ = store.blobs.write(b"left by a crash")
    report = verify(store)
    assert [(p.key, p.code) for p in report.problems] == [("needs-proposal", "file-missing")]
    assert report.orphan_blobs == [orphan] and orphan.endswith(orphan_sha)


def test_broken_chain_and_rebound_decision_are_named(store: Store) -> None:
    _populate(store)
    _sql(store, "UPDATE artefact_version SET prev_sha256 = :h WHERE version = 2", h="0" * 64)
    _sql(store, "UPDATE decision SET sha256 = :h", h="1" * 64)
    found = {(p.key, p.version, p.code) for p in verify(store).problems}
    assert ("needs-profile", 2, "chain-link") in found
    assert ("needs-profile", 2, "decision-hash") in found


def test_renumbered_version_is_named(store: Store) -> None:
    _populate(store)
    _sql(store, "UPDATE artefact_version SET version = 5 WHERE version = 2")
    found = {(p.key, p.version, p.code) for p in verify(store).problems}
    assert ("needs-profile", 5, "version-gap") in found


def test_status_without_decision_is_named(store: Store, tmp_path: Path) -> None:
    _populate(store)
    _sql(store, "UPDATE artefact_version SET status = 'approved' WHERE version = 1 AND payload IS NOT NULL")
    found = {(p.key, p.version, p.code) for p in verify(store).problems}
    # No decision bound to it, and no status change in the audit log that leads there.
    assert found == {("needs-profile", 1, "decision-missing"), ("needs-profile", 1, "status")}


def test_the_store_point_of_a_proposal_is_the_same_inside_its_transaction_and_after(store: Store) -> None:
    """Inside the writing transaction the proposal's audit events are not sealed yet: the point
    computes their numbers and hashes as the seal will, so a document rendered then prints the
    point every later reader recomputes — and the root an anchor taken right after that event shows."""
    with store.transaction(actor="flow") as tx:
        save_json(tx, {"n": 0}, key="needs-other")
    with store.transaction(actor="flow") as tx:
        table = save_json(tx, {"n": 1}, key="needs-index")
        proposal = save_json(tx, {"n": 2}, key="needs-proposal", kind="proposal", inputs=[table])
        inside = store_point(tx.session, proposal.id)
    anchor = make_anchor(store)  # the proposal's creation is the last event so far
    with store.transaction(actor="flow") as tx:
        save_json(tx, {"n": 3}, key="needs-index")  # a later write
        tx.set_status(proposal, "proposed")
    with store.session() as session:
        after = store_point(session, proposal.id)
    assert inside is not None and inside == after
    assert (inside.event, inside.audit_head, inside.root) == (anchor.audit_events, anchor.audit_head, anchor.root)
    assert [(c.artefact, c.versions) for c in inside.basis] == [
        ("HVA08/2025/needs-index", 1),
        ("HVA08/2025/needs-proposal", 1),
    ]
    report = verify(store, document=inside)
    assert report.ok and report.document_checked, report.problems
    assert report.summary().endswith("document matches")
