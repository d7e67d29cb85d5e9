"""Stage 1 (Strateginen palvelutarpeiden arviointi): service-need profiles, need index, change
analysis, reconciliation with Statistics Finland's own regional figures, and their provenance.

Pure pydantic: no Prefect, no database. Every float is rounded deterministically by the code that
builds these models (shares and rates to 4 decimals) so the canonical JSON and its hash are
stable. Field descriptions are the labels users see (Prefect UI forms, JSON Schema).
"""

from __future__ import annotations

import datetime as dt
import math
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from schemas.carryover import Carryover
from schemas.documents import AgendaContent
from schemas.results import VersionRef

SCHEMA_VERSION = 2  # 2: standardised need index, uncertainty bands, multi-year change


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AreaLevel(StrEnum):
    """The level of an area in a profile table."""

    MUNICIPALITY = "municipality"
    REGION = "region"
    COUNTRY = "country"


class SourceProvenance(_Model):
    """Where one input table came from, so a reader can re-fetch and verify it."""

    file: str = Field(description="File name of the PxWeb export")
    table_label: str | None = Field(description="Table title given by Statistics Finland")
    source: str | None = Field(description="Statistic and producer (metadata 'source')")
    updated: datetime | None = Field(description="When the producer last updated the table (UTC)")
    sha256: str = Field(description="SHA-256 of the file's bytes")
    period: str = Field(description="Statistical period of the figures used (e.g. 2025, 2026M06)")
    area_division: str = Field(description="Area-classification column code (e.g. alue_23_20260101)")


class NeedIndexParams(_Model):
    """Weights of the need-index components (need-raising indicators).

    Weights are relative: they are divided by their sum, so ``1, 1, 1`` and ``2, 2, 2`` are the
    same. Defaults give ageing the largest weight because the 65+ population drives most of the
    use of social and health services; the other components describe socio-economic need.
    """

    weight_share_65_plus: float = Field(
        default=0.30, ge=0, description="Paino: 65 vuotta täyttäneiden osuus väestöstä (oletus 0,30)"
    )
    weight_low_income_rate: float = Field(default=0.15, ge=0, description="Paino: pienituloisuusaste (oletus 0,15)")
    weight_basic_security_dependence: float = Field(
        default=0.15, ge=0, description="Paino: kokonaan perusturvan varassa olevien osuus (oletus 0,15)"
    )
    weight_unemployment_rate: float = Field(
        default=0.15, ge=0, description="Paino: työttömien osuus työvoimasta (oletus 0,15)"
    )
    weight_long_term_unemployment: float = Field(
        default=0.10, ge=0, description="Paino: pitkäaikaistyöttömien osuus työvoimasta (oletus 0,10)"
    )
    weight_no_post_basic_education: float = Field(
        default=0.15,
        ge=0,
        description="Paino: ilman perusasteen jälkeistä tutkintoa olevien osuus 15+ -väestöstä (oletus 0,15)",
    )

    @model_validator(mode="after")
    def _some_weight(self) -> NeedIndexParams:
        if sum(self.weights().values()) <= 0:
            raise ValueError("at least one need-index weight must be positive")
        return self

    def weights(self) -> dict[str, float]:
        """Raw weights by component code (the ``AreaProfile`` field name)."""
        return {
            "share_65_plus": self.weight_share_65_plus,
            "low_income_rate": self.weight_low_income_rate,
            "basic_security_dependence": self.weight_basic_security_dependence,
            "unemployment_rate": self.weight_unemployment_rate,
            "long_term_unemployment_rate": self.weight_long_term_unemployment,
            "share_no_post_basic_education": self.weight_no_post_basic_education,
        }

    def normalised_weights(self) -> dict[str, float]:
        """Weights divided by their sum (they sum to 1)."""
        raw = self.weights()
        total = sum(raw.values())
        return {k: v / total for k, v in raw.items()}


class NeedsRules(_Model):
    """Stage 1's method settings, read from its rules file (``data/config/rules/needs.toml``)."""

    points_per_sd: float = Field(
        gt=0, description="Tarveindeksin pisteet yhtä keskihajontaa kohden kaikissa osatekijöissä (oletus 10)"
    )
    population_limit: int = Field(ge=0, description="Väkiluku, jota pienempien kuntien luvut merkitään epävarmoiksi")
    confidence: float = Field(gt=0, lt=1, description="Satunnaisvaihtelun vaihteluvälin luottamustaso (oletus 0,95)")
    change_years: int = Field(ge=1, description="Muutosanalyysin vuodet viimeisimpään vuoteen asti (oletus 5)")
    source_file: str = Field(description="Sääntötiedosto, josta asetukset luettiin")


