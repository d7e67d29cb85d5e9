"""``soteflow verify``: re-hash everything stored, replay the audit log, compute the root hash.

Reads the whole store in one read transaction (a consistent snapshot) and checks:

* every version: its JSON text is canonical and hashes to ``sha256`` (a file: exists at its
  content address and hashes to it), ``size``, the content chain (``prev_sha256``,
  ``chain_hash``), version numbers 1..n, and its ``record_hash`` — which covers its metadata and
  its artefact's identity, chained per artefact (:mod:`soteflow.store.integrity`);
* every decision: its ``record_hash``, and that it was made on the version's current ``sha256``;
* the audit log: one hash chain (``seq`` 1..n, ``prev_hash``, ``hash``); then a replay of it —
  every artefact, version and decision must be in the log as it is stored (a field changed since
  is named), and every version's status must be the one its logged changes lead to;
* lineage references point at existing versions with the hash that was used;
* against an anchor taken earlier (:func:`make_anchor`): the audit log still has the anchored
  event with the anchored hash, and each anchored chain still has its anchored head — so a
  rewrite made consistently (hashes recomputed, log re-chained), or the deletion of a newest
  version, is found too.

* against a decision document (``document``, the :class:`~soteflow.store.integrity.StorePoint`
  it embeds): the audit log still has the document's event with its hash, the store's root as of
  that event is still the one the document printed, the proposal version it presents still has
  its content hash and record, and the chains it was computed from still have the heads it saw.
  A later legitimate write changes none of these; a rewrite of anything at or before the event
  does, even one with every hash recomputed.

It also computes the store's **root hash**, reports files a crash left in the blob folder (not
integrity problems: they make the store larger, not wrong), and warns about approved rounds that
rest on a basis that has been superseded since (:func:`stale_rounds`).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlmodel import Session, col, select

from soteflow.store.blobs import BlobStore, file_sha256
from soteflow.store.canonical import canonical_text, sha256_hex
from soteflow.store.errors import StoreIntegrityError
from soteflow.store.integrity import (
    Anchor,
    AnchoredChain,
    StorePoint,
    audit_event_hash,
    chain_label,
    chains_of,
    decision_record_hash,
    root_hash,
    version_record_hash,
)
from soteflow.store.models import Artefact, ArtefactVersion, AuditEvent, Decision, LineageRef, VersionStatus
from soteflow.store.repo import FINAL_STATUSES, Store, chain_hash_of, find_leftovers

__all__ = [
    "Problem",
    "StaleRound",
    "VerificationReport",
    "make_anchor",
    "stale_rounds",
    "store_point",
    "verify",
]

_DECIDED = {VersionStatus.APPROVED, VersionStatus.RETURNED, VersionStatus.REJECTED, VersionStatus.NOTED}

#: Audit-event detail fields compared with the row they describe, per action: (detail, how the
#: row's value is read). Older events carry fewer fields; only those present are compared.
_VERSION_FIELDS: dict[str, Callable[[ArtefactVersion], Any]] = {
    "version": lambda v: v.version,
    "sha256": lambda v: v.sha256,
    "size": lambda v: v.size,
    "media_type": lambda v: v.media_type,
    "file_path": lambda v: v.file_path,
    "prev_sha256": lambda v: v.prev_sha256,
    "chain_hash": lambda v: v.chain_hash,
    "schema_name": lambda v: v.schema_name,
    "schema_version": lambda v: v.schema_version,
    "code_version": lambda v: v.code_version,
    "inputs": lambda v: v.inputs,
    "flow_run_id": lambda v: v.flow_run_id,
    "task_run_id": lambda v: v.task_run_id,
    "created_at": lambda v: _iso(v.created_at),
    "record_hash": lambda v: v.record_hash,
}
_DECISION_FIELDS: dict[str, Callable[[Decision], Any]] = {
    "outcome": lambda d: _value(d.outcome),
    "sha256": lambda d: d.sha256,
    "body": lambda d: d.body,
    "meeting_date": lambda d: d.meeting_date.isoformat(),
    "section": lambda d: d.section,
    "decision_number": lambda d: d.decision_number,
    "comments": lambda d: d.comments,
    "recorded_by": lambda d: d.recorded_by,
    "recorded_at": lambda d: _iso(d.recorded_at),
    "flow_run_id": lambda d: d.flow_run_id,
    "record_hash": lambda d: d.record_hash,
}
_ARTEFACT_FIELDS: dict[str, Callable[[Artefact], Any]] = {
    "region": lambda a: a.region,
    "cycle": lambda a: a.cycle,
    "stage": lambda a: a.stage,
    "key": lambda a: a.key,
    "kind": lambda a: a.kind,
    "title": lambda a: a.title,
    "created_at": lambda a: _iso(a.created_at),
}


def _ref_id(raw: Any) -> uuid.UUID | None:
    """The version id of a stored lineage reference, or None if it has none."""
    try:
        return uuid.UUID(str(raw.get("version_id")))
    except (AttributeError, ValueError):
        return None


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat()


def _value(value: Any) -> Any:
    return getattr(value, "value", value)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 90 else text[:87] + "…"


class Problem(BaseModel):
    """One thing wrong in the store (or, as a warning, one thing to look at)."""

    region: str | None = Field(default=None, description="Region of the artefact concerned, if one.")
    cycle: int | None = Field(default=None, description="Cycle year of the artefact concerned, if one.")
    key: str | None = Field(default=None, description="Key of the artefact concerned, if one.")
    version: int | None = Field(default=None, description="Version number concerned, if one.")
    version_id: uuid.UUID | None = Field(default=None, description="Version id concerned, if one.")
    event: int | None = Field(default=None, description="Audit-log event (sequence number) concerned, if one.")
    code: str = Field(description="Machine-readable kind of problem, e.g. payload-hash.")
    message: str = Field(description="What is wrong, for people.")

    def __str__(self) -> str:
        if self.key is not None:
            where = f"{self.region}/{self.cycle}/{self.key}"
            if self.version is not None:
                where += f" v{self.version}"
        elif self.event is not None:
            where = f"audit log #{self.event}"
        else:
            where = "store"
        return f"{where}: {self.message} [{self.code}]"


class VerificationReport(BaseModel):
    """The result of :func:`verify`."""

    artefacts: int = Field(default=0, description="Artefacts checked.")
    versions: int = Field(default=0, description="Versions checked.")
    decisions: int = Field(default=0, description="Decisions checked.")
    audit_events: int = Field(default=0, description="Audit-log events checked.")
    blobs: int = Field(default=0, description="Blob files found.")
    problems: list[Problem] = Field(default_factory=list, description="Integrity problems.")
    warnings: list[Problem] = Field(default_factory=list, description="Stale bases: approved on a superseded basis.")
    orphan_blobs: list[str] = Field(default_factory=list, description="Blob files no version references.")
    temp_files: list[str] = Field(default_factory=list, description="Temporary files of unfinished writes.")
    root: str = Field(default="", description="Root hash over every artefact's chain and the audit log.")
    audit_head: str | None = Field(default=None, description="Hash of the last audit event.")
    chains: list[AnchoredChain] = Field(default_factory=list, description="Every artefact's chain head.")
    anchor_checked: bool = Field(default=False, description="Whether an anchor was checked.")
    document_checked: bool = Field(default=False, description="Whether a document's store point was checked.")

    @property
    def ok(self) -> bool:
        """True when no integrity problem was found (leftover files and warnings are not problems)."""
        return not self.problems

    @property
    def clean(self) -> bool:
        """True when there is nothing to report at all (``verify --strict``)."""
        return self.ok and not self.warnings and not self.orphan_blobs and not self.temp_files

    def raise_for_problems(self) -> None:
        """Raise :class:`StoreIntegrityError` listing the problems, if there are any."""
        if self.problems:
            lines = "\n".join(f"- {p}" for p in self.problems)
            raise StoreIntegrityError(f"the artefact store does not verify ({len(self.problems)} problems):\n{lines}")

    def summary(self) -> str:
        """One line for the CLI."""
        state = "OK" if self.ok else f"{len(self.problems)} PROBLEMS"
        return (
            f"{state}: {self.artefacts} artefacts, {self.versions} versions, {self.decisions} decisions, "
            f"{self.audit_events} audit events, {self.blobs} blob files, {len(self.orphan_blobs)} orphan blob files, "
            f"{len(self.temp_files)} temporary files, {len(self.warnings)} warnings"
            + (", anchor matches" if self.anchor_checked and self.ok else "")
            + (", document matches" if self.document_checked and self.ok else "")
        )

    def anchor(self, *, signed_off_by: str | None = None) -> Anchor:
        """The anchor of the verified state (see :func:`make_anchor`)."""
        return Anchor(
            root=self.root,
            audit_events=self.audit_events,
            audit_head=self.audit_head,
            chains=self.chains,
            taken_at=dt.datetime.now(dt.UTC),
            signed_off_by=signed_off_by,
        )


@dataclass
class _Snapshot:
    artefacts: dict[uuid.UUID, Artefact]
    versions: dict[uuid.UUID, ArtefactVersion]
    by_artefact: dict[uuid.UUID, list[ArtefactVersion]]
    decisions: list[Decision]
    events: list[AuditEvent]


def _snapshot(session: Session) -> _Snapshot:
    artefacts = {a.id: a for a in session.exec(select(Artefact)).all()}
    versions: dict[uuid.UUID, ArtefactVersion] = {}
    by_artefact: dict[uuid.UUID, list[ArtefactVersion]] = defaultdict(list)
    for v in session.exec(
        select(ArtefactVersion).order_by(col(ArtefactVersion.artefact_id), col(ArtefactVersion.version))
    ).all():
        versions[v.id] = v
        by_artefact[v.artefact_id].append(v)
    decisions = list(session.exec(select(Decision)).all())
    events = list(session.exec(select(AuditEvent).order_by(col(AuditEvent.seq), col(AuditEvent.at))).all())
    return _Snapshot(artefacts, versions, dict(by_artefact), decisions, events)


@dataclass
class _Checker:
    snap: _Snapshot
    report: VerificationReport
    referenced: set[str] = field(default_factory=set)

    def add(
        self,
        artefact: Artefact | None,
        v: ArtefactVersion | None,
        code: str,
        message: str,
        *,
        event: int | None = None,
        warning: bool = False,
    ) -> None:
        problem = Problem(
            region=artefact.region if artefact else None,
            cycle=artefact.cycle if artefact else None,
            key=artefact.key if artefact else None,
            version=v.version if v else None,
            version_id=v.id if v else None,
            event=event,
            code=code,
            message=message,
        )
        (self.report.warnings if warning else self.report.problems).append(problem)

    def artefact_of(self, v: ArtefactVersion) -> Artefact | None:
        return self.snap.artefacts.get(v.artefact_id)


def verify(store: Store, *, anchor: Anchor | None = None, document: StorePoint | None = None) -> VerificationReport:
    """Check everything stored (see the module docstring); with ``anchor``, also against it; with
    ``document`` (the store point a decision document embeds), also against that document."""
    report = VerificationReport()
    with store.session() as session:
        snap = _snapshot(session)
        leftovers = find_leftovers(session=session, blobs=store.blobs)
    report.artefacts = len(snap.artefacts)
    report.versions = len(snap.versions)
    report.decisions = len(snap.decisions)
    report.audit_events = len(snap.events)
    checker = _Checker(snap, report)

    for artefact_id, versions in snap.by_artefact.items():
        artefact = snap.artefacts.get(artefact_id)
        if artefact is None:  # impossible with foreign keys on; reported all the same
            checker.add(None, None, "artefact-missing", f"versions of a missing artefact {artefact_id}")
            continue
        _check_chain(store.blobs, checker, artefact, versions)
    _check_decisions(checker)
    _check_audit_chain(checker)
    _replay_audit_log(checker)
    _root(checker)
    if anchor is not None:
        _check_anchor(checker, anchor)
        report.anchor_checked = True
    if document is not None:
        _check_document(checker, document)
        report.document_checked = True
    for stale in _stale(snap):
        proposal = snap.versions[stale.proposal_id]
        checker.add(checker.artefact_of(proposal), proposal, "stale-basis", stale.message, warning=True)

    on_disk = list(store.blobs.iter_relative_paths())
    report.blobs = len(on_disk)
    report.orphan_blobs = list(leftovers.orphan_blobs)
    report.temp_files = list(leftovers.temp_files)
    return report


def make_anchor(store: Store, *, signed_off_by: str | None = None) -> Anchor:
    """Verify the store and return its anchor: the root hash and its parts, to keep elsewhere.

    Raises:
        StoreIntegrityError: the store does not verify (an anchor of a damaged store would
            vouch for the damage).
    """
    report = verify(store)
    report.raise_for_problems()
    return report.anchor(signed_off_by=signed_off_by)


# --------------------------------------------------------------------------------------------
# Versions, decisions


def _check_chain(blobs: BlobStore, checker: _Checker, artefact: Artefact, versions: list[ArtefactVersion]) -> None:
    add = checker.add
    prev: ArtefactVersion | None = None
    for index, v in enumerate(versions, start=1):
        if v.version != index:
            add(artefact, v, "version-gap", f"version number {v.version} where {index} was expected")
        expected_prev = prev.sha256 if prev else None
        if v.prev_sha256 != expected_prev:
            add(
                artefact,
                v,
                "chain-link",
                f"prev_sha256 is {v.prev_sha256}, the previous version's sha256 is {expected_prev}",
            )
        if v.chain_hash != chain_hash_of(prev.chain_hash if prev else None, v.sha256):
            add(artefact, v, "chain-hash", "chain_hash does not recompute from the previous version")
        if v.record_hash is None:
            add(artefact, v, "record-missing", "the version has no record_hash (written outside the store's code?)")
        elif v.record_hash != version_record_hash(artefact, v, prev.record_hash if prev else None):
            add(
                artefact,
                v,
                "record-hash",
                "record_hash does not recompute: the version's metadata or its artefact's identity "
                "(key, created_at, run ids, code version, lineage, …) or the previous version's record changed",
            )
        _check_content(blobs, checker, artefact, v)
        _check_lineage(checker, artefact, v)
        prev = v


def _check_lineage(checker: _Checker, artefact: Artefact, v: ArtefactVersion) -> None:
    for raw in v.inputs:
        try:
            ref = LineageRef.model_validate(raw)
        except ValueError:
            checker.add(artefact, v, "lineage-ref", f"malformed lineage reference {raw!r}")
            continue
        source = checker.snap.versions.get(ref.version_id)
        if source is None:
            checker.add(artefact, v, "lineage-missing", f"input version {ref.version_id} ({ref.key}) does not exist")
            continue
        source_artefact = checker.artefact_of(source)
        if source.sha256 != ref.sha256:
            checker.add(artefact, v, "lineage-hash", f"input {ref.key} v{ref.version} no longer has the hash used")
        elif source.version != ref.version or (source_artefact is not None and source_artefact.key != ref.key):
            where = f"{source_artefact.key if source_artefact else '?'} v{source.version}"
            checker.add(artefact, v, "lineage-ref", f"input {ref.key} v{ref.version} points at {where}")


def _check_content(blobs: BlobStore, checker: _Checker, artefact: Artefact, v: ArtefactVersion) -> None:
    """Re-hash one version's payload or file."""
    add = checker.add
    if (v.payload is None) == (v.file_path is None):
        add(artefact, v, "content-shape", "a version must have exactly one of payload and file_path")
        return
    if v.payload is not None:
        stored = v.payload.encode("utf-8")
        try:
            canonical = canonical_text(v.payload)
        except (ValueError, TypeError) as exc:
            add(artefact, v, "payload-json", f"payload is not valid JSON: {exc}")
            canonical = None
        if canonical is not None and canonical != stored:
            add(artefact, v, "payload-canonical", "payload text is not in canonical form (edited after saving?)")
        if sha256_hex(stored) != v.sha256:
            add(artefact, v, "payload-hash", f"payload hashes to {sha256_hex(stored)}, recorded sha256 is {v.sha256}")
        if len(stored) != v.size:
            add(artefact, v, "size", f"payload is {len(stored)} bytes, recorded size is {v.size}")
        return
    assert v.file_path is not None
    checker.referenced.add(v.file_path)
    try:
        expected_path = BlobStore.relative_path(v.sha256)
    except ValueError:
        expected_path = None
    if v.file_path != expected_path:
        add(artefact, v, "file-path", f"file_path {v.file_path} is not the content address of sha256 {v.sha256}")
    path = blobs.path_for(v.file_path)
    try:
        # Streaming: a large Parquet snapshot is hashed block by block, never read whole.
        digest = file_sha256(path)
        size = path.stat().st_size
    except FileNotFoundError:
        add(artefact, v, "file-missing", f"blob file {v.file_path} is missing")
        return
    if digest != v.sha256:
        add(artefact, v, "file-hash", f"blob file {v.file_path} hashes to {digest}, recorded sha256 is {v.sha256}")
    if size != v.size:
        add(artefact, v, "size", f"blob file is {size} bytes, recorded size is {v.size}")


