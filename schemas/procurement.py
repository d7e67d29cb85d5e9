"""Stage 5a (Resurssien hankinta): the procurement plan and its work split, lots, compensation
models, award decisions, contracts and their terms, and the dated rules they follow.

Pure pydantic: no Prefect, no database. Input rows are read by their Finnish column headers (the
aliases); everything computed is rounded where it is computed, so hashes are stable. The
contracts (:class:`ContractTerms`) are what stage 6 monitors, read through stage 5's basis.
"""

from __future__ import annotations

import datetime as dt
import math
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from schemas.choice import ApprovedProducer, ChoiceAnalysis, ChoiceInputs
from schemas.comparison import ProducerType
from schemas.documents import AgendaContent
from schemas.reconciliation import CrossCheck
from schemas.results import SourceRef, VersionRef
from schemas.tabular import FiDate, FiFloat, FiInt, Text


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _RowModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True)


def _parse_with(parser: Any) -> Any:
    def parse(value: Any) -> Any:
        return parser(value) if isinstance(value, str) else value

    return BeforeValidator(parse)


# -- vocabularies ----------------------------------------------------------------------------------


class SizeClass(StrEnum):
    """A producer's size (the EU SME definition by staff: micro < 10, small < 50, medium < 250)."""

    MICRO = "micro"
    SMALL = "small"
    MEDIUM = "medium"
    LARGE = "large"

    @property
    def label_fi(self) -> str:
        """Finnish label as written in the file."""
        return _SIZE_LABELS[self]

    @property
    def small_or_medium(self) -> bool:
        """Micro, small and medium-sized producers (pk-yritykset)."""
        return self is not SizeClass.LARGE

    @classmethod
    def parse(cls, text: str) -> SizeClass:
        """``mikro`` / ``pieni`` / ``keskisuuri`` / ``suuri`` (or the code)."""
        wanted = " ".join(str(text).split()).lower()
        for item in cls:
            if wanted in {item.value, item.label_fi}:
                return item
        raise ValueError(f"unknown size class {text!r}; use one of: {', '.join(s.label_fi for s in cls)}")


_SIZE_LABELS = {
    SizeClass.MICRO: "mikro",
    SizeClass.SMALL: "pieni",
    SizeClass.MEDIUM: "keskisuuri",
    SizeClass.LARGE: "suuri",
}


class Responsibility(StrEnum):
    """Who runs a procurement category (the work split of esitys 2)."""

    ADMINISTRATION = "administration"  # the region's administration: strategically significant procurements
    PRODUCTION = "production"  # the region's own production: procurements close to its production

    @property
    def label_fi(self) -> str:
        """Finnish label as written in the file."""
        return {Responsibility.ADMINISTRATION: "hallinto", Responsibility.PRODUCTION: "tuotanto"}[self]

    @classmethod
    def parse(cls, text: str) -> Responsibility:
        """``hallinto`` or ``tuotanto`` (or the code)."""
        wanted = " ".join(str(text).split()).lower()
        for item in cls:
            if wanted in {item.value, item.label_fi}:
                return item
        raise ValueError(f"unknown responsibility {text!r}; use hallinto or tuotanto")


class ThresholdClass(StrEnum):
    """Which thresholds apply to a procurement (hankintalaki 25 and 26 §)."""

    GOODS_SERVICES = "goods_services"  # tavara- ja palveluhankinnat
    SOCIAL_HEALTH = "social_health"  # liitteen E 1–4 kohdan sosiaali- ja terveyspalvelut
    OTHER_SPECIFIC = "other_specific"  # liitteen E 5–15 kohdan muut erityiset palvelut
    WORKS = "works"  # rakennusurakat

    @property
    def label_fi(self) -> str:
        """Finnish label as written in the file."""
        return _THRESHOLD_LABELS[self]

    @classmethod
    def parse(cls, text: str) -> ThresholdClass:
        """A class from its Finnish label or code."""
        wanted = " ".join(str(text).split()).lower()
        for item in cls:
            if wanted in {item.value, item.label_fi}:
                return item
        known = ", ".join(t.label_fi for t in cls)
        raise ValueError(f"unknown threshold class {text!r}; use one of: {known}")


_THRESHOLD_LABELS = {
    ThresholdClass.GOODS_SERVICES: "tavarat ja palvelut",
    ThresholdClass.SOCIAL_HEALTH: "sote-palvelut",
    ThresholdClass.OTHER_SPECIFIC: "muut erityiset palvelut",
    ThresholdClass.WORKS: "rakennusurakat",
}


