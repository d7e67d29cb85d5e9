"""Stage 6's documents: the period's report (an agenda item the body notes), one steering report
per producer (contract) and an escalation decision per contract whose step is its own case."""

from __future__ import annotations

from schemas.documents import DocumentMetadata, PdfAttachment
from schemas.monitoring import EscalationProposal, KpiValue, LadderStep, MonitoringAnalysis, ReportProposal
from schemas.results import VersionRef
from soteflow.data.exports import csv_bytes
from soteflow.documents import DocumentSpec
from soteflow.store.canonical import canonical_json
from tasks.agenda import agenda_document
from tasks.context import period_slug
from tasks.monitoring.analysis import KPI_FI
from tasks.monitoring.proposal import MOVEMENT_FI, document_created, period_label

REPORT_TEMPLATE = "s6_report.html"
PRODUCER_TEMPLATE = "s6_producer.html"
ESCALATION_TEMPLATE = "s6_escalation.html"
KPI_COLUMNS = (
    "sopimus_id", "tuottaja", "yksikkö", "kuukausi", "mittari", "nimi", "arvo", "raja-arvo", "suunta",
    "yksikkö_mitta", "peruste", "täyttyy", "asiakkaita",
)  # fmt: skip


def kpi_csv(kpis: list[KpiValue]) -> bytes:
    """KPIs as CSV (Finnish dialect)."""
    return csv_bytes(
        KPI_COLUMNS,
        [
            {
                "sopimus_id": k.contract_id,
                "tuottaja": k.producer,
                "yksikkö": k.unit_id or "",
                "kuukausi": k.month,
                "mittari": k.kpi,
                "nimi": k.name,
                "arvo": k.value,
                "raja-arvo": k.threshold,
                "suunta": "vähintään" if k.direction == "at_least" else "enintään",
                "yksikkö_mitta": k.unit,
                "peruste": k.basis,
                "täyttyy": "" if k.ok is None else ("kyllä" if k.ok else "ei"),
                "asiakkaita": k.clients,
            }
            for k in kpis
        ],
    )


def report_document_key(period: str) -> str:
    """The key stem of a period's report document."""
    return f"steering-{period_slug(period)}-report"


def producer_document_key(contract_id: str, period: str) -> str:
    """The key stem of a contract's steering report in a period."""
    return f"steering-{period_slug(period)}-producer-{contract_id.lower()}"


def report_documents(payload: ReportProposal, analysis: MonitoringAnalysis, proposal: VersionRef) -> list[DocumentSpec]:
    """The report (agenda item) and one steering report per contract, from the stored proposal."""
    created = document_created(analysis.period)
    label = period_label(analysis.period)
    report = agenda_document(
        key=report_document_key(analysis.period),
        template=REPORT_TEMPLATE,
        agenda=payload.agenda,
        proposal=proposal,
        document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal.key}",
        region_code=payload.region_code,
        region_name=payload.region_name,
        cycle=payload.cycle,
        subject=f"{payload.agenda.body}: tuotannon ohjaus-, seuranta- ja valvontaraportti {label}",
        keywords=["sopimusseuranta", "valvonta", "seuraamusporras", analysis.period],
        created=created,
        attachments=[
            PdfAttachment(
                filename=f"steering-{analysis.period.lower()}-kpis.csv",
                content=kpi_csv(analysis.kpis),
                description="Mittarit (CSV)",
                media_type="text/csv",
            ),
            PdfAttachment(
                filename=f"steering-{analysis.period.lower()}-report.json",
                content=canonical_json(payload),
                description="Raportti (JSON)",
            ),
        ],
        context={
            "analysis": analysis,
            "payload": payload,
            "movement": MOVEMENT_FI,
            "label": label,
            "kpi_names": KPI_FI,
        },
    )
    # A producer that reported the period gets its steering report; one that did not is told so in
    # the report's ladder (a reporting deviation).
    reported = {k.contract_id for k in analysis.kpis}
    return [
        report,
        *(_producer(step, analysis, payload, proposal) for step in analysis.ladder if step.contract_id in reported),
    ]


def _producer(
    step: LadderStep, analysis: MonitoringAnalysis, payload: ReportProposal, proposal: VersionRef
) -> DocumentSpec:
    label = period_label(analysis.period)
    kpis = [k for k in analysis.kpis if k.contract_id == step.contract_id]
    title = f"Ohjausraportti: {step.producer} ({step.contract_id}), {label}"
    return DocumentSpec(
        key=producer_document_key(step.contract_id, analysis.period),
        title=title,
        template=PRODUCER_TEMPLATE,
        context={
            "step": step,
            "kpis": kpis,
            "deviations": [d for d in analysis.deviations if d.contract_id == step.contract_id],
            "billing": [b for b in analysis.billing if b.contract_id == step.contract_id],
            "trend": [t for t in analysis.trend if t.contract_id == step.contract_id],
            "visits": [v for v in analysis.visits if v.contract_id == step.contract_id and v.visit],
            "analysis": analysis,
            "payload": payload,
            "label": label,
            "movement": MOVEMENT_FI,
            "document_id": f"{payload.region_code.lower()}-{payload.cycle}-{proposal.key}-{step.contract_id.lower()}",
            "proposal": proposal,
        },
        metadata=DocumentMetadata(
            title=f"{title} – {payload.region_name}",
            author=payload.region_name,
            subject=f"Tuottajan ohjausraportti {label}",
            keywords=["ohjausraportti", step.contract_id, step.producer, analysis.period, payload.region_code],
            created=document_created(analysis.period),
        ),
        attachments=[
            PdfAttachment(
                filename=f"{step.contract_id.lower()}-{analysis.period.lower()}-kpis.csv",
                content=kpi_csv(kpis),
                description="Sopimuksen mittarit (CSV)",
                media_type="text/csv",
            )
        ],
    )


def escalation_documents(
    payload: EscalationProposal, analysis: MonitoringAnalysis, proposal: VersionRef
) -> list[DocumentSpec]:
    """An escalation decision's document, from the stored proposal version."""
    step = payload.step
    return [
        agenda_document(
            key=f"steering-{period_slug(analysis.period)}-escalation-{step.contract_id.lower()}-decision",
            template=ESCALATION_TEMPLATE,
            agenda=payload.agenda,
            proposal=proposal,
            document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal.key}",
            region_code=payload.region_code,
            region_name=payload.region_name,
            cycle=payload.cycle,
            subject=f"{payload.agenda.body}: {step.step_name.lower()}, {step.contract_id}",
            keywords=["seuraamus", step.step_name, step.contract_id, analysis.period],
            created=document_created(analysis.period),
            attachments=[
                PdfAttachment(
                    filename=f"{step.contract_id.lower()}-escalation.json",
                    content=canonical_json(payload),
                    description="Seuraamusesitys (JSON)",
                )
            ],
            context={
                "step": step,
                "deviations": [d for d in analysis.deviations if d.contract_id == step.contract_id],
                "trend": [t for t in analysis.trend if t.contract_id == step.contract_id],
                "label": period_label(analysis.period),
            },
        )
    ]
