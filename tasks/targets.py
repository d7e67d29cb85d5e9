"""Stage 2 (Tuloksellisuustavoitteiden asettaminen): pure functions, no Prefect, no store.

Reads the region's four stage-2 input files (``talous_toteuma.csv``, ``talous_rahoitus.csv``,
``talous_oletukset.toml``, ``tavoitteet.csv``; formats in ``data/examples/HVA08/README.md``),
and with the approved stage-1 tables (:class:`~schemas.targets.NeedsBasis`) builds:

- the impact targets of the client groups, each with its baseline (from the approved stage-1
  need profile where the file names a profile field) and the stage-1 finding it answers;
- the financial situation and a multi-year framework forecast per named scenario, with the check
  of the statutory obligation to cover an accumulated deficit (hyvinvointialuelaki 611/2021
  115 § 2 mom.; the period is a parameter);
- the operating-cost frame of one year allocated to the client groups by need share, current
  spend or a blend of the two.

Every euro amount is rounded half up to whole euros as it is computed (a year's costs are the
rounded previous year's costs times the growth, minus the savings, rounded), so the worked
examples in the tests can be checked by hand and canonical JSON hashes are stable.
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any, Literal

from schemas.needs import AreaProfile, NeedProfileTable
from schemas.targets import (
    ActualCostRow,
    ActualYear,
    AllocationMethod,
    ClientGroup,
    CoverageRule,
    DeficitCoverage,
    Direction,
    FinancialForecast,
    ForecastYear,
    FrameAllocation,
    FundingRow,
    FundingYear,
    GroupAllocation,
    ImpactTarget,
    ImpactTargets,
    NeedFinding,
    NeedsBasis,
    ScenarioAssumptions,
    ScenarioForecast,
    ScenarioYear,
    ServiceAreaCost,
    TargetRow,
    TargetsAssessment,
    TargetsAssumptions,
    TargetsInputs,
    TargetSpec,
)
from soteflow.data.numbers import fmt_fi
from soteflow.data.tabular import read_rows, unique
from soteflow.errors import InputError

#: The input files of stage 2 by role, as named in the inputs folder.
INPUT_FILES: Mapping[str, str] = {
    "toteuma": "talous_toteuma.csv",
    "rahoitus": "talous_rahoitus.csv",
    "oletukset": "talous_oletukset.toml",
    "tavoitteet": "tavoitteet.csv",
}
#: The issue asks for a multi-year framework forecast of at least four years.
MIN_FORECAST_YEARS = 4
#: Two ledgers that must agree (operating income in the two files) may differ by rounding only.
EURO_TOLERANCE = 1.0
#: Default deficit-coverage period: hyvinvointialuelaki (611/2021) 115 § 2 mom.
DEFAULT_COVERAGE_YEARS = 2
DEFAULT_COVERAGE_BASIS = (
    "Hyvinvointialuelaki (611/2021) 115 § 2 mom.: taseeseen kertynyt alijäämä on katettava enintään kahden "
    "vuoden kuluessa sen vuoden alusta lukien, jota seuraavana vuonna tilinpäätös on hyväksytty. "
    "Voimaanpanolain siirtymäsäännökset ja lain myöhemmät muutokset voivat muuttaa määräaikaa."
)
DEFAULT_NEED_WEIGHT = 0.5

#: The stage-1 Statistics Finland export each need-profile field comes from (tasks.needs.SOURCE_FILES
#: names): the statistical period of a stage-1 baseline is that export's period.
FIELD_SOURCES: Mapping[str, str] = {
    **dict.fromkeys(("population", "share_under_15", "share_65_plus", "mean_age", "dependency_ratio"), "age"),
    **dict.fromkeys(
        (
            "births", "deaths", "natural_increase", "net_internal_migration", "net_immigration", "net_migration",
            "births_per_1000", "deaths_per_1000", "natural_increase_per_1000", "net_migration_per_1000",
        ),
        "population",
    ),
    **dict.fromkeys(
        ("household_population", "low_income_persons", "low_income_rate", "basic_security_persons",
         "basic_security_dependence"),
        "income",
    ),
    **dict.fromkeys(
        ("labour_force", "unemployed", "unemployment_rate", "long_term_unemployed", "long_term_unemployment_rate",
         "unemployed_disabled_or_ill"),
        "unemployment",
    ),
    **dict.fromkeys(("population_15_plus", "share_no_post_basic_education", "share_tertiary"), "education"),
}  # fmt: skip

#: The stage-1 indicator of each client group's relative need: (field, denominator field or None).
#: The region's value divided by the country's (for a count, per denominator) is the group's need
#: relative to the country. Chosen as the profile field closest to each group's service need:
#: children and families by the share of under-15s, working-age people by the unemployment rate,
#: older people by the share of people aged 65+, people with disabilities by disabled and
#: long-term-ill unemployed job seekers per labour force (the only disability-specific field of
#: the stage-1 data), mental-health and substance-abuse clients by the share of people wholly
#: dependent on basic security (a marker of the exclusion these services meet).
NEED_INDICATORS: Mapping[ClientGroup, tuple[str, str | None]] = {
    ClientGroup.CHILDREN_FAMILIES: ("share_under_15", None),
    ClientGroup.WORKING_AGE: ("unemployment_rate", None),
    ClientGroup.OLDER_PEOPLE: ("share_65_plus", None),
    ClientGroup.DISABILITY: ("unemployed_disabled_or_ill", "labour_force"),
    ClientGroup.MENTAL_SUBSTANCE: ("basic_security_dependence", None),
}
NEED_INDICATOR_TEXT: Mapping[ClientGroup, str] = {
    ClientGroup.CHILDREN_FAMILIES: "alle 15-vuotiaiden osuus väestöstä",
    ClientGroup.WORKING_AGE: "työttömien työnhakijoiden osuus työvoimasta",
    ClientGroup.OLDER_PEOPLE: "65 vuotta täyttäneiden osuus väestöstä",
    ClientGroup.DISABILITY: "vammaisten ja pitkäaikaissairaiden työttömien työnhakijoiden määrä työvoimaan suhteutettuna",
    ClientGroup.MENTAL_SUBSTANCE: "kokonaan perusturvan varassa olevien osuus asuntoväestöstä",
}
METHOD_NAMES: Mapping[AllocationMethod, str] = {
    AllocationMethod.NEED_SHARE: "tarveosuuksien mukaan",
    AllocationMethod.CURRENT_SPEND: "nykyisten kustannusosuuksien mukaan",
    AllocationMethod.BLEND: "tarveosuuden ja nykyisen kustannusosuuden painotettuna yhdistelmänä",
}
FORECAST_METHOD = (
    "Toimintakulut_t = toimintakulut_(t−1) × (1 + kustannusten kasvu_t) − säästöt_t; valtion rahoitus_t = "
    "rahoitusennuste_t × (1 + skenaarion rahoitusmuutos); tulos_t = valtion rahoitus_t + muut tuotot_t − "
    "toimintakulut_t − poistot ja rahoituserät_t; kertynyt yli-/alijäämä_t = kertynyt_(t−1) + tulos_t. "
    "Lähtökohtana ovat viimeisen toteumavuoden toimintakulut ja taseen kertynyt yli-/alijäämä; eurot "
    "pyöristetään vuosittain täysiin euroihin."
)


# ---------------------------------------------------------------------------------------------
# Rounding


def eur(value: float) -> float:
    """Whole euros, rounded half up (the rounding of financial statements), as a float."""
    return float(Decimal(repr(float(value))).quantize(Decimal(1), rounding=ROUND_HALF_UP)) + 0.0


def _round(value: float, digits: int) -> float:
    return float(Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)) + 0.0


def meur(value: float, decimals: int = 1) -> str:
    """Euros as millions in Finnish text: ``-140_000_000`` → ``−140,0``."""
    return fmt_fi(value / 1_000_000, decimals)


def period_fi(period: str | None) -> str:
    """A statistical period as printed: ``2025`` → ``2025``, ``2026M06`` → ``6/2026``."""
    if not period:
        return ""
    if "M" in period:
        year, month = period.split("M", 1)
        return f"{int(month)}/{year}"
    return period


# ---------------------------------------------------------------------------------------------
# Reading the input files


def inputs_paths(inputs_dir: Path) -> dict[str, Path]:
    """The four input files of stage 2 in ``inputs_dir`` by role."""
    return {role: Path(inputs_dir) / name for role, name in INPUT_FILES.items()}


def read_costs(path: Path) -> list[ServiceAreaCost]:
    """``talous_toteuma.csv``: actual costs and income by service area; (year, area) unique."""
    rows = read_rows(path, ActualCostRow)
    seen: dict[tuple[int, str], int] = {}
    for row in rows:
        key = (row.value.year, row.value.service_area.lower())
        if key in seen:
            raise InputError(
                f"service area {row.value.service_area!r} appears twice in {row.value.year} (first on row {seen[key]})",
                file=path,
                row=row.number,
                field="palvelualue",
            )
        seen[key] = row.number
    return [
        ServiceAreaCost(
            row=r.number, year=r.value.year, service_area=r.value.service_area, client_group=r.value.client_group,
            operating_costs=eur(r.value.operating_costs), operating_income=eur(r.value.operating_income),
        )
        for r in rows
    ]  # fmt: skip


def read_funding(path: Path) -> list[FundingYear]:
    """``talous_rahoitus.csv``: funding per year; one row per year."""
    rows = read_rows(path, FundingRow, optional_columns=["poistot_ja_rahoituserät", "muut_tuotot"])
    unique(rows, path, "year", "vuosi")
    for row in rows:
        if row.value.kind == "ennuste" and row.value.other_income is None:
            raise InputError(
                "a forecast year needs its other income (muut_tuotot)", file=path, row=row.number, field="muut_tuotot"
            )
    return [
        FundingYear(
            row=r.number, year=r.value.year, kind=r.value.kind, state_funding=eur(r.value.state_funding),
            other_income=eur(r.value.other_income) if r.value.other_income is not None else None,
            other_items=eur(r.value.other_items),
        )
        for r in sorted(rows, key=lambda r: r.value.year)
    ]  # fmt: skip


def read_target_specs(path: Path) -> list[TargetSpec]:
    """``tavoitteet.csv``: impact targets; ids unique, baseline from stage 1 xor from the file."""
    rows = read_rows(path, TargetRow, optional_columns=["lähtötaso_stage1", "tarvehavainto_stage1"])
    unique(rows, path, "target_id", "tavoite_id")
    out = []
    for row in rows:
        value = row.value
        if value.baseline_field is not None:
            for given, column in ((value.baseline, "lähtötaso"), (value.baseline_year, "lähtövuosi")):
                if given is not None:
                    raise InputError(
                        f"the baseline comes from stage 1 ({value.baseline_field}); leave {column} empty",
                        file=path,
                        row=row.number,
                        field=column,
                    )
        else:
            if value.baseline is None:
                raise InputError(
                    "a baseline is needed: a value in lähtötaso or a stage-1 field in lähtötaso_stage1",
                    file=path,
                    row=row.number,
                    field="lähtötaso",
                )
            if value.baseline_year is None:
                raise InputError("the baseline's year is needed", file=path, row=row.number, field="lähtövuosi")
            year = _year_of(value.baseline_year)
            if year is None:
                raise InputError(
                    f"{value.baseline_year!r} is not a year (e.g. 2024)", file=path, row=row.number, field="lähtövuosi"
                )
            if value.target_year <= year:
                raise InputError(
                    f"the target year {value.target_year} is not after the baseline year {year}",
                    file=path,
                    row=row.number,
                    field="tavoitevuosi",
                )
            _check_direction(value.direction, value.baseline, value.target_value, path, row.number)
        out.append(
            TargetSpec(
                row=row.number, target_id=value.target_id, client_group=value.client_group,
                indicator=value.indicator, unit=value.unit, baseline_field=value.baseline_field,
                baseline=value.baseline, baseline_year=value.baseline_year, target_value=value.target_value,
                target_year=value.target_year, direction=value.direction,
                finding_field=value.finding_field or value.baseline_field,
            )
        )  # fmt: skip
    missing = [g for g in ClientGroup if not any(t.client_group is g for t in out)]
    if missing:
        raise InputError(
            "every client group needs at least one target; none for "
            + ", ".join(f"{g.label_fi} ({g.value})" for g in missing),
            file=path,
            field="asiakasryhmä",
        )
    return out


def _year_of(period: str) -> int | None:
    head = period.strip()[:4]
    return int(head) if head.isdigit() else None


def _check_direction(direction: Direction, baseline: float, target: float, path: Path | str, row: int) -> None:
    """The direction must agree with baseline → target (a target that moves the other way is a typo)."""
    wrong = (direction is Direction.INCREASE and not target > baseline) or (
        direction is Direction.DECREASE and not target < baseline
    )
    if wrong:
        raise InputError(
            f"direction {direction.label_fi} does not agree with baseline {fmt_fi(baseline, 2)} → "
            f"target {fmt_fi(target, 2)}",
            file=path,
            row=row,
            field="suunta",
        )


# -- talous_oletukset.toml --------------------------------------------------------------------------


def _get(data: Mapping[str, Any], dotted: str, path: Path, *, required: bool = True) -> Any:
    node: Any = data
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            if required:
                raise InputError("required key is missing", file=path, field=dotted)
            return None
        node = node[part]
    return node


def _number(value: Any, dotted: str, path: Path) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(f"expected a number, got {value!r}", file=path, field=dotted)
    return float(value)


def _integer(value: Any, dotted: str, path: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"expected a whole number, got {value!r}", file=path, field=dotted)
    return value


def _text(value: Any, dotted: str, path: Path) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"expected text, got {value!r}", file=path, field=dotted)
    return value.strip()


def _per_year(value: Any, dotted: str, path: Path, years: Sequence[int]) -> dict[int, float]:
    """A per-year value: one number for every year, or a table ``{ 2026 = 4.0, … }`` covering ``years``."""
    if not isinstance(value, Mapping):
        number = _number(value, dotted, path)
        return dict.fromkeys(years, number)
    out: dict[int, float] = {}
    for key, item in value.items():
        if not str(key).isdigit() or int(key) not in years:
            raise InputError(
                f"{key!r} is not a forecast year ({', '.join(map(str, years))})", file=path, field=f"{dotted}.{key}"
            )
        out[int(key)] = _number(item, f"{dotted}.{key}", path)
    for year in years:
        if year not in out:
            raise InputError(f"no value for the forecast year {year}", file=path, field=f"{dotted}.{year}")
    return out


def read_assumptions(path: Path, forecast_years: Sequence[int]) -> TargetsAssumptions:
    """``talous_oletukset.toml``: frame, balance sheet, deficit rule and scenarios (``forecast_years``
    from ``talous_rahoitus.csv``: every per-year value must cover exactly those years)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("file not found", file=path) from None
    except UnicodeDecodeError:
        raise InputError("the file is not UTF-8 text", file=path) from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"TOML syntax error: {exc}", file=path) from None
    if not data:
        raise InputError("the file is empty", file=path)
    method_text = _get(data, "kehys.jakotapa", path, required=False) or AllocationMethod.BLEND.value
    try:
        method = AllocationMethod(method_text)
    except ValueError:
        raise InputError(
            f"unknown allocation method {method_text!r}; use {', '.join(m.value for m in AllocationMethod)}",
            file=path,
            field="kehys.jakotapa",
        ) from None
    raw_weight = _get(data, "kehys.tarvepaino", path, required=False)
    weight = DEFAULT_NEED_WEIGHT if raw_weight is None else _number(raw_weight, "kehys.tarvepaino", path)
    if not 0 <= weight <= 1:
        raise InputError(f"the need weight must be between 0 and 1, got {weight}", file=path, field="kehys.tarvepaino")
    raw_frame = _get(data, "kehys.kehys_eur", path, required=False)
    frame_eur = None if raw_frame is None else _number(raw_frame, "kehys.kehys_eur", path)
    if frame_eur is not None and frame_eur <= 0:
        raise InputError("the frame must be positive", file=path, field="kehys.kehys_eur")
    period_raw = _get(data, "alijaaman_kattaminen.kattamiskausi_vuotta", path, required=False)
    period = DEFAULT_COVERAGE_YEARS if period_raw is None else _integer(
        period_raw, "alijaaman_kattaminen.kattamiskausi_vuotta", path
    )  # fmt: skip
    if period < 1:
        raise InputError(
            "the period must be at least one year", file=path, field="alijaaman_kattaminen.kattamiskausi_vuotta"
        )
    basis_raw = _get(data, "alijaaman_kattaminen.peruste", path, required=False)
    basis = DEFAULT_COVERAGE_BASIS if basis_raw is None else _text(basis_raw, "alijaaman_kattaminen.peruste", path)
    scenarios_raw = _get(data, "skenaariot", path)
    if not isinstance(scenarios_raw, Mapping) or not scenarios_raw:
        raise InputError("at least one scenario is needed", file=path, field="skenaariot")
    scenarios = []
    for key, spec in scenarios_raw.items():
        base = f"skenaariot.{key}"
        if not isinstance(spec, Mapping):
            raise InputError("expected a table", file=path, field=base)
        unknown = set(spec) - {"nimi", "kuvaus", "kustannusten_kasvu_pros", "rahoituksen_muutos_pros", "saastot_eur"}
        if unknown:
            raise InputError(f"unknown key {sorted(unknown)[0]!r}", file=path, field=f"{base}.{sorted(unknown)[0]}")
        growth = _per_year(_get(data, f"{base}.kustannusten_kasvu_pros", path), f"{base}.kustannusten_kasvu_pros",
                           path, forecast_years)  # fmt: skip
        savings_raw = spec.get("saastot_eur", 0)
        savings = _per_year(savings_raw, f"{base}.saastot_eur", path, forecast_years)
        adjustment = _number(spec.get("rahoituksen_muutos_pros", 0.0), f"{base}.rahoituksen_muutos_pros", path)
        scenarios.append(
            ScenarioAssumptions(
                key=str(key), name=_text(spec.get("nimi", str(key)), f"{base}.nimi", path),
                description=str(spec.get("kuvaus", "")).strip(), funding_adjustment_pct=_round(adjustment, 4),
                years=[
                    ScenarioYear(year=y, cost_growth_pct=_round(growth[y], 4), savings_eur=eur(savings[y]))
                    for y in forecast_years
                ],
            )
        )  # fmt: skip
    frame_scenario = _get(data, "kehys.kehysskenaario", path, required=False) or "perusura"
    if frame_scenario not in {s.key for s in scenarios}:
        raise InputError(
            f"no scenario {frame_scenario!r}; scenarios: {', '.join(s.key for s in scenarios)}",
            file=path,
            field="kehys.kehysskenaario",
        )
    label = _get(data, "aineisto.kuvaus", path, required=False)
    return TargetsAssumptions(
        data_label=_text(label, "aineisto.kuvaus", path) if label is not None else "Esimerkkiaineisto.",
        frame_year=_integer(_get(data, "kehys.kehysvuosi", path), "kehys.kehysvuosi", path),
        frame_scenario=str(frame_scenario),
        frame_eur=eur(frame_eur) if frame_eur is not None else None,
        method=method,
        need_weight=_round(weight, 4),
        balance_year=_integer(_get(data, "tase.vuosi", path), "tase.vuosi", path),
        opening_accumulated_eur=eur(
            _number(_get(data, "tase.kertynyt_yli_alijaama_eur", path), "tase.kertynyt_yli_alijaama_eur", path)
        ),
        coverage=CoverageRule(period_years=period, legal_basis=basis),
        scenarios=scenarios,
    )


