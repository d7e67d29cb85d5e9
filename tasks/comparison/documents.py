"""Stage 4's documents: *Tuotantotapojen vertailu ja valinta* with its attachments (liitteet), and
*Palvelujen järjestämissuunnitelma*.

The item a board reads keeps the summary table, the ranges figure, its grounds and the proposal;
the method, the per-service calculations, own production's full-cost calculation, the purchases
and the personnel impact are attachments, each its own PDF/A-3a document with its data embedded
and that data's hash printed (:func:`tasks.agenda.attachment_documents`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from schemas.comparison import (
    CRITERIA,
    CRITERION_LABELS,
    ComparisonAnalysis,
    ComparisonFigures,
    ComparisonProposal,
    FactorSensitivity,
    SensitivityFactor,
    ServiceComparison,
)
from schemas.documents import PdfAttachment, TextSection
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import DocumentSpec
from soteflow.language import fi_quantity
from soteflow.numbers import NBSP, fi_number, round_half_up
from soteflow.store.canonical import canonical_json
from tasks.agenda import AttachmentPart, agenda_document, attachment_documents
from tasks.comparison.analysis import compact_sources, fee_basis_text
from tasks.comparison.exports import MODE_WORD, export_csv
from tasks.comparison.grounds import robustness_summary

TEMPLATE = "s4_comparison.html"
ATTACHMENT_TEMPLATE = "s4_comparison_attachment.html"
PLAN_TEMPLATE = "s4_organising_plan.html"
DECISION_DOCUMENT = "comparison-decision"
PLAN_DOCUMENT = "comparison-plan"


def summary_rows(analysis: ComparisonAnalysis) -> list[list[Any]]:
    """The item's summary table: per service the unit cost of each mode (None where the mode is not
    used), the current mode, the recommendation and its yearly effect in millions of euros."""
    rows: list[list[Any]] = []
    for item in analysis.matrix.services:
        by_mode = {o.mode: o.unit_cost for o in item.options}
        effect = item.recommended_effect
        rows.append(
            [
                f"{item.name} ({item.unit})",
                *[by_mode.get(mode) for mode in MODE_WORD],
                item.current_mode.label_fi,
                item.recommendation.label_fi,
                round_half_up(effect / 1e6, 2) if effect is not None else None,
            ]
        )
    return rows


#: The columns of a service's sensitivity table (attachment 2); every cell is text, as the factors'
#: units differ (%, quality points, €).
SENSITIVITY_COLUMNS = [
    "Tekijä",
    "Tarkasteltu vaihteluväli",
    "Yksikkökustannus skenaariossa",
    "Suositus tarkastellulla välillä",
    "Tasapiste",
    "Suositus muuttuisi",
]


def _signed(value: float, decimals: int) -> str:
    """A signed change cut (not rounded) towards zero: a stated threshold never lies past the true one."""
    scale = 10.0**decimals
    cut = int(abs(value) * scale + 1e-9) / scale
    return fi_number(cut if value >= 0 else -cut, decimals, sign=True)


def _points(value: float) -> str:
    return fi_quantity(value, "piste", 2)


def sensitivity_row(factor: FactorSensitivity, unit: str) -> list[str]:
    """One factor of a service's sensitivity table as text cells."""
    if factor.effects:
        effect = "; ".join(
            f"{MODE_WORD[e.mode]} {fi_number(e.low, 2)}–{fi_number(e.high, 2)} €/{unit}" for e in factor.effects
        )
    else:
        effect = "ei vaikuta kustannuksiin"
    holds = "pysyy" if factor.holds else "muuttuu"
    if factor.break_even is None:
        break_even = "ei tasapistettä"
    elif factor.factor is SensitivityFactor.QUALITY:
        runner_up = MODE_WORD[factor.break_even_mode] if factor.break_even_mode else ""
        break_even = f"{_points(factor.break_even)} (toiseksi paras: {runner_up})"
        if factor.best_flips:
            break_even += "; paras vaihtoehto vaihtuu tarkastellulla välillä"
    else:
        other = MODE_WORD[factor.break_even_mode] if factor.break_even_mode else ""
        break_even = f"{fi_number(factor.break_even, 1, sign=True)}{NBSP}% (oma tuotanto = {other})"
    if factor.switch is None:
        if factor.factor is SensitivityFactor.QUALITY:
            switch = "ei muutu laatupisteiden mukaan"
        else:
            span = f"{fi_number(factor.search_low, 0, sign=True)} … {fi_number(factor.search_high, 0, sign=True)}"
            switch = f"ei muutu välillä {span}{NBSP}%"
    else:
        after = factor.switch_recommendation.label_fi if factor.switch_recommendation else ""
        if factor.factor is SensitivityFactor.QUALITY:
            whose = MODE_WORD[factor.switch_mode] if factor.switch_mode else ""
            switch = f"{whose} {_signed(factor.switch, 2)} pistettä → {after}"
        else:
            switch = f"{_signed(factor.switch, 1)}{NBSP}% → {after}"
    return [factor.label, factor.considered, effect, holds, break_even, switch]


def sensitivity_rows(item: ServiceComparison) -> list[list[str]]:
    """A service's sensitivity table (empty for a version stored before the sensitivity analysis)."""
    if item.sensitivity is None:
        return []
    return [sensitivity_row(f, item.unit) for f in item.sensitivity.factors]


