"""Stage 7 declared once: Arviointi ja itsearviointi (evaluation and self-evaluation of the cycle).

Reads stages 1, 2, 4 and 5 as their bodies approved them and stage 6's noted period reports,
checks the region's evaluation files against them, and proposes the item *Arviointi ja
itsearviointi <cycle>* to the council. Its carry-over artefact is what stage 1 of the next cycle
starts from (:mod:`tasks.evaluation.basis`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.evaluation import (
    EvaluationAnalysis,
    EvaluationBasis,
    EvaluationFigures,
    EvaluationInputs,
    EvaluationParams,
    IndicatorChange,
    RiskRegister,
)
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import DocumentSpec
from soteflow.errors import InputError
from soteflow.stagekit import FileOutput, JsonOutput, Output
from soteflow.store import Store
from tasks.context import RoundContext
from tasks.definition import CaseDraft, CaseHandling, CaseSpec, Computed, InputFile, RoundState, StageDefinition
from tasks.evaluation.analysis import analyse_evaluation
from tasks.evaluation.basis import CARRYOVER_KEY, load_evaluation_basis
from tasks.evaluation.documents import attainment_csv, evaluation_documents
from tasks.evaluation.figures import evaluation_figures
from tasks.evaluation.inputs import (
    INPUT_FILES,
    OPTIONAL_ROLES,
    RULES_FILE,
    read_evaluation_inputs,
    read_rules,
    welfare_changes,
)
from tasks.evaluation.proposal import build_evaluation_proposal
from tasks.needs.basis import PUBLIC_DATA_FILES, recompute_region_profile

FILES: tuple[InputFile, ...] = (
    *(
        InputFile(
            role=role,
            name=name,
            folder="inputs",
            title=f"Lähdeaineisto: {name}",
            media_type="text/csv",
            schema_name="csv",
            optional=role in OPTIONAL_ROLES,
        )
        for role, name in INPUT_FILES.items()
    ),
    InputFile(
        role="rules",
        name=str(RULES_FILE),
        folder="data",
        fallback=True,
        title="Arvioinnin säännöt: arvosanat, riskiluokat ja näyttö (TOML)",
        media_type="application/toml",
        schema_name="toml",
    ),
    # The Statistics Finland exports the welfare indicators are recomputed from (a newer export
    # than stage 1's, when the data folder holds one).
    *(
        InputFile(
            role=role,
            name=name,
            folder="data",
            title=f"Lähdeaineisto: {name.rsplit('/', 1)[-1]}"
            + (" (Tilastokeskus)" if role.startswith("statfin") else " (kuntakartta ja aluejako)"),
            media_type="application/json",
            schema_name="pxweb-json" if role.startswith("statfin") else "topojson",
        )
        for role, name in PUBLIC_DATA_FILES.items()
    ),
)


@dataclass(frozen=True)
class EvaluationOutputs:
    """Stage 7's artefacts: the evaluation, the updated risk register, the carry-over, charts, CSV."""

    analysis: JsonOutput
    risks: JsonOutput
    carryover: JsonOutput
    files: tuple[FileOutput, ...]

    def all(self) -> Sequence[Output]:
        """Every output of the round."""
        return [self.analysis, self.risks, self.carryover, *self.files]


State = RoundState[EvaluationBasis, EvaluationInputs, EvaluationAnalysis, EvaluationFigures, EvaluationOutputs]


def _basis(store: Store, ctx: RoundContext) -> EvaluationBasis:
    return load_evaluation_basis(store, region=ctx.region, cycle=ctx.cycle)


def _files(ctx: RoundContext) -> dict[str, Path]:
    return {item.role: item.path(ctx) for item in FILES[: len(INPUT_FILES)] if item.path(ctx).is_file()}


def _read(ctx: RoundContext, params: EvaluationParams, basis: EvaluationBasis) -> EvaluationInputs:
    def welfare() -> tuple[list[IndicatorChange], str | None]:
        newer, periods = recompute_region_profile(ctx.data_dir, ctx.region)
        return welfare_changes(basis.needs.profiles.region, basis.needs.periods, newer, periods)

    return read_evaluation_inputs(
        _files(ctx), rules_path=ctx.data_file(RULES_FILE), params=params, basis=basis, welfare=welfare
    )


def _analyse(
    ctx: RoundContext, params: EvaluationParams, basis: EvaluationBasis, inputs: EvaluationInputs
) -> EvaluationAnalysis:
    return analyse_evaluation(inputs, basis, region_code=ctx.region, region_name=ctx.region_name, cycle=ctx.cycle)


