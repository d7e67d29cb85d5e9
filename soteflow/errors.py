"""One exception family for bad input.

Every reader and validator raises :class:`InputError` (or a subclass) with the file, and where
known the row, field and sheet, so the CLI can print one clear line and exit with status 2.
"""

from __future__ import annotations

from pathlib import Path


class SoteflowError(Exception):
    """Base class of soteflow's own errors."""


class InputError(SoteflowError):
    """Bad input: names the file, and where known the sheet, row and field, and the reason."""

    def __init__(
        self,
        reason: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        field: str | None = None,
        sheet: str | None = None,
    ) -> None:
        self.reason = reason
        self.file = str(file) if file is not None else None
        self.row = row
        self.field = field
        self.sheet = sheet
        super().__init__(self.message)

    @property
    def message(self) -> str:
        """The one-line message: ``file, sheet S, row R, field F: reason``."""
        where = [self.file] if self.file else []
        if self.sheet is not None:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field is not None:
            where.append(f"field {self.field}")
        return f"{', '.join(where)}: {self.reason}" if where else self.reason


class UnknownRegionError(InputError):
    """A region code or name that is not one of the welfare-region areas in the data."""


class StoreIntegrityError(SoteflowError):
    """The artefact store does not verify: a hash or a chain does not match."""
