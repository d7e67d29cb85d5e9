"""Stage 3's documents: *Palvelukokonaisuudet ja palveluketjut* and *Yhteenveto sidosryhmien lausunnoista*."""

from __future__ import annotations

from schemas.chains import (
    CRITERIA,
    CRITERION_LABELS,
    ChainsAnalysis,
    ChainsFigures,
    ChainsInputs,
    ChainsProposal,
    ServiceCatalogue,
)
from schemas.documents import PdfAttachment
from schemas.feedback import FeedbackFigures
from schemas.results import VersionRef
from schemas.stages import Stage
from schemas.targets import CLIENT_GROUP_LABELS, TargetsBasis
from soteflow.documents import DocumentSpec
from soteflow.numbers import fi_number
from soteflow.store.canonical import canonical_json
from tasks.agenda import AttachmentPart, agenda_document, attachment_documents
from tasks.chains.feedback_agenda import feedback_documents
from tasks.chains.proposal import document_created

TEMPLATE = "s3_chains.html"
ATTACHMENT_TEMPLATE = "s3_chains_attachment.html"
DOCUMENT_KEY = "chains-decision"


def method_paragraphs(payload: ChainsProposal, catalogue: ServiceCatalogue, analysis: ChainsAnalysis) -> list[str]:
    """The method attachment's text: the catalogue, the criteria and weights, the sensitivity analysis."""
    priorities = analysis.priorities
    steps = sum(len(p.steps) for p in catalogue.packages)
    example = ", esimerkkiaineisto" if catalogue.example_data else ""
    weights = ", ".join(
        f"{CRITERION_LABELS[k].lower()} {fi_number(100 * priorities.weights[k], 0)} %" for k in CRITERIA
    )
    return [
        f"Palveluluettelo ({catalogue.source_file}{example}) sisältää {len(catalogue.packages)} "
        f"palvelukokonaisuutta ja {steps} palvelua palveluketjujen vaiheina. Kunkin palvelun tuotantotapa, "
        "vuosivolyymi, yksikkökustannus ja laatumittari on annettu luettelossa, ja jokainen vaihe on "
        "sidottu vaiheen 2 vaikuttavuustavoitteeseen (sarake tavoite_id).",
        priorities.decides,
        *priorities.method,
        f"Painot: {weights}.",
        priorities.sensitivity.method,
    ]


def chains_documents(
    payload: ChainsProposal,
    inputs: ChainsInputs,
    analysis: ChainsAnalysis,
    figures: ChainsFigures,
    feedback_figs: FeedbackFigures,
    basis: TargetsBasis,
    proposal_ref: VersionRef,
) -> list[DocumentSpec]:
    """The case's documents, all from the same stored proposal version: the item and its two
    attachments, and the feedback summary (an item of its own, the chains item's last attachment)
    with its attachments."""
    created = document_created(basis, inputs.synthesis, payload.cycle)
    catalogue = inputs.catalogue
    proposal_data = PdfAttachment(
        filename="chains-proposal.json", content=canonical_json(payload), description="Päätösehdotus (JSON)"
    )
    item = agenda_document(
        key=DOCUMENT_KEY,
        template=TEMPLATE,
        agenda=payload.agenda,
        proposal=proposal_ref,
        document_id=f"{payload.region_code.lower()}-{payload.cycle}-{DOCUMENT_KEY}",
        region_code=payload.region_code,
        region_name=payload.region_name,
        cycle=payload.cycle,
        subject=f"{payload.agenda.body}: päätösehdotus, {Stage.CHAINS.title_fi.lower()}",
        keywords=["palvelukokonaisuudet", "palveluketjut", "priorisointi"],
        created=created,
        attachments=[proposal_data],
        context={},
    )
    context = {
        "payload": payload,
        "catalogue": catalogue,
        "priorities": analysis.priorities,
        "services": analysis.services,
        "figures": figures,
        "criteria": list(CRITERIA),
        "criterion_labels": CRITERION_LABELS,
        "group_labels": CLIENT_GROUP_LABELS,
        "method_paragraphs": method_paragraphs(payload, catalogue, analysis),
    }
    parts = [
        AttachmentPart(
            number=1,
            part="method",
            context=context,
            data=[
                PdfAttachment(
                    filename="chains-priorities.json",
                    content=canonical_json(analysis.priorities),
                    description="Priorisointi ja herkkyystarkastelu (JSON)",
                )
            ],
        ),
        AttachmentPart(
            number=2,
            part="chains",
            context=context,
            data=[
                PdfAttachment(
                    filename="chains-services.json",
                    content=canonical_json(analysis.services),
                    description="Palveluketjut ja palvelukuvaukset (JSON)",
                )
            ],
        ),
    ]
    feedback = feedback_documents(
        payload.feedback_agenda,
        inputs.synthesis,
        feedback_figs,
        proposal_ref,
        proposal_data=proposal_data,
        region_code=payload.region_code,
        region_name=payload.region_name,
        cycle=payload.cycle,
        created=created,
    )
    return [item, *attachment_documents(item, ATTACHMENT_TEMPLATE, parts), *feedback]
