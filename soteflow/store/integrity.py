"""The hashes that make every stored row tamper-evident, the store's root hash and its anchor.

Three kinds of rows are covered, each by the SHA-256 of a canonical JSON record:

* a **version** (``record_hash``): its content hash and size, its place in the artefact's chain,
  the artefact's identity (region, cycle, stage, key, kind, title), its lineage, schema and code
  version, run ids and timestamp, and the previous version's ``record_hash`` — so the metadata of
  an artefact is a hash chain of its own, beside the content chain (``chain_hash``);
* a **decision** (``record_hash``): every field, including the comments and who recorded it;
* an **audit event** (``hash``): its sequence number, time, actor, action, subject, details and
  the previous event's hash — the audit log is one hash chain over the whole store. Statuses are
  not frozen in the version row (they change by design); each change is an audit event, and
  verification replays the log to find the status every version must have.

The **root hash** folds the head of every artefact's chain and the head of the audit log into one
value. An **anchor** is that root with its parts, kept outside the store (printed, filed with the
minutes): a store rewritten consistently after the anchor was taken no longer matches it.

A **store point** (:class:`StorePoint`) is the root as it stood at one event of the audit log: the
event that wrote a proposal version. Every decision document prints the point of the proposal it
presents and embeds it as a small JSON file, so the document itself is an anchor
(``soteflow verify --document``). Why that point and that root:

* *Reproducible.* Documents are byte-reproducible and reused when nothing in them changed, while
  the store's current root changes with every write. The point is a function of the proposal
  version alone — the sequence number ``N`` of its ``version.created`` event — so every render of
  the same proposal prints the same point, and an unchanged re-run stores nothing new.
* *Recomputable.* The root at ``N`` is :func:`root_hash` over the chains as they stood after event
  ``N`` (each artefact's versions whose creation event is at or before ``N``: their number and
  the newest one's ``record_hash``) and the audit log's head then (``N`` and the hash of event
  ``N``). The log is append-only and its events are numbered without gaps, so that state can be
  recomputed from the store at any later time; it is the root an anchor taken right after event
  ``N`` would show — one notion of root for anchors, ``verify`` and documents.
* *Sound.* Event ``N``'s hash alone already commits to every earlier event, and the
  ``version.created`` and ``decision.recorded`` events carry the record hashes of what they wrote.
  The root also commits to the stored rows directly (their ``record_hash``), so a row rewritten
  without touching the log and a log rewritten and re-chained are both found, each named.
* *Including the proposal.* ``N`` is the proposal's own creation event, not the one before it:
  the root then covers the proposal version's record too (metadata, lineage), not only the
  content hash the footer prints beside it.

The document also embeds the chain heads of the proposal and of every version it was computed from
(its lineage), up to the versions used, so a rewrite of its own basis is named by artefact; a
rewrite elsewhere is found through the root and the audit log's hash at ``N``.

The formulas are part of the stored data: changing one needs a new ``FORMAT`` and a migration.
Functions take plain attribute-bearing objects (ORM rows or SQLAlchemy result rows), so the
migrations compute the same values as the repository.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from soteflow.store.canonical import canonical_json, sha256_hex

__all__ = [
    "ANCHOR_FORMAT",
    "FORMAT",
    "POINT_FILENAME",
    "POINT_FORMAT",
    "Anchor",
    "AnchoredChain",
    "StorePoint",
    "audit_event_hash",
    "chain_label",
    "chains_of",
    "decision_record_hash",
    "root_hash",
    "version_record_hash",
]

#: Version of the record formulas below (part of every hashed record).
FORMAT = 1

#: The anchor file's format tag.
ANCHOR_FORMAT = "soteflow-anchor/1"

#: The format tag of a store point embedded in a document.
POINT_FORMAT = "soteflow-store-point/1"

#: File name of the store point embedded in a document's PDF ("the state of the record").
POINT_FILENAME = "tallenteen-tila.json"


def _text(value: Any) -> Any:
    """A value in the one textual form it is hashed in (enums by value, ids and times as text)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # a raw SQLite value: the store keeps UTC
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, str):
        return value
    return getattr(value, "value", value)


def _hash(record: dict[str, Any]) -> str:
    return sha256_hex(canonical_json(record))


def version_record_hash(artefact: Any, version: Any, prev_record_hash: str | None) -> str:
    """The ``record_hash`` of a version: everything stored about it except its status.

    ``artefact`` and ``version`` are rows (ORM objects or result rows with the column names);
    ``prev_record_hash`` is the previous version's ``record_hash`` (None for version 1).
    """
    return _hash(
        {
            "format": FORMAT,
            "artefact": {
                "id": _text(artefact.id),
                "region": artefact.region,
                "cycle": artefact.cycle,
                "stage": artefact.stage,
                "key": artefact.key,
                "kind": artefact.kind,
                "title": artefact.title,
                "created_at": _text(artefact.created_at),
            },
            "id": _text(version.id),
            "version": version.version,
            "sha256": version.sha256,
            "size": version.size,
            "media_type": version.media_type,
            "file_path": version.file_path,
            "prev_sha256": version.prev_sha256,
            "chain_hash": version.chain_hash,
            "schema_name": version.schema_name,
            "schema_version": version.schema_version,
            "code_version": version.code_version,
            "inputs": version.inputs,
            "flow_run_id": version.flow_run_id,
            "task_run_id": version.task_run_id,
            "created_at": _text(version.created_at),
            "prev_record_hash": prev_record_hash,
        }
    )