class AreaProfile(_Model):
    """Population service-need profile of one area (municipality, region or the whole country).

    Region values are aggregated from the municipalities: counts are summed, rates recomputed
    from summed counts where the counts exist, and age shares and mean age (no counts published)
    are population-weighted means of the municipalities' values. Country values are Statistics
    Finland's own ``SSS`` row. ``None`` = not available (suppressed by the producer).
    """

    area_code: str = Field(description="Alueen koodi (KU837, HVA08, SSS)")
    name: str = Field(description="Alueen nimi")
    level: AreaLevel = Field(description="Aluetaso: kunta, hyvinvointialue tai koko maa")
    population: int = Field(description="Väkiluku 31.12. (väestörakenne)")
    share_under_15: float | None = Field(description="Alle 15-vuotiaiden osuus, %")
    share_65_plus: float | None = Field(description="65 vuotta täyttäneiden osuus, %")
    mean_age: float | None = Field(description="Keski-ikä, vuotta")
    dependency_ratio: float | None = Field(
        description="Väestöllinen huoltosuhde: alle 15- ja yli 64-vuotiaat sataa 15–64-vuotiasta kohden"
    )
    births: int | None = Field(description="Elävänä syntyneet")
    deaths: int | None = Field(description="Kuolleet")
    natural_increase: int | None = Field(description="Luonnollinen väestönlisäys (syntyneet − kuolleet)")
    net_internal_migration: int | None = Field(description="Kuntien välinen nettomuutto")
    net_immigration: int | None = Field(description="Nettomaahanmuutto")
    net_migration: int | None = Field(
        description="Kokonaisnettomuutto (kuntien välinen nettomuutto + nettomaahanmuutto)"
    )
    births_per_1000: float | None = Field(description="Syntyneet tuhatta asukasta kohden, ‰")
    deaths_per_1000: float | None = Field(description="Kuolleet tuhatta asukasta kohden, ‰")
    natural_increase_per_1000: float | None = Field(description="Luonnollinen väestönlisäys, ‰")
    net_migration_per_1000: float | None = Field(description="Kokonaisnettomuutto, ‰")
    household_population: int | None = Field(description="Asuntoväestö (tulonjakotilasto), henkilöä")
    low_income_persons: int | None = Field(description="Pienituloiset henkilöt (60 % mediaanista)")
    low_income_rate: float | None = Field(description="Pienituloisuusaste, % asuntoväestöstä")
    basic_security_persons: int | None = Field(
        description="Henkilöt, joiden asuntokunta on kokonaan perusturvan varassa"
    )
    basic_security_dependence: float | None = Field(
        description="Kokonaan perusturvan varassa olevien osuus asuntoväestöstä, %"
    )
    labour_force: int | None = Field(description="Työvoima (Tilastokeskuksen työssäkäyntitilasto)")
    unemployed: int | None = Field(description="Työttömät työnhakijat laskentapäivänä")
    unemployment_rate: float | None = Field(description="Työttömien työnhakijoiden osuus työvoimasta, %")
    long_term_unemployed: int | None = Field(description="Pitkäaikaistyöttömät")
    long_term_unemployment_rate: float | None = Field(description="Pitkäaikaistyöttömien osuus työvoimasta, %")
    unemployed_disabled_or_ill: int | None = Field(description="Vammaiset ja pitkäaikaissairaat työttömät työnhakijat")
    population_15_plus: int | None = Field(description="15 vuotta täyttänyt väestö")
    share_no_post_basic_education: float | None = Field(
        description="Ilman perusasteen jälkeistä tutkintoa olevien osuus 15+ -väestöstä, %"
    )
    share_tertiary: float | None = Field(description="Korkea-asteen tutkinnon suorittaneiden osuus 15+ -väestöstä, %")
    incomplete_fields: list[str] = Field(
        default_factory=list,
        description="Kentät, joissa osa kuntien luvuista on salattu: alueen luku on laskettu saatavilla olevista",
    )


