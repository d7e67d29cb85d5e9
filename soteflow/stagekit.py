"""What every stage does around its own computation: persist, mirror, decide, export.

A stage computes its payloads (pure functions in ``tasks/``), then hands them here. Everything a
stage round writes goes into one store transaction, so a failure leaves no partial version and
no orphan file; after the commit each version is mirrored as a keyed Prefect artifact.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from schemas.decisions import DecisionRecord, Outcome
from schemas.results import StageResult, VersionRef
from schemas.stages import Stage
from soteflow import __version__
from soteflow.store import ArtefactVersion, LineageRef, Store
from soteflow.store import repo as store_repo

_KEY_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class JsonOutput:
    """A JSON artefact of a stage round: a validated pydantic payload."""

    key: str
    kind: str
    title: str
    payload: BaseModel
    inputs: Sequence[str] = ()  # keys of outputs of the same round (or earlier stages' refs)
    external_inputs: Sequence[VersionRef] = ()


@dataclass(frozen=True)
class FileOutput:
    """A file artefact (source snapshot, SVG figure) of a stage round."""

    key: str
    kind: str
    title: str
    content: bytes
    media_type: str
    inputs: Sequence[str] = ()
    schema_name: str = "file"  # e.g. "pxweb-json", "svg"; files have no pydantic schema
    schema_version: str = "1"


@dataclass(frozen=True)
class RenderedFiles:
    """The decision document as rendered from the stored proposal version."""

    html: str
    pdf: bytes


@dataclass(frozen=True)
class RenderedDocument:
    """One of several documents of a round (e.g. the decision and a summary attached to it).

    ``key`` is the document's key stem: the PDF is stored as ``<key>-pdf`` and the HTML as
    ``<key>-html``.
    """

    key: str
    title: str
    html: str
    pdf: bytes


@dataclass
class PersistedRound:
    """The versions one stage round wrote (or found identical in the store)."""

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


def ref(version: ArtefactVersion, key: str) -> VersionRef:
    """A :class:`VersionRef` for a stored version."""
    return VersionRef(
        version_id=version.id,
        key=key,
        version=version.version,
        sha256=version.sha256,
        status=str(getattr(version.status, "value", version.status)),
        media_type=version.media_type,
    )


def prefect_key(region: str, cycle: int, key: str) -> str:
    """A Prefect artifact key (``[a-z0-9-]`` only) for an artefact of a region and cycle."""
    candidate = f"{region}-{cycle}-{key}".lower()
    if not _KEY_RE.match(candidate):
        raise ValueError(f"artefact key {key!r} does not give a valid Prefect artifact key")
    return candidate


def persist_round(
    *,
    store: Store,
    region: str,
    cycle: int,
    stage: Stage,
    sources: Iterable[FileOutput],
    data: Iterable[JsonOutput],
    figures: Iterable[FileOutput],
    proposal: JsonOutput,
    render: Callable[[VersionRef], RenderedFiles | list[RenderedDocument]],
    document_key: str,
    document_title: str,
    flow_run_id: str | None = None,
    task_run_id: str | None = None,
    actor: str = "soteflow",
) -> PersistedRound:
    """Save one stage round in a single transaction: sources, data, proposal, PDF and HTML.

    The documents are rendered from the proposal version inside the transaction because their
    footers print that version's number and hash. ``render`` returns the decision document
    (stored under ``document_key``) or a list of documents, each under its own key. Saving is idempotent: a round whose content is already
    stored returns the existing versions, so a resumed flow run writes nothing new.
    """
    result = PersistedRound(proposal_key=proposal.key)
    meta: dict[str, Any] = {
        "region": region,
        "cycle": cycle,
        "stage": stage.value,
        "code_version": __version__,
        "flow_run_id": flow_run_id,
        "task_run_id": task_run_id,
    }
    stored: dict[str, ArtefactVersion] = {}

    def inputs_of(keys: Sequence[str], external: Sequence[VersionRef] = ()) -> list[Any]:
        refs = [LineageRef(version_id=e.version_id, key=e.key, version=e.version, sha256=e.sha256) for e in external]
        return [stored[k] for k in keys] + refs

    sources = list(sources)
    source_keys = {s.key for s in sources}
    with store.transaction(actor=actor) as tx:

        def save_file(item: FileOutput) -> None:
            stored[item.key] = tx.save_file(
                key=item.key,
                kind=item.kind,
                title=item.title,
                content=item.content,
                media_type=item.media_type,
                schema_name=item.schema_name,
                schema_version=item.schema_version,
                inputs=inputs_of(item.inputs),
                **meta,
            )

        def save_json(item: JsonOutput) -> None:
            stored[item.key] = tx.save_json(
                key=item.key,
                kind=item.kind,
                title=item.title,
                payload=item.payload,
                schema_name=type(item.payload).__name__,
                schema_version="1",
                inputs=inputs_of(item.inputs, item.external_inputs),
                **meta,
            )

        # Lineage order: each output is saved after the outputs it was computed from.
        for source in sources:
            save_file(source)
        for item in data:
            save_json(item)
        for figure in figures:
            save_file(figure)
        save_json(proposal)
        rendered = render(ref(stored[proposal.key], proposal.key))
        documents = (
            [RenderedDocument(document_key, document_title, rendered.html, rendered.pdf)]
            if isinstance(rendered, RenderedFiles)
            else rendered
        )
        document_keys: list[str] = []
        for doc in documents:
            pdf_key, html_key = f"{doc.key}-pdf", f"{doc.key}-html"
            for key, title, content, media_type, schema in (
                (pdf_key, doc.title, doc.pdf, "application/pdf", "pdf/a-3a"),
                (html_key, f"{doc.title} (HTML)", doc.html.encode("utf-8"), "text/html", "html"),
            ):
                save_file(FileOutput(key, "document", title, content, media_type, (proposal.key,), schema_name=schema))
            document_keys += [pdf_key, html_key]
        result.document_keys = tuple(document_keys)
        result.source_keys = tuple(sorted(source_keys))
        for key, version in stored.items():
            if key not in source_keys and _status(version) == "draft":
                tx.set_status(version, "proposed")
        result.versions = {key: ref(version, key) for key, version in stored.items()}
    return result


def _status(version: ArtefactVersion) -> str:
    return str(getattr(version.status, "value", version.status))


def open_store() -> Store:
    """The store of the current settings, opened once per URL and blob folder in a process."""
    from soteflow.settings import get_settings

    settings = get_settings()
    return _open_store(settings.store_url, str(settings.blob_dir))


@lru_cache(maxsize=8)
def _open_store(url: str, blob_dir: str) -> Store:
    return Store(url, Path(blob_dir))


def existing_decision(store: Store, proposal: VersionRef) -> DecisionRecord | None:
    """The decision already recorded on this proposal version (a resumed or repeated run)."""
    decisions = store.decisions_for(proposal.version_id)
    if not decisions:
        return None
    last = decisions[-1]
    return DecisionRecord(
        outcome=Outcome(str(getattr(last.outcome, "value", last.outcome))),
        body=last.body,
        meeting_date=last.meeting_date,
        section=last.section,
        decision_number=last.decision_number,
        comments=last.comments,
        recorded_by=last.recorded_by,
    )


def record_decision(
    *,
    store: Store,
    persisted: PersistedRound,
    decision: DecisionRecord,
    flow_run_id: str | None = None,
) -> PersistedRound:
    """Record the body's decision on the proposal and on the round's versions that follow it.

    Every decided version carries a decision bound to its own sha256. Approval decides the whole
    round (data, proposal, documents); a return or rejection decides the proposal and its
    documents, while the data versions stay proposed: an unchanged table is part of the next
    proposal too. Idempotent: a proposal that already has a decision is left as it is.
    """
    if existing_decision(store, persisted.proposal) is not None:
        return persisted
    decided = {persisted.proposal_key, *persisted.document_keys}
    if decision.outcome is Outcome.APPROVED:
        decided |= set(persisted.versions)
    updated: dict[str, VersionRef] = {}
    with store.transaction(actor=decision.recorded_by) as tx:
        for key, vref in persisted.versions.items():
            version = store_repo.get_version(session=tx.session, version_id=vref.version_id)
            if key in decided and _status(version) == "proposed":
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
    return PersistedRound(
        versions=updated,
        proposal_key=persisted.proposal_key,
        document_keys=persisted.document_keys,
        source_keys=persisted.source_keys,
    )


def earlier_decisions(store: Store, *, region: str, cycle: int, proposal_key: str) -> list[dict[str, Any]]:
    """Decisions already taken on earlier versions of a stage's proposal: its *aiempi käsittely*."""
    out: list[dict[str, Any]] = []
    for version in store.history(region, cycle, proposal_key):
        for d in store.decisions_for(version.id):
            out.append(
                {
                    "version": version.version,
                    "sha256": version.sha256,
                    "body": d.body,
                    "meeting_date": d.meeting_date.isoformat(),
                    "section": d.section,
                    "outcome": str(getattr(d.outcome, "value", d.outcome)),
                    "comments": d.comments,
                }
            )
    return out


