"""Stage 5a inputs: the contracts register, the work split, the procurement parameters, the award
criteria and bids, the contract terms and the dated procurement rules, read and checked.

Formats in ``data/examples/HVA08/README.md``. Every problem is an :class:`InputError` naming the
file, row and field: an unknown service, a contract that ends before it starts, a bid for a lot
that does not exist, quality points out of range, a negative price, weights that do not sum to
100 %, a rules file without a rule for a procurement's date.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas.procurement import (
    BidRow,
    CategoryRow,
    CompensationKind,
    ContractPolicy,
    ContractRow,
    CriterionRow,
    LotBasis,
    PlanningRow,
    ProcurementInputs,
    ProcurementRules,
    ThresholdRule,
    TimelineRule,
)
from soteflow.data.tabular import RawTable, normalise, read_table, validate_rows
from soteflow.data.tomlfile import model_error, read_toml
from soteflow.errors import InputError
from soteflow.settings import PROJECT_ROOT

CONTRACTS_FILE = "sopimukset.csv"
CATEGORIES_FILE = "hankintaluokat.csv"
PLANNING_FILE = "hankintakohteet.csv"
CRITERIA_FILE = "vertailuperusteet.csv"
BIDS_FILE = "tarjoukset.csv"
POLICY_FILE = "sopimusehdot.toml"
RULES_FILE = Path("config") / "rules" / "procurement.toml"
#: The criterion name that means the price in ``vertailuperusteet.csv``.
PRICE = "hinta"
#: Weights of a procurement's criteria must sum to 100 %, up to this rounding.
WEIGHT_TOLERANCE_PP = 0.01


def read_rules(path: Path) -> ProcurementRules:
    """The dated rules file: thresholds and timelines by period, VAT rates."""
    raw = read_toml(path)
    try:
        thresholds = [ThresholdRule.model_validate(t) for t in raw.get("thresholds", [])]
        timelines = [TimelineRule.model_validate(t) for t in raw.get("timelines", [])]
        rules = ProcurementRules(
            thresholds=thresholds, timelines=timelines, vat_rates=raw.get("vat_rates", {}), source_file=str(path)
        )
    except ValidationError as exc:
        raise model_error(exc, path) from None
    spans = {
        "thresholds": [(r.valid_from, r.valid_to) for r in rules.thresholds],
        "timelines": [(r.valid_from, r.valid_to) for r in rules.timelines],
    }
    for kind, periods in spans.items():
        for (start, end), (next_start, next_end) in itertools.pairwise(sorted(periods)):
            if next_start <= end:
                raise InputError(f"periods overlap: {start}–{end} and {next_start}–{next_end}", file=path, field=kind)
    return rules


def threshold_rule(rules: ProcurementRules, day: dt.date) -> ThresholdRule:
    """The threshold rule valid on ``day`` (an :class:`InputError` naming the rules file if none)."""
    for rule in rules.thresholds:
        if rule.valid_from <= day <= rule.valid_to:
            return rule
    covered = ", ".join(f"{r.valid_from}–{r.valid_to}" for r in rules.thresholds)
    raise InputError(
        f"no threshold rule for {day.isoformat()} (the file covers {covered})",
        file=rules.source_file,
        field="thresholds",
    )


def timeline_rule(rules: ProcurementRules, day: dt.date) -> TimelineRule:
    """The timeline rule valid on ``day`` (an :class:`InputError` naming the rules file if none)."""
    for rule in rules.timelines:
        if rule.valid_from <= day <= rule.valid_to:
            return rule
    covered = ", ".join(f"{r.valid_from}–{r.valid_to}" for r in rules.timelines)
    raise InputError(
        f"no timeline rule for {day.isoformat()} (the file covers {covered})", file=rules.source_file, field="timelines"
    )


def read_policy(path: Path) -> ContractPolicy:
    """The region's contract terms (``sopimusehdot.toml``): reporting, KPIs by service, sanctions."""
    raw = read_toml(path)
    try:
        return ContractPolicy.model_validate({**raw, "source_file": str(path)})
    except ValidationError as exc:
        raise model_error(exc, path) from None