class LotBasis(StrEnum):
    """How a procurement is divided into lots (hankintalaki 75 §)."""

    AREA = "area"
    VOLUME = "volume"
    NONE = "none"

    @classmethod
    def parse(cls, text: str) -> LotBasis:
        """``alue`` / ``volyymi`` / ``ei`` (or the code)."""
        wanted = " ".join(str(text).split()).lower()
        labels = {"alue": cls.AREA, "alueittain": cls.AREA, "volyymi": cls.VOLUME, "ei": cls.NONE, "ei jaeta": cls.NONE}
        if wanted in labels:
            return labels[wanted]
        for item in cls:
            if wanted == item.value:
                return item
        raise ValueError(f"unknown lot basis {text!r}; use alue, volyymi or ei")


class CompensationKind(StrEnum):
    """A compensation model (korvausmalli)."""

    UNIT_PRICE = "unit_price"  # yksikköhinta: price × volume
    CAPITATION = "capitation"  # kapitaatio: a fee per client per month
    INCENTIVE = "incentive"  # kannustinmalli: a lower unit price plus a KPI-based bonus pool

    @property
    def label_fi(self) -> str:
        """Finnish name as printed."""
        return {
            CompensationKind.UNIT_PRICE: "yksikköhinta",
            CompensationKind.CAPITATION: "kapitaatio",
            CompensationKind.INCENTIVE: "kannustinmalli",
        }[self]

    @classmethod
    def parse(cls, text: str) -> CompensationKind:
        """``yksikköhinta`` / ``kapitaatio`` / ``kannustin`` (or the code)."""
        wanted = " ".join(str(text).split()).lower()
        for item in cls:
            if wanted in {item.value, item.label_fi, item.label_fi.removesuffix("malli")}:
                return item
        raise ValueError(f"unknown compensation model {text!r}; use yksikköhinta, kapitaatio or kannustin")


class Procedure(StrEnum):
    """The procedure a procurement's value and class lead to."""

    BELOW_NATIONAL = "below_national"  # kansallisen kynnysarvon alittava hankinta
    NATIONAL = "national"  # kansallinen menettely (hankintalaki 4 osa)
    LIGHT_NATIONAL = "light_national"  # sote-palvelujen kevennetty menettely, kansallinen ilmoitus (12 luku)
    LIGHT_EU = "light_eu"  # sote-palvelujen kevennetty menettely, EU-ilmoitus (12 luku)
    EU_OPEN = "eu_open"  # EU-menettely: avoin menettely
    DIRECT = "direct"  # suorahankinta (only with a stated legal ground)

    @property
    def label_fi(self) -> str:
        """Finnish name as printed."""
        return _PROCEDURE_LABELS[self]


_PROCEDURE_LABELS = {
    Procedure.BELOW_NATIONAL: "kansallisen kynnysarvon alittava hankinta (hankintasäännön mukainen menettely)",
    Procedure.NATIONAL: "kansallinen hankintamenettely",
    Procedure.LIGHT_NATIONAL: "sosiaali- ja terveyspalvelujen menettely, kansallinen hankintailmoitus",
    Procedure.LIGHT_EU: "sosiaali- ja terveyspalvelujen menettely, EU-hankintailmoitus",
    Procedure.EU_OPEN: "EU-kynnysarvon ylittävä avoin menettely",
    Procedure.DIRECT: "suorahankinta",
}

SizeCell = Annotated[SizeClass, _parse_with(SizeClass.parse)]
ProducerCell = Annotated[ProducerType, _parse_with(ProducerType.parse)]
ResponsibilityCell = Annotated[Responsibility, _parse_with(Responsibility.parse)]
ThresholdCell = Annotated[ThresholdClass, _parse_with(ThresholdClass.parse)]
LotCell = Annotated[LotBasis, _parse_with(LotBasis.parse)]
CompensationCell = Annotated[CompensationKind, _parse_with(CompensationKind.parse)]


# -- dated rules (configuration) -----------------------------------------------------------------


