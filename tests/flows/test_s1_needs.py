"""Stage 1 end to end under the Prefect test harness: store, lineage, decisions, documents."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from pypdf import PdfReader

from flows.s1_needs import needs_flow
from schemas.decisions import DecisionRecord, Outcome
from schemas.stages import Stage
from soteflow.decide import record_in_store
from soteflow.stagekit import open_store
from soteflow.store.verify import verify

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _versions(result) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return {a.key: a for a in result.artefacts}


def test_approved_stage_stores_versions_with_lineage_and_bound_decisions(tmp_path: Path) -> None:
    result = needs_flow(region="Pirkanmaa", cycle=2026, gate="scripted", out_dir=str(tmp_path / "out"))
    assert result.decision is not None and result.decision.outcome is Outcome.APPROVED
    refs = _versions(result)
    store = open_store()
    proposal = store.get_version(refs["needs-proposal"].version_id)  # type: ignore[attr-defined]
    assert proposal.status.value == "approved"
    assert {i["key"] for i in proposal.inputs} == {
        "needs-profile", "needs-index", "needs-change", "needs-reconciliation", "needs-map-svg",
    }  # fmt: skip
    profile = store.get_version(refs["needs-profile"].version_id)  # type: ignore[attr-defined]
    assert {i["key"] for i in profile.inputs} >= {"needs-source-age", "needs-source-income", "needs-source-map"}
    # The decision is bound to the hash of the version it decides.
    decisions = store.decisions_for(proposal.id)
    assert [(d.outcome.value, d.sha256) for d in decisions] == [("approved", proposal.sha256)]
    assert verify(store).ok
    # The exported document is the stored one and prints the proposal's version and hash.
    pdf_path = tmp_path / "out" / "s1-needs" / "needs-decision-pdf-v1.pdf"
    assert pdf_path.is_file()
    reader = PdfReader(io.BytesIO(pdf_path.read_bytes()))
    text = "".join(page.extract_text() for page in reader.pages)
    assert "Palvelutarvearvio 2026" in text
    assert proposal.sha256 in text.replace("\n", "")
    assert "Aluehallitus päättää hyväksyä Pirkanmaan hyvinvointialueen strategisen" in text.replace("\n", " ")
    attached = reader.attachments["needs-proposal.json"][0]
    assert json.loads(attached)["agenda"]["title"] == "Palvelutarvearvio 2026"
    assert not (tmp_path / "out" / "s1-needs" / "needs-source-age-v1.json").exists()  # inputs stay in the store


def test_returned_proposal_is_prepared_again_with_the_comments(tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.json"
    decisions.write_text(
        json.dumps({"needs": [{"outcome": "returned", "comments": "Lisää ikääntyneiden palvelutarve kunnittain."}]})
    )
    result = needs_flow(region="HVA08", cycle=2026, gate="scripted", decisions_file=str(decisions))
    assert result.rounds == 2
    assert result.decision is not None and result.decision.outcome is Outcome.APPROVED
    store = open_store()
    history = store.history("HVA08", 2026, "needs-proposal")
    assert [(v.version, v.status.value) for v in history] == [(1, "returned"), (2, "approved")]
    second = store.read_json(history[1])
    assert "Lisää ikääntyneiden palvelutarve kunnittain." in json.dumps(second, ensure_ascii=False)
    assert second["agenda"]["earlier_handling"][0]["body"] == "Aluehallitus"
    # Unchanged tables are not written again: both proposals rest on version 1 of the index.
    index_versions = store.history("HVA08", 2026, "needs-index")
    assert [(v.version, v.status.value) for v in index_versions] == [(1, "approved")]
    pdfs = store.history("HVA08", 2026, "needs-decision-pdf")
    assert [v.status.value for v in pdfs] == ["returned", "approved"]
    assert verify(store).ok


def test_rerun_with_identical_inputs_writes_nothing_new() -> None:
    first = needs_flow(region="HVA08", cycle=2026, gate="none")
    second = needs_flow(region="HVA08", cycle=2026, gate="none")
    assert [(a.key, a.version, a.sha256) for a in first.artefacts] == [
        (a.key, a.version, a.sha256) for a in second.artefacts
    ]
    assert first.decision is None and second.decision is None
    store = open_store()
    assert all(len(store.history("HVA08", 2026, a.key)) == 1 for a in second.artefacts)


def test_gate_none_then_decision_recorded_from_the_command_line_side() -> None:
    result = needs_flow(region="HVA08", cycle=2026, gate="none")
    assert _versions(result)["needs-proposal"].status == "proposed"  # type: ignore[attr-defined]
    message = record_in_store(
        region="HVA08",
        cycle=2026,
        stage=Stage.NEEDS,
        decision=DecisionRecord(
            outcome=Outcome.APPROVED, body="Aluehallitus", meeting_date="2026-09-07", section="101",
            recorded_by="Sihteeri",
        ),
    )  # fmt: skip
    assert "Hyväksyttiin" in message
    store = open_store()
    for key in ("needs-proposal", "needs-index", "needs-decision-pdf"):
        assert store.latest("HVA08", 2026, key).status.value == "approved"  # type: ignore[union-attr]
    # A second decision on a decided proposal is refused with a clear reason.
    from soteflow.errors import InputError

    with pytest.raises(InputError, match="not awaiting a decision"):
        record_in_store(
            region="HVA08", cycle=2026, stage=Stage.NEEDS,
            decision=DecisionRecord(
                outcome=Outcome.REJECTED, body="Aluehallitus", meeting_date="2026-09-07", section="102",
                recorded_by="Sihteeri",
            ),
        )  # fmt: skip