def _table(path: Path) -> RawTable:
    if not path.is_file():
        raise InputError("the input file does not exist", file=path)
    return read_table(path)


def _check_contracts(path: Path, rows: Sequence[Any]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        value = row.value
        if value.contract_id in seen:
            raise InputError(
                f"contract {value.contract_id!r} appears twice (first on row {seen[value.contract_id]})",
                file=path,
                row=row.number,
                field="sopimus_id",
            )
        seen[value.contract_id] = row.number
        if value.end < value.start:
            raise InputError(
                f"the contract ends ({value.end.isoformat()}) before it starts ({value.start.isoformat()})",
                file=path,
                row=row.number,
                field="päättyy",
            )
        if not math.isfinite(value.annual_value):
            raise InputError("not a finite number", file=path, row=row.number, field="vuosiarvo €")


def _check_services(
    path: Path, rows: Sequence[Any], services: Collection[str] | None, column: str = "palvelu_id"
) -> None:
    if services is None:
        return
    for row in rows:
        if row.value.service_id not in services:
            raise InputError(
                f"unknown service {row.value.service_id!r}: not one of the plan's services ({', '.join(sorted(services))})",
                file=path,
                row=row.number,
                field=column,
            )


def _check_planning(path: Path, rows: Sequence[Any]) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        value: PlanningRow = row.value
        for key, field in ((value.service_id, "palvelu_id"), (value.procurement_id, "hankinta_id")):
            if key in seen:
                raise InputError(
                    f"{key!r} appears twice (first on row {seen[key]})", file=path, row=row.number, field=field
                )
            seen[key] = row.number
        if value.lot_basis is LotBasis.NONE and not value.no_lots_reason:
            raise InputError(
                "a procurement that is not divided into lots needs its reason (hankintalaki 75 §)",
                file=path,
                row=row.number,
                field="jakamatta_peruste",
            )
        if value.lot_basis is LotBasis.AREA:
            area_shares(value.areas, path=path, row=row.number)
        _check_compensation(path, row.number, value)


#: The columns each compensation model needs; a column of another model must be left empty.
_COMPENSATION_COLUMNS: dict[CompensationKind, tuple[str, ...]] = {
    CompensationKind.UNIT_PRICE: (),
    CompensationKind.CAPITATION: ("asiakkaat",),
    CompensationKind.INCENTIVE: ("kannustin %", "odotettu tavoitetaso %"),
}


def _check_compensation(path: Path, number: int, value: PlanningRow) -> None:
    given = {
        "asiakkaat": value.clients if value.clients else None,
        "kannustin %": value.incentive_pct if "incentive_pct" in value.model_fields_set else None,
        "odotettu tavoitetaso %": (
            value.expected_attainment_pct if "expected_attainment_pct" in value.model_fields_set else None
        ),
    }
    needed = _COMPENSATION_COLUMNS[value.compensation]
    for column in needed:
        if given[column] is None:
            raise InputError(
                f"korvausmalli {value.compensation.label_fi!r} needs this value", file=path, row=number, field=column
            )
        if given[column] == 0 and column != "odotettu tavoitetaso %":
            raise InputError(
                f"must be positive for korvausmalli {value.compensation.label_fi!r}",
                file=path,
                row=number,
                field=column,
            )
    for column, cell in given.items():
        if column not in needed and cell is not None:
            raise InputError(
                f"only for another korvausmalli: leave empty for {value.compensation.label_fi!r}",
                file=path,
                row=number,
                field=column,
            )


def area_shares(text: str | None, *, path: Path | str, row: int) -> list[tuple[str, float]]:
    """``"Tampere:50 Etelä-Pirkanmaa:20 …"`` → areas with their shares (0–1); they must sum to 100 %."""
    if not text:
        raise InputError(
            "lots by area need the areas with their shares, e.g. 'Tampere:60 Muut:40'",
            file=path,
            row=row,
            field="alueet",
        )
    out: list[tuple[str, float]] = []
    for item in text.split():
        name, sep, share = item.rpartition(":")
        try:
            value = float(share.replace(",", "."))
        except ValueError:
            value = math.nan
        if not sep or not name or not math.isfinite(value) or value <= 0:
            raise InputError(
                f"{item!r}: write AREA:SHARE with a positive share in %", file=path, row=row, field="alueet"
            )
        out.append((name, value / 100))
    total = sum(s for _, s in out)
    if abs(total - 1) > 0.005:
        raise InputError(f"the area shares sum to {total * 100:.1f} %, not 100 %", file=path, row=row, field="alueet")
    return out


def _check_criteria(path: Path, rows: Sequence[Any], planned: Collection[str]) -> None:
    totals: dict[str, float] = {}
    last_row: dict[str, int] = {}
    seen: set[tuple[str, str]] = set()
    for row in rows:
        value: CriterionRow = row.value
        if value.procurement_id not in planned:
            raise InputError(
                f"unknown procurement {value.procurement_id!r} (not in {PLANNING_FILE})",
                file=path,
                row=row.number,
                field="hankinta_id",
            )
        key = (value.procurement_id, value.criterion.lower())
        if key in seen:
            raise InputError(f"criterion {value.criterion!r} appears twice", file=path, row=row.number, field="peruste")
        seen.add(key)
        totals[value.procurement_id] = totals.get(value.procurement_id, 0.0) + value.weight_pct
        last_row[value.procurement_id] = row.number
    for procurement, total in totals.items():
        if abs(total - 100) > WEIGHT_TOLERANCE_PP:
            raise InputError(
                f"the weights of {procurement} sum to {total:g} %, not 100 %",
                file=path,
                row=last_row[procurement],
                field="paino %",
            )
        if (procurement, PRICE) not in seen:
            raise InputError(
                f"{procurement} has no price criterion ('{PRICE}')",
                file=path,
                row=last_row[procurement],
                field="peruste",
            )


def _bid_points(path: Path, table: RawTable, rows: Sequence[Any], criteria: Sequence[CriterionRow]) -> list[BidRow]:
    """Each bid with its quality points read from the criterion's column (range-checked)."""
    by_procurement: dict[str, list[CriterionRow]] = {}
    for criterion in criteria:
        by_procurement.setdefault(criterion.procurement_id, []).append(criterion)
    header = {normalise(h): h for h in table.header if h}
    bids = []
    seen: dict[tuple[str, str, str], int] = {}
    for row, raw in zip(rows, table.rows, strict=True):
        bid: BidRow = row.value
        key = (bid.procurement_id, bid.lot_id, bid.bidder.casefold())
        if key in seen:
            raise InputError(
                f"{bid.bidder!r} bids twice for lot {bid.lot_id} of {bid.procurement_id} (first on row {seen[key]})",
                file=path,
                row=row.number,
                field="tarjoaja",
            )
        seen[key] = row.number
        if bid.procurement_id not in by_procurement:
            raise InputError(
                f"no award criteria for {bid.procurement_id!r} in {CRITERIA_FILE}",
                file=path,
                row=row.number,
                field="hankinta_id",
            )
        points: dict[str, float] = {}
        for criterion in by_procurement[bid.procurement_id]:
            if criterion.criterion.lower() == PRICE:
                continue
            column = normalise(criterion.criterion)
            if column not in header:
                raise InputError(
                    f"no column for the criterion {criterion.criterion!r} of {bid.procurement_id}",
                    file=path,
                    row=table.rows[0].number - 1 if table.sheet is None else None,  # the header
                    field=criterion.criterion,
                )
            cell = raw.values.get(column)
            try:
                value = float(str(cell).replace(",", ".").replace("\u00a0", "").strip())
            except ValueError:
                value = math.nan
            if cell is None or not math.isfinite(value):
                raise InputError(f"{cell!r} is not a number of points", file=path, row=row.number, field=header[column])
            if not 0 <= value <= criterion.max_points:
                raise InputError(
                    f"{cell} points: out of range 0–{criterion.max_points:g}",
                    file=path,
                    row=row.number,
                    field=header[column],
                )
            points[criterion.criterion] = value
        bids.append(bid.model_copy(update={"points": points}))
    return bids


def is_example_folder(folder: Path) -> bool:
    """Whether ``folder`` is one of the shipped example folders (``data/examples/<REGION>``): the
    documents then say that their figures are example data."""
    return folder.resolve().is_relative_to((PROJECT_ROOT / "data" / "examples").resolve())


def read_procurement_inputs(inputs_dir: Path, rules_path: Path, services: Collection[str] | None) -> ProcurementInputs:
    """Read and check every stage-5a file against each other and against the plan's ``services``
    (None: the services are not known yet, as in a cycle's precheck)."""
    files = {
        "contracts": inputs_dir / CONTRACTS_FILE,
        "categories": inputs_dir / CATEGORIES_FILE,
        "planning": inputs_dir / PLANNING_FILE,
        "criteria": inputs_dir / CRITERIA_FILE,
        "bids": inputs_dir / BIDS_FILE,
        "policy": inputs_dir / POLICY_FILE,
        "rules": rules_path,
    }
    contracts = validate_rows(_table(files["contracts"]), ContractRow)
    _check_contracts(files["contracts"], contracts)
    _check_services(files["contracts"], contracts, services)
    categories = validate_rows(_table(files["categories"]), CategoryRow, optional_columns=("palvelut",))
    planning = validate_rows(
        _table(files["planning"]),
        PlanningRow,
        optional_columns=(
            "alueet",
            "jakamatta_peruste",
            "suorahankinnan_peruste",
            "asiakkaat",
            "kannustin %",
            "odotettu tavoitetaso %",
            "optiot_v",
        ),
    )
    _check_services(files["planning"], planning, services)
    _check_planning(files["planning"], planning)
    categorised: dict[str, int] = {}
    category_ids: dict[str, int] = {}
    for category in categories:
        if category.value.category_id in category_ids:
            raise InputError(
                f"category {category.value.category_id!r} appears twice (first on row "
                f"{category_ids[category.value.category_id]})",
                file=files["categories"],
                row=category.number,
                field="luokka_id",
            )
        category_ids[category.value.category_id] = category.number
        for service in (category.value.services or "").split():
            if service in categorised:
                raise InputError(
                    f"{service!r} is already in the category on row {categorised[service]}: a service belongs to one",
                    file=files["categories"],
                    row=category.number,
                    field="palvelut",
                )
            categorised[service] = category.number
    for category in categories:
        for service in (category.value.services or "").split():
            if services is not None and service not in services:
                raise InputError(
                    f"unknown service {service!r}", file=files["categories"], row=category.number, field="palvelut"
                )
    for item in planning:
        if item.value.service_id not in categorised:
            raise InputError(
                f"{item.value.service_id!r} is in no procurement category of {CATEGORIES_FILE}",
                file=files["planning"],
                row=item.number,
                field="palvelu_id",
            )
    planned = {row.value.procurement_id for row in planning}
    criteria_rows: list[Any] = []
    bid_rows: list[Any] = []
    bids: list[BidRow] = []
    if files["criteria"].is_file() or files["bids"].is_file():
        criteria_rows = validate_rows(_table(files["criteria"]), CriterionRow, optional_columns=("enimmäispisteet",))
        _check_criteria(files["criteria"], criteria_rows, planned)
        bid_table = _table(files["bids"])
        bid_rows = validate_rows(bid_table, BidRow)
        bids = _bid_points(files["bids"], bid_table, bid_rows, [r.value for r in criteria_rows])
    policy = read_policy(files["policy"])
    for service in policy.kpis:
        if service != "*" and services is not None and service not in services:
            raise InputError(
                f"KPIs for an unknown service {service!r} (use '*' or one of {', '.join(sorted(services))})",
                file=files["policy"],
                field=f"kpis.{service}",
            )
    rules = read_rules(files["rules"])
    return ProcurementInputs(
        contracts=[r.value for r in contracts],
        contract_rows=[r.number for r in contracts],
        categories=[r.value for r in categories],
        planning=[r.value for r in planning],
        planning_rows=[r.number for r in planning],
        criteria=[r.value for r in criteria_rows],
        bids=bids,
        bid_rows=[r.number for r in bid_rows],
        policy=policy,
        rules=rules,
        files={k: str(v) for k, v in files.items() if v.is_file()},
        example_data=is_example_folder(inputs_dir),
    )