def _decision_label(decision: Decision) -> str:
    """A decision as reports name it: outcome, body, date and section."""
    return f"{_value(decision.outcome)} ({decision.body} {decision.meeting_date.isoformat()} {decision.section} §)"


def _check_decisions(checker: _Checker) -> None:
    snap = checker.snap
    decided: set[uuid.UUID] = set()
    for decision in snap.decisions:
        version = snap.versions.get(decision.version_id)
        if version is None:  # impossible with foreign keys on
            checker.add(None, None, "decision-orphan", f"decision {decision.id} is on a missing version")
            continue
        artefact = checker.artefact_of(version)
        decided.add(version.id)
        if decision.sha256 != version.sha256:
            checker.add(
                artefact,
                version,
                "decision-hash",
                f"decision {decision.id} ({decision.section} §) was made on sha256 {decision.sha256}, "
                f"the version now has {version.sha256}",
            )
        if decision.record_hash is None:
            checker.add(artefact, version, "decision-record", f"decision {decision.id} has no record_hash")
        elif decision.record_hash != decision_record_hash(decision):
            checker.add(
                artefact,
                version,
                "decision-record",
                f"decision {decision.id} ({decision.section} §): record_hash does not recompute "
                f"(outcome, body, date, section, comments or who recorded it changed)",
            )
    last_outcome: dict[uuid.UUID, Decision] = {}
    for decision in sorted(snap.decisions, key=lambda d: d.recorded_at):
        last_outcome[decision.version_id] = decision
    for version in snap.versions.values():
        if version.status in _DECIDED and version.id not in decided:
            checker.add(
                checker.artefact_of(version),
                version,
                "decision-missing",
                f"status {version.status.value} without a decision",
            )
        last = last_outcome.get(version.id)
        if last is None:
            continue
        outcome = VersionStatus(_value(last.outcome))
        standing = version.status is VersionStatus.SUPERSEDED and outcome in FINAL_STATUSES
        if version.status is not outcome and not standing:
            checker.add(
                checker.artefact_of(version),
                version,
                "decision-status",
                f"status {_value(version.status)} does not follow its decision {_decision_label(last)}",
            )


