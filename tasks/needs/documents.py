"""Stage 1's documents: the agenda item *Palvelutarvearvio* and its attachments (PDF/A-3a, each
with the data it presents embedded): liite 1 the method and sources, liite 2 the figures and
tables by municipality."""

from __future__ import annotations

from schemas.documents import PdfAttachment
from schemas.needs import NeedsAssessment, NeedsFigures, NeedsProposal
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import DocumentSpec
from soteflow.documents.formatting import fi_date
from soteflow.numbers import fi_number
from soteflow.store.canonical import canonical_json
from tasks.agenda import AttachmentPart, agenda_document, attachment_documents
from tasks.needs.analysis import COMPONENT_LABELS, INDEX_METHOD
from tasks.needs.proposal import document_created

TEMPLATE = "s1_needs.html"
ATTACHMENT_TEMPLATE = "s1_needs_attachment.html"
DOCUMENT_KEY = "needs-decision"


def method_context(assessment: NeedsAssessment) -> dict[str, object]:
    """The method attachment's texts: each source, the index method and its weights."""
    sources = [
        f"{s.table_label or s.file} ({s.source or 'Tilastokeskus'}; tiedosto {s.file}, päivitetty "
        f"{fi_date(s.updated) if s.updated else 'ei tiedossa'})"
        for s in assessment.sources
    ]
    weights = ", ".join(
        f"{COMPONENT_LABELS[k].lower()} {fi_number(100 * w, 0)} %"
        for k, w in assessment.need_index.weights.items()
        if w > 0
    )
    return {"source_lines": sources, "index_method": INDEX_METHOD, "weight_text": weights}


def needs_documents(
    payload: NeedsProposal, assessment: NeedsAssessment, figures: NeedsFigures, proposal_ref: VersionRef
) -> list[DocumentSpec]:
    """The item (its proposal embedded) and its two attachments, from the stored proposal version."""
    item = agenda_document(
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
        attachments=[
            PdfAttachment(
                filename="needs-proposal.json", content=canonical_json(payload), description="Päätösehdotus (JSON)"
            )
        ],
        context={},
    )
    by_municipality = {
        "profiles": assessment.profiles,
        "need_index": assessment.need_index,
        "change": assessment.change,
    }
    parts = [
        AttachmentPart(
            number=1,
            part="method",
            context={"assessment": assessment, **method_context(assessment)},
            data=[
                PdfAttachment(
                    filename="needs-assessment.json",
                    content=canonical_json(assessment),
                    description="Palvelutarvearvion aineisto, menetelmä ja lähteet (JSON)",
                )
            ],
        ),
        AttachmentPart(
            number=2,
            part="municipalities",
            context={"assessment": assessment, "figures": figures, "component_labels": COMPONENT_LABELS},
            data=[
                PdfAttachment(
                    filename="needs-municipalities.json",
                    content=canonical_json(by_municipality),
                    description="Palvelutarveprofiilit, tarveindeksi ja väestönmuutokset kunnittain (JSON)",
                )
            ],
        ),
    ]
    return [item, *attachment_documents(item, ATTACHMENT_TEMPLATE, parts)]


def needs_document(
    payload: NeedsProposal, assessment: NeedsAssessment, figures: NeedsFigures, proposal_ref: VersionRef
) -> DocumentSpec:
    """The agenda item alone (the first of :func:`needs_documents`)."""
    return needs_documents(payload, assessment, figures, proposal_ref)[0]
