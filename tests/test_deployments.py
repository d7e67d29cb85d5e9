"""prefect.yaml comes from the registry of stages; every entrypoint is a flow taking its parameters."""

from __future__ import annotations

import importlib.util
import inspect
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
