"""Stage 2's document: *Tuloksellisuustavoitteet ja talouden kehys* (PDF/A-3a, its data attached)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from schemas.accounts import OPERATING_COST_GROUPS, AccountGroup
from schemas.documents import PdfAttachment, TextSection
from schemas.needs import NeedsBasis
from schemas.results import VersionRef
from schemas.stages import Stage
from schemas.targets import (
    ClientGroup,
    FinancialForecast,
    ImpactTarget,
    TargetsAssessment,
    TargetsFigures,
    TargetsProposal,
)
from soteflow.documents import DocumentSpec
from soteflow.numbers import fi_number
from soteflow.store.canonical import canonical_json
from tasks.agenda import AttachmentPart, agenda_document, attachment_documents
from tasks.targets.analysis import METHOD_NAMES
from tasks.targets.figures import millions
from tasks.targets.inputs import period_fi
from tasks.targets.proposal import FUNDING_CORRECTION_DETAIL, coverage_detail, document_created, ref_text

TEMPLATE = "s2_targets.html"
ATTACHMENT_TEMPLATE = "s2_targets_attachment.html"
DOCUMENT_KEY = "targets-decision"


def _value(value: float | None, unit: str, decimals: int) -> str:
    if value is None:
        return ".."
    text = fi_number(value, decimals)
    return f"{text} %" if unit == "%" else f"{text} {unit}"


def _decimals(target: ImpactTarget) -> int:
    values = [target.target_value, *([target.baseline] if target.baseline is not None else [])]
    return 0 if all(float(v).is_integer() for v in values) else 1


def target_rows(targets: list[ImpactTarget]) -> list[list[str]]:
    """The rows of one client group's target table as printed (all cells text)."""
    rows = []
    for t in targets:
        decimals = _decimals(t)
        source = "palvelutarvearvio" if t.baseline_source == "stage1" else "tavoitetiedosto"
        baseline = f"{_value(t.baseline, t.unit, decimals)} ({period_fi(t.baseline_year)}; {source})"
        finding = ""
        if t.finding is not None:
            finding = t.finding.text
        rows.append(
            [
                t.target_id,
                t.indicator,
                baseline,
                f"{_value(t.target_value, t.unit, decimals)} ({t.target_year})",
                t.direction.label_fi,
                finding,
            ]
        )
    return rows


def document_context(assessment: TargetsAssessment) -> dict[str, Any]:
    """Table rows of the document, computed here so the template only lays them out."""
    forecast, frame = assessment.forecast, assessment.frame
    groups = [
        {"label": g.label_fi, "rows": target_rows(assessment.impact.for_group(g))}
        for g in ClientGroup
        if assessment.impact.for_group(g)
    ]
    allocation: list[list[Any]] = [
        [
            g.client_group.label_fi,
            millions(g.current_spend_eur),
            100 * g.current_share,
            g.relative_need,
            100 * g.need_share,
            100 * g.allocated_share,
            millions(g.allocated_eur),
            g.change_pct,
        ]
        for g in frame.groups
    ]
    allocation += [
        [
            r.row.label_fi,
            millions(r.current_spend_eur),
            100 * r.current_share,
            None,
            None,
            100 * r.allocated_share,
            millions(r.allocated_eur),
            round(100 * (r.allocated_eur / r.current_spend_eur - 1), 4) if r.current_spend_eur else None,
        ]
        for r in frame.own_rows
    ]
    base_total = sum(g.current_spend_eur for g in frame.groups) + sum(r.current_spend_eur for r in frame.own_rows)
    allocation.append(
        [
            "Yhteensä",
            millions(base_total),
            100.0,
            None,
            None,
            round(
                100 * (sum(g.allocated_share for g in frame.groups) + sum(r.allocated_share for r in frame.own_rows)),
                4,
            ),
            millions(frame.frame_eur),
            round(100 * (frame.frame_eur / base_total - 1), 4) if base_total else None,
        ]
    )
    benchmark = [
        [
            g.client_group.label_fi,
            g.population_label,
            g.relevant_population,
            g.age_ratio,
            g.need_factor,
            g.spend_per_inhabitant_eur,
            g.expected_per_inhabitant_eur,
            round(100 * (g.spend_per_inhabitant_eur / g.expected_per_inhabitant_eur - 1), 4)
            if g.spend_per_inhabitant_eur is not None and g.expected_per_inhabitant_eur
            else None,
        ]
        for g in frame.groups
        if g.relevant_population is not None
    ]
    actual = [
        [
            str(a.year),
            millions(a.operating_costs_eur),
            millions(a.operating_income_eur),
            millions(a.state_funding_eur),
            millions(a.other_items_eur),
            millions(a.result_eur),
        ]
        for a in forecast.actual
    ]
    statement = statement_table(forecast)
    scenarios = []
    for s in forecast.scenarios:
        rows = [
            [
                str(y.year),
                y.cost_growth_pct,
                millions(y.savings_eur),
                millions(y.operating_costs_eur),
                millions(y.funding_eur),
                millions(y.other_items_eur),
                millions(y.result_eur),
                millions(y.accumulated_eur),
            ]
            for y in s.years
        ]
        scenarios.append(
            {"name": s.name, "description": s.description, "rows": rows, "adjustment": s.funding_adjustment_pct}
        )
    coverage = [
        [
            s.name,
            millions(s.coverage.opening_accumulated_eur),
            str(s.coverage.deadline_year),
            millions(s.coverage.accumulated_at_deadline_eur),
            "kyllä" if s.coverage.covered else "ei",
            millions(s.coverage.annual_improvement_needed_eur),
            str(s.coverage.first_non_negative_year) if s.coverage.first_non_negative_year else "ei ennustekaudella",
        ]
        for s in forecast.scenarios
    ]
    return {
        "method_name": METHOD_NAMES[frame.method],
        "target_groups": groups,
        "allocation_rows": allocation,
        "benchmark_rows": benchmark,
        "benchmark_text": benchmark_text(assessment),
        "actual_rows": actual,
        "statement_years": sorted({t.year for t in forecast.statement}),
        "statement_columns": [
            {"label": "Tiliryhmä"},
            *(
                {"label": str(y), "format": "number", "decimals": 1}
                for y in sorted({t.year for t in forecast.statement})
            ),
        ],
        "statement_rows": statement,
        "scenario_tables": scenarios,
        "coverage_rows": coverage,
        # How the frame meets the coverage duty in full; the item gives it in one paragraph.
        "coverage_detail": coverage_detail(assessment),
    }


