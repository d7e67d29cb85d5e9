"""``soteflow verify``: re-hash every version and check every chain and decision.

Reads the whole store in one read transaction (a consistent snapshot). The report lists each
problem with the artefact key and version it concerns; blob files that no version references
(left by a crash between writing a file and committing) are listed apart, as they do not make
the store wrong, only larger.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Callable

from pydantic import BaseModel, Field
from sqlmodel import col, select

from soteflow.store.blobs import BlobStore
from soteflow.store.canonical import canonical_text, sha256_hex
from soteflow.store.errors import StoreIntegrityError
from soteflow.store.models import Artefact, ArtefactVersion, Decision, LineageRef, VersionStatus
from soteflow.store.repo import Store, chain_hash_of

__all__ = ["Problem", "VerificationReport", "verify"]

#: Records one problem: (artefact, version or None, code, message).
_AddProblem = Callable[[Artefact, ArtefactVersion | None, str, str], None]

_DECIDED = {VersionStatus.APPROVED, VersionStatus.RETURNED, VersionStatus.REJECTED, VersionStatus.NOTED}


class Problem(BaseModel):
    """One thing wrong in the store."""

    region: str = Field(description="Region of the artefact concerned.")
    cycle: int = Field(description="Cycle year of the artefact concerned.")
    key: str = Field(description="Key of the artefact concerned.")
    version: int | None = Field(default=None, description="Version number concerned, if one.")
    version_id: uuid.UUID | None = Field(default=None, description="Version id concerned, if one.")
    code: str = Field(description="Machine-readable kind of problem, e.g. payload-hash.")
    message: str = Field(description="What is wrong, for people.")

    def __str__(self) -> str:
        where = f"{self.region}/{self.cycle}/{self.key}"
        if self.version is not None:
            where += f" v{self.version}"
        return f"{where}: {self.message} [{self.code}]"


class VerificationReport(BaseModel):
    """The result of :func:`verify`."""

    artefacts: int = Field(default=0, description="Artefacts checked.")
    versions: int = Field(default=0, description="Versions checked.")
    decisions: int = Field(default=0, description="Decisions checked.")
    blobs: int = Field(default=0, description="Blob files found.")
    problems: list[Problem] = Field(default_factory=list, description="Integrity problems.")
    orphan_blobs: list[str] = Field(default_factory=list, description="Blob files no version references.")

    @property
    def ok(self) -> bool:
        """True when no integrity problem was found (orphan files are not problems)."""
        return not self.problems

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
            f"{self.blobs} blob files, {len(self.orphan_blobs)} orphan blob files"
        )


def verify(store: Store) -> VerificationReport:
    """Re-hash every JSON payload and file, check every chain, decision and lineage reference.

    Checks, per version: the stored JSON text is canonical and hashes to ``sha256`` (so an edit
    of the text, even one that keeps it valid JSON, is found); a file exists at its
    content-addressed path and hashes to ``sha256``; ``size`` matches. Per artefact: version
    numbers run 1..n, each ``prev_sha256`` is the previous version's ``sha256`` and each
    ``chain_hash`` recomputes. Per decision: its ``sha256`` is its version's, and a decided
    status has a decision. Lineage references point at existing versions with the same hash.
    """
    report = VerificationReport()
    referenced: set[str] = set()
    with store.session() as session:
        artefacts = {a.id: a for a in session.exec(select(Artefact)).all()}
        versions_by_id: dict[uuid.UUID, ArtefactVersion] = {}
        by_artefact: dict[uuid.UUID, list[ArtefactVersion]] = defaultdict(list)
        for v in session.exec(
            select(ArtefactVersion).order_by(col(ArtefactVersion.artefact_id), col(ArtefactVersion.version))
        ).all():
            versions_by_id[v.id] = v
            by_artefact[v.artefact_id].append(v)
        decisions = list(session.exec(select(Decision)).all())

    report.artefacts = len(artefacts)
    report.versions = len(versions_by_id)
    report.decisions = len(decisions)

    def add(artefact: Artefact, v: ArtefactVersion | None, code: str, message: str) -> None:
        report.problems.append(
            Problem(
                region=artefact.region,
                cycle=artefact.cycle,
                key=artefact.key,
                version=v.version if v else None,
                version_id=v.id if v else None,
                code=code,
                message=message,
            )
        )

    for artefact_id, versions in by_artefact.items():
        artefact = artefacts[artefact_id]
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
            _check_content(store.blobs, artefact, v, add, referenced)
            for raw in v.inputs:
                try:
                    ref = LineageRef.model_validate(raw)
                except ValueError:
                    add(artefact, v, "lineage-ref", f"malformed lineage reference {raw!r}")
                    continue
                source = versions_by_id.get(ref.version_id)
                if source is None:
                    add(
                        artefact,
                        v,
                        "lineage-missing",
                        f"input version {ref.version_id} ({ref.key}) does not exist",
                    )
                elif source.sha256 != ref.sha256:
                    add(
                        artefact,
                        v,
                        "lineage-hash",
                        f"input {ref.key} v{ref.version} no longer has the hash used",
                    )
            prev = v

    decided: set[uuid.UUID] = set()
    for decision in decisions:
        version = versions_by_id.get(decision.version_id)
        if version is None:  # impossible with foreign keys on; reported all the same
            continue
        decided.add(version.id)
        if decision.sha256 != version.sha256:
            add(
                artefacts[version.artefact_id],
                version,
                "decision-hash",
                f"decision {decision.id} ({decision.section} §) was made on sha256 {decision.sha256}, "
                f"the version now has {version.sha256}",
            )
    for version in versions_by_id.values():
        if version.status in _DECIDED and version.id not in decided:
            add(
                artefacts[version.artefact_id],
                version,
                "decision-missing",
                f"status {version.status.value} without a decision",
            )

    on_disk = list(store.blobs.iter_relative_paths())
    report.blobs = len(on_disk)
    report.orphan_blobs = sorted(set(on_disk) - referenced)
    return report


def _check_content(
    blobs: BlobStore,
    artefact: Artefact,
    v: ArtefactVersion,
    add: _AddProblem,
    referenced: set[str],
) -> None:
    """Re-hash one version's payload or file."""
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
            add(
                artefact,
                v,
                "payload-canonical",
                "payload text is not in canonical form (edited after saving?)",
            )
        if sha256_hex(stored) != v.sha256:
            add(
                artefact,
                v,
                "payload-hash",
                f"payload hashes to {sha256_hex(stored)}, recorded sha256 is {v.sha256}",
            )
        if len(stored) != v.size:
            add(artefact, v, "size", f"payload is {len(stored)} bytes, recorded size is {v.size}")
        return
    assert v.file_path is not None
    referenced.add(v.file_path)
    try:
        expected_path = BlobStore.relative_path(v.sha256)
    except ValueError:
        expected_path = None
    if v.file_path != expected_path:
        add(
            artefact,
            v,
            "file-path",
            f"file_path {v.file_path} is not the content address of sha256 {v.sha256}",
        )
    path = blobs.path_for(v.file_path)
    try:
        content = path.read_bytes()
    except FileNotFoundError:
        add(artefact, v, "file-missing", f"blob file {v.file_path} is missing")
        return
    digest = sha256_hex(content)
    if digest != v.sha256:
        add(
            artefact,
            v,
            "file-hash",
            f"blob file {v.file_path} hashes to {digest}, recorded sha256 is {v.sha256}",
        )
    if len(content) != v.size:
        add(artefact, v, "size", f"blob file is {len(content)} bytes, recorded size is {v.size}")