def method_sections(analysis: ComparisonAnalysis) -> list[TextSection]:
    """Attachment 1: the material, the costing of both modes, the comparison basis, the yearly effect,
    the sensitivity analysis and the decision matrix with its rules (the sources and the
    reconciliation with the earlier stages follow as tables)."""
    params, matrix = analysis.params, analysis.matrix
    weights = ", ".join(f"{CRITERION_LABELS[c].lower()} {fi_number(100 * matrix.weights[c], 0)} %" for c in CRITERIA)
    files = "; ".join(f"{f.file} ({f.role.lower()})" for f in analysis.files)
    return [
        TextSection(
            heading="Aineisto",
            paragraphs=[
                "Vertailu perustuu esimerkkiaineistoon (luvut eivät ole hyvinvointialueen virallisia lukuja): "
                f"{files}. Oman tuotannon kustannukset ovat tilivuodelta {analysis.own.year}. Jokainen luku on "
                "jäljitettävissä lähdetiedoston riviin: liitteiden taulukot nimeävät rivit, ja liitteen 2 "
                "vertailutaulukossa (CSV) jokaisella luvulla on lähdesarake.",
            ],
        ),
        TextSection(heading="Oman tuotannon täyskustannus", paragraphs=list(analysis.own.method)),
        TextSection(
            heading="Ostopalvelun ja palvelusetelin vertailukelpoinen kustannus",
            paragraphs=[*analysis.purchased.method, *analysis.purchased.vat_basis],
        ),
        TextSection(heading="Vertailuperuste ja asiakkaiden maksut", paragraphs=[fee_basis_text(params)]),
        TextSection(heading="Vuosivaikutus", paragraphs=list(matrix.effect_method)),
        TextSection(heading="Herkkyystarkastelu", paragraphs=list(matrix.sensitivity_method)),
        TextSection(
            heading="Päätösmatriisi ja suositussäännöt",
            paragraphs=[
                f"Kriteerien painot: {weights}. {matrix.cost_score_method}",
                *matrix.rules,
                "Kun sääntö 2 ohittaa päätösmatriisin parhaan vaihtoehdon, palvelun perusteluissa (liite 2) "
                "kerrotaan, mikä vaihtoehto sai parhaat pisteet ja miksi sääntö ohittaa sen.",
            ],
        ),
    ]


def comparison_documents(
    payload: ComparisonProposal,
    analysis: ComparisonAnalysis,
    figures: ComparisonFigures,
    created: dt.datetime,
    proposal_ref: VersionRef,
) -> list[DocumentSpec]:
    """The decision item and its five attachments, and the organising-plan document, all from the
    stored proposal version."""
    context = {
        "analysis": analysis,
        "figures": figures,
        "payload": payload,
        "sources": compact_sources,
        "criterion_labels": CRITERION_LABELS,
        "mode_word": MODE_WORD,
        "summary_rows": summary_rows(analysis),
        "robustness": " ".join(robustness_summary(analysis)),
    }
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
                context=context,
            )
        )
    item, plan = documents
    return [item, *attachment_documents(item, ATTACHMENT_TEMPLATE, attachment_parts(analysis)), plan]


def attachment_parts(analysis: ComparisonAnalysis) -> list[AttachmentPart]:
    """The item's attachments 1–5 (liite 6, the organising plan, is its own item's document), each
    with the data its tables come from."""
    return [
        AttachmentPart(
            number=1,
            part="method",
            context={"method_sections": method_sections(analysis)},
            data=[
                PdfAttachment(
                    filename="comparison-method.json",
                    content=canonical_json(
                        {
                            "params": analysis.params,
                            "files": analysis.files,
                            "cross_checks": analysis.cross_checks,
                            "cross_check_rule": analysis.cross_check_rule,
                        }
                    ),
                    description="Parametrit, lähdetiedostot ja täsmäytys aiempiin vaiheisiin (JSON)",
                )
            ],
        ),
        AttachmentPart(
            number=2,
            part="services",
            context={
                "sensitivity_columns": SENSITIVITY_COLUMNS,
                "sensitivity_rows": {s.service_id: sensitivity_rows(s) for s in analysis.matrix.services},
            },
            data=[
                PdfAttachment(
                    filename="comparison-matrix.json",
                    content=canonical_json(analysis.matrix),
                    description="Päätösmatriisit, vuosivaikutukset ja suositukset (JSON)",
                ),
                PdfAttachment(
                    filename="comparison-export.csv",
                    content=export_csv(analysis),
                    description="Vertailutaulukko lähdeviittauksin (CSV)",
                    media_type="text/csv",
                ),
            ],
        ),
        AttachmentPart(
            number=3,
            part="own",
            context={},
            data=[
                PdfAttachment(
                    filename="comparison-own-costs.json",
                    content=canonical_json(analysis.own),
                    description="Oman tuotannon täyskustannuslaskelma (JSON)",
                )
            ],
        ),
        AttachmentPart(
            number=4,
            part="purchased",
            context={},
            data=[
                PdfAttachment(
                    filename="comparison-purchased-costs.json",
                    content=canonical_json(analysis.purchased),
                    description="Ostopalvelujen vertailukelpoiset kustannukset (JSON)",
                )
            ],
        ),
        AttachmentPart(
            number=5,
            part="personnel",
            context={},
            data=[
                PdfAttachment(
                    filename="comparison-personnel.json",
                    content=canonical_json(analysis.personnel),
                    description="Henkilöstövaikutukset (JSON)",
                )
            ],
        ),
    ]