class ThresholdRule(_Model):
    """Procurement thresholds valid for a period (hankintalaki 25 § national, 26 § EU), in € excl. VAT."""

    valid_from: dt.date = Field(description="Voimassa alkaen")
    valid_to: dt.date = Field(description="Voimassa asti (mukaan lukien)")
    source: str = Field(description="Lähde, esim. hankintalaki 25 § ja komission asetus")
    provisional: bool = Field(
        default=False, description="Ennakoitu: EU-kynnysarvoja ei ole vielä vahvistettu jaksolle; tarkistetaan"
    )
    national: dict[ThresholdClass, float] = Field(description="Kansalliset kynnysarvot luokittain, €")
    eu: dict[ThresholdClass, float] = Field(description="EU-kynnysarvot luokittain, €")

    @model_validator(mode="after")
    def _ordered(self) -> ThresholdRule:
        if self.valid_to < self.valid_from:
            raise ValueError("valid_to is before valid_from")
        return self


class TimelineRule(_Model):
    """How long the steps of a procurement take, in calendar days, by procedure (dated)."""

    valid_from: dt.date = Field(description="Voimassa alkaen")
    valid_to: dt.date = Field(description="Voimassa asti")
    market_dialogue_days: int = Field(ge=0, description="Markkinavuoropuhelu")
    preparation_days: int = Field(ge=0, description="Hankinta-asiakirjojen valmistelu")
    tender_days: dict[Procedure, int] = Field(description="Tarjousaika menettelyittäin (vähintään)")
    evaluation_days: int = Field(ge=0, description="Tarjousten vertailu ja hankintapäätös")
    standstill_days: int = Field(ge=0, description="Odotusaika (hankintalaki 129 §)")
    transition_days: int = Field(ge=0, description="Sopimuksen allekirjoituksesta palvelun alkuun")


class ProcurementRules(_Model):
    """The dated procurement rules of a region (``config/rules/procurement.toml``)."""

    thresholds: list[ThresholdRule] = Field(min_length=1, description="Kynnysarvot ajanjaksoittain")
    timelines: list[TimelineRule] = Field(min_length=1, description="Aikataulusäännöt ajanjaksoittain")
    vat_rates: dict[str, float] = Field(description="Arvonlisäverokannat, %")
    source_file: str = Field(description="Sääntötiedosto")


# -- input rows ----------------------------------------------------------------------------------


class ContractRow(_RowModel):
    """A row of ``sopimukset.csv``: a current contract in the register."""

    contract_id: Text = Field(alias="sopimus_id", description="Sopimuksen tunnus")
    producer: Text = Field(alias="tuottaja", description="Tuottaja")
    producer_type: ProducerCell = Field(
        alias="tuottajatyyppi", description="suuri yritys, pk-yritys, järjestö, julkinen"
    )
    size: SizeCell = Field(alias="kokoluokka", description="mikro, pieni, keskisuuri tai suuri")
    service_id: Text = Field(alias="palvelu_id", description="Palvelu (vaiheen 3 palvelu_id)")
    area: Text = Field(alias="alue", description="Alue tai osa-alue")
    lot: Text | None = Field(default=None, alias="osa", description="Hankinnan osa, jos sopimus on osasta")
    start: FiDate = Field(alias="alkaa", description="Sopimuskausi alkaa")
    end: FiDate = Field(alias="päättyy", description="Sopimuskausi päättyy (ilman optioita)")
    option_years: FiInt = Field(default=0, ge=0, le=10, alias="optiot_v", description="Käyttämättömät optiovuodet")
    annual_value: FiFloat = Field(ge=0, alias="vuosiarvo €", description="Sopimuksen arvo vuodessa, € (alv 0 %)")
    annual_volume: FiFloat = Field(default=0.0, ge=0, alias="suoritteet_v", description="Suoritteita vuodessa")


class CategoryRow(_RowModel):
    """A row of ``hankintaluokat.csv``: a procurement category and who runs it (esitys 2)."""

    category_id: Text = Field(alias="luokka_id", description="Luokan tunnus")
    name: Text = Field(alias="luokka", description="Hankintaluokka")
    responsibility: ResponsibilityCell = Field(alias="vastuu", description="hallinto tai tuotanto")
    unit: Text = Field(alias="vastuuyksikkö", description="Vastuuyksikkö")
    basis: Text = Field(alias="peruste", description="Työnjaon peruste")
    threshold_class: ThresholdCell = Field(alias="kynnysarvoluokka", description="Kynnysarvoluokka")
    services: Text | None = Field(
        default=None, alias="palvelut", description="Palvelut (palvelu_id välilyönnein eroteltuna)"
    )


