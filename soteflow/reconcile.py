"""Cross-stage reconciliation: the dated tolerances and the stop.

A stage that takes figures from an earlier stage's approved round (volumes, modes, unit costs,
totals) compares them with its own inputs as :class:`~schemas.reconciliation.CrossCheck` lines.
:func:`enforce` stops the stage at the first line outside its tolerance with an
:class:`~soteflow.errors.InputError` that names both sources (exit status 2, nothing stored); the
lines within it go to the document's sources appendix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path

from pydantic import ValidationError

from schemas.reconciliation import CheckKind, CrossCheck, Tolerance
from soteflow.errors import InputError
from soteflow.language import fi_quantity
from soteflow.numbers import fi_number

__all__ = ["RULES_FILE", "describe", "enforce", "read_tolerance", "sources_note", "table_rows"]

#: The tolerances' file under the data folder.
RULES_FILE = Path("config") / "rules" / "reconciliation.toml"


def read_tolerance(path: Path, day: dt.date) -> Tolerance:
    """The tolerances valid on ``day``: the entry with the latest ``valid_from`` not after it."""
    # Imported here: soteflow.data brings pandas, which the rendering processes (this module's
    # table rows are a template filter) should not import.
    from soteflow.data.tomlfile import model_error, read_toml

    raw = read_toml(path)
    entries = raw.get("tolerances", [])
    parsed = []
    for number, entry in enumerate(entries):
        try:
            parsed.append(Tolerance.model_validate(entry))
        except ValidationError as exc:
            raise model_error(exc, path, f"tolerances.{number}.") from None
    valid = [t for t in parsed if t.valid_from <= day]
    if not valid:
        raise InputError(f"no reconciliation tolerance is valid on {day.isoformat()}", file=path, field="tolerances")
    return max(valid, key=lambda t: t.valid_from)


def _figure(value: float | None, unit: str) -> str:
    if unit.startswith("€/"):
        return f"{fi_number(value, 2)} {unit}"
    return fi_quantity(value, unit)


def describe(check: CrossCheck) -> str:
    """The disagreement in one sentence (English, as the CLI's messages are)."""
    if check.kind is CheckKind.SAME:
        return (
            f"{check.subject}: {check.basis_source} says {check.basis_text!r}, "
            f"but {check.input_source} says {check.input_text!r}"
        )
    rule = (
        f"this stage's figure is a part of the earlier stage's and may exceed it by at most "
        f"{fi_number(check.tolerance_pct, 1)} %"
        if check.kind is CheckKind.AT_MOST
        else f"the figures must agree (within {fi_number(check.tolerance_pct, 1)} % of the earlier stage's figure)"
    )
    return (
        f"{check.subject}: {check.input_source} gives {_figure(check.input_value, check.unit)}, "
        f"{check.basis_source} gives {_figure(check.basis_value, check.unit)}; {rule}"
    )


def enforce(checks: Sequence[CrossCheck]) -> None:
    """Raise an :class:`InputError` at the first check outside its tolerance, naming both sources
    and how many more disagree."""
    failing = [c for c in checks if not c.within]
    if not failing:
        return
    first = failing[0]
    more = f" ({len(failing) - 1} more figure(s) disagree as well)" if len(failing) > 1 else ""
    raise InputError(describe(first) + more, file=first.file, row=first.row, field=first.field, sheet=first.sheet)


def _fi_figure(check: CrossCheck, value: float | None, text: str | None) -> str:
    if check.kind is CheckKind.SAME:
        return text or ""
    return _figure(value, check.unit)


def _difference(check: CrossCheck) -> str:
    if check.kind is CheckKind.SAME:
        return "sama" if check.within else "eri"
    if check.kind is CheckKind.AT_MOST:
        share = 100 * (check.input_value or 0.0) / check.basis_value if check.basis_value else None
        return f"osuus {fi_number(share, 1)} % (enintään 100 %)"
    pct = check.difference_pct
    text = f"{fi_number(pct, 1, sign=True)} %" if pct is not None else fi_number(check.difference)
    return f"{text} (sallittu ± {fi_number(check.tolerance_pct, 1)} %)"


def table_rows(checks: Sequence[CrossCheck]) -> list[list[str]]:
    """The checks as the sources appendix prints them (Finnish): what is compared, the earlier
    stage's figure, this stage's figure, and the difference against the tolerance."""
    return [
        [
            check.subject,
            _fi_figure(check, check.basis_value, check.basis_text),
            _fi_figure(check, check.input_value, check.input_text),
            _difference(check),
        ]
        for check in checks
    ]


def sources_note(checks: Sequence[CrossCheck]) -> str:
    """The sources of the checks, each named once, in order: the earlier stages', then this stage's."""
    earlier = list(dict.fromkeys(c.basis_source for c in checks))
    own = list(dict.fromkeys(c.input_source for c in checks))
    return "Lähteet: " + "; ".join([*earlier, *own]) + "."
