"""The example financial statement (``tilinpaatos.csv``): each service area's income statement by
account group, the one statement stages 2 and 4 both read.

A service area's operating costs and income (what stage 2 compares and forecasts) are split into
the account groups by the area's profile (specialised care buys materials, housing services buy
services, the rescue service pays wages ...). In the base year the region's totals by account group
are given (what stage 4's cost rows reconcile to): the profiles are fitted to both the areas' and
the groups' totals (iterative proportional fitting), every amount is rounded to 100 000 € with the
area's total kept, and the largest area takes what rounding leaves, so each group's total is exact. Earlier years keep each area's base-year mix.
Depreciation (its total per year given) is spread by the area's costs × its capital intensity.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from schemas.accounts import OPERATING_COST_GROUPS, AccountGroup
from tasks.examples.common import largest_remainder

#: Every amount is a multiple of this (euros): the precision of the example statement.
UNIT = 100_000

HEADER = ["vuosi", "palvelualue", "asiakasryhmä", *(g.column for g in AccountGroup)]


@dataclass(frozen=True)
class AreaYear:
    """A service area's operating costs and income in a year, € (multiples of :data:`UNIT`)."""

    year: int
    area: str
    group_fi: str
    costs: int
    income: int


@dataclass(frozen=True)
class Profile:
    """An area's mix: operating costs over personnel, purchased services, materials, rents and other
    costs; the client fees' share of its income; its capital intensity (depreciation per € of cost)."""

    costs: tuple[float, float, float, float, float]
    fee_share: float
    capital: float = 1.0


_DEFAULT = Profile((0.50, 0.25, 0.10, 0.07, 0.08), 0.30)
#: The reference areas' profiles (names as in ``tilinpaatos.csv``).
PROFILES: dict[str, Profile] = {
    "Lasten, nuorten ja perheiden sosiaalipalvelut": Profile((0.36, 0.54, 0.02, 0.04, 0.04), 0.10),
    "Perhekeskus- ja neuvolapalvelut, koulu- ja opiskeluterveydenhuolto": Profile((0.74, 0.08, 0.06, 0.07, 0.05), 0.10),
    "Lasten ja nuorten erikoissairaanhoito": Profile((0.55, 0.15, 0.21, 0.05, 0.04), 0.35, 2.0),
    "Terveysasemat ja suun terveydenhuolto": Profile((0.60, 0.20, 0.08, 0.07, 0.05), 0.50),
    "Aikuissosiaalityö ja työllisyyttä tukevat palvelut": Profile((0.40, 0.17, 0.02, 0.03, 0.38), 0.05),
    "Aikuisten erikoissairaanhoito ja päivystys": Profile((0.50, 0.20, 0.23, 0.04, 0.03), 0.35, 2.0),
    "Kotihoito ja omaishoidon tuki": Profile((0.62, 0.24, 0.03, 0.02, 0.09), 0.50),
    "Ympärivuorokautinen palveluasuminen": Profile((0.30, 0.60, 0.04, 0.04, 0.02), 0.60),
    "Geriatrinen osastohoito ja kuntoutus": Profile((0.66, 0.10, 0.12, 0.07, 0.05), 0.60, 1.5),
    "Vammaispalvelut": Profile((0.25, 0.66, 0.02, 0.03, 0.04), 0.30),
    "Mielenterveys- ja päihdepalvelut, avopalvelut": Profile((0.50, 0.40, 0.03, 0.04, 0.03), 0.40),
    "Psykiatrinen erikoissairaanhoito": Profile((0.60, 0.20, 0.10, 0.06, 0.04), 0.35, 1.5),
    "Pelastustoimi": Profile((0.70, 0.05, 0.10, 0.10, 0.05), 0.10, 3.0),
    "Hallinto ja tukipalvelut, kohdistamattomat": Profile((0.40, 0.35, 0.05, 0.12, 0.08), 0.0, 1.5),
}
_BLOCKS: tuple[tuple[AccountGroup, ...], ...] = (
    (AccountGroup.WAGES, AccountGroup.PENSIONS, AccountGroup.OTHER_SOCIAL),
    (AccountGroup.PURCHASED_SERVICES,),
    (AccountGroup.MATERIALS,),
    (AccountGroup.RENTS,),
    (AccountGroup.OTHER_COSTS,),
)


