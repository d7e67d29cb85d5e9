"""The registry of stages: every built stage, in the order of :class:`~schemas.stages.Stage`.

Adding a stage means writing its package (``tasks/<stage>/``, with ``stage.py`` exporting its
``DEFINITION``) and its thin flow (``flows/sN_<stage>.py``), and listing the definition here. The
CLI's ``stage`` commands, the demo's cycle and ``prefect.yaml``'s deployments all come from this
list (``soteflow deployments`` writes the deployments; a test checks the committed file).
"""

from __future__ import annotations

from typing import Any

from schemas.stages import Stage
from tasks.chains.stage import DEFINITION as CHAINS
from tasks.comparison.stage import DEFINITION as COMPARISON
from tasks.definition import StageDefinition
from tasks.evaluation.stage import DEFINITION as EVALUATION
from tasks.monitoring.stage import DEFINITION as STEERING
from tasks.needs.stage import DEFINITION as NEEDS
from tasks.procurement.stage import DEFINITION as PROCUREMENT
from tasks.targets.stage import DEFINITION as TARGETS

Definition = StageDefinition[Any, Any, Any, Any, Any, Any]

#: The built stages, in cycle order.
STAGES: tuple[Definition, ...] = (NEEDS, TARGETS, CHAINS, COMPARISON, PROCUREMENT, STEERING, EVALUATION)

#: The flow that runs the built stages in order (the demo and the ``cycle`` deployment).
CYCLE_FLOW = "flows/cycle.py:cycle_flow"

_BY_STAGE = {d.stage: d for d in STAGES}
if [d.stage for d in STAGES] != sorted(_BY_STAGE, key=lambda s: s.number) or len(_BY_STAGE) != len(STAGES):
    raise RuntimeError("the registry lists each built stage once, in cycle order")


def definition(stage: Stage | str) -> Definition:
    """The definition of a built stage (``KeyError`` naming the built ones otherwise)."""
    try:
        return _BY_STAGE[Stage(stage)]
    except (KeyError, ValueError):
        built = ", ".join(d.stage.value for d in STAGES)
        raise KeyError(f"{stage!r} is not a built stage; built: {built}") from None


def built() -> list[Stage]:
    """The built stages in cycle order."""
    return [d.stage for d in STAGES]
