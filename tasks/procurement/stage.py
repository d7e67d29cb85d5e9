"""Stage 5 declared once: Resurssien hankinta ja valinnanvapauden hallinta. 5a: the procurement
plan, lots, compensation models, award decisions, contracts and their OCDS releases; 5b: service
voucher values with the rule book and personal budgets, and producer approvals. Several cases: the
plan (the board's), one award decision per procurement with bids (the procurement appeal route),
the voucher values (the board's) and one producer-approval round per batch (an office holder's)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from schemas.chains import ServiceCatalogue
from schemas.choice import ChoiceBasis
from schemas.comparison import ComparisonRound
from schemas.documents import AppealKind
from schemas.procurement import (
    AwardComparison,
    CompensationModels,
    ProcurementAnalysis,
    ProcurementFigures,
    ProcurementInputs,
    ProcurementParams,
)
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import DocumentSpec
from soteflow.documents.governance import load_region_config
from soteflow.stagekit import FileOutput, JsonOutput, Output
from soteflow.store import Store
from soteflow.store.canonical import canonical_json
from tasks.comparison.basis import load_comparison_round
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
from tasks.procurement.analysis import OcdsSettings, analyse_procurement
from tasks.procurement.basis import CONTRACTS_KEY
from tasks.procurement.choice import ChoiceOutputs, approval_proposer, choice_outputs, vouchers_proposer
from tasks.procurement.choice_analysis import analyse_choice, voucher_services
from tasks.procurement.choice_inputs import (
    APPLICATIONS_FILE,
    CHOICE_RULES_FILE,
    LIMITS_FILE,
    PLANS_FILE,
    RULEBOOK_FILE,
    VOUCHERS_FILE,
    read_choice_inputs,
)
from tasks.procurement.choice_proposal import VOUCHERS_CASE, approval_case
from tasks.procurement.documents import award_documents, plan_documents
from tasks.procurement.exports import export_award_csv, export_plan_csv, export_plan_xlsx
from tasks.procurement.figures import build_procurement_figures
from tasks.procurement.inputs import (
    BIDS_FILE,
    CATEGORIES_FILE,
    CONTRACTS_FILE,
    CRITERIA_FILE,
    PLANNING_FILE,
    POLICY_FILE,
    RULES_FILE,
    read_procurement_inputs,
)
from tasks.procurement.proposal import (
    PLAN_CASE,
    award_case,
    build_award_proposal,
    build_plan_proposal,
    document_created,
)
from tasks.targets.basis import load_targets_basis

PLAN_KEY = "procurement-plan"


def _csv(role: str, name: str, title: str, *, optional: bool = False) -> InputFile:
    return InputFile(
        role=role,
        name=name,
        folder="inputs",
        title=f"Lähdeaineisto: {title}",
        media_type="text/csv",
        schema_name="csv",
        optional=optional,
    )


FILES: tuple[InputFile, ...] = (
    _csv("contracts", CONTRACTS_FILE, "Sopimusrekisteri (CSV)"),
    _csv("categories", CATEGORIES_FILE, "Hankintaluokat ja työnjako (CSV)"),
    _csv("planning", PLANNING_FILE, "Hankintakohteet (CSV)"),
    _csv("criteria", CRITERIA_FILE, "Vertailuperusteet (CSV)", optional=True),
    _csv("bids", BIDS_FILE, "Tarjoukset (CSV)", optional=True),
    InputFile(
        role="policy",
        name=POLICY_FILE,
        folder="inputs",
        title="Lähdeaineisto: Sopimusehdot (TOML)",
        media_type="application/toml",
        schema_name="toml",
    ),
    # Stage 5b (freedom of choice): without palvelusetelit.csv the round proposes no voucher cases.
    _csv("vouchers", VOUCHERS_FILE, "Palvelusetelit ja niiden arvot (CSV)", optional=True),
    _csv("limits", LIMITS_FILE, "Tulosidonnaisen palvelusetelin tulorajat ja prosentit (CSV)", optional=True),
    _csv("applications", APPLICATIONS_FILE, "Palvelusetelituottajien hakemukset (CSV)", optional=True),
    _csv("plans", PLANS_FILE, "Henkilökohtaisen budjetin asiakassuunnitelmat (CSV, pseudonymisoitu)", optional=True),
    InputFile(
        role="rulebook",
        name=RULEBOOK_FILE,
        folder="inputs",
        title="Lähdeaineisto: Palvelusetelin sääntökirja (TOML)",
        media_type="application/toml",
        schema_name="toml",
        optional=True,
    ),
    InputFile(
        role="choice-rules",
        name=str(CHOICE_RULES_FILE),
        folder="data",
        fallback=True,
        title="Päivätyt asiakasmaksusäännöt: tulorajat (TOML)",
        media_type="application/toml",
        schema_name="toml",
    ),
    InputFile(
        role="rules",
        name=str(RULES_FILE),
        folder="data",
        fallback=True,
        title="Päivätyt hankintasäännöt: kynnysarvot, aikataulut, arvonlisäverokannat (TOML)",
        media_type="application/toml",
        schema_name="toml",
    ),
    RECONCILIATION_RULES,
)


def award_key(procurement_id: str) -> str:
    """The artefact key of a procurement's award comparison."""
    return f"procurement-award-{procurement_id.lower()}"