# --------------------------------------------------------------------------------------------
# The audit log


def _subject(checker: _Checker, event: AuditEvent) -> tuple[Artefact | None, ArtefactVersion | None]:
    version = checker.snap.versions.get(event.version_id) if event.version_id else None
    artefact = checker.snap.artefacts.get(event.artefact_id) if event.artefact_id else None
    return artefact, version


def _check_audit_chain(checker: _Checker) -> None:
    prev_hash: str | None = None
    expected_seq = 1
    for event in checker.snap.events:
        if event.seq is None or event.hash is None:
            checker.add(
                None,
                None,
                "audit-unsealed",
                f"audit event {event.id} ({event.action}) is not in the hash chain (written outside the store's code?)",
            )
            continue
        what = f"event {event.action}"
        if event.seq != expected_seq:
            checker.add(
                None,
                None,
                "audit-sequence",
                f"{what} has number {event.seq} where {expected_seq} was expected",
                event=event.seq,
            )
        if event.prev_hash != prev_hash:
            checker.add(
                None,
                None,
                "audit-link",
                f"{what}: prev_hash does not match the previous event's hash (an event "
                "before it was removed, inserted or changed)",
                event=event.seq,
            )
        if event.hash != audit_event_hash(event, seq=event.seq, prev_hash=event.prev_hash):
            checker.add(
                None,
                None,
                "audit-hash",
                f"{what} was changed after it was written (its hash does not recompute)",
                event=event.seq,
            )
        prev_hash = event.hash
        expected_seq = event.seq + 1
    sealed = [e for e in checker.snap.events if e.seq is not None]
    checker.report.audit_head = sealed[-1].hash if sealed else None