def read_targets_inputs(inputs_dir: Path) -> TargetsInputs:
    """Read and check the four input files of stage 2, each on its own and against the others.

    Raises :class:`InputError` naming file, row and field: a missing file or column, a wrong
    type, an empty file, an unknown client group, a duplicate id, years that do not line up.
    """
    paths = inputs_paths(inputs_dir)
    for role, path in paths.items():
        if not path.is_file():
            raise InputError(f"stage-2 input file ({role}) not found", file=path)
    costs = read_costs(paths["toteuma"])
    funding = read_funding(paths["rahoitus"])
    actual_years = sorted({c.year for c in costs})
    base_year = actual_years[-1]
    # Every client group must have costs in the base year: its current share is the basis of the frame.
    base_groups = {c.client_group for c in costs if c.year == base_year}
    for group in ClientGroup:
        if group not in base_groups:
            raise InputError(
                f"no service area of {group.label_fi} ({group.value}) in the base year {base_year}",
                file=paths["toteuma"],
                field="asiakasryhmä",
            )
    funded_actual = [f for f in funding if f.kind == "toteuma"]
    for f in funded_actual:
        if f.year not in actual_years:
            raise InputError(
                f"{f.year} is an actual year here but has no rows in {paths['toteuma'].name}",
                file=paths["rahoitus"],
                row=f.row,
                field="vuosi",
            )
        if f.other_income is not None:
            income = sum(c.operating_income for c in costs if c.year == f.year)
            if abs(income - f.other_income) > EURO_TOLERANCE:
                raise InputError(
                    f"other income {fmt_fi(f.other_income, 0)} € does not equal the operating income "
                    f"{fmt_fi(income, 0)} € of {paths['toteuma'].name} in {f.year}; leave it empty or correct it",
                    file=paths["rahoitus"],
                    row=f.row,
                    field="muut_tuotot",
                )
    for year in actual_years:
        if year not in {f.year for f in funded_actual}:
            raise InputError(f"the actual year {year} has no toteuma row", file=paths["rahoitus"], field="vuosi")
    forecast = [f for f in funding if f.kind == "ennuste"]
    expected = base_year + 1
    for f in forecast:
        if f.year != expected:
            raise InputError(
                f"forecast years must follow the last actual year {base_year} without gaps; expected {expected}",
                file=paths["rahoitus"],
                row=f.row,
                field="vuosi",
            )
        expected += 1
    if len(forecast) < MIN_FORECAST_YEARS:
        raise InputError(
            f"at least {MIN_FORECAST_YEARS} forecast years (ennuste) are needed, found {len(forecast)}",
            file=paths["rahoitus"],
            field="laji",
        )
    forecast_years = [f.year for f in forecast]
    assumptions = read_assumptions(paths["oletukset"], forecast_years)
    oletukset = paths["oletukset"]
    if assumptions.balance_year != base_year:
        raise InputError(
            f"the balance sheet must be that of the last actual year {base_year}", file=oletukset, field="tase.vuosi"
        )
    if assumptions.frame_year not in forecast_years:
        raise InputError(
            f"the frame year must be a forecast year ({forecast_years[0]}–{forecast_years[-1]})",
            file=oletukset,
            field="kehys.kehysvuosi",
        )
    deadline = base_year + assumptions.coverage.period_years
    if deadline > forecast_years[-1]:
        raise InputError(
            f"the deficit must be covered by the end of {deadline}, after the last forecast year "
            f"{forecast_years[-1]}: extend the forecast or correct the period",
            file=oletukset,
            field="alijaaman_kattaminen.kattamiskausi_vuotta",
        )
    targets = read_target_specs(paths["tavoitteet"])
    return TargetsInputs(
        files={role: str(path) for role, path in paths.items()},
        costs=costs,
        funding=funding,
        assumptions=assumptions,
        targets=targets,
    )


