"""The stage-3 case: two agenda items written from the numbers, the meeting date from the data.

The stage-2 round is built by hand (tests/tasks/chains/factories.py), so the scores in the
sentences are checked with pen and paper; the catalogue and the feedback are the shipped example.
"""

from __future__ import annotations

import datetime as dt
import json
from zoneinfo import ZoneInfo

import pytest

from schemas.chains import ChainsAnalysis, ChainsInputs, ChainsProposal
from schemas.decisions import EarlierDecision, Outcome
from tasks.chains.proposal import basis_date, build_chains_proposal, default_meeting_date, document_created
from tests.tasks.chains.factories import handling, make_basis, shipped_analysis, shipped_inputs

HELSINKI = ZoneInfo("Europe/Helsinki")


@pytest.fixture(scope="module")
def inputs() -> ChainsInputs:
    return shipped_inputs()


@pytest.fixture(scope="module")
def analysis(inputs: ChainsInputs) -> ChainsAnalysis:
    return shipped_analysis(inputs)


def _proposal(
    inputs: ChainsInputs, analysis: ChainsAnalysis, earlier: tuple[EarlierDecision, ...] = ()
) -> ChainsProposal:
    return build_chains_proposal(
        catalogue=inputs.catalogue,
        analysis=analysis,
        synthesis=inputs.synthesis,
        basis=make_basis(),
        handling=handling(earlier),
    )


def test_meeting_date_and_creation_time_come_from_the_data(inputs: ChainsInputs) -> None:
    synthesis = inputs.synthesis
    assert synthesis.last_date == dt.date(2025, 5, 14)  # the example's last stakeholder session
    # Stage 2 approved Mon 12.10.2026; + 14 days = Mon 26.10.2026 (later than 14.5.2025 + 28 days).
    assert default_meeting_date(make_basis(), synthesis, 2026) == dt.date(2026, 10, 26)
    # Without an approval date: 14.5.2025 + 28 days = Wed 11.6.2025 → Mon 16.6.2025.
    assert default_meeting_date(make_basis(None), synthesis, 2026) == dt.date(2025, 6, 16)
    # Documents are created at noon (Helsinki) of the newest date the proposal rests on: the stage-2
    # approval 12.10.2026, else the last stakeholder session 14.5.2025.
    assert basis_date(make_basis(), synthesis, 2026) == dt.date(2026, 10, 12)
    assert basis_date(make_basis(None), synthesis, 2026) == dt.date(2025, 5, 14)
    assert document_created(make_basis(), synthesis, 2026) == dt.datetime(2026, 10, 12, 12, 0, tzinfo=HELSINKI)


def test_a_meeting_date_given_by_the_user_is_kept(inputs: ChainsInputs, analysis: ChainsAnalysis) -> None:
    proposal = build_chains_proposal(
        catalogue=inputs.catalogue,
        analysis=analysis,
        synthesis=inputs.synthesis,
        basis=make_basis(),
        handling=handling(meeting_date=dt.date(2026, 12, 3)),
    )
    # Thu 3.12.2026 as given (not moved to a Monday); both agenda items are handled at that meeting.
    assert proposal.agenda.meeting_date == dt.date(2026, 12, 3)
    assert proposal.feedback_agenda.meeting_date == dt.date(2026, 12, 3)
    assert "Aluehallitus 3.12.2026" in proposal.summary_markdown


