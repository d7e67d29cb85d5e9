"""Finnish numbers: the one rule every number shown to a person goes through.

Prose, tables, charts and exports all format numbers here, so the same value is printed the
same way everywhere. The rule (Kotus; SFS 4175):

* rounding half away from zero ("half up" on magnitudes: 2,25 → 2,3 and −2,25 → −2,3), on the
  decimal value of the number, never Python's binary float rounding or banker's rounding;
* a decimal comma, a no-break space (U+00A0) as the thousands separator, so a number never
  wraps across lines;
* the typographic minus sign U+2212, never a hyphen, and never a negative zero;
* ``..`` for a missing value (Statistics Finland's symbol for "data not available").

:func:`round_half_up` is the same rounding for computed values (euros to the cent, shares to
four decimals) so that a stored figure and its printed form agree.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

#: No-break space: thousands separator and the space before "%" or a unit.
NBSP = "\u00a0"
#: The typographic minus sign; a hyphen-minus is wrong in Finnish typesetting.
MINUS = "\u2212"
#: Shown for a missing value.
MISSING = ".."

__all__ = ["MEUR", "MINUS", "MISSING", "NBSP", "fi_meur", "fi_number", "fi_percent", "round_half_up"]


def _decimal(value: float | int | Decimal) -> Decimal:
    # str() gives the shortest repr that round-trips: 2.675 is "2.675", not 2.67499999…
    return value if isinstance(value, Decimal) else Decimal(str(value))


def round_half_up(value: float, digits: int = 0) -> float:
    """``value`` rounded to ``digits`` decimals, halves away from zero (``2.675`` → ``2.68``).

    Non-finite values are returned as they are.
    """
    if isinstance(value, bool) or not math.isfinite(value):
        return value
    quantum = Decimal(1).scaleb(-digits)
    return float(_decimal(value).quantize(quantum, rounding=ROUND_HALF_UP)) + 0.0  # + 0.0: no −0.0


def fi_number(value: float | int | Decimal | None, decimals: int = 0, *, sign: bool = False) -> str:
    """``-1234567.891, 2`` → ``−1 234 567,89`` (no-break spaces); with ``sign``, positives get ``+``.

    ``None``, NaN and infinities print as ``..``.
    """
    if value is None or isinstance(value, bool):
        return MISSING
    try:
        number = _decimal(value)
    except InvalidOperation:
        return MISSING
    if not number.is_finite():
        return MISSING
    if decimals < 0:
        raise ValueError("decimals must be >= 0")
    rounded = number.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    text = f"{abs(rounded):,.{decimals}f}".replace(",", NBSP).replace(".", ",")
    if rounded < 0:  # False for −0 after rounding, so "−0" never appears
        return MINUS + text
    if sign and rounded > 0:
        return "+" + text
    return text


def fi_percent(value: float | int | Decimal | None, decimals: int = 1, *, ratio: bool = False) -> str:
    """A percentage: ``12.345`` → ``12,3 %``; with ``ratio=True`` ``0.123`` → ``12,3 %``."""
    if value is None:
        return MISSING
    if ratio:
        value = _decimal(value) * 100
    text = fi_number(value, decimals)
    return text if text == MISSING else f"{text}{NBSP}%"


#: The unit of millions of euros in documents, prose and tables alike: "milj. €" (Kotus: the
#: abbreviation "milj." with the currency sign), joined with no-break spaces so it never wraps.
MEUR = f"milj.{NBSP}€"


def fi_meur(value_eur: float | int | Decimal | None, decimals: int = 1, *, sign: bool = False) -> str:
    """Euros as millions with the unit: ``-140_000_000`` → ``−140,0 milj. €`` (no-break spaces).

    The one way a document writes millions of euros, so the unit style is the same everywhere.
    """
    if value_eur is None or isinstance(value_eur, bool):
        return MISSING
    text = fi_number(
        value_eur / 1_000_000 if isinstance(value_eur, float) else _decimal(value_eur) / 1_000_000, decimals, sign=sign
    )
    return text if text == MISSING else f"{text}{NBSP}{MEUR}"
