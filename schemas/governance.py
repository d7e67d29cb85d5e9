"""Governance configuration of a region: bodies, meeting defaults and people per stage.

Read from TOML files (``data/config/regions/default.toml`` overridden by ``<REGION>.toml``) by
:func:`soteflow.documents.governance.load_governance`. Pure pydantic: no Prefect, no database.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from schemas.documents import AppealKind, Person
from schemas.stages import Stage


class _Config(BaseModel):
    # extra="forbid": a misspelt key in a config file is an error, not a silently ignored value.
    model_config = ConfigDict(extra="forbid", frozen=True)


class BodyConfig(_Config):
    """A governance body (toimielin): aluevaltuusto, aluehallitus or a jaosto / lautakunta."""

    name: str = Field(description="Name as printed, e.g. 'Aluehallitus'.")
    decides_verb: str = Field(description="Opening of a proposal, e.g. 'Aluehallitus päättää'.")
    appeal: AppealKind = Field(description="Appeal route for this body's decisions.")
    rectification_authority: str | None = Field(
        default=None,
        description="Where a request for rectification of this body's decisions is made when not to the body "
        "itself: an office holder's decisions go to the body the office holder is under (hyvinvointialuelaki "
        "611/2021, 139 §), e.g. 'Aluehallituksen järjestämisjaosto'.",
    )
    meeting_interval_days: int = Field(
        default=14,
        ge=1,
        description="Days between the body's meetings: a returned item comes back at the earliest this much later.",
    )
    prepared_by: str | None = Field(
        default=None,
        description=(
            "Key in [bodies] of the body that prepares and proposes this body's items (the aluehallitus "
            "for the aluevaltuusto, hyvinvointialuelaki 611/2021 43 § 1 mom. 2 kohta). Such an item has no "
            "presenter of its own: it shows the preparing body's handling and decides on its proposal."
        ),
    )
    preparer_proposal: str | None = Field(
        default=None,
        description=(
            "The preparing body's proposal as printed in its handling; '{proposal}' is this body's "
            "proposal with a lower-case first letter, e.g. 'Aluehallitus päättää esittää aluevaltuustolle, "
            "että {proposal}'."
        ),
    )
    proposal_heading: str | None = Field(
        default=None, description="Heading of the proposal this body decides on, e.g. 'Aluehallituksen ehdotus'."
    )
    preparation_days: int = Field(
        default=21,
        ge=1,
        description="The preparing body handles the item at least this many days before this body meets.",
    )

    @model_validator(mode="after")
    def _preparation_complete(self) -> BodyConfig:
        if self.prepared_by is not None:
            if not self.preparer_proposal or "{proposal}" not in self.preparer_proposal:
                raise ValueError("preparer_proposal with '{proposal}' is required when prepared_by is set")
            if not self.proposal_heading:
                raise ValueError("proposal_heading is required when prepared_by is set")
        return self


class MeetingConfig(_Config):
    """Meeting defaults printed in documents."""

    place: str = Field(description="Default meeting place.")
    time: str = Field(description="Default start time in Finnish notation, e.g. '14.00'.")


class AppealConfig(_Config):
    """Where requests for rectification and appeals are sent."""

    address: str = Field(description="Postal and e-mail address of the region's registry (kirjaamo).")
    court: str = Field(description="Competent administrative court, e.g. 'Hämeenlinnan hallinto-oikeus'.")
    market_court: str = Field(
        default="markkinaoikeus",
        description="The Market Court and its address, for appeals against procurement decisions.",
    )


class CaseConfig(_Config):
    """Overrides for one case (asia) of a stage, e.g. an award decision taken by another body."""

    body: str | None = Field(default=None, description="Key of the deciding body in [bodies].")
    presenter: str | None = Field(default=None, description="Key of the presenter in [people].")
    preparers: list[str] | None = Field(default=None, description="Keys of the preparers in [people].")
    dnro: str | None = Field(default=None, description="Case-number pattern (as in the stage).")
    appeal: AppealKind | None = Field(default=None, description="Appeal route of this case's decision.")


class ProcurementConfig(_Config):
    """How the region publishes its procurements as open contracting data (OCDS)."""

    ocid_prefix: str = Field(
        pattern=r"^ocds-[a-z0-9]{6}$",
        description="The region's OCDS ocid prefix, registered with the Open Contracting Partnership.",
    )
    buyer_id: str = Field(description="The buyer's organisation identifier, e.g. 'FI-PRO-1234567-8' (y-tunnus).")
    publisher: str = Field(description="Who publishes the data (the buyer's name by default).")
    uri: str = Field(description="Where the release packages are published (their uri).")


class PlanningYears(_Config):
    """The years one planning cycle prepares: the budget year and the financial plan's years.

    Hyvinvointialuelaki 611/2021 115 § 1 mom. (as enacted): the council adopts by the end of each year
    the budget for the next calendar year and with it a financial plan for three or more years; the
    budget year is the plan's first year. Cycle *N* (decided in year *N*) prepares budget year *N + 1*
    and the plan *N + 1 … N + 3*; the cycle stays the store's key (artefacts, dnro, ``--cycle``).
    """

    cycle: int = Field(description="The planning cycle (the store's key), e.g. 2026.")
    budget_year: int = Field(description="The budget year the cycle prepares (the frame year), e.g. 2027.")
    plan_last_year: int = Field(description="The financial plan's last year, e.g. 2029.")

    @property
    def plan_years(self) -> list[int]:
        """The financial plan's years, the budget year first."""
        return list(range(self.budget_year, self.plan_last_year + 1))

    @property
    def plan_span(self) -> str:
        """The financial plan's years as printed: ``2027–2029``."""
        return f"{self.budget_year}–{self.plan_last_year}"


