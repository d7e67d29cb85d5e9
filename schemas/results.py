"""What a stage run returns and what the demo summarises: references to stored versions and decisions."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, ConfigDict, Field

from schemas.decisions import DecisionRecord, Outcome
from schemas.stages import Stage


class VersionRef(BaseModel):
    """A stored artefact version, as lineage and results refer to it."""

    version_id: uuid.UUID = Field(description="Id of the artefact version in the store.")
    key: str = Field(description="Artefact key within the region and cycle, e.g. `needs-profile`.")
    version: int = Field(description="Version number, 1, 2, …")
    sha256: str = Field(description="SHA-256 of the version's canonical JSON or file bytes.")
    status: str = Field(description="draft, proposed, approved, returned, rejected, noted or superseded.")
    media_type: str = Field(description="application/json, application/pdf, text/html, image/svg+xml.")


class SourceRef(BaseModel):
    """A stored version referred to inside a payload: key, version number and hash.

    No store id: a payload's hash must be the same in every store holding the same content, so
    documents that print it are reproducible.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(description="Artefaktin avain")
    version: int = Field(description="Versio")
    sha256: str = Field(description="Version SHA-256")

    @classmethod
    def of(cls, ref: VersionRef) -> SourceRef:
        """The payload form of a :class:`VersionRef`."""
        return cls(key=ref.key, version=ref.version, sha256=ref.sha256)


class Proposal(BaseModel):
    """A case's proposal awaiting the body's decision: the decided version and its summary."""

    stage: Stage = Field(description="The stage that proposes.")
    case: str = Field(description="The case (asia) within the stage, e.g. `needs` or `award-kotihoito`.")
    region: str = Field(description="Welfare-region code, e.g. HVA08.")
    cycle: int = Field(description="Planning cycle (year).")
    proposal: VersionRef = Field(description="The proposal payload version the decision is bound to.")
    body: str = Field(description="The body that decides (from the region configuration).")
    meeting_date: str = Field(description="Proposed meeting date, ISO format.")
    title: str = Field(description="Title of the agenda item.")
    summary_markdown: str = Field(description="Summary shown above the decision form in the Prefect UI.")
    outcomes: list[Outcome] = Field(description="The outcomes the body may decide on this case.")
    document_url: str | None = Field(
        default=None, description="Link to the decision document (PDF) the body decides on, if it has one."
    )


class ApprovedCase(BaseModel):
    """A case of an earlier stage as the body decided it for good: what a later stage builds on."""

    stage: Stage = Field(description="The stage whose case this is.")
    case: str = Field(description="The case key.")
    region: str = Field(description="Welfare-region code.")
    cycle: int = Field(description="Planning cycle (year).")
    proposal: VersionRef = Field(description="The approved (or noted) proposal version.")
    decision: DecisionRecord = Field(description="The decision that made it stand.")
    inputs: dict[str, VersionRef] = Field(
        description="Every version the proposal was computed from, by key (nearest first wins)."
    )


class CaseResult(BaseModel):
    """One case of a stage run: its final proposal, documents and the body's decision."""

    case: str = Field(description="The case key.")
    title: str = Field(description="Title of the agenda item.")
    body: str = Field(description="The deciding body.")
    rounds: int = Field(description="How many proposals were made (1 + number of returns).")
    proposal: VersionRef = Field(description="The final proposal version.")
    documents: list[VersionRef] = Field(default_factory=list, description="The documents rendered from it.")
    decision: DecisionRecord | None = Field(description="The body's decision on the final proposal, if taken.")


class StageResult(BaseModel):
    """The outcome of one stage run: its final versions, documents and the body's decisions per case."""

    stage: Stage = Field(description="The stage.")
    number: int = Field(description="Stage number 1–7.")
    name_fi: str = Field(description="The stage's Finnish name.")
    region: str = Field(description="Welfare-region code.")
    cycle: int = Field(description="Planning cycle (year).")
    period: str | None = Field(
        default=None, description="The period of a stage run per period (stage 6), e.g. 2026-03."
    )
    cases: list[CaseResult] = Field(description="The cases the stage proposed, with their decisions.")
    artefacts: list[VersionRef] = Field(description="The final round's artefact versions.")
    documents: list[str] = Field(default_factory=list, description="Paths of exported files, if exported.")

    @property
    def rounds(self) -> int:
        """The most proposals any case needed (1 + its returns)."""
        return max((c.rounds for c in self.cases), default=0)

    @property
    def accepted(self) -> bool:
        """Whether every case stands (approved or noted): what lets the next stage start."""
        return bool(self.cases) and all(c.decision is not None and c.decision.outcome.final for c in self.cases)

    @property
    def outcome(self) -> Outcome | None:
        """The stage's outcome in one word: a refusing outcome if any case has one, else the standing one.

        ``None`` while a case waits for its decision.
        """
        decisions = [c.decision for c in self.cases]
        if not decisions or any(d is None for d in decisions):
            return None
        outcomes = [d.outcome for d in decisions if d is not None]
        for refusing in (Outcome.REJECTED, Outcome.RETURNED):
            if refusing in outcomes:
                return refusing
        return Outcome.APPROVED if Outcome.APPROVED in outcomes else Outcome.NOTED

    def case(self, key: str | None = None) -> CaseResult:
        """The case ``key``, or the stage's only case."""
        if key is None:
            if len(self.cases) != 1:
                raise KeyError(f"{self.stage.value} has {len(self.cases)} cases; name one")
            return self.cases[0]
        for item in self.cases:
            if item.case == key:
                return item
        raise KeyError(key)
