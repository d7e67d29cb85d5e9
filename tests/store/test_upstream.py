"""A stage starts from the approved case of the stage before it, never from a later proposal."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import BaseModel

from schemas.stages import Stage
from soteflow.store import ArtefactVersion, Store
from soteflow.upstream import StageNotApprovedError, approved_case, input_ref, load_payload
from tests.store.factories import save_json


class Table(BaseModel):
    rows: list[int]


def _round(store: Store, rows: list[int], outcome: str | None) -> tuple[ArtefactVersion, ArtefactVersion]:
    """One stage-1 round: a data table and the proposal computed from it, decided with ``outcome``."""
    with store.transaction(actor="test") as tx:
        table = save_json(tx, {"rows": rows}, cycle=2026, key="needs-index")
        proposal = save_json(tx, {"uses": rows}, cycle=2026, key="needs-proposal", kind="proposal", inputs=[table])
        for version in (table, proposal):
            if str(version.status.value) == "draft":
                tx.set_status(version, "proposed")
        if outcome is not None:
            for version in (proposal, table) if outcome == "approved" else (proposal,):
                tx.record_decision(
                    version,
                    body="Aluehallitus",
                    outcome=outcome,
                    meeting_date=dt.date(2026, 9, 7),
                    section="101",
                    decision_number=None,
                    comments="" if outcome == "approved" else "Täydennettävä.",
                    recorded_by="sihteeri",
                )
    return table, proposal


def test_without_an_approved_proposal_the_next_stage_does_not_start(store: Store) -> None:
    with pytest.raises(StageNotApprovedError) as caught:
        approved_case(store, region="HVA08", cycle=2026, stage=Stage.NEEDS)
    assert "stage 1 (needs) has no approved proposal for HVA08, cycle 2026" in caught.value.message
    _round(store, [1, 2], "returned")
    with pytest.raises(StageNotApprovedError):
        approved_case(store, region="HVA08", cycle=2026, stage=Stage.NEEDS)
    assert approved_case(store, region="HVA08", cycle=2026, stage=Stage.NEEDS, required=False) is None


def test_the_approved_round_and_its_inputs_not_a_later_proposal(store: Store) -> None:
    _round(store, [1, 2], "returned")
    table, proposal = _round(store, [1, 2, 3], "approved")
    _round(store, [9], None)  # a newer proposal waiting for its decision is not used
    approved = approved_case(store, region="HVA08", cycle=2026, stage=Stage.NEEDS)
    assert approved is not None
    assert (approved.proposal.version_id, approved.proposal.version) == (proposal.id, 2)
    assert (approved.decision.outcome.value, approved.decision.body) == ("approved", "Aluehallitus")
    assert input_ref(approved, "needs-index").version_id == table.id
    assert load_payload(store, approved, "needs-index", Table) == Table(rows=[1, 2, 3])
    with pytest.raises(Exception, match="was not computed from 'needs-change'"):
        input_ref(approved, "needs-change")


def test_a_report_the_body_noted_stands_like_an_approval(store: Store) -> None:
    # A stage-6 period report is only taken note of (merkitään tiedoksi): the next period builds on it.
    _table, proposal = _round(store, [4], None)
    with store.transaction(actor="test") as tx:
        for version in (proposal, _table):
            tx.record_decision(
                version,
                body="Järjestämisjaosto",
                outcome="noted",
                meeting_date=dt.date(2026, 10, 5),
                section="12",
                decision_number=None,
                comments="",
                recorded_by="sihteeri",
            )
    approved = approved_case(store, region="HVA08", cycle=2026, stage=Stage.NEEDS)
    assert approved is not None and approved.proposal.status == "noted"
    assert approved.decision.outcome.value == "noted"
    _later, later_proposal = _round(store, [5], "approved")
    assert store.get_version(proposal.id).status.value == "superseded"  # a later standing version supersedes it
    assert approved_case(store, region="HVA08", cycle=2026, stage=Stage.NEEDS).proposal.version_id == later_proposal.id  # type: ignore[union-attr]
