"""Stage 7's documents: the item *Arviointi ja itsearviointi <cycle>* and its four attachments
(PDF/A-3a, their data attached), and the evaluation's tables as CSV."""

from __future__ import annotations

from typing import Any

from schemas.documents import PdfAttachment
from schemas.evaluation import EvaluationAnalysis, EvaluationBasis, EvaluationFigures, EvaluationProposal
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.data.exports import csv_bytes
from soteflow.documents import DocumentSpec
from soteflow.documents.formatting import fi_period
from soteflow.numbers import fi_meur, fi_number
from soteflow.store.canonical import canonical_json
from tasks.agenda import AttachmentPart, agenda_document, attachment_documents
from tasks.evaluation.figures import band_labels
from tasks.evaluation.inputs import WELFARE_FIELDS
from tasks.evaluation.proposal import document_created, grade_text

TEMPLATE = "s7_evaluation.html"
ATTACHMENT_TEMPLATE = "s7_evaluation_attachment.html"
DOCUMENT_KEY = "evaluation-decision"


def _value(value: float | None, unit: str) -> str:
    if value is None:
        return ".."
    decimals = 0 if float(value).is_integer() and abs(value) >= 100 else 1 if float(value * 10).is_integer() else 2
    text = fi_number(value, decimals)
    return f"{text} %" if unit == "%" else f"{text} {unit}"


def _period(period: str | None) -> str:
    return fi_period(period) or ".."


def _pct(value: float | None, *, sign: bool = False) -> str:
    return ".." if value is None else f"{fi_number(value, 1, sign=sign)} %"


def attainment_rows(analysis: EvaluationAnalysis) -> list[list[str]]:
    """The attainment table as printed (text cells)."""
    rows = []
    for a in analysis.attainment:
        baseline = f"{_value(a.baseline, a.unit)} ({_period(a.baseline_year)})" if a.baseline is not None else ".."
        actual = f"{_value(a.actual, a.unit)} ({a.actual_year})" if a.actual is not None else "ei tietoa"
        grade = grade_text(a.grade)
        if a.grade_override is not None:
            grade += f"; laskettu {a.computed_grade if a.computed_grade is not None else '–'}"
        rows.append(
            [
                a.target_id,
                a.indicator,
                baseline,
                f"{_value(a.target_value, a.unit)} ({a.target_year})",
                actual,
                _pct(a.attainment_pct),
                a.status.label_fi,
                grade,
            ]
        )
    return rows


def document_context(analysis: EvaluationAnalysis) -> dict[str, Any]:
    """Table rows of the documents, computed here so the templates only lay them out."""
    services = [
        [
            s.name,
            s.unit,
            fi_number(s.planned_volume),
            fi_number(s.actual_volume),
            _pct(s.volume_diff_pct, sign=True),
            fi_number(s.planned_unit_cost, 2) if s.planned_unit_cost is not None else "..",
            fi_number(s.actual_unit_cost, 2) if s.actual_unit_cost is not None else "..",
            _pct(s.unit_cost_diff_pct, sign=True) + (" ylittää" if s.over_tolerance else ""),
        ]
        for s in analysis.services
    ]
    groups = [
        [
            g.client_group.label_fi,
            fi_meur(g.frame_eur),
            fi_meur(g.actual_eur),
            fi_meur(g.diff_eur, sign=True),
            _pct(g.diff_pct, sign=True),
        ]
        for g in analysis.groups
    ]
    diff = analysis.actual_eur - analysis.frame_eur
    groups.append(
        [
            "Yhteensä",
            fi_meur(analysis.frame_eur),
            fi_meur(analysis.actual_eur),
            fi_meur(diff, sign=True),
            _pct(diff / analysis.frame_eur * 100 if analysis.frame_eur else 0.0, sign=True),
        ]
    )
    producers = [
        [
            f"{p.producer} ({p.contract_id})",
            p.service_name,
            ", ".join(p.periods),
            str(p.deviations),
            str(p.max_step),
            f"{p.final_step} {p.final_step_name.lower()}".strip(),
            f"{fi_number(p.over_billed_eur, 2)} €",
            _pct(p.wait_within_pct),
        ]
        for p in analysis.producers
    ]
    experience = [
        [
            e.name,
            e.client_group.label_fi,
            fi_number(e.responses),
            fi_number(e.mean, 2),
            _pct(e.recommend_pct),
            _pct(e.benefit_pct),
            e.rating + ("" if e.reliable else " (suuntaa-antava)"),
        ]
        for e in analysis.experience
    ]
    units = {field: unit for field, (_label, unit) in WELFARE_FIELDS.items()}
    welfare = [
        [
            w.label,
            f"{_value(w.stage1_value, units[w.field])} ({_period(w.stage1_period)})",
            f"{_value(w.value, units[w.field])} ({_period(w.period)})" if w.period else "ei uudempaa",
            fi_number(w.change, 2, sign=True) if w.change is not None else "..",
        ]
        for w in analysis.welfare
    ]
    risks = [
        [
            r.risk_id,
            f"{r.description} ({r.category})",
            (
                f"{r.previous_probability} × {r.previous_impact} = {r.previous_index} → "
                if r.previous_index is not None
                else "uusi: "
            )
            + f"{r.probability} × {r.impact} = {r.index}",
            r.band,
            "; ".join(r.evidence) or "–",
            f"{r.actions} ({r.owner})",
        ]
        for r in analysis.risks
    ]
    actions = [[a.action, a.owner, a.schedule, a.subject or "–"] for a in analysis.actions]
    overrides = [
        [
            a.target_id,
            grade_text(a.computed_grade),
            grade_text(a.grade),
            a.grade_override.author,
            a.grade_override.comment,
        ]
        for a in analysis.attainment
        if a.grade_override is not None
    ]
    return {
        "attainment_rows": attainment_rows(analysis),
        "service_rows": services,
        "group_rows": groups,
        "producer_rows": producers,
        "experience_rows": experience,
        "welfare_rows": welfare,
        "risk_rows": risks,
        "action_rows": actions,
        "override_rows": overrides,
        "band_labels": band_labels(analysis),
    }