class PlanningRow(_RowModel):
    """A row of ``hankintakohteet.csv``: how a service is procured (contract term, lots, compensation)."""

    service_id: Text = Field(alias="palvelu_id", description="Palvelu")
    procurement_id: Text = Field(alias="hankinta_id", description="Hankinnan tunnus")
    contract_start: FiDate = Field(alias="sopimus_alkaa", description="Uusien sopimusten alkupäivä")
    contract_years: FiInt = Field(ge=1, le=10, alias="sopimuskausi_v", description="Sopimuskausi, vuotta")
    option_years: FiInt = Field(default=0, ge=0, le=10, alias="optiot_v", description="Optiovuodet")
    lot_basis: LotCell = Field(alias="jako", description="alue, volyymi tai ei")
    areas: Text | None = Field(
        default=None, alias="alueet", description="Osa-alueet osuuksineen, esim. 'Tampere:55 Etelä:25'"
    )
    no_lots_reason: Text | None = Field(default=None, alias="jakamatta_peruste", description="Miksi ei jaeta osiin")
    direct_award_ground: Text | None = Field(
        default=None, alias="suorahankinnan_peruste", description="Suorahankinnan laillinen peruste"
    )
    compensation: CompensationCell = Field(alias="korvausmalli", description="yksikköhinta, kapitaatio tai kannustin")
    clients: FiFloat | None = Field(
        default=None, ge=0, alias="asiakkaat", description="Asiakkaita keskimäärin (kapitaatio)"
    )
    incentive_pct: FiFloat = Field(
        default=0.0, ge=0, le=50, alias="kannustin %", description="Kannustinosuus hinnasta, %"
    )
    expected_attainment_pct: FiFloat = Field(
        default=100.0, ge=0, le=100, alias="odotettu tavoitetaso %", description="Odotettu kannustimen toteuma, %"
    )
    description: Text = Field(alias="kuvaus", description="Hankinnan kohde lyhyesti")


class CriterionRow(_RowModel):
    """A row of ``vertailuperusteet.csv``: an award criterion of a procurement with its weight."""

    procurement_id: Text = Field(alias="hankinta_id", description="Hankinta")
    criterion: Text = Field(alias="peruste", description="Vertailuperuste; 'hinta' on hinta")
    weight_pct: FiFloat = Field(gt=0, le=100, alias="paino %", description="Paino, %")
    max_points: FiFloat = Field(default=10.0, gt=0, alias="enimmäispisteet", description="Laatupisteiden enimmäismäärä")


class BidRow(_RowModel):
    """A row of ``tarjoukset.csv``: a bid for one lot; quality points by criterion in further columns
    (one column per criterion of ``vertailuperusteet.csv``, read into ``points``)."""

    procurement_id: Text = Field(alias="hankinta_id", description="Hankinta")
    lot_id: Text = Field(alias="osa", description="Osa (hankinnan osan tunnus)")
    bidder: Text = Field(alias="tarjoaja", description="Tarjoaja")
    size: SizeCell = Field(alias="kokoluokka", description="mikro, pieni, keskisuuri tai suuri")
    ngo: Text = Field(alias="järjestö", description="kyllä tai ei")
    price: FiFloat = Field(alias="hinta €", description="Yksikköhinta, € (alv 0 %)")
    points: dict[str, float] = Field(default_factory=dict, description="Laatupisteet perusteittain")

    @field_validator("price")
    @classmethod
    def _positive(cls, value: float) -> float:
        if not math.isfinite(value) or value <= 0:
            raise ValueError("a price must be a positive number")
        return value

    @field_validator("ngo")
    @classmethod
    def _yes_no(cls, value: str) -> str:
        if value.lower() not in {"kyllä", "ei"}:
            raise ValueError(f"{value!r}: write kyllä or ei")
        return value.lower()


class KpiTerm(_Model):
    """A KPI a contract binds the producer to, with its threshold."""

    kpi: str = Field(description="Mittarin tunnus, esim. care_guarantee")
    name: str = Field(description="Mittari suomeksi")
    threshold: float = Field(description="Raja-arvo")
    unit: str = Field(description="Yksikkö")
    direction: Literal["at_least", "at_most"] = Field(description="at_least tai at_most")
    basis: str = Field(description="Peruste (laki, sopimus)")


class SanctionStep(_Model):
    """One step of a contract's sanction ladder."""

    step: int = Field(ge=1, description="Porras")
    name: str = Field(description="Seuraamus")
    amount_eur: float = Field(ge=0, description="Sopimussakko, € (0 = ei rahallista seuraamusta)")
    description: str = Field(description="Milloin ja miten")