@dataclass(frozen=True)
class ProcurementOutputs:
    """Stage 5a's artefacts: the plan, the compensation models, one award comparison per
    procurement with bids, the contracts, the OCDS packages, the figures and the exports."""

    plan: JsonOutput
    compensation: JsonOutput
    awards: tuple[JsonOutput, ...]
    contracts: JsonOutput
    files: tuple[FileOutput, ...]
    choice: ChoiceOutputs | None = None  # stage 5b, when the region has vouchers

    def all(self) -> Sequence[Output]:
        """Every output of the round."""
        choice = self.choice.all() if self.choice else []
        return [self.plan, self.compensation, *self.awards, self.contracts, *self.files, *choice]

    def award(self, procurement_id: str) -> JsonOutput:
        """The award comparison output of a procurement."""
        return next(a for a in self.awards if a.key == award_key(procurement_id))


State = RoundState[ComparisonRound, ProcurementInputs, ProcurementAnalysis, ProcurementFigures, ProcurementOutputs]


def _basis(store: Store, ctx: RoundContext) -> ComparisonRound:
    """The approved stage-4 round, with stage 2's frame the personal budgets are set against."""
    comparison = load_comparison_round(store, region=ctx.region, cycle=ctx.cycle)
    targets = load_targets_basis(store, region=ctx.region, cycle=ctx.cycle)
    return ChoiceBasis(**dict(comparison), frame=targets.frame, frame_ref=targets.frame_ref)


def _read(ctx: RoundContext, params: ProcurementParams, basis: ComparisonRound | None) -> ProcurementInputs:
    services = [s.service_id for s in basis.services] if basis is not None else None
    inputs = read_procurement_inputs(ctx.inputs_dir, ctx.data_file(RULES_FILE), services)
    choice = read_choice_inputs(
        ctx.inputs_dir,
        ctx.data_file(CHOICE_RULES_FILE),
        voucher_services=voucher_services(basis) if basis is not None else None,
        services=services,
    )
    return inputs.model_copy(update={"choice": choice})


def _ocds(ctx: RoundContext, basis: ComparisonRound) -> OcdsSettings:
    config = load_region_config(ctx.region, ctx.config_dir, region_name=ctx.region_name).procurement
    return OcdsSettings(
        ocid_prefix=config.ocid_prefix,
        buyer_id=config.buyer_id,
        buyer_name=config.publisher,
        uri=config.uri,
        published=document_created(basis),
    )


def _analyse(
    ctx: RoundContext, params: ProcurementParams, basis: ComparisonRound, inputs: ProcurementInputs
) -> ProcurementAnalysis:
    """The plan, lots, compensation models, award comparisons, contracts and OCDS packages."""
    analysis = analyse_procurement(
        inputs,
        basis,
        cycle=ctx.cycle,
        first_year=ctx.planning.budget_year,
        horizon_years=params.horizon_years,
        ocds=_ocds(ctx, basis),
        tolerance=reconciliation_tolerance(ctx),
    )
    if inputs.choice is None:
        return analysis
    choice = analyse_choice(
        inputs.choice,
        basis,
        region_code=analysis.region_code,
        region_name=analysis.region_name,
        cycle=ctx.cycle,
        example=analysis.example_data,
    )
    return analysis.model_copy(update={"choice": choice})


def _figures(ctx: RoundContext, inputs: ProcurementInputs, analysis: ProcurementAnalysis) -> ProcurementFigures:
    return build_procurement_figures(analysis)


