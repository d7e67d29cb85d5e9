"""Finnish number and date formatting."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from soteflow.documents.formatting import fi_date, fi_datetime, fi_number, fi_percent


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [
        (1234567.891, 2, "1\u00a0234\u00a0567,89"),
        (-1234.5, 0, "\u22121\u00a0235"),  # half away from zero, real minus sign
        (0.5, 0, "1"),
        (-0.004, 2, "0,00"),  # no negative zero
        (999, 0, "999"),
        (None, 1, ".."),
        (float("nan"), 1, ".."),
    ],
)
def test_fi_number(value: float | None, decimals: int, expected: str) -> None:
    assert fi_number(value, decimals) == expected


def test_fi_percent() -> None:
    assert fi_percent(12.345) == "12,3\u00a0%"
    assert fi_percent(0.1234, 1, ratio=True) == "12,3\u00a0%"
    assert fi_percent(None) == ".."


def test_dates_in_helsinki_time() -> None:
    assert fi_date(date(2025, 3, 4)) == "4.3.2025"
    # 22.30 UTC on 31 Dec is already New Year in Helsinki (UTC+2).
    assert fi_date(datetime(2024, 12, 31, 22, 30, tzinfo=UTC)) == "1.1.2025"
    assert fi_datetime(datetime(2025, 6, 1, 11, 5, tzinfo=UTC)) == "1.6.2025 klo 14.05"  # summer time UTC+3
    with pytest.raises(ValueError, match="naive"):
        fi_date(datetime(2025, 1, 1, 12, 0))
