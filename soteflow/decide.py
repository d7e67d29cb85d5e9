"""Recording a body's decision on a case from outside a flow run (``soteflow decide``).

If a stage run waits for the decision (paused, or suspended from a deployment), the run is resumed
with the decision as its run input, and the run itself records it and goes on. The run is found by
its pause key (region code, cycle, stage and proposal: however the run's region was given), or
by the store's log of which run waits for the case (``decision.awaited``). A decision is never
written into the store around a waiting run: without a Prefect server to resume it through, the
command refuses in one line. Otherwise (the stage ran with ``--gate none``) the decision goes into
the store directly, the case's artifacts follow the new status, and if the stage now stands the
approval event that starts the next stage's deployment is emitted.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any
from uuid import UUID

from schemas.decisions import DecisionRecord
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.errors import InputError
from soteflow.gates import DecisionInput, pause_key_prefix
from soteflow.stagekit import (
    PersistedCase,
    awaiting_runs,
    mirror_to_prefect,
    open_store,
    proposal_key,
    record_decision,
    ref,
    status_of,
)

__all__ = ["decide_case", "record_in_store", "waiting_flow_runs"]


def _api_url() -> str | None:
    from prefect.settings import PREFECT_API_URL

    value = PREFECT_API_URL.value()
    return str(value) if value else None


async def _waiting_runs(stage: Stage, matches: Callable[[Any], bool]) -> list[Any]:
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
    return [run for run in runs if flow_names[run.flow_id] == stage.slug and matches(run)]


def waiting_flow_runs(stage: Stage, matches: Callable[[Any], bool]) -> list[Any]:
    """Paused or suspended runs of ``stage``'s flow that ``matches`` (a flow run) accepts."""
    return asyncio.run(_waiting_runs(stage, matches))


def _pause_key(run: Any) -> str:
    return str(getattr(run.state.state_details, "pause_key", None) or "") if run.state else ""


def _paused(flow_run_id: str) -> bool:
    from prefect.client.orchestration import get_client

    async def read() -> bool:
        async with get_client() as client:
            try:
                run = await client.read_flow_run(UUID(flow_run_id))
            except Exception:  # not on this server (another server, or deleted): not waiting here
                return False
        return bool(run.state is not None and run.state.is_paused())

    return asyncio.run(read())


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
    without_run: bool = False,
) -> str:
    """Record ``decision`` on the latest proposal of ``case``; returns a line for the user.

    ``region`` is the resolved code. A waiting run is found by its pause key, which carries the
    code; ``region_matches`` (whether a run's ``region`` parameter, a code or a name, is this
    region) also finds runs whose pause key is of another form. ``without_run`` records in the
    store although the store logs a run as waiting (that run was cancelled or its server is gone).

    Raises:
        InputError: several runs wait, or a run waits and there is no server to resume it through.
    """
    if flow_run_id is not None:
        try:
            run_id = UUID(flow_run_id)
        except ValueError:
            raise InputError(f"not a flow run id: {flow_run_id!r}", field="--flow-run") from None
        _resume(run_id, decision)
        return f"resumed flow run {flow_run_id} with the decision ({decision.outcome.label_fi})"
    api = _api_url()
    pkey = proposal_key(case)
    prefix = pause_key_prefix(region, cycle, stage, pkey)
    if api:
        same_region = region_matches or (lambda text: text == region)
        legacy = f"decision-{stage.value}-{pkey}-v"

        def matches(run: Any) -> bool:
            key = _pause_key(run)
            if key.startswith(prefix):
                return True
            try:
                run_cycle = int(run.parameters.get("cycle", 0))
            except (TypeError, ValueError):
                return False
            return key.startswith(legacy) and run_cycle == cycle and same_region(str(run.parameters.get("region", "")))

        runs = waiting_flow_runs(stage, matches)
        if len(runs) > 1:
            ids = ", ".join(str(r.id) for r in runs)
            raise InputError(f"several runs wait for a decision ({ids}); name one with --flow-run")
        if runs:
            _resume(runs[0].id, decision)
            return f"resumed flow run {runs[0].id} ({runs[0].name}) with the decision ({decision.outcome.label_fi})"
    store = open_store()
    latest = store.latest(region, cycle, pkey)
    logged = awaiting_runs(store, ref(latest, pkey)) if latest is not None and status_of(latest) == "proposed" else []
    if logged and not without_run:
        waiting = logged[-1]
        waiting_id = str(waiting.get("flow_run_id"))
        if api:
            if _paused(waiting_id):
                _resume(UUID(waiting_id), decision)
                return f"resumed flow run {waiting_id} with the decision ({decision.outcome.label_fi})"
        else:
            raise InputError(
                f"flow run {waiting_id} waits for this decision (gate {waiting.get('gate')}): set PREFECT_API_URL "
                f"to its Prefect server so that the run is resumed (or give --flow-run {waiting_id}); "
                "if that run was cancelled, record with --without-run"
            )
    return record_in_store(region=region, cycle=cycle, stage=stage, case=case, decision=decision, announce=bool(api))


def record_in_store(
    *, region: str, cycle: int, stage: Stage, case: str, decision: DecisionRecord, announce: bool = False
) -> str:
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
    recorded = record_decision(store=store, persisted=persisted, decision=decision, latest_only=True)
    if announce:
        _announce(store, region=region, cycle=cycle, stage=stage, recorded=recorded)
    return (
        f"recorded: {decision.body} {decision.meeting_date.isoformat()} {decision.section} § — "
        f"{decision.outcome.label_fi} ({pkey} v{latest.version}, sha256 {latest.sha256[:16]}…)"
    )


def standing_proposals(store: Any, *, region: str, cycle: int, stage: Stage) -> list[VersionRef] | None:
    """The latest proposal of every case of ``stage`` if each stands (approved or noted), else None."""
    out: list[VersionRef] = []
    for artefact in store.list_artefacts(region=region, cycle=cycle, stage=stage):
        if artefact.kind != "proposal":
            continue
        latest = store.latest(region, cycle, artefact.key)
        if latest is None or status_of(latest) not in {"approved", "noted"}:
            return None
        out.append(ref(latest, artefact.key))
    return out or None


def _announce(store: Any, *, region: str, cycle: int, stage: Stage, recorded: PersistedCase) -> None:
    """After a decision recorded from the CLI: the artifacts follow the new statuses, and if the
    stage now stands, the approval event starts the next stage's deployment."""
    from soteflow.chaining import emit_stage_approved, flush_events

    current = {key: ref(store.get_version(v.version_id), key) for key, v in recorded.versions.items()}
    mirror_to_prefect(store=store, region=region, cycle=cycle, versions=current, tables={})
    standing = standing_proposals(store, region=region, cycle=cycle, stage=stage)
    if standing:
        emit_stage_approved(stage=stage, region=region, cycle=cycle, proposals=standing)
        flush_events()
