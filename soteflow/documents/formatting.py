"""Finnish date formatting for documents (Jinja filters), and the numbers of :mod:`soteflow.numbers`.

Dates are ``d.m.yyyy`` without leading zeros, times ``klo 14.05``, in Helsinki time. Numbers have
one rule, stated and implemented in :mod:`soteflow.numbers`; it is re-exported here for the
templates' filters.
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from soteflow.numbers import MINUS, MISSING, NBSP, fi_number, fi_percent

#: Documents show Finnish local time; storage is UTC (conventions: "Europe/Helsinki in documents").
HELSINKI = ZoneInfo("Europe/Helsinki")

__all__ = ["HELSINKI", "MINUS", "MISSING", "NBSP", "fi_date", "fi_datetime", "fi_number", "fi_percent"]


def _local(value: date | datetime) -> date | datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None or value.utcoffset() is None:
            # A naive datetime is ambiguous (UTC in storage? local?): refuse to guess.
            raise ValueError(f"naive datetime {value.isoformat()} has no time zone; give an aware one")
        return value.astimezone(HELSINKI)
    return value


def fi_date(value: date | datetime | None) -> str:
    """Format a date as ``d.m.yyyy`` (``2025-03-04`` → ``4.3.2025``); aware datetimes in Helsinki time."""
    if value is None:
        return ""
    local = _local(value)
    return f"{local.day}.{local.month}.{local.year}"


def fi_datetime(value: datetime | None) -> str:
    """Format an aware datetime in Helsinki time: ``4.3.2025 klo 14.05`` (Finnish uses a period in times)."""
    if value is None:
        return ""
    local = _local(value)
    assert isinstance(local, datetime)
    return f"{fi_date(local)} klo {local.hour}.{local.minute:02d}"


def fi_period(period: str | None) -> str:
    """A statistical period as printed: ``2026M06`` → ``6/2026``; ``2025`` as is; empty for none."""
    if not period:
        return ""
    if "M" in period:
        year, month = period.split("M", 1)
        return f"{int(month)}/{year}"
    return period