def with_overrides(
    inputs: TargetsInputs, allocation_method: str | None = None, need_weight: float | None = None
) -> TargetsInputs:
    """The inputs with the flow's parameter overrides of the allocation method and need weight."""
    assumptions = inputs.assumptions
    update: dict[str, Any] = {}
    if allocation_method is not None:
        try:
            update["method"] = AllocationMethod(allocation_method)
        except ValueError:
            raise InputError(
                f"unknown allocation method {allocation_method!r}; use " + ", ".join(m.value for m in AllocationMethod),
                field="allocation_method",
            ) from None
    if need_weight is not None:
        if not 0 <= need_weight <= 1:
            raise InputError(f"need_weight must be between 0 and 1, got {need_weight}", field="need_weight")
        update["need_weight"] = _round(need_weight, 4)
    if not update:
        return inputs
    return inputs.model_copy(update={"assumptions": assumptions.model_copy(update=update)})


# ---------------------------------------------------------------------------------------------
# Impact targets


def _field_label(name: str) -> tuple[str, str, str]:
    """A stage-1 profile field's Finnish label, unit and unit qualifier, from the schema's description.

    ``"Pienituloisuusaste, % asuntoväestöstä"`` → ``("Pienituloisuusaste", "%", "asuntoväestöstä")``.
    """
    description = AreaProfile.model_fields[name].description or name
    for unit in ("%", "‰", "vuotta"):
        marker = f", {unit}"
        if marker in description and (description.endswith(marker) or f"{marker} " in description):
            head, tail = description.split(marker, 1)
            return head, unit, tail.strip()
    return description, "", ""


