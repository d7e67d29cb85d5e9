"""The stage-4 proposal: the two agenda items (the comparison and the organising plan), the meeting
date and the documents' creation time, all from the data (never the clock)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from schemas.comparison import ComparisonAnalysis, CooperationStep, RecommendedMode
from schemas.decisions import EarlierDecision, Outcome
from soteflow.errors import InputError
from tasks.comparison.proposal import build_comparison_proposal, default_meeting_date, document_created
from tests.fixtures.comparison.worked_example import (
    CHAINS_BASIS,
    case_handling,
    worked_analysis,
    write_worked_example,
)

BASIS = CHAINS_BASIS


@pytest.fixture
def analysis(tmp_path: Path) -> ComparisonAnalysis:
    return worked_analysis(write_worked_example(tmp_path / "inputs"))


def test_first_proposal(analysis: ComparisonAnalysis) -> None:
    payload = build_comparison_proposal(analysis, BASIS, case_handling())
    agenda = payload.agenda
    # Cycle 2026 prepares the budget 2027 and the financial plan 2027–2029: the items name 2027.
    assert agenda.title == "Tuotantotapojen vertailu ja valinta 2027"
    assert agenda.body == "Aluehallitus" and agenda.dnro == "PIRHA/2026/00.01.00/4"
    # Stage 3 approved on Monday 5.10.2026; + 28 days = Monday 2.11.2026.
    assert agenda.meeting_date == dt.date(2026, 11, 2) == default_meeting_date(BASIS, 2026)
    # Home care to own production takes 2 000 bought visits in-house (personnel: external_to_own), so
    # the decision only prepares: it opens the co-operation procedure (laki 449/2007, 4 § 1 mom.
    # 2 kohta, 5 § 1 mom.) and the modes are decided after it.
    assert payload.cooperation is CooperationStep.OPENS
    assert agenda.proposal.startswith(
        "Aluehallitus päättää\n\n1) merkitä tiedoksi oman tuotannon ja ostopalvelujen vertailun"
    )
    assert "tuotantotavat ja niiden henkilöstövaikutukset vuoden 2027 talousarvion ja taloussuunnitelman " in (
        agenda.proposal
    )
    assert (
        "2) käynnistää yhteistoimintamenettelyn" in agenda.proposal
        and "449/2007, 4 § 1 mom. 2 kohta ja 5 § 1 mom." in agenda.proposal
    )
    assert agenda.proposal.endswith(
        "3) todeta, että Pirkanmaan hyvinvointialueen palvelujen järjestämissuunnitelman 2027 tuotantotapoja "
        "koskevasta osasta (liite 6, luonnos) päätetään yhteistoimintamenettelyn jälkeen."
    )
    assert payload.cycle == 2026 and payload.plan_year == 2027
    text = " ".join(p for section in agenda.grounds for p in section.paragraphs)
    assert "esimerkkiaineisto" in text
    # The method in short; in full (JHS 203/204, VAT, the rules) in attachment 1.
    assert "JHS 203- ja JHS 204 -suositusten periaatteilla" in text and "liitteessä 1" in text
    assert "Palvelusetelin omavastuuosuus ei ole asiakasmaksu" in text
    assert "arvonlisäverolaki 1501/1993" not in text and "oma_tuotanto" not in text  # no file names
    # The voucher's effect: 202,00 × 6 000 − 1 201 360 = 10 640 € a year (tests/tasks/comparison/test_analysis.py).
    assert "Ympärivuorokautinen palveluasuminen: palveluseteli (nykyisin sekamalli), vuosivaikutus 10\xa0640 €." in text
    assert [a.title for a in agenda.attachments][:5] == [
        "Menetelmä, lähteet ja täsmäytys aiempiin vaiheisiin",
        "Palvelukohtaiset vertailut, päätösmatriisit ja perustelut",
        "Oman tuotannon täyskustannuslaskelma",
        "Ostopalvelut ja palvelusetelit tuottajittain",
        "Henkilöstövaikutukset palveluittain",
    ]
    assert not any(s.heading == "Palautuksen johdosta tehty valmistelu" for s in agenda.grounds)
    assert agenda.earlier_handling == []
    assert agenda.appeal_instructions[0].heading == "Oikaisuvaatimusohje"
    assert payload.recommendations == {"IKA-KOTIHOITO": RecommendedMode.OWN, "IKA-TEHPA": RecommendedMode.VOUCHER}
    assert [(r.key, r.version) for r in payload.stage3] == [("chains-proposal", 3), ("chains-catalogue", 2)]
    assert payload.previous_plan is None
    assert "| Säännöllinen kotihoito | sekamalli | oma tuotanto |" in payload.summary_markdown
    plan = payload.plan_agenda
    assert plan.title == "Palvelujen järjestämissuunnitelma 2027: tuotantotavat"
    assert plan.grounds[0].paragraphs[1] == (
        "Suunnitelma koskee vuotta 2027: se on vuoden 2027 talousarvion ja taloussuunnitelman 2027–2029 pohja."
    )
    assert plan.proposal == (
        "Aluehallitus päättää merkitä tiedoksi Pirkanmaan hyvinvointialueen palvelujen järjestämissuunnitelman "
        "2027 tuotantotapoja koskevan osan luonnoksen; osasta päätetään yhteistoimintamenettelyn jälkeen "
        "(käsitellään asian ”Tuotantotapojen vertailu ja valinta 2027” yhteydessä)."
    )
    assert "ensimmäinen versio" in plan.grounds[1].paragraphs[0]
    assert plan.meeting_date == agenda.meeting_date


def test_once_the_cooperation_procedure_is_held_the_modes_are_decided(analysis: ComparisonAnalysis) -> None:
    payload = build_comparison_proposal(analysis, BASIS, case_handling(), cooperation_held=dt.date(2026, 10, 20))
    assert payload.cooperation is CooperationStep.HELD
    proposal = payload.agenda.proposal
    assert proposal.startswith("Aluehallitus päättää\n\n1) hyväksyä oman tuotannon ja ostopalvelujen vertailun")
    assert "suositellut tuotantotavat vuoden 2027 talousarvion ja taloussuunnitelman 2027–2029 pohjaksi" in proposal
    assert "palvelujen järjestämissuunnitelman 2027 tuotantotapoja koskevan osan liitteen 6 mukaisesti" in proposal
    assert proposal.endswith(
        "3) merkitä tiedoksi henkilöstövaikutukset ja todeta, että tuotantotavan muutoksista on käyty "
        "yhteistoimintamenettely 20.10.2026 (laki 449/2007, 5 §)."
    )
    assert payload.plan_agenda.proposal.startswith(
        "Aluehallitus päättää hyväksyä Pirkanmaan hyvinvointialueen palvelujen järjestämissuunnitelman 2027"
    )


def test_modes_without_staff_effects_need_no_cooperation_procedure(analysis: ComparisonAnalysis) -> None:
    unchanged = analysis.personnel.model_copy(
        update={"services": [s.model_copy(update={"change": "none"}) for s in analysis.personnel.services]}
    )
    payload = build_comparison_proposal(analysis.model_copy(update={"personnel": unchanged}), BASIS, case_handling())
    assert payload.cooperation is CooperationStep.NOT_NEEDED
    assert payload.agenda.proposal.endswith(
        "todeta, ettei suositelluilla tuotantotavoilla ole olennaisia henkilöstövaikutuksia, joista olisi käytävä "
        "yhteistoimintamenettely (laki 449/2007, 4 § 1 mom. 2 kohta)."
    )


def test_returned_proposal_answers_the_comments(analysis: ComparisonAnalysis) -> None:
    earlier = EarlierDecision(
        version=1,
        sha256="e" * 64,
        body="Aluehallitus",
        meeting_date=dt.date(2026, 11, 16),
        section="301",
        outcome=Outcome.RETURNED,
        comments="Lisää herkkyystarkastelu koron osalta.",
    )
    payload = build_comparison_proposal(analysis, BASIS, case_handling((earlier,)))
    [handled] = payload.agenda.earlier_handling
    assert (handled.date, handled.section) == (dt.date(2026, 11, 16), 301)
    assert payload.agenda.meeting_date == dt.date(2026, 11, 30)  # two weeks after the return, a Monday
    assert any(s.heading == "Palautuksen johdosta tehty valmistelu" for s in payload.agenda.grounds)
    assert "Lisää herkkyystarkastelu koron osalta." in payload.summary_markdown
    assert payload.plan_agenda.earlier_handling == payload.agenda.earlier_handling
    assert payload.plan_agenda.meeting_date == payload.agenda.meeting_date


def test_a_meeting_date_given_by_the_user_is_kept(analysis: ComparisonAnalysis) -> None:
    payload = build_comparison_proposal(analysis, BASIS, case_handling(meeting_date=dt.date(2026, 12, 9)))
    assert payload.agenda.meeting_date == payload.plan_agenda.meeting_date == dt.date(2026, 12, 9)


@pytest.mark.parametrize(
    ("cycle", "expected"),
    [
        (2026, dt.date(2026, 3, 2)),  # 1.3.2026 is a Sunday
        (2027, dt.date(2027, 3, 1)),  # 1.3.2027 is a Monday itself
        (2028, dt.date(2028, 3, 6)),  # a leap year: 1.3.2028 is a Wednesday
        # A leap year whose 29 February is a Monday: "1 February + 28 days" gave Monday 29.2.2044,
        # before 1 March. 1.3.2044 is a Tuesday, so the first Monday from it is 7.3.2044.
        (2044, dt.date(2044, 3, 7)),
    ],
)
def test_without_an_approval_date_the_meeting_is_the_first_monday_from_1_march(cycle: int, expected: dt.date) -> None:
    basis = BASIS.model_copy(update={"approved_on": None})
    assert default_meeting_date(basis, cycle) == expected
    assert expected.weekday() == 0 and expected >= dt.date(cycle, 3, 1)
    # Without an approval date the documents are dated 1 January of the cycle's year, at noon UTC.
    assert document_created(basis, cycle) == dt.datetime(cycle, 1, 1, 12, 0, tzinfo=dt.UTC)


def test_meeting_date_and_creation_time_follow_the_stage_3_approval() -> None:
    # Approved on Monday 5.10.2026: + 28 days is Monday 2.11.2026 itself.
    assert default_meeting_date(BASIS, 2026) == dt.date(2026, 11, 2)
    # Approved on Tuesday 6.10.2026: + 28 days is Tuesday 3.11.2026, so the following Monday 9.11.2026.
    later = BASIS.model_copy(update={"approved_on": dt.date(2026, 10, 6)})
    assert default_meeting_date(later, 2026) == dt.date(2026, 11, 9)
    assert document_created(BASIS, 2026) == dt.datetime(2026, 10, 5, 12, 0, tzinfo=dt.UTC)


def test_the_plan_year_is_decided_before_it_begins(analysis: ComparisonAnalysis) -> None:
    """The organising plan's modes for 2027 prepare the budget 2027, which the council adopts by the
    end of 2026 (hyvinvointialuelaki 611/2021 115 § 1 mom.): a meeting in 2027 is refused."""
    on_time = dataclasses.replace(case_handling(), meeting_date=dt.date(2026, 12, 28))
    assert build_comparison_proposal(analysis, BASIS, on_time).agenda.meeting_date == dt.date(2026, 12, 28)
    late = dataclasses.replace(case_handling(), meeting_date=dt.date(2027, 1, 4))
    with pytest.raises(InputError) as caught:
        build_comparison_proposal(analysis, BASIS, late)
    assert caught.value.field == "meeting_date"
    assert caught.value.reason.startswith("the meeting date 2027-01-04 is not before the budget year 2027")
