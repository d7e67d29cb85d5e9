"""Stage 3 (Priorisointi, palvelukokonaisuudet ja -ketjut): the service catalogue, the prioritisation
of service packages, the service chains with their targets and metrics, and the stage's proposal.

Pure pydantic: no Prefect, no database. Every float is rounded deterministically by the code that
builds these models (euros to 2 decimals, criteria, weights, scores and shares to 4 decimals) so
the canonical JSON and its hash are stable. Field descriptions are the labels users see.

Later stages read the approved ``chains-catalogue`` artefact (:class:`ServiceCatalogue`): its step
ids (``palvelu_id``) name the services, e.g. ``IKA-KOTIHOITO`` (:meth:`ServiceCatalogue.service_ids`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, field_validator, model_validator

from schemas.documents import AgendaContent
from schemas.feedback import FeedbackFigures, FeedbackSynthesis
from schemas.reconciliation import CrossCheck
from schemas.results import SourceRef, VersionRef
from schemas.tabular import FiFloat, FiInt, Text
from schemas.targets import ClientGroup, Direction

SCHEMA_VERSION = 1

#: Package and service ids name files and Prefect artifact keys (``chains-chain-<id>-svg``, lower
#: case): letters, digits and single hyphens only.
ID_PATTERN = re.compile(r"^[A-Za-z0-9]+(-[A-Za-z0-9]+)*$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProductionMode(StrEnum):
    """How a service is produced: own production, purchased service, or service voucher."""

    OWN = "own"
    PURCHASED = "purchased"
    VOUCHER = "voucher"

    @property
    def label_fi(self) -> str:
        """Finnish name as printed: oma tuotanto, ostopalvelu, palveluseteli."""
        return _MODE_LABELS[self]

    @property
    def file_label(self) -> str:
        """The word used in the catalogue file: oma, ostopalvelu, palveluseteli."""
        return _MODE_FILE_LABELS[self]

    @property
    def tag_fi(self) -> str:
        """The short text tag shown in the chain diagram (the mode is never told by colour alone)."""
        return _MODE_TAGS[self]

    @classmethod
    def parse(cls, text: str) -> ProductionMode:
        """A mode from the file's word (oma / ostopalvelu / palveluseteli), its code or Finnish name."""
        wanted = " ".join(str(text).split()).lower()
        for mode in cls:
            if wanted in {mode.value, mode.file_label, mode.label_fi}:
                return mode
        known = ", ".join(m.file_label for m in cls)
        raise ValueError(f"unknown production mode {text!r}; use one of: {known}")


_MODE_LABELS = {
    ProductionMode.OWN: "oma tuotanto",
    ProductionMode.PURCHASED: "ostopalvelu",
    ProductionMode.VOUCHER: "palveluseteli",
}
_MODE_FILE_LABELS = {
    ProductionMode.OWN: "oma",
    ProductionMode.PURCHASED: "ostopalvelu",
    ProductionMode.VOUCHER: "palveluseteli",
}
_MODE_TAGS = {ProductionMode.OWN: "OMA", ProductionMode.PURCHASED: "OSTO", ProductionMode.VOUCHER: "SETELI"}


def _parse_group(value: Any) -> Any:
    return ClientGroup.parse(value) if isinstance(value, str) else value


def _parse_mode(value: Any) -> Any:
    return ProductionMode.parse(value) if isinstance(value, str) else value


def _check_id(value: str) -> str:
    if not ID_PATTERN.match(value):
        raise ValueError(
            f"{value!r} is not a valid id: use letters A–Z, digits and single hyphens (e.g. PK-IKA, IKA-KOTIHOITO)"
        )
    return value


GroupCell = Annotated[ClientGroup, BeforeValidator(_parse_group)]
ModeCell = Annotated[ProductionMode, BeforeValidator(_parse_mode)]