def _is_count(name: str) -> bool:
    return AreaProfile.model_fields[name].annotation in (int, int | None)


def stage1_value(profiles: NeedProfileTable, name: str, level: str = "region") -> float | None:
    """The region's (or country's) value of a stage-1 profile field."""
    area = profiles.region if level == "region" else profiles.country
    value = getattr(area, name)
    return None if value is None else float(value)


def finding_text(profiles: NeedProfileTable, name: str) -> str:
    """The stage-1 finding of a profile field, region against the whole country, in Finnish.

    A rate is compared as is; a count (e.g. disabled and long-term-ill unemployed job seekers) as
    the region's share of the country's count against the region's share of the population.
    """
    label, unit, qualifier = _field_label(name)
    region, country = stage1_value(profiles, name), stage1_value(profiles, name, "country")
    if region is None or country is None or country == 0:
        return f"{label}: vaiheen 1 aineistossa ei ole vertailukelpoista arvoa."
    if _is_count(name):
        share = 100 * region / country
        population_share = 100 * profiles.region.population / profiles.country.population
        side = "suurempi" if share > population_share else "pienempi"
        return (
            f"{label} {fmt_fi(region, 0)}: {fmt_fi(share, 1)} % koko maan määrästä, kun alueen väestöosuus on "
            f"{fmt_fi(population_share, 1)} % (väestöosuutta {side})."
        )
    suffix = f" {unit}" if unit else ""
    of_what = f" {qualifier}" if qualifier else ""
    ratio = region / country
    side = "korkeampi" if ratio > 1 else "matalampi" if ratio < 1 else "sama"
    return (
        f"{label} {fmt_fi(region, 1)}{suffix}{of_what} (koko maa {fmt_fi(country, 1)}{suffix}); "
        f"{side} kuin koko maassa, suhdeluku {fmt_fi(ratio, 2)}."
    )


