"""Stage 6's documents: the period's report (an agenda item the body notes), one steering report
per producer (contract) and an escalation decision per contract whose step is its own case."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from schemas.documents import DocumentMetadata, PdfAttachment
from schemas.monitoring import (
    EscalationProposal,
    KpiValue,
    LadderStep,
    MonitoringAnalysis,
    ReportProposal,
    TrendPoint,
)
from schemas.results import VersionRef
from soteflow.data.exports import csv_bytes
from soteflow.documents import DocumentSpec
from soteflow.numbers import fi_number
from soteflow.store.canonical import canonical_json
from tasks.agenda import agenda_document
from tasks.context import period_bounds, period_slug
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


def trend_table(ladder: Sequence[LadderStep], trend: Sequence[TrendPoint]) -> tuple[list[str], list[list[str]]]:
    """The report's trend over the cycle's periods so far: the periods in order (in Finnish), and
    per contract of the ladder a row ``[contract and producer, cell per period]``.

    A cell reads ``porras · poikkeamia · sopimuksen enimmäisajassa alkaneet %`` (``–`` where no
    service started, empty where the contract has no figures for the period). The earlier periods
    come from the previous noted report (the basis), the last is this period.
    """
    periods = sorted({t.period for t in trend}, key=period_bounds)
    cells: dict[tuple[str, str], str] = {}
    for t in trend:
        pct = "–" if t.wait_within_pct is None else fi_number(t.wait_within_pct, 1)
        cells[(t.contract_id, t.period)] = f"{t.step} · {t.deviations} · {pct}"
    rows = [
        [f"{s.contract_id} {s.producer}", *(cells.get((s.contract_id, p), "") for p in periods)]
        for s in sorted(ladder, key=lambda s: s.contract_id)
    ]
    return [period_label(p) for p in periods], rows


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
    trend_periods, trend_rows = trend_table(analysis.ladder, analysis.trend)
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
            "trend_periods": trend_periods,
            "trend_rows": trend_rows,
        },
    )
    # A producer that reported the period gets its steering report; one that did not is told so in
    # the report's ladder (a reporting deviation). Each report is the producer's slice of the period.
    slices = by_contract(analysis)
    return [
        report,
        *(
            producer_document(step, slices[step.contract_id], analysis, payload, proposal)
            for step in analysis.ladder
            if slices[step.contract_id]["kpis"]
        ),
    ]


def by_contract(analysis: MonitoringAnalysis) -> defaultdict[str, dict[str, list[Any]]]:
    """Each contract's slice of the period (KPIs, deviations, billing, trend, planned visits), in one pass."""
    slices: defaultdict[str, dict[str, list[Any]]] = defaultdict(
        lambda: {"kpis": [], "deviations": [], "billing": [], "trend": [], "visits": []}
    )
    for name, items in (
        ("kpis", analysis.kpis),
        ("deviations", analysis.deviations),
        ("billing", analysis.billing),
        ("trend", analysis.trend),
        ("visits", [v for v in analysis.visits if v.visit]),
    ):
        for item in items:
            slices[item.contract_id][name].append(item)
    return slices


def producer_document(
    step: LadderStep,
    own: dict[str, list[Any]],
    analysis: MonitoringAnalysis,
    payload: ReportProposal,
    proposal: VersionRef,
) -> DocumentSpec:
    """A contract's steering report for the period, from its slice (:func:`by_contract`) and the
    report's stored proposal version (printed in the footer)."""
    label = period_label(analysis.period)
    kpis: list[KpiValue] = own["kpis"]
    title = f"Ohjausraportti: {step.producer} ({step.contract_id}), {label}"
    return DocumentSpec(
        key=producer_document_key(step.contract_id, analysis.period),
        title=title,
        template=PRODUCER_TEMPLATE,
        context={
            "step": step,
            "kpis": kpis,
            "deviations": own["deviations"],
            "billing": own["billing"],
            "trend": own["trend"],
            "visits": own["visits"],
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
