"""Stage 4 (Tuotantotapojen vertailu ja valinta): own vs purchased production on full, comparable
unit costs, the decision matrix per service, the recommendation, the personnel impact and the
service organising plan (palvelujen järjestämissuunnitelma).

Pure pydantic: no Prefect, no database. Every float is rounded deterministically by the code that
builds these models (euros to 2 decimals, shares and scores to 4 decimals) so the canonical JSON
and its hash are stable. Field descriptions are the labels users see.

Traceability: every input row model keeps where it came from (file, sheet, row number as numbered
in the file), and every computed figure carries ``sources``: the labels of the rows it was computed
from, e.g. ``"oma_tuotanto.xlsx / Kustannukset / rivi 7"``.

The costing method follows the common costing principles of the JHS recommendations JHS 203
"Kuntien ja kuntayhtymien kustannuslaskenta" and JHS 204 "Maakuntien kustannuslaskenta" (both
31.5.2018; JHS 204 was written for the regional level that the welfare regions now are): cost
causation, support services allocated by keys, the organiser/producer split of administration,
capital costs, and reconciliation to the income statement.
"""

from __future__ import annotations

import datetime as dt
import math
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from schemas.accounts import AccountGroup
from schemas.chains import ChainsBasis, ProductionMode
from schemas.documents import AgendaContent
from schemas.reconciliation import CrossCheck
from schemas.results import SourceRef, VersionRef
from schemas.tabular import FiFloat, FiInt, Text
from schemas.targets import TargetsBasis

SCHEMA_VERSION = 1

#: Recipient of an allocation key: the organiser's own share (järjestäjän osuus). It is not a
#: production cost, so it stays outside both modes' unit costs (JHS 204, 5.1).
ORGANISER = "JÄRJESTÄJÄ"
#: Cost rows and allocation-key recipients outside the compared own production (the region's other
#: services, its purchases, …): in the income statement, but not in any compared unit cost.
OTHER = "MUU"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _RowModel(BaseModel):
    # Row models are read by column header (alias) and rebuilt by field name in the "line" models.
    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True)


# -- vocabularies ------------------------------------------------------------------------------


class CostGroup(StrEnum):
    """An income-statement account group (tiliryhmä) the own-production cost rows reconcile to.

    The groups follow the welfare regions' income-statement scheme (toimintakulut by kind,
    poistot; maksutuotot on the income side). Each is one column of the cost sheet.
    """

    WAGES = "wages"
    PENSIONS = "pensions"
    OTHER_SOCIAL = "other_social"
    PURCHASED_SERVICES = "purchased_services"
    MATERIALS = "materials"
    RENTS = "rents"
    OTHER_COSTS = "other_costs"
    DEPRECIATION = "depreciation"
    FEES = "fees"

    @property
    def label_fi(self) -> str:
        """The account group as written in the income statement (and the cost sheet's column)."""
        return COST_GROUP_LABELS[self]

    @property
    def is_income(self) -> bool:
        """Client fees are income; every other group is a cost."""
        return self is CostGroup.FEES

    @classmethod
    def parse(cls, text: str) -> CostGroup:
        """A group from its Finnish name or code, ignoring case (``ValueError`` if unknown)."""
        wanted = " ".join(str(text).split()).lower()
        for group in cls:
            if wanted in {group.value, group.label_fi.lower()}:
                return group
        known = "; ".join(g.label_fi for g in cls)
        raise ValueError(f"unknown account group {text!r}; the groups are: {known}")


#: Each group's name in the income statement (the shared account-group scheme).
COST_GROUP_LABELS: dict[CostGroup, str] = {group: AccountGroup(group.value).label_fi for group in CostGroup}

#: The cost groups (every group but the fees), in income-statement order.
COST_GROUPS: tuple[CostGroup, ...] = tuple(g for g in CostGroup if not g.is_income)


class PoolKind(StrEnum):
    """What an allocated cost pool is: an internal support service or administration."""

    SUPPORT = "support"
    ADMINISTRATION = "administration"

    @property
    def label_fi(self) -> str:
        """Finnish label as written in the sheet: tukipalvelu, hallinto."""
        return {"support": "tukipalvelu", "administration": "hallinto"}[self.value]

    @classmethod
    def parse(cls, text: str) -> PoolKind:
        """A kind from ``tukipalvelu`` / ``hallinto`` (or the code), ignoring case."""
        wanted = " ".join(str(text).split()).lower()
        for kind in cls:
            if wanted in {kind.value, kind.label_fi}:
                return kind
        raise ValueError(f"unknown pool kind {text!r}; use tukipalvelu or hallinto")


class VatHandling(StrEnum):
    """How VAT applies to a purchase: an exempt social or health service, or a taxable purchase."""

    EXEMPT = "exempt"
    TAXABLE = "taxable"

    @property
    def label_fi(self) -> str:
        """Finnish label as written in the file: veroton, verollinen."""
        return {"exempt": "veroton", "taxable": "verollinen"}[self.value]

    @classmethod
    def parse(cls, text: str) -> VatHandling:
        """``veroton`` / ``verollinen`` (or the code), ignoring case."""
        wanted = " ".join(str(text).split()).lower()
        for item in cls:
            if wanted in {item.value, item.label_fi}:
                return item
        raise ValueError(f"unknown VAT handling {text!r}; use veroton or verollinen")


class VatTreatment(StrEnum):
    """How VAT enters the comparison (a parameter; its legal basis is printed in the document).

    ``exclusive`` compares VAT-exclusive costs, i.e. the region's net cost after VAT refunds: own
    production is VAT-exclusive in the books (VAT on its purchases is refunded), taxable purchases
    count at their VAT-exclusive price (the VAT is refunded), and VAT-exempt social and health
    purchases count at their price less the computed refund (laskennallinen palautus), which
    compensates the hidden VAT in the producer's price. ``with_unrefunded_vat`` counts purchases
    as paid, without the computed refund and with VAT on taxable purchases: the cost if no refund
    were received.
    """

    EXCLUSIVE = "exclusive"
    WITH_UNREFUNDED_VAT = "with_unrefunded_vat"

    @property
    def label_fi(self) -> str:
        """Finnish name of the treatment."""
        return {
            "exclusive": "arvonlisäverottomat kustannukset (palautukset vähennetty)",
            "with_unrefunded_vat": "palauttamaton arvonlisävero mukana (ei palautuksia)",
        }[self.value]


class FeeBasis(StrEnum):
    """Whether unit costs are compared before (gross) or after (net) client fees."""

    GROSS = "gross"
    NET = "net"

    @property
    def label_fi(self) -> str:
        """Finnish name of the basis."""
        return {
            "gross": "bruttokustannus (ennen asiakasmaksuja ja palvelusetelin omavastuuosuuksia)",
            "net": "nettokustannus (asiakasmaksut ja palvelusetelin omavastuuosuudet vähennetty)",
        }[self.value]


class ProducerType(StrEnum):
    """The kind of producer of a purchased service (for the small-producer and NGO view)."""

    LARGE = "large"
    SME = "sme"
    NGO = "ngo"
    PUBLIC = "public"

    @property
    def label_fi(self) -> str:
        """Finnish label as written in the file."""
        return _PRODUCER_LABELS[self]

    @property
    def small_or_ngo(self) -> bool:
        """Small and medium-sized enterprises and NGOs (the stakeholders' "small producers")."""
        return self in {ProducerType.SME, ProducerType.NGO}

    @classmethod
    def parse(cls, text: str) -> ProducerType:
        """``suuri yritys`` / ``pk-yritys`` / ``järjestö`` / ``julkinen`` (or the code)."""
        wanted = " ".join(str(text).split()).lower()
        for item in cls:
            if wanted in {item.value, item.label_fi}:
                return item
        known = ", ".join(p.label_fi for p in cls)
        raise ValueError(f"unknown producer type {text!r}; use one of: {known}")


_PRODUCER_LABELS = {
    ProducerType.LARGE: "suuri yritys",
    ProducerType.SME: "pk-yritys",
    ProducerType.NGO: "järjestö",
    ProducerType.PUBLIC: "julkinen",
}


