"""Stage 3 declared once: Priorisointi, palvelukokonaisuudet ja -ketjut (prioritised packages and chains)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.chains import (
    CRITERION_LABELS,
    ChainsAnalysis,
    ChainsInputs,
    ChainsParams,
    ChainsRoundFigures,
)
from schemas.documents import AppealKind
from schemas.results import SourceRef, VersionRef
from schemas.stages import Stage
from schemas.targets import TargetsBasis
from soteflow.documents import DocumentSpec
from soteflow.errors import InputError
from soteflow.reconcile import enforce
from soteflow.stagekit import FileOutput, JsonOutput, Output
from soteflow.store import Store
from tasks.chains.analysis import build_chains, priority_params, score_packages
from tasks.chains.catalogue import (
    BENCHMARK_FILE,
    CATALOGUE_FILE,
    FEEDBACK_FILE,
    THEME_RESPONSES_FILE,
    THEME_REVIEW_FILE,
    THEMES_FILE,
    check_catalogue_against_stage2,
    read_benchmarks,
    read_catalogue,
)
from tasks.chains.crosscheck import frame_checks
from tasks.chains.documents import chains_documents
from tasks.chains.feedback import (
    load_taxonomy,
    read_feedback,
    read_theme_responses,
    read_theme_review,
    synthesise_feedback,
)
from tasks.chains.feedback_agenda import feedback_figures
from tasks.chains.figures import build_chain_figures
from tasks.chains.proposal import build_chains_proposal
from tasks.context import RoundContext
from tasks.definition import (
    RECONCILIATION_RULES,
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

FILES: tuple[InputFile, ...] = (
    InputFile(
        role="catalogue",
        name=CATALOGUE_FILE,
        folder="inputs",
        title=f"Lähdeaineisto: {CATALOGUE_FILE}",
        media_type="text/csv",
        schema_name="palvelukatalogi-csv",
    ),
    InputFile(
        role="feedback",
        name=FEEDBACK_FILE,
        folder="inputs",
        title=f"Lähdeaineisto: {FEEDBACK_FILE}",
        media_type="text/csv",
        schema_name="lausunnot-csv",
    ),
    InputFile(
        role="benchmarks",
        name=BENCHMARK_FILE,
        folder="inputs",
        optional=True,
        title=f"Lähdeaineisto: {BENCHMARK_FILE}",
        media_type="text/csv",
        schema_name="vertailukustannukset-csv",
    ),
    InputFile(
        role="theme-review",
        name=THEME_REVIEW_FILE,
        folder="inputs",
        optional=True,
        title=f"Lähdeaineisto: {THEME_REVIEW_FILE}",
        media_type="text/csv",
        schema_name="lausunnot-teemat-csv",
    ),
    InputFile(
        role="theme-responses",
        name=THEME_RESPONSES_FILE,
        folder="inputs",
        optional=True,
        title=f"Lähdeaineisto: {THEME_RESPONSES_FILE}",
        media_type="text/csv",
        schema_name="lausunnot-vastineet-csv",
    ),
    InputFile(
        role="themes",
        name=str(THEMES_FILE),
        folder="data",
        fallback=True,
        title=f"Teemaluokitus: {THEMES_FILE.name}",
        media_type="application/toml",
        schema_name="feedback-themes-toml",
    ),
    RECONCILIATION_RULES,
)


@dataclass(frozen=True)
class ChainsOutputs:
    """Stage 3's artefacts: the catalogue, the priorities, the chains, the feedback synthesis, the diagrams."""

    catalogue: JsonOutput
    priorities: JsonOutput
    services: JsonOutput
    synthesis: JsonOutput
    diagrams: tuple[FileOutput, ...]

    def all(self) -> Sequence[Output]:
        """Every output of the round."""
        return [self.catalogue, self.priorities, self.services, self.synthesis, *self.diagrams]


State = RoundState[TargetsBasis, ChainsInputs, ChainsAnalysis, ChainsRoundFigures, ChainsOutputs]


def _basis(store: Store, ctx: RoundContext) -> TargetsBasis:
    return load_targets_basis(store, region=ctx.region, cycle=ctx.cycle)


def _paths(ctx: RoundContext) -> dict[str, Any]:
    return {f.role: f.path(ctx) for f in FILES}