def statement_table(forecast: FinancialForecast) -> list[list[object]]:
    """The financial statement by account group and year, milj. €: the operating costs' groups and
    their sum, depreciation, the income's groups and their sum (empty for a round stored before the
    statement had account groups)."""
    years = sorted({t.year for t in forecast.statement})
    amount = {(t.year, t.group): t.amount_eur for t in forecast.statement}

    def row(label: str, groups: Sequence[AccountGroup]) -> list[object]:
        return [label, *(millions(sum(amount[(y, g)] for g in groups)) for y in years)]

    if not years:
        return []
    income = [g for g in AccountGroup if g.is_income]
    return [
        *(row(g.label_fi, [g]) for g in OPERATING_COST_GROUPS),
        row("Toimintakulut yhteensä", OPERATING_COST_GROUPS),
        *(row(g.label_fi, [g]) for g in income),
        row("Toimintatuotot yhteensä", income),
        row(AccountGroup.DEPRECIATION.label_fi, [AccountGroup.DEPRECIATION]),
    ]


def benchmark_text(assessment: TargetsAssessment) -> str:
    """The region's operating costs per inhabitant against the state funding per inhabitant, which
    the funding act computes from the need factors (617/2021 13 § and 14 §): the need-adjusted
    expected level of the region as a whole."""
    frame, forecast = assessment.frame, assessment.forecast
    if frame.population is None or frame.costs_per_inhabitant_eur is None or frame.funding_per_inhabitant_eur is None:
        return ""
    gap = frame.costs_per_inhabitant_eur - frame.funding_per_inhabitant_eur
    return (
        f"Vuonna {forecast.base_year} alueen toimintakulut olivat {fi_number(frame.costs_per_inhabitant_eur, 0)} € "
        f"asukasta kohden ({fi_number(frame.population, 0)} asukasta) ja valtion rahoitus "
        f"{fi_number(frame.funding_per_inhabitant_eur, 0)} € asukasta kohden; rahoitus on laskettu "
        "rahoituslain tarvekertoimista, joten se on alueen tarvevakioitu vertailutaso kokonaisuutena. "
        f"Kulut ylittävät rahoituksen {fi_number(gap, 0)} € asukasta kohden; erotus katetaan toimintatuotoilla "
        "ja sopeuttamalla. Koko maan kustannuksia asiakasryhmittäin ei ole aineistossa, joten ryhmien vertailutaso "
        "on tarvevakioitu taso alueen omista kuluista."
        if gap > 0
        else f"Vuonna {forecast.base_year} alueen toimintakulut olivat {fi_number(frame.costs_per_inhabitant_eur, 0)} € "
        f"asukasta kohden ja valtion rahoitus {fi_number(frame.funding_per_inhabitant_eur, 0)} € asukasta kohden."
    )


