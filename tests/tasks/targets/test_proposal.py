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
from tasks.targets.proposal import build_targets_proposal, coverage_detail, default_meeting_date, document_created
from tests.support import DATA_DIR

EXAMPLES = DATA_DIR / "examples" / "HVA08"


@pytest.fixture
def basis(seed: Callable[[Stage], Path]) -> NeedsBasis:
    """The approved stage-1 round of Pirkanmaa: the aluehallitus approved it on Monday 24.8.2026."""
    seed(Stage.NEEDS)
    return load_needs_basis(open_store(), region="HVA08", cycle=2026)


@pytest.fixture
def assessment(basis: NeedsBasis) -> TargetsAssessment:
    return assess_targets(read_targets_inputs(EXAMPLES, region_code="HVA08"), basis, 2026)


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
        "(3\u00a0509,7\u00a0milj.\u00a0€) jaettuna asiakasryhmille"
    )
    # The frame meets the coverage duty: the measures and the adjustment still to specify are named.
    assert (
        "kehys on mitoitettu kattamaan kertynyt alijäämä vuoden 2027 loppuun mennessä liitteessä 3 nimetyin "
        "toimenpitein (70,0\u00a0milj.\u00a0€) ja sopeutuksella 4,7\u00a0milj.\u00a0€ vuodessa, joka kohdennetaan talousarviossa"
    ) in agenda.proposal
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
        "Alijäämän kattamisvelvollisuus ja kehys",
    ]
    # The grounds name the approved stage-1 decision; its version and hash are technical names that
    # stay out of the item (the method attachment prints them, tests/tasks/targets/test_documents.py).
    needs_proposal = basis.refs["needs-proposal"]
    assert needs_proposal.sha256[:12] not in agenda.model_dump_json()
    assert "jonka aluehallitus hyväksyi 24.8.2026" in agenda.grounds[0].paragraphs[1]
    coverage = agenda.grounds[3].paragraphs
    assert (
        coverage[0]
        == "Taseeseen 2025 lopussa kertynyt alijäämä (−140,0\u00a0milj.\u00a0€) on katettava viimeistään vuoden 2027 loppuun mennessä (liite 1)."
    )
    # The item says in one paragraph how the frame meets the duty (gap 79,5 M€ after the baseline
    # scenario; measures 45,0 + 25,0 = 70,0 M€; the rest 9,5 M€ over two years = 4,7 M€ a year) …
    assert coverage[1] == (
        "Kehys on johdettu kattamisvelvollisuudesta. Kehysskenaario (perusura) jättää vuoden 2027 loppuun "
        "79,5\u00a0milj.\u00a0€ kattamatonta alijäämää, joka katetaan nimetyillä toimenpiteillä (70,0\u00a0milj.\u00a0€) "
        "ja sopeutuksella 4,7\u00a0milj.\u00a0€ vuodessa, joka täsmennetään talousarviossa. Kattamisvelvollisuuden "
        "edellyttämä kehys 2026 on 3\u00a0509,7\u00a0milj.\u00a0€; toimenpiteet ja laskelma ovat liitteessä 3."
    )
    assert len(coverage) == 4  # the duty, the frame, two risks: the item fits on 1–3 pages
    assert "123 § 1 mom. 1 kohta" in coverage[-2] and "617/2021, 10 §" in coverage[-1]
    # … and the finance attachment gives each measure and the arithmetic:
    # 3 539,5 − 25,0 (measures in 2026) − 4,7 (adjustment) = 3 509,7 (rounded parts; exact in euros).
    detail = coverage_detail(assessment)
    assert "palveluverkon uudistus" in detail[0] and "yhteensä 70,0\u00a0milj.\u00a0€" in detail[0]
    assert detail[0].endswith(
        "Kattamisvelvollisuuden edellyttämä kehys 2026 on kehysskenaarion toimintakulut 3\u00a0539,5\u00a0milj.\u00a0€, "
        "vähennettynä toimenpiteiden vaikutuksella 25,0\u00a0milj.\u00a0€ ja täsmentämättömällä sopeutuksella "
        "4,7\u00a0milj.\u00a0€, eli 3\u00a0509,7\u00a0milj.\u00a0€."
    )
    assert not any("Kattamisvelvollisuuden edellyttämä kehys 2026 on kehysskenaarion" in p for p in coverage)
    # Each scenario's check is in the method attachment, not repeated in the item.
    assert not any(p.startswith("Perusura: ") for p in coverage)
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
    # The council meets about monthly (meeting_interval_days = 28 in default.toml): 21.9. + 28 days.
    assert proposal.agenda.meeting_date == dt.date(2026, 10, 19)
    assert "Uudelleen valmisteltu" in proposal.summary_markdown