class Employment(StrEnum):
    """The kind of employment: an employment contract (työsuhde) or a public office (virkasuhde)."""

    CONTRACT = "contract"
    OFFICE = "office"

    @property
    def label_fi(self) -> str:
        """Finnish label as written in the file."""
        return {"contract": "työsuhde", "office": "virkasuhde"}[self.value]

    @classmethod
    def parse(cls, text: str) -> Employment:
        """``työsuhde`` / ``virkasuhde`` (or the code)."""
        wanted = " ".join(str(text).split()).lower()
        for item in cls:
            if wanted in {item.value, item.label_fi}:
                return item
        raise ValueError(f"unknown employment {text!r}; use työsuhde or virkasuhde")


class RecommendedMode(StrEnum):
    """A service's production mode as recommended, current or recorded in the organising plan."""

    OWN = "own"
    PURCHASED = "purchased"
    VOUCHER = "voucher"
    MIXED = "mixed"

    @property
    def label_fi(self) -> str:
        """Finnish label as printed."""
        return _RECOMMENDED_LABELS[self]

    @property
    def has_own(self) -> bool:
        """Whether the mode keeps own production."""
        return self in {RecommendedMode.OWN, RecommendedMode.MIXED}

    @classmethod
    def of(cls, mode: ProductionMode) -> RecommendedMode:
        """The single production mode as a recommended mode."""
        return cls(mode.value)


_RECOMMENDED_LABELS = {
    RecommendedMode.OWN: "oma tuotanto",
    RecommendedMode.PURCHASED: "ostopalvelu",
    RecommendedMode.VOUCHER: "palveluseteli",
    RecommendedMode.MIXED: "sekamalli",
}


def _parse_with(parser: Any) -> Any:
    def parse(value: Any) -> Any:
        return parser(value) if isinstance(value, str) else value

    return BeforeValidator(parse)


ModeCell = Annotated[ProductionMode, _parse_with(ProductionMode.parse)]
KindCell = Annotated[PoolKind, _parse_with(PoolKind.parse)]
VatCell = Annotated[VatHandling, _parse_with(VatHandling.parse)]
ProducerCell = Annotated[ProducerType, _parse_with(ProducerType.parse)]
EmploymentCell = Annotated[Employment, _parse_with(Employment.parse)]
GroupCell = Annotated[CostGroup, _parse_with(CostGroup.parse)]


# -- input rows (column headers are the aliases) ------------------------------------------------


class OwnCostRow(_RowModel):
    """One row of the cost sheet (``Kustannukset``): one cost centre × service product for the year.

    ``palvelu_id`` is a service product of the stage-3 catalogue, the id of a support or
    administration pool of the ``Tukipalvelut`` sheet (the pool's own costs), or ``MUU`` (the
    region's other activities: in the income statement but outside the comparison).
    """

    year: FiInt = Field(alias="vuosi", description="Tilivuosi")
    cost_centre: Text = Field(alias="kustannuspaikka", description="Kustannuspaikan koodi")
    cost_centre_name: Text = Field(alias="kustannuspaikan nimi", description="Kustannuspaikan nimi")
    service_id: Text = Field(alias="palvelu_id", description="Palvelutuote, tukipalvelun tunnus tai MUU")
    product_name: Text | None = Field(default=None, alias="palvelutuote", description="Palvelutuotteen nimi")
    volume: FiFloat = Field(default=0.0, ge=0, alias="suoritteet", description="Suoritteiden määrä vuodessa")
    unit: Text | None = Field(default=None, alias="suoriteyksikkö", description="Suoritteen yksikkö, esim. käynti")
    wages: FiFloat = Field(default=0.0, ge=0, alias="palkat ja palkkiot", description="Palkat ja palkkiot, €")
    pensions: FiFloat = Field(default=0.0, ge=0, alias="eläkekulut", description="Eläkekulut, €")
    other_social: FiFloat = Field(
        default=0.0, ge=0, alias="muut henkilösivukulut", description="Muut henkilösivukulut (sosiaaliturvamaksut), €"
    )
    purchased_services: FiFloat = Field(default=0.0, ge=0, alias="palvelujen ostot", description="Palvelujen ostot, €")
    materials: FiFloat = Field(
        default=0.0, ge=0, alias="aineet, tarvikkeet ja tavarat", description="Aineet, tarvikkeet ja tavarat, €"
    )
    rents: FiFloat = Field(default=0.0, ge=0, alias="vuokrat", description="Vuokrat (toimitilat), €")
    other_costs: FiFloat = Field(default=0.0, ge=0, alias="muut toimintakulut", description="Muut toimintakulut, €")
    depreciation: FiFloat = Field(default=0.0, ge=0, alias="poistot", description="Poistot ja arvonalentumiset, €")
    fees: FiFloat = Field(default=0.0, ge=0, alias="asiakasmaksut", description="Asiakasmaksutuotot, €")
    capital: FiFloat = Field(
        default=0.0, ge=0, alias="sitoutunut pääoma", description="Sitoutunut pääoma (käyttöomaisuuden tasearvo), €"
    )

    def amount(self, group: CostGroup) -> float:
        """The row's amount in an account group."""
        return float(getattr(self, group.value))


class AllocationKeyRow(_RowModel):
    """One row of the ``Tukipalvelut`` sheet: a pool's share allocated to one recipient.

    The pool columns (``tukipalvelu``, ``laji``, ``jakoperuste``) repeat on every row of the pool
    and must agree. ``osuus %`` of a pool must sum to 100 %; ``alaraja %`` and ``yläraja %`` give
    the uncertainty range of each recipient's share for the sensitivity analysis.
    """

    pool_id: Text = Field(alias="tukipalvelu_id", description="Tukipalvelun tai hallinnon kustannuspoolin tunnus")
    pool_name: Text = Field(alias="tukipalvelu", description="Tukipalvelun nimi")
    kind: KindCell = Field(alias="laji", description="Laji: tukipalvelu tai hallinto")
    basis: Text = Field(alias="jakoperuste", description="Jakoperuste, esim. henkilötyövuodet")
    recipient: Text = Field(alias="kohde", description="Kohde: palvelutuote, JÄRJESTÄJÄ tai MUU")
    share: FiFloat = Field(alias="osuus %", ge=0, le=100, description="Jako-osuus, %")
    low: FiFloat | None = Field(default=None, alias="alaraja %", ge=0, le=100, description="Osuuden alaraja, %")
    high: FiFloat | None = Field(default=None, alias="yläraja %", ge=0, le=100, description="Osuuden yläraja, %")


class IncomeStatementRow(_RowModel):
    """One row of the ``Tuloslaskelma`` sheet: the income-statement total of one account group."""

    year: FiInt = Field(alias="vuosi", description="Tilivuosi")
    group: GroupCell = Field(alias="tiliryhmä", description="Tiliryhmä, esim. Palkat ja palkkiot")
    accounts: Text | None = Field(default=None, alias="tilit", description="Tilit, esim. 4000–4199")
    amount: FiFloat = Field(alias="euroa", ge=0, description="Tiliryhmän summa tuloslaskelmassa, €")


