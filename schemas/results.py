"""What a stage run returns and what the demo summarises: references to stored versions."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from schemas.decisions import DecisionRecord
from schemas.stages import Stage


class VersionRef(BaseModel):
    """A stored artefact version, as lineage and results refer to it."""

    version_id: uuid.UUID = Field(description="Id of the artefact version in the store.")
    key: str = Field(description="Artefact key within the region and cycle, e.g. `needs-profile`.")
    version: int = Field(description="Version number, 1, 2, …")
    sha256: str = Field(description="SHA-256 of the version's canonical JSON or file bytes.")
    status: str = Field(description="draft, proposed, approved, returned, rejected or superseded.")
    media_type: str = Field(description="application/json, application/pdf, text/html, image/svg+xml.")


class Proposal(BaseModel):
    """A stage's proposal awaiting the body's decision: the decided version and its summary."""

    stage: Stage = Field(description="The stage that proposes.")
    region: str = Field(description="Welfare-region code, e.g. HVA08.")
    cycle: int = Field(description="Planning cycle (year).")
    proposal: VersionRef = Field(description="The proposal payload version the decision is bound to.")
    body: str = Field(description="The body that decides (from the region configuration).")
    meeting_date: str = Field(description="Proposed meeting date, ISO format.")
    title: str = Field(description="Title of the agenda item.")
    summary_markdown: str = Field(description="Summary shown above the decision form in the Prefect UI.")


class StageResult(BaseModel):
    """The outcome of one stage run: its final versions, documents and the body's decision."""

    stage: Stage = Field(description="The stage.")
    number: int = Field(description="Stage number 1–7.")
    name_fi: str = Field(description="The stage's Finnish name.")
    region: str = Field(description="Welfare-region code.")
    cycle: int = Field(description="Planning cycle (year).")
    rounds: int = Field(description="How many proposals were made (1 + number of returns).")
    artefacts: list[VersionRef] = Field(description="The final round's artefact versions.")
    decision: DecisionRecord | None = Field(description="The body's decision on the final proposal, if taken.")
    documents: list[str] = Field(default_factory=list, description="Paths of exported documents, if exported.")
