"""What the engine does around a stage's computation: persist a case, record its decision, export, mirror.

A stage computes payloads (pure functions in ``tasks/``) and declares them as outputs with their
lineage; here they are stored. Everything one case writes goes into one store transaction, so a
failure leaves no partial version and no orphan file; after the commit each version is mirrored
as a keyed Prefect artifact. Nothing here knows a stage.
"""

from __future__ import annotations

import json
import logging
import math
import random
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel
from sqlmodel import Session, col, select

from schemas.decisions import DecisionRecord, EarlierDecision, Outcome
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import DOCX_MEDIA_TYPE
from soteflow.documents.render import DocumentSpec
from soteflow.documents.reuse import remember_pdf, render_documents
from soteflow.errors import InputError
from soteflow.provenance import schema_version
from soteflow.store import Artefact, ArtefactVersion, Decision, LineageRef, Store
from soteflow.store import repo as store_repo

_KEY_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
T = TypeVar("T")

__all__ = [
    "DecisionConflictError",
    "FileOutput",
    "JsonOutput",
    "Output",
    "PersistedCase",
    "Provenance",
    "awaiting_runs",
    "document_url",
    "earlier_decisions",
    "existing_decision",
    "export_versions",
    "first_pdf_url",
    "mirror_to_prefect",
    "note_awaited",
    "open_store",
    "persist_case",
    "prefect_key",
    "proposal_key",
    "record_decision",
    "ref",
    "status_of",
]


@dataclass(frozen=True)
class JsonOutput:
    """A JSON artefact: a validated pydantic payload, the outputs it was computed from, and
    optionally the rows the Prefect UI shows as a table."""

    key: str
    kind: str
    title: str
    payload: BaseModel
    derived_from: Sequence[Output | VersionRef] = ()
    table: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class FileOutput:
    """A file artefact (input snapshot, SVG figure, export) and the outputs it was computed from.

    ``content`` is the bytes, or the path of a large file (a Parquet table), which the store copies
    streaming and hashes while it copies."""

    key: str
    kind: str
    title: str
    content: bytes | Path
    media_type: str
    schema_name: str = "file"  # e.g. "pxweb-json", "svg"; files have no pydantic schema
    schema_version: str = "1"
    derived_from: Sequence[Output | VersionRef] = ()


Output = JsonOutput | FileOutput


@dataclass(frozen=True)
class Provenance:
    """Who and what wrote a case: the code version and the Prefect run ids."""

    code_version: str
    flow_run_id: str | None = None
    task_run_id: str | None = None
    actor: str = "soteflow"


@dataclass
class PersistedCase:
    """The versions one case's round wrote (or found identical in the store), by key."""

    case: str
    versions: dict[str, VersionRef] = field(default_factory=dict)
    proposal_key: str = ""
    document_keys: tuple[str, ...] = ()
    source_keys: tuple[str, ...] = ()

    def outputs(self) -> list[VersionRef]:
        """The round's own outputs (everything but the input snapshots), for export."""
        return [v for k, v in self.versions.items() if k not in self.source_keys]

    @property
    def proposal(self) -> VersionRef:
        """The proposal payload version the body decides on."""
        return self.versions[self.proposal_key]

    @property
    def documents(self) -> list[VersionRef]:
        """The documents rendered from the proposal (PDF and HTML; an agenda item's also as .docx)."""
        return [self.versions[k] for k in self.document_keys]


def status_of(version: ArtefactVersion) -> str:
    """A version's status as a plain string."""
    return str(getattr(version.status, "value", version.status))


def ref(version: ArtefactVersion, key: str) -> VersionRef:
    """A :class:`VersionRef` for a stored version."""
    return VersionRef(
        version_id=version.id,
        key=key,
        version=version.version,
        sha256=version.sha256,
        status=status_of(version),
        media_type=version.media_type,
    )


def proposal_key(case: str) -> str:
    """The key of a case's proposal artefact (the version a body decides on), e.g. ``needs-proposal``."""
    return f"{case}-proposal"