class PurchaseRow(_RowModel):
    """One row of ``ostopalvelut.csv``: a producer's contract (or voucher use) for one service."""

    producer: Text = Field(alias="tuottaja", description="Palveluntuottaja")
    producer_type: ProducerCell = Field(
        alias="tuottajatyyppi", description="Tuottajatyyppi: suuri yritys, pk-yritys, järjestö tai julkinen"
    )
    service_id: Text = Field(alias="palvelu_id", description="Palvelutuote (vaiheen 3 palvelu_id)")
    mode: ModeCell = Field(alias="hankintamuoto", description="Hankintamuoto: ostopalvelu tai palveluseteli")
    price: FiFloat = Field(
        alias="hinta €/suorite", ge=0, description="Sopimushinta tai setelin arvo, € / suorite, alv 0"
    )
    volume: FiFloat = Field(alias="suoritteet", ge=0, description="Suoritteiden määrä vuodessa")
    unit: Text | None = Field(default=None, alias="suoriteyksikkö", description="Suoritteen yksikkö")
    procurement: FiFloat = Field(
        default=0.0, ge=0, alias="hankintakustannukset €", description="Järjestäjän kilpailutus- ja hankintakulut, €/v"
    )
    contract_management: FiFloat = Field(
        default=0.0, ge=0, alias="sopimushallinta €", description="Järjestäjän sopimushallinnan kulut, €/v"
    )
    monitoring: FiFloat = Field(default=0.0, ge=0, alias="valvonta €", description="Järjestäjän valvonnan kulut, €/v")
    vat: VatCell = Field(alias="alv-käsittely", description="Arvonlisävero: veroton tai verollinen")
    vat_rate: FiFloat = Field(default=0.0, ge=0, le=100, alias="alv %", description="Verokanta verollisille, %")
    fees: FiFloat = Field(
        default=0.0,
        ge=0,
        alias="asiakasmaksut €",
        description="Asiakkaiden maksut, €/v: ostopalvelussa hyvinvointialueen perimät asiakasmaksut, "
        "palvelusetelissä asiakkaan tuottajalle maksama omavastuuosuus",
    )

    @model_validator(mode="after")
    def _taxable_has_rate(self) -> PurchaseRow:
        if self.vat is VatHandling.TAXABLE and self.vat_rate <= 0:
            raise ValueError("a taxable purchase (verollinen) needs its VAT rate in 'alv %'")
        if self.vat is VatHandling.EXEMPT and self.vat_rate > 0:
            raise ValueError("an exempt purchase (veroton) has no VAT rate; leave 'alv %' empty or 0")
        if self.mode is ProductionMode.OWN:
            raise ValueError("hankintamuoto must be ostopalvelu or palveluseteli; own production is in oma_tuotanto")
        return self


class QualityRow(_RowModel):
    """One row of ``laatu_saatavuus.csv``: indicators and 1–5 scores of one service and mode."""

    service_id: Text = Field(alias="palvelu_id", description="Palvelutuote")
    mode: ModeCell = Field(alias="tuotantotapa", description="Tuotantotapa: oma, ostopalvelu tai palveluseteli")
    quality_indicator: Text | None = Field(default=None, alias="laatuindikaattori", description="Laatuindikaattori")
    quality_value: FiFloat | None = Field(default=None, alias="laatu arvo", description="Laatuindikaattorin arvo")
    availability_indicator: Text | None = Field(
        default=None, alias="saatavuusindikaattori", description="Saatavuusindikaattori"
    )
    availability_value: FiFloat | None = Field(
        default=None, alias="saatavuus arvo", description="Saatavuusindikaattorin arvo"
    )
    quality: FiFloat = Field(alias="laatu", ge=1, le=5, description="Pisteet 1–5: laatu")
    availability: FiFloat = Field(alias="saatavuus", ge=1, le=5, description="Pisteet 1–5: saatavuus ja saavutettavuus")
    small_producers: FiFloat = Field(
        alias="pienet tuottajat",
        ge=1,
        le=5,
        description="Pisteet 1–5: pienten tuottajien ja järjestöjen mahdollisuudet",
    )
    continuity: FiFloat = Field(alias="jatkuvuus", ge=1, le=5, description="Pisteet 1–5: jatkuvuus ja toimitusvarmuus")
    innovation: FiFloat = Field(alias="innovaatiot", ge=1, le=5, description="Pisteet 1–5: innovatiivisuus")
    note: Text | None = Field(default=None, alias="perustelu", description="Pisteytyksen perustelu")


class PersonnelRow(_RowModel):
    """One row of ``henkilosto.csv``: FTEs of one occupation in one service's own production."""

    service_id: Text = Field(alias="palvelu_id", description="Palvelutuote")
    occupation: Text = Field(alias="ammattiryhmä", description="Ammattiryhmä")
    employment: EmploymentCell = Field(alias="palvelussuhde", description="Palvelussuhde: työsuhde tai virkasuhde")
    fte: FiFloat = Field(alias="htv", ge=0, description="Henkilötyövuodet")


class _Located(_Model):
    """Where an input row came from: file name, sheet (workbooks) and row number in the file."""

    file: str = Field(description="Lähdetiedosto")
    sheet: str | None = Field(default=None, description="Taulukko (xlsx)")
    row: int = Field(description="Rivinumero tiedostossa (otsikkorivi mukaan luettuna)")

    @property
    def source(self) -> str:
        """The row's source label, e.g. ``oma_tuotanto.xlsx / Kustannukset / rivi 7``."""
        return source_label(self.file, self.sheet, self.row)


def source_label(file: str, sheet: str | None, row: int) -> str:
    """A source reference as printed: ``file / sheet / rivi N`` (no sheet for CSV files)."""
    parts = [file, *([sheet] if sheet else []), f"rivi {row}"]
    return " / ".join(parts)


class OwnCostLine(_Located):
    """A validated cost row and its origin."""

    data: OwnCostRow = Field(description="Rivin tiedot")


class AllocationKeyLine(_Located):
    """A validated allocation-key row and its origin."""

    data: AllocationKeyRow = Field(description="Rivin tiedot")


class IncomeStatementLine(_Located):
    """A validated income-statement row and its origin."""

    data: IncomeStatementRow = Field(description="Rivin tiedot")


class PurchaseLine(_Located):
    """A validated purchase row and its origin."""

    data: PurchaseRow = Field(description="Rivin tiedot")


class QualityLine(_Located):
    """A validated quality row and its origin."""

    data: QualityRow = Field(description="Rivin tiedot")


class PersonnelLine(_Located):
    """A validated personnel row and its origin."""

    data: PersonnelRow = Field(description="Rivin tiedot")


class SourceFile(_Model):
    """An input file as read: name, role, hash and (CSV) text encoding."""

    file: str = Field(description="Tiedoston nimi")
    role: str = Field(description="Mitä tiedosto sisältää")
    sha256: str = Field(description="Tiedoston SHA-256")
    encoding: str | None = Field(default=None, description="Merkistö (CSV): utf-8-sig tai cp1252")
    sheets: list[str] = Field(default_factory=list, description="Luetut taulukot (xlsx)")


class ComparisonInputs(_Model):
    """Every stage-4 input row, validated, with its origin (what the computation starts from)."""

    own_costs: list[OwnCostLine] = Field(description="Oman tuotannon kustannusrivit")
    allocation_keys: list[AllocationKeyLine] = Field(description="Tukipalvelujen ja hallinnon jakoperusteet")
    income_statement: list[IncomeStatementLine] = Field(description="Tuloslaskelman tiliryhmät")
    income_statement_from: str | None = Field(
        default=None, description="Vaiheen 2 hyväksytty tilinpäätös, kun tuloslaskelma on siitä (muuten oma taulukko)"
    )
    purchases: list[PurchaseLine] = Field(description="Ostopalvelut ja palvelusetelit")
    quality: list[QualityLine] = Field(description="Laatu- ja saatavuustiedot")
    personnel: list[PersonnelLine] = Field(description="Henkilöstö")
    own_costs_form: str = Field(description="Oman tuotannon aineiston muoto: xlsx tai csv")
    files: list[SourceFile] = Field(description="Luetut tiedostot")


# -- parameters --------------------------------------------------------------------------------

#: The decision-matrix criteria in the order they are printed.
CRITERIA: tuple[str, ...] = ("cost", "quality", "availability", "small_producers", "continuity", "innovation")
CRITERION_LABELS: dict[str, str] = {
    "cost": "Kustannukset",
    "quality": "Laatu",
    "availability": "Saatavuus ja saavutettavuus",
    "small_producers": "Pienten tuottajien ja järjestöjen mahdollisuudet",
    "continuity": "Jatkuvuus ja toimitusvarmuus",
    "innovation": "Innovatiivisuus",
}


