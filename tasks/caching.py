"""The code a stage's results depend on, for cache keys and for the code version every version records.

A stage's results change when any of these change: its own package, the packages of the stages
whose ``basis`` it reads, the shared modules of ``tasks/`` (the round, agenda, context), the engine
(``soteflow/``), the schemas and the templates. Their fingerprint (:func:`stage_fingerprint`) is
part of every cache key and of the stored ``code_version``, so a fix in an analysis module is
never answered with an old cached figure, and the store says which code computed each version.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import schemas
import soteflow
import tasks
from soteflow.provenance import code_fingerprint
from soteflow.settings import get_settings
from tasks.definition import StageDefinition

TASKS_DIR = Path(tasks.__file__).resolve().parent


def shared_modules() -> list[Path]:
    """The modules of ``tasks/`` every stage runs through (everything but the stage packages)."""
    return sorted(p for p in TASKS_DIR.glob("*.py"))


def stage_code_paths(definition: StageDefinition[Any, Any, Any, Any, Any, Any]) -> list[Path]:
    """The source trees whose content the stage's results depend on."""
    from tasks.registry import definition as built  # the registry imports every stage: import late

    packages = [definition.package_name]
    packages += [built(stage).package_name for stage in definition.reads]
    return [
        *(TASKS_DIR / name for name in sorted(set(packages))),
        *shared_modules(),
        Path(soteflow.__file__).resolve().parent,
        Path(schemas.__file__).resolve().parent,
        get_settings().templates_dir,
    ]


def stage_fingerprint(definition: StageDefinition[Any, Any, Any, Any, Any, Any]) -> str:
    """SHA-256 over the stage's code (see the module docstring); computed once per process."""
    return code_fingerprint(stage_code_paths(definition))