class ContractPolicy(_Model):
    """The region's contract terms by service (``sopimusehdot.toml``)."""

    reporting: str = Field(description="Raportointivelvollisuus")
    kpis: dict[str, list[KpiTerm]] = Field(description="Mittarit palveluittain ('*' = kaikki)")
    sanctions: list[SanctionStep] = Field(min_length=1, description="Sanktioporrastus")
    source_file: str = Field(description="Tiedosto")

    @model_validator(mode="after")
    def _ordered(self) -> ContractPolicy:
        steps = [s.step for s in self.sanctions]
        if steps != list(range(1, len(steps) + 1)):
            raise ValueError(f"sanctions: the steps must be numbered 1, 2, … in order, not {steps}")
        for service, terms in self.kpis.items():
            ids = [t.kpi for t in terms]
            if len(ids) != len(set(ids)):
                raise ValueError(f"kpis.{service}: a KPI appears twice ({', '.join(sorted(ids))})")
        return self


class ProcurementInputs(_Model):
    """Stage 5a's files, read and checked."""

    contracts: list[ContractRow] = Field(description="Sopimusrekisteri")
    contract_rows: list[int] = Field(description="Sopimusten rivinumerot tiedostossa")
    categories: list[CategoryRow] = Field(description="Hankintaluokat ja työnjako")
    planning: list[PlanningRow] = Field(description="Hankintakohteet")
    planning_rows: list[int] = Field(description="Hankintakohteiden rivinumerot tiedostossa")
    criteria: list[CriterionRow] = Field(description="Vertailuperusteet")
    bids: list[BidRow] = Field(description="Tarjoukset (laatupisteet perusteittain lisäsarakkeina)")
    bid_rows: list[int] = Field(description="Tarjousrivien rivinumerot tiedostossa")
    policy: ContractPolicy = Field(description="Sopimusehdot")
    rules: ProcurementRules = Field(description="Päivätyt säännöt")
    files: dict[str, str] = Field(description="Tiedostot rooleittain")
    example_data: bool = Field(description="Esimerkkiaineisto")
    choice: ChoiceInputs | None = Field(default=None, description="Valinnanvapauden tiedostot (vaihe 5b)")


# -- the analysis ----------------------------------------------------------------------------------


class MilestoneCode(StrEnum):
    """The steps of a procurement's timeline, in order (worked back from the contract's start)."""

    DIALOGUE = "dialogue"  # markkinavuoropuhelu alkaa
    PREPARATION = "preparation"  # hankinta-asiakirjojen valmistelu alkaa
    NOTICE = "notice"  # hankintailmoitus julkaistaan
    TENDER_DEADLINE = "tender_deadline"  # tarjousaika päättyy
    AWARD = "award"  # hankintapäätös
    STANDSTILL_END = "standstill_end"  # odotusaika päättyy, sopimus voidaan tehdä
    START = "start"  # palvelu alkaa uusilla sopimuksilla

    @property
    def label_fi(self) -> str:
        """The step as printed."""
        return _MILESTONE_LABELS[self]


_MILESTONE_LABELS = {
    MilestoneCode.DIALOGUE: "Markkinavuoropuhelu alkaa",
    MilestoneCode.PREPARATION: "Hankinta-asiakirjojen valmistelu alkaa",
    MilestoneCode.NOTICE: "Hankintailmoitus julkaistaan",
    MilestoneCode.TENDER_DEADLINE: "Tarjousaika päättyy",
    MilestoneCode.AWARD: "Hankintapäätös",
    MilestoneCode.STANDSTILL_END: "Odotusaika päättyy; sopimus voidaan tehdä",
    MilestoneCode.START: "Palvelu alkaa uusilla sopimuksilla",
}


class Milestone(_Model):
    """A dated step of a procurement's timeline."""

    code: MilestoneCode = Field(description="Vaiheen koodi")
    step: str = Field(description="Vaihe")
    date: dt.date = Field(description="Päivämäärä")


class Lot(_Model):
    """A lot (osa) of a procurement."""

    lot_id: str = Field(description="Osan tunnus")
    name: str = Field(description="Osa")
    share: float = Field(description="Osuus hankinnan volyymista (0–1)")
    annual_volume: float = Field(description="Suoritteita vuodessa")
    annual_value: float = Field(description="Arvo vuodessa, €")
    fits_small_producers: bool = Field(description="Mahtuu pk-tuottajan ja järjestön kapasiteettiin")