class ComparisonParams(_Model):
    """Parameters of the comparison: capital costs, VAT, uncertainty, criteria weights and rules.

    Criteria weights are relative: they are divided by their sum. Defaults give cost the largest
    weight (the stakeholders asked above all for comparable costs) and quality the next.
    """

    interest_rate: float = Field(
        default=3.0, ge=0, le=20, description="Laskennallinen korko sitoutuneelle pääomalle, % (oletus 3,0)"
    )
    interest_rate_low: float = Field(default=2.0, ge=0, le=20, description="Laskennallisen koron alaraja, %")
    interest_rate_high: float = Field(default=4.0, ge=0, le=20, description="Laskennallisen koron yläraja, %")
    reconciliation_tolerance: float = Field(
        default=1.0, ge=0, description="Sallittu täsmäytysero tuloslaskelmaan tiliryhmittäin, € (oletus 1 €)"
    )
    key_tolerance_pp: float = Field(
        default=0.01, ge=0, description="Jakoperusteen summan sallittu poikkeama 100 %:sta, prosenttiyksikköä"
    )
    vat_treatment: VatTreatment = Field(
        default=VatTreatment.EXCLUSIVE, description="Arvonlisäveron käsittely vertailussa"
    )
    computed_refund_rate: float = Field(
        default=5.0, ge=0, le=100, description="Laskennallinen palautus verottomista sote-ostoista, % hinnasta"
    )
    organiser_cost_uncertainty: float = Field(
        default=25.0, ge=0, le=100, description="Järjestäjän hankinta- ja sopimushallintakulujen epävarmuus, ± %"
    )
    fee_basis: FeeBasis = Field(default=FeeBasis.GROSS, description="Vertailuperuste: brutto vai netto")
    weight_cost: float = Field(default=0.35, ge=0, description="Paino: kustannukset (oletus 0,35)")
    weight_quality: float = Field(default=0.20, ge=0, description="Paino: laatu (oletus 0,20)")
    weight_availability: float = Field(default=0.15, ge=0, description="Paino: saatavuus ja saavutettavuus (0,15)")
    weight_small_producers: float = Field(
        default=0.10, ge=0, description="Paino: pienten tuottajien ja järjestöjen mahdollisuudet (0,10)"
    )
    weight_continuity: float = Field(default=0.15, ge=0, description="Paino: jatkuvuus ja toimitusvarmuus (0,15)")
    weight_innovation: float = Field(default=0.05, ge=0, description="Paino: innovatiivisuus (0,05)")
    mixed_min_share: float = Field(
        default=0.15,
        ge=0,
        le=0.5,
        description="Sekamallin kapasiteettiehto: kummankin tuotantotavan nykyosuus suoritteista vähintään (0,15)",
    )
    voucher_min_small_producers: float = Field(
        default=4.0, ge=1, le=5, description="Palvelusetelin suosittelu: pienten tuottajien pisteet vähintään (4)"
    )
    single_mode_share: float = Field(
        default=0.95, gt=0.5, le=1, description="Nykyinen tuotantotapa on yksi tapa, kun sen osuus on vähintään (0,95)"
    )
    stays_when_outsourced: tuple[str, ...] = Field(
        default=("premises", "capital", "support", "administration"),
        description="Oman tuotannon täyskustannuksen erät, jotka jäävät hyvinvointialueelle, jos palvelu "
        "ulkoistetaan (vältettävissä oleva kustannus = täyskustannus − nämä erät): oletuksena toimitilojen "
        "vuokrat, pääomakulut, tukipalvelut ja hallinto",
    )

    @model_validator(mode="after")
    def _consistent(self) -> ComparisonParams:
        unknown = [c for c in self.stays_when_outsourced if c not in OWN_COMPONENTS]
        if unknown:
            raise ValueError(
                f"unknown own-cost component(s) {', '.join(unknown)}; the components are {', '.join(OWN_COMPONENTS)}"
            )
        if sum(self.weights().values()) <= 0:
            raise ValueError("at least one criterion weight must be positive")
        if not self.interest_rate_low <= self.interest_rate <= self.interest_rate_high:
            raise ValueError("the imputed interest rate must lie within its low–high range")
        return self

    def weights(self) -> dict[str, float]:
        """Raw weights by criterion."""
        return {c: float(getattr(self, f"weight_{c}")) for c in CRITERIA}

    def normalised_weights(self) -> dict[str, float]:
        """Weights divided by their sum, rounded to 4 decimals."""
        raw = self.weights()
        total = sum(raw.values())
        return {k: round(v / total, 4) for k, v in raw.items()}


# -- own production: full cost -----------------------------------------------------------------

#: Components of the own full cost, in the order they are stacked and printed.
OWN_COMPONENTS: dict[str, str] = {
    "personnel": "Henkilöstökulut (palkat, eläke- ja muut henkilösivukulut)",
    "materials": "Palvelujen ostot, aineet ja muut kulut",
    "premises": "Toimitilat (vuokrat)",
    "capital": "Pääomakulut (poistot ja laskennallinen korko)",
    "support": "Tukipalvelut (jakoperusteiden mukaan)",
    "administration": "Hallinto, tuottajan osuus",
}
#: Components of the purchased comparable cost.
PURCHASED_COMPONENTS: dict[str, str] = {
    "price": "Sopimushinta tai setelin arvo (arvonlisäverokäsittely huomioiden)",
    "procurement": "Järjestäjän kilpailutus ja hankinta",
    "contract_management": "Järjestäjän sopimushallinta",
    "client_share": "Asiakkaan omavastuuosuus (palveluseteli)",
}
#: The organiser's monitoring of a purchased service: outside both modes' comparable cost, since
#: the organiser supervises its own production too (valvontalaki 741/2023, 23 § 2 mom.); shown apart.
MONITORING_LABEL = "Järjestäjän valvonta ja seuranta (ei vertailussa: kuuluu kummallekin tuotantotavalle)"


class CostComponent(_Model):
    """One component of a unit cost: € per year, € per unit, and the rows it was computed from."""

    code: str = Field(description="Erän koodi")
    label: str = Field(description="Erä")
    amount: float = Field(description="€ vuodessa")
    per_unit: float = Field(description="€ suoritetta kohden")
    sources: list[str] = Field(description="Lähderivit")


class PoolRecipient(_Model):
    """One recipient's share of a pool."""

    recipient: str = Field(description="Kohde: palvelutuote, JÄRJESTÄJÄ tai MUU")
    share: float = Field(description="Jako-osuus, % (skaalattu tarkalleen 100 %:iin)")
    share_as_given: float = Field(description="Jako-osuus tiedostossa, %")
    low: float = Field(description="Osuuden alaraja, %")
    high: float = Field(description="Osuuden yläraja, %")
    amount: float = Field(description="Kohdistettu määrä, € (sisältää laskennallisen koron)")
    source: str = Field(description="Jakoperusterivi")


class CostPool(_Model):
    """A support-service or administration cost pool and how it was allocated."""

    pool_id: str = Field(description="Poolin tunnus")
    name: str = Field(description="Nimi")
    kind: PoolKind = Field(description="Laji")
    basis: str = Field(description="Jakoperuste")
    costs: float = Field(description="Poolin kustannukset kirjanpidossa, €")
    costs_by_group: dict[str, float] = Field(description="Kustannukset tiliryhmittäin, €")
    capital: float = Field(description="Poolin sitoutunut pääoma, €")
    imputed_interest: float = Field(description="Laskennallinen korko, €")
    total: float = Field(description="Jaettava yhteensä = kustannukset + laskennallinen korko, €")
    key_sum: float = Field(description="Jakoperusteen osuuksien summa tiedostossa, %")
    recipients: list[PoolRecipient] = Field(description="Kohteet")
    sources: list[str] = Field(description="Poolin kustannusrivit ja jakoperusterivit")


class AllocatedShare(_Model):
    """The part of one pool allocated to one service, with its low–high range."""

    pool_id: str = Field(description="Poolin tunnus")
    pool_name: str = Field(description="Poolin nimi")
    kind: PoolKind = Field(description="Laji")
    basis: str = Field(description="Jakoperuste")
    share: float = Field(description="Osuus, %")
    low: float = Field(description="Osuuden alaraja, %")
    high: float = Field(description="Osuuden yläraja, %")
    amount: float = Field(description="Kohdistettu, €")
    amount_low: float = Field(description="Kohdistettu alarajalla, €")
    amount_high: float = Field(description="Kohdistettu ylärajalla, €")
    sources: list[str] = Field(description="Poolin kustannusrivit ja tämän kohteen jakoperusterivi")