def decision_record_hash(decision: Any) -> str:
    """The ``record_hash`` of a decision: every field of the row."""
    return _hash(
        {
            "format": FORMAT,
            "id": _text(decision.id),
            "version_id": _text(decision.version_id),
            "sha256": decision.sha256,
            "body": decision.body,
            "outcome": _text(decision.outcome),
            "meeting_date": _text(decision.meeting_date),
            "section": decision.section,
            "decision_number": decision.decision_number,
            "comments": decision.comments,
            "recorded_by": decision.recorded_by,
            "recorded_at": _text(decision.recorded_at),
            "flow_run_id": decision.flow_run_id,
        }
    )


def audit_event_hash(event: Any, *, seq: int, prev_hash: str | None) -> str:
    """The ``hash`` of an audit event at position ``seq`` after the event whose hash is ``prev_hash``."""
    return _hash(
        {
            "format": FORMAT,
            "seq": seq,
            "id": _text(event.id),
            "at": _text(event.at),
            "actor": event.actor,
            "action": event.action,
            "artefact_id": _text(event.artefact_id),
            "version_id": _text(event.version_id),
            "details": event.details,
            "prev_hash": prev_hash,
        }
    )


def chain_label(region: str, cycle: int, key: str) -> str:
    """How an artefact's chain is named in anchors and reports: ``HVA08/2026/needs-index``."""
    return f"{region}/{cycle}/{key}"


class AnchoredChain(BaseModel):
    """The head of one artefact's chain when the anchor was taken."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    artefact: str = Field(description="region/cycle/key")
    versions: int = Field(ge=1, description="Number of versions then.")
    head: str = Field(min_length=64, max_length=64, description="record_hash of the newest version then.")


class Anchor(BaseModel):
    """The store's root hash and its parts at one moment, to keep outside the store."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str = Field(default=ANCHOR_FORMAT, description="Format tag.")
    root: str = Field(min_length=64, max_length=64, description="Root hash over the chains and the audit log.")
    audit_events: int = Field(ge=0, description="Events in the audit log then (its last sequence number).")
    audit_head: str | None = Field(description="Hash of the last audit event then.")
    chains: list[AnchoredChain] = Field(description="Every artefact's chain head, in label order.")
    taken_at: dt.datetime = Field(description="When the anchor was taken (UTC).")
    signed_off_by: str | None = Field(default=None, max_length=200, description="Who took it, if named.")

    def recomputed_root(self) -> str:
        """The root hash the anchor's own parts give (equal to ``root`` unless the file was edited)."""
        return root_hash(
            [(c.artefact, c.versions, c.head) for c in self.chains],
            audit_events=self.audit_events,
            audit_head=self.audit_head,
        )


def root_hash(chains: list[tuple[str, int, str]], *, audit_events: int, audit_head: str | None) -> str:
    """The store's root hash: ``chains`` as (label, versions, head record_hash) and the audit log's head."""
    return _hash(
        {
            "format": FORMAT,
            "chains": [list(c) for c in sorted(chains)],
            "audit": [audit_events, audit_head],
        }
    )


def chains_of(versions: list[tuple[str, int, str | None]]) -> list[AnchoredChain]:
    """The chain heads of ``versions`` given as (label, version number, record_hash), in label order.

    Each artefact's chain is its versions in the list: their number, and the ``record_hash`` of the
    highest-numbered one (a missing hash as zeros, so the root still computes and differs).
    """
    heads: dict[str, tuple[int, str | None]] = {}
    counts: dict[str, int] = {}
    for label, number, record in versions:
        counts[label] = counts.get(label, 0) + 1
        if label not in heads or number > heads[label][0]:
            heads[label] = (number, record)
    return [
        AnchoredChain(artefact=label, versions=counts[label], head=heads[label][1] or "0" * 64)
        for label in sorted(heads)
    ]


class StorePoint(BaseModel):
    """The store's root hash at the audit event that wrote a proposal version (see the module docstring).

    Printed in the footer of every decision document of that proposal ("Tallenteen tila
    laadittaessa: tapahtuma N, juuri …") and embedded in its PDF as ``tallenteen-tila.json``.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    format: str = Field(default=POINT_FORMAT, description="Format tag.")
    event: int = Field(ge=1, description="Sequence number of the audit event that wrote the proposal version.")
    audit_head: str = Field(min_length=64, max_length=64, description="Hash of that audit event.")
    root: str = Field(min_length=64, max_length=64, description="Root hash of the store as of that event.")
    region: str = Field(description="Region of the proposal.")
    cycle: int = Field(description="Cycle year of the proposal.")
    key: str = Field(description="Artefact key of the proposal.")
    version: int = Field(ge=1, description="Version number of the proposal.")
    version_id: uuid.UUID = Field(description="Id of the proposal version.")
    sha256: str = Field(min_length=64, max_length=64, description="Content hash of the proposal version.")
    basis: list[AnchoredChain] = Field(
        description="Chain heads of the proposal and of the versions it was computed from, up to the versions used."
    )

    @property
    def short_root(self) -> str:
        """The first 16 hex digits of the root, as the footer prints them."""
        return self.root[:16]

    def to_bytes(self) -> bytes:
        """The point as canonical JSON, the bytes embedded in the document."""
        return canonical_json(self.model_dump(mode="json"))
