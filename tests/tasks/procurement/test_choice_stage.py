"""Stage 5b run by the generic round on a store where stages 1–4 are approved: the voucher case
(the board's) and one approval round per batch (an office holder's, rectification to the body
the office holder is under), each decided on its own, and the producers stage 6 reads."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from schemas.choice import ApprovalProposal, VouchersProposal
from schemas.decisions import Outcome
from schemas.documents import AppealKind
from schemas.stages import Stage
from soteflow.stagekit import open_store
from tasks.procurement.basis import load_procurement_basis
from tasks.procurement.stage import DEFINITION
from tasks.round import DirectSteps, run_stage

REGION, CYCLE = "HVA08", 2026


def test_the_voucher_case_and_each_approval_round_are_decided_on_their_own(
    seed: Callable[[Stage], Path], tmp_path: Path
) -> None:
    seed(Stage.COMPARISON)
    decisions = tmp_path / "decisions.json"
    decisions.write_text(
        json.dumps({"procurement": {"approval-2027-02": [{"outcome": "rejected", "comments": "Uusi käsittely."}]}}),
        encoding="utf-8",
    )
    result = run_stage(
        DEFINITION, region=REGION, cycle=CYCLE, gate="scripted", decisions_file=str(decisions), steps=DirectSteps()
    )
    outcomes = {c.case: c.decision.outcome if c.decision else None for c in result.cases}
    assert {k: v for k, v in outcomes.items() if not k.startswith(("award-", "procurement-"))} == {
        "vouchers": Outcome.APPROVED,
        "approval-2027-01": Outcome.APPROVED,
        "approval-2027-02": Outcome.REJECTED,
    }
    store = open_store()
    vouchers = VouchersProposal.model_validate(
        store.read_json(store.get_version(result.case("vouchers").proposal.version_id))
    )
    approval = ApprovalProposal.model_validate(
        store.read_json(store.get_version(result.case("approval-2027-01").proposal.version_id))
    )
    assert (vouchers.agenda.body, vouchers.agenda.appeal_kind) == ("Aluehallitus", AppealKind.OIKAISUVAATIMUS)
    assert vouchers.batches == ["2027-01", "2027-02"]
    # The producer approval is an office holder's decision: the request for rectification goes to
    # the body the office holder is under (hyvinvointialuelaki 611/2021, 139 §).
    assert approval.agenda.body == "Palvelusetelipäällikkö (viranhaltijapäätös)"
    assert approval.agenda.appeal_kind is AppealKind.OIKAISUVAATIMUS
    appeal = " ".join(p for s in approval.agenda.appeal_instructions for p in s.paragraphs)
    assert "viranomaiselle: Aluehallituksen järjestämisjaosto" in appeal
    assert (approval.approved, approval.rejected) == (
        ["PS-2027-001", "PS-2027-002", "PS-2027-004", "PS-2027-005"],
        ["PS-2027-003"],
    )
    grounds = " ".join(p for s in approval.agenda.grounds for p in s.paragraphs)
    assert "Pienkoti Esimerkki Oy" in grounds and "hakemuksessa: 0,55" in grounds

    # Stage 6 reads the producers of standing approval rounds only.
    basis = load_procurement_basis(store, region=REGION, cycle=CYCLE)
    assert [p.producer for p in basis.voucher_producers] == [
        "Hoivakodit Esimerkki Oyj",
        "Kotikartano Esimerkki Oy",
        "Hammasklinikka Esimerkki Oy",
        "Suuhygienia Esimerkki Oy",
    ]
    assert [r.key for r in basis.voucher_producers_refs] == ["choice-approval-2027-01"]
    # The documents: the voucher decision, the rule book and each round's decision.
    keys = {d.key for c in result.cases for d in c.documents}
    assert {"choice-vouchers-decision-pdf", "choice-rulebook-pdf", "choice-approval-2027-01-decision-pdf"} <= keys
