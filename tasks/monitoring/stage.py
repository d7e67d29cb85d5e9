"""Stage 6 declared once: Tuotannon ohjaus, seuranta ja valvonta, run per period (month or quarter).

A period reads the approved stage-5 contracts and the previous period's noted report, checks its
monitoring files (the events in Parquet, or in CSV converted streaming to the same Parquet form;
out of core in DuckDB), computes the KPIs, deviations, the escalation ladder, the billing
reconciliation and the supervision plan, and proposes the period's report (noted by the body)
with one steering report per producer, and an escalation decision for each contract whose step
costs the producer money or clients. Every key carries the period: each period's artefacts are
versioned on their own.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from schemas.decisions import NOTING_OUTCOMES
from schemas.documents import AppealKind
from schemas.monitoring import (
    EventsManifest,
    LadderStep,
    MonitoringAnalysis,
    MonitoringBasis,
    MonitoringFigures,
    MonitoringInputs,
    MonitoringParams,
)
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.data.csvparquet import read_head
from soteflow.data.parquet import read_footer
from soteflow.documents import DocumentSpec
from soteflow.errors import InputError
from soteflow.stagekit import FileOutput, JsonOutput, Output
from soteflow.store import Store
from tasks.context import RoundContext, period_slug
from tasks.definition import CaseDraft, CaseHandling, CaseSpec, Computed, InputFile, RoundState, StageDefinition
from tasks.monitoring.analysis import analyse_monitoring
from tasks.monitoring.basis import escalation_case, load_monitoring_basis, report_case
from tasks.monitoring.documents import escalation_documents, kpi_csv, report_documents
from tasks.monitoring.inputs import (
    EVENT_CSV_COLUMNS,
    EVENTS_CSV_FILE,
    EVENTS_FILE,
    FEEDBACK_FILE,
    INVOICES_FILE,
    NOTICES_FILE,
    RULES_FILE,
    STAFFING_FILE,
    UNITS_FILE,
    events_parquet,
    read_monitoring_inputs,
    read_rules,
)
from tasks.monitoring.proposal import build_escalation_proposal, build_report_proposal

PARQUET_MEDIA_TYPE = "application/vnd.apache.parquet"
#: The events file may be large (ten million events are some hundreds of MiB).
EVENTS_MAX_MIB = 64 * 1024


def _csv(role: str, name: str, title: str) -> InputFile:
    return InputFile(
        role=role,
        name=name,
        folder="inputs",
        title=f"Lähdeaineisto: {title}",
        media_type="text/csv",
        schema_name="csv",
    )


FILES: tuple[InputFile, ...] = (
    InputFile(
        role="events",
        name=EVENTS_FILE,
        folder="inputs",
        title="Lähdeaineisto: palvelutapahtumat (Parquet)",
        media_type=PARQUET_MEDIA_TYPE,
        schema_name="parquet",
        optional=True,  # or as CSV: one of the two (checked when the inputs are read)
        max_mib=EVENTS_MAX_MIB,
        large=True,
    ),
    InputFile(
        role="events-csv",
        name=EVENTS_CSV_FILE,
        folder="inputs",
        title="Lähdeaineisto: palvelutapahtumat (CSV)",
        media_type="text/csv",
        schema_name="csv",
        optional=True,
        unless="events",
        max_mib=EVENTS_MAX_MIB,
        large=True,
    ),
    _csv("units", UNITS_FILE, "Yksiköt (CSV)"),
    _csv("staffing", STAFFING_FILE, "Henkilöstöraportit (CSV)"),
    _csv("notices", NOTICES_FILE, "Muistutukset, kantelut ja haittatapahtumat (CSV)"),
    _csv("feedback", FEEDBACK_FILE, "Asiakaspalaute (CSV)"),
    _csv("invoices", INVOICES_FILE, "Laskut (CSV)"),
    InputFile(
        role="rules",
        name=str(RULES_FILE),
        folder="data",
        fallback=True,
        title="Päivätyt valvontasäännöt: henkilöstömitoitus, hoitotakuu, porrastus (TOML)",
        media_type="application/toml",
        schema_name="toml",
    ),
)


def _key(ctx_period: str, name: str) -> str:
    return f"steering-{period_slug(ctx_period)}-{name}"


@dataclass(frozen=True)
class MonitoringOutputs:
    """A period's artefacts: the events' manifest, the analysis and the KPIs as CSV; for events
    given as CSV also their Parquet form (the snapshot the Parquet file would have been)."""

    manifest: JsonOutput
    analysis: JsonOutput
    files: tuple[FileOutput, ...]
    events: FileOutput | None = None

    def all(self) -> Sequence[Output]:
        """Every output of the round."""
        return [*([self.events] if self.events is not None else []), self.manifest, self.analysis, *self.files]


State = RoundState[MonitoringBasis, MonitoringInputs, MonitoringAnalysis, MonitoringFigures, MonitoringOutputs]


def _period(ctx: RoundContext) -> str:
    if ctx.period is None:
        raise InputError("stage steering runs per period: give one (e.g. 2026-03)", field="period")
    return ctx.period


def _basis(store: Store, ctx: RoundContext) -> MonitoringBasis:
    return load_monitoring_basis(store, region=ctx.region, cycle=ctx.cycle, period=_period(ctx))


def _files(ctx: RoundContext) -> dict[str, Path]:
    return {item.role: item.path(ctx) for item in FILES}


def _read(ctx: RoundContext, params: MonitoringParams, basis: MonitoringBasis) -> MonitoringInputs:
    return read_monitoring_inputs(
        _files(ctx), period=_period(ctx), region=ctx.region, cycle=ctx.cycle, contracts=basis.contracts.contracts
    )


def _analyse(
    ctx: RoundContext, params: MonitoringParams, basis: MonitoringBasis, inputs: MonitoringInputs
) -> MonitoringAnalysis:
    return analyse_monitoring(
        inputs,
        basis,
        region_code=ctx.region,
        region_name=ctx.region_name,
        cycle=ctx.cycle,
        visit_capacity=params.visits,
        meeting=ctx.meeting_date,
    )


def _figures(ctx: RoundContext, inputs: MonitoringInputs, analysis: MonitoringAnalysis) -> MonitoringFigures:
    return MonitoringFigures()


def monitoring_outputs(
    computed: Computed[MonitoringBasis, MonitoringInputs, MonitoringAnalysis, MonitoringFigures],
) -> MonitoringOutputs:
    """The period's artefacts with their lineage: the events' snapshot → its manifest; the manifest,
    the small tables, the rules, the contracts and the previous report → the analysis → the CSV.

    Events given as CSV: the CSV file's snapshot → its Parquet form, stored streaming under the
    key the Parquet file's snapshot has (``steering-<period>-source-events``) → the manifest, so
    that the manifest, the KPIs and ``verify`` see the same Parquet table either way."""
    analysis, inputs, basis = computed.analysis, computed.inputs, computed.basis
    period = analysis.period
    events: FileOutput | None = None
    if "events-csv" in computed.sources:
        from tasks.round import source_key

        events = FileOutput(
            source_key(Stage.STEERING, "events", period),
            "source",
            "Lähdeaineisto: palvelutapahtumat (Parquet, muunnettu CSV-tiedostosta)",
            events_parquet(inputs),
            PARQUET_MEDIA_TYPE,
            "parquet",
            derived_from=[computed.source("events-csv")],
        )
    manifest = JsonOutput(
        _key(period, "events-manifest"),
        "manifest",
        f"Palvelutapahtumat {period}: manifesti",
        inputs.manifest,
        derived_from=[events if events is not None else computed.source("events")],
        table=[
            {"tiedosto": f.name, "rivejä": f.rows, "riviryhmiä": f.row_groups, "tavua": f.bytes, "sha256": f.sha256}
            for f in inputs.manifest.files
        ],
    )
    parents: list[Output | VersionRef] = [
        manifest,
        *(computed.source(role) for role in ("units", "staffing", "notices", "feedback", "invoices", "rules")),
        basis.contracts_ref,
    ]
    if basis.previous_ref is not None:
        parents.append(basis.previous_ref)
    result = JsonOutput(
        _key(period, "analysis"),
        "table",
        f"Sopimusseuranta {period}: mittarit, poikkeamat, portaat, laskut ja valvonta",
        analysis,
        derived_from=parents,
        table=[
            {
                "sopimus": s.contract_id,
                "tuottaja": s.producer,
                "porras": f"{s.previous_step} → {s.step}",
                "seuraamus": s.step_name,
                "poikkeamat": ", ".join(s.kpis),
            }
            for s in analysis.ladder
        ],
    )
    csv = FileOutput(
        _key(period, "kpis-csv"),
        "export",
        f"Mittarit {period} (CSV)",
        kpi_csv(analysis.kpis),
        "text/csv",
        "csv",
        derived_from=[result],
    )
    return MonitoringOutputs(manifest=manifest, analysis=result, files=(csv,), events=events)


def _propose_report(state: State, handling: CaseHandling) -> CaseDraft:
    analysis, basis = state.analysis, state.basis
    payload = build_report_proposal(analysis, basis, handling)

    def documents(proposal: VersionRef) -> list[DocumentSpec]:
        return report_documents(payload, analysis, proposal)

    outputs = state.declared
    return CaseDraft(
        payload=payload,
        agenda=payload.agenda,
        summary_markdown=payload.summary_markdown,
        title=f"Tiedoksi: tuotannon ohjaus-, seuranta- ja valvontaraportti {analysis.period}",
        derived_from=[outputs.analysis, outputs.manifest, *outputs.files],
        documents=documents,
    )


def _escalation_proposer(step: LadderStep) -> Any:
    def propose(state: State, handling: CaseHandling) -> CaseDraft:
        analysis = state.analysis
        payload = build_escalation_proposal(analysis, step, handling)

        def documents(proposal: VersionRef) -> list[DocumentSpec]:
            return escalation_documents(payload, analysis, proposal)

        return CaseDraft(
            payload=payload,
            agenda=payload.agenda,
            summary_markdown=payload.summary_markdown,
            title=f"Päätösehdotus: {step.step_name.lower()} {step.contract_id} ({analysis.period})",
            derived_from=[state.declared.analysis],
            documents=documents,
        )

    return propose


def _cases(
    state: State,
) -> list[CaseSpec[MonitoringBasis, MonitoringInputs, MonitoringAnalysis, MonitoringFigures, MonitoringOutputs]]:
    period = state.analysis.period
    return [
        CaseSpec(
            key=report_case(period), propose=_propose_report, outcomes=NOTING_OUTCOMES, appeal=AppealKind.VALMISTELU
        ),
        *(
            CaseSpec(key=escalation_case(step.contract_id, period), propose=_escalation_proposer(step))
            for step in state.analysis.ladder
            if step.own_case
        ),
    ]


def periods(ctx: RoundContext) -> list[str]:
    """The periods of the cycle with monitoring data in the inputs folder (``seuranta/<period>/``),
    in order: what a whole cycle (the demo) runs."""
    folder = ctx.inputs_dir / "seuranta"
    if not folder.is_dir():
        return []
    found = [p.name.upper() for p in folder.iterdir() if p.is_dir() and p.name.startswith(str(ctx.cycle))]
    return sorted(found)


def _precheck(ctx: RoundContext, params: MonitoringParams, earlier: Mapping[Stage, Any]) -> list[EventsManifest]:
    """Before a whole cycle: the rules file and every period's events file (the Parquet file's
    footer and schema, or the CSV file's header); the checks against the contracts wait for stage
    5's approval."""
    read_rules(ctx.data_file(RULES_FILE))
    for period in periods(ctx):
        scoped = ctx.model_copy(update={"period": period})
        by_role = {item.role: item for item in FILES}
        parquet, csv_file = by_role["events"].path(scoped), by_role["events-csv"].path(scoped)
        for item in FILES:
            path = item.path(scoped)
            if item.role in {"events", "events-csv"}:
                continue
            if not path.is_file():
                raise InputError(f"the input file does not exist ({item.title})", file=path)
        if not parquet.is_file() and not csv_file.is_file():
            raise InputError(f"the service events are missing: give {parquet.name} or {csv_file.name}", file=parquet)
        if parquet.is_file() and csv_file.is_file():
            raise InputError(
                f"the events are given twice, as {parquet.name} and {csv_file.name}: keep one", file=csv_file
            )
        if parquet.is_file():
            read_footer(parquet, hash_file=False)
        else:
            read_head(csv_file, EVENT_CSV_COLUMNS, whole=False)
    return []


DEFINITION: StageDefinition[
    MonitoringParams, MonitoringBasis, MonitoringInputs, MonitoringAnalysis, MonitoringFigures, MonitoringOutputs
] = StageDefinition(
    stage=Stage.STEERING,
    flow="flows/s6_steering.py:steering_flow",
    description=(
        "Stage 6, production steering, monitoring and supervision (Tuotannon ohjaus, seuranta ja valvonta), per "
        "period: contract KPIs from the monitoring events (Parquet, DuckDB), deviations and the escalation ladder "
        "carried from the previous period, billing reconciliation, a risk-based supervision plan, a steering report "
        "per producer. Starts from the approved stage-5 contracts."
    ),
    params=MonitoringParams,
    files=FILES,
    load_basis=_basis,
    read_inputs=_read,
    analyse=_analyse,
    figures=_figures,
    outputs=monitoring_outputs,
    cases=_cases,
    precheck=_precheck,
    reads=(Stage.PROCUREMENT,),
    package="monitoring",
    periodic=True,
    periods=periods,
)
