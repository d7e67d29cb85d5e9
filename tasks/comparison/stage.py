"""Stage 4 declared once: Tuotantotapojen vertailu ja valinta (own vs purchased production)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.chains import ServiceCatalogue
from schemas.comparison import (
    ComparisonAnalysis,
    ComparisonBasis,
    ComparisonFigures,
    ComparisonInputs,
    ComparisonParams,
    ComparisonRunParams,
    CooperationStep,
    SensitivityRule,
    ServiceComparison,
)
from schemas.documents import AppealKind
from schemas.results import VersionRef
from schemas.stages import Stage
from schemas.targets import TargetsBasis, TargetsInputs
from soteflow.documents import DocumentSpec
from soteflow.documents.formatting import fi_date
from soteflow.reconcile import enforce
from soteflow.stagekit import FileOutput, JsonOutput, Output
from soteflow.store import Store
from tasks.chains.basis import catalogue_services, load_chains_basis
from tasks.comparison.analysis import analyse_comparison
from tasks.comparison.basis import PLAN_KEY, load_previous_plan
from tasks.comparison.crosscheck import StatementTotals, catalogue_checks, statement_checks, totals_from_inputs
from tasks.comparison.documents import comparison_documents
from tasks.comparison.exports import MODE_WORD, export_csv, export_xlsx
from tasks.comparison.figures import build_comparison_figures
from tasks.comparison.inputs import (
    COST_SHEET,
    INCOME_SHEET,
    KEY_SHEET,
    OWN_CSV,
    OWN_XLSX,
    PERSONNEL_CSV,
    PURCHASES_CSV,
    QUALITY_CSV,
    check_catalogue,
    comparison_params,
    read_comparison_inputs,
)
from tasks.comparison.proposal import build_comparison_proposal, cooperation_step, document_created
from tasks.comparison.sensitivity import RULES_FILE as SENSITIVITY_RULES_FILE
from tasks.comparison.sensitivity import read_sensitivity_rule
from tasks.context import RoundContext
from tasks.definition import (
    RECONCILIATION_RULES,
    XLSX_MEDIA_TYPE,
    CaseDraft,
    CaseHandling,
    CaseSpec,
    Computed,
    InputFile,
    RoundState,
    StageDefinition,
    reconciliation_tolerance,
)
from tasks.targets.basis import load_targets_basis


def _csv(role: str, name: str, title: str, **extra: Any) -> InputFile:
    return InputFile(
        role=role,
        name=name,
        folder="inputs",
        title=f"Lähdeaineisto: {title}",
        media_type="text/csv",
        schema_name="csv",
        **extra,
    )


#: Own production's costs come as one workbook or as three CSV files (the workbook wins).
FILES: tuple[InputFile, ...] = (
    InputFile(
        role="own-production",
        name=OWN_XLSX,
        folder="inputs",
        optional=True,
        media_type=XLSX_MEDIA_TYPE,
        schema_name="xlsx",
        title="Lähdeaineisto: Oman tuotannon kustannukset, jakoperusteet ja tuloslaskelma (xlsx)",
    ),
    _csv("own-costs", OWN_CSV[COST_SHEET], "Oman tuotannon kustannukset (CSV)", optional=True, unless="own-production"),
    _csv(
        "allocation-keys",
        OWN_CSV[KEY_SHEET],
        "Tukipalvelujen ja hallinnon jakoperusteet (CSV)",
        optional=True,
        unless="own-production",
    ),
    _csv(
        "income-statement",
        OWN_CSV[INCOME_SHEET],
        "Tuloslaskelman tiliryhmät (CSV)",
        optional=True,
        unless="own-production",
    ),
    _csv("purchases", PURCHASES_CSV, "Ostopalvelut ja palvelusetelit (CSV)"),
    _csv("quality", QUALITY_CSV, "Laatu- ja saatavuustiedot (CSV)"),
    _csv("personnel", PERSONNEL_CSV, "Henkilöstö (CSV)"),
    RECONCILIATION_RULES,
    InputFile(
        role="sensitivity",
        name=str(SENSITIVITY_RULES_FILE),
        folder="data",
        fallback=True,
        title="Päivätty sääntö: herkkyystarkastelun hinnan, suoritemäärän ja laadun vaihteluvälit (TOML)",
        media_type="application/toml",
        schema_name="toml",
    ),
)
_OWN_ROLES = ("own-production", "own-costs", "allocation-keys", "income-statement")


@dataclass(frozen=True)
class ComparisonOutputs:
    """Stage 4's artefacts: costs, matrix, personnel, the organising plan, charts and the exports."""

    own: JsonOutput
    purchased: JsonOutput
    matrix: JsonOutput
    personnel: JsonOutput
    plan: JsonOutput
    files: tuple[FileOutput, ...]

    def all(self) -> Sequence[Output]:
        """Every output of the round."""
        return [self.own, self.purchased, self.matrix, self.personnel, self.plan, *self.files]


