"""The cycle: each stage starts from the approved round of the stage before it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from flows.cycle import cycle_flow
from soteflow.stagekit import open_store
from soteflow.store.verify import verify

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_a_returned_stage_2_is_prepared_again_and_stage_3_starts_from_the_approved_version(tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.json"
    comment = "Lisää ikääntyneiden kotihoidon tavoite ja perustele kehyksen jako tarkemmin."
    decisions.write_text(json.dumps({"targets": [{"outcome": "returned", "comments": comment}]}), encoding="utf-8")
    summary = cycle_flow(region="HVA08", cycle=2026, out_dir=str(tmp_path / "out"), decisions_file=str(decisions))
    by_stage = {s["stage"]: s for s in summary["stages"]}
    assert [s["number"] for s in summary["stages"]][:3] == [1, 2, 3]
    assert by_stage["targets"]["rounds"] == 2 and by_stage["targets"]["decision"] == "approved"

    store = open_store()
    history = store.history("HVA08", 2026, "targets-proposal")
    assert [(v.version, v.status.value) for v in history] == [(1, "returned"), (2, "approved")]
    # The second proposal answers the comments (the agenda item quotes them)...
    second = store.read_json(history[1])
    assert any(comment in e["summary"] for e in second["agenda"]["earlier_handling"])
    # ... and stage 3 was computed from that approved version, never from the returned one.
    chains = store.latest("HVA08", 2026, "chains-proposal")
    assert chains is not None
    lineage = {ref.version_id for ref in store.lineage(chains.id)}
    assert history[1].id in lineage and history[0].id not in lineage
    assert verify(store).ok
