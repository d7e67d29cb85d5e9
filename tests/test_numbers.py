"""One rule for every number shown to a person (soteflow.numbers): prose, tables, charts and exports."""

from __future__ import annotations

import importlib
import re

import pytest

from soteflow import numbers
from soteflow.charts.bars import bar_chart_svg
from soteflow.documents import formatting
from tests.support import REPO_ROOT


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        # The two formatters that used to disagree: Python's float formatting gave "2" and "2,2".
        (2.5, 0, "3"),
        (2.25, 1, "2,3"),
        (-2.25, 1, "\u22122,3"),  # half away from zero, the minus sign U+2212
        (2.675, 2, "2,68"),  # the decimal value, not the binary float 2.67499…
        (1234567.5, 0, "1\u00a0234\u00a0568"),  # no-break space between thousands
        (-0.04, 1, "0,0"),  # no negative zero
    ],
)
def test_half_up_decimal_comma_no_break_space_and_minus(value: float, decimals: int, expected: str) -> None:
    assert numbers.fi_number(value, decimals) == expected


def test_signs_and_missing_values() -> None:
    assert numbers.fi_number(3.2, 1, sign=True) == "+3,2"
    assert numbers.fi_number(0.04, 1, sign=True) == "0,0"  # a zero gets no sign
    assert numbers.fi_number(float("inf"), 1) == numbers.fi_number(None) == ".."


def test_stored_values_round_the_same_way() -> None:
    assert numbers.round_half_up(0.125, 2) == 0.13
    assert numbers.round_half_up(-0.125, 2) == -0.13
    assert numbers.round_half_up(2.675, 2) == 2.68
    assert str(numbers.round_half_up(-0.001, 2)) == "0.0"


def test_documents_charts_and_stages_use_the_one_module() -> None:
    assert formatting.fi_number is numbers.fi_number  # the templates' filter
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("soteflow.data.numbers")
    svg = bar_chart_svg(["A"], {"s": [1234.25]}, title="t", unit="€", decimals=1)
    assert "1\u00a0234,3" in svg
    pattern = re.compile(r"def (fmt_fi|_fi_number)\b|:,\.\d+f}\"\.replace\(\",\"")
    offenders = [
        str(p.relative_to(REPO_ROOT))
        for folder in ("soteflow", "tasks")
        for p in (REPO_ROOT / folder).rglob("*.py")
        if p.name != "numbers.py" and pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []  # no second Finnish number formatter