def prefect_key(region: str, cycle: int, key: str) -> str:
    """A Prefect artifact key (``[a-z0-9-]`` only) for an artefact of a region and cycle."""
    candidate = f"{region}-{cycle}-{key}".lower()
    if not _KEY_RE.match(candidate):
        raise ValueError(f"artefact key {key!r} does not give a valid Prefect artifact key")
    return candidate


def _in_lineage_order(outputs: Sequence[Output]) -> list[Output]:
    """``outputs`` ordered so that each comes after the outputs it was derived from (stable)."""
    by_key = {o.key: o for o in outputs}
    if len(by_key) != len(outputs):
        keys = [o.key for o in outputs]
        raise ValueError(f"output keys repeat: {sorted({k for k in keys if keys.count(k) > 1})}")
    ordered: list[Output] = []
    state: dict[str, int] = {}

    def visit(output: Output) -> None:
        mark = state.get(output.key)
        if mark == 2:
            return
        if mark == 1:
            raise ValueError(f"lineage cycle through {output.key!r}")
        state[output.key] = 1
        for parent in output.derived_from:
            if isinstance(parent, JsonOutput | FileOutput):
                if parent.key not in by_key:
                    raise ValueError(f"{output.key!r} is derived from {parent.key!r}, which the round does not store")
                visit(by_key[parent.key])
        state[output.key] = 2
        ordered.append(output)

    for output in outputs:
        visit(output)
    return ordered


#: SQLSTATEs after which PostgreSQL asks the client to run the transaction again: deadlock
#: detected, serialization failure.
_RETRY_SQLSTATES = {"40P01", "40001"}
_ATTEMPTS = 5
#: How many store transactions this process ran again after a deadlock (the PostgreSQL bench prints it).
retried_transactions = 0


