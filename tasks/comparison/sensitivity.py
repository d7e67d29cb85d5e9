"""Stage 4's sensitivity to the future (issue 9): the price at the next tender, the volume and the
quality, beside the measured uncertainty of today's costs. Pure functions, no Prefect.

The measured ranges (allocation keys' low/high shares, the imputed interest rate's range, ± the
organiser's buying costs; :mod:`tasks.comparison.analysis`) are what recommendation rule 2 reads.
The scenario factors here come from a dated rule (``data/config/rules/comparison_sensitivity.toml``)
and never change a recommendation: they are reported as sensitivities. Each factor is considered
one at a time. Per option, ``u`` its unit cost on the comparison basis (gross or net) as the matrix
computes it::

    price (purchased, voucher)  u(p) = u + p × price per unit                 p in [low, high] %
    volume (every option)       u(v) = u − fixed + fixed / (1 + v)             v in ± volume %
        fixed: own production's components that stay with the region (``stays_when_outsourced``:
        rents, capital costs, allocated support and administration); an external option's organiser
        costs (procurement and contract management). The price per unit does not change.
    quality                     each option's quality score ± points (one option at a time, within 1–5)
    scenario range              measured range ∪ price range ∪ volume range

Break-even points (cost equality, own against an external option ``e``)::

    price   p* = (u_own − u_e) / price per unit of e
    volume  v*: u_own(v*) = u_e(v*)  ⇔  1 + v* = (fixed_own − fixed_e) / (variable_e − variable_own)
    quality the weighted-total gap between the best and the runner-up / the quality weight: the change
            of one option's quality score that makes the runner-up equal the best

Whether a recommendation holds is decided by the stage's own rules: ``evaluate`` re-runs them on the
scenario's unit costs (the measured range moving with them) and quality scores. The change at which
the recommendation first differs is searched from 0 outwards in steps and refined by bisection; it
can come before the cost break-even, because the recommendation also depends on the scores and on
whether the ranges overlap.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from schemas.chains import ProductionMode
from schemas.comparison import (
    CostInterval,
    FactorSensitivity,
    ModeCostRange,
    RecommendedMode,
    SensitivityFactor,
    SensitivityRule,
    ServiceComparison,
    ServiceSensitivity,
)
from soteflow.errors import InputError
from soteflow.language import fi_quantity
from soteflow.numbers import NBSP, fi_number, round_half_up

__all__ = [
    "RULES_FILE",
    "Evaluate",
    "OptionBasis",
    "Sensitivities",
    "analyse_service",
    "first_switch",
    "method_paragraphs",
    "price_break_even",
    "price_cost",
    "quality_break_even",
    "read_sensitivity_rule",
    "robustness_sentence",
    "shipped_rule",
    "volume_break_even",
    "volume_cost",
]

#: The rule file under the data folder.
RULES_FILE = Path("config") / "rules" / "comparison_sensitivity.toml"

#: Where the change that turns a recommendation is searched (beside the considered range, which is
#: always covered): a price or volume change in %, searched in steps of ``_STEP`` and bisected.
PRICE_SEARCH = (-50.0, 100.0)
VOLUME_SEARCH = (-50.0, 100.0)
_STEP = 0.5
_QUALITY_STEP = 0.05
_TOLERANCE = 1e-4
#: The scoring scale of the qualitative criteria.
SCALE = (1.0, 5.0)

#: (unit-cost change per mode, quality-score change per mode) → (recommendation, best-scoring mode).
Evaluate = Callable[
    [Mapping[ProductionMode, float], Mapping[ProductionMode, float]], tuple[RecommendedMode, ProductionMode]
]


# -- the rule ---------------------------------------------------------------------------------------


def read_sensitivity_rule(path: Path, day: dt.date) -> SensitivityRule:
    """The scenario factors valid on ``day``: the ``[[rule]]`` entry with the latest ``valid_from`` not
    after it. A malformed file or entry is an :class:`InputError` naming the file and the field."""
    # Imported here: soteflow.data brings pandas (as soteflow.reconcile.read_tolerance does).
    from soteflow.data.tomlfile import model_error, read_toml

    raw = read_toml(path)
    entries = raw.get("rule", [])
    if not isinstance(entries, list) or not entries:
        raise InputError("no [[rule]] entries", file=path, field="rule")
    parsed: list[SensitivityRule] = []
    for number, entry in enumerate(entries):
        try:
            parsed.append(SensitivityRule.model_validate(entry))
        except ValidationError as exc:
            raise model_error(exc, path, f"rule.{number}.") from None
    for number, rule in enumerate(parsed):
        if any(other.valid_from == rule.valid_from for other in parsed[:number]):
            raise InputError(
                f"two entries are valid from {rule.valid_from.isoformat()}",
                file=path,
                field=f"rule.{number}.valid_from",
            )
    valid = [r for r in parsed if r.valid_from <= day]
    if not valid:
        raise InputError(f"no sensitivity rule is valid on {day.isoformat()}", file=path, field="rule")
    return max(valid, key=lambda r: r.valid_from)


def shipped_rule(cycle: int) -> SensitivityRule:
    """The shipped rule file's entry for 1 January of the cycle's year (the latest entry for a trial
    computation without a cycle, ``cycle`` < 1)."""
    from soteflow.settings import get_settings

    day = dt.date(cycle, 1, 1) if cycle >= 1 else dt.date.max
    return read_sensitivity_rule(get_settings().input_dir / RULES_FILE, day)


# -- arithmetic -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OptionBasis:
    """What the scenarios need of one option, on the comparison basis (€ per unit)."""

    mode: ProductionMode
    unit_cost: float  # as the matrix computes the cost score from it
    low: float  # the measured range as in the matrix
    high: float
    price_per_unit: float  # what a re-tendering changes: the contract price or voucher value (own: 0)
    fixed_per_unit: float  # what stays when the volume changes
    quality: float  # the quality score (1–5)
    total: float  # the weighted total score


def price_cost(option: OptionBasis, change_pct: float) -> float:
    """The unit cost when the option's price changes by ``change_pct`` %."""
    return option.unit_cost + change_pct / 100 * option.price_per_unit


