"""Stage 2 declared once: Tuloksellisuustavoitteiden asettaminen (performance targets and the financial frame)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.needs import NeedsBasis
from schemas.results import VersionRef
from schemas.stages import Stage
from schemas.targets import TargetsAssessment, TargetsFigures, TargetsInputs, TargetsParams
from soteflow.documents import DocumentSpec
from soteflow.stagekit import FileOutput, JsonOutput, Output
from soteflow.store import Store
from tasks.agenda import check_meeting_date
from tasks.context import RoundContext
from tasks.definition import CaseDraft, CaseHandling, CaseSpec, Computed, InputFile, RoundState, StageDefinition
from tasks.needs.basis import load_needs_basis
from tasks.targets.analysis import assess_targets
from tasks.targets.documents import targets_documents
from tasks.targets.figures import targets_figures
from tasks.targets.inputs import (
    ALLOCATION_RULES_FILE,
    COVERAGE_RULES_FILE,
    FORMER_STATEMENT_FILE,
    INPUT_FILES,
    read_targets_inputs,
    with_overrides,
)
from tasks.targets.proposal import build_targets_proposal, check_first_meeting

_MEDIA = {".csv": ("text/csv", "csv"), ".toml": ("application/toml", "toml")}

FILES: tuple[InputFile, ...] = (
    *(
        InputFile(
            role=role,
            name=name,
            folder="inputs",
            title=f"Lähdeaineisto: {name}",
            media_type=_MEDIA[name[name.rindex(".") :]][0],
            schema_name=_MEDIA[name[name.rindex(".") :]][1],
            replaces=FORMER_STATEMENT_FILE if role == "tilinpaatos" else None,
        )
        for role, name in INPUT_FILES.items()
    ),
    InputFile(
        role="coverage",
        name=str(COVERAGE_RULES_FILE),
        folder="data",
        fallback=True,
        title="Päivätty sääntö: alijäämän kattamisen määräaika (TOML)",
        media_type="application/toml",
        schema_name="toml",
    ),
    InputFile(
        role="allocation",
        name=str(ALLOCATION_RULES_FILE),
        folder="data",
        fallback=True,
        title="Sääntö: kehyksen jaon tarvemittarit ja siirtymä (TOML)",
        media_type="application/toml",
        schema_name="toml",
    ),
)


@dataclass(frozen=True)
class TargetsOutputs:
    """Stage 2's artefacts: the targets, the forecast, the frame and their charts."""

    impact: JsonOutput
    forecast: JsonOutput
    frame: JsonOutput
    charts: tuple[FileOutput, ...]

    def all(self) -> Sequence[Output]:
        """Every output of the round."""
        return [self.impact, self.forecast, self.frame, *self.charts]


State = RoundState[NeedsBasis, TargetsInputs, TargetsAssessment, TargetsFigures, TargetsOutputs]


def _basis(store: Store, ctx: RoundContext) -> NeedsBasis:
    return load_needs_basis(store, region=ctx.region, cycle=ctx.cycle)


def _read(ctx: RoundContext, params: TargetsParams, basis: NeedsBasis) -> TargetsInputs:
    inputs = _read_files(ctx, params)
    check_first_meeting(ctx.meeting_date, basis, inputs.assumptions.frame_year)
    return inputs


def _read_files(ctx: RoundContext, params: TargetsParams) -> TargetsInputs:
    """The four files and the dated coverage rule, the frame year checked against the cycle's budget year."""
    method = params.allocation_method.value if params.allocation_method else None
    return with_overrides(
        read_targets_inputs(
            ctx.inputs_dir,
            rules=ctx.data_file(COVERAGE_RULES_FILE),
            region_code=ctx.region,
            planning=ctx.planning,
            allocation_rules=ctx.data_file(ALLOCATION_RULES_FILE),
        ),
        method,
        params.need_weight,
    )


def _analyse(ctx: RoundContext, params: TargetsParams, basis: NeedsBasis, inputs: TargetsInputs) -> TargetsAssessment:
    return assess_targets(inputs, basis, ctx.cycle)


def _slug(text: str) -> str:
    """A scenario key as a part of an artefact key (``[a-z0-9-]`` only)."""
    import re

    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "skenaario"


