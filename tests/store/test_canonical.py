"""Canonical JSON: the byte form whose hash identifies an artefact."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import math
import uuid

import pytest
from pydantic import BaseModel

from soteflow.store.canonical import canonical_json, canonical_text, sha256_hex, to_json_value


class Row(BaseModel):
    municipality: str
    share: float
    day: dt.date


def test_sorted_keys_no_whitespace_utf8() -> None:
    assert canonical_json({"b": 1, "a": {"ö": "Äänekoski", "c": [1, 2.5]}}) == (
        '{"a":{"c":[1,2.5],"ö":"Äänekoski"},"b":1}'.encode()
    )


def test_model_and_equal_dict_give_same_bytes() -> None:
    row = Row(municipality="Tampere", share=0.25, day=dt.date(2025, 1, 31))
    assert canonical_json(row) == canonical_json({"day": "2025-01-31", "municipality": "Tampere", "share": 0.25})
    assert canonical_json([row]) == b"[" + canonical_json(row) + b"]"
    assert to_json_value(row) == {"day": "2025-01-31", "municipality": "Tampere", "share": 0.25}


def test_key_order_does_not_change_hash() -> None:
    assert sha256_hex(canonical_json({"x": 1, "y": 2})) == sha256_hex(canonical_json({"y": 2, "x": 1}))


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_nan_and_infinity_refused(value: float) -> None:
    with pytest.raises(ValueError):
        canonical_json({"v": value})


def test_sets_refused_because_their_order_is_not_stable() -> None:
    with pytest.raises(TypeError):
        canonical_json({"v": {"a", "b"}})


def test_extra_scalar_types() -> None:
    value = {
        "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
        "amount": decimal.Decimal("10.10"),
        "at": dt.datetime(2025, 1, 1, 12, tzinfo=dt.UTC),
    }
    assert json.loads(canonical_json(value)) == {
        "amount": "10.10",
        "at": "2025-01-01T12:00:00+00:00",
        "id": "12345678-1234-5678-1234-567812345678",
    }


def test_canonical_text_round_trip_and_detects_non_canonical_text() -> None:
    data = canonical_json({"b": [1, 2], "a": "ä"})
    assert canonical_text(data.decode()) == data
    assert canonical_text('{ "a": "ä", "b": [1,2] }') == data  # same value, other spelling


def test_sha256_hex_matches_hashlib() -> None:
    assert sha256_hex(b"abc") == hashlib.sha256(b"abc").hexdigest()
    assert sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