def volume_cost(option: OptionBasis, change_pct: float) -> float:
    """The unit cost when the volume changes by ``change_pct`` % and the fixed part stays."""
    return option.unit_cost - option.fixed_per_unit + option.fixed_per_unit / (1 + change_pct / 100)


def price_break_even(own: OptionBasis, external: OptionBasis) -> float | None:
    """The price change (%) of ``external`` at which its unit cost equals own production's."""
    if external.price_per_unit <= 0:
        return None
    return 100 * (own.unit_cost - external.unit_cost) / external.price_per_unit


def volume_break_even(own: OptionBasis, external: OptionBasis) -> float | None:
    """The volume change (%) at which own production's unit cost equals ``external``'s (each keeps its
    fixed part); None when no volume makes them equal."""
    variable_gap = (external.unit_cost - external.fixed_per_unit) - (own.unit_cost - own.fixed_per_unit)
    fixed_gap = own.fixed_per_unit - external.fixed_per_unit
    if variable_gap == 0 or fixed_gap / variable_gap <= 0:
        return None
    return 100 * (fixed_gap / variable_gap - 1)


def quality_break_even(
    options: Sequence[OptionBasis], best: ProductionMode, weight: float
) -> tuple[float | None, ProductionMode | None]:
    """The change of one option's quality score (points) that makes the runner-up's weighted total
    equal the best's, and the runner-up; (None, None) with one option or a zero weight."""
    others = [o for o in options if o.mode is not best]
    if not others or weight <= 0:
        return None, None
    leader = next(o for o in options if o.mode is best)
    runner_up = max(others, key=lambda o: o.total)
    return (leader.total - runner_up.total) / weight, runner_up.mode


