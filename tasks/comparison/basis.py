"""Stage 4 as later stages and cycles read it: the approved organising plan.

This module is stage 4's only door for other stages (and for its own next cycle, which compares
its plan with this cycle's approved one).
"""

from __future__ import annotations

from schemas.comparison import OrganisingPlan, PreviousPlan
from soteflow.stagekit import ref
from soteflow.store import Store

PLAN_KEY = "comparison-organising-plan"


def load_previous_plan(store: Store, *, region: str, cycle: int) -> PreviousPlan | None:
    """The previous cycle's approved organising plan (``comparison-organising-plan``), if any."""
    version = store.latest(region, cycle - 1, PLAN_KEY, status="approved")
    if version is None:
        return None
    plan = OrganisingPlan.model_validate(store.read_json(version))
    return PreviousPlan(plan=plan, ref=ref(version, PLAN_KEY), cycle=cycle - 1)
