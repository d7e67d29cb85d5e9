"""The cross-stage reconciliation's engine: the dated tolerances and the stop."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from schemas.reconciliation import CheckKind, CrossCheck
from soteflow.errors import InputError
from soteflow.reconcile import RULES_FILE, enforce, read_tolerance, sources_note, table_rows
from tests.support import DATA_DIR

ENTRY = """
[[tolerances]]
valid_from = {day}
volume_pct = {volume}
unit_cost_pct = 3.0
total_pct = 0.1
contract_volume_pct = 0.5
source = "sääntö {day}"
"""


def _check(**change: object) -> CrossCheck:
    values: dict[str, object] = {
        "subject": "Kotihoito: suoritteet",
        "kind": CheckKind.EQUAL,
        "basis_source": "vaihe 3",
        "input_source": "vaihe 4",
        "unit": "käynti",
        "basis_value": 1000.0,
        "input_value": 1020.0,
        "tolerance_pct": 2.0,
        "file": "ostopalvelut.csv",
        "row": 3,
        "field": "suoritteet",
    }
    return CrossCheck.model_validate({**values, **change})


def test_the_rule_valid_on_the_day_applies(tmp_path: Path) -> None:
    path = tmp_path / "reconciliation.toml"
    path.write_text(ENTRY.format(day="2023-01-01", volume=2.0) + ENTRY.format(day="2027-01-01", volume=1.0))
    assert read_tolerance(path, dt.date(2026, 1, 1)).volume_pct == 2.0
    assert read_tolerance(path, dt.date(2027, 1, 1)).volume_pct == 1.0
    with pytest.raises(InputError, match="no reconciliation tolerance is valid on 2022-01-01"):
        read_tolerance(path, dt.date(2022, 1, 1))
    path.write_text(ENTRY.format(day="2023-01-01", volume=-1.0))
    with pytest.raises(InputError) as caught:
        read_tolerance(path, dt.date(2026, 1, 1))
    assert caught.value.field == "tolerances.0.volume_pct"


def test_the_shipped_rule() -> None:
    rule = read_tolerance(DATA_DIR / RULES_FILE, dt.date(2026, 1, 1))
    assert (rule.volume_pct, rule.unit_cost_pct, rule.total_pct, rule.contract_volume_pct) == (2.0, 3.0, 0.1, 0.5)


def test_the_bounds_of_each_kind() -> None:
    # 1 020 against 1 000 is +2,0 %: at the bound holds, 1 021 does not.
    assert _check().within and not _check(input_value=1021.0).within
    assert _check(input_value=980.0).within and not _check(input_value=979.0).within
    # At most: any smaller figure holds, a larger one only within the tolerance.
    assert _check(kind=CheckKind.AT_MOST, input_value=10.0, tolerance_pct=0.0).within
    assert not _check(kind=CheckKind.AT_MOST, input_value=1000.5, tolerance_pct=0.0).within
    assert _check(kind=CheckKind.SAME, basis_text="oma", input_text="oma").within
    assert not _check(kind=CheckKind.SAME, basis_text="oma", input_text="osto").within


def test_the_first_disagreement_stops_naming_both_sources_and_the_rest_counted() -> None:
    checks = [_check(), _check(input_value=1100.0, row=4), _check(input_value=900.0, row=5)]
    with pytest.raises(InputError) as caught:
        enforce(checks)
    error = caught.value
    assert (error.file, error.row, error.field) == ("ostopalvelut.csv", 4, "suoritteet")
    assert error.reason == (
        "Kotihoito: suoritteet: vaihe 4 gives 1\xa0100 käyntiä, vaihe 3 gives 1\xa0000 käyntiä; the figures must "
        "agree (within 2,0 % of the earlier stage's figure) (1 more figure(s) disagree as well)"
    )
    enforce(checks[:1])


def test_the_appendix_rows_in_finnish() -> None:
    rows = table_rows(
        [
            _check(),
            _check(kind=CheckKind.AT_MOST, input_value=396.0),
            _check(kind=CheckKind.SAME, basis_text="oma", input_text="oma"),
        ]
    )
    assert rows == [
        ["Kotihoito: suoritteet", "1\xa0000 käyntiä", "1\xa0020 käyntiä", "+2,0 % (sallittu ± 2,0 %)"],
        ["Kotihoito: suoritteet", "1\xa0000 käyntiä", "396 käyntiä", "osuus 39,6 % (enintään 100 %)"],
        ["Kotihoito: suoritteet", "oma", "oma", "sama"],
    ]
    assert sources_note([_check(), _check()]) == "Lähteet: vaihe 3; vaihe 4."