State = RoundState[ComparisonBasis, ComparisonInputs, ComparisonAnalysis, ComparisonFigures, ComparisonOutputs]


def _basis(store: Store, ctx: RoundContext) -> ComparisonBasis:
    return ComparisonBasis(
        chains=load_chains_basis(store, region=ctx.region, cycle=ctx.cycle),
        targets=load_targets_basis(store, region=ctx.region, cycle=ctx.cycle),
        previous=load_previous_plan(store, region=ctx.region, cycle=ctx.cycle),
    )


def _read(ctx: RoundContext, params: ComparisonRunParams, basis: ComparisonBasis | None) -> ComparisonInputs:
    _params(params)  # a bad weight or treatment stops the run before anything is read
    targets = basis.targets if basis is not None else None
    if targets is None or targets.forecast is None or targets.forecast_ref is None:
        return read_comparison_inputs(ctx.inputs_dir)
    return read_comparison_inputs(ctx.inputs_dir, targets.forecast.statement, _stage2_source(targets))


def _stage2_source(targets: TargetsBasis) -> str:
    """Stage 2's approved financial statement as a source is named."""
    ref = targets.forecast_ref
    assert ref is not None
    return f"vaihe 2: tilinpäätöksen toteuma ({ref.key} v{ref.version}, hyväksytty {fi_date(targets.approved_on)})"


def _params(params: ComparisonRunParams) -> Any:
    treatment = params.vat_treatment.value if params.vat_treatment else None
    return comparison_params(params.criteria_weights, treatment)


def _analyse(
    ctx: RoundContext, params: ComparisonRunParams, basis: ComparisonBasis, inputs: ComparisonInputs
) -> ComparisonAnalysis:
    """Check the services against the stage-3 catalogue; compute costs, matrices, personnel and plan."""
    check_catalogue(inputs, basis.chains.service_ids(), inputs_dir=ctx.inputs_dir)
    analysis = analyse_comparison(
        inputs,
        _params(params),
        region_code=ctx.region,
        region_name=basis.chains.region_name,
        cycle=ctx.cycle,
        basis=basis.chains,
        previous=basis.previous,
        inputs_dir=str(ctx.inputs_dir),
        sensitivity_rule=_sensitivity(ctx),
    )
    tolerance = reconciliation_tolerance(ctx)
    ref = basis.chains.catalogue_ref
    checks = catalogue_checks(
        basis.chains.services,
        _on_default_basis(inputs, analysis, str(ctx.inputs_dir)),
        inputs,
        tolerance,
        f"vaihe 3: palvelukatalogi ({ref.key} v{ref.version}, hyväksytty {fi_date(basis.chains.approved_on)})",
    )
    targets = basis.targets
    if targets is not None and targets.forecast is not None and targets.forecast_ref is not None:
        forecast = targets.forecast
        actual = next(a for a in forecast.actual if a.year == forecast.base_year)
        totals = StatementTotals(
            forecast.base_year,
            actual.operating_costs_eur,
            actual.operating_income_eur,
            actual.other_items_eur,
            _stage2_source(targets),
            groups=[t for t in forecast.statement if t.year == forecast.base_year],
        )
        checks += statement_checks(totals, inputs, tolerance)
    enforce(checks)
    return analysis.model_copy(update={"cross_checks": checks, "cross_check_rule": tolerance.source})


#: The parameters that change a unit cost (the criteria's weights change only the scores).
_COST_PARAMS = ("interest_rate", "vat_treatment", "computed_refund_rate", "fee_basis")


