"""Stage 3's documents: *Palvelukokonaisuudet ja palveluketjut* and *Yhteenveto sidosryhmien lausunnoista*."""

from __future__ import annotations

import datetime as dt

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
from soteflow.store.canonical import canonical_json
from tasks.agenda import agenda_document
from tasks.chains.feedback_agenda import feedback_document
from tasks.chains.proposal import document_created

TEMPLATE = "s3_chains.html"
DOCUMENT_KEY = "chains-decision"


def chains_document(
    payload: ChainsProposal,
    catalogue: ServiceCatalogue,
    analysis: ChainsAnalysis,
    figures: ChainsFigures,
    proposal_ref: VersionRef,
    *,
    created: dt.datetime,
) -> DocumentSpec:
    """*Palvelukokonaisuudet ja palveluketjut*, rendered from the stored proposal version."""
    attachments = [
        PdfAttachment(
            filename="chains-proposal.json", content=canonical_json(payload), description="Päätösehdotus (JSON)"
        ),
        PdfAttachment(
            filename="chains-priorities.json",
            content=canonical_json(analysis.priorities),
            description="Priorisointi ja herkkyystarkastelu (JSON)",
        ),
        PdfAttachment(
            filename="chains-services.json",
            content=canonical_json(analysis.services),
            description="Palveluketjut ja palvelukuvaukset (JSON)",
        ),
    ]
    return agenda_document(
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
        attachments=attachments,
        context={
            "payload": payload,
            "catalogue": catalogue,
            "priorities": analysis.priorities,
            "services": analysis.services,
            "figures": figures,
            "criteria": list(CRITERIA),
            "criterion_labels": CRITERION_LABELS,
            "group_labels": CLIENT_GROUP_LABELS,
        },
    )


def chains_documents(
    payload: ChainsProposal,
    inputs: ChainsInputs,
    analysis: ChainsAnalysis,
    figures: ChainsFigures,
    feedback_figs: FeedbackFigures,
    basis: TargetsBasis,
    proposal_ref: VersionRef,
) -> list[DocumentSpec]:
    """Both documents of the case, rendered from the same stored proposal version."""
    created = document_created(basis, inputs.synthesis, payload.cycle)
    decision = chains_document(payload, inputs.catalogue, analysis, figures, proposal_ref, created=created)
    feedback = feedback_document(
        payload.feedback_agenda,
        inputs.synthesis,
        feedback_figs,
        proposal_ref,
        region_code=payload.region_code,
        region_name=payload.region_name,
        cycle=payload.cycle,
        created=created,
    )
    return [decision, feedback]
