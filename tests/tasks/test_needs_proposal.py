"""The stage-1 proposal: agenda item from the numbers, earlier handling, meeting date, outputs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from schemas.needs import NeedsAssessment
from schemas.stages import Stage
from soteflow.documents import load_governance
from tasks.agenda import genitive, meeting_after
from tasks.needs import assess_needs
from tasks.needs_proposal import build_needs_proposal, default_meeting_date, needs_round_outputs
from tests.conftest import DATA_DIR


@pytest.fixture(scope="module")
def assessment() -> NeedsAssessment:
    return assess_needs(DATA_DIR, "HVA08")


def _governance(assessment: NeedsAssessment):  # type: ignore[no-untyped-def]
    return load_governance("HVA08", Stage.NEEDS, DATA_DIR / "config" / "regions", region_name=assessment.region_name)


def test_meeting_date_comes_from_the_data_not_the_clock(assessment: NeedsAssessment) -> None:
    # Newest source: unemployment statistics updated 21.7.2026; +28 days = 18.8.2026 (Tue) → Mon 24.8.2026.
    assert default_meeting_date(assessment) == dt.date(2026, 8, 24)
    returned = [{"meeting_date": "2026-12-14"}]
    assert meeting_after(returned, dt.date(2026, 8, 24)) == dt.date(2026, 12, 28)  # two weeks on, a Monday


def test_genitive_of_region_names() -> None:
    assert genitive("Pirkanmaan hyvinvointialue") == "Pirkanmaan hyvinvointialueen"
    assert genitive("Helsingin kaupunki") == "Helsingin kaupungin"


def test_first_proposal(assessment: NeedsAssessment) -> None:
    proposal = build_needs_proposal(assessment, _governance(assessment), [], 2026)
    agenda = proposal.agenda
    assert agenda.title == "Palvelutarvearvio 2026"
    assert agenda.body == "Aluehallitus"
    assert agenda.dnro == "PIRHA/2026/00.01.00/1"
    assert agenda.earlier_handling == []
    assert agenda.proposal.startswith("Aluehallitus päättää hyväksyä Pirkanmaan hyvinvointialueen strategisen")
    assert proposal.highest_need[0] == "Mänttä-Vilppula"  # index 127,2, the highest in Pirkanmaa
    assert proposal.region_index == pytest.approx(98.4419)
    assert "98,4" in proposal.summary_markdown
    assert agenda.appeal_instructions[0].heading == "Oikaisuvaatimusohje"


def test_returned_proposal_quotes_the_comments_and_moves_the_meeting(assessment: NeedsAssessment) -> None:
    earlier = [
        {"version": 1, "sha256": "a" * 64, "body": "Aluehallitus", "meeting_date": "2026-12-14", "section": "245",
         "outcome": "returned", "comments": "Lisää ikääntyneiden palvelutarve."},
    ]  # fmt: skip
    proposal = build_needs_proposal(assessment, _governance(assessment), earlier, 2026)
    [handled] = proposal.agenda.earlier_handling
    assert (handled.date, handled.section) == (dt.date(2026, 12, 14), 245)
    assert "Palautettiin uudelleen valmisteltavaksi" in handled.summary
    assert "Lisää ikääntyneiden palvelutarve." in handled.summary
    assert proposal.agenda.meeting_date == dt.date(2026, 12, 28)
    assert any(g.heading == "Palautuksen johdosta tehty valmistelu" for g in proposal.agenda.grounds)
    assert "Uudelleen valmisteltu" in proposal.summary_markdown


def test_round_outputs_lineage(assessment: NeedsAssessment) -> None:
    from tasks.needs_proposal import build_needs_figures

    figures = build_needs_figures(assessment, DATA_DIR)
    proposal = build_needs_proposal(assessment, _governance(assessment), [], 2026)
    outputs = needs_round_outputs(assessment=assessment, figures=figures, proposal=proposal, data_dir=None)
    assert [s.key for s in outputs.sources] == [
        "needs-source-age", "needs-source-population", "needs-source-sex", "needs-source-income",
        "needs-source-unemployment", "needs-source-education", "needs-source-map",
    ]  # fmt: skip
    assert outputs.sources[0].content == (Path(DATA_DIR) / "statfin" / "age_register_kunnat_11ra.json").read_bytes()
    assert set(outputs.proposal.inputs) == {d.key for d in outputs.data} | {"needs-map-svg"}
    assert outputs.tables["needs-index"][0]["kunta"] == "Mänttä-Vilppula"
    assert figures.map_svg.startswith("<svg")