def build_impact_targets(inputs: TargetsInputs, basis: NeedsBasis, cycle: int) -> ImpactTargets:
    """The impact targets with baselines from the approved stage-1 profile and their findings.

    A target whose file names a stage-1 field in ``lähtötaso_stage1`` takes the region's value as
    its baseline (``baseline_source='stage1'``, the period of that field's export as its year);
    otherwise the file's baseline is used. The finding points at ``needs-profile``
    ``region.<field>`` of the approved version.
    """
    file = inputs.files["tavoitteet"]
    profile_ref = basis.refs["needs-profile"]
    targets = []
    for spec in inputs.targets:
        source: Literal["stage1", "input"]
        if spec.baseline_field is not None:
            value = stage1_value(basis.profiles, spec.baseline_field)
            if value is None:
                raise InputError(
                    f"the approved stage-1 profile (needs-profile v{profile_ref.version}) has no region value "
                    f"for {spec.baseline_field}",
                    file=file,
                    row=spec.row,
                    field="lähtötaso_stage1",
                )
            baseline: float | None = _round(value, 4)
            baseline_year = basis.periods.get(spec.baseline_field)
            _check_direction(spec.direction, value, spec.target_value, file, spec.row)
            source = "stage1"
        else:
            baseline, baseline_year, source = spec.baseline, spec.baseline_year, "input"
        finding = None
        if spec.finding_field is not None:
            finding = NeedFinding(
                text=finding_text(basis.profiles, spec.finding_field),
                artefact=profile_ref,
                pointer=f"region.{spec.finding_field}",
            )
        targets.append(
            ImpactTarget(
                target_id=spec.target_id, client_group=spec.client_group, indicator=spec.indicator, unit=spec.unit,
                baseline=baseline, baseline_year=baseline_year, baseline_source=source,
                target_value=spec.target_value, target_year=spec.target_year, direction=spec.direction,
                finding=finding,
            )
        )  # fmt: skip
    return ImpactTargets(region_code=basis.region_code, cycle=cycle, targets=targets)