def _read(ctx: RoundContext, params: ChainsParams, basis: TargetsBasis | None) -> ChainsInputs:
    """Read the catalogue (and the optional benchmark costs) and synthesise the feedback with the
    preparer's optional theme review and responses (every file error is an InputError)."""
    priority_params(params.weights, params.sensitivity_step)  # a bad weight stops the run before reading
    paths = _paths(ctx)
    catalogue = read_catalogue(paths["catalogue"])
    benchmarks = read_benchmarks(paths["benchmarks"], catalogue) if paths["benchmarks"].is_file() else None
    taxonomy = load_taxonomy(paths["themes"])
    comments = read_feedback(paths["feedback"])
    review_path, responses_path = paths["theme-review"], paths["theme-responses"]
    review = read_theme_review(review_path, comments, taxonomy) if review_path.is_file() else []
    responses = read_theme_responses(responses_path, taxonomy) if responses_path.is_file() else None
    synthesis = synthesise_feedback(
        comments,
        taxonomy,
        source_file=str(paths["feedback"]),
        cycle=ctx.cycle,
        meeting_date=ctx.meeting_date,
        review=review,
        review_file=str(review_path) if review_path.is_file() else None,
        responses=responses,
        responses_file=str(responses_path) if responses_path.is_file() else None,
    )
    return ChainsInputs(
        catalogue=catalogue,
        benchmarks=benchmarks,
        synthesis=synthesis,
        catalogue_path=str(paths["catalogue"]),
        feedback_path=str(paths["feedback"]),
        taxonomy_path=str(paths["themes"]),
    )


def _analyse(ctx: RoundContext, params: ChainsParams, basis: TargetsBasis, inputs: ChainsInputs) -> ChainsAnalysis:
    """Check the catalogue against the approved stage 2, score the packages, build the chains."""
    checked = priority_params(params.weights, params.sensitivity_step)
    check_catalogue_against_stage2(inputs.catalogue, basis.impact, basis.frame, file=inputs.catalogue_path)
    targets_ref, frame_ref = SourceRef.of(basis.impact_ref), SourceRef.of(basis.frame_ref)
    priorities = score_packages(
        inputs.catalogue,
        basis.impact,
        basis.frame,
        checked,
        targets_ref=targets_ref,
        frame_ref=frame_ref,
        benchmarks=inputs.benchmarks,
    )
    tolerance = reconciliation_tolerance(ctx)
    checks = frame_checks(inputs.catalogue, basis, tolerance)
    enforce(checks)
    priorities = priorities.model_copy(update={"cross_checks": checks, "cross_check_rule": tolerance.source})
    services = build_chains(inputs.catalogue, basis.impact, targets_ref=targets_ref)
    return ChainsAnalysis(priorities=priorities, services=services)


def _figures(ctx: RoundContext, inputs: ChainsInputs, analysis: ChainsAnalysis) -> ChainsRoundFigures:
    return ChainsRoundFigures(
        chains=build_chain_figures(analysis.services), feedback=feedback_figures(inputs.synthesis)
    )


def _optional(computed: Computed[Any, Any, Any, Any], *roles: str) -> list[FileOutput]:
    """The snapshots of the optional input files that were given (their lineage)."""
    return [computed.sources[r] for r in roles if r in computed.sources]