def _compare(
    checker: _Checker,
    event: AuditEvent,
    fields: dict[str, Callable[[Any], Any]],
    row: Any,
    artefact: Artefact | None,
    version: ArtefactVersion | None,
    noun: str,
) -> None:
    for name, read in fields.items():
        if name not in event.details:
            continue
        logged, stored = event.details[name], read(row)
        if logged != stored:
            if name == "inputs":
                said, was = _refs_text(stored, checker), _refs_text(logged, checker)
                text = f"lineage is {said}, the audit log (event #{event.seq}) recorded {was}"
            else:
                text = (
                    f"{noun} {name} is {_short(stored)}, the audit log (event #{event.seq}) recorded {_short(logged)}"
                )
            checker.add(artefact, version, "audit-mismatch", text, event=event.seq)


def _refs_text(refs: Any, checker: _Checker) -> str:
    """Lineage references for people: ``[needs-index v2 (id 551f04d2…)]``."""
    if not isinstance(refs, list):
        return _short(refs)
    parts = []
    for raw in refs:
        ref_id = _ref_id(raw)
        key = raw.get("key") if isinstance(raw, dict) else None
        number = raw.get("version") if isinstance(raw, dict) else None
        parts.append(f"{key} v{number} (id {str(ref_id)[:8]}…)")
    return "[" + ", ".join(parts) + "]"


