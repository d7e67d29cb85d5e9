"""Stage 6 (Tuotannon ohjaus, seuranta ja valvonta): the monitoring data of a period, the dated
rules it is checked against, the KPIs per contract × unit × month, deviations and the escalation
ladder carried from period to period, billing reconciliation, the risk-based supervision plan and
the steering reports.

Pure pydantic: no Prefect, no database. Monitoring events are never a model here: they stay in
Parquet files described by an :class:`EventsManifest` and are aggregated out of core in DuckDB;
what crosses a task boundary is the manifest and the small aggregates below. Everything computed
is rounded where it is computed, so hashes are stable.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from schemas.documents import AgendaContent
from schemas.procurement import ContractRegister
from schemas.results import SourceRef, VersionRef
from schemas.tabular import FiDate, FiFloat, FiInt, Text


def _yes_no(value: Any) -> Any:
    if isinstance(value, str):
        text = value.strip().lower()
        if text in {"kyllä", "k", "x", "1", "true"}:
            return True
        if text in {"ei", "e", "", "0", "false"}:
            return False
        raise ValueError(f"{value!r} is not kyllä or ei")
    return value


#: A yes/no cell: kyllä or ei (empty is ei).
FiBool = Annotated[bool, BeforeValidator(_yes_no)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _RowModel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True)


# -- dated rules ---------------------------------------------------------------------------------


class StaffingRule(_Model):
    """The statutory staffing minimum of 24-hour elderly care valid in a date range."""

    valid_from: dt.date = Field(description="Voimassa alkaen")
    valid_to: dt.date | None = Field(default=None, description="Voimassa asti (tyhjä = toistaiseksi)")
    minimum: float = Field(gt=0, description="Vähimmäismitoitus, työntekijää asiakasta kohti")
    services: list[str] = Field(min_length=1, description="Palvelut, joihin sääntö koskee (palvelu_id)")
    source: str = Field(description="Säädösperuste")


class WaitLimit(_Model):
    """A statutory longest wait (hoitotakuu), in days or calendar months from the assessed need."""

    days: int | None = Field(default=None, gt=0, description="Enimmäisaika vuorokausina")
    months: int | None = Field(default=None, gt=0, description="Enimmäisaika kalenterikuukausina")

    def label_fi(self) -> str:
        """``3 kuukautta`` or ``14 vrk``."""
        if self.months:
            return f"{self.months} kuukautta" if self.months > 1 else "1 kuukausi"
        return f"{self.days} vrk"


class CareGuaranteeRule(_Model):
    """A statutory care guarantee for a kind of service valid in a date range."""

    kind: Literal["primary", "oral"] = Field(description="perusterveydenhuolto tai suun terveydenhuolto")
    valid_from: dt.date = Field(description="Voimassa alkaen")
    valid_to: dt.date | None = Field(default=None, description="Voimassa asti")
    adults: WaitLimit = Field(description="23 vuotta täyttäneet")
    under_23: WaitLimit = Field(description="Alle 23-vuotiaat")
    services: list[str] = Field(default_factory=list, description="Palvelut, joihin sääntö koskee")
    source: str = Field(description="Säädösperuste")


class LadderRules(_Model):
    """How the escalation ladder moves (the steps and their sanctions are the contracts')."""

    serious_minimum_step: int = Field(ge=1, description="Vakava poikkeama nostaa vähintään tälle portaalle")
    own_case_from_step: int = Field(ge=1, description="Tästä portaasta alkaen seuraamus on oma päätösasiansa")
    corrective_days: int = Field(gt=0, description="Korjausvaatimuksen määräaika, päivää")
    significant_ratio: float = Field(gt=0, description="Poikkeama raja-arvosta, josta se on merkittävä (suhde)")


class MonitoringRules(_Model):
    """The dated rules file (``data/config/rules/monitoring.toml``)."""

    staffing: list[StaffingRule] = Field(description="Henkilöstömitoitus")
    care_guarantee: list[CareGuaranteeRule] = Field(description="Hoitotakuu")
    ladder: LadderRules = Field(description="Porrastuksen säännöt")
    source_file: str = Field(description="Tiedosto")


# -- input rows ----------------------------------------------------------------------------------


class UnitRow(_RowModel):
    """A row of ``yksikot.csv``: a service unit of a contract (the unit register of the period)."""

    unit_id: Text = Field(alias="yksikkö", description="Yksikön tunnus")
    name: Text = Field(alias="nimi", description="Yksikön nimi")
    contract_id: Text = Field(alias="sopimus_id", description="Sopimus")
    last_visit: FiDate | None = Field(default=None, alias="viimeisin_valvontakäynti", description="Viimeisin käynti")


class StaffingRow(_RowModel):
    """A row of ``henkilosto.csv``: a 24-hour unit's staffing report for the period."""

    unit_id: Text = Field(alias="yksikkö", description="Yksikkö")
    clients: FiFloat = Field(gt=0, alias="asiakkaita", description="Asiakkaita seurantajaksolla (keskimäärin)")
    staff: FiFloat = Field(ge=0, alias="välitön_htv", description="Välitöntä asiakastyötä tekevät, htv")


class NoticeKind(StrEnum):
    """A complaint or notification."""

    MUISTUTUS = "muistutus"
    KANTELU = "kantelu"
    HAITTATAPAHTUMA = "haittatapahtuma"


class NoticeRow(_RowModel):
    """A row of ``ilmoitukset.csv``: a complaint (muistutus, kantelu) or an adverse event."""

    unit_id: Text = Field(alias="yksikkö", description="Yksikkö")
    date: FiDate = Field(alias="pvm", description="Päivämäärä")
    kind: NoticeKind = Field(alias="laji", description="muistutus, kantelu tai haittatapahtuma")
    serious: FiBool = Field(default=False, alias="vakava", description="Vakava (kyllä/ei)")


class FeedbackRow(_RowModel):
    """A row of ``asiakaspalaute.csv``: a unit's client feedback of the period (scale 1–5)."""

    unit_id: Text = Field(alias="yksikkö", description="Yksikkö")
    responses: FiInt = Field(ge=0, alias="vastauksia", description="Vastauksia")
    mean: FiFloat | None = Field(default=None, ge=1, le=5, alias="keskiarvo", description="Keskiarvo 1–5")


class InvoiceRow(_RowModel):
    """A row of ``laskut.csv``: an invoice of a contract for a month of the period."""

    invoice_id: Text = Field(alias="lasku_id", description="Lasku")
    contract_id: Text = Field(alias="sopimus_id", description="Sopimus")
    month: Text = Field(alias="kuukausi", description="Kuukausi (YYYY-MM)")
    volume: FiFloat = Field(ge=0, alias="laskutettu_määrä", description="Laskutetut suoritteet")
    amount: FiFloat = Field(ge=0, alias="laskutettu €", description="Laskutettu, € (alv 0 %)")


class ParquetFile(_Model):
    """One Parquet file of a large table, as its manifest lists it."""

    role: str = Field(description="Rooli")
    name: str = Field(description="Tiedoston nimi")
    sha256: str = Field(description="SHA-256 (laskettu virtana)")
    bytes: int = Field(description="Koko, tavua")
    rows: int = Field(description="Rivejä")
    row_groups: int = Field(description="Riviryhmiä")
    columns: dict[str, str] = Field(description="Sarakkeet ja tyypit")
    synthetic: bool = Field(description="Synteettinen aineisto (generaattorin merkintä)")


class EventsManifest(_Model):
    """The manifest of a period's monitoring events: the files, their hashes, rows and schema."""

    region_code: str = Field(description="Hyvinvointialue")
    cycle: int = Field(description="Suunnittelukierros")
    period: str = Field(description="Jakso")
    period_start: dt.date = Field(description="Jakso alkaa")
    period_end: dt.date = Field(description="Jakso päättyy")
    files: list[ParquetFile] = Field(description="Tiedostot")
    source: SourceRef | None = Field(default=None, description="Tiedoston tallennettu kopio")


class MonitoringInputs(_Model):
    """A period's checked inputs: the events' manifest (the events stay in Parquet) and the small tables."""

    period: str = Field(description="Jakso")
    events_path: str = Field(description="Tapahtumatiedoston polku (luetaan DuckDB:llä)")
    manifest: EventsManifest = Field(description="Tapahtumien manifesti")
    units: list[UnitRow] = Field(description="Yksiköt")
    staffing: list[StaffingRow] = Field(description="Henkilöstöraportit")
    notices: list[NoticeRow] = Field(description="Muistutukset, kantelut ja haittatapahtumat")
    feedback: list[FeedbackRow] = Field(description="Asiakaspalaute")
    invoices: list[InvoiceRow] = Field(description="Laskut")
    rules: MonitoringRules = Field(description="Päivätyt säännöt")
    files: dict[str, str] = Field(description="Tiedostot rooleittain")
    synthetic: bool = Field(description="Synteettinen aineisto")


# -- results -------------------------------------------------------------------------------------


class KpiValue(_Model):
    """One KPI of a contract (and unit) in a month against its threshold."""

    contract_id: str = Field(description="Sopimus")
    producer: str = Field(description="Tuottaja")
    unit_id: str | None = Field(description="Yksikkö (tyhjä = koko sopimus)")
    month: str = Field(description="Kuukausi")
    kpi: str = Field(description="Mittari")
    name: str = Field(description="Mittari suomeksi")
    value: float | None = Field(description="Arvo (tyhjä = ei tietoa)")
    threshold: float = Field(description="Raja-arvo")
    direction: Literal["at_least", "at_most"] = Field(description="at_least tai at_most")
    unit: str = Field(description="Yksikkö")
    basis: str = Field(description="Peruste: sopimus tai laki")
    ok: bool | None = Field(description="Täyttyykö (tyhjä = ei tietoa)")
    clients: int = Field(description="Asiakkaita")


class UnitMonth(_Model):
    """What the events say about a unit in a month (the DuckDB aggregate)."""

    contract_id: str = Field(description="Sopimus")
    unit_id: str = Field(description="Yksikkö")
    month: str = Field(description="Kuukausi")
    events: int = Field(description="Tapahtumia")
    volume: float = Field(description="Suoritteita")
    clients: int = Field(description="Eri asiakkaita")
    starts: int = Field(description="Alkaneita palveluja (odotusaika tiedossa)")
    within_contract: int = Field(description="Alkoi sopimuksen enimmäisajassa")
    within_statutory: int | None = Field(description="Alkoi lakisääteisessä enimmäisajassa (jos koskee)")
    wait_p90: float | None = Field(description="Odotusajan 90. persentiili, vrk")


class Severity(StrEnum):
    """How serious a deviation is."""

    MINOR = "minor"
    SIGNIFICANT = "significant"
    SERIOUS = "serious"

    @property
    def label_fi(self) -> str:
        """Finnish label."""
        return {"minor": "vähäinen", "significant": "merkittävä", "serious": "vakava"}[self.value]

    @property
    def weight(self) -> int:
        """1, 2 or 3 (the risk score's severity)."""
        return {"minor": 1, "significant": 2, "serious": 3}[self.value]


class Deviation(_Model):
    """A KPI that missed its threshold (or a statutory minimum)."""

    contract_id: str = Field(description="Sopimus")
    producer: str = Field(description="Tuottaja")
    unit_id: str | None = Field(description="Yksikkö")
    month: str = Field(description="Kuukausi")
    kpi: str = Field(description="Mittari")
    description: str = Field(description="Poikkeama suomeksi")
    severity: Severity = Field(description="Vakavuus")
    statutory: bool = Field(description="Lakisääteinen vähimmäisvaatimus")
    clients: int = Field(description="Asiakkaita, joita poikkeama koskee")
    amount_eur: float = Field(default=0.0, description="Rahamäärä (ylilaskutus), €")


class BillingLine(_Model):
    """A contract's month: invoiced against delivered."""

    contract_id: str = Field(description="Sopimus")
    producer: str = Field(description="Tuottaja")
    month: str = Field(description="Kuukausi")
    delivered: float = Field(description="Toteutuneet suoritteet")
    contracted: float = Field(description="Sovittu volyymi kuukaudessa")
    invoiced_volume: float = Field(description="Laskutetut suoritteet")
    invoiced_eur: float = Field(description="Laskutettu, €")
    due_eur: float = Field(description="Toteutuneiden suoritteiden hinta, €")
    over_billed_eur: float = Field(description="Ylilaskutus, €")
    over_billed_pct: float = Field(description="Ylilaskutus, % laskutuksesta")


class LadderStep(_Model):
    """A contract's place on the escalation ladder after this period."""

    contract_id: str = Field(description="Sopimus")
    producer: str = Field(description="Tuottaja")
    service_name: str = Field(description="Palvelu")
    previous_step: int = Field(ge=0, description="Porras edellisellä jaksolla")
    step: int = Field(ge=0, description="Porras tällä jaksolla (0 = ei seuraamusta)")
    step_name: str = Field(description="Portaan seuraamus")
    amount_eur: float = Field(description="Sopimussakko, €")
    movement: Literal["up", "held", "down", "none"] = Field(description="Liike")
    reason: str = Field(description="Perustelu")
    deadline: dt.date | None = Field(description="Määräaika korjaukselle")
    kpis: list[str] = Field(description="Poikkeavat mittarit")
    own_case: bool = Field(description="Oma päätösasia (maksaa tuottajalle rahaa tai asiakkaita)")


class VisitPlanItem(_Model):
    """A unit on the supervision plan's ranking."""

    rank: int = Field(description="Sija")
    unit_id: str = Field(description="Yksikkö")
    unit_name: str = Field(description="Yksikön nimi")
    contract_id: str = Field(description="Sopimus")
    producer: str = Field(description="Tuottaja")
    severity: int = Field(description="Poikkeamien vakavuus yhteensä (1–3 kukin)")
    clients: int = Field(description="Asiakkaita")
    months_since_visit: int = Field(description="Kuukautta viimeisestä käynnistä")
    risk: float = Field(description="Riski = vakavuus × asiakkaat × kuukaudet")
    visit: bool = Field(description="Valvontakäynti tällä jaksolla")
    reason: str = Field(description="Peruste")


class TrendPoint(_Model):
    """A producer's headline figures in one period (for the trend over the periods so far)."""

    period: str = Field(description="Jakso")
    contract_id: str = Field(description="Sopimus")
    deviations: int = Field(description="Poikkeamia")
    step: int = Field(description="Porras")
    over_billed_eur: float = Field(description="Ylilaskutus, €")
    wait_within_pct: float | None = Field(description="Hoitotakuun aikana alkaneet, %")


class MonitoringAnalysis(_Model):
    """A period's monitoring: KPIs, deviations, ladder, billing, supervision plan and the trend."""

    region_code: str = Field(description="Hyvinvointialue")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros")
    period: str = Field(description="Jakso")
    period_start: dt.date = Field(description="Jakso alkaa")
    period_end: dt.date = Field(description="Jakso päättyy")
    previous_period: str | None = Field(description="Edellinen jakso, jonka raportti on merkitty tiedoksi")
    unit_months: list[UnitMonth] = Field(description="Tapahtumat yksiköittäin ja kuukausittain")
    kpis: list[KpiValue] = Field(description="Mittarit")
    deviations: list[Deviation] = Field(description="Poikkeamat")
    billing: list[BillingLine] = Field(description="Laskujen täsmäytys")
    ladder: list[LadderStep] = Field(description="Seuraamusportaat")
    visits: list[VisitPlanItem] = Field(description="Valvontasuunnitelma")
    visit_capacity: int = Field(description="Käyntejä jaksossa enintään")
    trend: list[TrendPoint] = Field(description="Kehitys jaksoittain")
    rules_applied: list[str] = Field(description="Sovelletut päivätyt säännöt")
    method: list[str] = Field(description="Menetelmä")
    events: int = Field(description="Tapahtumia")
    synthetic: bool = Field(description="Synteettinen aineisto")
    files: dict[str, str] = Field(description="Tiedostot")


class MonitoringParams(BaseModel):
    """Stage 6's own parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    visits: int = Field(
        default=3,
        ge=0,
        le=500,
        description="Valvontakäyntejä jaksossa enintään (valvontasuunnitelman kapasiteetti).",
        json_schema_extra={"cli": "--visits"},
    )


class MonitoringFigures(_Model):
    """Stage 6 draws no figures yet (the trend is a table)."""


# -- proposals and basis -------------------------------------------------------------------------


class ReportProposal(_Model):
    """The period's steering and supervision report, which the body takes note of."""

    region_code: str = Field(description="Hyvinvointialue")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros")
    period: str = Field(description="Jakso")
    agenda: AgendaContent = Field(description="Esityslistan asia")
    ladder: list[LadderStep] = Field(description="Seuraamusportaat jakson jälkeen")
    visits: list[VisitPlanItem] = Field(description="Valvontakäynnit")
    trend: list[TrendPoint] = Field(description="Kehitys jaksoittain")
    over_billed_eur: float = Field(description="Ylilaskutus yhteensä, €")
    last_visits: dict[str, dt.date] = Field(description="Viimeisin (suunniteltu) valvontakäynti yksiköittäin")
    contracts: SourceRef = Field(description="Sopimukset (vaihe 5)")
    previous_report: SourceRef | None = Field(description="Edellisen jakson raportti")
    summary_markdown: str = Field(description="Tiivistelmä")


class EscalationProposal(_Model):
    """A sanction, a suspension of referrals or a termination: its own decision."""

    region_code: str = Field(description="Hyvinvointialue")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros")
    period: str = Field(description="Jakso")
    agenda: AgendaContent = Field(description="Esityslistan asia")
    step: LadderStep = Field(description="Porras")
    summary_markdown: str = Field(description="Tiivistelmä")


class MonitoringBasis(_Model):
    """What a period starts from: the approved contracts and the previous period's noted report."""

    contracts: ContractRegister = Field(description="Sopimukset ja niiden ehdot (vaihe 5)")
    contracts_ref: VersionRef = Field(description="Sopimusten versio (vaihe 5)")
    approved_on: dt.date = Field(description="Hankintasuunnitelman hyväksymispäivä")
    previous_period: str | None = Field(description="Edellinen raportoitu jakso")
    previous_ref: VersionRef | None = Field(description="Edellisen jakson raportin versio")
    previous_ladder: list[LadderStep] = Field(description="Portaat edellisen jakson jälkeen (päätösten mukaan)")
    previous_deviations: dict[str, list[str]] = Field(description="Edellisen jakson poikkeavat mittarit sopimuksittain")
    previous_visits: dict[str, dt.date] = Field(description="Edellisten jaksojen valvontakäynnit yksiköittäin")
    trend: list[TrendPoint] = Field(description="Kehitys edellisiin jaksoihin asti")
