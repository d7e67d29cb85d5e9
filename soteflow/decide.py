"""Recording a body's decision from outside a flow run (``soteflow decide``).

If a stage run waits for the decision (paused, or suspended from a deployment), the run is resumed
with the decision as its run input, and the run itself records it and goes on. Otherwise the stage
was run with ``--gate none`` and the decision goes into the store directly.
"""

from __future__ import annotations

import asyncio
from typing import Any
from uuid import UUID

from schemas.decisions import DecisionRecord
from schemas.stages import Stage
from soteflow.errors import InputError
from soteflow.stagekit import PersistedRound, open_store, record_decision, ref


def proposal_key(stage: Stage) -> str:
    """The key of a stage's proposal artefact: the version a body decides on."""
    return f"{stage.value}-proposal"


def document_key(stage: Stage) -> str:
    """The key stem of a stage's decision document (``-pdf`` and ``-html`` artefacts)."""
    return f"{stage.value}-decision"


async def _waiting_runs(region: str, cycle: int, stage: Stage) -> list[Any]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterState, FlowRunFilterStateType
    from prefect.client.schemas.objects import StateType
    from prefect.client.schemas.sorting import FlowRunSort

    async with get_client() as client:
        runs = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(
                state=FlowRunFilterState(type=FlowRunFilterStateType(any_=[StateType.PAUSED]))
            ),
            sort=FlowRunSort.EXPECTED_START_TIME_DESC,
            limit=200,
        )
        flow_names = {run.flow_id: (await client.read_flow(run.flow_id)).name for run in runs}
    return [
        run
        for run in runs
        if flow_names[run.flow_id] == stage.slug
        and run.parameters.get("region") == region
        and int(run.parameters.get("cycle", 0)) == cycle
    ]


def waiting_flow_runs(region: str, cycle: int, stage: Stage) -> list[Any]:
    """Paused or suspended runs of ``stage`` for ``region`` and ``cycle`` (needs a Prefect API)."""
    return asyncio.run(_waiting_runs(region, cycle, stage))


def _resume(flow_run_id: UUID, decision: DecisionRecord) -> None:
    from prefect.flow_runs import resume_flow_run

    resume_flow_run(flow_run_id, run_input=decision.model_dump(mode="json"))


def decide_proposal(
    *, region: str, cycle: int, stage: Stage, decision: DecisionRecord, flow_run_id: str | None = None
) -> str:
    """Record ``decision`` on the latest proposal of ``stage``; returns a line for the user."""
    import os

    if flow_run_id is not None:
        _resume(UUID(flow_run_id), decision)
        return f"resumed flow run {flow_run_id} with the decision ({decision.outcome.value})"
    if os.environ.get("PREFECT_API_URL"):
        runs = waiting_flow_runs(region, cycle, stage)
        if len(runs) > 1:
            ids = ", ".join(str(r.id) for r in runs)
            raise InputError(f"several runs wait for a decision ({ids}); name one with --flow-run")
        if runs:
            _resume(runs[0].id, decision)
            return f"resumed flow run {runs[0].id} ({runs[0].name}) with the decision ({decision.outcome.value})"
    return record_in_store(region=region, cycle=cycle, stage=stage, decision=decision)


def record_in_store(*, region: str, cycle: int, stage: Stage, decision: DecisionRecord) -> str:
    """Record the decision on the latest proposed version of the stage's proposal in the store."""
    store = open_store()
    pkey = proposal_key(stage)
    history = store.history(region, cycle, pkey)
    if not history:
        raise InputError(f"no {stage.value} proposal for {region} {cycle}: run the stage first")
    latest = history[-1]
    status = str(getattr(latest.status, "value", latest.status))
    if status != "proposed":
        raise InputError(f"the latest {stage.value} proposal (v{latest.version}) is {status}, not awaiting a decision")
    round_versions = {pkey: ref(latest, pkey)}
    # The round's other versions: every document rendered from this proposal (a stage may have
    # several, e.g. the decision and the stakeholder summary), and the proposal's inputs.
    document_keys: list[str] = []
    for artefact in store.list_artefacts(region=region, cycle=cycle, stage=stage):
        if artefact.kind != "document":
            continue
        for doc in store.history(region, cycle, artefact.key):
            if any(str(i.get("version_id")) == str(latest.id) for i in (doc.inputs or [])):
                round_versions[artefact.key] = ref(doc, artefact.key)
                document_keys.append(artefact.key)
    for item in latest.inputs or []:
        version = store.get_version(UUID(str(item["version_id"])))
        round_versions[item["key"]] = ref(version, item["key"])
    persisted = PersistedRound(versions=round_versions, proposal_key=pkey, document_keys=tuple(sorted(document_keys)))
    record_decision(store=store, persisted=persisted, decision=decision)
    return (
        f"recorded: {decision.body} {decision.meeting_date.isoformat()} {decision.section} § — "
        f"{decision.outcome.label_fi} ({pkey} v{latest.version}, sha256 {latest.sha256[:16]}…)"
    )