class Procurement(_Model):
    """A procurement of the plan."""

    procurement_id: str = Field(description="Hankinnan tunnus")
    service_id: str = Field(description="Palvelu")
    service_name: str = Field(description="Palvelun nimi")
    description: str = Field(description="Kohde")
    category_id: str = Field(description="Hankintaluokka")
    responsibility: Responsibility = Field(description="Työnjako: hallinto vai tuotanto")
    responsible_unit: str = Field(description="Vastuuyksikkö")
    reason: str = Field(description="Miksi hankinta tehdään (suunnitelma, päättyvät sopimukset)")
    ending_contracts: list[str] = Field(description="Päättyvät sopimukset")
    continuing_contracts: list[str] = Field(description="Jatkuvat sopimukset")
    unit: str = Field(description="Suoriteyksikkö")
    planned_volume: float = Field(description="Järjestämissuunnitelman ostovolyymi, suoritetta vuodessa")
    continuing_volume: float = Field(description="Jatkuvien sopimusten volyymi, suoritetta vuodessa")
    annual_volume: float = Field(description="Hankittava volyymi, suoritetta vuodessa")
    unit_price: float = Field(description="Hinta-arvio, €/suorite (vaiheen 4 ostohinta)")
    annual_value: float = Field(description="Arvo vuodessa, €")
    contract_years: int = Field(description="Sopimuskausi, v")
    option_years: int = Field(description="Optiot, v")
    estimated_value: float = Field(description="Ennakoitu arvo optioineen (hankintalaki 27 §), €")
    threshold_class: ThresholdClass = Field(description="Kynnysarvoluokka")
    national_threshold: float = Field(description="Kansallinen kynnysarvo, €")
    eu_threshold: float = Field(description="EU-kynnysarvo, €")
    threshold_rule: str = Field(description="Sovellettu kynnysarvosääntö (voimassaolo ja lähde)")
    threshold_provisional: bool = Field(description="Kynnysarvo ennakoitu (ei vielä vahvistettu)")
    contract_start: dt.date = Field(description="Uudet sopimukset alkavat")
    contract_end: dt.date = Field(description="Sopimuskausi päättyy ilman optioita")
    procedure: Procedure = Field(description="Menettely")
    procedure_basis: str = Field(description="Menettelyn peruste")
    timeline: list[Milestone] = Field(description="Aikataulu taaksepäin sopimuksen alusta")
    schedule_note: str | None = Field(description="Huomautus aikataulusta (myöhässä)")
    lot_basis: LotBasis = Field(description="Jako osiin")
    lots: list[Lot] = Field(description="Osat")
    no_lots_reason: str | None = Field(description="Jakamatta jättämisen syy (hankintalaki 75 §)")
    small_producer_capacity: float = Field(description="Pk-tuottajan ja järjestön kapasiteetti, €/v")
    access_share: float = Field(description="Pk-tuottajien ja järjestöjen tarjottavissa oleva osuus arvosta (0–1)")
    current_small_share: float = Field(description="Pk-tuottajien ja järjestöjen osuus nykyisistä sopimuksista (0–1)")


class WorkSplitRow(_Model):
    """The work split of one category (esitys 2)."""

    category_id: str = Field(description="Luokka")
    name: str = Field(description="Hankintaluokka")
    responsibility: Responsibility = Field(description="Vastuu")
    unit: str = Field(description="Vastuuyksikkö")
    basis: str = Field(description="Peruste")
    services: list[str] = Field(description="Palvelut")


class NotProcured(_Model):
    """A service with current contracts that is not procured again, and why."""

    service_id: str = Field(description="Palvelu")
    service_name: str = Field(description="Palvelun nimi")
    contracts: list[str] = Field(description="Sopimukset")
    reason: str = Field(description="Syy")