class OwnServiceCost(_Model):
    """The full cost of one service product in own production (JHS 203/204 principles)."""

    service_id: str = Field(description="Palvelutuote")
    name: str = Field(description="Palvelu")
    unit: str = Field(description="Suoriteyksikkö")
    volume: float = Field(description="Suoritteet vuodessa")
    cost_centres: list[str] = Field(description="Kustannuspaikat")
    cost_rows: list[str] = Field(description="Palvelun omat kustannusrivit (suoritteet, välittömät kulut, maksut)")
    direct_by_group: dict[str, float] = Field(description="Välittömät kustannukset tiliryhmittäin, €")
    capital: float = Field(description="Sitoutunut pääoma (välitön), €")
    imputed_interest: float = Field(description="Laskennallinen korko välittömälle pääomalle, €")
    allocations: list[AllocatedShare] = Field(description="Kohdistetut tukipalvelut ja hallinto")
    components: list[CostComponent] = Field(description="Täyskustannuksen erät")
    full_cost: float = Field(description="Täyskustannus (brutto), €/v")
    fees: float = Field(description="Asiakasmaksutuotot, €/v")
    net_cost: float = Field(description="Nettokustannus = täyskustannus − asiakasmaksut, €/v")
    unit_cost: float = Field(description="Yksikkökustannus (brutto), €/suorite")
    unit_cost_net: float = Field(description="Yksikkökustannus (netto), €/suorite")
    unit_cost_low: float = Field(description="Yksikkökustannuksen alaraja (brutto), €")
    unit_cost_high: float = Field(description="Yksikkökustannuksen yläraja (brutto), €")
    avoidable_cost: float | None = Field(
        default=None,
        description="Vältettävissä oleva kustannus: täyskustannus − erät, jotka jäävät hyvinvointialueelle, jos "
        "palvelu ulkoistetaan (parametri stays_when_outsourced), €/v",
    )
    unit_cost_avoidable: float | None = Field(
        default=None, description="Vältettävissä oleva kustannus (brutto), €/suorite"
    )
    sources: list[str] = Field(description="Lähderivit")


class ReconciliationLine(_Model):
    """One account group: cost rows and allocation against the income statement."""

    group: CostGroup = Field(description="Tiliryhmä")
    label: str = Field(description="Tiliryhmän nimi")
    income_statement: float = Field(description="Tuloslaskelma, €")
    cost_rows: float = Field(description="Kustannusrivit yhteensä, €")
    difference: float = Field(description="Ero (kustannusrivit − tuloslaskelma), €")
    services: float = Field(description="Vertailtaville palveluille kohdistettu, €")
    organiser: float = Field(description="Järjestäjän osuus (ei tuotantokustannus), €")
    other: float = Field(description="Muu toiminta, ei vertailussa (kohdistamaton), €")
    allocated_total: float = Field(description="Kohdistettu yhteensä = palvelut + järjestäjä + muu, €")
    allocation_difference: float = Field(description="Ero (kohdistettu − tuloslaskelma), €")
    ok: bool = Field(description="Täsmää sallitun eron rajoissa")
    sources: list[str] = Field(description="Tuloslaskelmarivi ja tiliryhmän kustannusrivit")


class OwnCostCalculation(_Model):
    """The full-cost calculation of own production (stage-4 artefact ``comparison-own-costs``)."""

    schema_version: int = Field(default=SCHEMA_VERSION, description="Skeeman versio")
    year: int = Field(description="Tilivuosi")
    interest_rate: float = Field(description="Laskennallinen korko, %")
    interest_range: tuple[float, float] = Field(description="Koron vaihteluväli, %")
    services: list[OwnServiceCost] = Field(description="Palvelutuotteet tunnuksen mukaan")
    pools: list[CostPool] = Field(description="Tukipalvelu- ja hallintopoolit")
    organiser_share: float = Field(description="Järjestäjälle jäävä osuus (ei kummankaan tuotantotavan kustannus), €")
    other_activities: float = Field(description="Muu toiminta, ei vertailussa, €")
    reconciliation: list[ReconciliationLine] = Field(description="Täsmäytys tuloslaskelmaan tiliryhmittäin")
    reconciled: bool = Field(description="Kaikki tiliryhmät täsmäävät")
    statement_from_targets: bool = Field(
        default=False, description="Tuloslaskelma on vaiheen 2 hyväksytystä tilinpäätöksestä (kehyksen perusteesta)"
    )
    tolerance: float = Field(description="Sallittu ero, €")
    method: list[str] = Field(description="Laskentaperiaatteet kappaleittain")


# -- purchased production ----------------------------------------------------------------------


class PurchaseContract(_Model):
    """One producer's contract in the comparable purchased cost."""

    producer: str = Field(description="Tuottaja")
    producer_type: ProducerType = Field(description="Tuottajatyyppi")
    price: float = Field(description="Hinta tiedostossa, €/suorite (alv 0)")
    vat: VatHandling = Field(description="Arvonlisävero")
    vat_rate: float = Field(description="Verokanta, %")
    effective_price: float = Field(description="Vertailuhinta arvonlisäverokäsittelyn jälkeen, €/suorite")
    volume: float = Field(description="Suoritteet")
    purchase_cost: float = Field(description="Ostot = vertailuhinta × suoritteet, €")
    organiser_costs: float = Field(description="Järjestäjän hankinta- ja sopimushallintakulut (vertailussa), €")
    monitoring: float = Field(default=0.0, description="Järjestäjän valvontakulut (ei vertailussa), €")
    fees: float = Field(description="Asiakasmaksut tai palvelusetelin omavastuuosuudet, €")
    source: str = Field(description="Lähderivi")


class PurchasedServiceCost(_Model):
    """The comparable unit cost of one service bought in one mode (purchase or voucher)."""

    service_id: str = Field(description="Palvelutuote")
    name: str = Field(description="Palvelu")
    mode: ProductionMode = Field(description="Hankintamuoto")
    unit: str = Field(description="Suoriteyksikkö")
    volume: float = Field(description="Suoritteet")
    contracts: list[PurchaseContract] = Field(description="Sopimukset tuottajittain")
    small_producer_share: float = Field(description="Pk-yritysten ja järjestöjen osuus suoritteista (0–1)")
    components: list[CostComponent] = Field(description="Erät")
    monitoring: CostComponent | None = Field(
        default=None,
        description="Järjestäjän valvonta ja seuranta: ei vertailukelpoisessa kustannuksessa, koska järjestäjä "
        "valvoo myös omaa tuotantoaan (valvontalaki 741/2023, 23 §); esitetään erikseen",
    )
    total_cost: float = Field(description="Vertailukelpoinen kustannus yhteensä (brutto), €/v")
    fees: float = Field(description="Asiakasmaksut (palvelusetelissä asiakkaan omavastuuosuus), €/v")
    net_cost: float = Field(description="Nettokustannus hyvinvointialueelle, €/v")
    unit_cost: float = Field(description="Vertailukelpoinen yksikkökustannus (brutto), €/suorite")
    unit_cost_net: float = Field(description="Vertailukelpoinen yksikkökustannus (netto), €/suorite")
    unit_cost_low: float = Field(description="Yksikkökustannuksen alaraja (brutto), €")
    unit_cost_high: float = Field(description="Yksikkökustannuksen yläraja (brutto), €")
    sources: list[str] = Field(description="Lähderivit")


class PurchasedCostCalculation(_Model):
    """Comparable unit costs of purchased production (artefact ``comparison-purchased-costs``)."""

    schema_version: int = Field(default=SCHEMA_VERSION, description="Skeeman versio")
    vat_treatment: VatTreatment = Field(description="Arvonlisäveron käsittely")
    vat_basis: list[str] = Field(description="Arvonlisäverokäsittelyn peruste")
    computed_refund_rate: float = Field(description="Laskennallinen palautus, %")
    organiser_cost_uncertainty: float = Field(description="Järjestäjän kulujen epävarmuus, ± %")
    monitoring_total: float = Field(
        default=0.0, description="Järjestäjän ostopalvelujen valvontakulut yhteensä (ei vertailussa), €/v"
    )
    services: list[PurchasedServiceCost] = Field(description="Palvelut ja hankintamuodot")
    method: list[str] = Field(description="Laskentaperiaatteet kappaleittain")


# -- decision matrix and recommendation ----------------------------------------------------------


class CriterionScore(_Model):
    """One criterion of one mode: its 1–5 score, weight and weighted points, and their basis."""

    criterion: str = Field(description="Kriteerin koodi")
    label: str = Field(description="Kriteeri")
    score: float = Field(description="Pisteet 1–5 (4 desimaalia)")
    weight: float = Field(description="Normalisoitu paino")
    weighted: float = Field(description="Painotetut pisteet = paino × pisteet")
    basis: str = Field(description="Peruste sanallisesti")
    sources: list[str] = Field(description="Lähderivit")


