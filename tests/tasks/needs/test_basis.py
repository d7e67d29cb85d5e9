"""Stage 1 as later stages read it (tasks/needs/basis.py): the approved round and its statistical periods."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from schemas.stages import Stage
from soteflow.stagekit import open_store
from soteflow.upstream import StageNotApprovedError
from tasks.needs.analysis import assess_needs
from tasks.needs.basis import field_periods, load_needs_basis, pxweb_period
from tests.support import DATA_DIR


def test_periods_of_stage1_fields() -> None:
    content = (DATA_DIR / "statfin" / "unemployment_register_kunnat_12r5.json").read_bytes()
    assert pxweb_period(content) == "2026M06"
    assert pxweb_period(b"not json") is None
    assert pxweb_period(b'{"columns": [{"code": "Alue", "type": "d"}], "data": []}') is None  # no time column
    periods = field_periods({"unemployment": "2026M06", "age": "2025"})
    assert periods["long_term_unemployment_rate"] == "2026M06"
    assert periods["share_65_plus"] == "2025"
    assert "low_income_rate" not in periods


def test_approved_round(seed: Callable[[Stage], Path]) -> None:
    seed(Stage.NEEDS)
    basis = load_needs_basis(open_store(), region="HVA08", cycle=2026)
    assert (basis.region_code, basis.region_name) == ("HVA08", "Pirkanmaan hyvinvointialue")
    assessment = assess_needs(DATA_DIR, "HVA08")
    assert basis.profiles == assessment.profiles
    assert basis.need_index == assessment.need_index
    assert basis.change == assessment.change
    assert set(basis.refs) == {"needs-proposal", "needs-profile", "needs-index", "needs-change"}
    assert {r.status for r in basis.refs.values()} == {"approved"}
    # The scripted approval is taken at the proposed meeting, Monday 24.8.2026.
    assert (basis.decision_date.isoformat(), basis.decision_body) == ("2026-08-24", "Aluehallitus")
    # Each field's period is that of the export it comes from, read from the approved round's snapshots:
    # the age export is of 2025, the income export of 2024 and the unemployment export of June 2026.
    assert basis.periods["share_65_plus"] == "2025"
    assert basis.periods["low_income_rate"] == "2024"
    assert basis.periods["long_term_unemployment_rate"] == "2026M06"
    assert basis.periods["share_no_post_basic_education"] == "2025"


def test_stage1_not_approved() -> None:
    with pytest.raises(StageNotApprovedError, match="stage 1 \\(needs\\) has no approved proposal for HVA08"):
        load_needs_basis(open_store(), region="HVA08", cycle=2026)