def first_switch(
    at: Callable[[float], RecommendedMode], base: RecommendedMode, limit: float, step: float, also: float = 0.0
) -> float | None:
    """The change nearest to 0 towards ``limit`` at which ``at`` first differs from ``base``: scanned in
    ``step``s (and at ``also``, a range end) and refined by bisection; None when it never differs."""
    if limit == 0:
        return None
    sign = 1.0 if limit > 0 else -1.0
    count = math.ceil(abs(limit) / step)
    ends = {abs(also)} if also * sign > 0 and abs(also) <= abs(limit) else set()
    points = sorted({min(i * step, abs(limit)) for i in range(1, count + 1)} | ends)
    previous = 0.0
    for point in points:
        if at(sign * point) is not base:
            same, other = previous, point
            while other - same > _TOLERANCE:
                middle = (same + other) / 2
                if at(sign * middle) is base:
                    same = middle
                else:
                    other = middle
            return sign * other
        previous = point
    return None


def _interval(values: Sequence[float]) -> CostInterval:
    return CostInterval(low=round_half_up(min(values), 2), high=round_half_up(max(values), 2))


# -- one service -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sensitivities:
    """One service's sensitivity and each option's ranges under the scenarios."""

    service: ServiceSensitivity
    price: dict[ProductionMode, CostInterval]
    volume: dict[ProductionMode, CostInterval]
    scenario: dict[ProductionMode, CostInterval]


_PRICE_LABELS = {
    ProductionMode.PURCHASED: "Ostopalvelun hinta seuraavassa kilpailutuksessa",
    ProductionMode.VOUCHER: "Palvelusetelin arvo seuraavassa tarkistuksessa",
}
_GENITIVE = {
    ProductionMode.OWN: "oman tuotannon",
    ProductionMode.PURCHASED: "ostopalvelun",
    ProductionMode.VOUCHER: "palvelusetelin",
}


def _decimals(value: float) -> int:
    return 0 if float(value).is_integer() else 1


def price_range_text(rule: SensitivityRule) -> str:
    """``−5 … +15 %``."""
    low, high = rule.price_change_low_pct, rule.price_change_high_pct
    return f"{fi_number(low, _decimals(low), sign=True)} … {fi_number(high, _decimals(high), sign=True)}{NBSP}%"


def volume_range_text(rule: SensitivityRule) -> str:
    """``±10 %``."""
    return f"±{fi_number(rule.volume_change_pct, _decimals(rule.volume_change_pct))}{NBSP}%"


def quality_range_text(rule: SensitivityRule) -> str:
    """``±1 piste``."""
    points = rule.quality_change_points
    return f"±{fi_quantity(points, 'piste', _decimals(points))}"