class SensitivityRule(_Model):
    """The scenario factors of the sensitivity analysis valid from a date (one ``[[rule]]`` entry of
    ``data/config/rules/comparison_sensitivity.toml``).

    They are sensitivities, not part of the measured uncertainty: the recommendation rules read the
    measured ranges (allocation keys, imputed interest, the organiser's buying costs) only.
    """

    valid_from: dt.date = Field(description="Voimassa alkaen")
    price_change_low_pct: float = Field(
        gt=-100,
        le=0,
        description="Ostopalvelun hinnan tai setelin arvon muutos seuraavassa kilpailutuksessa: alaraja, %",
    )
    price_change_high_pct: float = Field(
        ge=0,
        le=1000,
        description="Ostopalvelun hinnan tai setelin arvon muutos seuraavassa kilpailutuksessa: yläraja, %",
    )
    volume_change_pct: float = Field(ge=0, lt=100, description="Suoritemäärän muutos, ± %")
    quality_change_points: float = Field(
        ge=0, le=4, description="Kunkin vaihtoehdon laatupisteiden muutos, ± pistettä asteikolla 1–5"
    )
    source: str = Field(min_length=1, description="Peruste, sellaisena kuin se tulostetaan")


class SensitivityFactor(StrEnum):
    """A scenario factor of the sensitivity analysis."""

    PRICE = "price"  # the price of a purchased service or a voucher at the next tender or revision
    VOLUME = "volume"  # the service's yearly volume
    QUALITY = "quality"  # an option's quality score


class CostInterval(_Model):
    """A low–high range of a unit cost on the comparison basis."""

    low: float = Field(description="Alaraja, €/suorite")
    high: float = Field(description="Yläraja, €/suorite")


class ModeCostRange(_Model):
    """A low–high range of one option's unit cost under one scenario factor."""

    mode: ProductionMode = Field(description="Tuotantotapa")
    low: float = Field(description="Alaraja, €/suorite")
    high: float = Field(description="Yläraja, €/suorite")


class FactorSensitivity(_Model):
    """One scenario factor of one service: its effect on the unit costs, whether the recommendation
    holds across the considered range, where it would change, and the break-even point."""

    factor: SensitivityFactor = Field(description="Tekijä")
    mode: ProductionMode | None = Field(
        default=None, description="Tuotantotapa, jonka hinta muuttuu (hinta); muilla tekijöillä tyhjä"
    )
    label: str = Field(description="Tekijä suomeksi")
    change_low: float = Field(description="Tarkastellun vaihteluvälin alaraja (% tai laatupisteitä)")
    change_high: float = Field(description="Tarkastellun vaihteluvälin yläraja (% tai laatupisteitä)")
    considered: str = Field(description="Tarkasteltu vaihteluväli suomeksi")
    effects: list[ModeCostRange] = Field(
        default_factory=list, description="Vaikutus yksikkökustannuksiin tuotantotavoittain (laatu: ei vaikutusta)"
    )
    holds: bool = Field(description="Suositus pysyy samana koko tarkastellulla vaihteluvälillä")
    switch: float | None = Field(
        default=None,
        description="Pienin muutos (% tai laatupisteitä, etumerkillinen), jolla suositus muuttuisi; tyhjä, jos "
        "suositus ei muutu hakualueella",
    )
    switch_mode: ProductionMode | None = Field(
        default=None, description="Laatu: tuotantotapa, jonka pisteiden muutos muuttaisi suosituksen"
    )
    switch_recommendation: RecommendedMode | None = Field(default=None, description="Suositus muutoksen jälkeen")
    search_low: float = Field(description="Hakualueen alaraja, jolta muutoskohtaa etsittiin")
    search_high: float = Field(description="Hakualueen yläraja, jolta muutoskohtaa etsittiin")
    break_even: float | None = Field(
        default=None,
        description="Tasapiste: hinnan tai suoritemäärän muutos (%), jolla ulkoisen ja oman tuotannon "
        "yksikkökustannukset ovat yhtä suuret; laadussa laatupisteiden muutos, jolla paras "
        "kokonaispistemäärä vaihtuu; tyhjä, jos tasapistettä ei ole",
    )
    break_even_mode: ProductionMode | None = Field(
        default=None,
        description="Tuotantotapa, johon tasapiste lasketaan (hinta ja suoritemäärä: ulkoinen; laatu: toiseksi paras)",
    )
    best_flips: bool | None = Field(
        default=None, description="Laatu: vaihtuuko paras kokonaispistemäärä tarkastellulla vaihteluvälillä"
    )


class ServiceSensitivity(_Model):
    """The sensitivity of one service's recommendation to the scenario factors (re-tendering price,
    volume, quality), each considered one at a time."""

    holds: bool = Field(description="Suositus pysyy samana kaikkien tekijöiden tarkastelluilla vaihteluväleillä")
    factors: list[FactorSensitivity] = Field(description="Tekijät")
    price_break_even_pct: float | None = Field(
        default=None,
        description="Halvimman ulkoisen vaihtoehdon hinnanmuutos (%), jolla sen yksikkökustannus on sama kuin "
        "oman tuotannon",
    )
    volume_break_even_pct: float | None = Field(
        default=None,
        description="Suoritemäärän muutos (%), jolla oman tuotannon yksikkökustannus on sama kuin halvimman "
        "ulkoisen vaihtoehdon",
    )
    quality_flips_best: bool | None = Field(
        default=None, description="Vaihtaisiko laatupisteiden muutos parhaan kokonaispistemäärän"
    )
    statement: str = Field(description="Suosituksen herkkyys yhdellä virkkeellä suomeksi")


class ModeOption(_Model):
    """A production mode of one service in its decision matrix."""

    mode: ProductionMode = Field(description="Tuotantotapa")
    unit_cost: float = Field(description="Yksikkökustannus vertailuperusteella, €")
    unit_cost_low: float = Field(description="Alaraja, €")
    unit_cost_high: float = Field(description="Yläraja, €")
    volume: float = Field(description="Nykyiset suoritteet")
    volume_share: float = Field(description="Osuus palvelun suoritteista (0–1)")
    scores: list[CriterionScore] = Field(description="Kriteerit")
    total: float = Field(description="Painotettu kokonaispistemäärä (1–5)")
    annual_effect: float | None = Field(
        default=None,
        description="Vuosivaikutus, €/v: jos palvelun koko nykyinen määrä tuotettaisiin tällä tavalla, "
        "(yksikkökustannus − nykyisen tuotantotapojen yhdistelmän painotettu yksikkökustannus) × suoritteet",
    )
    price_range: CostInterval | None = Field(
        default=None,
        description="Yksikkökustannus, kun hinta muuttuu seuraavassa kilpailutuksessa tarkastellun vaihteluvälin "
        "mukaan (ostopalvelu ja palveluseteli), €",
    )
    volume_range: CostInterval | None = Field(
        default=None,
        description="Yksikkökustannus, kun suoritemäärä muuttuu tarkastellun vaihteluvälin mukaan (kiinteät kulut "
        "pysyvät), €",
    )
    scenario_range: CostInterval | None = Field(
        default=None,
        description="Skenaarioiden yhdistetty vaihteluväli: mitattu vaihteluväli, hinta ja suoritemäärä, €",
    )


class CostDifference(_Model):
    """An external mode's unit cost against own production's, and whether it is within the uncertainty."""

    mode: ProductionMode = Field(description="Verrattava tuotantotapa (ostopalvelu tai palveluseteli)")
    difference: float = Field(description="Ero = verrattava − oma, €/suorite")
    difference_pct: float = Field(description="Ero, % oman tuotannon yksikkökustannuksesta")
    within_uncertainty: bool = Field(description="Vaihteluvälit ovat päällekkäiset: ero on epävarmuusvälin sisällä")
    statement: str = Field(description="Toteamus suomeksi")