# ---------------------------------------------------------------------------------------------
# Forecast


def actual_years(inputs: TargetsInputs) -> list[ActualYear]:
    """The outturn of each actual year: costs and income from the ledger, funding from the funding file."""
    funding = {f.year: f for f in inputs.funding}
    out = []
    for year in inputs.actual_years:
        rows = [c for c in inputs.costs if c.year == year]
        costs = eur(sum(c.operating_costs for c in rows))
        income = eur(sum(c.operating_income for c in rows))
        f = funding[year]
        by_group = {g: eur(sum(c.operating_costs for c in rows if c.client_group is g)) for g in ClientGroup}
        out.append(
            ActualYear(
                year=year, operating_costs_eur=costs, operating_income_eur=income, state_funding_eur=f.state_funding,
                other_items_eur=f.other_items, result_eur=eur(f.state_funding + income - costs - f.other_items),
                costs_by_group=by_group,
            )
        )  # fmt: skip
    return out


def forecast_scenario(
    scenario: ScenarioAssumptions,
    *,
    base_costs: float,
    opening_accumulated: float,
    base_year: int,
    funding: Sequence[FundingYear],
    coverage: CoverageRule,
) -> ScenarioForecast:
    """One scenario's forecast from the base year's costs and the opening balance, with its coverage check."""
    by_year = {f.year: f for f in funding}
    costs, accumulated = base_costs, opening_accumulated
    years = []
    for assumption in scenario.years:
        f = by_year[assumption.year]
        costs = eur(costs * (1 + assumption.cost_growth_pct / 100) - assumption.savings_eur)
        state = eur(f.state_funding * (1 + scenario.funding_adjustment_pct / 100))
        income = f.other_income or 0.0
        result = eur(state + income - costs - f.other_items)
        accumulated = eur(accumulated + result)
        years.append(
            ForecastYear(
                year=assumption.year, cost_growth_pct=assumption.cost_growth_pct, savings_eur=assumption.savings_eur,
                operating_costs_eur=costs, state_funding_eur=state, operating_income_eur=income,
                other_items_eur=f.other_items, funding_eur=eur(state + income), result_eur=result,
                accumulated_eur=accumulated,
            )
        )  # fmt: skip
    return ScenarioForecast(
        key=scenario.key,
        name=scenario.name,
        description=scenario.description,
        funding_adjustment_pct=scenario.funding_adjustment_pct,
        years=years,
        coverage=deficit_coverage(scenario.name, years, opening_accumulated, base_year, coverage),
    )


def deficit_coverage(
    name: str, years: Sequence[ForecastYear], opening: float, base_year: int, rule: CoverageRule
) -> DeficitCoverage:
    """Whether the accumulated deficit is covered by the end of ``base_year + period`` (HVAL 115 §).

    The gap is the accumulated deficit left at the deadline; the improvement needed is the gap
    spread evenly over the forecast years up to the deadline (euros of better result per year).
    """
    deadline = base_year + rule.period_years
    at_deadline = next(y.accumulated_eur for y in years if y.year == deadline)
    covered = at_deadline >= 0
    gap = 0.0 if covered else -at_deadline
    n_years = deadline - base_year
    annual = eur(gap / n_years)
    first = base_year if opening >= 0 else None
    if first is None:
        first = next((y.year for y in years if y.accumulated_eur >= 0), None)
    if opening >= 0 and all(y.accumulated_eur >= 0 for y in years):
        statement = (
            f"{name}: taseessa ei ole katettavaa alijäämää ({base_year} lopussa {meur(opening)} M€), eikä "
            "alijäämää kerry ennustekaudella."
        )
    elif covered:
        start = (
            f"taseen kertynyt alijäämä {meur(opening)} M€ ({base_year} lopussa) katetaan määräaikaan mennessä"
            if opening < 0
            else "katettavaa alijäämää ei ole määräaikana"
        )
        statement = f"{name}: {start}; kertynyt yli-/alijäämä on {deadline} lopussa {meur(at_deadline)} M€."
    else:
        later = (
            f" Ennusteen mukaan alijäämä katetaan vasta vuonna {first}."
            if first is not None
            else " Alijäämä ei tule katetuksi ennustekaudella."
        )
        statement = (
            f"{name}: kertynyttä alijäämää ei saada katetuksi määräaikaan mennessä; {deadline} lopussa kertynyt "
            f"alijäämä on {meur(at_deadline)} M€. Kattaminen edellyttää lisäsopeutusta keskimäärin "
            f"{meur(annual)} M€ vuodessa vuosina {base_year + 1}–{deadline}.{later}"
        )
    return DeficitCoverage(
        opening_accumulated_eur=opening, deadline_year=deadline, accumulated_at_deadline_eur=at_deadline,
        covered=covered, gap_eur=eur(gap), years_to_deadline=n_years, annual_improvement_needed_eur=annual,
        first_non_negative_year=first, statement=statement,
    )  # fmt: skip