class PlanningConfig(_Config):
    """How a cycle's year maps to the budget year and the financial plan it prepares ([planning])."""

    budget_year_offset: int = Field(
        ge=0,
        le=5,
        description="Cycle N prepares the budget of year N + this (1: decided in autumn, for the next year).",
    )
    plan_years: int = Field(
        ge=3,
        le=10,
        description="Years of the financial plan, the budget year first (three or more: 611/2021 115 § 1 mom.).",
    )

    def years(self, cycle: int) -> PlanningYears:
        """The budget year and the financial plan's years of ``cycle``."""
        budget = cycle + self.budget_year_offset
        return PlanningYears(cycle=cycle, budget_year=budget, plan_last_year=budget + self.plan_years - 1)


class StageConfig(_Config):
    """Who decides and who prepares and presents a stage's decision documents."""

    body: str = Field(description="Key of the deciding body in [bodies].")
    presenter: str = Field(description="Key of the presenter (esittelijä) in [people].")
    preparers: list[str] = Field(min_length=1, description="Keys of the preparers (valmistelijat) in [people].")
    dnro: str = Field(description="Case-number pattern; placeholders {region_code}, {cycle}, {stage_number}, {stage}.")
    cases: dict[str, CaseConfig] = Field(
        default_factory=dict, description="Per-case overrides, by case key (e.g. [stages.procurement.cases.award])."
    )


class RegionConfig(_Config):
    """The merged region configuration file (default + region override)."""

    region_name: str = Field(description="Name of the welfare region as printed in documents.")
    meeting: MeetingConfig = Field(description="Meeting defaults.")
    appeal: AppealConfig = Field(description="Appeal addresses.")
    bodies: dict[str, BodyConfig] = Field(description="Governance bodies by key.")
    people: dict[str, Person] = Field(description="People by key (shipped files hold example people only).")
    stages: dict[Stage, StageConfig] = Field(description="Per-stage governance, keyed by stage value.")
    procurement: ProcurementConfig = Field(description="Open contracting data (OCDS) settings.")
    planning: PlanningConfig = Field(description="The budget year and financial plan a cycle prepares.")


class StageGovernance(_Config):
    """The resolved governance of one case of a stage in one region: what its document needs."""

    region_code: str = Field(description="Region code, e.g. 'HVA08'.")
    region_name: str = Field(description="Region name as printed, e.g. 'Pirkanmaan hyvinvointialue'.")
    stage: Stage = Field(description="The stage.")
    case: str | None = Field(default=None, description="The case whose overrides apply, if any.")
    body_key: str = Field(description="Key of the deciding body in the configuration.")
    body: BodyConfig = Field(description="The deciding body.")
    presenter: Person = Field(description="Presenter (esittelijä).")
    preparers: list[Person] = Field(min_length=1, description="Preparers (valmistelijat).")
    dnro_pattern: str = Field(description="Case-number pattern before the cycle is filled in.")
    meeting: MeetingConfig = Field(description="Meeting defaults.")
    appeal: AppealConfig = Field(description="Appeal addresses.")
    appeal_override: AppealKind | None = Field(
        default=None, description="The appeal route the configuration sets for this case, if it sets one."
    )
    preparing_body: BodyConfig | None = Field(
        default=None, description="The body that prepares and proposes the item, when the deciding body has one."
    )
    planning: PlanningConfig = Field(description="The budget year and financial plan a cycle prepares.")

    def appeal_route(self, case_default: AppealKind | None = None) -> AppealKind:
        """The case's appeal route: the configuration's, else the case's own (e.g. a procurement
        decision), else the deciding body's."""
        return self.appeal_override or case_default or self.body.appeal

    def dnro(self, cycle: int) -> str:
        """The case number for ``cycle`` (the planning year), e.g. ``PIRHA/2025/00.01.00/1``."""
        return self.dnro_pattern.format(
            region_code=self.region_code, cycle=cycle, stage_number=self.stage.number, stage=self.stage.value
        )