class CatalogueRow(_Model):
    """One row of ``palvelukatalogi.csv``: one step of a service package's chain.

    Column headers are the field aliases. Package-level columns (``palvelukokonaisuus``,
    ``asiakasryhmä``, ``toteutettavuus``) repeat on every step row of the package and must agree.
    """

    package_id: Text = Field(alias="palvelukokonaisuus_id", description="Palvelukokonaisuuden tunnus, esim. PK-IKA")
    package_name: Text = Field(alias="palvelukokonaisuus", description="Palvelukokonaisuuden nimi")
    client_group: GroupCell = Field(alias="asiakasryhmä", description="Asiakasryhmä (nimi tai koodi)")
    feasibility: FiInt = Field(alias="toteutettavuus", ge=1, le=5, description="Toteutettavuus 1–5 (5 = helpoin)")
    step: FiInt = Field(alias="vaihe", ge=1, description="Vaiheen järjestysnumero ketjussa 1..n")
    service_id: Text = Field(alias="palvelu_id", description="Palvelun tunnus, yksilöllinen koko tiedostossa")
    service_name: Text = Field(alias="palvelu", description="Palvelun nimi")
    description: Text = Field(alias="kuvaus", description="Palvelukuvaus: mitä palvelu on")
    for_whom: Text = Field(alias="kenelle", description="Palvelukuvaus: kenelle palvelu on tarkoitettu")
    access: Text = Field(alias="hakeutuminen", description="Palvelukuvaus: miten palveluun hakeudutaan")
    criteria: Text = Field(alias="myöntämisperusteet", description="Palvelukuvaus: myöntämisperusteet")
    mode: ModeCell = Field(alias="tuotantotapa", description="Tuotantotapa: oma, ostopalvelu tai palveluseteli")
    annual_volume: FiFloat = Field(alias="vuosivolyymi", ge=0, description="Vuosivolyymi yksikköinä")
    unit: Text = Field(alias="yksikkö", description="Volyymin yksikkö (perusmuodossa), esim. käynti, hoitopäivä")
    unit_cost: FiFloat = Field(alias="yksikkökustannus", ge=0, description="Yksikkökustannus, €")
    quality_metric: Text = Field(alias="laatumittari", description="Laatumittari (nimi ja asteikko)")
    quality_baseline: FiFloat | None = Field(
        default=None, alias="laatu_lähtötaso", description="Laatumittarin lähtötaso (tyhjä, jos ei tiedossa)"
    )
    quality_target: FiFloat = Field(alias="laatu_tavoite", description="Laatumittarin tavoitetaso")
    target_id: Text = Field(alias="tavoite_id", description="Vaiheen 2 vaikuttavuustavoitteen tunnus, esim. T-IKA-1")

    @field_validator("package_id", "service_id")
    @classmethod
    def _ids(cls, value: str) -> str:
        return _check_id(value)


class ServiceDescription(_Model):
    """Structured service description (palvelukuvaus): what, for whom, how accessed, on what criteria."""

    what: str = Field(description="Mitä palvelu on")
    for_whom: str = Field(description="Kenelle palvelu on tarkoitettu")
    access: str = Field(description="Miten palveluun hakeudutaan")
    criteria: str = Field(description="Myöntämisperusteet")


class QualityMetric(_Model):
    """A step's quality metric: name, baseline, target and the direction implied by them."""

    name: str = Field(description="Laatumittari")
    baseline: float | None = Field(description="Lähtötaso (None = ei tiedossa)")
    target: float = Field(description="Tavoitetaso")
    direction: Direction | None = Field(
        description="Suunta: tavoite lähtötasoa suurempi = kasvaa, pienempi = laskee, sama = säilyy; None ilman lähtötasoa"
    )


class CatalogueStep(_Model):
    """One validated step of a service chain as written in the catalogue."""

    order: int = Field(description="Vaiheen järjestysnumero 1..n")
    service_id: str = Field(description="Palvelun tunnus (palvelu_id)")
    name: str = Field(description="Palvelun nimi")
    description: ServiceDescription = Field(description="Rakenteinen palvelukuvaus")
    mode: ProductionMode = Field(description="Tuotantotapa")
    annual_volume: float = Field(description="Vuosivolyymi")
    unit: str = Field(description="Volyymin yksikkö")
    unit_cost: float = Field(description="Yksikkökustannus, €")
    annual_cost: float = Field(description="Vuosikustannus = vuosivolyymi × yksikkökustannus, € (2 desimaalia)")
    metric: QualityMetric = Field(description="Laatumittari")
    target_id: str = Field(description="Vaiheen 2 tavoitteen tunnus")
    source_row: int = Field(description="Rivinumero lähdetiedostossa (otsikkorivi = 1)")