def procurement_outputs(
    computed: Computed[ComparisonRound, ProcurementInputs, ProcurementAnalysis, ProcurementFigures],
) -> ProcurementOutputs:
    """The round's artefacts with their lineage: sources and the stage-4 round → plan →
    compensation, awards, contracts → OCDS packages, figures and exports."""
    analysis, figures, basis = computed.analysis, computed.figures, computed.basis
    has = computed.sources
    plan = JsonOutput(
        PLAN_KEY,
        "plan",
        f"Hankintasuunnitelma {analysis.cycle}",
        analysis.plan,
        derived_from=[
            computed.source("contracts"),
            computed.source("categories"),
            computed.source("planning"),
            computed.source("rules"),
            basis.plan_ref,
            basis.purchased_ref,
        ],
        table=[
            {
                "hankinta": p.procurement_id,
                "palvelu": p.service_name,
                "ennakoitu arvo €": p.estimated_value,
                "menettely": p.procedure.label_fi,
                "osat": len(p.lots),
                "alkaa": p.contract_start.isoformat(),
            }
            for p in analysis.plan.procurements
        ],
    )
    compensation = JsonOutput(
        "procurement-compensation",
        "table",
        "Korvausmallit",
        CompensationModels(region_code=analysis.region_code, cycle=analysis.cycle, models=analysis.compensation),
        derived_from=[plan, basis.own_costs_ref],
        table=[
            {"palvelu": c.service_name, "malli": c.kind.label_fi, "vuosikustannus €": c.annual_cost}
            for c in analysis.compensation
        ],
    )
    awards = tuple(
        JsonOutput(
            award_key(a.procurement_id),
            "table",
            f"Tarjousvertailu {a.procurement_id}",
            a,
            derived_from=[plan, *(has[r] for r in ("criteria", "bids") if r in has)],
            table=[
                {"osa": f"{lot.lot_id} {lot.lot_name}", "valittu": lot.winner, "pisteet": lot.bids[0].total}
                for lot in a.lots
            ],
        )
        for a in analysis.awards
    )
    contracts = JsonOutput(
        CONTRACTS_KEY,
        "table",
        "Sopimukset ja niiden ehdot",
        analysis.contracts,
        derived_from=[plan, *awards, computed.source("policy")],
        table=[
            {"sopimus": c.contract_id, "tuottaja": c.producer, "palvelu": c.service_id, "päättyy": c.end.isoformat()}
            for c in analysis.contracts.contracts
        ],
    )
    created = document_created(basis)

    def svg(key: str, title: str, content: str) -> FileOutput:
        return FileOutput(key, "figure", title, content.encode("utf-8"), "image/svg+xml", "svg", derived_from=[plan])

    files = [
        FileOutput(
            "procurement-ocds-releases",
            "export",
            "Avoin hankintatieto: OCDS 1.1.5 -julkaisupaketti",
            canonical_json(analysis.ocds),
            "application/json",
            "json",
            derived_from=[plan, *awards, contracts],
        ),
        FileOutput(
            "procurement-ocds-records",
            "export",
            "Avoin hankintatieto: OCDS 1.1.5 -tietuepaketti",
            canonical_json(analysis.ocds_records),
            "application/json",
            "json",
            derived_from=[plan, *awards, contracts],
        ),
        FileOutput(
            "procurement-export-csv",
            "export",
            "Hankintasuunnitelma (CSV)",
            export_plan_csv(analysis),
            "text/csv",
            "csv",
            derived_from=[plan],
        ),
        FileOutput(
            "procurement-export-xlsx",
            "export",
            "Hankintasuunnitelma, osat, korvausmallit ja tarjousvertailut (xlsx)",
            export_plan_xlsx(analysis, created),
            XLSX_MEDIA_TYPE,
            "xlsx",
            derived_from=[plan, compensation, *awards],
        ),
        *(
            FileOutput(
                f"{award_key(a.procurement_id)}-csv",
                "export",
                f"Tarjousvertailu {a.procurement_id} (CSV)",
                export_award_csv(a),
                "text/csv",
                "csv",
                derived_from=[output],
            )
            for a, output in zip(analysis.awards, awards, strict=True)
        ),
    ]
    if figures.timeline_svg:
        files.append(svg("procurement-timeline-svg", "Hankintojen aikataulu", figures.timeline_svg))
        files.append(svg("procurement-access-svg", "Pk-tuottajien mahdollisuudet hankinnoittain", figures.access_svg))
    choice = choice_outputs(computed, analysis.choice, basis, created) if analysis.choice else None
    return ProcurementOutputs(
        plan=plan, compensation=compensation, awards=awards, contracts=contracts, files=tuple(files), choice=choice
    )


