"""The stage-2 proposal (tasks/targets/proposal.py): agenda item, meeting date, earlier handling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from schemas.decisions import EarlierDecision, Outcome
from schemas.needs import NeedsBasis
from schemas.results import SourceRef
from schemas.stages import Stage
from schemas.targets import TargetsAssessment
from soteflow.documents import load_governance
from soteflow.stagekit import open_store
from tasks.definition import CaseHandling
from tasks.needs.basis import load_needs_basis
from tasks.targets.analysis import assess_targets
from tasks.targets.inputs import read_targets_inputs
from tasks.targets.proposal import build_targets_proposal, default_meeting_date, document_created
from tests.support import DATA_DIR

EXAMPLES = DATA_DIR / "examples" / "HVA08"


@pytest.fixture
def basis(seed: Callable[[Stage], Path]) -> NeedsBasis:
    """The approved stage-1 round of Pirkanmaa: the aluehallitus approved it on Monday 24.8.2026."""
    seed(Stage.NEEDS)
    return load_needs_basis(open_store(), region="HVA08", cycle=2026)


@pytest.fixture
def assessment(basis: NeedsBasis) -> TargetsAssessment:
    return assess_targets(read_targets_inputs(EXAMPLES), basis, 2026)


def _handling(basis: NeedsBasis, earlier: Sequence[EarlierDecision] = ()) -> CaseHandling:
    governance = load_governance(
        "HVA08", Stage.TARGETS, DATA_DIR / "config" / "regions", case="targets", region_name=basis.region_name
    )
    return CaseHandling(governance=governance, earlier=tuple(earlier), appeal=governance.appeal_route(), cycle=2026)


def test_meeting_date_and_creation_time_come_from_the_stage1_approval(basis: NeedsBasis) -> None:
    assert basis.decision_date == dt.date(2026, 8, 24)
    # Approved Monday 24.8.2026 + 28 days = Monday 21.9.2026.
    assert default_meeting_date(basis) == dt.date(2026, 9, 21)
    assert document_created(basis).isoformat() == "2026-08-24T00:00:00+03:00"


def test_first_proposal(assessment: TargetsAssessment, basis: NeedsBasis) -> None:
    proposal = build_targets_proposal(assessment, basis, _handling(basis))
    agenda = proposal.agenda
    assert agenda.title == "Tuloksellisuustavoitteet ja talouden kehys 2026"
    assert agenda.body == "Aluevaltuusto"
    assert agenda.dnro == "PIRHA/2026/00.01.00/2"
    assert agenda.meeting_date == dt.date(2026, 9, 21)
    assert agenda.earlier_handling == []
    assert agenda.proposal.startswith(
        "Aluevaltuusto päättää hyväksyä Pirkanmaan hyvinvointialueen tuloksellisuustavoitteet ja talouden kehyksen "
        "suunnittelukierrokselle 2026: asiakasryhmien 11 vaikuttavuustavoitetta sekä toimintakulujen kehyksen 2026 "
        "(3\u00a0539,5 M€)"
    )
    # Decisions of the aluevaltuusto are appealed directly to the administrative court (hyvinvointialuelaki 140 §).
    assert agenda.appeal_instructions[0].heading == "Valitusosoitus"
    assert (
        "aluevalituksella hallinto-oikeudelta (hyvinvointialuelaki 611/2021, 140\u00a0§)"
        in (agenda.appeal_instructions[0].paragraphs[0])
    )
    headings = [g.heading for g in agenda.grounds]
    assert headings == [
        "Asian tausta",
        "Aineisto ja menetelmä",
        "Keskeiset havainnot",
        "Alijäämän kattamisvelvollisuus",
    ]
    # The grounds name the approved stage-1 proposal version the targets rest on.
    needs_proposal = basis.refs["needs-proposal"]
    assert (
        f"needs-proposal v{needs_proposal.version}, SHA-256 {needs_proposal.sha256[:12]}…"
        in (agenda.grounds[0].paragraphs[1])
    )
    assert "jonka aluehallitus hyväksyi 24.8.2026" in agenda.grounds[0].paragraphs[1]
    coverage = agenda.grounds[3].paragraphs
    assert coverage[0].startswith("Hyvinvointialuelaki (611/2021) 115 § 2 mom.")
    assert any("Perusura: kertynyttä alijäämää ei saada katetuksi" in p and "39,7 M€ vuodessa" in p for p in coverage)
    assert proposal.deficit_covered == {"perusura": False, "myonteinen": True, "kielteinen": False}
    assert proposal.needs_basis == SourceRef.of(needs_proposal)
    assert "esimerkkiaineisto" in proposal.summary_markdown


def test_returned_proposal_answers_the_comments(assessment: TargetsAssessment, basis: NeedsBasis) -> None:
    earlier = [
        EarlierDecision(
            version=1,
            sha256="a" * 64,
            body="Aluevaltuusto",
            meeting_date=dt.date(2026, 9, 21),
            section="21",
            outcome=Outcome.RETURNED,
            comments="Lisää kielteisen skenaarion sopeutustoimet.",
        )
    ]
    proposal = build_targets_proposal(assessment, basis, _handling(basis, earlier))
    [handled] = proposal.agenda.earlier_handling
    assert (handled.date, handled.body, handled.section) == (dt.date(2026, 9, 21), "Aluevaltuusto", 21)
    assert "Lisää kielteisen skenaarion sopeutustoimet." in handled.summary
    returned = proposal.agenda.grounds[-1]
    assert returned.heading == "Palautuksen johdosta tehty valmistelu"
    assert "Lisää kielteisen skenaarion sopeutustoimet." in returned.paragraphs[0]
    assert proposal.agenda.meeting_date == dt.date(2026, 10, 5)  # two weeks after 21.9., a Monday
    assert "Uudelleen valmisteltu" in proposal.summary_markdown
