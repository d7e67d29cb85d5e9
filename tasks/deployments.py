"""``prefect.yaml`` from the registry: one deployment per registered stage, and the cycle.

``soteflow deployments --write`` writes the file; a test checks that the committed file is what
this module makes, so a new stage cannot be registered without its deployment.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from soteflow import __version__
from tasks.registry import CYCLE_FLOW, STAGES

PREFECT_YAML = Path(__file__).resolve().parent.parent / "prefect.yaml"

HEADER = """\
# Prefect deployments of soteflow, written by `soteflow deployments --write` from the registry of
# stages (tasks/registry.py): edit the registry, not this file. The working directory of workers is
# the repository root; entrypoints are imported by Prefect as bare modules with flows/ on sys.path.
#
#   prefect work-pool create soteflow --type process
#   prefect deploy --all
#   prefect worker start --pool soteflow
"""


def _deployment(
    name: str, entrypoint: str, description: str, tags: list[str], parameters: dict[str, Any]
) -> dict[str, Any]:
    return {
        "name": name,
        "version": __version__,
        "description": description,
        "entrypoint": entrypoint,
        "tags": tags,
        "parameters": parameters,
        "work_pool": {"name": "soteflow", "work_queue_name": "default"},
    }


def deployments() -> list[dict[str, Any]]:
    """The deployments: every registered stage (gate ``suspend``), then the cycle."""
    out = [
        _deployment(
            d.stage.value,
            d.flow,
            d.description,
            ["soteflow", f"stage-{d.stage.number}", d.stage.value],
            {"region": "HVA08", "cycle": 2026, "gate": "suspend"},
        )
        for d in STAGES
    ]
    out.append(
        _deployment(
            "cycle",
            CYCLE_FLOW,
            "The built stages in order with scripted decisions, each starting from the previous approval.",
            ["soteflow", "cycle"],
            {"region": "HVA08", "cycle": 2026, "gate": "scripted", "out_dir": "out/cycle"},
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
