"""Stage 3 run whole on a store where stages 1–2 are approved, and read back as stage 4 reads it.

The generic round is called directly (no Prefect); the body's decisions are scripted.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from schemas.chains import ChainsProposal, ProductionMode
from schemas.decisions import Outcome
from schemas.stages import Stage
from soteflow.stagekit import open_store
from soteflow.upstream import StageNotApprovedError
from tasks.chains.basis import load_chains_basis
from tasks.chains.stage import DEFINITION
from tasks.round import DirectSteps, run_stage
from tasks.targets.basis import load_targets_basis

REGION, CYCLE = "HVA08", 2026


def test_stage_4_cannot_start_before_stage_3_is_approved(seed: Callable[[Stage], Path]) -> None:
    seed(Stage.TARGETS)
    with pytest.raises(StageNotApprovedError, match="stage 3 \\(chains\\) has no approved proposal"):
        load_chains_basis(open_store(), region=REGION, cycle=CYCLE)


def test_a_whole_round_and_the_basis_stage_4_reads(seed: Callable[[Stage], Path]) -> None:
    seed(Stage.TARGETS)
    stage2 = load_targets_basis(open_store(), region=REGION, cycle=CYCLE)
    result = run_stage(DEFINITION, region=REGION, cycle=CYCLE, gate="scripted", steps=DirectSteps())
    assert result.accepted and result.outcome is Outcome.APPROVED
    [case] = result.cases
    assert (case.case, case.rounds, case.body) == ("chains", 1, "Aluehallitus")
    assert case.title == "Palvelukokonaisuudet ja palveluketjut 2027"
    assert sorted(d.key for d in case.documents) == [
        "chains-attachment-1-html",
        "chains-attachment-1-pdf",
        "chains-attachment-2-html",
        "chains-attachment-2-pdf",
        "chains-decision-docx",
        "chains-decision-html",
        "chains-decision-pdf",
        "chains-feedback-attachment-1-html",
        "chains-feedback-attachment-1-pdf",
        "chains-feedback-attachment-2-html",
        "chains-feedback-attachment-2-pdf",
        "chains-feedback-docx",
        "chains-feedback-html",
        "chains-feedback-pdf",
    ]
    keys = {v.key for v in result.artefacts}
    assert {"chains-catalogue", "chains-priorities", "chains-services", "chains-feedback-synthesis"} <= keys
    assert {"chains-source-catalogue", "chains-source-feedback", "chains-source-themes"} <= keys
    assert "chains-chain-pk-ika-svg" in keys

    store = open_store()
    proposal = ChainsProposal.model_validate(store.read_json(store.get_version(case.proposal.version_id)))
    # The proposal rests on the approved stage-2 versions the basis names.
    assert [(r.key, r.version, r.sha256) for r in proposal.stage2] == [
        (r.key, r.version, r.sha256) for r in (stage2.proposal_ref, stage2.impact_ref, stage2.frame_ref)
    ]

    basis = load_chains_basis(store, region=REGION, cycle=CYCLE)
    assert basis.region_name == "Pirkanmaan hyvinvointialue"
    assert (basis.proposal_ref.version_id, basis.proposal_ref.status) == (case.proposal.version_id, "approved")
    assert basis.catalogue_ref.key == "chains-catalogue"
    assert case.decision is not None and basis.approved_on == case.decision.meeting_date
    # The shipped catalogue's 18 steps: 5 + 4 + 3 + 3 + 3 (tests/tasks/chains/test_catalogue.py).
    assert len(basis.services) == 18 and len(basis.service_ids()) == 18
    kotihoito = basis.service("IKA-KOTIHOITO")
    assert kotihoito is not None
    assert (kotihoito.package_id, kotihoito.mode, kotihoito.unit) == ("PK-IKA", ProductionMode.OWN, "käynti")
    assert basis.service("EI-OLE") is None


def test_a_returned_proposal_is_prepared_again_with_the_comments(seed: Callable[[Stage], Path], tmp_path: Path) -> None:
    seed(Stage.TARGETS)
    decisions = tmp_path / "decisions.json"
    comments = "Perustele vammaispalvelujen toteutettavuusarvio."
    decisions.write_text(
        json.dumps(
            {
                "chains": [
                    {"outcome": "returned", "meeting_date": "2026-11-02", "section": "301", "comments": comments},
                    {"outcome": "approved"},
                ]
            }
        ),
        encoding="utf-8",
    )
    result = run_stage(
        DEFINITION, region=REGION, cycle=CYCLE, gate="scripted", decisions_file=str(decisions), steps=DirectSteps()
    )
    [case] = result.cases
    assert case.rounds == 2 and result.accepted
    store = open_store()
    proposal = ChainsProposal.model_validate(store.read_json(store.get_version(case.proposal.version_id)))
    [handled] = proposal.agenda.earlier_handling
    assert (handled.date, handled.section, handled.body) == (dt.date(2026, 11, 2), 301, "Aluehallitus")
    assert comments in handled.summary
    # Returned on Mon 2.11.2026: at the earliest two weeks later, Mon 16.11.2026.
    assert proposal.agenda.meeting_date == dt.date(2026, 11, 16)
    assert proposal.feedback_agenda.meeting_date == dt.date(2026, 11, 16)
    [again] = [g for g in proposal.agenda.grounds if g.heading == "Palautuksen johdosta tehty valmistelu"]
    assert comments in again.paragraphs[0]
    assert proposal.feedback_agenda.earlier_handling == proposal.agenda.earlier_handling
