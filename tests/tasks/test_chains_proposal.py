"""The stage-3 proposal: two agenda items from the numbers, dates from the data, lineage, documents."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from schemas.chains import TargetsBasis
from schemas.stages import Stage
from schemas.targets import ClientGroup
from soteflow.documents import load_governance
from tasks.chains_proposal import (
    ChainsAnalysis,
    ChainsInputs,
    analyse_chains,
    build_chain_figures,
    build_chains_proposal,
    chains_input_paths,
    chains_round_outputs,
    default_meeting_date,
    document_created,
    read_chains_inputs,
    region_identity,
    render_round_documents,
)
from tasks.feedback_document import feedback_figures
from tests.conftest import DATA_DIR
from tests.tasks.test_chains import frame_allocation, impact_targets, version_ref

G = ClientGroup
HELSINKI = ZoneInfo("Europe/Helsinki")

#: The shipped example's stage-2 target ids (data/examples/HVA08/tavoitteet.csv).
TARGETS = impact_targets(
    {
        G.CHILDREN_FAMILIES: ["T-LAP-1", "T-LAP-2"],
        G.WORKING_AGE: ["T-TYO-1", "T-TYO-2"],
        G.OLDER_PEOPLE: ["T-IKA-1", "T-IKA-2", "T-IKA-3"],
        G.DISABILITY: ["T-VAM-1", "T-VAM-2"],
        G.MENTAL_SUBSTANCE: ["T-MTP-1", "T-MTP-2"],
    }
)
#: Relative need (country = 1) and allocated frame € per group: example values for the test.
FRAME = frame_allocation(
    {
        G.CHILDREN_FAMILIES: (0.95, 600e6),
        G.WORKING_AGE: (1.02, 1450e6),
        G.OLDER_PEOPLE: (1.08, 880e6),
        G.DISABILITY: (1.0, 320e6),
        G.MENTAL_SUBSTANCE: (1.05, 260e6),
    }
)


def make_basis(approved_on: dt.date | None = dt.date(2026, 10, 12)) -> TargetsBasis:
    return TargetsBasis(
        impact=TARGETS,
        frame=FRAME,
        impact_ref=version_ref("targets-impact"),
        frame_ref=version_ref("targets-frame"),
        proposal_ref=version_ref("targets-proposal", 2),
        approved_on=approved_on,
        approved_by="Aluevaltuusto" if approved_on else None,
    )


@pytest.fixture(scope="module")
def inputs() -> ChainsInputs:
    catalogue, feedback, taxonomy = chains_input_paths("HVA08", None, None)
    return read_chains_inputs(Path(catalogue), Path(feedback), Path(taxonomy))


@pytest.fixture(scope="module")
def analysis(inputs: ChainsInputs) -> ChainsAnalysis:
    return analyse_chains(inputs.catalogue, make_basis(), catalogue_path=inputs.catalogue_path)


def _governance():  # type: ignore[no-untyped-def]
    return load_governance(
        "HVA08", Stage.CHAINS, DATA_DIR / "config" / "regions", region_name="Pirkanmaan hyvinvointialue"
    )


def _proposal(inputs: ChainsInputs, analysis: ChainsAnalysis, earlier: list[dict[str, object]] | None = None):  # type: ignore[no-untyped-def]
    return build_chains_proposal(
        catalogue=inputs.catalogue,
        analysis=analysis,
        synthesis=inputs.synthesis,
        basis=make_basis(),
        governance=_governance(),
        earlier=list(earlier or []),
        cycle=2026,
    )


def test_inputs_folder_and_region() -> None:
    assert region_identity("Pirkanmaa") == ("HVA08", "Pirkanmaan hyvinvointialue")
    catalogue, feedback, taxonomy = chains_input_paths("HVA08", "/in", None)
    assert (catalogue, feedback) == ("/in/palvelukatalogi.csv", "/in/lausunnot.csv")
    assert taxonomy == str(DATA_DIR / "config" / "feedback_themes.toml")


def test_meeting_date_and_creation_time_come_from_the_data(inputs: ChainsInputs) -> None:
    synthesis = inputs.synthesis
    assert synthesis.last_date == dt.date(2025, 5, 14)  # the example's last stakeholder session
    # Stage 2 approved Mon 12.10.2026; + 14 days = Mon 26.10.2026 (later than 14.5.2025 + 28 days).
    assert default_meeting_date(make_basis(), synthesis, 2026) == dt.date(2026, 10, 26)
    # Without an approval date: 14.5.2025 + 28 days = Wed 11.6.2025 → Mon 16.6.2025.
    assert default_meeting_date(make_basis(None), synthesis, 2026) == dt.date(2025, 6, 16)
    # Documents are created at noon (Helsinki) of the newest date the proposal rests on.
    assert document_created(make_basis(), synthesis, 2026) == dt.datetime(2026, 10, 12, 12, 0, tzinfo=HELSINKI)


def test_first_proposal(inputs: ChainsInputs, analysis: ChainsAnalysis) -> None:
    proposal = _proposal(inputs, analysis)
    agenda = proposal.agenda
    assert agenda.title == "Palvelukokonaisuudet ja palveluketjut 2026"
    assert (agenda.body, agenda.dnro, agenda.meeting_date) == (
        "Aluehallitus",
        "PIRHA/2026/00.01.00/3",
        dt.date(2026, 10, 26),
    )
    assert agenda.proposal == (
        "Aluehallitus päättää hyväksyä Pirkanmaan hyvinvointialueen palvelukokonaisuuksien priorisoinnin sekä "
        "palveluketjut tavoitteineen ja mittareineen suunnittelukierroksen 2026 pohjaksi ja merkitä tiedoksi "
        "palvelukuvaukset."
    )
    # PK-TYO: alignment 2/2 → 0,35; need 1,02/1,08 = 0,9444 → 0,2833; cost 1 − 175 114 000/1 450 000 000
    # = 0,8792 → 0,1758; feasibility (3 − 1)/4 = 0,5 → 0,075; score 0,8841.
    assert proposal.priority_order == ["PK-TYO", "PK-IKA", "PK-LAPSI", "PK-VAM", "PK-MTP"]
    assert analysis.priorities.rows[0].score == 0.8841
    assert proposal.top_package == "PK-TYO" and proposal.top_stable is False
    headings = [g.heading for g in agenda.grounds]
    assert headings == [
        "Asian tausta", "Aineisto ja menetelmä", "Priorisoinnin tulos", "Palveluketjut ja niiden tavoitteet",
        "Sidosryhmien palaute",
    ]  # fmt: skip
    text = json.dumps(agenda.model_dump(mode="json"), ensure_ascii=False)
    assert "jotka aluevaltuusto hyväksyi 12.10.2026 (päätösehdotuksen versio 2)" in text
    assert "targets-impact v1" in text and "targets-frame v1" in text
    assert "palvelukatalogi.csv, esimerkkiaineisto" in text
    assert "Sidosryhmiltä koottiin 82 kommenttia" in text
    assert "1. Työikäisten palvelut (0,8841)" in text
    [chains] = [g for g in agenda.grounds if g.heading == "Palveluketjut ja niiden tavoitteet"]
    assert chains.paragraphs[1].startswith(
        "Ikääntyneiden palvelut (ikääntyneet): 5 vaihetta (Ikäihmisten palveluneuvonta →"
    )
    assert "Vuosikustannus 375,7 milj. €" in chains.paragraphs[1]
    assert [a.filename for a in agenda.attachments] == [
        "chains-proposal.json", "chains-priorities.json", "chains-services.json", None,
    ]  # fmt: skip
    # The second agenda item is the feedback summary, handled at the same meeting.
    assert proposal.feedback_agenda.title == "Yhteenveto sidosryhmien lausunnoista 2026"
    assert proposal.feedback_agenda.meeting_date == agenda.meeting_date
    assert [r.key for r in proposal.stage2] == ["targets-proposal", "targets-impact", "targets-frame"]
    assert "1. Työikäisten palvelut — 0,8841" in proposal.summary_markdown


def test_returned_proposal_quotes_the_comments_and_moves_the_meeting(
    inputs: ChainsInputs, analysis: ChainsAnalysis
) -> None:
    earlier = [
        {"version": 1, "sha256": "a" * 64, "body": "Aluehallitus", "meeting_date": "2026-10-26", "section": "301",
         "outcome": "returned", "comments": "Perustele vammaispalvelujen toteutettavuusarvio."},
    ]  # fmt: skip
    proposal = _proposal(inputs, analysis, earlier)
    [handled] = proposal.agenda.earlier_handling
    assert (handled.date, handled.section) == (dt.date(2026, 10, 26), 301)
    assert "Perustele vammaispalvelujen toteutettavuusarvio." in handled.summary
    assert proposal.agenda.meeting_date == dt.date(2026, 11, 9)  # two weeks later, a Monday
    assert proposal.agenda.grounds[-1].heading == "Palautuksen johdosta tehty valmistelu"
    assert proposal.feedback_agenda.earlier_handling[0].date == dt.date(2026, 10, 26)
    assert "Uudelleen valmisteltu" in proposal.summary_markdown


def test_round_outputs_and_their_lineage(inputs: ChainsInputs, analysis: ChainsAnalysis) -> None:
    basis = make_basis()
    figures = build_chain_figures(analysis.services)
    outputs = chains_round_outputs(
        inputs=inputs, analysis=analysis, figures=figures, proposal=_proposal(inputs, analysis), basis=basis
    )
    assert [s.key for s in outputs.sources] == [
        "chains-source-catalogue",
        "chains-source-feedback",
        "chains-source-themes",
    ]
    assert outputs.sources[0].content == (DATA_DIR / "examples" / "HVA08" / "palvelukatalogi.csv").read_bytes()
    lineage = {d.key: (list(d.inputs), [r.key for r in d.external_inputs]) for d in outputs.data}
    assert lineage == {
        "chains-catalogue": (["chains-source-catalogue"], []),
        "chains-priorities": (["chains-catalogue"], ["targets-impact", "targets-frame"]),
        "chains-services": (["chains-catalogue"], ["targets-impact"]),
        "chains-feedback-synthesis": (["chains-source-feedback", "chains-source-themes"], []),
    }
    figure_keys = [f.key for f in outputs.figures]
    assert figure_keys == [
        "chains-chain-pk-ika-svg", "chains-chain-pk-lapsi-svg", "chains-chain-pk-tyo-svg",
        "chains-chain-pk-mtp-svg", "chains-chain-pk-vam-svg",
    ]  # fmt: skip
    assert all(f.inputs == ["chains-services"] and f.media_type == "image/svg+xml" for f in outputs.figures)
    assert list(outputs.proposal.inputs) == [*lineage, *figure_keys]
    assert [r.key for r in outputs.proposal.external_inputs] == ["targets-proposal"]
    assert outputs.tables["chains-priorities"][0]["palvelukokonaisuus"] == "Työikäisten palvelut"
    assert len(outputs.tables["chains-services"]) == 18


def test_chain_diagram_shows_steps_modes_and_volumes(analysis: ChainsAnalysis) -> None:
    figures = build_chain_figures(analysis.services)
    ika = figures.for_package("PK-IKA")
    assert ika.title == "Palveluketju: Ikääntyneiden palvelut"
    assert (
        "5. Ympärivuorokautinen palveluasuminen (ostopalvelu; 1\u00a0250\u00a0000 hoitopäivä/vuosi; tavoite T-IKA-2)"
        in ika.svg
    )
    assert ika.svg.count(">OMA<") == 4 and ika.svg.count(">OSTO<") == 1
    assert "OSTO = ostopalvelu" in ika.svg


def test_both_documents_render_from_the_same_proposal_version(inputs: ChainsInputs, analysis: ChainsAnalysis) -> None:
    basis = make_basis()
    proposal = _proposal(inputs, analysis)
    figures = build_chain_figures(analysis.services)
    ref = version_ref("chains-proposal", 3)
    docs = render_round_documents(proposal, inputs, analysis, figures, feedback_figures(inputs.synthesis), basis, ref)
    assert [(d.key, d.title) for d in docs] == [
        ("chains-decision", "Palvelukokonaisuudet ja palveluketjut 2026"),
        ("chains-feedback", "Yhteenveto sidosryhmien lausunnoista 2026"),
    ]
    for doc in docs:
        assert f"versio 3 · SHA-256 {ref.sha256[:12]}" in doc.html
    reader = PdfReader(io.BytesIO(docs[0].pdf))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    assert "Palvelukokonaisuudet ja palveluketjut 2026" in text
    assert "Painon muutos → järjestys" in text
    assert "0,8841" in text  # PK-TYO's score in the scores table
    assert "Ympärivuorokautinen palveluasuminen" in text
    assert "Myöntämisperusteet" in text  # the structured service descriptions
    attached = {name: json.loads(content[0]) for name, content in reader.attachments.items()}
    assert set(attached) == {"chains-proposal.json", "chains-priorities.json", "chains-services.json"}
    assert attached["chains-priorities.json"]["rows"][0]["package_id"] == "PK-TYO"
    assert attached["chains-proposal.json"]["agenda"]["title"] == "Palvelukokonaisuudet ja palveluketjut 2026"
    assert reader.metadata is not None and reader.metadata.title == (
        "Palvelukokonaisuudet ja palveluketjut 2026 – Pirkanmaan hyvinvointialue"
    )
    # Same inputs, same bytes: the render is reproducible.
    again = render_round_documents(proposal, inputs, analysis, figures, feedback_figures(inputs.synthesis), basis, ref)
    assert [d.pdf for d in again] == [d.pdf for d in docs]
