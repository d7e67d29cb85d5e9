"""The region's own figures every generated example file is scaled by: read from the real data.

Stage 1's assessment (:func:`tasks.needs.analysis.assess_needs`, the same Statistics Finland
exports and map the stage reads) gives the population, the age structure and the need index.
The example files are sized for a **reference region** of the figures below (the size of the
shipped Pirkanmaa example, so the shipped and the generated examples are on one scale); a
service's volume, cost and producers scale by the size of the client group it serves, times the
need index relative to the reference's:

    f_group = group population / reference group population × need index / reference need index

where the group population is the under-15s for children and families, the 15–64-year-olds for
working-age services, the 65+ for older people's services and the whole population for
disability, mental-health and substance-abuse services. ``f_all`` (the whole population) scales
what the whole region shares: support services, administration, the income statement.

A regional cost level (``cost_level``, 0,97–1,03, seeded by the region code) multiplies every
euro figure alike, so ratios between the files — own cost against purchase price, voucher value
against price cap — stay as in the reference and every stage's cross-checks reconcile.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from pathlib import Path

from schemas.needs import NeedsAssessment
from tasks.needs.analysis import assess_needs

#: The reference region (the population of the shipped Pirkanmaa example, 31.12.2025).
REF_POPULATION = 548_910
REF_UNDER_15 = 76_822  # 13,9954 % of the population
REF_65_PLUS = 124_013  # 22,5924 %
REF_NEED_INDEX = 99.3451  # Pirkanmaa's need index (stage 1, standardised components; country = 100)
#: Client-group codes of stage 2 and the group each service prefix serves.
GROUP_OF_PREFIX = {
    "IKA": "older_people",
    "LAP": "children_families",
    "TYO": "working_age",
    "VAM": "disability",
    "MTP": "mental_substance",
}
#: Areas used when a region has fewer than four municipalities (Helsinki: the major districts).
DISTRICTS = ("Eteläinen", "Läntinen", "Pohjoinen", "Itäinen")
AREA_COUNT = 4


def seed_of(region_code: str, purpose: str = "") -> int:
    """A stable seed from the region code (not Python's salted ``hash``)."""
    return int.from_bytes(hashlib.sha256(f"{region_code}:{purpose}".encode()).digest()[:8], "big")


@dataclass(frozen=True)
class RegionFigures:
    """The region's real stage-1 figures and the scale factors derived from them."""

    code: str
    name: str  # e.g. "Kainuun hyvinvointialue"
    cycle: int
    population: int
    under_15: int
    working_age: int
    over_65: int
    need_index: float
    municipalities: tuple[tuple[str, int], ...]  # (name, population), largest first
    areas: tuple[str, ...]  # four area names: the largest municipalities (or districts)
    areas_are_municipalities: bool
    cost_level: float

    @property
    def need_ratio(self) -> float:
        """The need index relative to the reference region's."""
        return self.need_index / REF_NEED_INDEX

    @property
    def f_all(self) -> float:
        """Scale of what the whole region shares (population × need)."""
        return self.population / REF_POPULATION * self.need_ratio

    def factor(self, group: str) -> float:
        """Scale of a client group's services (group population × need), see the module docstring."""
        ref_working = REF_POPULATION - REF_UNDER_15 - REF_65_PLUS
        size = {
            "children_families": self.under_15 / REF_UNDER_15,
            "working_age": self.working_age / ref_working,
            "older_people": self.over_65 / REF_65_PLUS,
        }.get(group, self.population / REF_POPULATION)
        return size * self.need_ratio

    def service_factor(self, service_id: str) -> float:
        """Scale of one service (by the client group of its id's prefix)."""
        return self.factor(GROUP_OF_PREFIX[service_id.split("-")[0]])

    @property
    def centre(self) -> str:
        """The largest municipality (or Helsinki)."""
        return self.municipalities[0][0]

    def rng(self, purpose: str) -> random.Random:
        """A random generator seeded by the region code and a purpose: same region, same draws."""
        return random.Random(seed_of(self.code, purpose))


def region_figures(data_dir: Path, region: str, cycle: int) -> RegionFigures:
    """The region's figures from stage 1's assessment of the real data under ``data_dir``."""
    return figures_of(assess_needs(data_dir, region), cycle)


def figures_of(assessment: NeedsAssessment, cycle: int) -> RegionFigures:
    """:class:`RegionFigures` of a stage-1 assessment."""
    profile = assessment.profiles.region
    population = profile.population
    under_15 = round(population * (profile.share_under_15 or 0.0) / 100)
    over_65 = round(population * (profile.share_65_plus or 0.0) / 100)
    munis = tuple(
        sorted(((m.name, m.population) for m in assessment.profiles.municipalities), key=lambda m: (-m[1], m[0]))
    )
    as_munis = len(munis) >= AREA_COUNT
    areas = tuple(name.replace(" ", "-") for name, _ in munis[:AREA_COUNT]) if as_munis else DISTRICTS
    level = 0.97 + 0.06 * random.Random(seed_of(assessment.region_code, "cost-level")).random()
    return RegionFigures(
        code=assessment.region_code,
        name=assessment.region_name,
        cycle=cycle,
        population=population,
        under_15=under_15,
        working_age=population - under_15 - over_65,
        over_65=over_65,
        need_index=assessment.need_index.region.index,
        municipalities=munis,
        areas=areas,
        areas_are_municipalities=as_munis,
        cost_level=round(level, 4),
    )