def _replay_audit_log(checker: _Checker) -> None:
    """Every row must be in the log as stored, and every status where its logged changes lead."""
    snap = checker.snap
    created_artefacts: set[uuid.UUID] = set()
    created_versions: set[uuid.UUID] = set()
    recorded_decisions: set[str] = set()
    expected_status: dict[uuid.UUID, str] = {}
    decisions = {str(d.id): d for d in snap.decisions}
    for event in snap.events:
        artefact, version = _subject(checker, event)
        details = event.details or {}
        if event.action == "artefact.created":
            if artefact is None:
                checker.add(
                    None,
                    None,
                    "audit-orphan",
                    f"artefact {details.get('region')}/{details.get('cycle')}/{details.get('key')} created in "
                    f"event #{event.seq} is not in the store",
                    event=event.seq,
                )
                continue
            created_artefacts.add(artefact.id)
            _compare(checker, event, _ARTEFACT_FIELDS, artefact, artefact, None, "artefact")
        elif event.action == "version.created":
            if version is None:
                checker.add(
                    artefact,
                    None,
                    "audit-orphan",
                    f"version {details.get('version')} ({details.get('key')}) created in event #{event.seq} "
                    "is not in the store (deleted?)",
                    event=event.seq,
                )
                continue
            created_versions.add(version.id)
            expected_status[version.id] = str(details.get("status", "draft"))
            owner = checker.artefact_of(version)
            if owner is not None and details.get("key") not in (None, owner.key):
                checker.add(
                    owner,
                    version,
                    "audit-mismatch",
                    f"artefact key is {owner.key!r}, the audit log (event #{event.seq}) recorded "
                    f"{details.get('key')!r}",
                    event=event.seq,
                )
            _compare(checker, event, _VERSION_FIELDS, version, owner, version, "version")
        elif event.action == "version.status":
            if version is None:
                checker.add(
                    artefact,
                    None,
                    "audit-orphan",
                    f"status change of a version not in the store (event #{event.seq})",
                    event=event.seq,
                )
                continue
            before = expected_status.get(version.id)
            if before is not None and details.get("from") != before:
                checker.add(
                    checker.artefact_of(version),
                    version,
                    "audit-replay",
                    f"event #{event.seq} changes the status from {details.get('from')}, but the log had left it "
                    f"{before}",
                    event=event.seq,
                )
            expected_status[version.id] = str(details.get("to"))
        elif event.action == "decision.recorded":
            decision = decisions.get(str(details.get("decision_id")))
            if decision is None:
                checker.add(
                    checker.artefact_of(version) if version else artefact,
                    version,
                    "audit-orphan",
                    f"decision {details.get('decision_id')} ({details.get('outcome')}, {details.get('section')} §) "
                    f"recorded in event #{event.seq} is not in the store",
                    event=event.seq,
                )
                continue
            recorded_decisions.add(str(decision.id))
            _compare(
                checker,
                event,
                _DECISION_FIELDS,
                decision,
                checker.artefact_of(version) if version else artefact,
                version,
                "decision",
            )
    for artefact in snap.artefacts.values():
        if artefact.id not in created_artefacts:
            checker.add(artefact, None, "audit-missing", "the artefact's creation is not in the audit log")
    for version in snap.versions.values():
        owner = checker.artefact_of(version)
        if version.id not in created_versions:
            checker.add(owner, version, "audit-missing", "the version's creation is not in the audit log")
            continue
        expected = expected_status[version.id]
        if _value(version.status) != expected:
            checker.add(
                owner,
                version,
                "status",
                f"status is {_value(version.status)}, the audit log's changes leave it {expected}",
            )
    for decision in snap.decisions:
        if str(decision.id) not in recorded_decisions:
            version = snap.versions.get(decision.version_id)
            checker.add(
                checker.artefact_of(version) if version else None,
                version,
                "audit-missing",
                f"decision {decision.id} ({_value(decision.outcome)}, {decision.section} §) is not in the audit log",
            )


# --------------------------------------------------------------------------------------------
# Root hash and anchor