def evaluation_outputs(
    computed: Computed[EvaluationBasis, EvaluationInputs, EvaluationAnalysis, EvaluationFigures],
) -> EvaluationOutputs:
    """The round's artefacts with their lineage: the region's files, the rules, the exports and the
    approved rounds of stages 1, 2, 4, 5 and 6 → the evaluation → the register, the carry-over, the charts."""
    analysis, basis = computed.analysis, computed.basis
    sources = [computed.sources[role] for role in sorted(computed.sources)]
    parents: list[Output | VersionRef] = [
        *sources,
        basis.needs.refs["needs-proposal"],
        basis.targets.impact_ref,
        basis.targets.frame_ref,
        basis.comparison.plan_ref,
        basis.procurement.contracts_ref,
        *basis.report_refs,
    ]
    evaluation = JsonOutput(
        "evaluation-analysis",
        "table",
        f"Arviointi {analysis.cycle}: tavoitteet, talous, palvelut, asiakaskokemus, hyvinvointi",
        analysis,
        derived_from=parents,
        table=[
            {
                "tavoite": a.target_id,
                "toteuma": a.actual,
                "toteutuma %": a.attainment_pct,
                "tila": a.status.label_fi,
                "arvosana": a.grade,
            }
            for a in analysis.attainment
        ],
    )
    risks = JsonOutput(
        "evaluation-risks",
        "table",
        f"Riskirekisteri {analysis.cycle}",
        RiskRegister(
            region_code=analysis.region_code, cycle=analysis.cycle, risks=analysis.risks, bands=analysis.bands
        ),
        derived_from=[evaluation],
        table=[
            {"riski": r.risk_id, "kuvaus": r.description, "indeksi": r.index, "luokka": r.band} for r in analysis.risks
        ],
    )
    carryover = JsonOutput(
        CARRYOVER_KEY,
        "table",
        f"Seuraavan kierroksen lähtökohdat ({analysis.cycle} → {analysis.cycle + 1})",
        analysis.carryover,
        derived_from=[evaluation, risks],
        table=[{"kohde": t.target_id, "kuvaus": t.text} for t in analysis.carryover.targets]
        + [{"kohde": r.risk_id, "kuvaus": r.description} for r in analysis.carryover.risks],
    )
    figures = computed.figures

    def svg(key: str, title: str, content: str, parent: JsonOutput) -> FileOutput:
        return FileOutput(key, "figure", title, content.encode("utf-8"), "image/svg+xml", "svg", derived_from=[parent])

    files = (
        svg("evaluation-heatmap-svg", "Riskikartta", figures.heatmap_svg, risks),
        svg("evaluation-attainment-svg", "Tavoitteiden toteutuma", figures.attainment_svg, evaluation),
        FileOutput(
            "evaluation-attainment-csv",
            "export",
            "Tavoitteiden toteutuminen ja arvosanat (CSV)",
            attainment_csv(analysis),
            "text/csv",
            "csv",
            derived_from=[evaluation],
        ),
    )
    return EvaluationOutputs(analysis=evaluation, risks=risks, carryover=carryover, files=files)


def _propose(state: State, handling: CaseHandling) -> CaseDraft:
    payload = build_evaluation_proposal(state.analysis, state.basis, handling)

    def documents(proposal: VersionRef) -> list[DocumentSpec]:
        return evaluation_documents(payload, state.analysis, state.figures, state.basis, proposal)

    return CaseDraft(
        payload=payload,
        agenda=payload.agenda,
        summary_markdown=payload.summary_markdown,
        title=f"Päätösehdotus: arviointi ja itsearviointi {state.analysis.cycle}",
        derived_from=[*state.declared.all()],
        documents=documents,
    )


def _cases(
    state: State,
) -> list[CaseSpec[EvaluationBasis, EvaluationInputs, EvaluationAnalysis, EvaluationFigures, EvaluationOutputs]]:
    return [CaseSpec(key=Stage.EVALUATION.value, propose=_propose)]


def _precheck(ctx: RoundContext, params: EvaluationParams, earlier: Mapping[Stage, Any]) -> None:
    """Before a whole cycle: the rules and that the required files exist; the files are checked
    against the cycle's approved stages when the round runs."""
    read_rules(ctx.data_file(RULES_FILE), params)
    for item in FILES[: len(INPUT_FILES)]:
        if not item.optional and not item.path(ctx).is_file():
            raise InputError(f"the input file does not exist ({item.title})", file=item.path(ctx))


DEFINITION: StageDefinition[
    EvaluationParams, EvaluationBasis, EvaluationInputs, EvaluationAnalysis, EvaluationFigures, EvaluationOutputs
] = StageDefinition(
    stage=Stage.EVALUATION,
    flow="flows/s7_evaluation.py:evaluation_flow",
    description=(
        "Stage 7, evaluation and self-evaluation (Arviointi ja itsearviointi): target attainment, performance "
        "against the frame and stage 4's plan, stage 6's producer KPIs over the cycle, client experience, welfare "
        "indicators, a self-evaluation graded 1–5, the updated risk register, and what the next cycle's stage 1 "
        "starts from. Starts from the approved stages 1, 2, 4 and 5 and stage 6's noted reports."
    ),
    params=EvaluationParams,
    files=FILES,
    load_basis=_basis,
    read_inputs=_read,
    analyse=_analyse,
    figures=evaluation_figures,
    outputs=evaluation_outputs,
    cases=_cases,
    precheck=_precheck,
    reads=(Stage.NEEDS, Stage.TARGETS, Stage.COMPARISON, Stage.PROCUREMENT, Stage.STEERING),
    package="evaluation",
)
