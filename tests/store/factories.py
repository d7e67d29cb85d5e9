"""Factories of the store tests (plain functions, imported by the tests; conftest holds fixtures only)."""

from __future__ import annotations

from typing import Any

from soteflow.store import ArtefactVersion, StoreTransaction


def save_json(tx: StoreTransaction, payload: Any, **overrides: Any) -> ArtefactVersion:
    """Save a JSON version with test defaults (a factory as a plain function)."""
    fields: dict[str, Any] = {
        "region": "HVA08",
        "cycle": 2025,
        "stage": "needs",
        "key": "needs-profile",
        "kind": "table",
        "title": "Palvelutarveprofiili",
        "schema_name": "NeedsProfile",
        "schema_version": "1",
        "code_version": "test",
    }
    fields.update(overrides)
    return tx.save_json(payload=payload, **fields)


def save_file(tx: StoreTransaction, content: bytes, **overrides: Any) -> ArtefactVersion:
    """Save a PDF file version with test defaults."""
    fields: dict[str, Any] = {
        "region": "HVA08",
        "cycle": 2025,
        "stage": "needs",
        "key": "needs-proposal",
        "kind": "document",
        "title": "Päätösesitys",
        "media_type": "application/pdf",
        "schema_name": "NeedsProposal",
        "schema_version": "1",
        "code_version": "test",
    }
    fields.update(overrides)
    return tx.save_file(content=content, **fields)