class ServiceComparison(_Model):
    """The comparison of one service: options, cost differences, current mode and recommendation."""

    service_id: str = Field(description="Palvelutuote")
    name: str = Field(description="Palvelu")
    unit: str = Field(description="Suoriteyksikkö")
    options: list[ModeOption] = Field(description="Vaihtoehdot: oma, ostopalvelu, palveluseteli")
    differences: list[CostDifference] = Field(description="Kustannuserot omaan tuotantoon")
    current_mode: RecommendedMode = Field(description="Nykyinen tuotantotapa suoritteiden mukaan")
    own_share: float = Field(description="Oman tuotannon osuus suoritteista (0–1)")
    voucher_suitable: bool = Field(description="Soveltuuko palveluseteli")
    voucher_basis: str = Field(description="Palvelusetelin soveltuvuuden peruste")
    catalogue_mode: ProductionMode | None = Field(description="Tuotantotapa vaiheen 3 palvelukatalogissa")
    recommendation: RecommendedMode = Field(description="Suositus")
    rule: str = Field(description="Sovellettu suositussääntö")
    rationale: list[str] = Field(description="Perustelut suomeksi")
    volume: float | None = Field(default=None, description="Suoritteet yhteensä (kaikki tuotantotavat)")
    current_unit_cost: float | None = Field(
        default=None, description="Nykyisen tuotantotapojen yhdistelmän suoritteilla painotettu yksikkökustannus, €"
    )
    best_mode: ProductionMode | None = Field(
        default=None, description="Tuotantotapa, jonka painotettu kokonaispistemäärä on suurin"
    )
    recommended_effect: float | None = Field(
        default=None,
        description="Suosituksen vuosivaikutus nykytilaan verrattuna, €/v (sekamallissa 0, kun nykyinen "
        "tuotantotapa on sekamalli; None, kun osuudet päätetään myöhemmin)",
    )
    own_avoidable_unit_cost: float | None = Field(
        default=None, description="Oman tuotannon vältettävissä oleva yksikkökustannus vertailuperusteella, €"
    )
    sensitivity: ServiceSensitivity | None = Field(
        default=None,
        description="Suosituksen herkkyys hinnalle seuraavassa kilpailutuksessa, suoritemäärälle ja laadulle "
        "(None: vanha versio)",
    )


class ComparisonMatrix(_Model):
    """Decision matrices, sensitivity and recommendations (artefact ``comparison-matrix``)."""

    schema_version: int = Field(default=SCHEMA_VERSION, description="Skeeman versio")
    weights: dict[str, float] = Field(description="Normalisoidut painot")
    fee_basis: FeeBasis = Field(description="Vertailuperuste")
    rules: list[str] = Field(description="Suositussäännöt järjestyksessä")
    cost_score_method: str = Field(description="Kustannuspisteiden laskentatapa")
    sensitivity_method: list[str] = Field(description="Herkkyystarkastelun menetelmä")
    services: list[ServiceComparison] = Field(description="Palvelut")
    effect_method: list[str] = Field(default_factory=list, description="Vuosivaikutusten laskentatapa")
    effect_total: float | None = Field(
        default=None, description="Suositusten vuosivaikutus yhteensä (arvioidut palvelut), €/v"
    )
    sensitivity_rule: SensitivityRule | None = Field(
        default=None, description="Herkkyystarkastelun skenaariotekijät ja niiden peruste (None: vanha versio)"
    )


# -- personnel ---------------------------------------------------------------------------------


class OccupationFte(_Model):
    """FTEs of one occupation and employment kind in one service's own production."""

    occupation: str = Field(description="Ammattiryhmä")
    employment: Employment = Field(description="Palvelussuhde")
    fte: float = Field(description="Henkilötyövuodet")
    source: str = Field(description="Lähderivi")


class ServicePersonnelImpact(_Model):
    """The personnel impact of one service's recommendation."""

    service_id: str = Field(description="Palvelutuote")
    name: str = Field(description="Palvelu")
    current_mode: RecommendedMode = Field(description="Nykyinen tuotantotapa")
    recommendation: RecommendedMode = Field(description="Suositus")
    change: str = Field(description="Muutos: none, own_to_external tai external_to_own")
    own_fte: float = Field(description="Oman tuotannon henkilötyövuodet")
    occupations: list[OccupationFte] = Field(description="Henkilöstö ammattiryhmittäin")
    affected_fte: float = Field(description="Muutoksen kohteena olevat henkilötyövuodet")
    additional_fte_estimate: float | None = Field(
        description="Arvioitu lisähenkilöstötarve (oma htv/suorite × ulkoiset suoritteet), kun tuotanto otetaan omaksi"
    )
    transfer_of_undertaking: bool = Field(description="Liikkeenluovutuksen arviointi tarpeen")
    implications: list[str] = Field(description="Vaikutukset ja menettely suomeksi")
    additional_by_occupation: dict[str, float] = Field(
        default_factory=dict,
        description="Arvioitu lisähenkilöstötarve ammattiryhmittäin nykyisen oman henkilöstön rakenteen mukaan, htv",
    )


class PersonnelImpact(_Model):
    """Personnel impact of the recommendations (artefact ``comparison-personnel``)."""

    schema_version: int = Field(default=SCHEMA_VERSION, description="Skeeman versio")
    services: list[ServicePersonnelImpact] = Field(description="Palvelut")
    total_own_fte: float = Field(description="Vertailtavien palvelujen oma henkilöstö, htv")
    total_affected_fte: float = Field(description="Muutoksen kohteena yhteensä, htv")
    by_occupation: dict[str, float] = Field(description="Muutoksen kohteena ammattiryhmittäin, htv")
    legal_basis: list[str] = Field(description="Säädösperusta")
    total_additional_fte: float = Field(
        default=0.0,
        description="Arvioitu oman tuotannon lisähenkilöstötarve yhteensä, kun tuotantoa otetaan omaksi, htv",
    )


# -- organising plan ---------------------------------------------------------------------------


class PlanEntry(_Model):
    """One service in the organising plan: the chosen mode for the cycle."""

    service_id: str = Field(description="Palvelutuote")
    name: str = Field(description="Palvelu")
    chosen_mode: RecommendedMode = Field(description="Valittu tuotantotapa")
    current_mode: RecommendedMode = Field(description="Nykyinen tuotantotapa")
    own_share: float = Field(description="Oman tuotannon nykyosuus suoritteista (0–1)")
    rationale: str = Field(description="Perustelu lyhyesti")
    previous_mode: RecommendedMode | None = Field(description="Edellisen kierroksen hyväksytty tuotantotapa")
    changed: bool = Field(description="Muuttuuko tuotantotapa edelliseen hyväksyttyyn suunnitelmaan nähden")


class PlanChange(_Model):
    """A difference between this cycle's plan and the previous approved one."""

    service_id: str = Field(description="Palvelutuote")
    name: str = Field(description="Palvelu")
    previous: RecommendedMode | None = Field(description="Edellinen (None = ei mukana)")
    chosen: RecommendedMode | None = Field(description="Uusi (None = ei enää mukana)")
    note: str = Field(description="Muutos sanallisesti")


class PreviousPlanRef(_Model):
    """The previous cycle's approved organising plan this plan was compared with."""

    cycle: int = Field(description="Suunnittelukierros")
    key: str = Field(description="Artefaktin avain")
    version: int = Field(description="Versio")
    sha256: str = Field(description="Version SHA-256")


class OrganisingPlan(_Model):
    """The service organising plan's production-mode part (artefact ``comparison-organising-plan``).

    Versioned across cycles: the key is the same in every cycle, and a plan records the previous
    cycle's approved plan it was compared with and the changes.
    """

    schema_version: int = Field(default=SCHEMA_VERSION, description="Skeeman versio")
    region_code: str = Field(description="Hyvinvointialueen koodi")
    cycle: int = Field(description="Suunnittelukierros")
    entries: list[PlanEntry] = Field(description="Palvelut")
    previous: PreviousPlanRef | None = Field(description="Edellisen kierroksen hyväksytty suunnitelma")
    changes: list[PlanChange] = Field(description="Muutokset edelliseen hyväksyttyyn suunnitelmaan")

    def mode_of(self, service_id: str) -> RecommendedMode | None:
        """The chosen mode of a service, or None."""
        return next((e.chosen_mode for e in self.entries if e.service_id == service_id), None)


# -- upstream, analysis, figures, proposal ------------------------------------------------------


class PreviousPlan(_Model):
    """The previous cycle's approved organising plan and its stored version."""

    plan: OrganisingPlan = Field(description="Suunnitelma")
    ref: VersionRef = Field(description="Versio")
    cycle: int = Field(description="Kierros")