def _on_default_basis(
    inputs: ComparisonInputs, analysis: ComparisonAnalysis, inputs_dir: str
) -> list[ServiceComparison]:
    """The services on the default comparison basis (full cost, the computed VAT refund), which the
    catalogue's unit costs are on: a run's own VAT treatment or fee basis changes the comparison,
    not what the services cost."""
    default_params = ComparisonParams()
    if all(getattr(analysis.params, name) == getattr(default_params, name) for name in _COST_PARAMS):
        return analysis.matrix.services
    default = analyse_comparison(
        inputs,
        ComparisonParams(),
        region_code="",
        region_name="",
        cycle=0,
        inputs_dir=inputs_dir,
        sensitivity_rule=analysis.matrix.sensitivity_rule,
    )
    return default.matrix.services


def _sensitivity(ctx: RoundContext) -> SensitivityRule:
    """The sensitivity analysis's scenario factors valid on 1 January of the cycle's year (dated rule)."""
    return read_sensitivity_rule(ctx.data_file(SENSITIVITY_RULES_FILE), dt.date(ctx.cycle, 1, 1))


def _figures(ctx: RoundContext, inputs: ComparisonInputs, analysis: ComparisonAnalysis) -> ComparisonFigures:
    return build_comparison_figures(analysis)


def comparison_outputs(
    computed: Computed[ComparisonBasis, ComparisonInputs, ComparisonAnalysis, ComparisonFigures],
) -> ComparisonOutputs:
    """The round's artefacts with their lineage: sources → costs → matrix → personnel and plan →
    charts and exports."""
    analysis, figures, basis = computed.analysis, computed.figures, computed.basis
    own_sources = [s for role, s in computed.sources.items() if role in _OWN_ROLES]
    own = JsonOutput(
        "comparison-own-costs", "table", "Oman tuotannon täyskustannuslaskelma", analysis.own, derived_from=own_sources
    )
    purchased = JsonOutput(
        "comparison-purchased-costs",
        "table",
        "Ostopalvelujen vertailukelpoiset kustannukset",
        analysis.purchased,
        derived_from=[computed.source("purchases")],
    )
    matrix = JsonOutput(
        "comparison-matrix",
        "table",
        "Päätösmatriisit, herkkyystarkastelu ja suositukset",
        analysis.matrix,
        derived_from=[own, purchased, computed.source("quality"), basis.chains.catalogue_ref],
        table=[
            {
                "palvelu": item.name,
                **{f"{MODE_WORD[o.mode]} €/{item.unit}": o.unit_cost for o in item.options},
                "nykyinen": item.current_mode.label_fi,
                "suositus": item.recommendation.label_fi,
            }
            for item in analysis.matrix.services
        ],
    )
    personnel = JsonOutput(
        "comparison-personnel",
        "table",
        "Henkilöstövaikutukset",
        analysis.personnel,
        derived_from=[matrix, computed.source("personnel")],
    )
    plan = JsonOutput(
        PLAN_KEY,
        "plan",
        "Palvelujen järjestämissuunnitelma: tuotantotavat",
        analysis.plan,
        derived_from=[matrix, *([basis.previous.ref] if basis.previous else [])],
        table=[
            {
                "palvelu": e.name,
                "valittu": e.chosen_mode.label_fi,
                "edellinen": e.previous_mode.label_fi if e.previous_mode else "",
                "muuttuu": e.changed,
            }
            for e in analysis.plan.entries
        ],
    )

    def svg(key: str, title: str, content: str, parents: list[Output]) -> FileOutput:
        return FileOutput(key, "figure", title, content.encode("utf-8"), "image/svg+xml", "svg", derived_from=parents)

    created = document_created(basis.chains, computed.ctx.cycle)
    exported = [own, purchased, matrix, personnel]
    files = (
        *[svg(f.key, f.title, f.svg, [own, purchased]) for f in figures.components],
        svg(figures.ranges.key, figures.ranges.title, figures.ranges.svg, [matrix]),
        FileOutput(
            "comparison-export-csv",
            "export",
            "Vertailu lähdeviittauksin (CSV)",
            export_csv(analysis),
            "text/csv",
            "csv",
            derived_from=exported,
        ),
        FileOutput(
            "comparison-export-xlsx",
            "export",
            "Vertailu lähdeviittauksin (xlsx)",
            export_xlsx(analysis, created),
            XLSX_MEDIA_TYPE,
            "xlsx",
            derived_from=exported,
        ),
    )
    return ComparisonOutputs(own=own, purchased=purchased, matrix=matrix, personnel=personnel, plan=plan, files=files)


