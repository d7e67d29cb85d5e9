"""Stage 6 as later periods and stages read it: a period's noted steering and supervision report.

This module is stage 6's only door. A period starts from the approved stage-5 contracts and from
the latest earlier period of the cycle whose report the body noted: its ladder (corrected by the
escalation decisions: a step the body did not approve was not taken), the KPIs that deviated, the
supervision visits planned so far and the trend over the cycle's noted periods (its steps as
decided). An earlier period whose report is still waiting for the body stops the run: the ladder
cannot be carried past an undecided report.
"""

from __future__ import annotations

from schemas.monitoring import LadderStep, MonitoringBasis, ReportProposal
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.errors import InputError
from soteflow.stagekit import proposal_key
from soteflow.store import Store
from soteflow.upstream import approved_case
from tasks.context import period_bounds, period_slug, previous_period
from tasks.procurement.basis import load_procurement_basis

REPORT_CASE_PREFIX = "steering-report-"
ESCALATION_CASE_PREFIX = "steering-escalation-"


def report_case(period: str) -> str:
    """The case key of a period's report (``steering-report-2026-03``)."""
    return REPORT_CASE_PREFIX + period_slug(period)


def escalation_case(contract_id: str, period: str) -> str:
    """The case key of a contract's escalation decision in a period."""
    return f"{ESCALATION_CASE_PREFIX}{contract_id.lower()}-{period_slug(period)}"


def load_report(store: Store, *, region: str, cycle: int, period: str) -> ReportProposal | None:
    """A period's noted report, or None if there is none; an error if it waits for the body."""
    case = report_case(period)
    approved = approved_case(store, region=region, cycle=cycle, stage=Stage.STEERING, case=case, required=False)
    if approved is None:
        if store.latest(region, cycle, proposal_key(case)) is not None:
            raise InputError(
                f"the steering report of {period} has not been noted yet: record the body's decision first "
                f"(soteflow decide --stage steering --case {case} …)",
                field="period",
            )
        return None
    version = store.get_version(approved.proposal.version_id)
    return ReportProposal.model_validate(store.read_json(version))


def _effective(store: Store, region: str, cycle: int, period: str, step: LadderStep) -> LadderStep:
    """The step as the decisions left it: an escalation the body did not approve was not taken."""
    if not step.own_case:
        return step
    decided = approved_case(
        store,
        region=region,
        cycle=cycle,
        stage=Stage.STEERING,
        case=escalation_case(step.contract_id, period),
        required=False,
    )
    return step if decided is not None else step.model_copy(update={"step": step.previous_step})


def load_monitoring_basis(store: Store, *, region: str, cycle: int, period: str) -> MonitoringBasis:
    """What ``period`` starts from: the approved contracts and the latest earlier noted report."""
    procurement = load_procurement_basis(store, region=region, cycle=cycle)
    earlier = previous_period(period)
    report: ReportProposal | None = None
    while earlier is not None and report is None:
        report = load_report(store, region=region, cycle=cycle, period=earlier)
        if report is None:
            earlier = previous_period(earlier)
    previous_ref = None
    if report is not None:
        approved = approved_case(
            store, region=region, cycle=cycle, stage=Stage.STEERING, case=report_case(report.period)
        )
        assert approved is not None
        previous_ref = approved.proposal
    ladder = [_effective(store, region, cycle, report.period, s) for s in report.ladder] if report else []
    # The trend shows the previous period's steps as its decisions left them, like the ladder; the
    # periods before it were corrected when their own successor read them.
    decided = {s.contract_id: s.step for s in ladder} if report else {}
    trend = [
        t.model_copy(update={"step": decided[t.contract_id]})
        if report is not None and t.period == report.period and t.contract_id in decided
        else t
        for t in (report.trend if report else [])
    ]
    return MonitoringBasis(
        contracts=procurement.contracts,
        contracts_ref=procurement.contracts_ref,
        approved_on=procurement.approved_on,
        previous_period=report.period if report else None,
        previous_ref=previous_ref,
        previous_ladder=ladder,
        previous_deviations={s.contract_id: s.kpis for s in ladder if s.kpis},
        previous_visits=dict(report.last_visits) if report else {},
        trend=trend,
    )


def load_cycle_reports(store: Store, *, region: str, cycle: int) -> list[tuple[ReportProposal, VersionRef]]:
    """Every noted period report of the cycle (months and quarters), in period order, with the
    noted version: what an evaluation of the cycle reads. A report still waiting for the body stops
    the run (its period cannot be evaluated before it is decided)."""
    found: list[tuple[ReportProposal, VersionRef]] = []
    proposed = {a.key for a in store.list_artefacts(region=region, cycle=cycle, stage=Stage.STEERING)}
    periods = [f"{cycle}-{month:02d}" for month in range(1, 13)] + [f"{cycle}-Q{q}" for q in range(1, 5)]
    for period in periods:
        if proposal_key(report_case(period)) not in proposed:
            continue  # no report of this period was ever proposed
        report = load_report(store, region=region, cycle=cycle, period=period)
        if report is None:
            continue
        approved = approved_case(store, region=region, cycle=cycle, stage=Stage.STEERING, case=report_case(period))
        assert approved is not None
        found.append((report, approved.proposal))
    return sorted(found, key=lambda item: period_bounds(item[0].period))


def effective_ladder(store: Store, *, region: str, cycle: int, report: ReportProposal) -> list[LadderStep]:
    """A noted report's ladder as the escalation decisions left it."""
    return [_effective(store, region, cycle, report.period, s) for s in report.ladder]