class ServicePackage(_Model):
    """A service package (palvelukokonaisuus) and its chain of steps in order."""

    package_id: str = Field(description="Palvelukokonaisuuden tunnus")
    name: str = Field(description="Palvelukokonaisuuden nimi")
    client_group: ClientGroup = Field(description="Asiakasryhmä")
    feasibility: int = Field(ge=1, le=5, description="Toteutettavuus 1–5")
    steps: list[CatalogueStep] = Field(min_length=1, description="Vaiheet järjestyksessä")
    annual_cost: float = Field(description="Ketjun vuosikustannus yhteensä, €")
    first_row: int = Field(description="Kokonaisuuden ensimmäinen rivi lähdetiedostossa")

    @property
    def slug(self) -> str:
        """The id in artefact keys: lower case (``PK-IKA`` → ``pk-ika``)."""
        return self.package_id.lower()


class ServiceCatalogue(_Model):
    """The validated service catalogue (stage-3 artefact ``chains-catalogue``)."""

    schema_version: int = Field(default=SCHEMA_VERSION, description="Skeeman versio")
    source_file: str = Field(description="Lähdetiedoston nimi")
    source_sha256: str = Field(description="Lähdetiedoston SHA-256")
    example_data: bool = Field(description="Aineisto on esimerkkiaineistoa (data/examples)")
    packages: list[ServicePackage] = Field(description="Palvelukokonaisuudet tiedoston järjestyksessä")

    def service_ids(self) -> set[str]:
        """Every step id (``palvelu_id``) of the catalogue."""
        return {step.service_id for package in self.packages for step in package.steps}

    def package(self, package_id: str) -> ServicePackage:
        """The package with ``package_id`` (``KeyError`` if none)."""
        for package in self.packages:
            if package.package_id == package_id:
                return package
        raise KeyError(package_id)

    def step(self, service_id: str) -> CatalogueStep:
        """The step with ``service_id`` (``KeyError`` if none)."""
        for package in self.packages:
            for step in package.steps:
                if step.service_id == service_id:
                    return step
        raise KeyError(service_id)


# -- prioritisation ----------------------------------------------------------------------------


class BenchmarkRow(_Model):
    """One row of ``vertailukustannukset.csv``: a package's clients and its benchmark cost per client."""

    package_id: Text = Field(alias="palvelukokonaisuus_id", description="Palvelukokonaisuuden tunnus (palveluluettelo)")
    clients: FiInt = Field(alias="asiakkaat", gt=0, description="Ketjun eri asiakkaat vuodessa (henkilöä)")
    benchmark_per_client: FiFloat = Field(
        alias="vertailukustannus_per_asiakas", gt=0, description="Vertailukustannus asiakasta kohden vuodessa, €"
    )
    source: Text = Field(
        alias="vertailun_lähde", description="Vertailukustannuksen lähde (julkaisija, aineisto, vuosi)"
    )


class PackageBenchmark(_Model):
    """A package's clients per year and the benchmark cost per client, with its source."""

    package_id: str = Field(description="Palvelukokonaisuuden tunnus")
    clients: int = Field(description="Ketjun eri asiakkaat vuodessa")
    benchmark_per_client: float = Field(description="Vertailukustannus asiakasta kohden, € (2 desimaalia)")
    source: str = Field(description="Vertailukustannuksen lähde")
    source_row: int = Field(description="Rivinumero lähdetiedostossa")


class CostBenchmarks(_Model):
    """The benchmark costs per client of the packages (optional input ``vertailukustannukset.csv``)."""

    source_file: str = Field(description="Lähdetiedoston nimi")
    source_sha256: str = Field(description="Lähdetiedoston SHA-256")
    example_data: bool = Field(description="Aineisto on esimerkkiaineistoa (data/examples)")
    packages: list[PackageBenchmark] = Field(description="Palvelukokonaisuudet tiedoston järjestyksessä")

    def for_package(self, package_id: str) -> PackageBenchmark | None:
        """The benchmark of one package, or None."""
        return next((b for b in self.packages if b.package_id == package_id), None)


#: The criteria in the order they are printed.
CRITERIA: tuple[str, ...] = ("alignment", "need", "cost", "feasibility")
CRITERION_LABELS: dict[str, str] = {
    "alignment": "Tavoitteisiin kohdistuminen",
    "need": "Palvelutarve",
    "cost": "Kustannus asiakasta kohden",
    "feasibility": "Toteutettavuus",
}


