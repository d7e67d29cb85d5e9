"""Stage 2 (Tuloksellisuustavoitteiden asettaminen): client groups, impact targets, the financial
frame allocated to client groups, and the multi-year framework forecast.

Pure pydantic: no Prefect, no database. This module holds the contract later stages read from an
approved stage-2 round (:class:`ClientGroup`, :class:`ImpactTarget`, :class:`ImpactTargets`,
:class:`FrameAllocation`); the stage's own inputs and analysis models follow below them.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from schemas.accounts import AccountGroup, AccountTotal
from schemas.documents import AgendaContent
from schemas.needs import AreaProfile
from schemas.results import SourceRef, VersionRef
from schemas.tabular import FiFloat, FiInt, Text


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

    @property
    def genitive_fi(self) -> str:
        """The group's name in the genitive, for running text ("vammaisten henkilöiden ryhmän osuus")."""
        return CLIENT_GROUP_GENITIVES[self]

    @classmethod
    def parse(cls, text: str) -> ClientGroup:
        """A group from its code or its Finnish name, ignoring case (``ValueError`` if unknown)."""
        wanted = " ".join(text.split()).lower()
        for group in cls:
            if wanted in {group.value, group.label_fi.lower()}:
                return group
        known = ", ".join(f"{g.value} ({g.label_fi})" for g in cls)
        raise ValueError(f"unknown client group {text!r}; known groups: {known}")


#: The groups' names in the genitive plural, as running text inflects them (Kielitoimisto: a name
#: is inflected in context, "vammaisten henkilöiden ryhmään", not "ryhmään vammaiset henkilöt").
CLIENT_GROUP_GENITIVES: dict[ClientGroup, str] = {
    ClientGroup.CHILDREN_FAMILIES: "lasten, nuorten ja perheiden",
    ClientGroup.WORKING_AGE: "työikäisten",
    ClientGroup.OLDER_PEOPLE: "ikääntyneiden",
    ClientGroup.DISABILITY: "vammaisten henkilöiden",
    ClientGroup.MENTAL_SUBSTANCE: "mielenterveys- ja päihdeasiakkaiden",
}

CLIENT_GROUP_LABELS: dict[ClientGroup, str] = {
    ClientGroup.CHILDREN_FAMILIES: "Lapset, nuoret ja perheet",
    ClientGroup.WORKING_AGE: "Työikäiset",
    ClientGroup.OLDER_PEOPLE: "Ikääntyneet",
    ClientGroup.DISABILITY: "Vammaiset henkilöt",
    ClientGroup.MENTAL_SUBSTANCE: "Mielenterveys- ja päihdeasiakkaat",
}


class FrameRow(StrEnum):
    """Rows of the frame that are not allocated by client-group need but kept as their own rows."""

    RESCUE_SERVICES = "rescue_services"
    COMMON_COSTS = "common_costs"

    @property
    def label_fi(self) -> str:
        """The row's Finnish name as printed in documents."""
        return FRAME_ROW_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> FrameRow:
        """A row from its code or its Finnish name, ignoring case (``ValueError`` if unknown)."""
        wanted = " ".join(text.split()).lower()
        for row in cls:
            if wanted in {row.value, row.label_fi.lower()}:
                return row
        raise ValueError(f"unknown frame row {text!r}")