def analyse_service(
    options: Sequence[OptionBasis],
    rule: SensitivityRule,
    evaluate: Evaluate,
    *,
    quality_weight: float,
) -> Sensitivities:
    """Every factor of one service: the options' ranges, whether the recommendation holds, where it
    would change, the break-even points and the sentence that says so."""
    recommendation, best = evaluate({}, {})
    by_mode = {o.mode: o for o in options}
    own = by_mode.get(ProductionMode.OWN)
    externals = [o for o in options if o.mode is not ProductionMode.OWN]
    cheapest_external = min(externals, key=lambda o: o.unit_cost) if externals else None
    low, high, volume = rule.price_change_low_pct, rule.price_change_high_pct, rule.volume_change_pct
    factors: list[FactorSensitivity] = []
    price_ranges: dict[ProductionMode, CostInterval] = {}

    def nearest(down: float | None, up: float | None, range_low: float, range_high: float) -> tuple[float | None, bool]:
        """The switch to report (one inside the range first, else the nearer relative to its range end)
        and whether the recommendation holds across the range."""
        inside = [s for s in (down, up) if s is not None and range_low <= s <= range_high]
        if inside:
            return min(inside, key=lambda s: _relative(s, range_low, range_high)), False
        found = [s for s in (down, up) if s is not None]
        return (min(found, key=lambda s: _relative(s, range_low, range_high)) if found else None), True

    for option in externals:
        mode = option.mode
        price_ranges[mode] = _interval([price_cost(option, low), price_cost(option, high)])

        def at_price(change: float, mode: ProductionMode = mode, option: OptionBasis = option) -> RecommendedMode:
            return evaluate({mode: change / 100 * option.price_per_unit}, {})[0]

        search_low, search_high = min(PRICE_SEARCH[0], low), max(PRICE_SEARCH[1], high)
        down = first_switch(at_price, recommendation, search_low, _STEP, also=low)
        up = first_switch(at_price, recommendation, search_high, _STEP, also=high)
        switch, holds = nearest(down, up, low, high)
        factors.append(
            FactorSensitivity(
                factor=SensitivityFactor.PRICE,
                mode=mode,
                label=_PRICE_LABELS[mode],
                change_low=low,
                change_high=high,
                considered=price_range_text(rule),
                effects=[ModeCostRange(mode=mode, low=price_ranges[mode].low, high=price_ranges[mode].high)],
                holds=holds,
                switch=round_half_up(switch, 2) if switch is not None else None,
                switch_recommendation=at_price(switch) if switch is not None else None,
                search_low=search_low,
                search_high=search_high,
                break_even=_r2_or_none(price_break_even(own, option)) if own is not None else None,
                break_even_mode=mode if own is not None else None,
            )
        )

    volume_ranges = {o.mode: _interval([volume_cost(o, -volume), volume_cost(o, volume)]) for o in options}

    def at_volume(change: float) -> RecommendedMode:
        return evaluate({o.mode: volume_cost(o, change) - o.unit_cost for o in options}, {})[0]

    search_low, search_high = min(VOLUME_SEARCH[0], -volume), max(VOLUME_SEARCH[1], volume)
    down = first_switch(at_volume, recommendation, search_low, _STEP, also=-volume)
    up = first_switch(at_volume, recommendation, search_high, _STEP, also=volume)
    switch, holds = nearest(down, up, -volume, volume)
    volume_break = (
        volume_break_even(own, cheapest_external) if own is not None and cheapest_external is not None else None
    )
    factors.append(
        FactorSensitivity(
            factor=SensitivityFactor.VOLUME,
            label="Suoritemäärä",
            change_low=-volume,
            change_high=volume,
            considered=volume_range_text(rule),
            effects=[ModeCostRange(mode=m, low=r.low, high=r.high) for m, r in volume_ranges.items()],
            holds=holds,
            switch=round_half_up(switch, 2) if switch is not None else None,
            switch_recommendation=at_volume(switch) if switch is not None else None,
            search_low=search_low,
            search_high=search_high,
            break_even=_r2_or_none(volume_break),
            break_even_mode=cheapest_external.mode if volume_break is not None and cheapest_external else None,
        )
    )

    points = rule.quality_change_points
    quality_switches: list[tuple[float, ProductionMode]] = []
    flips = False
    for option in options:

        def at_quality(change: float, mode: ProductionMode = option.mode) -> RecommendedMode:
            return evaluate({}, {mode: change})[0]

        for limit in (SCALE[1] - option.quality, SCALE[0] - option.quality):  # up to 5, down to 1
            end = math.copysign(min(points, abs(limit)), limit)
            if end and evaluate({}, {option.mode: end})[1] is not best:
                flips = True
            found = first_switch(at_quality, recommendation, limit, _QUALITY_STEP, also=end)
            if found is not None:
                quality_switches.append((found, option.mode))
    inside = [s for s in quality_switches if abs(s[0]) <= points + 1e-12]
    chosen = min(inside or quality_switches, key=lambda s: abs(s[0]), default=None)
    gap, runner_up = quality_break_even(options, best, quality_weight)
    factors.append(
        FactorSensitivity(
            factor=SensitivityFactor.QUALITY,
            label="Laatupisteet",
            change_low=-points,
            change_high=points,
            considered=quality_range_text(rule),
            holds=not inside,
            switch=round_half_up(chosen[0], 2) if chosen else None,
            switch_mode=chosen[1] if chosen else None,
            switch_recommendation=evaluate({}, {chosen[1]: chosen[0]})[0] if chosen else None,
            search_low=SCALE[0] - SCALE[1],
            search_high=SCALE[1] - SCALE[0],
            break_even=_r2_or_none(gap),
            break_even_mode=runner_up,
            best_flips=flips if len(options) > 1 else None,
        )
    )
    price_break = (
        price_break_even(own, cheapest_external) if own is not None and cheapest_external is not None else None
    )
    scenario = {
        o.mode: _interval(
            [
                o.low,
                o.high,
                *([price_ranges[o.mode].low, price_ranges[o.mode].high] if o.mode in price_ranges else []),
                volume_ranges[o.mode].low,
                volume_ranges[o.mode].high,
            ]
        )
        for o in options
    }
    service = ServiceSensitivity(
        holds=all(f.holds for f in factors),
        factors=factors,
        price_break_even_pct=_r2_or_none(price_break),
        volume_break_even_pct=_r2_or_none(volume_break),
        quality_flips_best=flips if len(options) > 1 else None,
        statement=statement(factors),
    )
    return Sensitivities(service=service, price=price_ranges, volume=volume_ranges, scenario=scenario)


