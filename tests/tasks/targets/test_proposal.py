"""The stage-2 proposal (tasks/targets/proposal.py): agenda item, meeting date, earlier handling."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path

import pytest

from schemas.decisions import EarlierDecision, Outcome
from schemas.needs import NeedsBasis
from schemas.results import SourceRef
from schemas.stages import Stage
from schemas.targets import TargetsAssessment
from soteflow.documents import load_governance
from soteflow.errors import InputError
from soteflow.stagekit import open_store
from tasks.definition import CaseHandling
from tasks.needs.basis import load_needs_basis
from tasks.targets.analysis import assess_targets
from tasks.targets.inputs import read_targets_inputs
from tasks.targets.proposal import (
    build_targets_proposal,
    check_first_meeting,
    check_meeting_date,
    coverage_detail,
    default_meeting_date,
    document_created,
)
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
    # Cycle 2026 prepares the budget 2027 and the financial plan 2027–2029: the frame is for 2027.
    assert agenda.title == "Tuloksellisuustavoitteet ja talouden kehys 2027"
    assert agenda.body == "Aluevaltuusto"
    assert agenda.dnro == "PIRHA/2026/00.01.00/2"
    assert agenda.meeting_date == dt.date(2026, 9, 21)
    assert agenda.earlier_handling == []
    assert agenda.proposal.startswith(
        "Aluevaltuusto päättää hyväksyä Pirkanmaan hyvinvointialueen tuloksellisuustavoitteet ja talouden kehyksen "
        "talousarvion 2027 ja taloussuunnitelman 2027–2029 valmistelun pohjaksi: asiakasryhmien 11 "
        "vaikuttavuustavoitetta sekä toimintakulujen kehyksen 2027 (3\u00a0589,5\u00a0milj.\u00a0€) jaettuna "
        "asiakasryhmille"
    )
    # The frame meets the coverage duty: the measures and the adjustment still to specify are named.
    assert (
        "kehys on mitoitettu kattamaan kertynyt alijäämä vuoden 2027 loppuun mennessä liitteessä 3 nimetyin "
        "toimenpitein (70,0\u00a0milj.\u00a0€) ja sopeutuksella 9,5\u00a0milj.\u00a0€ vuonna 2027, joka kohdennetaan talousarviossa"
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
    # The budget the frame prepares and when the council adopts it (611/2021 115 § 1 mom.).
    assert agenda.grounds[0].paragraphs[2] == (
        "Tavoitteet ja kehys ovat talousarvion 2027 ja taloussuunnitelman 2027–2029 valmistelun pohja. "
        "Aluevaltuusto hyväksyy talousarvion vuodelle 2027 vuoden 2026 loppuun mennessä ja sen yhteydessä "
        "taloussuunnitelman vähintään kolmeksi vuodeksi; talousarviovuosi on taloussuunnitelman ensimmäinen "
        "vuosi (hyvinvointialuelaki 611/2021, 115 § 1 mom.)."
    )
    coverage = agenda.grounds[3].paragraphs
    assert (
        coverage[0]
        == "Taseeseen 2025 lopussa kertynyt alijäämä (−140,0\u00a0milj.\u00a0€) on katettava viimeistään vuoden 2027 loppuun mennessä (liite 1)."
    )
    # The item says in one paragraph how the frame meets the duty (gap 79,5 M€ after the baseline
    # scenario; measures 45,0 + 25,0 = 70,0 M€; the rest 9,5 M€ in the one budget still to adopt, 2027) …
    # frame 2027 = 3 643 980 240 − (30 + 15) M€ − 9 460 240 = 3 589 520 000 € → 3 589,5 milj. €.
    assert coverage[1] == (
        "Kehys on johdettu kattamisvelvollisuudesta. Kehysskenaario (perusura) jättää vuoden 2027 loppuun "
        "79,5\u00a0milj.\u00a0€ kattamatonta alijäämää, joka katetaan nimetyillä toimenpiteillä (70,0\u00a0milj.\u00a0€) "
        "ja sopeutuksella 9,5\u00a0milj.\u00a0€ vuonna 2027, joka täsmennetään talousarviossa. Kattamisvelvollisuuden "
        "edellyttämä kehys 2027 on 3\u00a0589,5\u00a0milj.\u00a0€; toimenpiteet ja laskelma ovat liitteessä 3."
    )
    assert len(coverage) == 4  # the duty, the frame, two risks: the item fits on 1–3 pages
    assert "123 § 1 mom. 1 kohta" in coverage[-2] and "617/2021, 10 §" in coverage[-1]
    # … and the finance attachment gives each measure and the arithmetic:
    # 3 644,0 − 45,0 (measures in 2027: 30,0 + 15,0) − 9,5 (adjustment) = 3 589,5.
    detail = coverage_detail(assessment)
    assert "palveluverkon uudistus" in detail[0] and "yhteensä 70,0\u00a0milj.\u00a0€" in detail[0]
    assert detail[0].endswith(
        "Kattamisvelvollisuuden edellyttämä kehys 2027 on kehysskenaarion toimintakulut 3\u00a0644,0\u00a0milj.\u00a0€, "
        "vähennettynä toimenpiteiden vaikutuksella 45,0\u00a0milj.\u00a0€ ja täsmentämättömällä sopeutuksella "
        "9,5\u00a0milj.\u00a0€, eli 3\u00a0589,5\u00a0milj.\u00a0€."
    )
    assert not any("Kattamisvelvollisuuden edellyttämä kehys 2027 on kehysskenaarion" in p for p in coverage)
    # Each scenario's check is in the method attachment, not repeated in the item.
    assert not any(p.startswith("Perusura: ") for p in coverage)
    assert proposal.deficit_covered == {"perusura": False, "myonteinen": True, "kielteinen": False}
    # The findings join the scenario's yearly need (39,7 M€ a year, 79,5 M€ by the end of 2027) to the
    # frame: measures 70,0 M€ + the adjustment still to specify 9,5 M€ = 79,5 M€.
    assert (
        "Kehys 2027 on johdettu kattamisvelvollisuudesta: kehysskenaarion (perusura) vaje 79,5\u00a0milj.\u00a0€ "
        "katetaan vuoden 2027 loppuun mennessä; nimetyt toimenpiteet 70,0\u00a0milj.\u00a0€ ja täsmentämätön "
        "sopeutus 9,5\u00a0milj.\u00a0€ kattavat sen."
    ) in assessment.findings
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
        update={"assumptions": inputs.assumptions.model_copy(update={"frame_eur": 3_620_000_000.0})}
    )
    proposal = build_targets_proposal(assess_targets(given, basis, 2026), basis, _handling(basis))
    coverage = proposal.agenda.grounds[3].paragraphs
    # 3 620 000 000 − 3 589 520 000 = 30 480 000 € above the frame 2027 the coverage duty requires.
    assert any(
        p == "Annettu kehys 3\u00a0620,0\u00a0milj.\u00a0€ ylittää kattamisvelvollisuuden edellyttämän kehyksen "
        "3\u00a0589,5\u00a0milj.\u00a0€; ylitys on 30,5\u00a0milj.\u00a0€."
        for p in coverage
    )
    assert not any(p.startswith("Kehys on johdettu") for p in coverage)
    assert "mitoitettu kattamaan" not in proposal.agenda.proposal
    assert "arviointimenettelyn" in coverage[-2]


# -- the meeting date against the frame year ---------------------------------------------------------


def test_the_frame_is_decided_before_its_year_begins() -> None:
    # The council adopts the budget 2027 by the end of 2026 (611/2021 115 § 1 mom.): 31.12.2026 is the
    # last day a frame 2027 can be decided on; 1.1.2027 is too late.
    check_meeting_date(dt.date(2026, 12, 31), 2027, how="the meeting date")
    with pytest.raises(InputError) as caught:
        check_meeting_date(dt.date(2027, 1, 1), 2027, how="the meeting date")
    assert caught.value.field == "meeting_date"
    assert "2027-01-01 is not before the budget year 2027" in caught.value.reason
    assert "115 § 1 mom." in caught.value.reason


def test_a_given_meeting_in_the_frame_year_is_refused(assessment: TargetsAssessment, basis: NeedsBasis) -> None:
    handling = replace(_handling(basis), meeting_date=dt.date(2027, 1, 11))
    with pytest.raises(InputError) as caught:
        build_targets_proposal(assessment, basis, handling)
    assert caught.value.field == "meeting_date"
    assert caught.value.reason.startswith("the meeting date 2027-01-11 is not before the budget year 2027")


def test_returns_that_push_the_meeting_into_the_frame_year_are_refused(
    assessment: TargetsAssessment, basis: NeedsBasis
) -> None:
    # Returned on Monday 14.12.2026: the council meets again at the earliest 28 days later, Monday
    # 11.1.2027, when the budget 2027 should already stand.
    earlier = [
        EarlierDecision(
            version=1,
            sha256="a" * 64,
            body="Aluevaltuusto",
            meeting_date=dt.date(2026, 12, 14),
            section="90",
            outcome=Outcome.RETURNED,
            comments="Täydennä sopeutustoimet.",
        )
    ]
    with pytest.raises(InputError) as caught:
        build_targets_proposal(assessment, basis, _handling(basis, earlier))
    assert caught.value.reason.startswith("the proposed meeting date 2027-01-11 is not before the budget year 2027")


def test_the_first_meeting_is_checked_before_the_round_stores_anything(basis: NeedsBasis) -> None:
    # Derived: stage 1 approved 24.8.2026 → Monday 21.9.2026, before 2027: accepted.
    check_first_meeting(None, basis, 2027)
    # The same derived date is too late for a frame 2026 (a cycle-2025 frame decided in autumn 2026).
    with pytest.raises(InputError) as caught:
        check_first_meeting(None, basis, 2026)
    assert "the proposed meeting date (the first Monday 28 days after stage 1 was approved on 2026-08-24)" in (
        caught.value.reason
    )
    with pytest.raises(InputError, match="the meeting date 2027-02-01 is not before"):
        check_first_meeting(dt.date(2027, 2, 1), basis, 2027)