class NeedProfileTable(_Model):
    """The profiles of a region's municipalities, the region and the whole country."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    municipalities: list[AreaProfile] = Field(description="Alueen kunnat kuntakoodin mukaan järjestettynä")
    region: AreaProfile = Field(description="Alue kunnista laskettuna")
    country: AreaProfile = Field(description="Koko maa")


class NeedIndexComponent(_Model):
    """One component of an area's need index: value, standardised value, weight and contribution."""

    indicator: str = Field(description="Osatekijän koodi (AreaProfile-kentän nimi)")
    label: str = Field(description="Osatekijän nimi")
    value: float | None = Field(description="Alueen arvo")
    country_value: float = Field(description="Koko maan arvo")
    relative: float | None = Field(description="Suhdeluku koko maahan (alueen arvo / koko maan arvo)")
    weight: float = Field(description="Käytetty paino (normalisoitu; puuttuvat osatekijät pois)")
    contribution: float = Field(
        description="Osuus indeksistä pisteinä: pisteet keskihajontaa kohden × paino × vakioitu arvo "
        "(indeksi = 100 + osuuksien summa)"
    )
    standardised: float | None = Field(
        default=None,
        description="Vakioitu arvo: (alueen arvo − koko maan arvo) / osatekijän hajonta koko maan kunnissa",
    )
    standard_error: float | None = Field(
        default=None, description="Arvon keskivirhe satunnaisvaihtelusta (binomijakauma), prosenttiyksikköä"
    )


class NeedIndexRow(_Model):
    """The need index of one area with its components and the band of its random variation."""

    area_code: str = Field(description="Alueen koodi")
    name: str = Field(description="Alueen nimi")
    level: AreaLevel = Field(description="Aluetaso")
    index: float = Field(description="Tarveindeksi (koko maa = 100)")
    rank: int | None = Field(description="Sijoitus alueen kuntien joukossa (1 = suurin tarve)")
    components: list[NeedIndexComponent] = Field(description="Osatekijät")
    missing_components: list[str] = Field(description="Osatekijät, joiden tieto puuttuu")
    population: int | None = Field(default=None, description="Väkiluku 31.12.")
    margin: float | None = Field(
        default=None,
        description="Satunnaisvaihtelun vaihteluvälin puolikas indeksipisteinä (indeksi ± marginaali)",
    )
    uncertain: bool = Field(
        default=False, description="Väkiluku alle sääntötiedoston rajan: luku on epävarma (merkitään tähdellä)"
    )


class ComponentEffect(_Model):
    """How much one component moves the index, before and after standardisation.

    *Effective weight* among a set of municipalities: the component's share of the summed
    dispersions of the weighted components. Among the reference municipalities (the country's) the
    dispersion is the root mean square deviation from the country's value: before standardisation
    (a plain ratio to the country, ``100 × w × x / x_country``) the weighted component spreads by
    ``100·w·s/x_country``, after it (``points × w × (x − x_country) / s``) by ``points·w``, so the
    effective weight is the stated one. Among the region's municipalities it is the share of the
    standard deviations of the weighted components there (the region's own spread). *Span*: the
    lowest and highest weighted component among the region's municipalities, in index points.
    """

    indicator: str = Field(description="Osatekijän koodi")
    label: str = Field(description="Osatekijän nimi")
    weight: float = Field(description="Ilmoitettu paino (normalisoitu)")
    country_value: float | None = Field(description="Koko maan arvo")
    dispersion: float | None = Field(
        description="Hajonta vertailujoukon kunnissa: neliöllinen keskipoikkeama koko maan arvosta"
    )
    effective_before: float | None = Field(description="Todellinen paino koko maan kunnissa ennen vakiointia")
    effective_after: float | None = Field(description="Todellinen paino koko maan kunnissa vakioinnin jälkeen")
    region_before: float | None = Field(description="Todellinen paino alueen kunnissa ennen vakiointia")
    region_after: float | None = Field(description="Todellinen paino alueen kunnissa vakioinnin jälkeen")
    span_before: tuple[float, float] | None = Field(
        description="Painotetun osatekijän pienin ja suurin arvo alueen kunnissa ennen vakiointia, pisteinä"
    )
    span_after: tuple[float, float] | None = Field(
        description="Painotetun osatekijän pienin ja suurin arvo alueen kunnissa vakioinnin jälkeen, pisteinä"
    )


