"""prefect.yaml comes from the registry of stages; every entrypoint is a flow taking its parameters."""

from __future__ import annotations

import importlib.util
import inspect
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect import Flow

from schemas.stages import Stage
from tasks.deployments import deployments_yaml
from tasks.registry import STAGES
from tests.support import REPO_ROOT

DEPLOYMENTS: list[dict[str, Any]] = yaml.safe_load((REPO_ROOT / "prefect.yaml").read_text(encoding="utf-8"))[
    "deployments"
]


def _load(entrypoint: str) -> Flow[Any, Any]:
    """Import the entrypoint the way Prefect does: the file as a bare module, then the attribute."""
    path, _, name = entrypoint.partition(":")
    spec = importlib.util.spec_from_file_location(Path(path).stem, REPO_ROOT / path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    flow = getattr(module, name)
    assert isinstance(flow, Flow)
    return flow


@pytest.mark.parametrize("deployment", DEPLOYMENTS, ids=[d["name"] for d in DEPLOYMENTS])
def test_entrypoint_is_a_flow_taking_the_deployment_parameters(deployment: dict[str, Any]) -> None:
    flow = _load(deployment["entrypoint"])
    accepted = set(inspect.signature(flow.fn).parameters)
    assert set(deployment.get("parameters", {})) <= accepted
    assert flow.description  # Prefect shows the docstring on the deployment page


def test_the_committed_file_is_what_the_registry_makes() -> None:
    """Regenerate with ``soteflow deployments --write`` after registering a stage."""
    assert (REPO_ROOT / "prefect.yaml").read_text(encoding="utf-8") == deployments_yaml()


def test_every_stage_flow_is_registered_and_every_registered_stage_is_deployed() -> None:
    names = {d["name"]: d["entrypoint"] for d in DEPLOYMENTS}
    files = {p.name for p in (REPO_ROOT / "flows").glob("s[0-9]_*.py")}
    registered = {Path(d.flow.partition(":")[0]).name for d in STAGES}
    assert files == registered  # no stage flow outside the registry
    for definition in STAGES:
        assert names[definition.stage.value] == definition.flow
        assert definition.flow.startswith(f"flows/s{definition.stage.number}_{definition.stage.value}.py:")
    assert [d.stage for d in STAGES] == [s for s in Stage if s in {d.stage for d in STAGES}]  # cycle order


@pytest.mark.parametrize("definition", STAGES, ids=[d.stage.value for d in STAGES])
def test_each_flow_describes_its_parameters_for_the_ui_form(definition: Any) -> None:
    """The deployment's form in the Prefect UI shows each parameter's description."""
    flow = _load(definition.flow)
    schema = flow.parameters.model_dump()
    for name, spec in schema["properties"].items():
        assert spec.get("description"), f"{definition.flow}: parameter {name} has no description"


def test_each_stage_after_the_first_starts_on_the_previous_approval_and_the_cycle_starts_stage_1() -> None:
    from soteflow.chaining import APPROVED_EVENT, resource

    by_name = {d["name"]: d for d in DEPLOYMENTS}
    assert "triggers" not in by_name[STAGES[0].stage.value]
    for previous, current in pairwise(STAGES):
        # A periodic stage is started per period by its owner (an approval carries no period), and
        # the stage after it closes the cycle once the periods are in: no period's approval starts it.
        if current.periodic or previous.periodic:
            assert "triggers" not in by_name[current.stage.value]
            continue
        [trigger] = by_name[current.stage.value]["triggers"]
        assert trigger["expect"] == [APPROVED_EVENT]
        # The event's resource (what approving the previous stage emits) is what the trigger matches.
        emitted = resource(previous.stage, "HVA08", 2026)["prefect.resource.id"]
        assert emitted.startswith(trigger["match"]["prefect.resource.id"].removesuffix("*"))
        assert trigger["parameters"] == {"region": "{{ event.payload.region }}", "cycle": "{{ event.payload.cycle }}"}
    assert by_name["cycle"]["entrypoint"] == "flows/cycle.py:start_cycle_flow"
    assert _load(by_name["cycle"]["entrypoint"]).name == "cycle"  # deployed as cycle/cycle


def test_the_triggers_are_valid_deployment_triggers() -> None:
    from prefect.events.schemas.deployment_triggers import DeploymentEventTrigger

    for deployment in DEPLOYMENTS:
        for trigger in deployment.get("triggers", []):
            DeploymentEventTrigger.model_validate({k: v for k, v in trigger.items() if k != "type"})


def test_the_shipped_notification_automation_is_valid_with_a_block() -> None:
    import uuid

    from prefect.events.schemas.automations import AutomationCore

    from soteflow.notify import automation

    core = AutomationCore.model_validate(automation(uuid.uuid4()))
    assert core.trigger.expect == {"soteflow.decision.awaited"}  # type: ignore[union-attr]
    body = core.actions[0].body  # type: ignore[union-attr]
    for field in ("stage", "region", "cycle", "body", "meeting_date", "url"):
        assert f"event.payload.{field}" in body
