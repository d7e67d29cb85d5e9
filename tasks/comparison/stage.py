"""Stage 4 declared once: Tuotantotapojen vertailu ja valinta (own vs purchased production)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.chains import ServiceCatalogue
from schemas.comparison import (
    ComparisonAnalysis,
    ComparisonBasis,
    ComparisonFigures,
    ComparisonInputs,
    ComparisonRunParams,
)
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import DocumentSpec
from soteflow.stagekit import FileOutput, JsonOutput, Output
from soteflow.store import Store
from tasks.chains.basis import load_chains_basis
from tasks.comparison.analysis import analyse_comparison
from tasks.comparison.basis import PLAN_KEY, load_previous_plan
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
from tasks.comparison.proposal import build_comparison_proposal, document_created
from tasks.context import RoundContext
from tasks.definition import (
    XLSX_MEDIA_TYPE,
    CaseDraft,
    CaseHandling,
    CaseSpec,
    Computed,
    InputFile,
    RoundState,
    StageDefinition,
)


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
        previous=load_previous_plan(store, region=ctx.region, cycle=ctx.cycle),
    )


def _read(ctx: RoundContext, params: ComparisonRunParams, basis: ComparisonBasis | None) -> ComparisonInputs:
    _params(params)  # a bad weight or treatment stops the run before anything is read
    return read_comparison_inputs(ctx.inputs_dir)


def _params(params: ComparisonRunParams) -> Any:
    treatment = params.vat_treatment.value if params.vat_treatment else None
    return comparison_params(params.criteria_weights, treatment)


def _analyse(
    ctx: RoundContext, params: ComparisonRunParams, basis: ComparisonBasis, inputs: ComparisonInputs
) -> ComparisonAnalysis:
    """Check the services against the stage-3 catalogue; compute costs, matrices, personnel and plan."""
    check_catalogue(inputs, basis.chains.service_ids(), inputs_dir=ctx.inputs_dir)
    return analyse_comparison(
        inputs,
        _params(params),
        region_code=ctx.region,
        region_name=basis.chains.region_name,
        cycle=ctx.cycle,
        basis=basis.chains,
        previous=basis.previous,
        inputs_dir=str(ctx.inputs_dir),
    )


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
    payload = build_comparison_proposal(analysis, basis.chains, handling, basis.previous)
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
    return [CaseSpec(key=Stage.COMPARISON.value, propose=_propose)]


def _precheck(ctx: RoundContext, params: ComparisonRunParams, earlier: Mapping[Stage, Any]) -> ComparisonInputs:
    """The files on their own (rows, keys, reconciliation, a trial computation), and every service
    against the catalogue stage 3 will propose."""
    checked = _params(params)
    inputs = read_comparison_inputs(ctx.inputs_dir)
    planned = earlier.get(Stage.CHAINS)
    if planned is not None:
        catalogue: ServiceCatalogue = planned.catalogue
        check_catalogue(inputs, catalogue.service_ids(), inputs_dir=ctx.inputs_dir)
    analyse_comparison(inputs, checked, region_code="", region_name="", cycle=0, inputs_dir=str(ctx.inputs_dir))
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
    reads=(Stage.CHAINS,),
)