def export_round(*, store: Store, versions: Iterable[VersionRef], dest: Path) -> list[Path]:
    """Write the round's versions under ``dest`` with readable names; returns the paths."""
    dest.mkdir(parents=True, exist_ok=True)
    return [store.export_version(store.get_version(vref.version_id), dest) for vref in versions]


def mirror_to_prefect(
    *,
    store: Store,
    region: str,
    cycle: int,
    persisted: PersistedRound,
    tables: dict[str, list[dict[str, Any]]],
) -> None:
    """Mirror each version as a keyed Prefect artifact so the UI shows its history.

    Tables become table artifacts, files link artifacts, everything else a markdown card with
    version, status and hash. Called after the commit, and only inside a flow or task run.
    """
    from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact

    for key, vref in persisted.versions.items():
        pkey = prefect_key(region, cycle, key)
        card = f"v{vref.version} · {vref.status} · sha256 `{vref.sha256}`"
        if key in tables:
            create_table_artifact(tables[key], key=pkey, description=f"{key} {card}")
        elif vref.media_type != "application/json":
            stored = store.get_version(vref.version_id)
            assert stored.file_path is not None
            create_link_artifact(
                store.blobs.path_for(stored.file_path).resolve().as_uri(),
                link_text=f"{key} v{vref.version} ({vref.media_type})",
                key=pkey,
                description=card,
            )
        else:
            create_markdown_artifact(
                f"### {key}\n\n{card}\n\nversion id `{vref.version_id}`", key=pkey, description=card
            )


def build_summary(*, region: str, cycle: int, results: list[StageResult]) -> dict[str, Any]:
    """The demo summary: per stage its number, name, artefact versions, documents and decision."""
    return {
        "region": region,
        "cycle": cycle,
        "stages": [
            {
                "stage": r.stage.value,
                "number": r.number,
                "name_fi": r.name_fi,
                "rounds": r.rounds,
                "artefacts": [
                    {"key": a.key, "version": a.version, "sha256": a.sha256, "status": a.status} for a in r.artefacts
                ],
                "documents": r.documents,
                "decision": r.decision.outcome.value if r.decision else None,
            }
            for r in results
        ],
    }