class ComparisonAnalysis(_Model):
    """Everything stage 4 computes from its inputs (the round's data artefacts)."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros")
    params: ComparisonParams = Field(description="Parametrit")
    own: OwnCostCalculation = Field(description="Oman tuotannon täyskustannukset")
    purchased: PurchasedCostCalculation = Field(description="Ostopalvelujen vertailukelpoiset kustannukset")
    matrix: ComparisonMatrix = Field(description="Päätösmatriisit ja suositukset")
    personnel: PersonnelImpact = Field(description="Henkilöstövaikutukset")
    plan: OrganisingPlan = Field(description="Palvelujen järjestämissuunnitelma: tuotantotavat")
    findings: list[str] = Field(description="Keskeiset havainnot suomeksi")
    files: list[SourceFile] = Field(description="Lähdetiedostot")
    cross_checks: list[CrossCheck] = Field(
        default_factory=list, description="Täsmäytys aiempien vaiheiden hyväksyttyihin lukuihin"
    )
    cross_check_rule: str | None = Field(default=None, description="Täsmäytyksen toleranssien peruste")


class ComparisonFigure(_Model):
    """One figure as SVG and the artefact key it is stored under."""

    key: str = Field(description="Artefaktin avain, esim. comparison-components-ika-kotihoito-svg")
    service_id: str | None = Field(description="Palvelu (None = kaikki)")
    title: str = Field(description="Kuvion otsikko")
    svg: str = Field(description="Kuvio (SVG)")


class ComparisonFigures(_Model):
    """The decision document's figures: cost components per service and the unit-cost ranges."""

    components: list[ComparisonFigure] = Field(description="Kustannuserät tuotantotavoittain, palveluittain")
    ranges: ComparisonFigure = Field(description="Yksikkökustannusten vaihteluvälit")

    def for_service(self, service_id: str) -> ComparisonFigure:
        """The component chart of one service."""
        return next(f for f in self.components if f.service_id == service_id)


class CooperationStep(StrEnum):
    """Where the case stands with the co-operation procedure between employer and staff (laki
    työnantajan ja henkilöstön välisestä yhteistoiminnasta kunnassa ja hyvinvointialueella 449/2007):
    the principles of reorganising services with essential staff effects are negotiated before the
    employer decides (4 § 1 mom. 2 kohta, 5 § 1 mom.)."""

    NOT_NEEDED = "not_needed"  # no recommendation changes a mode with staff effects
    OPENS = "opens"  # the decision is preparatory: it starts the negotiation, the modes come after it
    HELD = "held"  # the negotiation was held (the run says when): the modes are decided


class ComparisonProposal(_Model):
    """The stage-4 proposal the body decides on: two documents from one version.

    ``agenda`` is "Tuotantotapojen vertailu ja valinta <plan year>"; ``plan_agenda`` is "Palvelujen
    järjestämissuunnitelma <plan year>: tuotantotavat", the plan year being the budget year the cycle
    prepares (cycle N → N + 1). Both documents print this version's hash.
    """

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros (vuosi)")
    plan_year: int | None = Field(
        default=None,
        description="Suunnitelmavuosi: talousarviovuosi, jota kierros valmistelee (järjestämissuunnitelman vuosi)",
    )
    agenda: AgendaContent = Field(description="Esityslistan asia: tuotantotapojen vertailu ja valinta")
    plan_agenda: AgendaContent = Field(description="Palvelujen järjestämissuunnitelma: tuotantotavat")
    cooperation: CooperationStep | None = Field(
        default=None,
        description="Yhteistoimintamenettely (449/2007): käynnistetäänkö se vai onko se käyty (None: vanha versio)",
    )
    recommendations: dict[str, RecommendedMode] = Field(description="Suositus palveluittain")
    findings: list[str] = Field(description="Keskeiset havainnot")
    vat_treatment: VatTreatment = Field(description="Arvonlisäveron käsittely")
    weights: dict[str, float] = Field(description="Kriteerien normalisoidut painot")
    stage3: list[SourceRef] = Field(description="Vaiheen 3 versiot, joista vaihe 4 on laskettu")
    previous_plan: PreviousPlanRef | None = Field(description="Edellisen kierroksen hyväksytty suunnitelma")
    summary_markdown: str = Field(description="Tiivistelmä päätöslomakkeen yläpuolelle (Prefect UI)")


class ComparisonBasis(_Model):
    """What stage 4 starts from: the approved stage-3 catalogue, and the previous cycle's approved plan."""

    chains: ChainsBasis = Field(description="Hyväksytty vaiheen 3 palvelukatalogi")
    targets: TargetsBasis | None = Field(
        default=None, description="Hyväksytty vaihe 2: tilinpäätöksen toteuma, johon tuloslaskelma täsmäytetään"
    )
    previous: PreviousPlan | None = Field(default=None, description="Edellisen kierroksen hyväksytty suunnitelma")


class ComparisonRunParams(BaseModel):
    """Stage 4's own parameters, as a run gives them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    criteria_weights: dict[str, float] | None = Field(
        default=None,
        description="Päätösmatriisin kriteerien painot (suhteellisia): cost, quality, availability, "
        "small_producers, continuity, innovation. Antamatta jäävät pitävät oletuksensa.",
        json_schema_extra={"cli": "--weight"},
    )
    vat_treatment: VatTreatment | None = Field(
        default=None,
        description="Arvonlisäveron käsittely: exclusive (oletus) tai with_unrefunded_vat.",
        json_schema_extra={"cli": "--vat-treatment"},
    )
    cooperation_held: dt.date | None = Field(
        default=None,
        description="Päivä, jona yhteistoimintamenettely (laki 449/2007, 5 §) tuotantotapojen muutoksista "
        "henkilöstövaikutuksineen on käyty (YYYY-MM-DD). Ilman sitä tällaiset muutokset esitetään "
        "valmisteluna, joka käynnistää menettelyn.",
        json_schema_extra={"cli": "--cooperation-held"},
    )

    @field_validator("criteria_weights")
    @classmethod
    def _known_finite(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        for name, weight in (value or {}).items():
            if name not in CRITERIA:
                raise ValueError(f"unknown criterion {name!r}; the criteria are {', '.join(CRITERIA)}")
            if not math.isfinite(weight) or weight < 0:
                raise ValueError(f"weight {name} must be a finite number ≥ 0, not {weight}")
        return value


class ServiceBasis(_Model):
    """A service of the approved organising plan with what stage 5 needs of it."""

    service_id: str = Field(description="Palvelu")
    name: str = Field(description="Palvelun nimi")
    unit: str = Field(description="Suoriteyksikkö")
    chosen_mode: RecommendedMode = Field(description="Hyväksytty tuotantotapa")
    current_mode: RecommendedMode = Field(description="Nykyinen tuotantotapa")
    own_volume: float = Field(description="Oman tuotannon suoritteet")
    purchased_volume: float = Field(description="Ostopalvelun suoritteet")
    voucher_volume: float = Field(description="Palvelusetelin suoritteet")
    own_unit_cost: float | None = Field(description="Oman tuotannon täyskustannus, €/suorite")
    purchased_unit_price: float | None = Field(description="Ostopalvelun keskihinta, €/suorite")
    voucher_unit_price: float | None = Field(description="Palvelusetelin keskiarvo, €/suorite")


class ComparisonRound(_Model):
    """The approved stage-4 round as later stages read it: the plan, volumes, costs and prices."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    services: list[ServiceBasis] = Field(description="Palvelut")
    plan_ref: VersionRef = Field(description="Hyväksytty järjestämissuunnitelma (versio)")
    own_costs_ref: VersionRef = Field(description="Oman tuotannon täyskustannukset (versio)")
    purchased_ref: VersionRef = Field(description="Ostopalvelujen kustannukset (versio)")
    proposal_ref: VersionRef = Field(description="Hyväksytty vaiheen 4 päätösehdotus")
    approved_on: dt.date = Field(description="Vaiheen 4 hyväksymispäivä")
    approved_by: str = Field(description="Vaiheen 4 hyväksynyt toimielin")

    def service(self, service_id: str) -> ServiceBasis | None:
        """A service by id, or None."""
        return next((s for s in self.services if s.service_id == service_id), None)
