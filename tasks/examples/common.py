"""Writing the generated files: the Finnish CSV dialect, numbers, the producers' fictional names."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from soteflow.numbers import round_half_up

Row = Sequence[object]


def fi(value: float) -> str:
    """A CSV number the Finnish way: decimal comma, no thousands separator, at most two decimals."""
    text = f"{round_half_up(value, 2):.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def fi2(value: float) -> str:
    """A price with exactly two decimals (``43,20``)."""
    return f"{round_half_up(value, 2):.2f}".replace(".", ",")


def csv_text(header: Sequence[str], rows: Sequence[Row], *, crlf: bool = False) -> str:
    """``;``-separated text, decimal comma for floats, empty for None."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if v is None else fi(v) if isinstance(v, float) else str(v) for v in row])
    return out.getvalue()


def write_csv(path: Path, header: Sequence[str], rows: Sequence[Row], *, encoding: str = "utf-8") -> Path:
    """Write a CSV file (UTF-8 unless told) and return its path."""
    path.write_bytes(csv_text(header, rows, crlf=encoding == "cp1252").encode(encoding))
    return path


def write_text(path: Path, text: str) -> Path:
    """Write a UTF-8 text file with ``\\n`` line ends."""
    path.write_bytes(text.encode("utf-8"))
    return path


def eur(value: float) -> int:
    """Whole euros, half up."""
    return int(round_half_up(value, 0))


def largest_remainder(total: float, weights: Sequence[float], decimals: int = 0) -> list[float]:
    """``total`` split by ``weights``, rounded to ``decimals``, summing exactly to the rounded total."""
    scale = 10**decimals
    units = round(total * scale)
    exact = [units * w / sum(weights) for w in weights]
    parts = [int(e) for e in exact]
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: units - sum(parts)]:
        parts[i] += 1
    return [p / scale for p in parts]


def business_id(number: int) -> str:
    """A well-formed fictional Finnish business id (y-tunnus) from a 7-digit number: the check
    digit by the official weights; numbers whose remainder is 1 (no valid check digit) move on."""
    while True:
        digits = f"{number % 10_000_000:07d}"
        remainder = sum(int(d) * w for d, w in zip(digits, (7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
        if remainder != 1:
            return f"{digits}-{0 if remainder == 0 else 11 - remainder}"
        number += 1
