"""Stage 4's documents: *Tuotantotapojen vertailu ja valinta* and *Palvelujen järjestämissuunnitelma*."""

from __future__ import annotations

import datetime as dt

from schemas.comparison import (
    CRITERION_LABELS,
    ComparisonAnalysis,
    ComparisonFigures,
    ComparisonProposal,
)
from schemas.documents import (
    PdfAttachment,
)
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import DocumentSpec
from soteflow.store.canonical import canonical_json
from tasks.agenda import agenda_document
from tasks.comparison.analysis import compact_sources
from tasks.comparison.exports import MODE_WORD, export_csv

TEMPLATE = "s4_comparison.html"
PLAN_TEMPLATE = "s4_organising_plan.html"
DECISION_DOCUMENT = "comparison-decision"
PLAN_DOCUMENT = "comparison-plan"


def comparison_documents(
    payload: ComparisonProposal,
    analysis: ComparisonAnalysis,
    figures: ComparisonFigures,
    created: dt.datetime,
    proposal_ref: VersionRef,
) -> list[DocumentSpec]:
    """The decision and the organising-plan documents, both from the stored proposal version."""
    documents = []
    for key, agenda, template, attachments, keywords in (
        (
            DECISION_DOCUMENT,
            payload.agenda,
            TEMPLATE,
            [
                PdfAttachment(
                    filename="comparison-proposal.json",
                    content=canonical_json(payload),
                    description="Päätösehdotus (JSON)",
                ),
                PdfAttachment(
                    filename="comparison-export.csv",
                    content=export_csv(analysis),
                    description="Vertailutaulukko lähdeviittauksin (CSV)",
                    media_type="text/csv",
                ),
                PdfAttachment(
                    filename="comparison-own-costs.json",
                    content=canonical_json(analysis.own),
                    description="Oman tuotannon täyskustannuslaskelma (JSON)",
                ),
                PdfAttachment(
                    filename="comparison-purchased-costs.json",
                    content=canonical_json(analysis.purchased),
                    description="Ostopalvelujen vertailukelpoiset kustannukset (JSON)",
                ),
                PdfAttachment(
                    filename="comparison-matrix.json",
                    content=canonical_json(analysis.matrix),
                    description="Päätösmatriisit ja suositukset (JSON)",
                ),
            ],
            ["tuotantotapojen vertailu", "täyskustannus", "ostopalvelu", "palveluseteli"],
        ),
        (
            PLAN_DOCUMENT,
            payload.plan_agenda,
            PLAN_TEMPLATE,
            [
                PdfAttachment(
                    filename="comparison-organising-plan.json",
                    content=canonical_json(analysis.plan),
                    description="Järjestämissuunnitelman tuotantotavat (JSON)",
                ),
            ],
            ["palvelujen järjestämissuunnitelma", "tuotantotavat"],
        ),
    ):
        documents.append(
            agenda_document(
                key=key,
                template=template,
                agenda=agenda,
                proposal=proposal_ref,
                document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal_ref.key}"
                + ("" if key == DECISION_DOCUMENT else "-plan"),
                region_code=payload.region_code,
                region_name=payload.region_name,
                cycle=payload.cycle,
                subject=f"{agenda.body}: päätösehdotus, {Stage.COMPARISON.title_fi.lower()}",
                keywords=keywords,
                created=created,
                attachments=attachments,
                context={
                    "analysis": analysis,
                    "figures": figures,
                    "payload": payload,
                    "sources": compact_sources,
                    "criterion_labels": CRITERION_LABELS,
                    "mode_word": MODE_WORD,
                },
            )
        )
    return documents
