"""The 25 tampering classes of issue 15: ``verify`` detects each one and names what changed.

The store is a small cycle as the engine writes it: stage 1 returned once and approved on its
second round (two versions of every artefact), stage 2 approved on stage 1's approved proposal,
and an artefact nothing cites with two versions. An anchor is taken, then one class of tampering
is applied. Classes 1–12 were already detected before the issue; 13–25 are what it found
undetected. Where the attacker recomputes every hash (``forge``) only the anchor can tell, and the
test shows that too: without the anchor such a store verifies.

A decision document is an anchor too: it embeds the store point of the proposal it presents (the
root as of the audit event that wrote it). The consistent rewrites of anything written at or before
that event (classes 15, 16, 18 for the approved stage-1 proposal's document) are found against the
document alone; those of later writes (13, 14) need an anchor taken after them, or a later document.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest

from soteflow.stagekit import record_decision
from soteflow.store import ArtefactVersion, Store, verify
from soteflow.store.integrity import Anchor, audit_event_hash
from soteflow.store.verify import make_anchor, store_point
from tests.store.factories import decision, propose_round, save_json
from tests.store.tampering import forge, hex_id, sql

REGION, CYCLE = "HVA08", 2026


def _build(store: Store) -> None:
    first = propose_round(store, content=1)
    record_decision(store=store, persisted=first, decision=decision("returned"))
    second = propose_round(store, content=2)
    record_decision(store=store, persisted=second, decision=decision("approved"))
    needs_proposal = store.get_version(second.proposal.version_id)
    targets = propose_round(store, stage="targets", basis=[needs_proposal])
    record_decision(store=store, persisted=targets, decision=decision("approved", section="102"))
    with store.transaction(actor="flow:targets") as tx:
        save_json(tx, {"note": 1}, key="targets-note", stage="targets", cycle=CYCLE)
        save_json(tx, {"note": 2}, key="targets-note", stage="targets", cycle=CYCLE)


def _v(store: Store, key: str, version: int) -> ArtefactVersion:
    [found] = [v for v in store.history(REGION, CYCLE, key) if v.version == version]
    return found


def _set(store: Store, key: str, number: int, /, **columns: object) -> None:
    """Set columns of version ``number`` of ``key`` (positional-only: ``version`` is a column too)."""
    assignments = ", ".join(f"{name} = :{name}" for name in columns)
    row = hex_id(_v(store, key, number).id)
    assert sql(store, f"UPDATE artefact_version SET {assignments} WHERE id = :id", id=row, **columns)


def _decision_of(store: Store, key: str, version: int) -> str:
    [found] = store.decisions_for(_v(store, key, version).id)
    return hex_id(found.id)


def _blob(store: Store, key: str, version: int) -> Path:
    return store.blobs.path_for(_v(store, key, version).file_path or "")


def _last_event(store: Store) -> tuple[int, str]:
    last = store.audit_events()[-1]
    assert last.seq is not None and last.hash is not None
    return last.seq, last.hash


# The tampering, one function per class --------------------------------------------------------


def t01_payload_edited(store: Store) -> None:
    _set(store, "needs-index", 2, payload='{"rows":9}')


def t02_payload_respelled(store: Store) -> None:
    _set(store, "needs-index", 2, payload='{"rows": 2}')


def t03_blob_replaced(store: Store) -> None:
    _blob(store, "needs-decision-pdf", 2).write_bytes(b"%PDF forged")


def t04_blob_deleted(store: Store) -> None:
    _blob(store, "needs-decision-pdf", 2).unlink()


def t05_size_changed(store: Store) -> None:
    _set(store, "needs-index", 1, size=999)


def t06_sha256_replaced(store: Store) -> None:
    _set(store, "needs-index", 1, sha256="0" * 64)


def t07_chain_link_broken(store: Store) -> None:
    _set(store, "needs-index", 2, prev_sha256="f" * 64)


def t08_chain_hash_replaced(store: Store) -> None:
    _set(store, "needs-index", 2, chain_hash="e" * 64)


def t09_version_renumbered(store: Store) -> None:
    _set(store, "needs-proposal", 2, version=5)


def t10_decision_rebound(store: Store) -> None:
    sql(
        store, "UPDATE decision SET sha256 = :h WHERE id = :id", h="1" * 64, id=_decision_of(store, "needs-proposal", 2)
    )


def t11_decision_deleted(store: Store) -> None:
    sql(store, "DELETE FROM decision WHERE id = :id", id=_decision_of(store, "needs-proposal", 2))


def t12_input_rewritten_under_its_users(store: Store) -> None:
    payload = '{"rows":20}'
    from soteflow.store import sha256_hex

    _set(store, "needs-index", 2, payload=payload, sha256=sha256_hex(payload.encode()), size=len(payload))


def t13_newest_version_deleted(store: Store) -> None:
    newest = hex_id(_v(store, "targets-note", 2).id)
    sql(store, "DELETE FROM audit_event WHERE version_id = :id", id=newest)
    sql(store, "DELETE FROM artefact_version WHERE id = :id", id=newest)
    forge(store)


def t14_leaf_rewritten_consistently(store: Store) -> None:
    _set(store, "targets-note", 2, payload='{"note":99}')
    forge(store)


def t15_approved_data_rewritten_consistently(store: Store) -> None:
    _set(store, "needs-index", 2, payload='{"rows":20}')
    forge(store)  # with its decision, its users' lineage references and the audit log


def t16_approved_proposal_rewritten_consistently(store: Store) -> None:
    _set(store, "needs-proposal", 2, payload='{"proposal":"toinen"}')
    forge(store)


def t17_audit_event_changed(store: Store) -> None:
    sql(store, "UPDATE audit_event SET actor = 'joku muu' WHERE seq = 3")


def t18_audit_log_emptied(store: Store) -> None:
    sql(store, "DELETE FROM audit_event")


def t19_audit_event_forged(store: Store) -> None:
    # A well-formed event appended to the chain, claiming the approved proposal was rejected.
    seq, prev_hash = _last_event(store)
    target = _v(store, "needs-proposal", 2)

    forged = SimpleNamespace(
        id="00000000-0000-0000-0000-0000000000ff",
        at="2026-09-08T10:00:00+00:00",
        actor="Sihteeri",
        action="version.status",
        artefact_id=str(target.artefact_id),
        version_id=str(target.id),
        details={"from": "approved", "to": "rejected", "reason": "korjaus"},
    )
    digest = audit_event_hash(forged, seq=seq + 1, prev_hash=prev_hash)
    sql(
        store,
        "INSERT INTO audit_event (id, at, actor, action, artefact_id, version_id, details, seq, prev_hash, hash) "
        "VALUES (:id, '2026-09-08 10:00:00.000000', :actor, :action, :a, :v, :d, :seq, :prev, :hash)",
        id="000000000000000000000000000000ff",
        actor=forged.actor,
        action=forged.action,
        a=target.artefact_id.hex,
        v=target.id.hex,
        d=json.dumps(forged.details),
        seq=seq + 1,
        prev=prev_hash,
        hash=digest,
    )


def t20_decision_outcome_changed(store: Store) -> None:
    sql(store, "UPDATE decision SET outcome = 'rejected' WHERE id = :id", id=_decision_of(store, "needs-proposal", 2))


def t21_status_changed(store: Store) -> None:
    _set(store, "needs-proposal", 2, status="proposed")


def t22_lineage_repointed(store: Store) -> None:
    older = _v(store, "needs-index", 1)  # an existing version, referenced with its own true hash
    ref = {"version_id": str(older.id), "key": "needs-index", "version": 1, "sha256": older.sha256}
    _set(store, "needs-proposal", 2, inputs=json.dumps([ref]))


def t23_created_at_changed(store: Store) -> None:
    _set(store, "needs-proposal", 2, created_at="2020-01-01 00:00:00.000000")


def t24_run_ids_and_code_version_changed(store: Store) -> None:
    _set(store, "needs-index", 2, flow_run_id="forged-run", code_version="0.0.0+forged")


def t25_artefact_key_renamed(store: Store) -> None:
    sql(store, "UPDATE artefact SET key = 'needs-index-old' WHERE key = 'needs-index'")


@dataclass(frozen=True)
class Tampering:
    tamper: Callable[[Store], None]
    #: (artefact key or None for the audit log, problem code) that must be among the problems.
    expected: frozenset[tuple[str | None, str]]
    #: Text the report must contain: what changed, named.
    names: str
    #: Whether the class needs the anchor (a consistent rewrite).
    anchor: bool = False


CLASSES: dict[str, Tampering] = {
    "01-payload-edited": Tampering(
        t01_payload_edited, frozenset({("needs-index", "payload-hash")}), "payload hashes to"
    ),
    "02-payload-respelled": Tampering(
        t02_payload_respelled, frozenset({("needs-index", "payload-canonical")}), "not in canonical form"
    ),
    "03-blob-replaced": Tampering(t03_blob_replaced, frozenset({("needs-decision-pdf", "file-hash")}), "blob file"),
    "04-blob-deleted": Tampering(t04_blob_deleted, frozenset({("needs-decision-pdf", "file-missing")}), "is missing"),
    "05-size-changed": Tampering(t05_size_changed, frozenset({("needs-index", "size")}), "recorded size is 999"),
    "06-sha256-replaced": Tampering(
        t06_sha256_replaced, frozenset({("needs-index", "payload-hash")}), "recorded sha256 is 0000"
    ),
    "07-chain-link-broken": Tampering(
        t07_chain_link_broken, frozenset({("needs-index", "chain-link")}), "prev_sha256 is ffff"
    ),
    "08-chain-hash-replaced": Tampering(
        t08_chain_hash_replaced, frozenset({("needs-index", "chain-hash")}), "chain_hash does not recompute"
    ),
    "09-version-renumbered": Tampering(
        t09_version_renumbered, frozenset({("needs-proposal", "version-gap")}), "version number 5 where 2"
    ),
    "10-decision-rebound": Tampering(
        t10_decision_rebound, frozenset({("needs-proposal", "decision-hash")}), "was made on sha256 1111"
    ),
    "11-decision-deleted": Tampering(
        t11_decision_deleted, frozenset({("needs-proposal", "decision-missing")}), "status approved without a decision"
    ),
    "12-input-rewritten-under-its-users": Tampering(
        t12_input_rewritten_under_its_users,
        frozenset({("needs-proposal", "lineage-hash"), ("needs-index", "audit-mismatch")}),
        "input needs-index v2 no longer has the hash used",
    ),
    "13-newest-version-deleted": Tampering(
        t13_newest_version_deleted,
        frozenset({("targets-note", "anchor-chain")}),
        "the anchor saw 2 versions; the store has 1",
        anchor=True,
    ),
    "14-leaf-rewritten-consistently": Tampering(
        t14_leaf_rewritten_consistently,
        frozenset({("targets-note", "anchor-chain"), (None, "anchor-audit")}),
        "version 2 or an earlier one is not what the anchor saw",
        anchor=True,
    ),
    "15-approved-data-rewritten-consistently": Tampering(
        t15_approved_data_rewritten_consistently,
        frozenset({("needs-index", "anchor-chain"), ("needs-proposal", "anchor-chain"), (None, "anchor-audit")}),
        "not what the anchor saw",
        anchor=True,
    ),
    "16-approved-proposal-rewritten-consistently": Tampering(
        t16_approved_proposal_rewritten_consistently,
        frozenset({("needs-proposal", "anchor-chain"), ("needs-decision-pdf", "anchor-chain")}),
        "not what the anchor saw",
        anchor=True,
    ),
    "17-audit-event-changed": Tampering(
        t17_audit_event_changed, frozenset({(None, "audit-hash")}), "audit log #3: event artefact.created was changed"
    ),
    "18-audit-log-emptied": Tampering(
        t18_audit_log_emptied,
        frozenset({("needs-index", "audit-missing"), ("needs-proposal", "audit-missing"), (None, "anchor-audit")}),
        "the version's creation is not in the audit log",
        anchor=True,
    ),
    "19-audit-event-forged": Tampering(
        t19_audit_event_forged,
        frozenset({("needs-proposal", "status")}),
        "status is approved, the audit log's changes leave it rejected",
    ),
    "20-decision-outcome-changed": Tampering(
        t20_decision_outcome_changed,
        frozenset({("needs-proposal", "decision-record"), ("needs-proposal", "audit-mismatch")}),
        "decision outcome is 'rejected', the audit log (event #",
    ),
    "21-status-changed": Tampering(
        t21_status_changed,
        frozenset({("needs-proposal", "status"), ("needs-proposal", "decision-status")}),
        "status is proposed, the audit log's changes leave it approved",
    ),
    "22-lineage-repointed": Tampering(
        t22_lineage_repointed,
        frozenset({("needs-proposal", "record-hash"), ("needs-proposal", "audit-mismatch")}),
        "lineage is [needs-index v1 (id",
    ),
    "23-created-at-changed": Tampering(
        t23_created_at_changed,
        frozenset({("needs-proposal", "record-hash"), ("needs-proposal", "audit-mismatch")}),
        "version created_at is '2020-01-01T00:00:00+00:00'",
    ),
    "24-run-ids-and-code-version-changed": Tampering(
        t24_run_ids_and_code_version_changed,
        frozenset({("needs-index", "record-hash"), ("needs-index", "audit-mismatch")}),
        "version code_version is '0.0.0+forged'",
    ),
    "25-artefact-key-renamed": Tampering(
        t25_artefact_key_renamed,
        frozenset({("needs-index-old", "record-hash"), ("needs-index-old", "audit-mismatch")}),
        "artefact key is 'needs-index-old', the audit log (event #",
    ),
}


@pytest.fixture
def anchored(store: Store) -> tuple[Store, Anchor]:
    """The cycle's store, verified, and the anchor taken of it."""
    _build(store)
    report = verify(store)
    assert report.ok and not report.warnings, report.problems
    return store, make_anchor(store, signed_off_by="Pöytäkirjanpitäjä")