class ProcurementPlan(_Model):
    """The procurement plan (hankintasuunnitelma) of a cycle."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    cycle: int = Field(description="Suunnittelukierros")
    horizon_start: dt.date = Field(description="Suunnittelujakso alkaa")
    horizon_end: dt.date = Field(description="Suunnittelujakso päättyy")
    procurements: list[Procurement] = Field(description="Hankinnat")
    not_procured: list[NotProcured] = Field(description="Ei kilpailuteta uudelleen")
    work_split: list[WorkSplitRow] = Field(description="Hankintojen työnjako")
    total_estimated_value: float = Field(description="Ennakoitu arvo yhteensä, €")
    access_share: float = Field(description="Pk-tuottajien tarjottavissa oleva osuus arvosta (0–1)")
    current_small_share: float = Field(description="Pk-tuottajien osuus nykyisistä sopimuksista (0–1)")
    method: list[str] = Field(description="Menetelmä kappaleittain")


class CompensationModel(_Model):
    """A compensation model of a service with its formula and annual cost."""

    service_id: str = Field(description="Palvelu")
    service_name: str = Field(description="Palvelun nimi")
    kind: CompensationKind = Field(description="Malli")
    procurement_id: str = Field(description="Hankinta")
    formula: str = Field(description="Kaava sanallisesti")
    unit: str = Field(description="Suoriteyksikkö")
    annual_volume: float = Field(description="Suoritteita vuodessa")
    unit_price: float = Field(description="Hinta-arvio, €/suorite (vaiheen 4 ostohinta)")
    base_price: float = Field(description="Mallin perushinta: yksikköhinta, kuukausimaksu tai kiinteä osa, €")
    clients: float | None = Field(description="Asiakkaita (kapitaatio)")
    incentive_pct: float = Field(description="Kannustinosuus, %")
    expected_attainment_pct: float = Field(description="Odotettu kannustimen toteuma, %")
    annual_cost: float = Field(description="Vuosikustannus suunnitelman volyymilla, €")
    max_annual_cost: float = Field(description="Enimmäiskustannus (kannustin kokonaan), €")
    own_full_cost: float | None = Field(description="Sama volyymi omana tuotantona (vaihe 4), €")
    difference: float | None = Field(description="Ero omaan tuotantoon, €")


class CompensationModels(_Model):
    """The compensation models of a cycle (artefact ``procurement-compensation``)."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    cycle: int = Field(description="Suunnittelukierros")
    models: list[CompensationModel] = Field(description="Korvausmallit")


class BidScore(_Model):
    """A bid's points."""

    bidder: str = Field(description="Tarjoaja")
    size: SizeClass = Field(description="Kokoluokka")
    ngo: bool = Field(description="Järjestö")
    price: float = Field(description="Hinta, €")
    price_points: float = Field(description="Hintapisteet")
    quality_points: dict[str, float] = Field(description="Laatupisteet perusteittain (painotettuina)")
    total: float = Field(description="Kokonaispisteet (0–100)")
    rank: int = Field(description="Sija")
    source_row: int = Field(description="Rivi tarjoustiedostossa")


class LotAward(_Model):
    """The comparison and winner of one lot."""

    lot_id: str = Field(description="Osa")
    lot_name: str = Field(description="Osan nimi")
    bids: list[BidScore] = Field(description="Tarjoukset sijoittain")
    winner: str = Field(description="Voittaja")
    winner_price: float = Field(description="Voittajan hinta, €")
    annual_value: float = Field(description="Osan arvo vuodessa voittajan hinnalla, €")


class CriterionWeight(_Model):
    """An award criterion with its weight."""

    criterion: str = Field(description="Peruste")
    weight_pct: float = Field(description="Paino, %")
    max_points: float = Field(description="Enimmäispisteet")


class AwardComparison(_Model):
    """The award comparison of one procurement with bids."""

    procurement_id: str = Field(description="Hankinta")
    service_id: str = Field(description="Palvelu")
    service_name: str = Field(description="Palvelun nimi")
    criteria: list[CriterionWeight] = Field(description="Vertailuperusteet")
    lots: list[LotAward] = Field(description="Osat")
    lots_without_bids: list[str] = Field(description="Osat, joihin ei saatu tarjouksia")
    award_date: dt.date | None = Field(default=None, description="Hankintapäätöksen päivä (kokous)")
    method: list[str] = Field(description="Menetelmä")


class ContractTerms(_Model):
    """A contract stage 6 monitors: who, what, how much, and the terms."""

    contract_id: str = Field(description="Sopimus")
    procurement_id: str | None = Field(description="Hankinta, josta sopimus syntyi")
    producer: str = Field(description="Tuottaja")
    size: SizeClass = Field(description="Tuottajan kokoluokka")
    service_id: str = Field(description="Palvelu")
    service_name: str = Field(description="Palvelun nimi")
    lot_id: str | None = Field(description="Osa")
    area: str = Field(description="Alue")
    start: dt.date = Field(description="Alkaa")
    end: dt.date = Field(description="Päättyy")
    unit: str = Field(description="Suoriteyksikkö")
    unit_price: float = Field(description="Yksikköhinta, €")
    annual_volume: float = Field(description="Sovittu volyymi vuodessa")
    annual_value: float = Field(description="Arvo vuodessa, €")
    origin: str = Field(description="awarded (uusi) tai continued (jatkuva)")
    kpis: list[KpiTerm] = Field(description="Mittarit")
    reporting: str = Field(description="Raportointi")
    sanctions: list[SanctionStep] = Field(description="Sanktioporrastus")


