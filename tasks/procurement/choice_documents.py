"""Stage 5b's documents: *Palvelusetelien arvot, sääntökirja ja henkilökohtainen budjetti* with
the rule book (sääntökirja) as its own document, and a producer-approval decision per batch."""

from __future__ import annotations

import datetime as dt

from schemas.choice import ApprovalBatch, ApprovalProposal, ChoiceAnalysis, VouchersProposal, VoucherValues
from schemas.documents import PdfAttachment
from schemas.results import VersionRef
from soteflow.documents import DocumentSpec
from soteflow.store.canonical import canonical_json
from tasks.agenda import agenda_document
from tasks.definition import XLSX_MEDIA_TYPE
from tasks.procurement.choice_exports import export_budgets_csv, export_producers_csv, export_vouchers_xlsx
from tasks.procurement.choice_proposal import approval_case

VOUCHERS_TEMPLATE = "s5_vouchers.html"
RULEBOOK_TEMPLATE = "s5_rulebook.html"
APPROVAL_TEMPLATE = "s5_approval.html"
VOUCHERS_DOCUMENT = "choice-vouchers-decision"
RULEBOOK_DOCUMENT = "choice-rulebook"


def approval_document_key(batch: str) -> str:
    """The artefact key of a batch's approval decision document."""
    return f"choice-{approval_case(batch)}-decision"


def vouchers_documents(
    payload: VouchersProposal, analysis: ChoiceAnalysis, created: dt.datetime, proposal: VersionRef
) -> list[DocumentSpec]:
    """The voucher decision and the rule book, from the stored proposal version."""
    values = VoucherValues(region_code=analysis.region_code, cycle=analysis.cycle, vouchers=analysis.vouchers)
    attachments = [
        PdfAttachment(
            filename="choice-vouchers.xlsx",
            content=export_vouchers_xlsx(analysis, created),
            description="Palvelusetelien arvot ja esimerkkitaulukot (xlsx)",
            media_type=XLSX_MEDIA_TYPE,
        ),
        PdfAttachment(
            filename="choice-vouchers.json", content=canonical_json(values), description="Palvelusetelien arvot (JSON)"
        ),
    ]
    if analysis.budgets:
        attachments.append(
            PdfAttachment(
                filename="choice-budgets.csv",
                content=export_budgets_csv(analysis),
                description="Henkilökohtaiset budjetit (CSV)",
                media_type="text/csv",
            )
        )
    return [
        agenda_document(
            key=VOUCHERS_DOCUMENT,
            template=VOUCHERS_TEMPLATE,
            agenda=payload.agenda,
            document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal.key}",
            subject=f"{payload.agenda.body}: päätösehdotus, palvelusetelien arvot, sääntökirja ja henkilökohtainen budjetti",
            keywords=["palveluseteli", "palvelusetelin arvo", "omavastuu", "sääntökirja", "henkilökohtainen budjetti"],
            attachments=attachments,
            context={"analysis": analysis, "payload": payload},
            proposal=proposal,
            region_code=payload.region_code,
            region_name=payload.region_name,
            cycle=payload.cycle,
            created=created,
        ),
        agenda_document(
            key=RULEBOOK_DOCUMENT,
            template=RULEBOOK_TEMPLATE,
            agenda=payload.rulebook_agenda,
            document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal.key}-saantokirja",
            subject=f"{payload.agenda.body}: palvelusetelin sääntökirja",
            keywords=["sääntökirja", "palveluseteli", "palveluntuottajan hyväksyminen"],
            attachments=[],
            context={"analysis": analysis, "payload": payload},
            proposal=proposal,
            region_code=payload.region_code,
            region_name=payload.region_name,
            cycle=payload.cycle,
            created=created,
        ),
    ]


def approval_documents(
    payload: ApprovalProposal,
    batch: ApprovalBatch,
    created: dt.datetime,
    proposal: VersionRef,
) -> list[DocumentSpec]:
    """A batch's approval decision, from the stored proposal version."""
    case = approval_case(batch.batch)
    return [
        agenda_document(
            key=approval_document_key(batch.batch),
            template=APPROVAL_TEMPLATE,
            agenda=payload.agenda,
            proposal=proposal,
            document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal.key}",
            region_code=payload.region_code,
            region_name=payload.region_name,
            cycle=payload.cycle,
            subject=f"{payload.agenda.body}: palvelusetelituottajien hyväksyminen, käsittelyerä {batch.batch}",
            keywords=["palveluseteli", "palveluntuottajan hyväksyminen", batch.batch],
            created=created,
            attachments=[
                PdfAttachment(
                    filename=f"{case}-producers.csv",
                    content=export_producers_csv(batch.decisions),
                    description="Hyväksytyt palvelusetelituottajat (CSV)",
                    media_type="text/csv",
                ),
                PdfAttachment(
                    filename=f"{case}.json",
                    content=canonical_json(batch),
                    description="Päätökset hakemuksittain (JSON)",
                ),
            ],
            context={"batch": batch, "payload": payload},
        )
    ]