def _propose(state: State, handling: CaseHandling) -> CaseDraft:
    analysis, basis = state.analysis, state.basis
    params: ComparisonRunParams = state.params  # type: ignore[assignment]
    payload = build_comparison_proposal(analysis, basis.chains, handling, basis.previous, params.cooperation_held)
    created = document_created(basis.chains, state.ctx.cycle)

    def documents(proposal: VersionRef) -> list[DocumentSpec]:
        return comparison_documents(payload, analysis, state.figures, created, proposal)

    return CaseDraft(
        payload=payload,
        agenda=payload.agenda,
        summary_markdown=payload.summary_markdown,
        title="Päätösehdotus: tuotantotapojen vertailu ja valinta",
        derived_from=[*state.declared.all(), basis.chains.proposal_ref],
        documents=documents,
    )


def _cases(
    state: State,
) -> list[CaseSpec[ComparisonBasis, ComparisonInputs, ComparisonAnalysis, ComparisonFigures, ComparisonOutputs]]:
    params: ComparisonRunParams = state.params  # type: ignore[assignment]
    # A decision that only opens the co-operation procedure prepares the modes: no appeal (611/2021 141 §).
    opens = cooperation_step(state.analysis, params.cooperation_held) is CooperationStep.OPENS
    return [CaseSpec(key=Stage.COMPARISON.value, propose=_propose, appeal=AppealKind.VALMISTELU if opens else None)]


def _precheck(ctx: RoundContext, params: ComparisonRunParams, earlier: Mapping[Stage, Any]) -> ComparisonInputs:
    """The files on their own (rows, keys, reconciliation, a trial computation), and every service
    against the catalogue stage 3 will propose."""
    checked = _params(params)
    targets: TargetsInputs | None = earlier.get(Stage.TARGETS)
    statement_name = Path(targets.files.get("tilinpaatos", "tilinpaatos.csv")).name if targets else ""
    statement_source = f"vaihe 2: tilinpäätöksen toteuma ({statement_name})"
    inputs = read_comparison_inputs(
        ctx.inputs_dir, targets.statement if targets else (), statement_source if targets else None
    )
    planned = earlier.get(Stage.CHAINS)
    catalogue: ServiceCatalogue | None = planned.catalogue if planned is not None else None
    if catalogue is not None:
        check_catalogue(inputs, catalogue.service_ids(), inputs_dir=ctx.inputs_dir)
    trial = analyse_comparison(
        inputs,
        checked,
        region_code="",
        region_name="",
        cycle=0,
        inputs_dir=str(ctx.inputs_dir),
        sensitivity_rule=_sensitivity(ctx),
    )
    # The figures the approved rounds will give, from the files stages 2 and 3 will read.
    tolerance = reconciliation_tolerance(ctx)
    checks = []
    reference = _on_default_basis(inputs, trial, str(ctx.inputs_dir))
    if catalogue is not None:
        checks += catalogue_checks(
            catalogue_services(catalogue),
            reference,
            inputs,
            tolerance,
            f"vaihe 3: palvelukatalogi ({catalogue.source_file})",
        )
    if targets is not None:
        checks += statement_checks(totals_from_inputs(targets, statement_source), inputs, tolerance)
    enforce(checks)
    return inputs


DEFINITION: StageDefinition[
    ComparisonRunParams, ComparisonBasis, ComparisonInputs, ComparisonAnalysis, ComparisonFigures, ComparisonOutputs
] = StageDefinition(
    stage=Stage.COMPARISON,
    flow="flows/s4_comparison.py:comparison_flow",
    description=(
        "Stage 4, own vs purchased production on full, comparable costs (Tuotantotapojen vertailu ja "
        "valinta) and the service organising plan. Starts from the approved stage-3 round."
    ),
    params=ComparisonRunParams,
    files=FILES,
    load_basis=_basis,
    read_inputs=_read,
    analyse=_analyse,
    figures=_figures,
    outputs=comparison_outputs,
    cases=_cases,
    precheck=_precheck,
    reads=(Stage.TARGETS, Stage.CHAINS),
)