class ContractRegister(_Model):
    """The contracts stage 6 monitors (artefact ``procurement-contracts``)."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    cycle: int = Field(description="Suunnittelukierros")
    contracts: list[ContractTerms] = Field(description="Sopimukset")


class ProcurementAnalysis(_Model):
    """Everything stage 5a computes."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros")
    plan: ProcurementPlan = Field(description="Hankintasuunnitelma")
    compensation: list[CompensationModel] = Field(description="Korvausmallit")
    awards: list[AwardComparison] = Field(description="Tarjousvertailut")
    contracts: ContractRegister = Field(description="Sopimukset ja niiden ehdot")
    ocds: dict[str, Any] = Field(description="OCDS 1.1.5 -julkaisupaketti")
    ocds_records: dict[str, Any] = Field(description="OCDS-tietuepaketti (kootut julkaisut)")
    ocds_validation: list[str] = Field(description="OCDS-validoinnin tulos")
    files: dict[str, str] = Field(description="Lähdetiedostot rooleittain")
    example_data: bool = Field(description="Esimerkkiaineisto")
    choice: ChoiceAnalysis | None = Field(default=None, description="Valinnanvapaus (vaihe 5b)")
    cross_checks: list[CrossCheck] = Field(
        default_factory=list, description="Täsmäytys vaiheen 4 hyväksyttyihin ostovolyymeihin"
    )
    cross_check_rule: str | None = Field(default=None, description="Täsmäytyksen toleranssien peruste")


class ProcurementFigures(_Model):
    """Stage 5a's figures (SVG)."""

    timeline_svg: str = Field(description="Hankintojen aikataulu")
    access_svg: str = Field(description="Pk-tuottajien osuus")


class ProcurementParams(BaseModel):
    """Stage 5a's own parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    horizon_years: int = Field(
        default=3,
        ge=1,
        le=10,
        description="Suunnittelujakso vuosina kierroksen jälkeen: sen aikana päättyvät sopimukset kilpailutetaan.",
        json_schema_extra={"cli": "--horizon-years"},
    )


# -- the cases --------------------------------------------------------------------------------------


class PlanProposal(_Model):
    """The proposal of the case *Hankintasuunnitelma ja hankintojen työnjako*."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros")
    agenda: AgendaContent = Field(description="Esityslistan asia")
    procurements: list[str] = Field(description="Hankinnat")
    total_estimated_value: float = Field(description="Ennakoitu arvo yhteensä, €")
    stage4: list[SourceRef] = Field(description="Vaiheen 4 hyväksytyt versiot")
    summary_markdown: str = Field(description="Tiivistelmä päätöslomakkeen yläpuolelle")


class AwardProposal(_Model):
    """The proposal of an award decision (hankintapäätös)."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros")
    procurement_id: str = Field(description="Hankinta")
    agenda: AgendaContent = Field(description="Esityslistan asia")
    winners: dict[str, str] = Field(description="Voittajat osittain")
    standstill_end: dt.date = Field(description="Odotusaika päättyy")
    summary_markdown: str = Field(description="Tiivistelmä päätöslomakkeen yläpuolelle")


class ProcurementBasis(_Model):
    """The approved stage-5 contracts as later stages read them."""

    contracts: ContractRegister = Field(description="Sopimukset")
    contracts_ref: VersionRef = Field(description="Sopimusten versio")
    approved_on: dt.date = Field(description="Hankintasuunnitelman hyväksymispäivä")
    awards_standing: list[str] = Field(description="Hankinnat, joiden hankintapäätös on voimassa")
    awards_pending: list[str] = Field(
        description="Hankinnat, joiden hankintapäätös puuttuu: niiden sopimukset eivät ole mukana"
    )
    voucher_producers: list[ApprovedProducer] = Field(
        default_factory=list, description="Hyväksytyt palvelusetelituottajat (voimassa olevat hyväksymispäätökset)"
    )
    voucher_producers_refs: list[VersionRef] = Field(default_factory=list, description="Hyväksymispäätösten versiot")