def _r2_or_none(value: float | None) -> float | None:
    return round_half_up(value, 2) if value is not None else None


def _relative(switch: float, range_low: float, range_high: float) -> float:
    """How far a switch lies relative to the range's end on its side (1 = at the end)."""
    end = range_high if switch > 0 else range_low
    return abs(switch) / abs(end) if end else math.inf


# -- texts ------------------------------------------------------------------------------------------


def _truncated(value: float, decimals: int) -> float:
    """``|value|`` cut (not rounded) to ``decimals``: a stated threshold never lies past the true one."""
    scale = 10.0**decimals
    return math.floor(round(abs(value) * scale, 6)) / scale


def change_phrase(factor: FactorSensitivity) -> str:
    """The change that turns the recommendation, as the end of a Finnish if-clause (``jos …``)."""
    assert factor.switch is not None
    rising = factor.switch > 0
    if factor.factor is SensitivityFactor.QUALITY:
        assert factor.switch_mode is not None
        amount = fi_quantity(_truncated(factor.switch, 2), "piste", 2)
        return f"{_GENITIVE[factor.switch_mode]} laatupisteet olisivat yli {amount} {'suuremmat' if rising else 'pienemmät'}"
    amount = f"{fi_number(_truncated(factor.switch, 1), 1)}{NBSP}%"
    if factor.factor is SensitivityFactor.VOLUME:
        return f"suoritemäärä {'kasvaisi' if rising else 'vähenisi'} yli {amount}"
    verb = "nousisi" if rising else "laskisi"
    if factor.mode is ProductionMode.VOUCHER:
        return f"palvelusetelin arvo seuraavassa tarkistuksessa {verb} yli {amount}"
    return f"ostopalvelun hinta seuraavassa kilpailutuksessa {verb} yli {amount}"


def statement(factors: Sequence[FactorSensitivity]) -> str:
    """Whether the recommendation holds across the considered ranges, in one Finnish sentence: the
    factors that would turn it within their ranges, or the nearest change beyond them."""
    turning = [f for f in factors if not f.holds and f.switch is not None]
    if turning:
        if len(turning) == 1:
            only = turning[0]
            return f"Suositus muuttuisi, jos {change_phrase(only)}; tarkasteltu vaihteluväli on {only.considered}."
        return (
            "Suositus muuttuisi, jos "
            + " tai jos ".join(f"{change_phrase(f)} (tarkasteltu vaihteluväli {f.considered})" for f in turning)
            + "."
        )
    beyond = [f for f in factors if f.switch is not None]
    if not beyond:
        return "Suositus pysyy samana kaikilla tarkastelluilla hinnan, suoritemäärän ja laadun vaihteluväleillä."
    near = min(beyond, key=lambda f: _relative(f.switch or 0.0, f.change_low, f.change_high))
    return (
        "Suositus pysyy samana kaikilla tarkastelluilla vaihteluväleillä: se muuttuisi vasta, jos "
        f"{change_phrase(near)} (tarkasteltu vaihteluväli {near.considered})."
    )


_KIND_WORDS = {
    SensitivityFactor.PRICE: "hinnan",
    SensitivityFactor.VOLUME: "suoritemäärän",
    SensitivityFactor.QUALITY: "laatuarvion",
}


def _listed(words: Sequence[str], last: str = "ja") -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + f" {last} " + words[-1]