def attainment_csv(analysis: EvaluationAnalysis) -> bytes:
    """The attainment and grades as CSV (;-separated, decimal comma, cells neutralised)."""
    columns = [
        "tavoite_id",
        "asiakasryhmä",
        "mittari",
        "lähtötaso",
        "tavoite",
        "toteuma",
        "toteutuma_%",
        "tila",
        "arvosana",
        "laskettu_arvosana",
        "arvion_laatija",
    ]
    rows = [
        {
            "tavoite_id": a.target_id,
            "asiakasryhmä": a.client_group.label_fi,
            "mittari": a.indicator,
            "lähtötaso": a.baseline,
            "tavoite": a.target_value,
            "toteuma": a.actual,
            "toteutuma_%": a.attainment_pct,
            "tila": a.status.label_fi,
            "arvosana": a.grade,
            "laskettu_arvosana": a.computed_grade,
            "arvion_laatija": a.grade_override.author if a.grade_override else None,
        }
        for a in analysis.attainment
    ]
    return csv_bytes(columns, rows)


def evaluation_documents(
    payload: EvaluationProposal,
    analysis: EvaluationAnalysis,
    figures: EvaluationFigures,
    basis: EvaluationBasis,
    proposal_ref: VersionRef,
) -> list[DocumentSpec]:
    """The item (its proposal embedded) and its four attachments."""
    item = agenda_document(
        key=DOCUMENT_KEY,
        template=TEMPLATE,
        agenda=payload.agenda,
        proposal=proposal_ref,
        document_id=f"{payload.region_code.lower()}-{payload.cycle}-{proposal_ref.key}",
        region_code=payload.region_code,
        region_name=payload.region_name,
        cycle=payload.cycle,
        subject=f"{payload.agenda.body}: päätösehdotus, {Stage.EVALUATION.title_fi.lower()}",
        keywords=["arviointi", "itsearviointi", "riskirekisteri", "hyvinvointialue"],
        created=document_created(basis),
        attachments=[
            PdfAttachment(
                filename="evaluation-proposal.json", content=canonical_json(payload), description="Päätösehdotus (JSON)"
            )
        ],
        context={},
    )
    context = {"analysis": analysis, "figures": figures, **document_context(analysis)}

    def data(name: str, content: object, description: str) -> list[PdfAttachment]:
        return [PdfAttachment(filename=name, content=canonical_json(content), description=description)]

    parts = [
        AttachmentPart(
            number=1,
            part="method",
            context=context,
            data=data(
                "evaluation-method.json",
                {"method": analysis.method, "basis": payload.basis},
                "Menetelmä ja perusteet (JSON)",
            ),
        ),
        AttachmentPart(
            number=2,
            part="targets",
            context=context,
            data=data(
                "evaluation-targets.json",
                {"attainment": analysis.attainment, "actions": analysis.actions, "carryover": analysis.carryover},
                "Tavoitteiden toteutuminen, arvosanat ja jatkotoimet (JSON)",
            ),
        ),
        AttachmentPart(
            number=3,
            part="performance",
            context=context,
            data=data(
                "evaluation-performance.json",
                {
                    "groups": analysis.groups,
                    "services": analysis.services,
                    "producers": analysis.producers,
                    "experience": analysis.experience,
                    "welfare": analysis.welfare,
                },
                "Talous, palvelut, ostopalvelujen seuranta, asiakaskokemus ja hyvinvointi (JSON)",
            ),
        ),
        AttachmentPart(
            number=4,
            part="risks",
            context=context,
            data=data(
                "evaluation-risks.json", {"risks": analysis.risks, "bands": analysis.bands}, "Riskirekisteri (JSON)"
            ),
        ),
    ]
    return [item, *attachment_documents(item, ATTACHMENT_TEMPLATE, parts)]