def _split(total: int, weights: Sequence[float]) -> list[int]:
    """``total`` (a multiple of :data:`UNIT`) by ``weights`` in whole units, summing exactly to it."""
    return [int(part) * UNIT for part in largest_remainder(total // UNIT, weights)]


def _fit(seed: list[list[float]], rows: Sequence[float], columns: Sequence[float]) -> list[list[float]]:
    """Iterative proportional fitting of ``seed`` to the row and column totals."""
    table = [list(r) for r in seed]
    for _ in range(500):
        for j, target in enumerate(columns):
            current = sum(r[j] for r in table)
            for r in table:
                r[j] *= target / current if current else 0.0
        for i, target in enumerate(rows):
            current = sum(table[i])
            table[i] = [v * target / current if current else 0.0 for v in table[i]]
    return table


def _mixes(base: Sequence[AreaYear], totals: Mapping[AccountGroup, int]) -> list[list[float]]:
    """Each base-year area's share of its operating costs in each operating cost group."""
    columns = [sum(totals[g] for g in block) for block in _BLOCKS]
    seed = [[a.costs * w for w in _profile(a).costs] for a in base]
    fitted = _fit(seed, [a.costs for a in base], columns)
    mixes = []
    for area, blocks in zip(base, fitted, strict=True):
        # A block's amount is split among its groups as the region's totals are (wages, pensions …).
        shares: list[float] = []
        for block, amount, total in zip(_BLOCKS, blocks, columns, strict=True):
            shares += [amount * totals[g] / total / area.costs for g in block]
        mixes.append(shares)
    return mixes


def _profile(area: AreaYear) -> Profile:
    return PROFILES.get(area.area, _DEFAULT)


def _fee_shares(base: Sequence[AreaYear], fees: int) -> list[float]:
    """Each base-year area's client fees as a share of its income, fitted to the fees' total."""
    seed = [[a.income * _profile(a).fee_share, a.income * (1 - _profile(a).fee_share)] for a in base]
    income = sum(a.income for a in base)
    fitted = _fit(seed, [a.income for a in base], [fees, income - fees])
    return [row[0] / a.income if a.income else 0.0 for row, a in zip(fitted, base, strict=True)]


def statement_rows(
    areas: Sequence[AreaYear], totals: Mapping[AccountGroup, int], depreciation: Mapping[int, int], base_year: int
) -> list[list[object]]:
    """The rows of ``tilinpaatos.csv``: every area of every year, each group's base-year total exact.

    ``totals`` gives the base year's operating cost groups (summing to the areas' costs) and client
    fees; ``depreciation`` each year's depreciation.
    """
    base = [a for a in areas if a.year == base_year]
    if sum(totals[g] for g in OPERATING_COST_GROUPS) != sum(a.costs for a in base):
        raise ValueError("the base year's cost groups do not total the service areas' operating costs")
    mixes = dict(zip([a.area for a in base], _mixes(base, totals), strict=True))
    fee_shares = dict(zip([a.area for a in base], _fee_shares(base, totals[AccountGroup.FEES]), strict=True))
    rows: list[list[object]] = []
    for year in sorted({a.year for a in areas}):
        of_year = [a for a in areas if a.year == year]
        spread = _split(depreciation[year], [a.costs * _profile(a).capital for a in of_year])
        cells = []
        for area in of_year:
            costs = _split(area.costs, mixes[area.area])
            fees = round(area.income * fee_shares[area.area] / UNIT) * UNIT
            cells.append([*costs, fees, area.income - fees])
        if year == base_year:
            # What rounding leaves goes to the largest area (its total kept: the leftovers sum to
            # zero), the fees' to the area with the most fees: each group's total is the given one.
            largest = max(range(len(of_year)), key=lambda i: of_year[i].costs)
            for j, group in enumerate(OPERATING_COST_GROUPS):
                cells[largest][j] += totals[group] - sum(c[j] for c in cells)
            most_fees = max(range(len(of_year)), key=lambda i: cells[i][-2])
            cells[most_fees][-2] += totals[AccountGroup.FEES] - sum(c[-2] for c in cells)
            cells[most_fees][-1] = of_year[most_fees].income - cells[most_fees][-2]
            if min(min(c) for c in cells) < 0:
                raise ValueError(f"the account groups of {year} leave a negative amount")
        for area, amounts, dep in zip(of_year, cells, spread, strict=True):
            *costs, fees, other = amounts
            rows.append([year, area.area, area.group_fi, *costs, dep, fees, other])
    return rows