def chains_outputs(computed: Computed[TargetsBasis, ChainsInputs, ChainsAnalysis, ChainsRoundFigures]) -> ChainsOutputs:
    """The round's artefacts with their lineage: sources and the approved stage 2 → tables → diagrams."""
    inputs, analysis, basis = computed.inputs, computed.analysis, computed.basis
    catalogue = JsonOutput(
        "chains-catalogue", "table", "Palveluluettelo", inputs.catalogue, derived_from=[computed.source("catalogue")]
    )
    priorities = JsonOutput(
        "chains-priorities",
        "table",
        "Palvelukokonaisuuksien priorisointi",
        analysis.priorities,
        derived_from=[catalogue, basis.impact_ref, basis.frame_ref, *_optional(computed, "benchmarks")],
        table=[
            {
                "sija": r.rank,
                "palvelukokonaisuus": r.name,
                "pisteet": r.score,
                **{CRITERION_LABELS[c.criterion].lower(): c.component for c in r.criteria},
            }
            for r in analysis.priorities.rows
        ],
    )
    services = JsonOutput(
        "chains-services",
        "table",
        "Palveluketjut ja palvelukuvaukset",
        analysis.services,
        derived_from=[catalogue, basis.impact_ref],
        table=[
            {
                "kokonaisuus": chain.package_id,
                "vaihe": s.order,
                "palvelu": s.name,
                "tuotantotapa": s.mode.label_fi,
                "vuosivolyymi": s.annual_volume,
                "vuosikustannus €": s.annual_cost,
                "tavoite": s.target.target_id,
            }
            for chain in analysis.services.chains
            for s in chain.steps
        ],
    )
    synthesis = JsonOutput(
        "chains-feedback-synthesis",
        "report",
        "Yhteenveto sidosryhmien lausunnoista",
        inputs.synthesis,
        derived_from=[
            computed.source("feedback"),
            computed.source("themes"),
            *_optional(computed, "theme-review", "theme-responses"),
        ],
    )
    diagrams = tuple(
        FileOutput(f.key, "figure", f.title, f.svg.encode("utf-8"), "image/svg+xml", "svg", derived_from=[services])
        for f in computed.figures.chains.chains
    )
    return ChainsOutputs(
        catalogue=catalogue, priorities=priorities, services=services, synthesis=synthesis, diagrams=diagrams
    )


def _propose(state: State, handling: CaseHandling) -> CaseDraft:
    inputs, analysis, basis = state.inputs, state.analysis, state.basis
    payload = build_chains_proposal(
        catalogue=inputs.catalogue, analysis=analysis, synthesis=inputs.synthesis, basis=basis, handling=handling
    )

    def documents(proposal: VersionRef) -> list[DocumentSpec]:
        return chains_documents(
            payload, inputs, analysis, state.figures.chains, state.figures.feedback, basis, proposal
        )

    return CaseDraft(
        payload=payload,
        agenda=payload.agenda,
        summary_markdown=payload.summary_markdown,
        title="Päätösehdotus: palvelukokonaisuudet ja palveluketjut",
        derived_from=[*state.declared.all(), basis.proposal_ref],
        documents=documents,
    )


def _cases(
    state: State,
) -> list[CaseSpec[TargetsBasis, ChainsInputs, ChainsAnalysis, ChainsRoundFigures, ChainsOutputs]]:
    # The packages and chains, and the stakeholder summary decided with them, prepare stage 4's
    # choice of production modes and the budget: no rectification request or appeal
    # (hyvinvointialuelaki 611/2021, 141 §). Both documents carry the case's route.
    return [CaseSpec(key=Stage.CHAINS.value, propose=_propose, appeal=AppealKind.VALMISTELU)]


def _precheck(ctx: RoundContext, params: ChainsParams, earlier: Mapping[Stage, Any]) -> ChainsInputs:
    """The files on their own, and each step's ``tavoite_id`` against the targets stage 2 will propose."""
    inputs = _read(ctx, params, None)
    catalogue = inputs.catalogue
    planned = earlier.get(Stage.TARGETS)
    if planned is not None:
        target_ids = {t.target_id for t in planned.targets}
        for package in catalogue.packages:
            for step in package.steps:
                if step.target_id not in target_ids:
                    raise InputError(
                        f"tavoite_id {step.target_id!r} is not one of the stage-2 targets ({', '.join(sorted(target_ids))})",
                        file=inputs.catalogue_path,
                        row=step.source_row,
                        field="tavoite_id",
                    )
    return inputs


DEFINITION: StageDefinition[
    ChainsParams, TargetsBasis, ChainsInputs, ChainsAnalysis, ChainsRoundFigures, ChainsOutputs
] = StageDefinition(
    stage=Stage.CHAINS,
    flow="flows/s3_chains.py:chains_flow",
    description=(
        "Stage 3, prioritisation, service packages and chains (Priorisointi, palvelukokonaisuudet ja "
        "-ketjut), with the stakeholder-feedback synthesis. Starts from the approved stage-2 round."
    ),
    params=ChainsParams,
    files=FILES,
    load_basis=_basis,
    read_inputs=_read,
    analyse=_analyse,
    figures=_figures,
    outputs=chains_outputs,
    cases=_cases,
    precheck=_precheck,
    reads=(Stage.TARGETS,),
)