def targets_outputs(computed: Computed[NeedsBasis, TargetsInputs, TargetsAssessment, TargetsFigures]) -> TargetsOutputs:
    """The round's artefacts with their lineage: sources and the approved stage 1 → tables → charts."""
    assessment, figures, basis = computed.analysis, computed.figures, computed.basis
    needs_proposal, profile = basis.refs["needs-proposal"], basis.refs["needs-profile"]
    impact = JsonOutput(
        "targets-impact",
        "table",
        "Asiakasryhmien vaikuttavuustavoitteet",
        assessment.impact,
        derived_from=[computed.source("tavoitteet"), profile, needs_proposal],
        table=[
            {
                "tunnus": t.target_id,
                "asiakasryhmä": t.client_group.label_fi,
                "mittari": t.indicator,
                "lähtötaso": t.baseline,
                "lähde": t.baseline_source,
                "tavoite": t.target_value,
                "vuosi": t.target_year,
            }
            for t in assessment.impact.targets
        ],
    )
    forecast = JsonOutput(
        "targets-forecast",
        "table",
        "Talouden tilanne ja kehysennuste",
        assessment.forecast,
        derived_from=[
            computed.source("tilinpaatos"),
            computed.source("rahoitus"),
            computed.source("oletukset"),
            computed.source("coverage"),
            needs_proposal,
        ],
        table=[
            {
                "skenaario": s.name,
                "vuosi": y.year,
                "kulut €": y.operating_costs_eur,
                "rahoitus €": y.funding_eur,
                "tulos €": y.result_eur,
                "kertynyt €": y.accumulated_eur,
            }
            for s in assessment.forecast.scenarios
            for y in s.years
        ],
    )
    frame = JsonOutput(
        "targets-frame",
        "table",
        "Talouden kehys asiakasryhmittäin",
        assessment.frame,
        derived_from=[computed.source("tilinpaatos"), computed.source("oletukset"), forecast, profile, needs_proposal],
        table=[
            {
                "asiakasryhmä": g.client_group.label_fi,
                "nykyinen osuus": g.current_share,
                "suhteellinen tarve": g.relative_need,
                "kehysosuus": g.allocated_share,
                "kehys €": g.allocated_eur,
            }
            for g in assessment.frame.groups
        ],
    )

    def svg(key: str, title: str, content: str, parent: JsonOutput) -> FileOutput:
        return FileOutput(key, "figure", title, content.encode("utf-8"), "image/svg+xml", "svg", derived_from=[parent])

    charts = (
        *[
            svg(f"targets-forecast-{_slug(c.key)}-svg", f"Kulut ja rahoitus: {c.name}", c.svg, forecast)
            for c in figures.scenario_svgs
        ],
        svg("targets-result-svg", "Tilikauden tulos skenaarioittain", figures.result_svg, forecast),
        svg("targets-balance-svg", "Kertynyt yli-/alijäämä skenaarioittain", figures.balance_svg, forecast),
        svg("targets-allocation-svg", "Kehyksen jako asiakasryhmille", figures.allocation_svg, frame),
    )
    return TargetsOutputs(impact=impact, forecast=forecast, frame=frame, charts=charts)


def _propose(state: State, handling: CaseHandling) -> CaseDraft:
    payload = build_targets_proposal(state.analysis, state.basis, handling)
    out = state.declared

    def documents(proposal: VersionRef) -> list[DocumentSpec]:
        return targets_documents(payload, state.analysis, state.figures, state.basis, proposal)

    return CaseDraft(
        payload=payload,
        agenda=payload.agenda,
        summary_markdown=payload.summary_markdown,
        title="Päätösehdotus: tuloksellisuustavoitteet ja talouden kehys",
        derived_from=[*out.all(), state.basis.refs["needs-proposal"]],
        documents=documents,
    )


def _cases(
    state: State,
) -> list[CaseSpec[NeedsBasis, TargetsInputs, TargetsAssessment, TargetsFigures, TargetsOutputs]]:
    return [CaseSpec(key=Stage.TARGETS.value, propose=_propose)]


def _precheck(ctx: RoundContext, params: TargetsParams, earlier: Mapping[Stage, Any]) -> TargetsInputs:
    """The files on their own and against each other (and a given meeting date against the frame
    year); against stage 1 when the round runs."""
    inputs = _read_files(ctx, params)
    if ctx.meeting_date is not None:
        check_meeting_date(ctx.meeting_date, inputs.assumptions.frame_year, how="the meeting date")
    return inputs


DEFINITION: StageDefinition[
    TargetsParams, NeedsBasis, TargetsInputs, TargetsAssessment, TargetsFigures, TargetsOutputs
] = StageDefinition(
    stage=Stage.TARGETS,
    flow="flows/s2_targets.py:targets_flow",
    description=(
        "Stage 2, performance targets and financial frame (Tuloksellisuustavoitteiden asettaminen). "
        "Starts from the approved stage-1 round; proposes the targets, the frame allocated to client "
        "groups and the multi-year forecast, and suspends until the body's decision."
    ),
    params=TargetsParams,
    files=FILES,
    load_basis=_basis,
    read_inputs=_read,
    analyse=_analyse,
    figures=targets_figures,
    outputs=targets_outputs,
    cases=_cases,
    precheck=_precheck,
    reads=(Stage.NEEDS,),
)
