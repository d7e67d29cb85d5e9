"""Stage 1 declared once: Strateginen palvelutarpeiden arviointi (strategic service needs assessment)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.documents import AppealKind
from schemas.evaluation import EvaluationCarryBasis
from schemas.needs import NeedsAssessment, NeedsFigures, NeedsInputs, NeedsParams
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import DocumentSpec
from soteflow.stagekit import FileOutput, JsonOutput, Output
from soteflow.store import Store
from tasks.context import RoundContext
from tasks.definition import CaseDraft, CaseHandling, CaseSpec, Computed, RoundState, StageDefinition
from tasks.evaluation.basis import load_carryover
from tasks.needs.analysis import assess_needs
from tasks.needs.documents import needs_documents
from tasks.needs.figures import build_needs_figures
from tasks.needs.inputs import FILES, read_needs_inputs
from tasks.needs.proposal import build_needs_proposal


@dataclass(frozen=True)
class NeedsOutputs:
    """Stage 1's artefacts: the need tables, the reconciliation report and the map."""

    profile: JsonOutput
    index: JsonOutput
    change: JsonOutput
    reconciliation: JsonOutput
    map_svg: FileOutput

    def all(self) -> Sequence[Output]:
        """Every output of the round."""
        return [self.profile, self.index, self.change, self.reconciliation, self.map_svg]


Basis = EvaluationCarryBasis | None
State = RoundState[Basis, NeedsInputs, NeedsAssessment, NeedsFigures, NeedsOutputs]


def _basis(store: Store, ctx: RoundContext) -> Basis:
    """Stage 1 starts from public data and, from a region's second cycle on, from what the approved
    evaluation of the previous cycle carried over (stage 7's basis; none in the first cycle)."""
    return load_carryover(store, region=ctx.region, cycle=ctx.cycle - 1)


def _read(ctx: RoundContext, params: NeedsParams, basis: Basis) -> NeedsInputs:
    return read_needs_inputs(ctx)


def _analyse(ctx: RoundContext, params: NeedsParams, basis: Basis, inputs: NeedsInputs) -> NeedsAssessment:
    return assess_needs(ctx.data_dir, inputs.region_code, params.index_params())


def needs_outputs(computed: Computed[Basis, NeedsInputs, NeedsAssessment, NeedsFigures]) -> NeedsOutputs:
    """The round's artefacts with their lineage: sources → tables → map (→ proposal → documents)."""
    assessment = computed.analysis
    # The exports and the map the tables are computed from; the rules file sets the index's method.
    sources = [source for role, source in computed.sources.items() if role != "rules"]
    profile = JsonOutput(
        "needs-profile",
        "table",
        "Palvelutarveprofiilit",
        assessment.profiles,
        derived_from=sources,
        table=[
            {
                "alue": p.name,
                "väkiluku": p.population,
                "alle 15 %": p.share_under_15,
                "65+ %": p.share_65_plus,
                "pienituloisuus %": p.low_income_rate,
                "työttömyys %": p.unemployment_rate,
            }
            for p in [*assessment.profiles.municipalities, assessment.profiles.region, assessment.profiles.country]
        ],
    )
    index = JsonOutput(
        "needs-index",
        "table",
        "Tarveindeksi",
        assessment.need_index,
        derived_from=[profile, computed.source("rules")],
        table=[
            {
                "sija": r.rank,
                "kunta": r.name,
                "koodi": r.area_code,
                "tarveindeksi": r.index,
                "vaihteluväli ±": r.margin,
                "epävarma": r.uncertain,
            }
            for r in assessment.need_index.rows
        ],
    )
    return NeedsOutputs(
        profile=profile,
        index=index,
        change=JsonOutput(
            "needs-change",
            "table",
            "Toimintaympäristön muutosanalyysi",
            assessment.change,
            derived_from=[profile, computed.source("rules")],
        ),
        reconciliation=JsonOutput(
            "needs-reconciliation",
            "report",
            "Täsmäytys Tilastokeskuksen lukuihin",
            assessment.reconciliation,
            derived_from=sources,
        ),
        map_svg=FileOutput(
            key="needs-map-svg",
            kind="map",
            title="Tarveindeksi kunnittain (kartta)",
            content=computed.figures.map_svg.encode("utf-8"),
            media_type="image/svg+xml",
            schema_name="svg",
            derived_from=[index],
        ),
    )


def _propose(state: State, handling: CaseHandling) -> CaseDraft:
    payload = build_needs_proposal(state.analysis, handling, state.basis)
    out = state.declared
    carried = [state.basis.ref] if state.basis is not None else []

    def documents(proposal: VersionRef) -> list[DocumentSpec]:
        return needs_documents(payload, state.analysis, state.figures, proposal)

    return CaseDraft(
        payload=payload,
        agenda=payload.agenda,
        summary_markdown=payload.summary_markdown,
        title="Päätösehdotus: palvelutarvearvio",
        derived_from=[out.profile, out.index, out.change, out.reconciliation, out.map_svg, *carried],
        documents=documents,
    )


def _cases(state: State) -> list[CaseSpec[Basis, NeedsInputs, NeedsAssessment, NeedsFigures, NeedsOutputs]]:
    # The needs assessment only prepares the later stages' decisions (targets, frame, production
    # modes): no rectification request or appeal (hyvinvointialuelaki 611/2021, 141 §).
    return [CaseSpec(key=Stage.NEEDS.value, propose=_propose, appeal=AppealKind.VALMISTELU)]


def _precheck(ctx: RoundContext, params: NeedsParams, earlier: Mapping[Stage, Any]) -> NeedsInputs:
    return read_needs_inputs(ctx)


DEFINITION: StageDefinition[NeedsParams, Basis, NeedsInputs, NeedsAssessment, NeedsFigures, NeedsOutputs] = (
    StageDefinition(
        stage=Stage.NEEDS,
        flow="flows/s1_needs.py:needs_flow",
        description=(
            "Stage 1, strategic service needs assessment (Strateginen palvelutarpeiden arviointi). "
            "Proposes the palvelutarvearvio and suspends until the body's decision is submitted in the "
            "run's Resume form."
        ),
        params=NeedsParams,
        files=FILES,
        load_basis=_basis,
        read_inputs=_read,
        analyse=_analyse,
        figures=build_needs_figures,
        outputs=needs_outputs,
        cases=_cases,
        precheck=_precheck,
        reads=(Stage.EVALUATION,),  # the previous cycle's, through tasks.evaluation.basis
    )
)
