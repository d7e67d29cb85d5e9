"""Configuration and region files in TOML: read with one clear error naming the file, and a
pydantic validation error turned into one naming the file and the dotted field."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from soteflow.errors import InputError

__all__ = ["model_error", "read_toml"]


def read_toml(path: Path) -> dict[str, Any]:
    """The TOML file's table, or an :class:`InputError` (syntax error, unreadable file)."""
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"TOML syntax error: {exc}", file=path) from None
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=path) from None


def model_error(exc: ValidationError, path: Path, prefix: str = "") -> InputError:
    """The first error of a model validated from ``path``, naming the dotted field (after ``prefix``)."""
    error = exc.errors()[0]
    dotted = ".".join(str(p) for p in error["loc"])
    return InputError(str(error["msg"]).removeprefix("Value error, "), file=path, field=prefix + dotted)