def method_sections(assessment: TargetsAssessment, basis: NeedsBasis) -> list[TextSection]:
    """The method attachment: the stage-1 versions the targets rest on (with their hashes), each
    target's finding and where it is in the assessment, the forecast's and the allocation's method."""
    forecast, frame = assessment.forecast, assessment.frame
    refs = "; ".join(
        ref_text(basis.refs[k]) for k in ("needs-proposal", "needs-profile", "needs-index", "needs-change")
    )
    findings = [
        f"{t.target_id}: {t.finding.artefact.key} v{t.finding.artefact.version}, kohta {t.finding.pointer}, "
        f"SHA-256 {t.finding.artefact.sha256[:12]}…"
        for t in assessment.impact.targets
        if t.finding is not None
    ]
    return [
        TextSection(
            heading="Lähtötiedot",
            paragraphs=[
                "Lähtötasot ja tarvehavainnot ovat hyväksytyn palvelutarvearvion lukuja, ja laskennassa on "
                f"käytetty sen tallennettuja versioita: {refs}. Lähtötaso, jota palvelutarvearviossa ei ole, on "
                "otettu alueen tavoitetiedostosta.",
                "Tavoitteiden tarvehavainnot palvelutarvearviossa: " + "; ".join(findings) + "."
                if findings
                else "Tavoitteisiin ei ole liitetty palvelutarvearvion havaintoja.",
            ],
        ),
        TextSection(
            heading="Kehysennuste",
            paragraphs=[
                f"{forecast.data_label} Toteuma {forecast.actual[0].year}–{forecast.base_year}, ennuste "
                f"{forecast.base_year + 1}–{forecast.scenarios[0].years[-1].year} skenaarioittain.",
                forecast.method_text,
            ],
        ),
        TextSection(
            heading="Kehyksen jako asiakasryhmille",
            paragraphs=[*frame.method_text.split("\n"), *(g.need_measure for g in frame.groups if g.need_measure)],
        ),
        TextSection(
            heading="Alijäämän kattamisvelvollisuus",
            paragraphs=[
                forecast.coverage_rule.legal_basis,
                *(s.coverage.statement for s in forecast.scenarios),
                FUNDING_CORRECTION_DETAIL,
            ],
        ),
    ]


def targets_documents(
    payload: TargetsProposal,
    assessment: TargetsAssessment,
    figures: TargetsFigures,
    basis: NeedsBasis,
    proposal_ref: VersionRef,
) -> list[DocumentSpec]:
    """The item (its proposal embedded) and its three attachments, from the stored proposal version."""
    item = agenda_document(
        key=DOCUMENT_KEY,
        template=TEMPLATE,
        agenda=payload.agenda,
        proposal=proposal_ref,
        document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal_ref.key}",
        region_code=payload.region_code,
        region_name=payload.region_name,
        cycle=payload.cycle,
        subject=f"{payload.agenda.body}: päätösehdotus, {Stage.TARGETS.title_fi.lower()}",
        keywords=["tuloksellisuustavoitteet", "talouden kehys", "hyvinvointialue"],
        created=document_created(basis),
        attachments=[
            PdfAttachment(
                filename="targets-proposal.json", content=canonical_json(payload), description="Päätösehdotus (JSON)"
            )
        ],
        context={},
    )
    context = {"assessment": assessment, "figures": figures, "basis": basis, **document_context(assessment)}
    parts = [
        AttachmentPart(
            number=1,
            part="method",
            context={**context, "method_sections": method_sections(assessment, basis)},
            data=[
                PdfAttachment(
                    filename="targets-assessment.json",
                    content=canonical_json(assessment),
                    description="Vaikuttavuustavoitteet, kehysennuste ja kehyksen jako (JSON)",
                )
            ],
        ),
        AttachmentPart(
            number=2,
            part="targets",
            context=context,
            data=[
                PdfAttachment(
                    filename="targets-impact.json",
                    content=canonical_json(assessment.impact),
                    description="Vaikuttavuustavoitteet asiakasryhmittäin (JSON)",
                )
            ],
        ),
        AttachmentPart(
            number=3,
            part="finance",
            context=context,
            data=[
                PdfAttachment(
                    filename="targets-finance.json",
                    content=canonical_json({"forecast": assessment.forecast, "frame": assessment.frame}),
                    description="Talouden toteuma, kehysennuste ja kehyksen jako (JSON)",
                )
            ],
        ),
    ]
    return [item, *attachment_documents(item, ATTACHMENT_TEMPLATE, parts)]


def targets_document(
    payload: TargetsProposal,
    assessment: TargetsAssessment,
    figures: TargetsFigures,
    basis: NeedsBasis,
    proposal_ref: VersionRef,
) -> DocumentSpec:
    """The agenda item alone (the first of :func:`targets_documents`)."""
    return targets_documents(payload, assessment, figures, basis, proposal_ref)[0]
