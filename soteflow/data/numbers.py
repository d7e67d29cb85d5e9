"""Finnish number formatting for generated text: decimal comma, space as thousands separator."""

from __future__ import annotations

MINUS = "\u2212"  # the typographic minus sign used in Finnish text


def fmt_fi(value: float, decimals: int = 1, *, sign: bool = False) -> str:
    """Format ``value`` the Finnish way: ``1 234,5``; ``−3,2``; with ``sign``, ``+3,2``.

    Rounding is Python's fixed-point formatting, so the same float always gives the same text.
    """
    text = f"{abs(value):,.{decimals}f}".replace(",", " ").replace(".", ",")
    is_zero = float(f"{abs(value):.{decimals}f}") == 0.0
    if value < 0 and not is_zero:
        return MINUS + text
    if sign and not is_zero:
        return "+" + text
    return text
