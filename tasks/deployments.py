"""``prefect.yaml`` from the registry: one deployment per registered stage, and the cycle.

``soteflow deployments --write`` writes the file; a test checks that the committed file is what
this module makes, so a new stage cannot be registered without its deployment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from soteflow import __version__
from soteflow.chaining import APPROVED_EVENT
from tasks.registry import STAGES, Definition

PREFECT_YAML = Path(__file__).resolve().parent.parent / "prefect.yaml"

#: The deployed cycle: starts stage 1's deployment; each later stage starts on the approval event.
CYCLE_START_FLOW = "flows/cycle.py:start_cycle_flow"

HEADER = """\
# Prefect deployments of soteflow, written by `soteflow deployments --write` from the registry of
# stages (tasks/registry.py): edit the registry, not this file. The working directory of workers is
# the repository root; entrypoints are imported by Prefect as bare modules with flows/ on sys.path.
# Each stage is its own flow run (so it can suspend for its body's decision); approving stage N
# emits `soteflow.stage.approved`, and stage N+1's trigger below starts it for the same region and
# cycle. `cycle/cycle` starts stage 1. See docs/deployment.md.
#
#   prefect work-pool create soteflow --type process
#   prefect deploy --all
#   prefect worker start --pool soteflow
"""


def trigger_after(previous: Definition) -> dict[str, Any]:
    """The trigger that starts a stage when every case of ``previous`` stands (its approval event)."""
    return {
        "type": "event",
        "name": f"soteflow: after {previous.stage.value} approved",
        "description": f"Starts this stage when stage {previous.stage.number} ({previous.stage.value}) stands, "
        "for the region and cycle of the approval.",
        "enabled": True,
        "match": {"prefect.resource.id": f"soteflow.stage.{previous.stage.value}.*"},
        "expect": [APPROVED_EVENT],
        "parameters": {"region": "{{ event.payload.region }}", "cycle": "{{ event.payload.cycle }}"},
    }


def _deployment(
    name: str,
    entrypoint: str,
    description: str,
    tags: list[str],
    parameters: dict[str, Any],
    triggers: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "version": __version__,
        "description": description,
        "entrypoint": entrypoint,
        "tags": tags,
        "parameters": parameters,
        "work_pool": {"name": "soteflow", "work_queue_name": "default"},
    }
    if triggers:
        out["triggers"] = triggers
    return out


def deployments() -> list[dict[str, Any]]:
    """The deployments: every registered stage (gate ``suspend``; from the second on, started by
    the previous stage's approval unless it runs per period), then the cycle, which starts stage 1."""
    out = [
        _deployment(
            d.stage.value,
            d.flow,
            d.description,
            ["soteflow", f"stage-{d.stage.number}", d.stage.value],
            {"region": "HVA08", "cycle": 2026, "gate": "suspend"},
            # A periodic stage (stage 6) runs per period when the period's data is in, started by its
            # process owner or a schedule: an approval event carries no period to start it with. The
            # stage after it (the evaluation) closes the cycle once its periods are in: a period's
            # approval does not start it either.
            [trigger_after(STAGES[i - 1])] if i > 0 and not d.periodic and not STAGES[i - 1].periodic else None,
        )
        for i, d in enumerate(STAGES)
    ]
    out.append(
        _deployment(
            "cycle",
            CYCLE_START_FLOW,
            "Starts stage 1 of a region and cycle as its own deployment run; each later stage starts when "
            "the one before it is approved (its trigger on soteflow.stage.approved).",
            ["soteflow", "cycle"],
            {"region": "HVA08", "cycle": 2026},
        )
    )
    return out


def deployments_yaml() -> str:
    """The whole ``prefect.yaml`` text."""
    document = {
        "name": "soteflow",
        "prefect-version": "3.8.8",
        "build": None,
        "push": None,
        "pull": [{"prefect.deployments.steps.set_working_directory": {"directory": "{{ $PWD }}"}}],
        "deployments": deployments(),
    }
    body: str = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100, default_flow_style=False)
    return HEADER + body
