"""Stage 2 inputs: the region's finance and target files, read and checked.

``tilinpaatos.csv`` (the financial statement: each service area's costs and income by account
group), ``talous_rahoitus.csv`` (funding),
``talous_oletukset.toml`` (forecast assumptions, scenarios, allocation method) and
``tavoitteet.csv`` (impact targets); formats in ``data/examples/HVA08/README.md``. Every problem is
an :class:`~soteflow.errors.InputError` naming the file, row and field.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from schemas.accounts import OPERATING_COST_GROUPS, AccountGroup, AccountTotal
from schemas.governance import PlanningYears
from schemas.targets import (
    STAGE1_FIELDS,
    AllocationMethod,
    AllocationRules,
    ClientGroup,
    CoverageMeasure,
    CoverageRule,
    Direction,
    FrameRow,
    FundingRow,
    FundingYear,
    GroupNeedRule,
    MeasureYear,
    NeedFactor,
    ScenarioAssumptions,
    ScenarioYear,
    ServiceAreaCost,
    StatementRow,
    TargetRow,
    TargetsAssumptions,
    TargetsInputs,
    TargetSpec,
)
from soteflow.data.tabular import read_rows, row_ranges, unique
from soteflow.documents.formatting import fi_period
from soteflow.errors import InputError
from soteflow.numbers import fi_number, round_half_up
from soteflow.settings import get_settings

#: The input files of stage 2 by role, as named in the inputs folder.
INPUT_FILES: Mapping[str, str] = {
    "tilinpaatos": "tilinpaatos.csv",
    "rahoitus": "talous_rahoitus.csv",
    "oletukset": "talous_oletukset.toml",
    "tavoitteet": "tavoitteet.csv",
}
#: The issue asks for a multi-year framework forecast of at least four years.
MIN_FORECAST_YEARS = 4
#: Two ledgers that must agree (operating income in the two files) may differ by rounding only.
EURO_TOLERANCE = 1.0
#: The dated deficit-coverage rule (hyvinvointialuelaki 611/2021 115 § 2 mom.; a region's own
#: deadline under the transitional rules of 616/2021), under the data folder.
COVERAGE_RULES_FILE = Path("config") / "rules" / "deficit_coverage.toml"
#: The need measures per client group and the phase-in of the frame allocation, under the data folder.
ALLOCATION_RULES_FILE = Path("config") / "rules" / "frame_allocation.toml"
DEFAULT_NEED_WEIGHT = 0.5

# ---------------------------------------------------------------------------------------------
# Rounding


def eur(value: float) -> float:
    """Whole euros, rounded half up (the rounding of financial statements), as a float."""
    return round_half_up(float(value), 0)


def round_to(value: float, digits: int) -> float:
    return round_half_up(float(value), digits)


def meur(value: float, decimals: int = 1) -> str:
    """Euros as millions in Finnish text: ``-140_000_000`` → ``−140,0``."""
    return fi_number(value / 1_000_000, decimals)


#: A statistical period as printed (kept under this name for the stage's modules).
period_fi = fi_period


# ---------------------------------------------------------------------------------------------
# Reading the input files


def inputs_paths(inputs_dir: Path) -> dict[str, Path]:
    """The four input files of stage 2 in ``inputs_dir`` by role."""
    return {role: Path(inputs_dir) / name for role, name in INPUT_FILES.items()}


#: The file the financial statement replaced: it had the service areas' totals without account groups.
FORMER_STATEMENT_FILE = "talous_toteuma.csv"


def read_statement(path: Path) -> tuple[list[ServiceAreaCost], list[AccountTotal]]:
    """``tilinpaatos.csv``: each service area's income statement by account group; (year, area) unique.

    Gives the service areas' operating costs (the seven cost groups) and operating income (client
    fees and other income) per year, and the region's total of every account group per year.
    """
    rows = read_rows(path, StatementRow)
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
    costs = [
        ServiceAreaCost(
            row=r.number,
            year=r.value.year,
            service_area=r.value.service_area,
            client_group=r.value.client_group if isinstance(r.value.client_group, ClientGroup) else None,
            frame_row=r.value.client_group if isinstance(r.value.client_group, FrameRow) else None,
            operating_costs=eur(sum(r.value.amount(g) for g in OPERATING_COST_GROUPS)),
            operating_income=eur(r.value.fees + r.value.other_income),
        )
        for r in rows
    ]
    totals = []
    for year in sorted({r.value.year for r in rows}):
        of_year = [r for r in rows if r.value.year == year]
        for group in AccountGroup:
            with_amount = [r.number for r in of_year if r.value.amount(group)] or [of_year[0].number]
            totals.append(
                AccountTotal(
                    year=year,
                    group=group,
                    amount_eur=eur(sum(r.value.amount(group) for r in of_year)),
                    file=path.name,
                    rows=row_ranges(with_amount),
                    first_row=with_amount[0],
                )
            )
    return costs, totals


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
            row=r.number,
            year=r.value.year,
            kind=r.value.kind,
            state_funding=eur(r.value.state_funding),
            other_income=eur(r.value.other_income) if r.value.other_income is not None else None,
            other_items=eur(r.value.other_items),
        )
        for r in sorted(rows, key=lambda r: r.value.year)
    ]


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
            check_direction(value.direction, value.baseline, value.target_value, path, row.number)
        out.append(
            TargetSpec(
                row=row.number,
                target_id=value.target_id,
                client_group=value.client_group,
                indicator=value.indicator,
                unit=value.unit,
                baseline_field=value.baseline_field,
                baseline=value.baseline,
                baseline_year=value.baseline_year,
                target_value=value.target_value,
                target_year=value.target_year,
                direction=value.direction,
                finding_field=value.finding_field or value.baseline_field,
            )
        )
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


def check_direction(direction: Direction, baseline: float, target: float, path: Path | str, row: int) -> None:
    """The direction must agree with baseline → target (a target that moves the other way is a typo)."""
    wrong = (direction is Direction.INCREASE and not target > baseline) or (
        direction is Direction.DECREASE and not target < baseline
    )
    if wrong:
        raise InputError(
            f"direction {direction.label_fi} does not agree with baseline {fi_number(baseline, 2)} → "
            f"target {fi_number(target, 2)}",
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


def _load_toml(path: Path) -> dict[str, Any]:
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
    return data


def read_assumptions(path: Path, forecast_years: Sequence[int]) -> TargetsAssumptions:
    """``talous_oletukset.toml``: frame, balance sheet, deficit rule and scenarios (``forecast_years``
    from ``talous_rahoitus.csv``: every per-year value must cover exactly those years)."""
    data = _load_toml(path)
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
    if "alijaaman_kattaminen" in data:
        # The deadline is a dated rule of the configuration, not an input of the region's finance files.
        raise InputError(
            f"the deficit-coverage deadline is a dated rule of the configuration ({COVERAGE_RULES_FILE}); "
            "remove this table",
            file=path,
            field="alijaaman_kattaminen",
        )
    measures = _measures(data, path, forecast_years)
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
        growth = _per_year(
            _get(data, f"{base}.kustannusten_kasvu_pros", path), f"{base}.kustannusten_kasvu_pros", path, forecast_years
        )
        savings_raw = spec.get("saastot_eur", 0)
        savings = _per_year(savings_raw, f"{base}.saastot_eur", path, forecast_years)
        adjustment = _number(spec.get("rahoituksen_muutos_pros", 0.0), f"{base}.rahoituksen_muutos_pros", path)
        scenarios.append(
            ScenarioAssumptions(
                key=str(key),
                name=_text(spec.get("nimi", str(key)), f"{base}.nimi", path),
                description=str(spec.get("kuvaus", "")).strip(),
                funding_adjustment_pct=round_to(adjustment, 4),
                years=[
                    ScenarioYear(year=y, cost_growth_pct=round_to(growth[y], 4), savings_eur=eur(savings[y]))
                    for y in forecast_years
                ],
            )
        )
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
        need_weight=round_to(weight, 4),
        balance_year=_integer(_get(data, "tase.vuosi", path), "tase.vuosi", path),
        opening_accumulated_eur=eur(
            _number(_get(data, "tase.kertynyt_yli_alijaama_eur", path), "tase.kertynyt_yli_alijaama_eur", path)
        ),
        # A placeholder until read_targets_inputs applies the configuration's dated rule.
        coverage=CoverageRule(period_years=0, legal_basis=""),
        scenarios=scenarios,
        measures=measures,
    )


def _measures(data: Mapping[str, Any], path: Path, forecast_years: Sequence[int]) -> list[CoverageMeasure]:
    """[toimenpiteet.<key>]: nimi and vaikutus_eur (a cost reduction per forecast year, ≥ 0)."""
    raw = data.get("toimenpiteet", {})
    if not isinstance(raw, Mapping):
        raise InputError("expected a table of measures", file=path, field="toimenpiteet")
    out = []
    for key, spec in raw.items():
        base = f"toimenpiteet.{key}"
        if not isinstance(spec, Mapping):
            raise InputError("expected a table", file=path, field=base)
        unknown = set(spec) - {"nimi", "vaikutus_eur"}
        if unknown:
            raise InputError(f"unknown key {sorted(unknown)[0]!r}", file=path, field=f"{base}.{sorted(unknown)[0]}")
        effects = spec.get("vaikutus_eur")
        if not isinstance(effects, Mapping) or not effects:
            raise InputError(
                "give the effect per year, e.g. { 2026 = 10_000_000 }", file=path, field=f"{base}.vaikutus_eur"
            )
        years = []
        for year_text, value in effects.items():
            field = f"{base}.vaikutus_eur.{year_text}"
            year = int(year_text) if str(year_text).isdigit() else None
            if year not in forecast_years:
                raise InputError(
                    f"{year_text!r} is not a forecast year ({forecast_years[0]}–{forecast_years[-1]})",
                    file=path,
                    field=field,
                )
            amount = _number(value, field, path)
            if amount < 0:
                raise InputError("a measure's effect is a cost reduction (≥ 0)", file=path, field=field)
            years.append(MeasureYear(year=year, eur=eur(amount)))
        out.append(
            CoverageMeasure(
                key=str(key),
                name=_text(spec.get("nimi"), f"{base}.nimi", path),
                effects=sorted(years, key=lambda y: y.year),
            )
        )
    return out


def read_coverage_rule(path: Path, region_code: str | None, balance_year: int) -> CoverageRule:
    """The deficit-coverage deadline for the balance sheet of ``balance_year``: the region's own
    entry covering that year, else the general rule (``data/config/rules/deficit_coverage.toml``)."""
    data = _load_toml(path)
    entries: list[tuple[str, Mapping[str, Any]]] = []
    regions = data.get("regions", {})
    if region_code and isinstance(regions, Mapping):
        entries += [(f"regions.{region_code}[{i}]", e) for i, e in enumerate(regions.get(region_code, []))]
    entries += [(f"general[{i}]", e) for i, e in enumerate(data.get("general", []))]
    for field, entry in entries:
        if not isinstance(entry, Mapping):
            raise InputError("expected a table", file=path, field=field)
        span = entry.get("balance_years")
        if not (
            isinstance(span, list) and len(span) == 2 and all(isinstance(y, int) for y in span) and span[0] <= span[1]
        ):
            raise InputError("balance_years must be [first, last] years", file=path, field=f"{field}.balance_years")
        if not span[0] <= balance_year <= span[1]:
            continue
        basis = _text(entry.get("basis"), f"{field}.basis", path)
        if "deadline_year" in entry:
            deadline = _integer(entry["deadline_year"], f"{field}.deadline_year", path)
        else:
            deadline = balance_year + _integer(entry.get("years_after_balance"), f"{field}.years_after_balance", path)
        if deadline <= balance_year:
            raise InputError(
                f"the deadline {deadline} must be after the balance-sheet year {balance_year}",
                file=path,
                field=f"{field}.deadline_year",
            )
        return CoverageRule(period_years=deadline - balance_year, legal_basis=basis, source=f"{path.name}: {field}")
    raise InputError(f"no rule covers the balance-sheet year {balance_year}", file=path, field="general")


_POPULATIONS = ("all", "age_0_14", "age_15_64", "age_65_plus", "age_15_plus")


def read_allocation_rules(path: Path, plan_years: Sequence[int]) -> AllocationRules:
    """``data/config/rules/frame_allocation.toml``: each client group's need measure and the phase-in.

    ``plan_years`` are the financial plan's years (the budget year first): the phase-in's years when
    the file gives none (``phase_in.years`` absent or 0).
    """
    data = _load_toml(path)
    groups_raw = data.get("groups")
    if not isinstance(groups_raw, Mapping):
        raise InputError("a [groups.<client group>] table per client group is needed", file=path, field="groups")
    groups: dict[ClientGroup, GroupNeedRule] = {}
    for key, spec in groups_raw.items():
        base = f"groups.{key}"
        try:
            group = ClientGroup(key)
        except ValueError:
            raise InputError(f"unknown client group {key!r}", file=path, field=base) from None
        if not isinstance(spec, Mapping):
            raise InputError("expected a table", file=path, field=base)
        population = spec.get("population")
        if population not in _POPULATIONS:
            raise InputError(
                f"population must be one of {', '.join(_POPULATIONS)}, got {population!r}",
                file=path,
                field=f"{base}.population",
            )
        factors = []
        for i, factor in enumerate(spec.get("factors", [])):
            where = f"{base}.factors[{i}]"
            name = factor.get("field") if isinstance(factor, Mapping) else None
            if name not in STAGE1_FIELDS:
                raise InputError(f"{name!r} is not a stage-1 need-profile field", file=path, field=f"{where}.field")
            weight = _number(factor.get("weight"), f"{where}.weight", path)
            if not 0 <= weight <= 1:
                raise InputError("a weight is between 0 and 1", file=path, field=f"{where}.weight")
            factors.append(NeedFactor(field=str(name), weight=weight))
        if sum(f.weight for f in factors) > 1:
            raise InputError("the factors' weights sum to more than 1", file=path, field=f"{base}.factors")
        groups[group] = GroupNeedRule(
            population=population,
            population_label=_text(spec.get("population_label"), f"{base}.population_label", path),
            factors=factors,
            measures=_text(spec.get("measures"), f"{base}.measures", path),
            does_not_measure=_text(spec.get("does_not_measure"), f"{base}.does_not_measure", path),
        )
    missing = [g.value for g in ClientGroup if g not in groups]
    if missing:
        raise InputError(f"no need measure for {', '.join(missing)}", file=path, field="groups")
    phase = data.get("phase_in", {})
    if not isinstance(phase, Mapping):
        raise InputError("expected a table", file=path, field="phase_in")
    years = _integer(phase.get("years", 0), "phase_in.years", path)
    if years < 0:
        raise InputError("years is 0 (the plan's years) or more", file=path, field="phase_in.years")
    if years == 0:
        years = len(plan_years)
    span = f"{plan_years[0]}–{plan_years[0] + years - 1}" if years > 1 else str(plan_years[0])
    cap = _number(phase.get("max_change_pct", 0.0), "phase_in.max_change_pct", path)
    if cap < 0:
        raise InputError("max_change_pct must not be negative", file=path, field="phase_in.max_change_pct")
    no_cut = phase.get("no_nominal_cut", True)
    if not isinstance(no_cut, bool):
        raise InputError("expected true or false", file=path, field="phase_in.no_nominal_cut")
    return AllocationRules(
        groups=groups,
        phase_years=years,
        plan_span=span,
        max_change_pct=round_to(cap, 4),
        no_nominal_cut=no_cut,
        source=path.name,
    )


def check_planning_years(
    frame_year: int, forecast_years: Sequence[int], planning: PlanningYears, paths: Mapping[str, Path]
) -> None:
    """The frame is the budget year the cycle prepares, and the forecast covers the financial plan.

    Cycle *N* prepares the budget of *N + 1* and the financial plan *N + 1 … N + 3*
    (hyvinvointialuelaki 611/2021 115 § 1 mom.; the offset is the region's ``[planning]``
    configuration): a frame for another year is a wrong file, not a choice.
    """
    if frame_year != planning.budget_year:
        raise InputError(
            f"the frame year {frame_year} is not the budget year {planning.budget_year} that cycle "
            f"{planning.cycle} prepares (budget {planning.budget_year}, financial plan {planning.plan_span}; "
            "[planning] in the region configuration)",
            file=paths["oletukset"],
            field="kehys.kehysvuosi",
        )
    if not forecast_years or planning.plan_last_year > forecast_years[-1]:
        last = forecast_years[-1] if forecast_years else None
        raise InputError(
            f"the financial plan {planning.plan_span} needs forecast years up to {planning.plan_last_year}; "
            f"the last forecast year is {last}: extend the forecast",
            file=paths["rahoitus"],
            field="vuosi",
        )


def read_targets_inputs(
    inputs_dir: Path,
    *,
    rules: Path | None = None,
    region_code: str | None = None,
    planning: PlanningYears | None = None,
    allocation_rules: Path | None = None,
) -> TargetsInputs:
    """Read and check the four input files of stage 2, each on its own and against the others.

    Raises :class:`InputError` naming file, row and field: a missing file or column, a wrong
    type, an empty file, an unknown client group, a duplicate id, years that do not line up, a
    frame year other than the budget year of ``planning`` (the round's planning years).
    """
    paths = inputs_paths(inputs_dir)
    for role, path in paths.items():
        if not path.is_file():
            former = Path(inputs_dir) / FORMER_STATEMENT_FILE
            if role == "tilinpaatos" and former.is_file():
                raise InputError(
                    f"{FORMER_STATEMENT_FILE} is replaced by {path.name}: the financial statement by service area "
                    "and account group, which stages 2 and 4 both read (format in data/examples/HVA08/README.md)",
                    file=former,
                )
            raise InputError(f"stage-2 input file ({role}) not found", file=path)
    costs, statement = read_statement(paths["tilinpaatos"])
    funding = read_funding(paths["rahoitus"])
    actual_years = sorted({c.year for c in costs})
    base_year = actual_years[-1]
    # Every client group must have costs in the base year: its current share is the basis of the frame.
    base_groups = {c.client_group for c in costs if c.year == base_year and c.client_group is not None}
    for group in ClientGroup:
        if group not in base_groups:
            raise InputError(
                f"no service area of {group.label_fi} ({group.value}) in the base year {base_year}",
                file=paths["tilinpaatos"],
                field="asiakasryhmä",
            )
    funded_actual = [f for f in funding if f.kind == "toteuma"]
    for f in funded_actual:
        if f.year not in actual_years:
            raise InputError(
                f"{f.year} is an actual year here but has no rows in {paths['tilinpaatos'].name}",
                file=paths["rahoitus"],
                row=f.row,
                field="vuosi",
            )
        depreciation = next(t for t in statement if t.year == f.year and t.group is AccountGroup.DEPRECIATION)
        if depreciation.amount_eur > f.other_items + EURO_TOLERANCE:
            raise InputError(
                f"depreciation and financial items {fi_number(f.other_items, 0)} € are less than the depreciation "
                f"{fi_number(depreciation.amount_eur, 0)} € of {paths['tilinpaatos'].name} in {f.year} "
                f"(rows {depreciation.rows}); the financial statement and the funding file disagree",
                file=paths["rahoitus"],
                row=f.row,
                field="poistot_ja_rahoituserät",
            )
        if f.other_income is not None:
            income = sum(c.operating_income for c in costs if c.year == f.year)
            if abs(income - f.other_income) > EURO_TOLERANCE:
                raise InputError(
                    f"other income {fi_number(f.other_income, 0)} € does not equal the operating income "
                    f"{fi_number(income, 0)} € of {paths['tilinpaatos'].name} in {f.year}; leave it empty or correct it",
                    file=paths["rahoitus"],
                    row=f.row,
                    field="muut_tuotot",
                )
    for year in actual_years:
        if year not in {f.year for f in funded_actual}:
            raise InputError(
                f"the actual year {year} of {paths['tilinpaatos'].name} has no toteuma row",
                file=paths["rahoitus"],
                field="vuosi",
            )
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
    if planning is not None:
        check_planning_years(assumptions.frame_year, forecast_years, planning, paths)
    if assumptions.frame_year not in forecast_years:
        raise InputError(
            f"the frame year must be a forecast year ({forecast_years[0]}–{forecast_years[-1]})",
            file=oletukset,
            field="kehys.kehysvuosi",
        )
    rules_path = rules if rules is not None else get_settings().input_dir / COVERAGE_RULES_FILE
    coverage = read_coverage_rule(rules_path, region_code, base_year)
    assumptions = assumptions.model_copy(update={"coverage": coverage})
    deadline = base_year + coverage.period_years
    if deadline > forecast_years[-1]:
        raise InputError(
            f"the deficit must be covered by the end of {deadline} ({coverage.source}), after the last "
            f"forecast year {forecast_years[-1]}: extend the forecast",
            file=paths["rahoitus"],
            field="vuosi",
        )
    targets = read_target_specs(paths["tavoitteet"])
    # The phase-in runs over the financial plan (the round's planning years; without them the
    # forecast years from the frame year on).
    plan_years = (
        planning.plan_years if planning is not None else [y for y in forecast_years if y >= assumptions.frame_year]
    )
    allocation_path = (
        allocation_rules if allocation_rules is not None else get_settings().input_dir / ALLOCATION_RULES_FILE
    )
    return TargetsInputs(
        files={role: str(path) for role, path in paths.items()},
        costs=costs,
        statement=statement,
        funding=funding,
        assumptions=assumptions,
        targets=targets,
        allocation=read_allocation_rules(allocation_path, plan_years),
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
        update["need_weight"] = round_to(need_weight, 4)
    if not update:
        return inputs
    return inputs.model_copy(update={"assumptions": assumptions.model_copy(update=update)})


# ---------------------------------------------------------------------------------------------