class NeedIndex(_Model):
    """Need index (tarveindeksi) of the region's municipalities and of the region.

    A descriptive index (kuvaileva indeksi): it describes relative need, it does not set budgets by
    itself. Formula (a weighted sum of standardised components, so the stated weights are the
    effective ones)::

        s_k   = sqrt(sum_m (x_km − x_k,country)² / M)               dispersion of component k among
                                                                     the M reference municipalities m
        z_k   = (x_k − x_k,country) / s_k                            standardised value
        w_k   = w_k_raw / sum_j w_j_raw                              normalised weight (available components)
        c_k   = points × w_k × z_k                                   contribution, rounded to 4 decimals
        index = 100 + sum_k c_k                                      the whole country = 100

    ``points`` (``points_per_sd``) comes from the rules file. The reference municipalities are the
    country's (all municipalities of the exports). A component whose value is suppressed is left
    out and the remaining weights are renormalised for that area (listed in ``missing_components``).
    The margin is ``z_conf × points × sqrt(sum_k (w_k × se_k / s_k)²)`` with ``se_k`` the binomial
    standard error of the area's share.
    """

    method: str = Field(description="Menetelmän kuvaus")
    weights: dict[str, float] = Field(description="Normalisoidut painot osatekijöittäin")
    rows: list[NeedIndexRow] = Field(description="Kunnat tarveindeksin mukaan laskevasti")
    region: NeedIndexRow = Field(description="Hyvinvointialue kokonaisuutena")
    points_per_sd: float | None = Field(default=None, description="Indeksipisteet yhtä keskihajontaa kohden")
    reference: str = Field(
        default="", description="Vakioinnin vertailujoukko sisäpaikallissijassa (koko maan kunnissa)"
    )
    reference_count: int | None = Field(default=None, description="Vertailujoukon kuntien määrä")
    effects: list[ComponentEffect] = Field(
        default_factory=list, description="Osatekijöiden todelliset painot ja vaihteluvälit ennen ja jälkeen vakioinnin"
    )
    population_limit: int | None = Field(default=None, description="Epävarmaksi merkittävän kunnan väkilukuraja")
    confidence: float | None = Field(default=None, description="Satunnaisvaihtelun vaihteluvälin luottamustaso")


class ChangeRow(_Model):
    """Vital statistics and age-structure signals of one area."""

    area_code: str = Field(description="Alueen koodi")
    name: str = Field(description="Alueen nimi")
    level: AreaLevel = Field(description="Aluetaso")
    population: int = Field(description="Väkiluku 31.12.")
    births: int | None = Field(description="Elävänä syntyneet")
    deaths: int | None = Field(description="Kuolleet")
    natural_increase: int | None = Field(description="Luonnollinen väestönlisäys")
    net_migration: int | None = Field(description="Kokonaisnettomuutto")
    natural_increase_per_1000: float | None = Field(description="Luonnollinen väestönlisäys, ‰")
    net_migration_per_1000: float | None = Field(description="Kokonaisnettomuutto, ‰")
    share_65_plus: float | None = Field(description="65 vuotta täyttäneiden osuus, %")
    share_65_plus_vs_country_pp: float | None = Field(description="Ero koko maahan, prosenttiyksikköä")
    dependency_ratio: float | None = Field(description="Väestöllinen huoltosuhde")
    ageing_signal: bool = Field(
        description="Ikääntymissignaali: luonnollinen väestönlisäys negatiivinen ja 65+ -osuus yli koko maan"
    )
    population_start: int | None = Field(default=None, description="Väkiluku muutosjakson alkuvuoden lopussa")
    population_change_pct: float | None = Field(default=None, description="Väkiluvun muutos jaksolla, %")
    share_65_plus_start: float | None = Field(
        default=None, description="65 vuotta täyttäneiden osuus muutosjakson alkuvuonna, %"
    )
    share_65_plus_change_pp: float | None = Field(
        default=None, description="65 vuotta täyttäneiden osuuden muutos jaksolla, prosenttiyksikköä"
    )
    natural_increase_period: int | None = Field(
        default=None, description="Luonnollinen väestönlisäys jakson vuosina yhteensä"
    )
    net_migration_period: int | None = Field(default=None, description="Kokonaisnettomuutto jakson vuosina yhteensä")


