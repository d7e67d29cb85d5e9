"""Factories of the store tests (plain functions, imported by the tests; conftest holds fixtures only)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from schemas.decisions import DecisionRecord, Outcome
from soteflow.stagekit import PersistedCase, ref
from soteflow.store import ArtefactVersion, Store, StoreTransaction


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


def propose_round(
    store: Store, *, stage: str = "needs", cycle: int = 2026, content: int = 1, basis: Sequence[ArtefactVersion] = ()
) -> PersistedCase:
    """One case's round as the engine stores it, proposed: a data table, the proposal computed
    from it (and from ``basis``, earlier stages' proposals) and the decision document rendered
    from the proposal. Returns the case as :func:`soteflow.stagekit.persist_case` would."""
    common: dict[str, Any] = {"cycle": cycle, "stage": stage}
    with store.transaction(actor=f"flow:{stage}") as tx:
        table = save_json(tx, {"rows": content}, key=f"{stage}-index", **common)
        proposal = save_json(
            tx, {"proposal": content}, key=f"{stage}-proposal", kind="proposal", inputs=[table, *basis], **common
        )
        document = save_file(
            tx, f"%PDF {stage} {content}".encode(), key=f"{stage}-decision-pdf", inputs=[proposal], **common
        )
        for version in (table, proposal, document):
            if version.status.value == "draft":
                tx.set_status(version, "proposed")
    versions = {
        f"{stage}-index": ref(table, f"{stage}-index"),
        f"{stage}-proposal": ref(proposal, f"{stage}-proposal"),
        f"{stage}-decision-pdf": ref(document, f"{stage}-decision-pdf"),
    }
    return PersistedCase(
        case=stage, versions=versions, proposal_key=f"{stage}-proposal", document_keys=(f"{stage}-decision-pdf",)
    )


def decision(outcome: str = "approved", **overrides: Any) -> DecisionRecord:
    """A body's decision with test defaults."""
    fields: dict[str, Any] = {
        "outcome": Outcome(outcome),
        "body": "Aluehallitus",
        "meeting_date": dt.date(2026, 9, 7),
        "section": "101",
        "comments": "" if outcome != "returned" else "Täydennettävä.",
        "recorded_by": "Sihteeri",
    }
    fields.update(overrides)
    return DecisionRecord(**fields)