def build_forecast(inputs: TargetsInputs, region_code: str, cycle: int) -> FinancialForecast:
    """The financial situation (actual years) and the framework forecast of every scenario."""
    actual = actual_years(inputs)
    assumptions = inputs.assumptions
    scenarios = [
        forecast_scenario(
            s,
            base_costs=actual[-1].operating_costs_eur,
            opening_accumulated=assumptions.opening_accumulated_eur,
            base_year=inputs.base_year,
            funding=[f for f in inputs.funding if f.kind == "ennuste"],
            coverage=assumptions.coverage,
        )
        for s in assumptions.scenarios
    ]
    return FinancialForecast(
        region_code=region_code,
        cycle=cycle,
        data_label=assumptions.data_label,
        base_year=inputs.base_year,
        actual=actual,
        opening_accumulated_eur=assumptions.opening_accumulated_eur,
        coverage_rule=assumptions.coverage,
        method_text=FORECAST_METHOD,
        scenarios=scenarios,
    )


# ---------------------------------------------------------------------------------------------
# Frame allocation


def relative_needs(profiles: NeedProfileTable) -> dict[ClientGroup, float]:
    """Each client group's need relative to the whole country (1 = country level), 4 decimals."""
    out = {}
    for group, (name, denominator) in NEED_INDICATORS.items():
        region, country = stage1_value(profiles, name), stage1_value(profiles, name, "country")
        if denominator is not None:
            region_den = stage1_value(profiles, denominator)
            country_den = stage1_value(profiles, denominator, "country")
            region = region / region_den if region is not None and region_den else None
            country = country / country_den if country is not None and country_den else None
        if region is None or not country:
            raise InputError(
                f"the approved stage-1 profile has no region and country value of {name} for {group.label_fi}",
                file="needs-profile",
                field=f"region.{name}",
            )
        out[group] = _round(region / country, 4)
    return out


def method_text(method: AllocationMethod, weight: float, base_year: int) -> str:
    """The allocation method in Finnish, as printed in the document."""
    needs = "; ".join(f"{g.label_fi.lower()}: {NEED_INDICATOR_TEXT[g]}" for g in ClientGroup)
    return (
        f"Kehys jaetaan asiakasryhmille {METHOD_NAMES[method]} (tarveosuuden paino w = {fmt_fi(weight, 2)}). "
        f"Nykyinen osuus s on ryhmän palvelualueiden toimintakulut vuonna {base_year} jaettuna kaikilla "
        "toimintakuluilla. Suhteellinen tarve r on ryhmän tarveindikaattorin alueen arvo jaettuna koko maan arvolla "
        f"hyväksytyissä palvelutarveprofiileissa ({needs}). Tarveosuus n = s·r / Σ s·r; jaettava osuus "
        "a = w·n + (1 − w)·s; ryhmän kehys = a × kehys. Tarveosuuden mukainen jako on w = 1 ja nykyisten "
        "kustannusten mukainen w = 0. Osuudet pyöristetään kuuteen desimaaliin ja eurot täysiin euroihin; "
        "pyöristyserotus kohdistetaan suurimmalle ryhmälle, joten ryhmien summa on täsmälleen kehys."
    )


def allocate_frame(
    *,
    region_code: str,
    frame_year: int,
    frame_eur: float,
    current_spend: Mapping[ClientGroup, float],
    relative_need: Mapping[ClientGroup, float],
    method: AllocationMethod,
    need_weight: float,
    base_year: int,
) -> FrameAllocation:
    """Allocate ``frame_eur`` to the client groups (method in :func:`method_text`).

    ``need_share`` uses w = 1 and ``current_spend`` w = 0 whatever ``need_weight`` says; a blend
    uses ``need_weight``. Shares are rounded to 6 decimals and euros to whole euros; the rounding
    residue of both goes to the group with the largest allocation, so the shares sum to 1 and the
    euros to the frame exactly.
    """
    weight = {AllocationMethod.NEED_SHARE: 1.0, AllocationMethod.CURRENT_SPEND: 0.0}.get(method, need_weight)
    groups = list(ClientGroup)
    total = sum(current_spend[g] for g in groups)
    if total <= 0:
        raise InputError("the base year's operating costs sum to zero; nothing to allocate by", field="toimintakulut")
    share = {g: current_spend[g] / total for g in groups}
    weighted = {g: share[g] * relative_need[g] for g in groups}
    weighted_total = sum(weighted.values())
    need = {g: weighted[g] / weighted_total for g in groups}
    allocated = {g: weight * need[g] + (1 - weight) * share[g] for g in groups}
    largest = max(groups, key=lambda g: (allocated[g], -groups.index(g)))
    rounded_share = {g: _round(allocated[g], 6) for g in groups}
    rounded_share[largest] = _round(1 - sum(rounded_share[g] for g in groups if g is not largest), 6)
    euros = {g: eur(allocated[g] * frame_eur) for g in groups}
    euros[largest] = eur(frame_eur - sum(euros[g] for g in groups if g is not largest))
    return FrameAllocation(
        region_code=region_code,
        frame_year=frame_year,
        frame_eur=eur(frame_eur),
        method=method,
        need_weight=_round(weight, 4),
        method_text=method_text(method, weight, base_year),
        groups=[
            GroupAllocation(
                client_group=g, current_spend_eur=eur(current_spend[g]), current_share=_round(share[g], 6),
                relative_need=relative_need[g], need_share=_round(need[g], 6), allocated_share=rounded_share[g],
                allocated_eur=euros[g],
            )
            for g in groups
        ],
    )  # fmt: skip