def test_there_are_25_classes() -> None:
    assert len(CLASSES) == 25


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_tampering_is_detected_and_named(name: str, anchored: tuple[Store, Anchor]) -> None:
    store, anchor = anchored
    case = CLASSES[name]
    case.tamper(store)
    report = verify(store, anchor=anchor if case.anchor else None)
    found = {(p.key, p.code) for p in report.problems}
    assert case.expected <= found, sorted(found, key=str)
    text = "\n".join(str(p) for p in report.problems)
    assert case.names in text, text
    assert not report.ok
    if case.anchor and name != "18-audit-log-emptied":
        # Consistent: without the anchor nothing would tell.
        assert verify(store).ok, verify(store).problems


@pytest.mark.parametrize(
    "name", ["20-decision-outcome-changed", "22-lineage-repointed", "23-created-at-changed", "25-artefact-key-renamed"]
)
def test_the_same_edits_with_every_hash_recomputed_are_found_by_the_anchor(
    name: str, anchored: tuple[Store, Anchor]
) -> None:
    store, anchor = anchored
    CLASSES[name].tamper(store)
    forge(store)
    codes = {p.code for p in verify(store, anchor=anchor).problems}
    assert {"anchor-audit", "anchor-chain"} & codes, codes


def test_a_naive_deletion_of_the_newest_version_is_found_without_an_anchor(anchored: tuple[Store, Anchor]) -> None:
    store, _ = anchored
    sql(store, "DELETE FROM artefact_version WHERE id = :id", id=hex_id(_v(store, "targets-note", 2).id))
    problems = [p for p in verify(store).problems if p.code == "audit-orphan"]
    assert problems and all(p.key == "targets-note" for p in problems)
    assert "version 2 (targets-note) created in event #" in str(problems[0])