def robustness_sentence(services: Sequence[ServiceComparison]) -> str | None:
    """The item text's one short sentence on how robust the recommendations are: the services whose
    recommendation would change within the considered ranges, and by which kinds of factor (None
    without the analysis). Short on purpose: the item text keeps to three pages."""
    analysed = [s for s in services if s.sensitivity is not None]
    if not analysed:
        return None
    sensitive = [s for s in analysed if s.sensitivity is not None and not s.sensitivity.holds]
    if not sensitive:
        return (
            "Suositukset pysyvät samoina, vaikka hinnat, suoritemäärät ja laatuarviot vaihtelisivat "
            "tarkastelluissa rajoissa (herkkyystarkastelu, liite 2)."
        )
    kinds = [
        word
        for kind, word in _KIND_WORDS.items()
        if any(f.factor is kind and not f.holds for s in sensitive if s.sensitivity for f in s.sensitivity.factors)
    ]
    where = "palvelussa" if len(sensitive) == 1 else "palveluissa"
    return (
        f"{_listed(kinds, 'tai').capitalize()} muutos tarkastelluissa rajoissa voisi muuttaa suosituksen {where} "
        f"{_listed([s.name for s in sensitive])} (herkkyystarkastelu, liite 2)."
    )


def method_paragraphs(rule: SensitivityRule, stays: str) -> list[str]:
    """The scenario factors as the method prints them (``stays``: the components that stay with the
    region, as a Finnish list)."""
    return [
        "Suositukset perustuvat nykyisiin kustannuksiin ja edellä kuvattuihin mitattuihin vaihteluväleihin "
        "(suositussääntö 2). Lisäksi on tarkasteltu, pysyisikö kunkin palvelun suositus samana, jos hinta "
        "seuraavassa kilpailutuksessa, suoritemäärä tai laatuarvio muuttuisi. Nämä skenaariot eivät muuta "
        "suosituksia, vaan ne esitetään herkkyyksinä palvelukohtaisesti liitteessä 2. Tekijöitä tarkastellaan "
        "yksi kerrallaan.",
        "Hinta seuraavassa kilpailutuksessa: ostopalvelun sopimushinnan tai palvelusetelin arvon muutos seuraavassa "
        f"kilpailutuksessa tai tarkistuksessa on {price_range_text(rule)}. Muutos koskee vain hintaa; järjestäjän "
        "hankinta- ja sopimushallintakulut ja asiakkaan omavastuuosuus pysyvät ennallaan.",
        f"Suoritemäärä: palvelun suoritemäärän muutos on {volume_range_text(rule)}. Oman tuotannon kiinteät "
        f"kustannukset eli {stays} pysyvät ennallaan, joten niiden osuus yksikkökustannuksesta muuttuu "
        "käänteisesti suoritemäärään nähden. Ostopalvelun ja palvelusetelin hinta suoritetta kohden ei muutu, "
        "mutta järjestäjän hankinta- ja sopimushallintakulut ovat kiinteitä.",
        f"Laatu: kunkin vaihtoehdon laatupisteiden muutos on {quality_range_text(rule)} asteikolla 1–5, yksi "
        "vaihtoehto kerrallaan. Laatu vaikuttaa painotettuun kokonaispistemäärään, ei kustannuksiin.",
        "Suosituksen pysyvyys arvioidaan soveltamalla suositussääntöjä skenaarion yksikkökustannuksiin ja "
        "pisteisiin; mitattu vaihteluväli siirtyy yksikkökustannuksen mukana. Skenaarioiden vaihteluväli on "
        "mitatun vaihteluvälin sekä hinnan ja suoritemäärän vaikutusten yhdiste. Tasapiste on muutos, jolla "
        "ulkoisen ja oman tuotannon yksikkökustannukset ovat yhtä suuret; laadussa se on laatupisteiden muutos, "
        "jolla paras kokonaispistemäärä vaihtuu. Suositus voi muuttua jo ennen kustannusten tasapistettä, koska "
        "se riippuu myös pisteistä ja siitä, ovatko vaihteluvälit päällekkäiset.",
        f"Vaihteluvälien peruste: {rule.source}",
    ]
