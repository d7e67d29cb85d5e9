"""Stage 1's document: the decision document *Palvelutarvearvio* (PDF/A-3a, its data attached)."""

from __future__ import annotations

from schemas.documents import PdfAttachment
from schemas.needs import NeedsAssessment, NeedsFigures, NeedsProposal
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import DocumentSpec
from soteflow.store.canonical import canonical_json
from tasks.agenda import agenda_document
from tasks.needs.analysis import COMPONENT_LABELS
from tasks.needs.proposal import document_created

TEMPLATE = "s1_needs.html"
DOCUMENT_KEY = "needs-decision"


def needs_document(
    payload: NeedsProposal, assessment: NeedsAssessment, figures: NeedsFigures, proposal_ref: VersionRef
) -> DocumentSpec:
    """The decision document, rendered from the stored proposal version (its number and hash in the footer)."""
    attachments = [
        PdfAttachment(
            filename="needs-proposal.json", content=canonical_json(payload), description="Päätösehdotus (JSON)"
        ),
        PdfAttachment(
            filename="needs-assessment.json",
            content=canonical_json(assessment),
            description="Palvelutarvearvion aineisto (JSON)",
        ),
    ]
    return agenda_document(
        key=DOCUMENT_KEY,
        template=TEMPLATE,
        agenda=payload.agenda,
        proposal=proposal_ref,
        document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal_ref.key}",
        region_code=payload.region_code,
        region_name=payload.region_name,
        cycle=payload.cycle,
        subject=f"{payload.agenda.body}: päätösehdotus, {Stage.NEEDS.title_fi.lower()}",
        keywords=["palvelutarvearvio", "hyvinvointialue"],
        created=document_created(assessment),
        attachments=attachments,
        context={"assessment": assessment, "figures": figures, "component_labels": COMPONENT_LABELS},
    )
