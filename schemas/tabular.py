"""Field types for rows read from the spreadsheets and CSV files users keep.

Finnish finance exports write numbers with a decimal comma and a space (or a no-break space) as
the thousands separator, percentages with a ``%`` sign, and dates as ``d.m.yyyy``. These
annotated types accept those forms as well as real numbers and dates (from .xlsx cells), so a
schema declares ``FiFloat`` and every reader gets the same parsing and the same error text.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Annotated, Any

from pydantic import BeforeValidator

_SPACES = re.compile(r"[\s\u00a0\u202f]")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def parse_fi_number(value: Any) -> Any:
    """``"1 234,5"`` → ``1234.5``; ``"12 %"`` → ``12.0``; empty → ``None``; numbers pass through.

    A string that is not a number raises ``ValueError`` with the text quoted, so the reader's
    error names the value as the user sees it in the file.
    """
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{value!r} is not a finite number")
    if isinstance(value, int | float):
        return value
    if not isinstance(value, str):
        return value
    text = _SPACES.sub("", value).removesuffix("%").replace("\u2212", "-")
    if text == "":
        return None
    if "," in text:
        if "." in text:  # "1.234,5": dots as thousands separators
            text = text.replace(".", "")
        text = text.replace(",", ".")
    if not _NUMBER.match(text):
        raise ValueError(f"{value!r} is not a number")
    number = float(text)
    if not math.isfinite(number):  # "1e999" overflows to infinity: no figure is that large
        raise ValueError(f"{value!r} is not a finite number")
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def parse_fi_date(value: Any) -> Any:
    """``"3.9.2024"`` or ``"2024-09-03"`` → a date; datetimes from .xlsx cells → their date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, str):
        text = value.strip()
        if text == "":
            return None
        match = re.fullmatch(r"(\d{1,2})\.(\d{1,2})\.(\d{4})", text)
        try:
            if match:
                day, month, year = (int(g) for g in match.groups())
                return dt.date(year, month, day)
            return dt.date.fromisoformat(text)
        except ValueError:
            raise ValueError(f"{value!r} is not a date (d.m.yyyy or yyyy-mm-dd)") from None
    return value


def strip_text(value: Any) -> Any:
    """Text cells lose surrounding whitespace; an empty cell is ``None``; numbers become text."""
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


#: A number as written in Finnish exports (decimal comma, spaces between thousands, optional %).
FiFloat = Annotated[float, BeforeValidator(parse_fi_number)]
#: A whole number as written in Finnish exports; ``"1 200"`` is 1200, ``"1,5"`` is an error.
FiInt = Annotated[int, BeforeValidator(parse_fi_number)]
#: A date as ``d.m.yyyy`` or ISO.
FiDate = Annotated[dt.date, BeforeValidator(parse_fi_date)]
#: A text cell, stripped; empty is missing.
Text = Annotated[str, BeforeValidator(strip_text)]