def _root(checker: _Checker) -> None:
    chains: list[AnchoredChain] = []
    for artefact_id, versions in checker.snap.by_artefact.items():
        artefact = checker.snap.artefacts.get(artefact_id)
        if artefact is None or not versions:
            continue
        chains.append(
            AnchoredChain(
                artefact=chain_label(artefact.region, artefact.cycle, artefact.key),
                versions=len(versions),
                head=versions[-1].record_hash or "0" * 64,
            )
        )
    chains.sort(key=lambda c: c.artefact)
    report = checker.report
    report.chains = chains
    events = max((e.seq for e in checker.snap.events if e.seq is not None), default=0)
    report.root = root_hash(
        [(c.artefact, c.versions, c.head) for c in chains], audit_events=events, audit_head=report.audit_head
    )


def _check_anchor(checker: _Checker, anchor: Anchor) -> None:
    seen = f"the anchor ({anchor.taken_at:%Y-%m-%d %H:%M}Z)"
    if anchor.audit_events:
        _check_audit_point(checker, anchor.audit_events, anchor.audit_head, seen=seen, code="anchor-audit")
    _check_heads(checker, anchor.chains, seen="the anchor", code="anchor-chain")


def _check_audit_point(checker: _Checker, seq: int, head: str | None, *, seen: str, code: str) -> bool:
    """Whether the audit log still has event ``seq`` with hash ``head`` (a problem ``code`` if not)."""
    at = [e for e in checker.snap.events if e.seq == seq]
    if not at:
        checker.add(
            None,
            None,
            code,
            f"{seen} saw {seq} audit events; the log now has {len(checker.snap.events)} (events were deleted)",
            event=seq,
        )
        return False
    if at[0].hash != head:
        checker.add(
            None,
            None,
            code,
            f"the audit log up to event #{seq} is not the one {seen} saw "
            "(an event was changed, inserted or deleted and the log re-chained)",
            event=seq,
        )
        return False
    return True


def _check_heads(checker: _Checker, chains: Iterable[AnchoredChain], *, seen: str, code: str) -> None:
    """Every chain in ``chains`` still has, at its anchored length, the head that was seen."""
    add = checker.add
    artefacts = {chain_label(a.region, a.cycle, a.key): a for a in checker.snap.artefacts.values()}
    for anchored in chains:
        artefact = artefacts.get(anchored.artefact)
        versions = checker.snap.by_artefact.get(artefact.id, []) if artefact is not None else []
        if artefact is None or not versions:
            region, cycle, key = _split_label(anchored.artefact)
            checker.report.problems.append(
                Problem(
                    region=region,
                    cycle=cycle,
                    key=key,
                    code=code,
                    message=f"{seen} saw {anchored.versions} versions of this artefact; it is no longer in the "
                    "store (deleted or renamed)",
                )
            )
            continue
        if len(versions) < anchored.versions:
            add(
                artefact,
                versions[-1],
                code,
                f"{seen} saw {anchored.versions} versions; the store has {len(versions)} "
                f"(version {len(versions) + 1} and later were deleted)",
            )
            continue
        then = versions[anchored.versions - 1]
        if then.record_hash != anchored.head:
            add(
                artefact,
                then,
                code,
                f"version {anchored.versions} or an earlier one is not what {seen} saw (rewritten since, "
                "even if consistently)",
            )


# --------------------------------------------------------------------------------------------
# Store points: the root as of the event that wrote a proposal, printed in its documents


def _root_at(seq: int, head: str, created: Iterable[tuple[str, int, str | None]]) -> str:
    """The root hash after event ``seq`` (hash ``head``), ``created`` being the versions created by then."""
    chains = chains_of(list(created))
    return root_hash([(c.artefact, c.versions, c.head) for c in chains], audit_events=seq, audit_head=head)


def _pending_events(session: Session) -> list[AuditEvent]:
    """The audit events this session added and has not sealed yet, in the order the seal numbers them."""
    # The repository's own list (soteflow.store.repo._audit), filtered as its seal filters it.
    from soteflow.store.repo import _PENDING_AUDIT

    return [e for e in session.info.get(_PENDING_AUDIT, []) if e in session]


