"""Stage 2 (Tuloksellisuustavoitteiden asettaminen): client groups, impact targets, the financial
frame allocated to client groups, and the multi-year framework forecast.

Pure pydantic: no Prefect, no database. This module holds the contract later stages read from an
approved stage-2 round (:class:`ClientGroup`, :class:`ImpactTarget`, :class:`ImpactTargets`,
:class:`FrameAllocation`); the stage's own inputs and analysis models follow below them.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from schemas.results import VersionRef


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ClientGroup(StrEnum):
    """The client groups (asiakasryhmät) targets and the frame are set for."""

    CHILDREN_FAMILIES = "children_families"
    WORKING_AGE = "working_age"
    OLDER_PEOPLE = "older_people"
    DISABILITY = "disability"
    MENTAL_SUBSTANCE = "mental_substance"

    @property
    def label_fi(self) -> str:
        """The group's Finnish name as printed in documents."""
        return CLIENT_GROUP_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> ClientGroup:
        """A group from its code or its Finnish name, ignoring case (``ValueError`` if unknown)."""
        wanted = " ".join(text.split()).lower()
        for group in cls:
            if wanted in {group.value, group.label_fi.lower()}:
                return group
        known = ", ".join(f"{g.value} ({g.label_fi})" for g in cls)
        raise ValueError(f"unknown client group {text!r}; known groups: {known}")


CLIENT_GROUP_LABELS: dict[ClientGroup, str] = {
    ClientGroup.CHILDREN_FAMILIES: "Lapset, nuoret ja perheet",
    ClientGroup.WORKING_AGE: "Työikäiset",
    ClientGroup.OLDER_PEOPLE: "Ikääntyneet",
    ClientGroup.DISABILITY: "Vammaiset henkilöt",
    ClientGroup.MENTAL_SUBSTANCE: "Mielenterveys- ja päihdeasiakkaat",
}


class Direction(StrEnum):
    """Which way an indicator should move for the target to be met."""

    INCREASE = "increase"
    DECREASE = "decrease"
    MAINTAIN = "maintain"

    @property
    def label_fi(self) -> str:
        """Finnish label: kasvaa, laskee, säilyy."""
        return {"increase": "kasvaa", "decrease": "laskee", "maintain": "säilyy"}[self.value]


class NeedFinding(_Model):
    """The stage-1 finding a target answers, traceable to the approved stage-1 artefact version."""

    text: str = Field(description="The finding in Finnish, e.g. '65 vuotta täyttäneiden osuus 22,9 % (maa 23,6 %)'.")
    artefact: VersionRef = Field(description="The approved stage-1 version the finding and baseline come from.")
    pointer: str = Field(description="Where in that artefact, e.g. 'region.share_65_plus'.")


class ImpactTarget(_Model):
    """One impact target (vaikuttavuustavoite) of a client group."""

    target_id: str = Field(description="Target id, unique in the cycle, e.g. 'T-IKA-1'.")
    client_group: ClientGroup = Field(description="Client group (asiakasryhmä).")
    indicator: str = Field(description="Indicator name in Finnish, e.g. 'Pitkäaikaistyöttömien osuus työvoimasta'.")
    unit: str = Field(description="Unit of the indicator: '%', 'per 1000', 'lkm', 'indeksi' …")
    baseline: float | None = Field(description="Baseline value; from stage-1 data where the indicator exists there.")
    baseline_year: str | None = Field(description="Statistical period of the baseline, e.g. '2025'.")
    baseline_source: Literal["stage1", "input"] = Field(
        description="'stage1' when the baseline is taken from the approved stage-1 data, 'input' when given in the file."
    )
    target_value: float = Field(description="Target value of the indicator.")
    target_year: int = Field(description="Year by which the target is to be reached.")
    direction: Direction = Field(description="Which way the indicator should move.")
    finding: NeedFinding | None = Field(description="The stage-1 need finding the target answers.")


class ImpactTargets(_Model):
    """All impact targets of the cycle, by client group (stage-2 artefact ``targets-impact``)."""

    region_code: str = Field(description="Welfare-region code, e.g. HVA08.")
    cycle: int = Field(description="Planning cycle (year).")
    targets: list[ImpactTarget] = Field(description="Targets in file order.")

    def for_group(self, group: ClientGroup) -> list[ImpactTarget]:
        """The targets of one client group."""
        return [t for t in self.targets if t.client_group is group]

    def by_id(self, target_id: str) -> ImpactTarget:
        """The target with ``target_id`` (``KeyError`` if none)."""
        for target in self.targets:
            if target.target_id == target_id:
                return target
        raise KeyError(target_id)


class AllocationMethod(StrEnum):
    """How the frame is divided among client groups."""

    NEED_SHARE = "need_share"
    CURRENT_SPEND = "current_spend"
    BLEND = "blend"


class GroupAllocation(_Model):
    """One client group's share of the frame and how it was reached."""

    client_group: ClientGroup = Field(description="Client group.")
    current_spend_eur: float = Field(description="Operating costs of the group's service areas in the base year, €.")
    current_share: float = Field(description="Share of current spend, 0–1.")
    relative_need: float = Field(description="The group's need relative to the country (1 = country level).")
    need_share: float = Field(description="Need-weighted share, 0–1.")
    allocated_share: float = Field(description="Share of the frame allocated, 0–1.")
    allocated_eur: float = Field(description="Frame allocated to the group in the frame year, €.")


class FrameAllocation(_Model):
    """The economic boundary conditions: the frame of a year allocated to client groups
    (stage-2 artefact ``targets-frame``)."""

    region_code: str = Field(description="Welfare-region code.")
    frame_year: int = Field(description="The year the frame is for.")
    frame_eur: float = Field(description="Total operating-cost frame of that year, €.")
    method: AllocationMethod = Field(description="Allocation method.")
    need_weight: float = Field(ge=0, le=1, description="Weight of the need share in a blend (1 = need share only).")
    method_text: str = Field(description="The method in Finnish, as printed in the document.")
    groups: list[GroupAllocation] = Field(description="One row per client group.")

    def for_group(self, group: ClientGroup) -> GroupAllocation:
        """The allocation of one client group."""
        return next(g for g in self.groups if g.client_group is group)
