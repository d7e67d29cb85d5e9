"""Finnish number and date formatting for documents and charts (Jinja filters).

Rules follow the Finnish standard practice (Kotus, SFS 4175): decimal comma, a no-break space
as thousands separator (so a number never wraps across lines), the real minus sign U+2212, a
space before the per cent sign, and dates as ``d.m.yyyy`` without leading zeros.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from zoneinfo import ZoneInfo

#: Documents show Finnish local time; storage is UTC (conventions: "Europe/Helsinki in documents").
HELSINKI = ZoneInfo("Europe/Helsinki")

#: No-break space: thousands separator and the space before "%"; DejaVu Sans has the glyph.
NBSP = "\u00a0"
#: The typographic minus sign; a hyphen-minus is wrong in Finnish typesetting.
MINUS = "\u2212"
#: Shown for a missing value: Statistics Finland's symbol for "data not available".
MISSING = ".."


def fi_number(value: float | int | Decimal | None, decimals: int = 0) -> str:
    """Format a number the Finnish way: ``-1234567.891, 2`` → ``−1 234 567,89`` (no-break spaces).

    Rounds half away from zero (the rounding people expect in reports, unlike Python's
    banker's rounding), never prints a negative zero, and prints ``..`` for ``None``/NaN.
    """
    if value is None or isinstance(value, bool):
        return MISSING
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return MISSING
    if not number.is_finite():
        return MISSING
    if decimals < 0:
        raise ValueError("decimals must be >= 0")
    quantum = Decimal(1).scaleb(-decimals)
    rounded = number.quantize(quantum, rounding=ROUND_HALF_UP)
    negative = rounded < 0  # False for -0 after rounding, so "−0" never appears
    text = f"{abs(rounded):,.{decimals}f}"
    text = text.replace(",", NBSP).replace(".", ",")
    return f"{MINUS}{text}" if negative else text


def fi_percent(value: float | int | Decimal | None, decimals: int = 1, *, ratio: bool = False) -> str:
    """Format a percentage: ``12.345`` → ``12,3 %``; with ``ratio=True`` ``0.123`` → ``12,3 %``."""
    if value is None:
        return MISSING
    if ratio:
        value = Decimal(str(value)) * 100
    text = fi_number(value, decimals)
    return text if text == MISSING else f"{text}{NBSP}%"


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