class PriorityParams(_Model):
    """Weights of the prioritisation criteria and the step of the sensitivity check.

    Weights are relative: they are divided by their sum, so ``1, 1, 1, 1`` and ``2, 2, 2, 2`` are
    the same. Defaults put the stage-2 targets first (the stage's purpose is to serve them), then
    the population's need, then cost and feasibility.
    """

    weight_alignment: float = Field(default=0.35, ge=0, description="Paino: tavoitteisiin kohdistuminen (oletus 0,35)")
    weight_need: float = Field(default=0.30, ge=0, description="Paino: asiakasryhmän palvelutarve (oletus 0,30)")
    weight_cost: float = Field(
        default=0.20, ge=0, description="Paino: kustannus asiakasta kohden suhteessa vertailuun (oletus 0,20)"
    )
    weight_feasibility: float = Field(default=0.15, ge=0, description="Paino: toteutettavuus (oletus 0,15)")
    sensitivity_step: float = Field(
        default=0.20, gt=0, le=1, description="Herkkyystarkastelun painomuutos suhteellisena (oletus 0,20 = ±20 %)"
    )

    @model_validator(mode="after")
    def _some_weight(self) -> PriorityParams:
        if sum(self.weights().values()) <= 0:
            raise ValueError("at least one prioritisation weight must be positive")
        return self

    def weights(self) -> dict[str, float]:
        """Raw weights by criterion."""
        return {
            "alignment": self.weight_alignment,
            "need": self.weight_need,
            "cost": self.weight_cost,
            "feasibility": self.weight_feasibility,
        }

    def normalised_weights(self) -> dict[str, float]:
        """Weights divided by their sum (they sum to 1), rounded to 4 decimals."""
        raw = self.weights()
        total = sum(raw.values())
        return {k: round(v / total, 4) for k, v in raw.items()}


class CriterionScore(_Model):
    """One criterion of one package: what it was computed from, its 0–1 value, weight and component."""

    criterion: str = Field(description="Kriteerin koodi: alignment, need, cost, feasibility")
    label: str = Field(description="Kriteerin nimi")
    basis: str = Field(description="Laskennan lähtötiedot sanallisesti, esim. '2 / 2 tavoitetta'")
    value: float = Field(ge=0, le=1, description="Normalisoitu arvo 0–1 (4 desimaalia)")
    weight: float = Field(description="Normalisoitu paino")
    component: float = Field(description="Osuus pisteistä: paino × arvo (4 desimaalia)")


class PackageScore(_Model):
    """The multi-criteria score of one service package, with every component shown."""

    package_id: str = Field(description="Palvelukokonaisuuden tunnus")
    name: str = Field(description="Palvelukokonaisuus")
    client_group: ClientGroup = Field(description="Asiakasryhmä")
    targets_addressed: list[str] = Field(description="Ryhmän tavoitteet, joihin ketjun vaiheet kohdistuvat")
    group_targets: list[str] = Field(description="Asiakasryhmän kaikki vaiheen 2 tavoitteet")
    other_targets: list[str] = Field(description="Muiden asiakasryhmien tavoitteet, joihin vaiheet kohdistuvat")
    relative_need: float = Field(description="Asiakasryhmän suhteellinen tarve (vaihe 2; koko maa = 1)")
    annual_cost: float = Field(description="Ketjun vuosikustannus, €")
    clients: int | None = Field(description="Ketjun asiakkaat vuodessa (None: ei vertailutietoa)")
    cost_per_client: float | None = Field(description="Vuosikustannus asiakasta kohden, € (2 desimaalia)")
    benchmark_per_client: float | None = Field(description="Vertailukustannus asiakasta kohden, €")
    benchmark_source: str | None = Field(description="Vertailukustannuksen lähde")
    feasibility: int = Field(description="Toteutettavuus 1–5")
    criteria: list[CriterionScore] = Field(description="Kriteerit järjestyksessä alignment, need, cost, feasibility")
    score: float = Field(description="Pisteet = osuuksien summa (0–1)")
    rank: int = Field(description="Sija (1 = korkein prioriteetti)")

    def criterion(self, code: str) -> CriterionScore:
        """The score of one criterion."""
        return next(c for c in self.criteria if c.criterion == code)