class ChangeAnalysis(_Model):
    """Operating-environment change: births, deaths, migration and ageing, vs the whole country."""

    period: str = Field(description="Tilastovuosi (viimeisin vuosi)")
    rows: list[ChangeRow] = Field(description="Kunnat kuntakoodin mukaan")
    region: ChangeRow = Field(description="Hyvinvointialue")
    country: ChangeRow = Field(description="Koko maa")
    municipalities_with_natural_decrease: int = Field(description="Kuntia, joissa kuolleita enemmän kuin syntyneitä")
    municipalities_with_net_out_migration: int = Field(description="Kuntia, joissa kokonaisnettomuutto negatiivinen")
    findings: list[str] = Field(description="Havainnot suomeksi, laskettu luvuista")
    base_year: str | None = Field(
        default=None,
        description="Muutosjakson alkuvuosi (väkiluku ja ikärakenne sen lopussa); None, jos aineistossa on vain yksi vuosi",
    )
    years_available: list[str] = Field(default_factory=list, description="Vuodet, jotka ikärakenneaineistossa on")

    @property
    def change_period(self) -> str:
        """The period the change covers: ``2020–2025`` (base year to the latest), or the latest year alone."""
        return f"{self.base_year}\u2013{self.period}" if self.base_year else self.period


ReconciliationStatus = Literal["ok", "mismatch", "not_comparable"]


class ReconciliationItem(_Model):
    """One indicator: the region aggregated from municipalities vs Statistics Finland's HVA row."""

    indicator: str = Field(description="Indikaattori")
    source_file: str = Field(description="Lähdetiedosto")
    aggregated: float | None = Field(description="Kunnista laskettu arvo")
    official: float | None = Field(description="Tilastokeskuksen hyvinvointialueen rivi")
    difference: float | None = Field(description="Ero (laskettu − virallinen)")
    tolerance: float = Field(description="Sallittu ero (0 = täsmällinen)")
    status: ReconciliationStatus = Field(description="ok, mismatch tai not_comparable")
    note: str = Field(default="", description="Selitys")


class MergedMunicipality(_Model):
    """A municipality of the 2021 map merged into another in the data's division."""

    old_code: str = Field(description="Lakkautetun kunnan koodi")
    old_name: str = Field(description="Lakkautetun kunnan nimi")
    new_code: str = Field(description="Uuden kunnan koodi")
    new_name: str = Field(description="Uuden kunnan nimi")


class UnknownCode(_Model):
    """A municipality code in a data file that is not in the municipality key."""

    file: str = Field(description="Tiedosto")
    code: str = Field(description="Tuntematon koodi")


class ReconciliationReport(_Model):
    """Checks that the region built from municipalities matches Statistics Finland's figures."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    items: list[ReconciliationItem] = Field(description="Tarkistukset")
    merged_municipalities: list[MergedMunicipality] = Field(description="Yhdistyneet kunnat")
    unknown_codes: list[UnknownCode] = Field(description="Avaimeen kuulumattomat kuntakoodit")
    missing_municipalities: list[UnknownCode] = Field(
        description="Alueen kunnat, jotka puuttuvat tiedostosta (file, code)"
    )
    ok: bool = Field(description="Kaikki vertailukelpoiset tarkistukset täsmäävät")


class NeedsAssessment(_Model):
    """Stage 1 result: the strategic service-need assessment of one welfare region."""

    schema_version: int = Field(default=SCHEMA_VERSION, description="Skeeman versio")
    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    params: NeedIndexParams = Field(description="Tarveindeksin painot")
    profiles: NeedProfileTable = Field(description="Väestön palvelutarveprofiilit")
    need_index: NeedIndex = Field(description="Tarveindeksi")
    change: ChangeAnalysis = Field(description="Toimintaympäristön muutosanalyysi")
    reconciliation: ReconciliationReport = Field(description="Täsmäytys Tilastokeskuksen lukuihin")
    sources: list[SourceProvenance] = Field(description="Lähteet")
    findings: list[str] = Field(description="Keskeiset havainnot suomeksi, laskettu luvuista")
    rules: NeedsRules | None = Field(default=None, description="Menetelmän asetukset (sääntötiedosto)")


class NeedsFigures(_Model):
    """The stage-1 document's figures as inline SVG (generated by soteflow.charts)."""

    map_svg: str = Field(description="Tarveindeksi kunnittain, kartta (SVG)")
    index_chart_svg: str = Field(description="Tarveindeksi kunnittain, pylväskuvio (SVG)")
    age_chart_svg: str = Field(description="Ikärakenne: alle 15- ja 65 vuotta täyttäneiden osuudet (SVG)")


