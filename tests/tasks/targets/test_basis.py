"""Stage 2 as later stages read it (tasks/targets/basis.py): the approved targets and frame."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from schemas.stages import Stage
from soteflow.stagekit import open_store
from soteflow.upstream import StageNotApprovedError
from tasks.targets.basis import load_targets_basis


def test_approved_targets_and_frame(seed: Callable[[Stage], Path]) -> None:
    seed(Stage.TARGETS)
    basis = load_targets_basis(open_store(), region="HVA08", cycle=2026)
    assert len(basis.impact.targets) == 11
    # The frame 2027 (the budget year cycle 2026 prepares) is the base scenario's costs 2027,
    # (3 437 000 000 × 1,04 − 35 000 000) × 1,038 − 30 000 000 = 3 643 980 240 €, less the measures of
    # 2027 (30 + 15 M€) and the adjustment still to specify, all in the budget 2027 (9 460 240 €):
    # 3 589 520 000 €.
    assert basis.frame.frame_year == 2027
    assert basis.frame.frame_eur == 3_589_520_000
    # The client groups and the own rows (rescue services, common costs) sum to the frame.
    own = sum(r.allocated_eur for r in basis.frame.own_rows)
    assert sum(g.allocated_eur for g in basis.frame.groups) + own == 3_589_520_000
    assert [r.row.value for r in basis.frame.own_rows] == ["rescue_services", "common_costs"]
    assert (basis.impact_ref.key, basis.frame_ref.key, basis.proposal_ref.key) == (
        "targets-impact",
        "targets-frame",
        "targets-proposal",
    )
    assert {basis.impact_ref.status, basis.frame_ref.status, basis.proposal_ref.status} == {"approved"}
    # Approved by the aluevaltuusto at the proposed meeting: stage 1 approved 24.8. + 28 days = Monday 21.9.2026.
    assert (basis.approved_on, basis.approved_by) == (dt.date(2026, 9, 21), "Aluevaltuusto")


def test_stage2_not_approved(seed: Callable[[Stage], Path]) -> None:
    seed(Stage.NEEDS)
    with pytest.raises(StageNotApprovedError, match="stage 2 \\(targets\\) has no approved proposal for HVA08"):
        load_targets_basis(open_store(), region="HVA08", cycle=2026)