def build_frame(inputs: TargetsInputs, forecast: FinancialForecast, basis: NeedsBasis) -> FrameAllocation:
    """The frame of the frame year (given, or the frame scenario's forecast costs) allocated to the groups."""
    assumptions = inputs.assumptions
    frame = assumptions.frame_eur
    if frame is None:
        scenario = forecast.scenario(assumptions.frame_scenario)
        frame = next(y.operating_costs_eur for y in scenario.years if y.year == assumptions.frame_year)
    return allocate_frame(
        region_code=basis.region_code,
        frame_year=assumptions.frame_year,
        frame_eur=frame,
        current_spend=forecast.actual[-1].costs_by_group,
        relative_need=relative_needs(basis.profiles),
        method=assumptions.method,
        need_weight=assumptions.need_weight,
        base_year=forecast.base_year,
    )


# ---------------------------------------------------------------------------------------------
# The whole stage


def _findings(impact: ImpactTargets, forecast: FinancialForecast, frame: FrameAllocation) -> list[str]:
    last = forecast.actual[-1]
    out = [
        f"Toimintakulut olivat vuonna {last.year} {meur(last.operating_costs_eur)} M€ ja tilikauden tulos "
        f"{meur(last.result_eur)} M€; taseen kertynyt yli-/alijäämä {last.year} lopussa on "
        f"{meur(forecast.opening_accumulated_eur)} M€ (esimerkkiaineisto).",
    ]
    covered = [s.name.lower() for s in forecast.scenarios if s.coverage.covered]
    uncovered = [s for s in forecast.scenarios if not s.coverage.covered]
    deadline = forecast.base_year + forecast.coverage_rule.period_years
    if uncovered:
        out.append(
            f"Kertynyttä alijäämää ei saada katetuksi määräaikaan ({deadline} loppuun) mennessä skenaariossa "
            + ", ".join(f"{s.name.lower()} (lisäsopeutustarve {meur(s.coverage.annual_improvement_needed_eur)} M€ "
                        "vuodessa)" for s in uncovered)
            + (f"; skenaariossa {', '.join(covered)} se katetaan." if covered else ".")
        )  # fmt: skip
    else:
        out.append(f"Kertynyt alijäämä katetaan määräaikaan ({deadline} loppuun) mennessä kaikissa skenaarioissa.")
    out.append(
        f"Toimintakulujen kehys vuodelle {frame.frame_year} on {meur(frame.frame_eur)} M€; se jaetaan "
        f"asiakasryhmille {METHOD_NAMES[frame.method]}."
    )
    changes = sorted(frame.groups, key=lambda g: g.allocated_share - g.current_share)
    up, down = changes[-1], changes[0]
    if up.allocated_share - up.current_share > 0:
        out.append(
            f"Tarve painottaa jakoa eniten ryhmään {up.client_group.label_fi.lower()} (suhteellinen tarve "
            f"{fmt_fi(up.relative_need, 2)}): osuus {fmt_fi(100 * up.allocated_share, 1)} % nykyisen "
            f"{fmt_fi(100 * up.current_share, 1)} %:n sijaan; vähiten ryhmään {down.client_group.label_fi.lower()} "
            f"({fmt_fi(100 * down.allocated_share, 1)} %, nykyinen {fmt_fi(100 * down.current_share, 1)} %)."
        )
    from_stage1 = sum(1 for t in impact.targets if t.baseline_source == "stage1")
    out.append(
        f"Asiakasryhmille asetetaan {len(impact.targets)} vaikuttavuustavoitetta; {from_stage1} tavoitteen "
        "lähtötaso on hyväksytyn palvelutarvearvion luku."
    )
    return out


def assess_targets(inputs: TargetsInputs, basis: NeedsBasis, cycle: int) -> TargetsAssessment:
    """Stage 2 of one region: impact targets, forecast with coverage check, frame allocation."""
    impact = build_impact_targets(inputs, basis, cycle)
    forecast = build_forecast(inputs, basis.region_code, cycle)
    frame = build_frame(inputs, forecast, basis)
    return TargetsAssessment(
        region_code=basis.region_code,
        region_name=basis.region_name,
        cycle=cycle,
        impact=impact,
        forecast=forecast,
        frame=frame,
        findings=_findings(impact, forecast, frame),
    )


def validate_targets_inputs(
    inputs_dir: Path,
    *,
    basis: NeedsBasis | None = None,
    cycle: int = 2026,
    allocation_method: str | None = None,
    need_weight: float | None = None,
) -> TargetsInputs:
    """Check every stage-2 input without storing anything: the CLI's check before a run starts.

    Without ``basis`` the files are checked on their own and against each other; with the approved
    stage-1 basis (:func:`tasks.targets_proposal.load_needs_basis`) also what depends on it
    (stage-1 baselines exist, directions agree with them, every group's need indicator has a
    value) — i.e. everything a run would reject about the input. Raises :class:`InputError`.
    """
    inputs = with_overrides(read_targets_inputs(inputs_dir), allocation_method, need_weight)
    if basis is not None:
        assess_targets(inputs, basis, cycle)
    return inputs


# ---------------------------------------------------------------------------------------------
# Stage-1 periods


def pxweb_period(content: bytes) -> str | None:
    """The latest period of a PxWeb JSON export (the period stage 1 used), or ``None``."""
    try:
        data = json.loads(content)
        keyed = [c for c in data["columns"] if c.get("type") in {"d", "t"}]
        positions = [i for i, c in enumerate(keyed) if c.get("type") == "t"]
        if not positions:
            return None
        return str(max(row["key"][positions[0]] for row in data["data"]))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def field_periods(source_periods: Mapping[str, str]) -> dict[str, str]:
    """Profile field → statistical period, from the periods of the stage-1 exports by source name."""
    return {name: source_periods[source] for name, source in FIELD_SOURCES.items() if source in source_periods}
