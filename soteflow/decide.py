"""Recording a body's decision on a case from outside a flow run (``soteflow decide``).

If a stage run waits for the decision (paused, or suspended from a deployment), the run is resumed
with the decision as its run input, and the run itself records it and goes on. Otherwise the stage
was run with ``--gate none`` and the decision goes into the store directly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from uuid import UUID

from schemas.decisions import DecisionRecord
from schemas.stages import Stage
from soteflow.errors import InputError
from soteflow.gates import DecisionInput
from soteflow.stagekit import PersistedCase, open_store, proposal_key, record_decision, ref, status_of

__all__ = ["decide_case", "record_in_store", "waiting_flow_runs"]


def _api_url() -> str | None:
    from prefect.settings import PREFECT_API_URL

    value = PREFECT_API_URL.value()
    return str(value) if value else None


async def _waiting_runs(stage: Stage, matches: Callable[[dict[str, Any]], bool], key_prefix: str) -> list[Any]:
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
    waiting = []
    for run in runs:
        if flow_names[run.flow_id] != stage.slug or not matches(run.parameters):
            continue
        pause = getattr(run.state.state_details, "pause_key", None) if run.state else None
        if pause is None or str(pause).startswith(key_prefix):
            waiting.append(run)
    return waiting


def waiting_flow_runs(stage: Stage, case: str, matches: Callable[[dict[str, Any]], bool]) -> list[Any]:
    """Paused or suspended runs of ``stage`` waiting for ``case``'s decision whose parameters ``matches``."""
    return asyncio.run(_waiting_runs(stage, matches, f"decision-{stage.value}-{proposal_key(case)}-v"))


def _resume(flow_run_id: UUID, decision: DecisionRecord) -> None:
    from prefect.flow_runs import resume_flow_run

    resume_flow_run(flow_run_id, run_input=DecisionInput.payload(decision))


def decide_case(
    *,
    region: str,
    cycle: int,
    stage: Stage,
    case: str,
    decision: DecisionRecord,
    flow_run_id: str | None = None,
    region_matches: Callable[[str], bool] | None = None,
) -> str:
    """Record ``decision`` on the latest proposal of ``case``; returns a line for the user.

    ``region_matches`` tells whether a run's ``region`` parameter (a code or a name) is this
    region; by default only the code itself matches.
    """
    if flow_run_id is not None:
        try:
            run_id = UUID(flow_run_id)
        except ValueError:
            raise InputError(f"not a flow run id: {flow_run_id!r}", field="--flow-run") from None
        _resume(run_id, decision)
        return f"resumed flow run {flow_run_id} with the decision ({decision.outcome.value})"
    if _api_url():
        same_region = region_matches or (lambda text: text == region)

        def matches(parameters: dict[str, Any]) -> bool:
            try:
                run_cycle = int(parameters.get("cycle", 0))
            except (TypeError, ValueError):
                return False
            return run_cycle == cycle and same_region(str(parameters.get("region", "")))

        runs = waiting_flow_runs(stage, case, matches)
        if len(runs) > 1:
            ids = ", ".join(str(r.id) for r in runs)
            raise InputError(f"several runs wait for a decision ({ids}); name one with --flow-run")
        if runs:
            _resume(runs[0].id, decision)
            return f"resumed flow run {runs[0].id} ({runs[0].name}) with the decision ({decision.outcome.value})"
    return record_in_store(region=region, cycle=cycle, stage=stage, case=case, decision=decision)


def record_in_store(*, region: str, cycle: int, stage: Stage, case: str, decision: DecisionRecord) -> str:
    """Record the decision on the latest proposed version of the case's proposal in the store.

    What is read here only finds the case's versions; whether the case still awaits a decision
    is checked again inside the writing transaction (:func:`record_decision`), so a decision that
    loses a race with another is refused (:class:`~soteflow.stagekit.DecisionConflictError`,
    exit 2), never reported as recorded.
    """
    store = open_store()
    pkey = proposal_key(case)
    history = store.history(region, cycle, pkey)
    if not history:
        raise InputError(f"no {pkey} for {region} {cycle}: run the stage first")
    latest = history[-1]
    status = status_of(latest)
    if status != "proposed":
        raise InputError(f"the latest {pkey} (v{latest.version}) is {status}, not awaiting a decision")
    round_versions = {pkey: ref(latest, pkey)}
    # The case's other versions: every document rendered from this proposal (a case may have
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
    persisted = PersistedCase(
        case=case, versions=round_versions, proposal_key=pkey, document_keys=tuple(sorted(document_keys))
    )
    record_decision(store=store, persisted=persisted, decision=decision, latest_only=True)
    return (
        f"recorded: {decision.body} {decision.meeting_date.isoformat()} {decision.section} § — "
        f"{decision.outcome.label_fi} ({pkey} v{latest.version}, sha256 {latest.sha256[:16]}…)"
    )