class SensitivityScenario(_Model):
    """The ranking when one weight is moved (the others renormalised to keep the sum 1)."""

    criterion: str = Field(description="Muutettu kriteeri")
    change: str = Field(description="Muutos: '+20 %', '−20 %' tai '0'")
    label: str = Field(description="Muutos sanallisesti, esim. 'Palvelutarve +20 % (0,30 → 0,36)'")
    weights: dict[str, float] = Field(description="Käytetyt normalisoidut painot")
    order: list[str] = Field(description="Palvelukokonaisuudet sijan mukaan")
    ranks: dict[str, int] = Field(description="Sija palvelukokonaisuuksittain")
    scores: dict[str, float] = Field(description="Pisteet palvelukokonaisuuksittain")
    top_package: str = Field(description="Ensimmäiseksi sijoittuva kokonaisuus")
    top_changed: bool = Field(description="Vaihtuuko kärki perustilanteeseen verrattuna")


class RankRange(_Model):
    """A package's rank in the base case and its best and worst rank over all scenarios."""

    package_id: str = Field(description="Palvelukokonaisuuden tunnus")
    base_rank: int = Field(description="Sija perustilanteessa")
    best_rank: int = Field(description="Paras sija herkkyystarkastelussa")
    worst_rank: int = Field(description="Heikoin sija herkkyystarkastelussa")


class SensitivityAnalysis(_Model):
    """How the ranking changes when each weight moves by ±step and when it is set to zero."""

    step: float = Field(description="Suhteellinen painomuutos, esim. 0,2 = ±20 %")
    method: str = Field(description="Menetelmä sanallisesti")
    scenarios: list[SensitivityScenario] = Field(description="Skenaariot kriteereittäin: +, −, 0")
    skipped: list[str] = Field(description="Skenaariot, joita ei voitu laskea (kaikki painot nollia)")
    rank_ranges: list[RankRange] = Field(description="Sijan vaihteluväli kokonaisuuksittain perussijan mukaan")
    top_package: str = Field(description="Kärki perustilanteessa")
    top_stable: bool = Field(description="Pysyykö kärki samana kaikissa skenaarioissa")


class PackagePriorities(_Model):
    """The prioritisation of service packages (stage-3 artefact ``chains-priorities``)."""

    schema_version: int = Field(default=SCHEMA_VERSION, description="Skeeman versio")
    params: PriorityParams = Field(description="Painot ja herkkyystarkastelun askel")
    weights: dict[str, float] = Field(description="Normalisoidut painot")
    method: list[str] = Field(description="Menetelmä kappaleittain (normalisoinnit ja kaava)")
    max_relative_need: float = Field(description="Suurin suhteellinen tarve (tarvekriteerin jakaja)")
    cost_criterion_used: bool = Field(
        description="Kustannuskriteeri laskettiin (vertailukustannukset annettu); muuten sen paino on 0"
    )
    benchmark_sources: list[str] = Field(description="Vertailukustannusten lähteet (eri lähteet kerran)")
    decides: str = Field(description="Mitä järjestys ratkaisee ja mitä se ei ratkaise")
    rows: list[PackageScore] = Field(description="Kokonaisuudet sijan mukaan")
    sensitivity: SensitivityAnalysis = Field(description="Herkkyystarkastelu")
    targets_ref: SourceRef = Field(description="Vaiheen 2 tavoiteversio (targets-impact)")
    frame_ref: SourceRef = Field(description="Vaiheen 2 kehysversio (targets-frame)")
    cross_checks: list[CrossCheck] = Field(
        default_factory=list, description="Täsmäytys vaiheen 2 hyväksyttyihin lukuihin (kehys ja toteuma)"
    )
    cross_check_rule: str | None = Field(default=None, description="Täsmäytyssäännön lähde")

    @property
    def order(self) -> list[str]:
        """Package ids by rank."""
        return [r.package_id for r in self.rows]


# -- chains ----------------------------------------------------------------------------------------


class TargetLink(_Model):
    """The stage-2 impact target a step (and so its chain) serves."""

    target_id: str = Field(description="Tavoitteen tunnus")
    client_group: ClientGroup = Field(description="Tavoitteen asiakasryhmä")
    indicator: str = Field(description="Mittari")
    unit: str = Field(description="Mittarin yksikkö")
    baseline: float | None = Field(description="Lähtötaso")
    baseline_year: str | None = Field(description="Lähtötason vuosi")
    target_value: float = Field(description="Tavoitearvo")
    target_year: int = Field(description="Tavoitevuosi")
    direction: Direction = Field(description="Suunta")