def _retrying(unit: Callable[[], T]) -> T:
    """Run one store transaction (``unit``), again if PostgreSQL chose it as a deadlock's victim.

    The failed attempt rolled back completely (its rows, and the blob files it created), so it is
    simply run again, after a short random wait; the last failure is raised.
    """
    from sqlalchemy.exc import OperationalError

    for attempt in range(1, _ATTEMPTS + 1):
        try:
            return unit()
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) not in _RETRY_SQLSTATES or attempt == _ATTEMPTS:
                raise
            global retried_transactions
            retried_transactions += 1
            logging.getLogger("soteflow.store").warning(
                "store transaction run again (attempt %d): %s", attempt + 1, str(exc.orig).splitlines()[0:3]
            )
            time.sleep(random.uniform(0.05, 0.2) * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def persist_case(
    *,
    store: Store,
    region: str,
    cycle: int,
    stage: Stage,
    case: str,
    outputs: Sequence[Output],
    proposal: JsonOutput,
    documents: Callable[[VersionRef], Sequence[DocumentSpec]],
    provenance: Provenance,
) -> PersistedCase:
    """Save one case's round in a single transaction: the outputs it rests on, its proposal, its documents.

    The documents are rendered from the stored proposal version inside the transaction, because
    their footers print that version's number and hash; a document whose HTML, metadata,
    attachments and renderer equal an earlier render's is not rendered again (its stored PDF is
    reused), and the others render in parallel (:mod:`soteflow.documents.reuse`). Saving is
    idempotent on content: a round whose content is already stored returns the existing versions
    (a resumed run writes nothing new), and outputs shared by several cases of a stage are stored once.
    """
    meta: dict[str, Any] = {
        "region": region,
        "cycle": cycle,
        "stage": stage.value,
        "code_version": provenance.code_version,
        "flow_run_id": provenance.flow_run_id,
        "task_run_id": provenance.task_run_id,
    }
    stored: dict[str, ArtefactVersion] = {}

    def lineage(parents: Sequence[Output | VersionRef]) -> list[Any]:
        out: list[Any] = []
        for parent in parents:
            if isinstance(parent, VersionRef):
                out.append(
                    LineageRef(
                        version_id=parent.version_id, key=parent.key, version=parent.version, sha256=parent.sha256
                    )
                )
            else:
                out.append(stored[parent.key])
        return out

    ordered = _in_lineage_order([*outputs, proposal])
    source_keys = tuple(sorted(o.key for o in outputs if o.kind == "source"))

    def unit() -> tuple[dict[str, VersionRef], list[str]]:
        stored.clear()
        with store.transaction(actor=provenance.actor) as tx:
            tx.lock_round(region=region, cycle=cycle, stage=stage)
            document_keys = _persist_in(tx)
            return {key: ref(version, key) for key, version in stored.items()}, document_keys

    def _persist_in(tx: Any) -> list[str]:
        for item in ordered:
            if isinstance(item, JsonOutput):
                stored[item.key] = tx.save_json(
                    key=item.key,
                    kind=item.kind,
                    title=item.title,
                    payload=item.payload,
                    schema_name=type(item.payload).__name__,
                    schema_version=schema_version(type(item.payload)),
                    inputs=lineage(item.derived_from),
                    **meta,
                )
            else:
                stored[item.key] = tx.save_file(
                    key=item.key,
                    kind=item.kind,
                    title=item.title,
                    content=item.content,
                    media_type=item.media_type,
                    schema_name=item.schema_name,
                    schema_version=item.schema_version,
                    inputs=lineage(item.derived_from),
                    **meta,
                )
        document_keys: list[str] = []
        # A document already rendered from identical content is reused; the others render in parallel.
        for document in render_documents(tx, documents(ref(stored[proposal.key], proposal.key))):
            spec = document.spec
            files = [
                ("pdf", spec.title, document.pdf, "application/pdf", "pdf/a-3a"),
                ("html", f"{spec.title} (HTML)", document.html.encode("utf-8"), "text/html", "html"),
            ]
            if document.docx is not None:  # an agenda item: also for case-management systems
                files.append(("docx", f"{spec.title} (DOCX)", document.docx, DOCX_MEDIA_TYPE, "docx"))
            for suffix, title, content, media_type, schema in files:
                key = f"{spec.key}-{suffix}"
                stored[key] = tx.save_file(
                    key=key,
                    kind="document",
                    title=title,
                    content=content,
                    media_type=media_type,
                    schema_name=schema,
                    schema_version="1",
                    inputs=[stored[proposal.key]],
                    **meta,
                )
                document_keys.append(key)
            remember_pdf(tx, document.render_key, stored[f"{spec.key}-pdf"])
        for version in stored.values():
            if status_of(version) == "draft":
                tx.set_status(version, "proposed")
        return document_keys

    versions, document_keys = _retrying(unit)
    return PersistedCase(
        case=case,
        versions=versions,
        proposal_key=proposal.key,
        document_keys=tuple(document_keys),
        source_keys=source_keys,
    )


def open_store() -> Store:
    """The store of the current settings, opened once per URL and blob folder in a process."""
    from soteflow.settings import get_settings

    settings = get_settings()
    return _open_store(settings.store_url, str(settings.blob_dir))


@lru_cache(maxsize=8)
def _open_store(url: str, blob_dir: str) -> Store:
    return Store(url, Path(blob_dir))


def _record(decision: Any) -> DecisionRecord:
    return DecisionRecord(
        outcome=Outcome(str(getattr(decision.outcome, "value", decision.outcome))),
        body=decision.body,
        meeting_date=decision.meeting_date,
        section=decision.section,
        decision_number=decision.decision_number,
        comments=decision.comments,
        recorded_by=decision.recorded_by,
    )


def document_url(store: Store, file_path: str) -> str:
    """Where a person opens a stored file: under ``documents_url`` when set, else a file:// URI."""
    from soteflow.settings import get_settings

    base = get_settings().documents_url
    if base:
        return f"{base.rstrip('/')}/{file_path}"
    return store.blobs.path_for(file_path).resolve().as_uri()


def first_pdf_url(store: Store, persisted: PersistedCase) -> str | None:
    """The link to the case's first PDF document (what the body decides on), if it has one."""
    for vref in persisted.documents:
        if vref.media_type == "application/pdf":
            path = store.get_version(vref.version_id).file_path
            if path:
                return document_url(store, path)
    return None


def note_awaited(store: Store, proposal: VersionRef, *, flow_run_id: str, gate: str, pause_key: str) -> bool:
    """Log in the store that ``flow_run_id`` waits for the decision on ``proposal``, once per run
    (a suspended run resumed goes through its gate again); whether it was logged now."""
    if any(d.get("flow_run_id") == flow_run_id for d in awaiting_runs(store, proposal)):
        return False
    with store.transaction(actor=f"flow-run:{flow_run_id}") as tx:
        tx.note_awaited(
            store_repo.lock_versions(session=tx.session, version_ids=[proposal.version_id])[proposal.version_id],
            details={"flow_run_id": flow_run_id, "gate": gate, "pause_key": pause_key},
        )
    return True


def awaiting_runs(store: Store, proposal: VersionRef) -> list[dict[str, Any]]:
    """The flow runs logged as waiting for the decision on ``proposal`` (oldest first)."""
    version = store.get_version(proposal.version_id)
    return [
        dict(e.details or {})
        for e in store.audit_events(artefact_id=version.artefact_id)
        if e.action == "decision.awaited" and e.version_id == proposal.version_id
    ]


def existing_decision(store: Store, proposal: VersionRef) -> DecisionRecord | None:
    """The decision already recorded on this proposal version (a resumed or repeated run)."""
    decisions = store.decisions_for(proposal.version_id)
    return _record(decisions[-1]) if decisions else None


class DecisionConflictError(InputError):
    """A decision that cannot be recorded: the case no longer awaits it (another decision won)."""


def _describe(decision: DecisionRecord) -> str:
    return (
        f"{decision.outcome.label_fi} ({decision.body} {decision.meeting_date.isoformat()} {decision.section} §, "
        f"recorded by {decision.recorded_by})"
    )


def _check_awaiting(
    session: Session, persisted: PersistedCase, decision: DecisionRecord, *, latest_only: bool
) -> tuple[dict[str, ArtefactVersion], bool]:
    """Lock the case's versions and check, inside the writing transaction, that the case awaits
    ``decision``; return the versions as stored now and whether this very decision is already there.

    Raises:
        DecisionConflictError: another decision was recorded first, the proposal is no longer
            the latest (``latest_only``), or a version of the case is no longer proposed.
    """
    pkey = persisted.proposal_key
    proposal_ref = persisted.proposal
    # The proposal's artefact first, then the rest in a fixed order (PostgreSQL row locks).
    store_repo.lock_versions(session=session, version_ids=[proposal_ref.version_id])
    versions = store_repo.lock_versions(
        session=session, version_ids=[v.version_id for v in persisted.versions.values()]
    )
    by_key = {key: versions[vref.version_id] for key, vref in persisted.versions.items()}
    proposal = by_key[pkey]
    recorded: list[Decision] = store_repo.decisions_for(session=session, version_id=proposal.id)
    if recorded:
        earlier = _record(recorded[-1])
        if earlier == decision:
            return by_key, True
        raise DecisionConflictError(
            f"{pkey} v{proposal.version} was already decided: {_describe(earlier)}; "
            f"this decision ({decision.outcome.label_fi}) was not recorded"
        )
    if latest_only:
        newest = store_repo.newest_version_number(session=session, artefact_id=proposal.artefact_id)
        if newest != proposal.version:
            raise DecisionConflictError(
                f"{pkey} v{proposal.version} is no longer the latest proposal (v{newest} was proposed since); "
                "this decision was not recorded"
            )
    for key in (pkey, *persisted.document_keys):
        status = status_of(by_key[key])
        if status != "proposed":
            raise DecisionConflictError(
                f"{key} v{by_key[key].version} is {status}, not awaiting a decision; "
                f"this decision ({decision.outcome.label_fi}) was not recorded"
            )
    return by_key, False


def record_decision(
    *,
    store: Store,
    persisted: PersistedCase,
    decision: DecisionRecord,
    flow_run_id: str | None = None,
    latest_only: bool = False,
) -> PersistedCase:
    """Record the body's decision on a case's proposal and on the versions of its round, once.

    Every decided version carries a decision bound to its own sha256. A standing outcome
    (approved, noted) decides the whole round (data, proposal, documents); a return or rejection
    decides the proposal and its documents, while the data versions stay proposed: an unchanged
    table is part of the next proposal too. Data already decided by another case of the stage (or
    a standing version the round reused) is left as it is.

    The check that the case still awaits a decision and the writes are one transaction, with the
    case's versions locked: of two decisions racing, one is recorded and the other refused, and
    the proposal and its documents change status together or not at all. Recording the very same
    decision again (a retried step) changes nothing. ``latest_only`` also refuses a proposal that
    is no longer its artefact's newest version (a decision recorded from outside a run).

    Raises:
        DecisionConflictError: the case no longer awaits this decision (an ``InputError``).
    """
    decided = {persisted.proposal_key, *persisted.document_keys}
    if decision.outcome.final:
        decided |= set(persisted.versions)
    updated: dict[str, VersionRef] = {}

    def unit() -> None:
        updated.clear()
        with store.transaction(actor=decision.recorded_by) as tx:
            # The round's lock first (PostgreSQL): its persist locks the same rows in another order.
            row = tx.session.get(ArtefactVersion, persisted.proposal.version_id)
            artefact = tx.session.get(Artefact, row.artefact_id) if row is not None else None
            if artefact is not None:
                tx.lock_round(region=artefact.region, cycle=artefact.cycle, stage=artefact.stage)
            current, already = _check_awaiting(tx.session, persisted, decision, latest_only=latest_only)
            for key, version in current.items():
                if not already and key in decided and status_of(version) == "proposed":
                    tx.record_decision(
                        version,
                        body=decision.body,
                        outcome=decision.outcome.value,
                        meeting_date=decision.meeting_date,
                        section=decision.section,
                        decision_number=decision.decision_number,
                        comments=decision.comments,
                        recorded_by=decision.recorded_by,
                        flow_run_id=flow_run_id,
                    )
                updated[key] = ref(version, key)

    _retrying(unit)
    return PersistedCase(
        case=persisted.case,
        versions=updated,
        proposal_key=persisted.proposal_key,
        document_keys=persisted.document_keys,
        source_keys=persisted.source_keys,
    )


def earlier_decisions(store: Store, *, region: str, cycle: int, proposal_key: str) -> list[EarlierDecision]:
    """Decisions already taken on earlier versions of a case's proposal: its *aiempi käsittely*."""
    out: list[EarlierDecision] = []
    for version in store.history(region, cycle, proposal_key):
        for d in store.decisions_for(version.id):
            record = _record(d)
            out.append(
                EarlierDecision(
                    version=version.version,
                    sha256=version.sha256,
                    body=record.body,
                    meeting_date=record.meeting_date,
                    section=record.section,
                    outcome=record.outcome,
                    comments=record.comments,
                )
            )
    return out


def export_versions(*, store: Store, versions: Iterable[VersionRef], dest: Path) -> list[Path]:
    """Write versions under ``dest`` with readable names (``<key>-v<n>.<ext>``); returns the paths."""
    dest.mkdir(parents=True, exist_ok=True)
    return [store.export_version(store.get_version(vref.version_id), dest) for vref in versions]


def _sanitized(value: Any) -> Any:
    # Prefect's table artifacts show NaN as empty cells (JSON has no NaN).
    if isinstance(value, list):
        return [_sanitized(item) for item in value]
    if isinstance(value, dict):
        return {k: _sanitized(v) for k, v in value.items()}
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _artifact(
    store: Store,
    key: str,
    vref: VersionRef,
    file_path: str | None,
    tables: dict[str, list[dict[str, Any]]],
    cards: dict[str, str],
    stale: dict[Any, str],
) -> tuple[str, str, str]:
    """The artifact mirroring a version: (type, description, data) as Prefect stores them.

    Tables become table artifacts, files links to the stored file, everything else a markdown
    card with version, status and hash, followed by ``cards[key]`` (a proposal's summary and the
    link to its document). A version of a round resting on a superseded basis says so (``stale``).
    """
    card = f"v{vref.version} · {vref.status} · sha256 `{vref.sha256}`"
    if vref.version_id in stale:
        card += f" · **stale basis**: {stale[vref.version_id]}"
    if key in tables:
        return "table", f"{key} {card}", json.dumps(_sanitized(tables[key]))
    if file_path is not None:
        uri = document_url(store, file_path)
        return "markdown", card, f"[{key} v{vref.version} ({vref.media_type})]({uri})"
    body = f"### {key}\n\n{card}\n\nversion id `{vref.version_id}`"
    if key in cards:
        body += "\n\n" + cards[key]
    return "markdown", card, body


def mirror_to_prefect(
    *,
    store: Store,
    region: str,
    cycle: int,
    versions: dict[str, VersionRef],
    tables: dict[str, list[dict[str, Any]]],
    cards: dict[str, str] | None = None,
) -> int:
    """Mirror each version as a keyed Prefect artifact so the UI shows its history; returns how
    many artifacts were created.

    One batch: one request reads the latest artifact of every key, and only the versions whose
    artifact would differ (a new version, a new status, another stored file) are created, so an
    unchanged re-run adds nothing to the history. Called after the commit, inside a flow or task run.
    """
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import ArtifactCreate
    from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey
    from prefect.utilities.context import get_task_and_flow_run_ids

    if not versions:
        return 0
    from soteflow.store.verify import stale_rounds

    task_run_id, flow_run_id = get_task_and_flow_run_ids()
    versions = dict(versions)
    stale = {member: item.basis for item in stale_rounds(store) for member in item.members}
    with store.session() as session:
        # Rounds of this region and cycle that a new approval left on a superseded basis: their
        # artifacts are mirrored again with the mark (only those whose artifact changes are created).
        for member in stale:
            version = session.get(ArtefactVersion, member)
            artefact = session.get(Artefact, version.artefact_id) if version is not None else None
            if version is not None and artefact is not None and (artefact.region, artefact.cycle) == (region, cycle):
                versions.setdefault(artefact.key, ref(version, artefact.key))
        ids = [vref.version_id for vref in versions.values()]  # the stored files' paths, in one query
        rows = session.exec(select(ArtefactVersion).where(col(ArtefactVersion.id).in_(ids))).all()
        paths = {row.id: row.file_path for row in rows}
    wanted = {
        prefect_key(region, cycle, key): _artifact(
            store, key, vref, paths.get(vref.version_id), tables, cards or {}, stale
        )
        for key, vref in versions.items()
    }
    with get_client(sync_client=True) as client:
        latest = {
            found.key: (found.type, found.description, found.data)
            for found in client.read_latest_artifacts(
                artifact_filter=ArtifactCollectionFilter(key=ArtifactCollectionFilterKey(any_=list(wanted))),
                limit=len(wanted),
            )
        }
        changed = [(key, artifact) for key, artifact in wanted.items() if latest.get(key) != artifact]
        for key, (kind, description, data) in changed:
            client.create_artifact(
                ArtifactCreate(
                    key=key,
                    type=kind,
                    description=description,
                    data=data,
                    flow_run_id=flow_run_id,
                    task_run_id=task_run_id,
                )
            )
    return len(changed)
