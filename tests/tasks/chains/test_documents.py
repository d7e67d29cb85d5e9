"""Stage 3's documents: the decision and the stakeholder summary, both from one proposal version."""

from __future__ import annotations

import datetime as dt
import io
import json
from zoneinfo import ZoneInfo

import pytest
from pypdf import PdfReader

from schemas.chains import ChainsAnalysis, ChainsInputs, ChainsProposal
from soteflow.documents import RenderedDocument
from tasks.chains.documents import chains_documents
from tasks.chains.feedback_agenda import feedback_figures
from tasks.chains.figures import build_chain_figures
from tasks.chains.proposal import build_chains_proposal
from tests.tasks.chains.factories import handling, make_basis, shipped_analysis, shipped_inputs, version_ref

HELSINKI = ZoneInfo("Europe/Helsinki")
REF = version_ref("chains-proposal", 3)


@pytest.fixture(scope="module")
def inputs() -> ChainsInputs:
    return shipped_inputs()


@pytest.fixture(scope="module")
def analysis(inputs: ChainsInputs) -> ChainsAnalysis:
    return shipped_analysis(inputs)


@pytest.fixture(scope="module")
def proposal(inputs: ChainsInputs, analysis: ChainsAnalysis) -> ChainsProposal:
    return build_chains_proposal(
        catalogue=inputs.catalogue,
        analysis=analysis,
        synthesis=inputs.synthesis,
        basis=make_basis(),
        handling=handling(),
    )


def _render(proposal: ChainsProposal, inputs: ChainsInputs, analysis: ChainsAnalysis) -> list[RenderedDocument]:
    specs = chains_documents(
        proposal,
        inputs,
        analysis,
        build_chain_figures(analysis.services),
        feedback_figures(inputs.synthesis),
        make_basis(),
        REF,
    )
    return [spec.render() for spec in specs]


def test_both_documents_are_declared_from_the_same_proposal_version(
    proposal: ChainsProposal, inputs: ChainsInputs, analysis: ChainsAnalysis
) -> None:
    specs = chains_documents(
        proposal,
        inputs,
        analysis,
        build_chain_figures(analysis.services),
        feedback_figures(inputs.synthesis),
        make_basis(),
        REF,
    )
    assert [(d.key, d.title) for d in specs] == [
        ("chains-decision", "Palvelukokonaisuudet ja palveluketjut 2027"),
        ("chains-attachment-1", "Liite 1: Menetelmä, pisteytys ja lähteet"),
        ("chains-attachment-2", "Liite 2: Palveluketjut ja palvelukuvaukset"),
        ("chains-feedback", "Yhteenveto sidosryhmien lausunnoista 2026"),
        ("chains-feedback-attachment-1", "Liite 1: Kommentit teemoittain, ehdotukset ja lainaukset"),
        ("chains-feedback-attachment-2", "Liite 2: Menetelmä ja teemoittelun perusteet"),
    ]
    specs = [specs[0], specs[3]]  # the two items
    # Both created at noon (Helsinki) of the stage-2 approval, 12.10.2026: from the data, not the clock.
    created = dt.datetime(2026, 10, 12, 12, 0, tzinfo=HELSINKI)
    assert [d.metadata.created for d in specs] == [created, created]
    assert [d.context["item"].document_id for d in specs] == [
        "hva08-2026-chains-decision",
        "hva08-2026-chains-feedback",
    ]
    assert all((d.context["item"].version, d.context["item"].sha256) == (3, REF.sha256) for d in specs)


def test_both_documents_render_from_the_same_proposal_version(
    proposal: ChainsProposal, inputs: ChainsInputs, analysis: ChainsAnalysis
) -> None:
    docs = _render(proposal, inputs, analysis)
    # Both items print the proposal version's hash; each attachment prints its own data's hash.
    for doc in (docs[0], docs[3]):
        assert f"versio 3 · SHA-256 {REF.sha256[:12]}" in doc.html
    for doc in (docs[1], docs[2], docs[4], docs[5]):
        assert f"SHA-256 {REF.sha256[:12]}" not in doc.html
    readers = [PdfReader(io.BytesIO(doc.pdf)) for doc in docs[:3]]
    reader = readers[0]
    text = " ".join(page.extract_text() for r in readers for page in r.pages).replace("\n", " ")
    assert "Palvelukokonaisuudet ja palveluketjut 2027" in text
    assert "Painon muutos → järjestys" in text
    assert "0,9530" in text  # PK-IKA's score in the scores table
    assert "Kustannus asiakasta kohden suhteessa vertailukustannukseen" in text
    assert "Ympärivuorokautinen palveluasuminen" in text
    assert "Myöntämisperusteet" in text  # the structured service descriptions
    attached = {name: json.loads(content[0]) for r in readers for name, content in r.attachments.items()}
    assert set(attached) == {"chains-proposal.json", "chains-priorities.json", "chains-services.json"}
    assert attached["chains-priorities.json"]["rows"][0]["package_id"] == "PK-IKA"
    assert attached["chains-proposal.json"]["agenda"]["title"] == "Palvelukokonaisuudet ja palveluketjut 2027"
    assert reader.metadata is not None and reader.metadata.title == (
        "Palvelukokonaisuudet ja palveluketjut 2027 – Pirkanmaan hyvinvointialue"
    )
    # Same inputs, same bytes: the render is reproducible.
    again = _render(proposal, inputs, analysis)
    assert [d.pdf for d in again] == [d.pdf for d in docs]
