"""Tasks every stage shares: persist a round, record the decision, export, read earlier handling.

Writes are never cached: the store is idempotent on content, so re-running them after a resume
returns the same versions, and a cache could not see a store that was reset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from prefect import task
from prefect.cache_policies import NO_CACHE
from prefect.context import TaskRunContext

from schemas.decisions import DecisionRecord, ScriptedDecisions
from schemas.documents import AgendaContent
from schemas.results import Proposal, StageResult, VersionRef
from schemas.stages import Stage
from soteflow.gates import GateMode, await_decision
from soteflow.stagekit import (
    FileOutput,
    JsonOutput,
    PersistedRound,
    RenderedDocument,
    RenderedFiles,
    earlier_decisions,
    existing_decision,
    export_round,
    mirror_to_prefect,
    open_store,
    persist_round,
    record_decision,
)


def _run_ids() -> tuple[str | None, str | None]:
    ctx = TaskRunContext.get()
    if ctx is None:
        return None, None
    flow_run_id = str(ctx.task_run.flow_run_id) if ctx.task_run.flow_run_id else None
    return flow_run_id, str(ctx.task_run.id)


@task(name="persist-round", cache_policy=NO_CACHE, retries=0)
def persist_round_task(
    *,
    region: str,
    cycle: int,
    stage: Stage,
    sources: list[FileOutput],
    data: list[JsonOutput],
    figures: list[FileOutput],
    proposal: JsonOutput,
    render: Callable[[VersionRef], RenderedFiles | list[RenderedDocument]],
    document_key: str,
    document_title: str,
    tables: dict[str, list[dict[str, Any]]],
) -> PersistedRound:
    """Save the round's sources, data, proposal and documents in one transaction, then mirror them."""
    flow_run_id, task_run_id = _run_ids()
    store = open_store()
    persisted = persist_round(
        store=store,
        region=region,
        cycle=cycle,
        stage=stage,
        sources=sources,
        data=data,
        figures=figures,
        proposal=proposal,
        render=render,
        document_key=document_key,
        document_title=document_title,
        flow_run_id=flow_run_id,
        task_run_id=task_run_id,
    )
    mirror_to_prefect(store=store, region=region, cycle=cycle, persisted=persisted, tables=tables)
    return persisted


@task(name="record-decision", cache_policy=NO_CACHE)
def record_decision_task(
    persisted: PersistedRound, decision: DecisionRecord, region: str, cycle: int
) -> PersistedRound:
    """Record the body's decision on the round's proposal, bound to its sha256, and mirror it."""
    flow_run_id, _ = _run_ids()
    updated = record_decision(store=open_store(), persisted=persisted, decision=decision, flow_run_id=flow_run_id)
    from prefect.artifacts import create_markdown_artifact

    from soteflow.stagekit import prefect_key

    create_markdown_artifact(
        f"### Päätös: {decision.outcome.label_fi}\n\n"
        f"{decision.body} {decision.meeting_date.strftime('%d.%m.%Y')} {decision.section} §\n\n"
        f"{decision.comments or ''}\n\nEhdotus `{updated.proposal.key}` v{updated.proposal.version}, "
        f"sha256 `{updated.proposal.sha256}`",
        key=prefect_key(region, cycle, f"{updated.proposal_key}-decision"),
        description=f"{decision.outcome.value} v{updated.proposal.version}",
    )
    return updated


@task(name="earlier-handling", cache_policy=NO_CACHE)
def earlier_decisions_task(region: str, cycle: int, proposal_key: str) -> list[dict[str, Any]]:
    """Decisions on earlier versions of the proposal (aiempi käsittely), oldest first."""
    return earlier_decisions(open_store(), region=region, cycle=cycle, proposal_key=proposal_key)


@task(name="export-round", cache_policy=NO_CACHE)
def export_round_task(versions: Iterable[VersionRef], dest: str) -> list[str]:
    """Export the final versions of a stage under ``dest`` (documents, JSON, figures)."""
    return [str(p) for p in export_round(store=open_store(), versions=versions, dest=Path(dest))]


def decide_round(
    *,
    stage: Stage,
    region: str,
    cycle: int,
    persisted: PersistedRound,
    agenda: AgendaContent,
    summary_markdown: str,
    mode: GateMode,
    round_no: int,
    scripted: ScriptedDecisions | None,
) -> tuple[PersistedRound, DecisionRecord | None]:
    """The body's decision on a round's proposal, recorded in the store.

    A decision already recorded on this proposal version (a resumed or repeated run) is used as it
    is; otherwise the gate waits for it. ``None`` when the gate does not wait (``none`` mode).
    Called from a flow: the gate may pause or suspend the flow run.
    """
    decision = existing_decision(open_store(), persisted.proposal)
    if decision is None:
        proposal = Proposal(
            stage=stage,
            region=region,
            cycle=cycle,
            proposal=persisted.proposal,
            body=agenda.body,
            meeting_date=agenda.meeting_date.isoformat(),
            title=agenda.title,
            summary_markdown=summary_markdown,
        )
        decision = await_decision(proposal, mode=mode, round_no=round_no, scripted=scripted)
        if decision is not None:
            persisted = record_decision_task(persisted, decision, region, cycle)
    return persisted, decision


def stage_result(
    *,
    stage: Stage,
    region: str,
    cycle: int,
    rounds: int,
    persisted: PersistedRound,
    decision: DecisionRecord | None,
    out_dir: str | None,
) -> StageResult:
    """What a stage run returns; its final versions are exported under ``out_dir/<slug>`` if given."""
    documents = export_round_task(persisted.outputs(), f"{out_dir}/{stage.slug}") if out_dir else []
    return StageResult(
        stage=stage,
        number=stage.number,
        name_fi=stage.title_fi,
        region=region,
        cycle=cycle,
        rounds=rounds,
        artefacts=list(persisted.versions.values()),
        decision=decision,
        documents=documents,
    )