def test_council_item_shows_the_boards_handling_and_proposal(assessment: TargetsAssessment, basis: NeedsBasis) -> None:
    """A council item is the board's proposal (hyvinvointialuelaki 43 § 1 mom. 2 kohta): the board's
    handling with its presenter, then 'Aluehallituksen ehdotus: Aluevaltuusto päättää …'."""
    agenda = build_targets_proposal(assessment, basis, _handling(basis)).agenda
    board = agenda.prepared_by
    assert board is not None
    # Council on Monday 21.9.2026; the board at least 21 days before, on a Monday: 31.8.2026.
    assert (board.body, board.meeting_date, board.section) == ("Aluehallitus", dt.date(2026, 8, 31), None)
    assert board.presenter.title.startswith("hyvinvointialuejohtaja")
    assert board.proposal.startswith(
        "Aluehallitus päättää esittää aluevaltuustolle, että aluevaltuusto päättää hyväksyä Pirkanmaan "
    )
    assert board.proposal.endswith(agenda.proposal[1:])
    assert board.proposal_heading == "Aluehallituksen ehdotus"


def test_earlier_handling_lists_only_returns(assessment: TargetsAssessment, basis: NeedsBasis) -> None:
    """An approved item does not come back: an earlier approval is no handling of this item, and
    no proposal version is printed as if it were a meeting."""
    earlier = [
        EarlierDecision(
            version=1,
            sha256="a" * 64,
            body="Aluevaltuusto",
            meeting_date=dt.date(2026, 9, 21),
            section="21",
            outcome=Outcome.APPROVED,
            comments="",
        ),
        EarlierDecision(
            version=2,
            sha256="b" * 64,
            body="Aluevaltuusto",
            meeting_date=dt.date(2026, 10, 19),
            section="40",
            outcome=Outcome.RETURNED,
            comments="Täydennä sopeutustoimet.",
        ),
    ]
    [handled] = build_targets_proposal(assessment, basis, _handling(basis, earlier)).agenda.earlier_handling
    assert (handled.date, handled.section) == (dt.date(2026, 10, 19), 40)
    assert handled.summary == "Palautettiin uudelleen valmisteltavaksi. Kommentit: ”Täydennä sopeutustoimet.”"


def test_a_given_frame_above_the_coverage_frame_is_named_as_a_risk(basis: NeedsBasis) -> None:
    inputs = read_targets_inputs(EXAMPLES, region_code="HVA08")
    given = inputs.model_copy(
        update={"assumptions": inputs.assumptions.model_copy(update={"frame_eur": 3_540_000_000.0})}
    )
    proposal = build_targets_proposal(assess_targets(given, basis, 2026), basis, _handling(basis))
    coverage = proposal.agenda.grounds[3].paragraphs
    # 3 540 000 000 − 3 509 749 880 = 30 250 120 € above the frame the coverage duty requires.
    assert any(
        p == "Annettu kehys 3\u00a0540,0\u00a0milj.\u00a0€ ylittää kattamisvelvollisuuden edellyttämän kehyksen "
        "3\u00a0509,7\u00a0milj.\u00a0€; ylitys on 30,3\u00a0milj.\u00a0€."
        for p in coverage
    )
    assert not any(p.startswith("Kehys on johdettu") for p in coverage)
    assert "mitoitettu kattamaan" not in proposal.agenda.proposal
    assert "arviointimenettelyn" in coverage[-2]
