"""Prefect events that chain the deployed stages and tell people that a decision is awaited.

* ``soteflow.stage.approved`` — every case of a stage stands (approved or noted) after a body's
  decision recorded through a gate or with ``soteflow decide``. The next stage's deployment has a
  trigger on it (``prefect.yaml``, :mod:`tasks.deployments`) that starts it with the region and
  cycle of the event. Scripted decisions (the demo's in-process cycle, tests) emit nothing: the
  in-process cycle runs the next stage itself.
* ``soteflow.decision.awaited`` — a stage run is about to pause or suspend for a body's decision;
  the shipped automation (``automations/decision-awaited.yaml``) sends a notification on it.

Both name the stage, region and cycle as labels of the event's resource
(``soteflow.stage.<stage>.<region>.<cycle>``) and in the payload.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from schemas.results import Proposal, VersionRef
from schemas.stages import Stage

__all__ = [
    "APPROVED_EVENT",
    "AWAITED_EVENT",
    "emit_decision_awaited",
    "emit_stage_approved",
    "flush_events",
    "resource",
]

APPROVED_EVENT = "soteflow.stage.approved"
AWAITED_EVENT = "soteflow.decision.awaited"


def resource(stage: Stage, region: str, cycle: int) -> dict[str, str]:
    """The event resource of a stage's round for a region and cycle."""
    return {
        "prefect.resource.id": f"soteflow.stage.{stage.value}.{region}.{cycle}",
        "prefect.resource.name": f"{stage.title_fi} {region} {cycle}",
        "soteflow.stage": stage.value,
        "soteflow.region": region,
        "soteflow.cycle": str(cycle),
    }


def _related_flow_run() -> list[dict[str, str]]:
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    if context is None or context.flow_run is None:
        return []
    return [
        {
            "prefect.resource.id": f"prefect.flow-run.{context.flow_run.id}",
            "prefect.resource.role": "flow-run",
            "prefect.resource.name": context.flow_run.name,
        }
    ]


def emit_stage_approved(*, stage: Stage, region: str, cycle: int, proposals: Sequence[VersionRef]) -> Any:
    """Emit ``soteflow.stage.approved``: the standing proposals of ``stage`` with their sha256."""
    from prefect.events import emit_event

    following = [s for s in Stage if s.number == stage.number + 1]
    payload: dict[str, Any] = {
        "stage": stage.value,
        "region": region,
        "cycle": cycle,
        "next_stage": following[0].value if following else None,
        "sha256": proposals[0].sha256 if proposals else None,
        "proposals": [{"key": p.key, "version": p.version, "sha256": p.sha256} for p in proposals],
    }
    return emit_event(
        event=APPROVED_EVENT,
        resource=resource(stage, region, cycle),
        related=_related_flow_run(),
        payload=payload,
    )


def run_url(flow_run_id: str | None) -> str | None:
    """The run's page in the Prefect UI (``PREFECT_UI_URL``), if the UI's address is known."""
    from prefect.settings import PREFECT_UI_URL

    base = PREFECT_UI_URL.value()
    return f"{str(base).rstrip('/')}/runs/flow-run/{flow_run_id}" if base and flow_run_id else None


def emit_decision_awaited(*, proposal: Proposal, gate: str, flow_run_id: str | None) -> Any:
    """Emit ``soteflow.decision.awaited``: what the body is to decide, where, when, and the run's link."""
    from prefect.events import emit_event

    payload: dict[str, Any] = {
        "stage": proposal.stage.value,
        "stage_title": proposal.stage.title_fi,
        "case": proposal.case,
        "region": proposal.region,
        "cycle": proposal.cycle,
        "body": proposal.body,
        "meeting_date": proposal.meeting_date,
        "title": proposal.title,
        "gate": gate,
        "proposal": {"key": proposal.proposal.key, "version": proposal.proposal.version},
        "sha256": proposal.proposal.sha256,
        "flow_run_id": flow_run_id,
        "url": run_url(flow_run_id),
        "document_url": proposal.document_url,
    }
    return emit_event(
        event=AWAITED_EVENT,
        resource=resource(proposal.stage, proposal.region, proposal.cycle),
        related=_related_flow_run(),
        payload=payload,
    )


def flush_events(timeout: float = 30) -> None:
    """Send the events emitted so far before this process ends (the CLI exits right after)."""
    from prefect.events.worker import EventsWorker

    EventsWorker.drain_all(timeout=timeout)
