"""Repository semantics: versions, idempotence, hash chain, life cycle, rollback, lineage, export."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pydantic import BaseModel
from sqlmodel import select

from schemas.stages import Stage
from soteflow.settings import get_settings
from soteflow.store import (
    Artefact,
    ArtefactMismatchError,
    ArtefactVersion,
    AuditEvent,
    Decision,
    InvalidTransitionError,
    LineageRef,
    NotFoundError,
    Store,
    StoreIntegrityError,
    VersionStatus,
    chain_hash_of,
    session_scope,
    sha256_hex,
)
from tests.store.factories import save_file, save_json

MEETING = dt.date(2025, 3, 10)


def _decide(store: Store, version: ArtefactVersion, outcome: str) -> Decision:
    with store.transaction(actor="secretary") as tx:
        return tx.record_decision(
            version,
            body="aluehallitus",
            outcome=outcome,
            meeting_date=MEETING,
            section="42",
            decision_number="AH/42/2025",
            comments="",
            recorded_by="Pöytäkirjanpitäjä",
        )


def _count(store: Store, model: type[Artefact] | type[ArtefactVersion] | type[AuditEvent] | type[Decision]) -> int:
    with store.session() as session:
        return len(session.exec(select(model)).all())


def test_versions_are_numbered_and_hash_chained(store: Store) -> None:
    with store.transaction(actor="flow") as tx:
        v1 = save_json(tx, {"n": 1})
    with store.transaction(actor="flow") as tx:
        v2 = save_json(tx, {"n": 2})
        v3 = save_json(tx, {"n": 3})
    assert [v1.version, v2.version, v3.version] == [1, 2, 3]
    assert v1.prev_sha256 is None
    assert v2.prev_sha256 == v1.sha256 and v3.prev_sha256 == v2.sha256
    assert v1.sha256 == sha256_hex(b'{"n":1}') and v1.payload == '{"n":1}'
    assert v1.chain_hash == chain_hash_of(None, v1.sha256)
    assert v3.chain_hash == chain_hash_of(v2.chain_hash, v3.sha256)
    assert [v.version for v in store.history("HVA08", 2025, "needs-profile")] == [1, 2, 3]


def test_identical_content_returns_existing_version(store: Store) -> None:
    class Profile(BaseModel):
        b: int
        a: str

    with store.transaction(actor="flow") as tx:
        first = save_json(tx, Profile(b=1, a="x"))
    with store.transaction(actor="flow-again") as tx:
        again = save_json(tx, {"a": "x", "b": 1})  # same value as a dict, other key order
    assert again.id == first.id and again.version == 1
    assert _count(store, ArtefactVersion) == 1
    actions = [e.action for e in store.audit_events()]
    assert actions.count("version.created") == 1
    assert actions.count("version.reused") == 1


def test_created_at_is_aware_utc_after_reload(store: Store) -> None:
    with store.transaction(actor="flow") as tx:
        v = save_json(tx, {"n": 1})
    loaded = store.get_version(v.id)
    assert loaded.created_at.tzinfo is not None
    assert loaded.created_at.utcoffset() == dt.timedelta(0)
    assert abs(loaded.created_at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=1)


def test_metadata_and_lookup_helpers(store: Store) -> None:
    with store.transaction(actor="flow") as tx:
        v = save_json(tx, [1, 2], flow_run_id="fr-1", task_run_id="tr-1", stage=Stage.NEEDS)
        save_json(tx, {"t": 1}, key="targets-set", stage=Stage.TARGETS)
        save_json(tx, {"t": 1}, key="needs-profile", region="HVA06")
    assert (v.flow_run_id, v.task_run_id, v.media_type, v.schema_name) == (
        "fr-1",
        "tr-1",
        "application/json",
        "NeedsProfile",
    )
    assert {a.key for a in store.list_artefacts(region="HVA08")} == {"needs-profile", "targets-set"}
    assert [a.key for a in store.list_artefacts(stage=Stage.TARGETS)] == ["targets-set"]
    assert len(store.list_artefacts(cycle=2025)) == 3
    assert store.latest("HVA08", 2025, "missing") is None
    with pytest.raises(NotFoundError):
        store.get_version(v.artefact_id)  # an artefact id is not a version id


def test_key_names_one_stage_and_kind(store: Store) -> None:
    with store.transaction(actor="flow") as tx:
        save_json(tx, {"n": 1})
    with pytest.raises(ArtefactMismatchError), store.transaction(actor="flow") as tx:
        save_json(tx, {"n": 2}, stage="targets")


@pytest.mark.parametrize("key", ["Needs", "needs_profile", "needs profile", "-x", ""])
def test_invalid_keys_refused(store: Store, key: str) -> None:
    with pytest.raises(ValueError, match="key"), store.transaction(actor="flow") as tx:
        save_json(tx, {"n": 1}, key=key)


def test_decision_life_cycle_and_superseding(store: Store) -> None:
    with store.transaction(actor="flow") as tx:
        v1 = save_json(tx, {"n": 1}, status="proposed")
    decision = _decide(store, v1, "approved")
    assert decision.sha256 == v1.sha256 and decision.outcome == "approved"
    assert store.get_version(v1.id).status is VersionStatus.APPROVED

    with store.transaction(actor="flow") as tx:
        v2 = save_json(tx, {"n": 2})
        tx.set_status(v2, "proposed", reason="ready for the board")
    assert v2.status is VersionStatus.PROPOSED
    _decide(store, v2, "approved")
    assert store.get_version(v1.id).status is VersionStatus.SUPERSEDED
    assert store.get_version(v2.id).status is VersionStatus.APPROVED
    assert store.latest("HVA08", 2025, "needs-profile", status="approved") == store.get_version(v2.id)
    assert [d.section for d in store.decisions_for(v2.id)] == ["42"]
    recorded = store.decisions_for(v2.id)[0].recorded_at
    assert recorded.tzinfo is not None and recorded.utcoffset() == dt.timedelta(0)


def test_returned_and_rejected_are_final(store: Store) -> None:
    with store.transaction(actor="flow") as tx:
        returned = save_json(tx, {"n": 1}, status="proposed")
        rejected = save_json(tx, {"n": 2}, status="proposed")
    _decide(store, returned, "returned")
    _decide(store, rejected, "rejected")
    for version in (returned, rejected):
        with pytest.raises(InvalidTransitionError), store.transaction(actor="flow") as tx:
            tx.set_status(version, "proposed")


def test_invalid_transitions_refused(store: Store) -> None:
    with store.transaction(actor="flow") as tx:
        draft = save_json(tx, {"n": 1})
    with pytest.raises(InvalidTransitionError, match="record_decision"), store.transaction(actor="x") as tx:
        tx.set_status(draft, "approved")
    with pytest.raises(InvalidTransitionError, match="proposed"):
        _decide(store, draft, "approved")  # only a proposed version can be decided
    with pytest.raises(InvalidTransitionError), store.transaction(actor="x") as tx:
        save_json(tx, {"n": 2}, status="approved")  # a new version cannot start approved
    with store.transaction(actor="x") as tx:
        tx.set_status(draft, "superseded")
    assert store.get_version(draft.id).status is VersionStatus.SUPERSEDED


def test_latest_approved_cannot_be_superseded_by_hand(store: Store) -> None:
    with store.transaction(actor="flow") as tx:
        v1 = save_json(tx, {"n": 1}, status="proposed")
    _decide(store, v1, "approved")
    with pytest.raises(InvalidTransitionError, match="latest approved"), store.transaction(actor="x") as tx:
        tx.set_status(v1, "superseded")


def test_decision_refuses_a_version_whose_hash_changed(store: Store) -> None:
    with store.transaction(actor="flow") as tx:
        v = save_json(tx, {"n": 1}, status="proposed")
    stale = v.model_copy(update={"sha256": "0" * 64})
    with pytest.raises(StoreIntegrityError):
        _decide(store, stale, "approved")
    assert store.decisions_for(v.id) == []


def test_failed_transaction_leaves_no_rows_and_no_new_files(store: Store) -> None:
    with store.transaction(actor="flow") as tx:
        kept = save_file(tx, b"%PDF-kept", key="kept-doc")
    before = {t: _count(store, t) for t in (Artefact, ArtefactVersion, AuditEvent, Decision)}
    blobs_before = set(store.blobs.iter_relative_paths())

    with pytest.raises(RuntimeError, match="stage failed"), store.transaction(actor="flow") as tx:
        v = save_json(tx, {"n": 1}, status="proposed")
        tx.record_decision(
            v,
            body="b",
            outcome="approved",
            meeting_date=MEETING,
            section="1",
            decision_number=None,
            comments="",
            recorded_by="r",
        )
        new_file = save_file(tx, b"%PDF-new")
        save_file(tx, b"%PDF-kept", key="other-doc")  # reuses the committed file
        assert store.blobs.path_for(new_file.file_path or "").exists()
        raise RuntimeError("stage failed")

    assert {t: _count(store, t) for t in before} == before
    assert set(store.blobs.iter_relative_paths()) == blobs_before
    assert store.read_file(kept) == b"%PDF-kept"


def test_file_versions_and_reuse_of_identical_files(store: Store) -> None:
    with store.transaction(actor="flow") as tx:
        a = save_file(tx, b"%PDF-1")
        b = save_file(tx, b"%PDF-1", key="copy-doc")
    assert a.file_path == f"{a.sha256[:2]}/{a.sha256}" and a.payload is None and a.size == 6
    assert a.file_path == b.file_path
    assert list(store.blobs.iter_relative_paths()) == [a.file_path]
    assert store.read_file(a) == b"%PDF-1"


def test_lineage_walks_upward(store: Store) -> None:
    with store.transaction(actor="flow") as tx:
        pop = save_json(tx, {"pop": 1}, key="population")
        needs = save_json(tx, {"needs": 1}, inputs=[pop])
        doc = save_file(
            tx,
            b"%PDF",
            inputs=[needs, LineageRef(version_id=pop.id, key="population", version=1, sha256=pop.sha256)],
        )
    assert doc.inputs[0] == {
        "version_id": str(needs.id),
        "key": "needs-profile",
        "version": 1,
        "sha256": needs.sha256,
    }
    assert [ref.key for ref in store.lineage(doc.id)] == ["needs-profile", "population"]
    assert [ref.version_id for ref in store.lineage(needs.id)] == [pop.id]


def test_lineage_refuses_unknown_or_changed_inputs(store: Store) -> None:
    with store.transaction(actor="flow") as tx:
        pop = save_json(tx, {"pop": 1}, key="population")
    wrong_hash = LineageRef(version_id=pop.id, key="population", version=1, sha256="f" * 64)
    with pytest.raises(StoreIntegrityError), store.transaction(actor="flow") as tx:
        save_json(tx, {"n": 1}, inputs=[wrong_hash])
    unknown = LineageRef(version_id=pop.artefact_id, key="population", version=1, sha256=pop.sha256)
    with pytest.raises(NotFoundError), store.transaction(actor="flow") as tx:
        save_json(tx, {"n": 1}, inputs=[unknown])


def test_export_uses_readable_names(store: Store, tmp_path: Path) -> None:
    with store.transaction(actor="flow") as tx:
        save_json(tx, {"n": 0})
        v = save_json(tx, {"b": 1, "a": "ä"})
        pdf = save_file(tx, b"%PDF-1.7")
    json_path = store.export_version(v, tmp_path / "out")
    assert json_path.name == "needs-profile-v2.json"
    assert json_path.read_text(encoding="utf-8") == '{\n  "a": "ä",\n  "b": 1\n}\n'
    assert json.loads(json_path.read_text(encoding="utf-8")) == {"a": "ä", "b": 1}
    pdf_path = store.export_version(pdf, tmp_path / "out")
    assert pdf_path.name == "needs-proposal-v1.pdf" and pdf_path.read_bytes() == b"%PDF-1.7"


def test_from_settings_uses_soteflow_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOTEFLOW_DATABASE_URL", raising=False)
    monkeypatch.setenv("SOTEFLOW_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()
    try:
        store = Store.from_settings()
        with store.transaction(actor="flow") as tx:
            save_json(tx, {"n": 1})
        store.close()
        assert (tmp_path / "home" / "soteflow.db").exists()
        assert store.blobs.root == tmp_path / "home" / "blobs"
    finally:
        get_settings.cache_clear()


def test_plain_functions_with_session_scope(store: Store) -> None:
    from soteflow.store.repo import latest_version, save_json_version

    store.migrate()
    with session_scope(store.engine) as session:
        v = save_json_version(
            session=session,
            actor="cli",
            region="HVA08",
            cycle=2025,
            stage="needs",
            key="needs-profile",
            kind="table",
            title="T",
            payload={"n": 1},
            schema_name="S",
            schema_version="1",
            code_version="c",
        )
    with store.session() as session:
        assert latest_version(session=session, region="HVA08", cycle=2025, key="needs-profile") == v