class ChainStep(_Model):
    """One step of a service chain with its metric and the stage-2 target it serves."""

    order: int = Field(description="Vaihe")
    service_id: str = Field(description="Palvelun tunnus")
    name: str = Field(description="Palvelu")
    mode: ProductionMode = Field(description="Tuotantotapa")
    annual_volume: float = Field(description="Vuosivolyymi")
    unit: str = Field(description="Yksikkö")
    unit_cost: float = Field(description="Yksikkökustannus, €")
    annual_cost: float = Field(description="Vuosikustannus, €")
    metric: QualityMetric = Field(description="Vaiheen laatumittari")
    target: TargetLink = Field(description="Vaiheen 2 tavoite, jota vaihe palvelee")


class ModeShare(_Model):
    """The cost of a chain's steps produced in one mode, and its share of the chain's cost."""

    mode: ProductionMode = Field(description="Tuotantotapa")
    annual_cost: float = Field(description="Vuosikustannus, €")
    share: float = Field(description="Osuus ketjun kustannuksista 0–1 (4 desimaalia; summa 1)")


class ServiceChain(_Model):
    """A service package's chain: ordered steps, targets, totals and production-mode mix."""

    package_id: str = Field(description="Palvelukokonaisuuden tunnus")
    name: str = Field(description="Palvelukokonaisuus")
    client_group: ClientGroup = Field(description="Asiakasryhmä")
    steps: list[ChainStep] = Field(description="Vaiheet järjestyksessä")
    targets: list[TargetLink] = Field(
        description="Ketjun tavoitteet: vaiheiden tavoitteet ensiesiintymisjärjestyksessä"
    )
    annual_cost: float = Field(description="Vuosikustannus yhteensä = Σ volyymi × yksikkökustannus, €")
    mode_mix: list[ModeShare] = Field(description="Tuotantotapajakauma kustannusten mukaan")
    figure_key: str = Field(description="Ketjukaavion artefaktin avain")


class ServiceDescriptionCard(_Model):
    """A service's structured description as published (palvelukuvaus)."""

    service_id: str = Field(description="Palvelun tunnus")
    package_id: str = Field(description="Palvelukokonaisuus")
    name: str = Field(description="Palvelu")
    description: ServiceDescription = Field(description="Mitä, kenelle, hakeutuminen, myöntämisperusteet")
    mode: ProductionMode = Field(description="Tuotantotapa")
    metric: QualityMetric = Field(description="Laatumittari")
    target_id: str = Field(description="Vaiheen 2 tavoite")


class ServiceChains(_Model):
    """The service chains and descriptions (stage-3 artefact ``chains-services``)."""

    schema_version: int = Field(default=SCHEMA_VERSION, description="Skeeman versio")
    chains: list[ServiceChain] = Field(description="Palveluketjut luettelon järjestyksessä")
    descriptions: list[ServiceDescriptionCard] = Field(description="Palvelukuvaukset")
    targets_ref: SourceRef = Field(description="Vaiheen 2 tavoiteversio (targets-impact)")

    def chain(self, package_id: str) -> ServiceChain:
        """The chain of one package."""
        return next(c for c in self.chains if c.package_id == package_id)


# -- flow passing and the proposal -------------------------------------------------------------


class ChainFigure(_Model):
    """One chain diagram as SVG and the artefact key it is stored under."""

    package_id: str = Field(description="Palvelukokonaisuus")
    key: str = Field(description="Artefaktin avain, esim. chains-chain-pk-ika-svg")
    title: str = Field(description="Kuvion otsikko")
    svg: str = Field(description="Kaavio (SVG)")


class ChainsFigures(_Model):
    """The decision document's chain diagrams."""

    chains: list[ChainFigure] = Field(description="Ketjukaaviot luettelon järjestyksessä")

    def for_package(self, package_id: str) -> ChainFigure:
        """The diagram of one package."""
        return next(f for f in self.chains if f.package_id == package_id)


class ChainsProposal(_Model):
    """The stage-3 proposal the body decides on: two agenda items from one version.

    ``agenda`` is "Palvelukokonaisuudet ja palveluketjut <cycle>"; ``feedback_agenda`` is
    "Yhteenveto sidosryhmien lausunnoista <cycle>". Both documents print this version's hash.
    """

    region_code: str = Field(description="Hyvinvointialueen koodi")
    region_name: str = Field(description="Hyvinvointialueen nimi")
    cycle: int = Field(description="Suunnittelukierros (vuosi)")
    agenda: AgendaContent = Field(description="Esityslistan asia: palvelukokonaisuudet ja palveluketjut")
    feedback_agenda: AgendaContent = Field(description="Esityslistan asia: yhteenveto sidosryhmien lausunnoista")
    priority_order: list[str] = Field(description="Palvelukokonaisuudet prioriteettijärjestyksessä")
    top_package: str = Field(description="Korkeimman prioriteetin kokonaisuus")
    weights: dict[str, float] = Field(description="Priorisoinnin normalisoidut painot")
    top_stable: bool = Field(description="Pysyykö kärki herkkyystarkastelussa")
    stage2: list[SourceRef] = Field(description="Vaiheen 2 versiot, joista vaihe 3 on laskettu")
    summary_markdown: str = Field(description="Tiivistelmä päätöslomakkeen yläpuolelle (Prefect UI)")


