"""Stage 5a's documents: *Hankintasuunnitelma ja hankintojen työnjako* and a *Hankintapäätös*
per procurement with bids."""

from __future__ import annotations

import datetime as dt

from schemas.documents import PdfAttachment
from schemas.procurement import (
    AwardComparison,
    AwardProposal,
    CompensationModels,
    PlanProposal,
    ProcurementAnalysis,
    ProcurementFigures,
)
from schemas.results import VersionRef
from soteflow.documents import DocumentSpec
from soteflow.store.canonical import canonical_json
from tasks.agenda import agenda_document
from tasks.procurement.exports import export_award_csv, export_plan_csv

PLAN_TEMPLATE = "s5_procurement_plan.html"
AWARD_TEMPLATE = "s5_award.html"
PLAN_DOCUMENT = "procurement-plan-decision"


def award_document_key(procurement_id: str) -> str:
    """The artefact key of a procurement's award decision document."""
    return f"procurement-award-{procurement_id.lower()}-decision"


def plan_documents(
    payload: PlanProposal,
    analysis: ProcurementAnalysis,
    figures: ProcurementFigures,
    created: dt.datetime,
    proposal: VersionRef,
) -> list[DocumentSpec]:
    """The plan's decision document, from the stored proposal version."""
    attachments = [
        PdfAttachment(
            filename="procurement-plan.csv",
            content=export_plan_csv(analysis),
            description="Hankintasuunnitelma (CSV)",
            media_type="text/csv",
        ),
        PdfAttachment(
            filename="procurement-plan.json",
            content=canonical_json(analysis.plan),
            description="Hankintasuunnitelma (JSON)",
        ),
        PdfAttachment(
            filename="procurement-compensation.json",
            content=canonical_json(
                CompensationModels(region_code=analysis.region_code, cycle=analysis.cycle, models=analysis.compensation)
            ),
            description="Korvausmallit (JSON)",
        ),
        PdfAttachment(
            filename="procurement-contracts.json",
            content=canonical_json(analysis.contracts),
            description="Sopimukset ja niiden ehdot (JSON)",
        ),
        PdfAttachment(
            filename="procurement-ocds.json",
            content=canonical_json(analysis.ocds),
            description="OCDS 1.1.5 -julkaisupaketti (JSON)",
        ),
    ]
    return [
        agenda_document(
            key=PLAN_DOCUMENT,
            template=PLAN_TEMPLATE,
            agenda=payload.agenda,
            proposal=proposal,
            document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal.key}",
            region_code=payload.region_code,
            region_name=payload.region_name,
            cycle=payload.cycle,
            subject=f"{payload.agenda.body}: päätösehdotus, hankintasuunnitelma ja hankintojen työnjako",
            keywords=["hankintasuunnitelma", "hankintojen työnjako", "osiin jako", "korvausmalli", "OCDS"],
            created=created,
            attachments=attachments,
            context={"analysis": analysis, "figures": figures, "payload": payload},
        )
    ]


def award_documents(
    payload: AwardProposal,
    award: AwardComparison,
    analysis: ProcurementAnalysis,
    created: dt.datetime,
    proposal: VersionRef,
) -> list[DocumentSpec]:
    """An award decision's document, from the stored proposal version."""
    pid = award.procurement_id.lower()
    procurement = next(p for p in analysis.plan.procurements if p.procurement_id == award.procurement_id)
    return [
        agenda_document(
            key=award_document_key(award.procurement_id),
            template=AWARD_TEMPLATE,
            agenda=payload.agenda,
            proposal=proposal,
            document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal.key}",
            region_code=payload.region_code,
            region_name=payload.region_name,
            cycle=payload.cycle,
            subject=f"{payload.agenda.body}: hankintapäätös {award.procurement_id}",
            keywords=["hankintapäätös", award.procurement_id, procurement.service_name],
            created=created,
            attachments=[
                PdfAttachment(
                    filename=f"{pid}-award.csv",
                    content=export_award_csv(award),
                    description=f"Tarjousvertailu {award.procurement_id} (CSV)",
                    media_type="text/csv",
                ),
                PdfAttachment(
                    filename=f"{pid}-award.json",
                    content=canonical_json(payload),
                    description=f"Hankintapäätösehdotus {award.procurement_id} (JSON)",
                ),
            ],
            context={"award": award, "procurement": procurement, "payload": payload},
        )
    ]