def test_first_proposal(inputs: ChainsInputs, analysis: ChainsAnalysis) -> None:
    proposal = _proposal(inputs, analysis)
    agenda = proposal.agenda
    assert agenda.title == "Palvelukokonaisuudet ja palveluketjut 2027"
    assert (agenda.body, agenda.dnro, agenda.meeting_date) == (
        "Aluehallitus",
        "PIRHA/2026/00.01.00/3",
        dt.date(2026, 10, 26),
    )
    assert agenda.proposal == (
        "Aluehallitus päättää hyväksyä Pirkanmaan hyvinvointialueen palvelukokonaisuuksien priorisoinnin sekä "
        "palveluketjut tavoitteineen ja mittareineen vuoden 2027 talousarvion ja palvelujen "
        "järjestämissuunnitelman valmistelun pohjaksi ja merkitä tiedoksi palvelukuvaukset."
    )
    # PK-IKA: alignment 3/3 → 0,35; need 1,08/1,08 = 1 → 0,30; cost per client 383 182 000 / 24 500 =
    # 15 640,08 €, benchmark 14 900 → 14 900 / 15 640,08 = 0,9527 → 0,1905; feasibility (4 − 1)/4 = 0,75
    # → 0,1125; score 0,953. (The old criterion 1 − chain cost / frame ranked PK-TYO first.)
    assert proposal.priority_order == ["PK-IKA", "PK-LAPSI", "PK-TYO", "PK-VAM", "PK-MTP"]
    assert analysis.priorities.rows[0].score == 0.953
    assert proposal.top_package == "PK-IKA" and proposal.top_stable is False
    headings = [g.heading for g in agenda.grounds]
    assert headings == [
        "Asian tausta",
        "Aineisto ja menetelmä",
        "Mitä priorisointi ratkaisee",
        "Priorisoinnin tulos",
        "Palveluketjut ja niiden tavoitteet",
        "Sidosryhmien palaute",
    ]
    text = json.dumps(agenda.model_dump(mode="json"), ensure_ascii=False)
    assert "jotka aluevaltuusto hyväksyi 12.10.2026." in text
    # Artefact keys, versions and file names stay out of the item (the method attachment has them).
    assert "targets-impact" not in text and "targets-frame" not in text
    assert "palvelukatalogi.csv" not in text and "(esimerkkiaineisto)" in text
    assert "Sidosryhmiltä koottiin 82 kommenttia" in text
    assert "1. Ikääntyneiden palvelut (0,9530)" in text
    [chains] = [g for g in agenda.grounds if g.heading == "Palveluketjut ja niiden tavoitteet"]
    assert chains.paragraphs[0].startswith(
        "Ikääntyneiden palvelut (ikääntyneet): 5 vaihetta (Ikäihmisten palveluneuvonta →"
    )
    assert "Vuosikustannus 383,2\u00a0milj.\u00a0€" in chains.paragraphs[0]  # the catalogue as stage 4 reconciled it
    assert [(a.number, a.filename) for a in agenda.attachments] == [(1, None), (2, None), (3, None)]
    # The second agenda item is the feedback summary, handled at the same meeting.
    assert proposal.feedback_agenda.title == "Yhteenveto sidosryhmien lausunnoista 2026"
    assert proposal.feedback_agenda.meeting_date == agenda.meeting_date
    assert [r.key for r in proposal.stage2] == ["targets-proposal", "targets-impact", "targets-frame"]
    assert "1. Ikääntyneiden palvelut — 0,9530" in proposal.summary_markdown


def test_returned_proposal_quotes_the_comments_and_moves_the_meeting(
    inputs: ChainsInputs, analysis: ChainsAnalysis
) -> None:
    earlier = (
        EarlierDecision(
            version=1,
            sha256="a" * 64,
            body="Aluehallitus",
            meeting_date=dt.date(2026, 10, 26),
            section="301",
            outcome=Outcome.RETURNED,
            comments="Perustele vammaispalvelujen toteutettavuusarvio.",
        ),
    )
    proposal = _proposal(inputs, analysis, earlier)
    [handled] = proposal.agenda.earlier_handling
    assert (handled.date, handled.section) == (dt.date(2026, 10, 26), 301)
    assert "Perustele vammaispalvelujen toteutettavuusarvio." in handled.summary
    assert proposal.agenda.meeting_date == dt.date(2026, 11, 9)  # two weeks later, a Monday
    assert proposal.agenda.grounds[-1].heading == "Palautuksen johdosta tehty valmistelu"
    assert proposal.feedback_agenda.earlier_handling[0].date == dt.date(2026, 10, 26)
    assert "Uudelleen valmisteltu" in proposal.summary_markdown