def _lock_audit_chain(session: Session) -> None:
    """PostgreSQL: take the audit chain's lock now (held to the commit), so no other transaction
    appends between this moment and this one's seal; SQLite's write lock already ensures it."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy import text

        from soteflow.store.repo import _PG_AUDIT_CHAIN_LOCK

        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_AUDIT_CHAIN_LOCK})


def store_point(session: Session, version_id: uuid.UUID) -> StorePoint | None:
    """The store point of a proposal version: the root as of the audit event that created it.

    Works inside the transaction that writes the version (its events are sealed only at the
    commit: their numbers and hashes are computed here exactly as the seal will compute them, the
    chain being locked until then) and at any time after. None when the version has no creation
    event (a row written outside the store's code; ``verify`` reports it).
    """
    version = session.get(ArtefactVersion, version_id)
    if version is None:
        return None
    created = session.exec(
        select(AuditEvent).where(AuditEvent.version_id == version_id, AuditEvent.action == "version.created")
    ).first()
    if created is None:
        return None
    new_versions: list[uuid.UUID] = []
    if created.seq is not None and created.hash is not None:
        seq, head = created.seq, created.hash
    else:
        _lock_audit_chain(session)
        pending = _pending_events(session)
        upto = next((i for i, e in enumerate(pending) if e is created), None)
        if upto is None:
            return None
        last = session.exec(
            select(AuditEvent.seq, AuditEvent.hash)
            .where(col(AuditEvent.seq).is_not(None))
            .order_by(col(AuditEvent.seq).desc())
            .limit(1)
        ).first()
        seq, prev = (int(last[0] or 0), last[1]) if last else (0, None)
        for event in pending[: upto + 1]:
            seq += 1
            prev = audit_event_hash(event, seq=seq, prev_hash=prev)
            if event.action == "version.created" and event.version_id is not None:
                new_versions.append(event.version_id)
        assert prev is not None
        head = prev
    rows = session.execute(
        sa.select(
            col(Artefact.region),
            col(Artefact.cycle),
            col(Artefact.key),
            col(ArtefactVersion.version),
            col(ArtefactVersion.record_hash),
        )
        .join(ArtefactVersion, col(ArtefactVersion.artefact_id) == col(Artefact.id))
        .join(AuditEvent, col(AuditEvent.version_id) == col(ArtefactVersion.id))
        .where(col(AuditEvent.action) == "version.created", col(AuditEvent.seq) <= seq)
    ).all()
    created_by_then = [(chain_label(r[0], r[1], r[2]), r[3], r[4]) for r in rows]
    for new_id in new_versions:
        new = session.get(ArtefactVersion, new_id)
        owner = session.get(Artefact, new.artefact_id) if new is not None else None
        if new is not None and owner is not None:
            created_by_then.append((chain_label(owner.region, owner.cycle, owner.key), new.version, new.record_hash))
    artefact = session.get(Artefact, version.artefact_id)
    assert artefact is not None  # foreign key
    return StorePoint(
        event=seq,
        audit_head=head,
        root=_root_at(seq, head, created_by_then),
        region=artefact.region,
        cycle=artefact.cycle,
        key=artefact.key,
        version=version.version,
        version_id=version.id,
        sha256=version.sha256,
        basis=_lineage_closure(session, version),
    )


def _lineage_closure(session: Session, version: ArtefactVersion) -> list[AnchoredChain]:
    """The chains of ``version`` and of every version it was computed from, transitively, each up to
    the highest version used (checking a chain's head there checks every version below it)."""
    out: list[tuple[str, int, str | None]] = []
    seen: set[uuid.UUID] = set()
    frontier = [version]
    while frontier:
        current = frontier.pop()
        if current.id in seen:
            continue
        seen.add(current.id)
        owner = session.get(Artefact, current.artefact_id)
        if owner is not None:
            out.append((chain_label(owner.region, owner.cycle, owner.key), current.version, current.record_hash))
        for raw in current.inputs:
            source_id = _ref_id(raw)
            source = session.get(ArtefactVersion, source_id) if source_id is not None else None
            if source is not None:
                frontier.append(source)
    highest: dict[str, tuple[int, str | None]] = {}
    for label, number, record in out:
        if label not in highest or number > highest[label][0]:
            highest[label] = (number, record)
    return [
        AnchoredChain(artefact=label, versions=number, head=record or "0" * 64)
        for label, (number, record) in sorted(highest.items())
    ]


def _check_document(checker: _Checker, point: StorePoint) -> None:
    """The store against a document's store point: the log, the root, the proposal, its basis."""
    snap = checker.snap
    seen = f"the document ({point.key} v{point.version}, event #{point.event})"
    log_intact = _check_audit_point(checker, point.event, point.audit_head, seen=seen, code="document-audit")
    created: list[tuple[str, int, str | None]] = []
    for e in snap.events:
        if e.action != "version.created" or e.seq is None or e.seq > point.event or e.version_id is None:
            continue
        v = snap.versions.get(e.version_id)
        a = snap.artefacts.get(v.artefact_id) if v is not None else None
        if v is not None and a is not None:
            created.append((chain_label(a.region, a.cycle, a.key), v.version, v.record_hash))
    head = next((e.hash for e in snap.events if e.seq == point.event), None)
    root = _root_at(point.event, head or "0" * 64, created)
    if root != point.root:
        checker.add(
            None,
            None,
            "document-root",
            f"the store's root as of event #{point.event} is {root[:16]}…, {seen} printed {point.short_root}…: "
            + (
                "a version created at or before that event was changed or deleted since"
                if log_intact
                else "the store was rewritten at or before that event"
            ),
            event=point.event,
        )
    version = snap.versions.get(point.version_id)
    artefact = checker.artefact_of(version) if version is not None else None
    if version is None or artefact is None:
        checker.report.problems.append(
            Problem(
                region=point.region,
                cycle=point.cycle,
                key=point.key,
                version=point.version,
                version_id=point.version_id,
                code="document-version",
                message=f"the version {seen} presents is no longer in the store (deleted?)",
            )
        )
    else:
        if version.sha256 != point.sha256:
            checker.add(
                artefact,
                version,
                "document-version",
                f"sha256 is {version.sha256[:16]}…, {seen} printed {point.sha256[:16]}… (the content was rewritten)",
            )
        if (artefact.region, artefact.cycle, artefact.key, version.version) != (
            point.region,
            point.cycle,
            point.key,
            point.version,
        ):
            checker.add(
                artefact,
                version,
                "document-version",
                f"{seen} presents {point.region}/{point.cycle}/{point.key} v{point.version}; that version is "
                f"now stored as {artefact.region}/{artefact.cycle}/{artefact.key} v{version.version}",
            )
        event = next((e for e in snap.events if e.action == "version.created" and e.version_id == version.id), None)
        if event is not None and event.seq != point.event:
            checker.add(
                artefact,
                version,
                "document-version",
                f"the version was created in audit event #{event.seq}; {seen} says #{point.event}",
                event=event.seq,
            )
    _check_heads(checker, point.basis, seen=seen, code="document-chain")


def _split_label(label: str) -> tuple[str | None, int | None, str]:
    parts = label.split("/", 2)
    if len(parts) == 3 and parts[1].isdigit():
        return parts[0], int(parts[1]), parts[2]
    return None, None, label


# --------------------------------------------------------------------------------------------
# Stale bases


@dataclass(frozen=True)
class StaleRound:
    """An approved (or noted) proposal that rests on a basis superseded since it was computed."""

    proposal_id: uuid.UUID
    proposal: str
    basis: str
    message: str
    #: The round's versions: the proposal, what its stage computed it from, its documents.
    members: frozenset[uuid.UUID]


#: The last answer of :func:`stale_rounds` per store, with the store state it was computed on.
_STALE_CACHE: dict[str, tuple[tuple[Any, ...], list[StaleRound]]] = {}


def stale_rounds(store: Store) -> list[StaleRound]:
    """Every standing round whose basis (an earlier case's proposal) is superseded, directly or
    through the rounds it rests on.

    A stage that reads many approved cases asks this once per case: the answer is kept while the
    store is unchanged (every write appends an audit event, so the events' count and last number,
    with the versions' count, say whether anything was written since).
    """
    with store.session() as session:
        connection = session.connection()
        events = connection.execute(sa.select(sa.func.count(), sa.func.max(col(AuditEvent.seq)))).one()
        versions = connection.execute(sa.select(sa.func.count()).select_from(ArtefactVersion)).scalar_one()
        state = (*events, versions)
        cached = _STALE_CACHE.get(store.url)
        if cached is not None and cached[0] == state:
            return list(cached[1])
        snap = _snapshot(session)
    found = _stale(snap)
    _STALE_CACHE[store.url] = (state, found)
    return list(found)


def _stale(snap: _Snapshot) -> list[StaleRound]:
    def kind(v: ArtefactVersion) -> str:
        artefact = snap.artefacts.get(v.artefact_id)
        return artefact.kind if artefact else ""

    def label(v: ArtefactVersion) -> str:
        artefact = snap.artefacts.get(v.artefact_id)
        return f"{artefact.key if artefact else v.artefact_id} v{v.version}"

    def basis(v: ArtefactVersion) -> Iterable[ArtefactVersion]:
        # A round's basis is the earlier cases' proposals it names among its direct inputs.
        for raw in v.inputs:
            source = snap.versions.get(_ref_id(raw))  # type: ignore[arg-type]
            if source is not None and source.artefact_id != v.artefact_id and kind(source) == "proposal":
                yield source

    def newer(v: ArtefactVersion) -> str:
        later = [
            o for o in snap.by_artefact.get(v.artefact_id, []) if o.version > v.version and o.status in FINAL_STATUSES
        ]
        return f", superseded by v{later[-1].version}" if later else ", superseded"

    reasons: dict[uuid.UUID, str | None] = {}

    def reason(v: ArtefactVersion, seen: frozenset[uuid.UUID]) -> str | None:
        if v.id in reasons:
            return reasons[v.id]
        found: str | None = None
        for source in basis(v):
            if source.status is VersionStatus.SUPERSEDED:
                found = f"rests on {label(source)}{newer(source)}"
            elif source.id not in seen:
                deeper = reason(source, seen | {v.id})
                if deeper is not None:
                    found = f"rests on {label(source)}, which {deeper}"
            if found:
                break
        reasons[v.id] = found
        return found

    result: list[StaleRound] = []
    for v in snap.versions.values():
        if kind(v) != "proposal" or v.status not in FINAL_STATUSES:
            continue
        why = reason(v, frozenset())
        if why is None:
            continue
        result.append(
            StaleRound(
                proposal_id=v.id,
                proposal=label(v),
                basis=why,
                message=f"approved round {why}: it was computed from a basis that is no longer the approved one",
                members=frozenset(_round_members(snap, v)),
            )
        )
    return sorted(result, key=lambda r: r.proposal)


def _round_members(snap: _Snapshot, proposal: ArtefactVersion) -> set[uuid.UUID]:
    """The proposal, the versions of its own stage it was computed from, and its documents."""
    own = snap.artefacts.get(proposal.artefact_id)
    stage = own.stage if own else None
    members = {proposal.id}
    frontier = [proposal]
    while frontier:
        current = frontier.pop()
        for raw in current.inputs:
            source = snap.versions.get(_ref_id(raw))  # type: ignore[arg-type]
            if source is None or source.id in members:
                continue
            artefact = snap.artefacts.get(source.artefact_id)
            if artefact is not None and artefact.stage == stage and artefact.kind != "proposal":
                members.add(source.id)
                frontier.append(source)
    for v in snap.versions.values():
        if any(_ref_id(raw) == proposal.id for raw in v.inputs):
            artefact = snap.artefacts.get(v.artefact_id)
            if artefact is not None and artefact.kind == "document":
                members.add(v.id)
    return members