FRAME_ROW_LABELS: dict[FrameRow, str] = {
    FrameRow.RESCUE_SERVICES: "Pelastustoimi",
    FrameRow.COMMON_COSTS: "Yhteiset kustannukset",
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
    artefact: SourceRef = Field(description="The approved stage-1 version the finding and baseline come from.")
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
    population_label: str = Field(
        default="",
        description="The group's relevant inhabitants, e.g. '65 vuotta täyttäneet' (empty in older versions).",
    )
    relevant_population: int | None = Field(
        default=None, description="The region's relevant inhabitants of the group (stage-1 profile)."
    )
    age_ratio: float | None = Field(
        default=None, description="The region's share of the relevant inhabitants / the country's share."
    )
    need_factor: float | None = Field(
        default=None, description="Socio-economic need factor per relevant inhabitant against the country (1 = none)."
    )
    spend_per_inhabitant_eur: float | None = Field(
        default=None, description="Base-year operating costs per relevant inhabitant, €."
    )
    expected_per_inhabitant_eur: float | None = Field(
        default=None,
        description="Need-adjusted expected operating costs per relevant inhabitant in the base year (the "
        "base-year costs of all groups allocated by need share), €.",
    )
    target_share: float | None = Field(
        default=None, description="Share at the end of the phase-in: the method's full shift (w·n + (1 − w)·s), 0–1."
    )
    change_pct: float | None = Field(default=None, description="Frame against the base year's costs, % (nominal).")
    need_measure: str = Field(default="", description="What the group's need measure measures and what it does not.")
    limited_by: Literal["", "cap", "floor"] = Field(
        default="", description="Whether the phase-in's cap or the no-nominal-cut floor set the group's frame."
    )


class OwnRowAllocation(_Model):
    """A row of the frame kept apart from the client groups (rescue services, common costs)."""

    row: FrameRow = Field(description="The row.")
    current_spend_eur: float = Field(description="Operating costs of the row in the base year, €.")
    current_share: float = Field(description="Share of the base year's operating costs, 0–1.")
    allocated_share: float = Field(description="Share of the frame, 0–1.")
    allocated_eur: float = Field(description="The row's frame in the frame year, €.")


class PhaseIn(_Model):
    """How the shift towards the allocation by need is taken in over the financial plan."""

    years: int = Field(ge=1, description="Years over which the shift is taken in (the financial plan's years).")
    plan_span: str = Field(description="The years as printed, e.g. '2027–2029'.")
    max_change_pct: float = Field(ge=0, description="Largest change of a group against its current-share frame, %.")
    no_nominal_cut: bool = Field(description="No group below its base-year costs while the frame is not below them.")
    floor_applied: bool = Field(description="Whether the frame was at or above the base year's costs (floor in force).")


class MeasureEffect(_Model):
    """A named measure's effect on the operating costs in the coverage plan."""

    name: str = Field(description="The measure as printed.")
    frame_year_eur: float = Field(description="Its cost reduction in the frame year, €.")
    to_deadline_eur: float = Field(description="Its cost reduction summed over the years up to the deadline, €.")


class CoveragePlan(_Model):
    """How the frame meets the deficit-coverage duty (hyvinvointialuelaki 611/2021 115 § 2 mom.).

    The frame scenario leaves ``gap_eur`` of accumulated deficit at the end of ``deadline_year``.
    The named measures reduce costs by ``measures_to_deadline_eur`` up to the deadline; what they
    leave, spread evenly over the budgets still to adopt (``adjustment_years``: the frame year to the
    deadline), is the adjustment still to be specified (``unspecified_per_year_eur``). The required frame is the scenario's costs in the frame year
    less the measures' effect that year and the adjustment still to be specified.
    """

    scenario: str = Field(description="Name of the frame scenario.")
    deadline_year: int = Field(description="Year by whose end the deficit is covered.")
    scenario_costs_eur: float = Field(description="The scenario's operating costs in the frame year, €.")
    gap_eur: float = Field(description="Accumulated deficit the scenario leaves at the deadline, € (0 if none).")
    years_to_deadline: int = Field(description="Forecast years up to the deadline.")
    adjustment_years: int = Field(
        default=0,
        description="Budgets still to adopt up to the deadline (the frame year to the deadline) over which the "
        "adjustment still to be specified is spread; 0 in versions before it was recorded.",
    )
    measures: list[MeasureEffect] = Field(default_factory=list, description="The named measures.")
    measures_to_deadline_eur: float = Field(description="All measures' effect up to the deadline, €.")
    unspecified_per_year_eur: float = Field(description="Adjustment per year still to be specified, €.")
    required_frame_eur: float = Field(description="The frame that meets the coverage duty, €.")
    closed_by_measures: bool = Field(description="Whether the named measures alone close the gap.")


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
    coverage: CoveragePlan | None = Field(
        default=None, description="How the frame meets the deficit-coverage duty (absent in older versions)."
    )
    own_rows: list[OwnRowAllocation] = Field(
        default_factory=list,
        description="Rows kept apart from the client groups (rescue services, common costs); the groups and these "
        "rows sum to the frame.",
    )
    phase_in: PhaseIn | None = Field(default=None, description="The phase-in of the shift (absent in older versions).")
    population: int | None = Field(default=None, description="The region's population (stage-1 profile).")
    costs_per_inhabitant_eur: float | None = Field(
        default=None, description="The base year's operating costs per inhabitant of the region, €."
    )
    funding_per_inhabitant_eur: float | None = Field(
        default=None,
        description="The base year's state funding per inhabitant, € (the funding act's need-based calculated level).",
    )

    @property
    def groups_eur(self) -> float:
        """The part of the frame allocated to the client groups, €."""
        return sum(g.allocated_eur for g in self.groups)

    def for_group(self, group: ClientGroup) -> GroupAllocation:
        """The allocation of one client group."""
        return next(g for g in self.groups if g.client_group is group)


# =============================================================================================
# Stage 2's own models. Everything above this line is the contract later stages read; below are
# the stage's inputs (rows of the example files), the forecast, and the proposal.
#
# Rounding (so canonical JSON and its hash are stable): euros to whole euros, shares to 6
# decimals, ratios and percentages to 4 decimals, by the code that builds the models.

SCHEMA_VERSION = 1


def _parse_group(value: object) -> object:
    """A client-group cell: the Finnish name or the code (``ClientGroup.parse``)."""
    if isinstance(value, str) and value.strip():
        return ClientGroup.parse(value)
    return value


_DIRECTION_WORDS = {
    "kasvaa": Direction.INCREASE,
    "nousee": Direction.INCREASE,
    "increase": Direction.INCREASE,
    "laskee": Direction.DECREASE,
    "vähenee": Direction.DECREASE,
    "decrease": Direction.DECREASE,
    "säilyy": Direction.MAINTAIN,
    "pysyy": Direction.MAINTAIN,
    "maintain": Direction.MAINTAIN,
}


def _parse_direction(value: object) -> object:
    """A direction cell: kasvaa / laskee / säilyy or increase / decrease / maintain."""
    if isinstance(value, str) and value.strip():
        word = value.strip().lower()
        if word not in _DIRECTION_WORDS:
            raise ValueError(f"unknown direction {value!r}; use kasvaa, laskee or säilyy")
        return _DIRECTION_WORDS[word]
    return value


def _parse_group_or_row(value: object) -> object:
    """A client-group cell of the ledger: a client group, or a row kept apart (rescue services, common costs)."""
    if isinstance(value, str) and value.strip():
        try:
            return FrameRow.parse(value)
        except ValueError:
            return ClientGroup.parse(value)
    return value


GroupCell = Annotated[ClientGroup, BeforeValidator(_parse_group)]
GroupOrRowCell = Annotated[ClientGroup | FrameRow, BeforeValidator(_parse_group_or_row)]
DirectionCell = Annotated[Direction, BeforeValidator(_parse_direction)]

#: Stage-1 need-profile fields a baseline or a finding may name: the numeric fields of AreaProfile.
STAGE1_FIELDS: tuple[str, ...] = tuple(
    name for name, info in AreaProfile.model_fields.items() if info.annotation in (int, float, int | None, float | None)
)


def _stage1_field(value: object) -> object:
    if isinstance(value, str) and value.strip():
        name = value.strip()
        if name not in STAGE1_FIELDS:
            raise ValueError(f"{name!r} is not a stage-1 need-profile field; fields: {', '.join(STAGE1_FIELDS)}")
        return name
    return value


Stage1Field = Annotated[str, BeforeValidator(_stage1_field)]


class StatementRow(_Model):
    """One row of ``tilinpaatos.csv``: a service area's income statement in a year, by account group.

    The operating costs (toimintakulut) are the seven cost groups; depreciation is below the
    operating margin; the operating income (toimintatuotot) is the client fees and the other income.
    """

    year: FiInt = Field(alias="vuosi", ge=2000, le=2100, description="Vuosi")
    service_area: Text = Field(alias="palvelualue", description="Palvelualue")
    client_group: GroupOrRowCell = Field(
        alias="asiakasryhmä",
        description="Asiakasryhmä, jota palvelualue palvelee, tai Pelastustoimi tai Yhteiset kustannukset",
    )
    wages: FiFloat = Field(alias="palkat ja palkkiot", ge=0, description="Palkat ja palkkiot, €")
    pensions: FiFloat = Field(alias="eläkekulut", ge=0, description="Eläkekulut, €")
    other_social: FiFloat = Field(alias="muut henkilösivukulut", ge=0, description="Muut henkilösivukulut, €")
    purchased_services: FiFloat = Field(alias="palvelujen ostot", ge=0, description="Palvelujen ostot, €")
    materials: FiFloat = Field(
        alias="aineet, tarvikkeet ja tavarat", ge=0, description="Aineet, tarvikkeet ja tavarat, €"
    )
    rents: FiFloat = Field(alias="vuokrat", ge=0, description="Vuokrat, €")
    other_costs: FiFloat = Field(alias="muut toimintakulut", ge=0, description="Muut toimintakulut, €")
    depreciation: FiFloat = Field(
        alias="poistot ja arvonalentumiset", ge=0, description="Poistot ja arvonalentumiset, €"
    )
    fees: FiFloat = Field(alias="maksutuotot", ge=0, description="Maksutuotot (asiakasmaksut), €")
    other_income: FiFloat = Field(
        alias="muut toimintatuotot", ge=0, description="Muut toimintatuotot (myynti, tuet ja avustukset, muut), €"
    )

    def amount(self, group: AccountGroup) -> float:
        """The row's amount in an account group."""
        return float(getattr(self, group.value))


FundingKind = Literal["toteuma", "ennuste"]


class FundingRow(_Model):
    """One row of ``talous_rahoitus.csv``: a year's funding, actual (toteuma) or forecast (ennuste)."""

    year: FiInt = Field(alias="vuosi", ge=2000, le=2100, description="Vuosi")
    kind: FundingKind = Field(alias="laji", description="toteuma tai ennuste")
    state_funding: FiFloat = Field(alias="valtion_rahoitus", ge=0, description="Valtion rahoitus, €")
    other_income: FiFloat | None = Field(
        default=None,
        alias="muut_tuotot",
        ge=0,
        description="Muut tuotot (toimintatuotot), €; toteumavuosina tyhjä = tilinpäätöksen toimintatuotot",
    )
    other_items: FiFloat = Field(
        default=0.0,
        alias="poistot_ja_rahoituserät",
        description="Poistot ja rahoituserät nettona (kulu), €",
    )


class TargetRow(_Model):
    """One row of ``tavoitteet.csv``: an impact target as written in the file."""

    target_id: Text = Field(alias="tavoite_id", description="Tavoitteen tunniste")
    client_group: GroupCell = Field(alias="asiakasryhmä", description="Asiakasryhmä")
    indicator: Text = Field(alias="mittari", description="Mittari")
    unit: Text = Field(alias="yksikkö", description="Yksikkö")
    baseline_field: Stage1Field | None = Field(
        default=None, alias="lähtötaso_stage1", description="Vaiheen 1 profiilikenttä, josta lähtötaso otetaan"
    )
    baseline: FiFloat | None = Field(default=None, alias="lähtötaso", description="Lähtötaso (ellei vaiheesta 1)")
    baseline_year: Text | None = Field(default=None, alias="lähtövuosi", description="Lähtötason vuosi")
    target_value: FiFloat = Field(alias="tavoitearvo", description="Tavoitearvo")
    target_year: FiInt = Field(alias="tavoitevuosi", ge=2000, le=2100, description="Tavoitevuosi")
    direction: DirectionCell = Field(alias="suunta", description="Suunta: kasvaa, laskee tai säilyy")
    finding_field: Stage1Field | None = Field(
        default=None,
        alias="tarvehavainto_stage1",
        description="Vaiheen 1 profiilikenttä, jonka tarvehavaintoon tavoite vastaa (oletus: lähtötaso_stage1)",
    )


class ScenarioYear(_Model):
    """A scenario's assumptions for one forecast year."""

    year: int = Field(description="Vuosi")
    cost_growth_pct: float = Field(description="Toimintakulujen kasvu, %")
    savings_eur: float = Field(description="Sopeutusohjelman säästöt, €")


class ScenarioAssumptions(_Model):
    """A named scenario of the framework forecast (perusura, myönteinen, kielteinen)."""

    key: str = Field(description="Skenaarion avain tiedostossa, esim. perusura")
    name: str = Field(description="Skenaarion nimi")
    description: str = Field(default="", description="Kuvaus")
    funding_adjustment_pct: float = Field(description="Valtion rahoituksen muutos ennusteeseen, %")
    years: list[ScenarioYear] = Field(description="Vuosikohtaiset oletukset")


class MeasureYear(_Model):
    """A measure's cost reduction in one year."""

    year: int = Field(description="Vuosi")
    eur: float = Field(description="Toimintakulujen vähennys, €")


class CoverageMeasure(_Model):
    """A measure of ``talous_oletukset.toml`` [toimenpiteet.*]: its cost reduction per forecast year."""

    key: str = Field(description="Avain tiedostossa")
    name: str = Field(description="Toimenpide")
    effects: list[MeasureYear] = Field(description="Vaikutus toimintakuluihin vuosittain, €")

    def effect(self, year: int) -> float:
        """The cost reduction in ``year`` (0 when the measure has none that year)."""
        return sum(e.eur for e in self.effects if e.year == year)


class CoverageRule(_Model):
    """The statutory obligation to cover an accumulated deficit (hyvinvointialuelaki 115 §)."""

    period_years: int = Field(ge=0, description="Kattamiskausi vuosina (määräaika − taseen vuosi)")
    legal_basis: str = Field(description="Määräajan peruste (lainkohta) sellaisena kuin se tulostetaan")
    source: str = Field(default="", description="Where the dated rule was read: file and entry")


PopulationBasis = Literal["all", "age_0_14", "age_15_64", "age_65_plus", "age_15_plus"]


class NeedFactor(_Model):
    """A socio-economic need factor of a client group: a stage-1 profile field and its weight."""

    field: str = Field(description="Vaiheen 1 profiilikenttä")
    weight: float = Field(ge=0, le=1, description="Paino")


class GroupNeedRule(_Model):
    """How one client group's need is measured (``data/config/rules/frame_allocation.toml``)."""

    population: PopulationBasis = Field(description="Ryhmän väestöpohja")
    population_label: str = Field(description="Väestöpohja tulostettuna")
    factors: list[NeedFactor] = Field(default_factory=list, description="Sosioekonomiset tarvetekijät")
    measures: str = Field(description="Mitä mittari mittaa (menetelmäliitteeseen)")
    does_not_measure: str = Field(description="Mitä mittari ei mittaa (menetelmäliitteeseen)")


class AllocationRules(_Model):
    """The need measures per client group and the phase-in of the frame allocation."""

    groups: dict[ClientGroup, GroupNeedRule] = Field(description="Tarvemittarit asiakasryhmittäin")
    phase_years: int = Field(ge=1, description="Siirtymävuodet (taloussuunnitelman vuodet)")
    plan_span: str = Field(description="Siirtymävuodet tulostettuna")
    max_change_pct: float = Field(ge=0, description="Ryhmän kehyksen suurin muutos vuodessa nykyosuuksiin nähden, %")
    no_nominal_cut: bool = Field(description="Ei nimellistä leikkausta, kun kehys ei ole perusvuoden kuluja pienempi")
    source: str = Field(description="Sääntötiedosto")


class TargetsAssumptions(_Model):
    """``talous_oletukset.toml``: frame, balance sheet, deficit rule and scenarios."""

    data_label: str = Field(description="Aineiston kuvaus (esimerkkiaineisto)")
    frame_year: int = Field(description="Kehysvuosi")
    frame_scenario: str = Field(description="Skenaario, jonka kulut kehysvuonna ovat kehys")
    frame_eur: float | None = Field(description="Annettu kehys, € (muuten skenaarion kulut)")
    method: AllocationMethod = Field(description="Jakotapa")
    need_weight: float = Field(ge=0, le=1, description="Tarveosuuden paino")
    balance_year: int = Field(description="Taseen vuosi (viimeinen toteumavuosi)")
    opening_accumulated_eur: float = Field(description="Kertynyt yli-/alijäämä taseen vuoden lopussa, €")
    coverage: CoverageRule = Field(description="Alijäämän kattamisvelvollisuus")
    scenarios: list[ScenarioAssumptions] = Field(min_length=1, description="Skenaariot")
    measures: list[CoverageMeasure] = Field(
        default_factory=list, description="Alijäämän kattamisen lisätoimenpiteet kehysskenaarion säästöjen lisäksi"
    )

    def scenario(self, key: str) -> ScenarioAssumptions:
        """The scenario with ``key`` (``KeyError`` if none)."""
        for scenario in self.scenarios:
            if scenario.key == key:
                return scenario
        raise KeyError(key)


class ServiceAreaCost(_Model):
    """A service area's operating costs and income in a year, from a row of ``tilinpaatos.csv``."""

    row: int = Field(description="Rivinumero tiedostossa")
    year: int = Field(description="Vuosi")
    service_area: str = Field(description="Palvelualue")
    client_group: ClientGroup | None = Field(description="Asiakasryhmä (tyhjä omalla rivillä)")
    frame_row: FrameRow | None = Field(default=None, description="Oma rivi: pelastustoimi tai yhteiset kustannukset")
    operating_costs: float = Field(description="Toimintakulut, €")
    operating_income: float = Field(description="Toimintatuotot, €")


class FundingYear(_Model):
    """A validated row of ``talous_rahoitus.csv`` with its row number."""

    row: int = Field(description="Rivinumero tiedostossa")
    year: int = Field(description="Vuosi")
    kind: FundingKind = Field(description="toteuma tai ennuste")
    state_funding: float = Field(description="Valtion rahoitus, €")
    other_income: float | None = Field(description="Muut tuotot, €")
    other_items: float = Field(description="Poistot ja rahoituserät, €")


class TargetSpec(_Model):
    """A validated row of ``tavoitteet.csv`` with its row number."""

    row: int = Field(description="Rivinumero tiedostossa")
    target_id: str = Field(description="Tavoitteen tunniste")
    client_group: ClientGroup = Field(description="Asiakasryhmä")
    indicator: str = Field(description="Mittari")
    unit: str = Field(description="Yksikkö")
    baseline_field: str | None = Field(description="Vaiheen 1 kenttä lähtötasolle")
    baseline: float | None = Field(description="Lähtötaso tiedostosta")
    baseline_year: str | None = Field(description="Lähtötason vuosi tiedostosta")
    target_value: float = Field(description="Tavoitearvo")
    target_year: int = Field(description="Tavoitevuosi")
    direction: Direction = Field(description="Suunta")
    finding_field: str | None = Field(description="Vaiheen 1 kenttä tarvehavainnolle")


class TargetsInputs(_Model):
    """The stage-2 input files, read and checked (each file on its own and against the others)."""

    files: dict[str, str] = Field(description="Tiedostot rooleittain: tilinpaatos, rahoitus, oletukset, tavoitteet")
    costs: list[ServiceAreaCost] = Field(description="Toteutuneet kulut ja tuotot palvelualueittain")
    statement: list[AccountTotal] = Field(
        default_factory=list, description="Tilinpäätöksen tiliryhmien summat vuosittain (koko alue)"
    )
    funding: list[FundingYear] = Field(description="Rahoitus vuosittain")
    assumptions: TargetsAssumptions = Field(description="Oletukset")
    targets: list[TargetSpec] = Field(description="Tavoitteet tiedoston järjestyksessä")
    allocation: AllocationRules | None = Field(
        default=None, description="Kehyksen jaon tarvemittarit ja siirtymä (data/config/rules/frame_allocation.toml)"
    )

    @property
    def actual_years(self) -> list[int]:
        """The actual years, ascending."""
        return sorted({c.year for c in self.costs})

    @property
    def base_year(self) -> int:
        """The last actual year: the base of the forecast and of the current-spend shares."""
        return self.actual_years[-1]

    @property
    def forecast_years(self) -> list[int]:
        """The forecast years, ascending."""
        return sorted(f.year for f in self.funding if f.kind == "ennuste")


class ActualYear(_Model):
    """The financial outturn of one actual year."""

    year: int = Field(description="Vuosi")
    operating_costs_eur: float = Field(description="Toimintakulut, €")
    operating_income_eur: float = Field(description="Toimintatuotot, €")
    state_funding_eur: float = Field(description="Valtion rahoitus, €")
    other_items_eur: float = Field(description="Poistot ja rahoituserät, €")
    result_eur: float = Field(description="Tilikauden tulos: rahoitus + tuotot − kulut − muut erät, €")
    costs_by_group: dict[ClientGroup, float] = Field(description="Toimintakulut asiakasryhmittäin, €")
    costs_by_row: dict[FrameRow, float] = Field(
        default_factory=dict, description="Omien rivien (pelastustoimi, yhteiset kustannukset) toimintakulut, €"
    )


class ForecastYear(_Model):
    """One year of a scenario's framework forecast."""

    year: int = Field(description="Vuosi")
    cost_growth_pct: float = Field(description="Kustannusten kasvuoletus, %")
    savings_eur: float = Field(description="Säästöt, €")
    operating_costs_eur: float = Field(description="Toimintakulut, €")
    state_funding_eur: float = Field(description="Valtion rahoitus (skenaarion mukaan korjattu), €")
    operating_income_eur: float = Field(description="Muut tuotot, €")
    other_items_eur: float = Field(description="Poistot ja rahoituserät, €")
    funding_eur: float = Field(description="Rahoitus yhteensä: valtion rahoitus + muut tuotot, €")
    result_eur: float = Field(description="Tulos, € (negatiivinen = alijäämä)")
    accumulated_eur: float = Field(description="Kertynyt yli-/alijäämä vuoden lopussa, €")


class DeficitCoverage(_Model):
    """Whether a scenario covers the accumulated deficit by the statutory deadline."""

    opening_accumulated_eur: float = Field(description="Kertynyt yli-/alijäämä lähtövuoden lopussa, €")
    deadline_year: int = Field(description="Vuosi, jonka lopussa alijäämän on oltava katettu")
    accumulated_at_deadline_eur: float = Field(description="Kertynyt yli-/alijäämä määräajan lopussa, €")
    covered: bool = Field(description="Alijäämä katettu määräaikaan mennessä")
    gap_eur: float = Field(description="Kattamaton alijäämä määräaikana, € (0 jos katettu)")
    years_to_deadline: int = Field(description="Ennustevuosia määräaikaan")
    annual_improvement_needed_eur: float = Field(
        description="Tarvittava lisäsopeutus: tuloksen parannus €/vuosi määräaikaan asti (vaje / vuodet)"
    )
    first_non_negative_year: int | None = Field(description="Ensimmäinen vuosi, jona kertynyt tulos ≥ 0")
    statement: str = Field(description="Toteamus suomeksi")


class ScenarioForecast(_Model):
    """A scenario's multi-year framework forecast and its deficit-coverage check."""

    key: str = Field(description="Skenaarion avain")
    name: str = Field(description="Skenaarion nimi")
    description: str = Field(description="Kuvaus")
    funding_adjustment_pct: float = Field(description="Valtion rahoituksen muutos, %")
    years: list[ForecastYear] = Field(description="Ennustevuodet")
    coverage: DeficitCoverage = Field(description="Alijäämän kattaminen")


class FinancialForecast(_Model):
    """The financial situation and the framework forecast (stage-2 artefact ``targets-forecast``)."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    cycle: int = Field(description="Suunnittelukierros")
    data_label: str = Field(description="Aineiston kuvaus (esimerkkiaineisto)")
    base_year: int = Field(description="Viimeinen toteumavuosi")
    actual: list[ActualYear] = Field(description="Toteumavuodet")
    statement: list[AccountTotal] = Field(
        default_factory=list,
        description="Tilinpäätöksen tiliryhmien summat toteumavuosittain (koko alue); vaihe 4 täsmäyttää näihin",
    )
    opening_accumulated_eur: float = Field(description="Kertynyt yli-/alijäämä perusvuoden lopussa, €")
    coverage_rule: CoverageRule = Field(description="Alijäämän kattamisvelvollisuus")
    method_text: str = Field(description="Ennustemenetelmä suomeksi")
    scenarios: list[ScenarioForecast] = Field(description="Skenaariot")

    def scenario(self, key: str) -> ScenarioForecast:
        """The scenario with ``key`` (``KeyError`` if none)."""
        for scenario in self.scenarios:
            if scenario.key == key:
                return scenario
        raise KeyError(key)


class TargetsAssessment(_Model):
    """Stage 2 result: impact targets, the forecast and the frame allocation."""

    schema_version: int = Field(default=SCHEMA_VERSION, description="Skeeman versio")
    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros")
    impact: ImpactTargets = Field(description="Vaikuttavuustavoitteet")
    forecast: FinancialForecast = Field(description="Talouden tilanne ja kehysennuste")
    frame: FrameAllocation = Field(description="Kehyksen jako asiakasryhmille")
    findings: list[str] = Field(description="Keskeiset havainnot suomeksi, laskettu luvuista")


class ScenarioChart(_Model):
    """The costs-and-funding chart of one scenario."""

    key: str = Field(description="Skenaarion avain")
    name: str = Field(description="Skenaarion nimi")
    svg: str = Field(description="Kulujen ja rahoituksen muutos perusvuodesta (SVG)")


class TargetsFigures(_Model):
    """The stage-2 document's figures as inline SVG (generated by soteflow.charts)."""

    scenario_svgs: list[ScenarioChart] = Field(description="Kulut ja rahoitus, yksi kuvio skenaariota kohden")
    result_svg: str = Field(description="Tilikauden tulos skenaarioittain (SVG)")
    balance_svg: str = Field(description="Kertynyt yli-/alijäämä skenaarioittain (SVG)")
    allocation_svg: str = Field(description="Kehyksen jako asiakasryhmille (SVG)")


class TargetsProposal(_Model):
    """The stage-2 proposal the regional council decides on: the agenda item and its key figures."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros (vuosi)")
    agenda: AgendaContent = Field(description="Esityslistan asia (päätösehdotus)")
    findings: list[str] = Field(description="Keskeiset havainnot")
    frame_year: int = Field(description="Kehysvuosi")
    frame_eur: float = Field(description="Kehys, €")
    method: AllocationMethod = Field(description="Jakotapa")
    need_weight: float = Field(description="Tarveosuuden paino")
    deficit_covered: dict[str, bool] = Field(description="Alijäämä katettu määräaikaan mennessä, skenaarioittain")
    needs_basis: SourceRef = Field(description="Hyväksytty vaiheen 1 päätösehdotus, jolle vaihe 2 perustuu")
    summary_markdown: str = Field(description="Tiivistelmä päätöslomakkeen yläpuolelle (Prefect UI)")


class TargetsBasis(_Model):
    """The approved stage-2 round as later stages read it: the targets and frame, their versions, the decision."""

    impact: ImpactTargets = Field(description="Hyväksytyt vaikuttavuustavoitteet")
    frame: FrameAllocation = Field(description="Hyväksytty kehyksen kohdennus")
    impact_ref: VersionRef = Field(description="targets-impact-versio")
    frame_ref: VersionRef = Field(description="targets-frame-versio")
    forecast: FinancialForecast | None = Field(
        default=None, description="Hyväksytty talouden tilanne ja kehysennuste (toteumavuodet mukaan lukien)"
    )
    forecast_ref: VersionRef | None = Field(default=None, description="targets-forecast-versio")
    proposal_ref: VersionRef = Field(description="Hyväksytty vaiheen 2 päätösehdotus")
    approved_on: dt.date | None = Field(description="Vaiheen 2 hyväksymispäätöksen kokouspäivä")
    approved_by: str | None = Field(description="Vaiheen 2 hyväksynyt toimielin")


class TargetsParams(BaseModel):
    """Stage 2's own parameters (each overrides the assumptions file when given)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    allocation_method: AllocationMethod | None = Field(
        default=None,
        description="Kehyksen jakotapa: need_share, current_spend tai blend (oletus: oletustiedosto).",
        json_schema_extra={"cli": "--allocation-method"},
    )
    need_weight: float | None = Field(
        default=None,
        ge=0,
        le=1,
        allow_inf_nan=False,
        description="Tarveosuuden paino yhdistelmässä 0–1 (oletus: oletustiedosto).",
        json_schema_extra={"cli": "--need-weight"},
    )
