"""prefect.yaml: every deployment's entrypoint is a flow, and its parameters are the flow's own."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path
from typing import Any

import pytest
import yaml
from prefect import Flow

from schemas.stages import Stage
from tests.conftest import REPO_ROOT

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


def test_every_built_stage_has_a_deployment_named_after_it() -> None:
    names = {d["name"] for d in DEPLOYMENTS}
    built = {s.value for s in Stage if (REPO_ROOT / "flows" / f"s{s.number}_{s.value}.py").is_file()}
    assert {"needs", "targets", "chains", "comparison"} <= built
    assert built <= names
