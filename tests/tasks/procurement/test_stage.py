"""Stage 5a run by the generic round on a store where stages 1–4 are approved: its cases (the plan
and one award decision per procurement with bids), their bodies and appeal routes, the basis
stage 6 reads, and bad input that stops the run before anything is stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from schemas.decisions import Outcome
from schemas.documents import AppealKind
from schemas.procurement import AwardProposal, PlanProposal
from schemas.stages import Stage
from soteflow.stagekit import open_store
from tasks.comparison.basis import load_comparison_round
from tasks.procurement.basis import load_procurement_basis
from tasks.procurement.stage import DEFINITION
from tasks.round import DirectSteps, run_stage
from tests.fixtures.procurement.example import COMPARISON_ROUND, copy_inputs, edit

REGION, CYCLE = "HVA08", 2026


def test_the_hand_written_stage_4_round_is_the_seeded_one(seed: Callable[[Stage], Path]) -> None:
    seed(Stage.COMPARISON)
    stored = load_comparison_round(open_store(), region=REGION, cycle=CYCLE)
    assert stored.services == COMPARISON_ROUND.services
    assert (stored.approved_on, stored.approved_by) == (COMPARISON_ROUND.approved_on, COMPARISON_ROUND.approved_by)


def test_a_round_proposes_the_plan_and_each_award_on_its_own(seed: Callable[[Stage], Path], tmp_path: Path) -> None:
    seed(Stage.COMPARISON)
    decisions = tmp_path / "decisions.json"
    decisions.write_text(
        json.dumps({"procurement": {"award-h-2027-02": [{"outcome": "rejected", "comments": "Uusi vertailu."}]}}),
        encoding="utf-8",
    )
    result = run_stage(
        DEFINITION, region=REGION, cycle=CYCLE, gate="scripted", decisions_file=str(decisions), steps=DirectSteps()
    )
    assert [c.case for c in result.cases] == [
        "procurement-plan",
        "award-h-2027-01",
        "award-h-2027-02",
        *("vouchers", "approval-2027-01", "approval-2027-02"),  # stage 5b: tests/tasks/procurement/test_choice_stage.py
    ]
    outcomes = {
        c.case: c.decision.outcome if c.decision else None
        for c in result.cases
        if not c.case.startswith(("vouchers", "approval-"))
    }
    assert outcomes == {
        "procurement-plan": Outcome.APPROVED,
        "award-h-2027-01": Outcome.APPROVED,
        "award-h-2027-02": Outcome.REJECTED,
    }
    store = open_store()
    plan = PlanProposal.model_validate(
        store.read_json(store.get_version(result.case("procurement-plan").proposal.version_id))
    )
    award = AwardProposal.model_validate(
        store.read_json(store.get_version(result.case("award-h-2027-01").proposal.version_id))
    )
    # The plan is the board's (a case override in the configuration), the awards the division's,
    # with the procurement appeal route; each award meets on its planned award day.
    assert (plan.agenda.body, plan.agenda.appeal_kind) == ("Aluehallitus", AppealKind.OIKAISUVAATIMUS)
    assert (award.agenda.body, award.agenda.appeal_kind) == ("Aluehallituksen järjestämisjaosto", AppealKind.HANKINTA)
    assert (str(award.agenda.meeting_date), str(award.standstill_end)) == ("2027-09-13", "2027-09-27")
    assert award.winners["O1"] == "Tukiasunnot Esimerkki ry"
    assert "markkinaoikeu" in " ".join(p for s in award.agenda.appeal_instructions for p in s.paragraphs)

    # Stage 6 reads the continued contracts and those of standing award decisions only.
    basis = load_procurement_basis(store, region=REGION, cycle=CYCLE)
    assert (basis.awards_standing, basis.awards_pending) == (["H-2027-01"], ["H-2027-02"])
    producers = {c.contract_id for c in basis.contracts.contracts}
    assert "H-2027-01-O1" in producers and not any(c.startswith("H-2027-02") for c in producers)
    assert len(basis.contracts.contracts) == 8 + 5


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run the soteflow command in this process: (exit status, what it printed on stderr)."""
    from tasks.cli import main

    capsys.readouterr()
    try:
        main(argv)
        status = 0
    except SystemExit as exc:
        status = int(exc.code or 0)
    return status, capsys.readouterr().err


def test_stage_5_does_not_start_without_an_approved_stage_4(
    seed: Callable[[Stage], Path], capsys: pytest.CaptureFixture[str]
) -> None:
    seed(Stage.CHAINS)
    status, err = _cli(["stage", "procurement", "--gate", "none"], capsys)
    assert status == 2, err
    assert "stage 4 (comparison) has no approved proposal" in err


def test_bad_input_exits_2_and_stores_nothing(
    seed: Callable[[Stage], Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(Stage.COMPARISON)
    folder = copy_inputs(tmp_path / "inputs")
    edit(folder / "tarjoukset.csv", "H-2027-02;O4;Lastensuojelupalvelut", "H-2027-02;O7;Lastensuojelupalvelut")
    before = len(open_store().history(REGION, CYCLE, "procurement-plan"))
    status, err = _cli(["stage", "procurement", "--gate", "none", "--inputs", str(folder)], capsys)
    assert status == 2, err
    assert "tarjoukset.csv, row 20, field osa: H-2027-02 has no lot 'O7'" in err
    assert "Traceback" not in err
    assert before == 0 and open_store().history(REGION, CYCLE, "procurement-plan") == []
