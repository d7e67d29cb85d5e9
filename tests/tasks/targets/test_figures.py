"""Stage 2 figures (tasks/targets/figures.py): the forecast per scenario, result, balance and the frame's allocation."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from schemas.needs import NeedsBasis
from schemas.stages import Stage
from schemas.targets import TargetsAssessment
from soteflow.stagekit import open_store
from tasks.context import make_context
from tasks.needs.basis import load_needs_basis
from tasks.targets.analysis import assess_targets
from tasks.targets.figures import build_targets_figures, millions, targets_figures
from tasks.targets.inputs import read_targets_inputs
from tests.support import DATA_DIR

EXAMPLES = DATA_DIR / "examples" / "HVA08"


@pytest.fixture
def basis(seed: Callable[[Stage], Path]) -> NeedsBasis:
    """The approved stage-1 round of Pirkanmaa."""
    seed(Stage.NEEDS)
    return load_needs_basis(open_store(), region="HVA08", cycle=2026)


@pytest.fixture
def assessment(basis: NeedsBasis) -> TargetsAssessment:
    return assess_targets(read_targets_inputs(EXAMPLES, region_code="HVA08"), basis, 2026)


def test_millions_round_half_up() -> None:
    assert millions(3_539_480_000) == 3539.5
    assert millions(-24_650_000) == -24.7  # −24,65 half away from zero
    assert millions(104_980_000) == 105.0


def test_figures(assessment: TargetsAssessment) -> None:
    figures = build_targets_figures(assessment)
    assert [c.key for c in figures.scenario_svgs] == ["perusura", "myonteinen", "kielteinen"]
    assert all(svg.startswith("<svg") for svg in (figures.result_svg, figures.balance_svg, figures.allocation_svg))
    # The perusura chart shows the change from 2025: costs 3 539,48 + 52,0 − (3 437,0 + 49,5) = 104,98 → 105,0.
    assert "2026: 105,0" in figures.scenario_svgs[0].svg
    assert "Toimintakulujen kehys 2027 ja kulut 2025" in figures.allocation_svg
    # Rescue services are a row of their own: 76,0 M€ in 2025 and 79 372 569 € → 79,4 M€ in the frame.
    assert "Pelastustoimi" in figures.allocation_svg and "79,4" in figures.allocation_svg
    # The round's figures step is the same function.
    ctx = make_context(Stage.TARGETS, region="HVA08", cycle=2026)
    assert targets_figures(ctx, None, assessment) == figures
