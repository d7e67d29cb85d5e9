"""Stage 3 against the approved stage 2: each client group's catalogue cost within its frame and its
actual operating costs, with the figures worked out from the shipped files."""

from __future__ import annotations

import pytest

from schemas.reconciliation import CheckKind
from schemas.targets import TargetsBasis
from soteflow.errors import InputError
from soteflow.reconcile import enforce
from tasks.chains.catalogue import read_catalogue
from tasks.chains.crosscheck import frame_checks
from tasks.targets.analysis import build_forecast
from tasks.targets.inputs import read_targets_inputs
from tests.support import DATA_DIR, TOLERANCE
from tests.tasks.chains.factories import make_basis, version_ref

EXAMPLES = DATA_DIR / "examples" / "HVA08"


@pytest.fixture(scope="module")
def basis() -> TargetsBasis:
    """The chains' hand-made stage-2 basis with the forecast stage 2 computes from the shipped files."""
    forecast = build_forecast(read_targets_inputs(EXAMPLES, region_code="HVA08"), "HVA08", 2026)
    return make_basis().model_copy(update={"forecast": forecast, "forecast_ref": version_ref("targets-forecast")})


def test_each_groups_catalogue_cost_within_its_frame_and_actual_costs(basis: TargetsBasis) -> None:
    checks = frame_checks(read_catalogue(EXAMPLES / "palvelukatalogi.csv"), basis, TOLERANCE)
    older = [c for c in checks if c.subject.startswith("Ikääntyneet:")]
    # The older people's catalogue: Σ volume × unit cost = 383,2 M€, within the hand-made frame of
    # 880,0 M€ and the 806,1 M€ the group's service areas cost in 2025 (tilinpaatos.csv).
    assert [(c.kind, round(c.input_value or 0, -5) / 1e6, (c.basis_value or 0) / 1e6, c.within) for c in older] == [
        (CheckKind.AT_MOST, 383.2, 880.0, True),
        (CheckKind.AT_MOST, 383.2, 806.1, True),
    ]
    assert len(checks) == 10 and all(c.within for c in checks)
    assert older[1].basis_source.startswith("vaihe 2: tilinpäätöksen toteuma 2025 (targets-forecast v")
    assert (older[0].file, older[0].row, older[0].field) == ("palvelukatalogi.csv", 2, "vuosivolyymi")


def test_a_group_dearer_than_its_actual_costs_stops(basis: TargetsBasis) -> None:
    """The disability group's 2025 costs cut to 100 M€: its catalogue (132,7 M€) costs more."""
    assert basis.forecast is not None
    actual = basis.forecast.actual[-1]
    costs = {**actual.costs_by_group}
    group = next(g for g in costs if g.label_fi == "Vammaiset henkilöt")
    costs[group] = 100_000_000.0
    forecast = basis.forecast.model_copy(
        update={"actual": [*basis.forecast.actual[:-1], actual.model_copy(update={"costs_by_group": costs})]}
    )
    checks = frame_checks(
        read_catalogue(EXAMPLES / "palvelukatalogi.csv"), basis.model_copy(update={"forecast": forecast}), TOLERANCE
    )
    with pytest.raises(InputError) as caught:
        enforce(checks)
    assert (
        "Vammaiset henkilöt: palveluluettelon vuosikustannus enintään ryhmän toimintakulut 2025" in caught.value.reason
    )
    assert caught.value.field == "vuosivolyymi"


def test_without_a_forecast_only_the_frame_is_checked() -> None:
    """A stage-2 round stored before its basis had the forecast: the frame only."""
    checks = frame_checks(read_catalogue(EXAMPLES / "palvelukatalogi.csv"), make_basis(), TOLERANCE)
    assert len(checks) == 5 and all("kehys" in c.subject for c in checks)
