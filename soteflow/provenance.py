"""What a stored result was computed by: code fingerprints, schema versions and cache keys.

A cached or stored result is only honest if everything that changes it is in its key: the
inputs (arguments and the bytes of input files), the code that computes it and the templates
it is rendered with. Here that is made concrete:

* :func:`code_fingerprint` hashes source trees (every ``*.py`` file and every template file), so
  a fix anywhere in the computing code gives a new fingerprint;
* :func:`code_version` is what a version records: the package version plus that fingerprint;
* :func:`schema_version` is the hash of a payload model's JSON Schema, so it changes exactly
  when the schema a reader validates against changes;
* :func:`digest` hashes arguments canonically (pydantic models by their canonical JSON).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from enum import Enum
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from soteflow import __version__
from soteflow.store.canonical import canonical_json

#: Files of a source tree that are code: Python modules and everything a template folder holds.
_SKIP_DIRS = {"__pycache__", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
_SKIP_SUFFIXES = {".pyc", ".pyo"}


def _files(root: Path) -> Iterable[Path]:
    if root.is_file():
        yield root
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix not in _SKIP_SUFFIXES and not _SKIP_DIRS.intersection(path.parts):
            yield path


@lru_cache(maxsize=64)
def _fingerprint(roots: tuple[Path, ...]) -> str:
    digest = hashlib.sha256()
    for root in roots:
        for path in _files(root):
            name = path.relative_to(root.parent).as_posix().encode()
            digest.update(len(name).to_bytes(4, "big") + name)
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def code_fingerprint(roots: Iterable[Path]) -> str:
    """SHA-256 over the files of ``roots`` (folders or files), by relative name and content.

    Computed once per process and set of roots: code does not change under a running process.
    """
    return _fingerprint(tuple(sorted(Path(r).resolve() for r in roots)))


def clear_fingerprints() -> None:
    """Forget computed fingerprints (tests that edit source files)."""
    _fingerprint.cache_clear()


def code_version(fingerprint: str) -> str:
    """The code version a stored version records: ``<package version>+<fingerprint prefix>``."""
    return f"{__version__}+{fingerprint[:12]}"


@lru_cache(maxsize=256)
def schema_version(model: type[BaseModel]) -> str:
    """The version of a payload schema: the first 12 hex digits of its JSON Schema's SHA-256."""
    schema = json.dumps(model.model_json_schema(), sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(schema.encode("utf-8")).hexdigest()[:12]


def _canonical(value: Any) -> bytes:
    if isinstance(value, BaseModel):
        return b"M" + canonical_json(value)
    if isinstance(value, Path):
        return b"P" + str(value).encode()
    if isinstance(value, Mapping):
        items = sorted((str(k), v) for k, v in value.items())
        return b"{" + b",".join(k.encode() + b":" + _canonical(v) for k, v in items) + b"}"
    if isinstance(value, list | tuple):
        return b"[" + b",".join(_canonical(v) for v in value) + b"]"
    if value is None or isinstance(value, str | int | float | bool | Enum | dt.date):
        return canonical_json(value)
    # Anything else (a DataFrame, an arbitrary object) has no canonical form: refuse rather than
    # key a cache by a repr that two different values could share.
    raise TypeError(f"a step argument of type {type(value).__name__} cannot be part of a cache key")


def digest(*parts: Any) -> str:
    """SHA-256 over ``parts``, each in a canonical form (models as canonical JSON, mappings sorted)."""
    hasher = hashlib.sha256()
    for part in parts:
        data = _canonical(part)
        hasher.update(len(data).to_bytes(8, "big") + data)
    return hasher.hexdigest()


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes (streamed), or ``"missing"`` when there is no such file."""
    if not path.is_file():
        return "missing"
    hasher = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()
