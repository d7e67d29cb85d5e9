"""Canonical JSON and hashing: the one definition of "the same content".

Every artefact's identity is the SHA-256 of its canonical JSON bytes, so the canonical form must
be byte-for-byte stable across processes, machines and Python versions. Other packages (documents
embedding the JSON, gates printing the hash) use these helpers rather than their own ``json.dumps``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import enum
import hashlib
import json
import uuid
from typing import Any

from pydantic import BaseModel

__all__ = ["canonical_json", "canonical_text", "sha256_hex", "to_json_value"]


def _default(obj: Any) -> Any:
    """Turn the few non-JSON values we accept into JSON values; refuse everything else."""
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    if isinstance(obj, enum.Enum):
        return obj.value
    if isinstance(obj, dt.datetime | dt.date | dt.time):
        return obj.isoformat()
    if isinstance(obj, uuid.UUID):
        return str(obj)
    if isinstance(obj, decimal.Decimal):
        # As a string: a float would silently change the value, and so the hash.
        return str(obj)
    # Sets are refused on purpose: their iteration order is not stable across processes
    # (string hash randomisation), so they would make the hash non-reproducible.
    raise TypeError(f"value of type {type(obj).__name__} has no canonical JSON form")


def to_json_value(obj: Any) -> Any:
    """The plain JSON value (dict, list, str, int, float, bool, None) of ``obj``.

    Pydantic models are dumped with ``model_dump(mode="json")``; dicts and lists may contain
    models, enums, dates, UUIDs and decimals.
    """
    if isinstance(obj, BaseModel):
        return obj.model_dump(mode="json")
    result: Any = json.loads(canonical_json(obj))
    return result


def canonical_json(obj: Any) -> bytes:
    """The canonical UTF-8 JSON bytes of ``obj``: sorted keys, no whitespace, no NaN/Infinity.

    ``obj`` may be a pydantic model (dumped with ``model_dump(mode="json")``), or a dict, list or
    scalar JSON value (which may contain models, enums, dates, UUIDs and decimals).

    Raises:
        ValueError: for NaN or infinite floats (they have no JSON form).
        TypeError: for values with no canonical form (sets, arbitrary objects).
    """
    if isinstance(obj, BaseModel):
        obj = obj.model_dump(mode="json")
    return json.dumps(
        obj,
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        allow_nan=False,
        default=_default,
    ).encode("utf-8")


def canonical_text(text: str | bytes) -> bytes:
    """Re-canonicalise stored JSON text: parse it and return its canonical bytes.

    Used by verification: a stored payload is intact only if this gives back the very bytes
    that were hashed.
    """
    return canonical_json(json.loads(text))


def sha256_hex(data: bytes) -> str:
    """The lowercase hexadecimal SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()