def _propose_plan(state: State, handling: CaseHandling) -> CaseDraft:
    analysis, basis = state.analysis, state.basis
    payload = build_plan_proposal(analysis, basis, handling)
    created = document_created(basis)
    outputs = state.declared

    def documents(proposal: VersionRef) -> list[DocumentSpec]:
        return plan_documents(payload, analysis, state.figures, created, proposal)

    return CaseDraft(
        payload=payload,
        agenda=payload.agenda,
        summary_markdown=payload.summary_markdown,
        title="Päätösehdotus: hankintasuunnitelma ja hankintojen työnjako",
        derived_from=[outputs.plan, outputs.compensation, outputs.contracts, *outputs.files, basis.proposal_ref],
        documents=documents,
    )


def _award_proposer(award: AwardComparison) -> Any:
    def propose(state: State, handling: CaseHandling) -> CaseDraft:
        analysis, basis = state.analysis, state.basis
        payload = build_award_proposal(analysis, award, basis, handling)
        created = document_created(basis)

        def documents(proposal: VersionRef) -> list[DocumentSpec]:
            return award_documents(payload, award, analysis, created, proposal)

        return CaseDraft(
            payload=payload,
            agenda=payload.agenda,
            summary_markdown=payload.summary_markdown,
            title=f"Päätösehdotus: hankintapäätös {award.procurement_id}",
            derived_from=[state.declared.award(award.procurement_id), state.declared.plan],
            documents=documents,
        )

    return propose


def _cases(
    state: State,
) -> list[CaseSpec[ComparisonRound, ProcurementInputs, ProcurementAnalysis, ProcurementFigures, ProcurementOutputs]]:
    return [
        CaseSpec(key=PLAN_CASE, propose=_propose_plan),
        *(
            CaseSpec(key=award_case(a.procurement_id), propose=_award_proposer(a), appeal=AppealKind.HANKINTA)
            for a in state.analysis.awards
        ),
        *_choice_cases(state),
    ]


def _choice_cases(
    state: State,
) -> list[CaseSpec[ComparisonRound, ProcurementInputs, ProcurementAnalysis, ProcurementFigures, ProcurementOutputs]]:
    """Stage 5b's cases: the voucher values (with the rule book and personal budgets), then one
    producer-approval round per batch (the body's route: an office holder's oikaisuvaatimus)."""
    choice = state.analysis.choice
    if choice is None:
        return []
    return [
        CaseSpec(key=VOUCHERS_CASE, propose=vouchers_proposer(document_created)),
        *(CaseSpec(key=approval_case(b.batch), propose=approval_proposer(b, document_created)) for b in choice.batches),
    ]


def _precheck(ctx: RoundContext, params: ProcurementParams, earlier: Mapping[Stage, Any]) -> ProcurementInputs:
    """The files on their own and against each other, and every service against the catalogue
    stage 3 will propose (the checks against stage 4's plan wait for its approval)."""
    planned = earlier.get(Stage.CHAINS)
    services = None
    if planned is not None:
        catalogue: ServiceCatalogue = planned.catalogue
        services = catalogue.service_ids()
    inputs = read_procurement_inputs(ctx.inputs_dir, ctx.data_file(RULES_FILE), services)
    choice = read_choice_inputs(
        ctx.inputs_dir, ctx.data_file(CHOICE_RULES_FILE), voucher_services=None, services=services
    )
    return inputs.model_copy(update={"choice": choice})


DEFINITION: StageDefinition[
    ProcurementParams, ComparisonRound, ProcurementInputs, ProcurementAnalysis, ProcurementFigures, ProcurementOutputs
] = StageDefinition(
    stage=Stage.PROCUREMENT,
    flow="flows/s5_procurement.py:procurement_flow",
    description=(
        "Stage 5, procurement and freedom of choice (Resurssien hankinta ja valinnanvapauden hallinta): the "
        "procurement plan and its work split, lots small producers can bid for, compensation models, award "
        "decisions, contracts and their OCDS releases; service-voucher values and the rule book, producer "
        "approvals and personal budgets. Starts from the approved stage-4 round."
    ),
    params=ProcurementParams,
    files=FILES,
    load_basis=_basis,
    read_inputs=_read,
    analyse=_analyse,
    figures=_figures,
    outputs=procurement_outputs,
    cases=_cases,
    precheck=_precheck,
    reads=(Stage.COMPARISON, Stage.TARGETS),
)