def test_an_untouched_store_matches_its_anchor_and_later_writes_do_not_break_it(
    anchored: tuple[Store, Anchor],
) -> None:
    store, anchor = anchored
    assert anchor.recomputed_root() == anchor.root == verify(store).root
    with store.transaction(actor="flow:targets") as tx:
        save_json(tx, {"note": 3}, key="targets-note", stage="targets", cycle=CYCLE)
    report = verify(store, anchor=anchor)
    assert report.ok and report.anchor_checked, report.problems
    assert report.root != anchor.root  # the store moved on; the anchored part is intact


#: The consistent rewrites the decision document of the approved needs-proposal v2 finds by itself,
#: with (artefact key or None, problem code) that must be among the problems. The others of
#: CLASSES needing an anchor rewrite what was written after the document's event.
FOUND_BY_THE_DOCUMENT: dict[str, frozenset[tuple[str | None, str]]] = {
    "15-approved-data-rewritten-consistently": frozenset(
        {(None, "document-audit"), (None, "document-root"), ("needs-index", "document-chain")}
    ),
    "16-approved-proposal-rewritten-consistently": frozenset(
        {(None, "document-audit"), ("needs-proposal", "document-version"), ("needs-proposal", "document-chain")}
    ),
    "18-audit-log-emptied": frozenset({(None, "document-audit"), (None, "document-root")}),
}


@pytest.mark.parametrize("name", sorted(n for n, c in CLASSES.items() if c.anchor))
def test_the_decision_document_is_the_anchor_of_what_was_written_before_it(
    name: str, anchored: tuple[Store, Anchor]
) -> None:
    store, _ = anchored
    with store.session() as session:
        document = store_point(session, _v(store, "needs-proposal", 2).id)
    assert document is not None
    assert verify(store, document=document).ok
    CLASSES[name].tamper(store)
    report = verify(store, document=document)
    found = {(p.key, p.code) for p in report.problems if p.code.startswith("document-")}
    if name in FOUND_BY_THE_DOCUMENT:
        assert FOUND_BY_THE_DOCUMENT[name] <= found, report.problems
        assert "the document (needs-proposal v2, event #" in "\n".join(str(p) for p in report.problems)
    else:
        # Written after the document's event: the document cannot tell, an anchor taken later can.
        assert not found, report.problems
