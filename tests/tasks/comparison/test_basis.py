"""Stage 4 as its next cycle reads it: the previous cycle's organising plan, only once approved."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from schemas.comparison import OrganisingPlan
from soteflow.stagekit import open_store
from tasks.comparison.basis import PLAN_KEY, load_previous_plan
from tests.fixtures.comparison.worked_example import worked_analysis, write_worked_example


def test_previous_cycle_plan_is_read_only_when_approved(tmp_path: Path) -> None:
    analysis = worked_analysis(write_worked_example(tmp_path / "inputs"))
    store = open_store()
    assert PLAN_KEY == "comparison-organising-plan"
    assert load_previous_plan(store, region="HVA08", cycle=2027) is None
    common = {
        "region": "HVA08",
        "cycle": 2026,
        "stage": "comparison",
        "key": PLAN_KEY,
        "kind": "plan",
        "title": "Järjestämissuunnitelma",
        "schema_name": "OrganisingPlan",
        "schema_version": "1",
        "code_version": "test",
    }
    with store.transaction(actor="test") as tx:
        tx.save_json(payload=analysis.plan, status="proposed", **common)  # type: ignore[arg-type]
    assert load_previous_plan(store, region="HVA08", cycle=2027) is None  # proposed, not approved
    changed = analysis.plan.model_copy(update={"entries": analysis.plan.entries[:1]})
    with store.transaction(actor="test") as tx:
        saved = tx.save_json(payload=changed, status="proposed", **common)  # type: ignore[arg-type]
        tx.record_decision(
            saved,
            body="Aluehallitus",
            outcome="approved",
            meeting_date=dt.date(2026, 11, 2),
            section="12",
            decision_number=None,
            comments="",
            recorded_by="test",
        )
    previous = load_previous_plan(store, region="HVA08", cycle=2027)
    assert previous is not None and previous.cycle == 2026
    assert (previous.ref.key, previous.ref.version, previous.ref.sha256) == (PLAN_KEY, 2, saved.sha256)
    assert isinstance(previous.plan, OrganisingPlan) and len(previous.plan.entries) == 1
    # Only the cycle right before is the previous one.
    assert load_previous_plan(store, region="HVA08", cycle=2028) is None
    assert load_previous_plan(store, region="HVA01", cycle=2027) is None