class NeedsProposal(_Model):
    """The stage-1 proposal the body decides on: the agenda item and the findings it rests on.

    Its version's sha256 is printed in the decision document's footer and the decision is bound
    to it; the need tables it rests on are its lineage inputs.
    """

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros (vuosi)")
    agenda: AgendaContent = Field(description="Esityslistan asia (päätösehdotus)")
    findings: list[str] = Field(description="Keskeiset havainnot")
    index_weights: dict[str, float] = Field(description="Tarveindeksin normalisoidut painot")
    region_index: float = Field(description="Alueen tarveindeksi (koko maa = 100)")
    highest_need: list[str] = Field(description="Suurimman tarveindeksin kunnat")
    carried: Carryover | None = Field(
        default=None, description="Edellisen kierroksen arvioinnin lähtökohdat (vaihe 7), jos sellainen on"
    )
    summary_markdown: str = Field(description="Tiivistelmä päätöslomakkeen yläpuolelle (Prefect UI)")


#: ``index_weights`` names (as the flow and ``--weight`` take them) → :class:`NeedIndexParams` fields.
INDEX_WEIGHT_NAMES = (
    "share_65_plus",
    "low_income_rate",
    "basic_security_dependence",
    "unemployment_rate",
    "long_term_unemployment",
    "no_post_basic_education",
)


class NeedsParams(_Model):
    """Stage 1's own parameters."""

    index_weights: dict[str, float] | None = Field(
        default=None,
        description="Tarveindeksin painot (suhteellisia, ≥ 0): share_65_plus, low_income_rate, "
        "basic_security_dependence, unemployment_rate, long_term_unemployment, no_post_basic_education. "
        "Antamatta jäävät pitävät oletuksensa.",
        json_schema_extra={"cli": "--weight"},
    )

    @field_validator("index_weights")
    @classmethod
    def _known_finite(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        for name, weight in (value or {}).items():
            if name not in INDEX_WEIGHT_NAMES:
                raise ValueError(f"unknown need-index weight {name!r}; known: {', '.join(INDEX_WEIGHT_NAMES)}")
            if not math.isfinite(weight) or weight < 0:
                raise ValueError(f"weight {name} must be a finite number ≥ 0, not {weight}")
        if value is not None:
            weights = {n: NeedIndexParams.model_fields[f"weight_{n}"].default for n in INDEX_WEIGHT_NAMES}
            weights.update(value)
            if sum(weights.values()) <= 0:
                raise ValueError("at least one need-index weight must be positive")
        return value

    def index_params(self) -> NeedIndexParams:
        """The weights as :class:`NeedIndexParams` (unnamed weights keep their defaults)."""
        return NeedIndexParams(**{f"weight_{k}": v for k, v in (self.index_weights or {}).items()})


class NeedsInputs(_Model):
    """Stage 1's input files as read and checked: the region and each export's provenance and hash."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    sources: list[SourceProvenance] = Field(description="Lähteet ja niiden SHA-256-tiivisteet")


class NeedsBasis(_Model):
    """The approved stage-1 round as later stages read it: its tables, their versions and the decision."""

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    profiles: NeedProfileTable = Field(description="Hyväksytyt palvelutarveprofiilit (needs-profile)")
    need_index: NeedIndex = Field(description="Hyväksytty tarveindeksi (needs-index)")
    change: ChangeAnalysis = Field(description="Hyväksytty muutosanalyysi (needs-change)")
    refs: dict[str, VersionRef] = Field(
        description="Hyväksytyt versiot avaimittain: needs-proposal, needs-profile, needs-index, needs-change"
    )
    periods: dict[str, str] = Field(description="Profiilikenttien tilastokausi (kenttä → kausi)")
    decision_date: dt.date = Field(description="Vaiheen 1 hyväksymispäätöksen kokouspäivä")
    decision_body: str = Field(description="Vaiheen 1 hyväksynyt toimielin")
