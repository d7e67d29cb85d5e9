"""The stage-1 proposal (tasks/needs/proposal.py): agenda item from the numbers, earlier handling, meeting date."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest

from schemas.decisions import EarlierDecision, Outcome
from schemas.needs import NeedsAssessment
from schemas.stages import Stage
from soteflow.documents import load_governance
from soteflow.numbers import fi_number
from tasks.agenda import genitive, meeting_after
from tasks.definition import CaseHandling
from tasks.needs.analysis import assess_needs
from tasks.needs.proposal import build_needs_proposal, default_meeting_date, document_created
from tests.support import DATA_DIR


@pytest.fixture(scope="module")
def assessment() -> NeedsAssessment:
    return assess_needs(DATA_DIR, "HVA08")


def _handling(
    assessment: NeedsAssessment, earlier: Sequence[EarlierDecision] = (), meeting_date: dt.date | None = None
) -> CaseHandling:
    governance = load_governance(
        "HVA08", Stage.NEEDS, DATA_DIR / "config" / "regions", case="needs", region_name=assessment.region_name
    )
    return CaseHandling(
        governance=governance,
        earlier=tuple(earlier),
        appeal=governance.appeal_route(),
        cycle=2026,
        meeting_date=meeting_date,
    )


def _returned(meeting_date: dt.date, comments: str, section: str = "245", version: int = 1) -> EarlierDecision:
    return EarlierDecision(
        version=version,
        sha256="a" * 64,
        body="Aluehallitus",
        meeting_date=meeting_date,
        section=section,
        outcome=Outcome.RETURNED,
        comments=comments,
    )


def test_meeting_date_comes_from_the_data_not_the_clock(assessment: NeedsAssessment) -> None:
    # Newest source: unemployment statistics updated 21.7.2026; +28 days = 18.8.2026 (Tue) → Mon 24.8.2026.
    assert default_meeting_date(assessment) == dt.date(2026, 8, 24)
    returned = [_returned(dt.date(2026, 12, 14), "")]
    assert meeting_after(returned, dt.date(2026, 8, 24)) == dt.date(2026, 12, 28)  # two weeks on, a Monday
    # The document's creation time is that newest update (metadata "2026-07-21T05.00.00Z"), never the clock.
    assert document_created(assessment) == dt.datetime(2026, 7, 21, 5, 0, tzinfo=dt.UTC)


def test_genitive_of_region_names() -> None:
    assert genitive("Pirkanmaan hyvinvointialue") == "Pirkanmaan hyvinvointialueen"
    assert genitive("Helsingin kaupunki") == "Helsingin kaupungin"


def test_first_proposal(assessment: NeedsAssessment) -> None:
    proposal = build_needs_proposal(assessment, _handling(assessment))
    agenda = proposal.agenda
    assert agenda.title == "Palvelutarvearvio 2026"
    assert agenda.body == "Aluehallitus"
    assert agenda.dnro == "PIRHA/2026/00.01.00/1"
    assert agenda.earlier_handling == []
    assert agenda.meeting_date == dt.date(2026, 8, 24)
    assert agenda.proposal.startswith("Aluehallitus päättää hyväksyä Pirkanmaan hyvinvointialueen strategisen")
    # Urjala 107,18 and Mänttä-Vilppula 107,18 lead; Urjala (4 440 inhabitants) is marked uncertain.
    assert proposal.highest_need[:2] == ["Urjala", "Mänttä-Vilppula"]
    assert proposal.region_index == assessment.need_index.region.index
    assert fi_number(proposal.region_index, 1) in proposal.summary_markdown
    method = next(g for g in agenda.grounds if g.heading == "Aineisto ja menetelmä").paragraphs[0]
    assert "Se on kuvaileva indeksi: se kuvaa kuntien suhteellista palvelutarvetta, mutta ei yksinään" in method
    assert "Alle 5\u00a0000 asukkaan kuntien luvut ovat epävarmoja." in method
    assert "Lähdeaineistoissa on vain vuoden 2025 tiedot, joten muutosanalyysi kattaa yhden vuoden." in method
    assert "Palautuksen johdosta tehty valmistelu" not in [g.heading for g in agenda.grounds]
    assert "Uudelleen valmisteltu" not in proposal.summary_markdown
    # The aluehallitus's decisions are open to a request for rectification (hyvinvointialuelaki 139 §).
    instructions = agenda.appeal_instructions[0]
    assert instructions.heading == "Oikaisuvaatimusohje"
    assert "(hyvinvointialuelaki 611/2021, 139\u00a0§)" in instructions.paragraphs[0]


def test_meeting_date_given_by_the_user_wins(assessment: NeedsAssessment) -> None:
    proposal = build_needs_proposal(assessment, _handling(assessment, meeting_date=dt.date(2026, 9, 3)))
    assert proposal.agenda.meeting_date == dt.date(2026, 9, 3)
    assert "Aluehallitus 3.9.2026" in proposal.summary_markdown


def test_returned_proposal_quotes_the_comments_and_moves_the_meeting(assessment: NeedsAssessment) -> None:
    earlier = [_returned(dt.date(2026, 12, 14), "Lisää ikääntyneiden palvelutarve.")]
    proposal = build_needs_proposal(assessment, _handling(assessment, earlier))
    [handled] = proposal.agenda.earlier_handling
    assert (handled.date, handled.section) == (dt.date(2026, 12, 14), 245)
    assert "Palautettiin uudelleen valmisteltavaksi" in handled.summary
    assert "Lisää ikääntyneiden palvelutarve." in handled.summary
    assert proposal.agenda.meeting_date == dt.date(2026, 12, 28)
    assert any(g.heading == "Palautuksen johdosta tehty valmistelu" for g in proposal.agenda.grounds)
    assert "Uudelleen valmisteltu" in proposal.summary_markdown