class ChainsInputs(_Model):
    """Stage 3's input files read and checked: the catalogue and the feedback synthesis."""

    catalogue: ServiceCatalogue = Field(description="Palveluluettelo")
    benchmarks: CostBenchmarks | None = Field(default=None, description="Vertailukustannukset (None: ei annettu)")
    synthesis: FeedbackSynthesis = Field(description="Sidosryhmäpalautteen yhteenveto")
    catalogue_path: str = Field(description="Palveluluettelon polku")
    feedback_path: str = Field(description="Palautetiedoston polku")
    taxonomy_path: str = Field(description="Teemaluokituksen polku")


class ChainsAnalysis(_Model):
    """The prioritisation and the chains, computed from the catalogue and the approved stage 2."""

    priorities: PackagePriorities = Field(description="Priorisointi")
    services: ServiceChains = Field(description="Palveluketjut ja palvelukuvaukset")


class CatalogueService(_Model):
    """A service (a chain step) of the approved stage-3 catalogue, as later stages read it."""

    service_id: str = Field(description="Palvelun tunnus")
    name: str = Field(description="Palvelu")
    package_id: str = Field(description="Palvelukokonaisuus")
    mode: ProductionMode = Field(description="Tuotantotapa katalogissa")
    unit: str = Field(description="Yksikkö")
    annual_volume: float | None = Field(default=None, description="Vuosivolyymi katalogissa (None: vanha versio)")
    unit_cost: float | None = Field(default=None, description="Yksikkökustannus katalogissa, € (None: vanha versio)")


class ChainsBasis(_Model):
    """The approved stage-3 round as later stages read it: the catalogue's services, its versions, the decision."""

    region_name: str = Field(description="Hyvinvointialueen nimi")
    services: list[CatalogueService] = Field(description="Katalogin palvelut")
    catalogue_ref: VersionRef = Field(description="chains-catalogue-versio")
    proposal_ref: VersionRef = Field(description="Hyväksytty vaiheen 3 päätösehdotus")
    approved_on: dt.date | None = Field(description="Vaiheen 3 hyväksymispäätöksen kokouspäivä")

    def service_ids(self) -> set[str]:
        """The catalogue's step ids."""
        return {s.service_id for s in self.services}

    def service(self, service_id: str) -> CatalogueService | None:
        """A catalogue service by id, or None."""
        return next((s for s in self.services if s.service_id == service_id), None)


class ChainsRoundFigures(_Model):
    """Stage 3's figures: the chain diagrams and the stakeholder summary's charts."""

    chains: ChainsFigures = Field(description="Ketjukaaviot")
    feedback: FeedbackFigures = Field(description="Palauteyhteenvedon kuviot")


class ChainsParams(BaseModel):
    """Stage 3's own parameters."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weights: dict[str, float] | None = Field(
        default=None,
        description="Priorisoinnin kriteerien painot (suhteellisia): alignment, need, cost, feasibility. "
        "Antamatta jäävät pitävät oletuksensa.",
        json_schema_extra={"cli": "--weight"},
    )
    sensitivity_step: float | None = Field(
        default=None,
        allow_inf_nan=False,
        description="Herkkyystarkastelun painojen suhteellinen muutos, esim. 0.2 (oletus 0,2).",
        json_schema_extra={"cli": "--sensitivity-step"},
    )

    @field_validator("weights")
    @classmethod
    def _known_finite(cls, value: dict[str, float] | None) -> dict[str, float] | None:
        for name, weight in (value or {}).items():
            if name not in CRITERIA:
                raise ValueError(f"unknown criterion {name!r}; the criteria are {', '.join(CRITERIA)}")
            if not math.isfinite(weight) or weight < 0:
                raise ValueError(f"weight {name} must be a finite number ≥ 0, not {weight}")
        return value
