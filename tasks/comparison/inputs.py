"""Stage 4 inputs: read and validate the own-production costs (.xlsx or CSV), the purchased
services, the quality and availability scores and the personnel, as users keep them.

Pure functions, no Prefect. Every row keeps its origin (file, sheet, row number as numbered in the
file) so each computed figure can name the rows it came from. Every problem is an
:class:`~soteflow.errors.InputError` naming the file, sheet, row and column; nothing is stored when
input is bad (the flow reads everything before it writes anything).

Own-production costs come in one of two forms (documented in data/examples/HVA08/README.md):

* ``oma_tuotanto.xlsx`` with the sheets ``Kustannukset``, ``Tukipalvelut`` and ``Tuloslaskelma``;
* the same three tables as CSV files ``oma_tuotanto_kustannukset.csv``,
  ``oma_tuotanto_tukipalvelut.csv`` and ``oma_tuotanto_tuloslaskelma.csv`` (``;``, decimal comma,
  UTF-8 or cp1252 — Excel's "CSV (semicolon separated)" on Finnish Windows).

The workbook is used when it exists; otherwise the three CSV files are.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable, Collection, Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from schemas.accounts import AccountGroup, AccountTotal
from schemas.chains import ProductionMode
from schemas.comparison import (
    CRITERIA,
    ORGANISER,
    OTHER,
    AllocationKeyLine,
    AllocationKeyRow,
    ComparisonInputs,
    ComparisonParams,
    CostGroup,
    IncomeStatementLine,
    IncomeStatementRow,
    OwnCostLine,
    OwnCostRow,
    PersonnelLine,
    PersonnelRow,
    PurchaseLine,
    PurchaseRow,
    QualityLine,
    QualityRow,
    SourceFile,
    VatTreatment,
)
from soteflow.data.tabular import RawTable, Row, read_table, row_ranges, sheet_names, validate_rows
from soteflow.errors import InputError

M = TypeVar("M", bound=BaseModel)

OWN_XLSX = "oma_tuotanto.xlsx"
COST_SHEET = "Kustannukset"
KEY_SHEET = "Tukipalvelut"
INCOME_SHEET = "Tuloslaskelma"
#: The CSV form of the workbook: one file per sheet.
OWN_CSV = {
    COST_SHEET: "oma_tuotanto_kustannukset.csv",
    KEY_SHEET: "oma_tuotanto_tukipalvelut.csv",
    INCOME_SHEET: "oma_tuotanto_tuloslaskelma.csv",
}
PURCHASES_CSV = "ostopalvelut.csv"
QUALITY_CSV = "laatu_saatavuus.csv"
PERSONNEL_CSV = "henkilosto.csv"

#: The cost sheet's column of each account group (the field alias of :class:`OwnCostRow`).
GROUP_COLUMNS: dict[CostGroup, str] = {group: str(OwnCostRow.model_fields[group.value].alias) for group in CostGroup}

_ROLES = {
    COST_SHEET: "Oman tuotannon kustannukset kustannuspaikoittain ja palvelutuotteittain",
    KEY_SHEET: "Tukipalvelujen ja hallinnon jakoperusteet",
    INCOME_SHEET: "Tuloslaskelman tiliryhmät (täsmäytys)",
    PURCHASES_CSV: "Ostopalvelut ja palvelusetelit tuottajittain",
    QUALITY_CSV: "Laatu- ja saatavuustiedot ja pisteet tuotantotavoittain",
    PERSONNEL_CSV: "Oman tuotannon henkilöstö ammattiryhmittäin",
}


#: The own-production tables every folder must have; the income statement is optional (stage 4
#: takes it from the approved stage 2's financial statement when it is not given).
_REQUIRED_SHEETS = (COST_SHEET, KEY_SHEET)


def own_costs_form(inputs_dir: Path) -> str:
    """``"xlsx"`` when ``oma_tuotanto.xlsx`` exists, else ``"csv"`` when the cost and key CSV files do.

    Raises :class:`InputError` naming what is missing when neither form is complete.
    """
    if (inputs_dir / OWN_XLSX).is_file():
        return "xlsx"
    required = [OWN_CSV[sheet] for sheet in _REQUIRED_SHEETS]
    missing = [name for name in required if not (inputs_dir / name).is_file()]
    if not missing:
        return "csv"
    raise InputError(
        f"own-production costs not found: give {OWN_XLSX} (sheets {COST_SHEET}, {KEY_SHEET}) "
        f"or the CSV files {', '.join(required)} (missing: {', '.join(missing)})",
        file=inputs_dir / OWN_XLSX,
    )


def own_cost_paths(inputs_dir: Path) -> dict[str, Path]:
    """The file of each own-production table (by sheet name) in the form the folder holds; the
    income statement only when the folder gives it (its sheet in the workbook, or its CSV file)."""
    if own_costs_form(inputs_dir) == "xlsx":
        workbook = inputs_dir / OWN_XLSX
        sheets = [*_REQUIRED_SHEETS, *([INCOME_SHEET] if INCOME_SHEET in sheet_names(workbook) else [])]
        return {sheet: workbook for sheet in sheets}
    return {sheet: inputs_dir / name for sheet, name in OWN_CSV.items() if (inputs_dir / name).is_file()}


def input_files(inputs_dir: Path) -> list[Path]:
    """Every file stage 4 reads from ``inputs_dir`` (for source snapshots and cache keys)."""
    own = sorted(set(own_cost_paths(inputs_dir).values()))
    return [*own, inputs_dir / PURCHASES_CSV, inputs_dir / QUALITY_CSV, inputs_dir / PERSONNEL_CSV]


# -- reading ---------------------------------------------------------------------------------------


def _read(path: Path, model: type[M], sheet: str | None) -> tuple[RawTable, list[Row[M]]]:
    table = read_table(path, sheet=sheet if path.suffix.lower() == ".xlsx" else None)
    return table, validate_rows(table, model)


def _error(table: RawTable, reason: str, *, row: int | None = None, field: str | None = None) -> InputError:
    return InputError(reason, file=table.file, sheet=table.sheet, row=row, field=field)


def _unique(table: RawTable, rows: Sequence[Row[M]], key: Callable[[M], Any], what: str, field: str) -> None:
    seen: dict[Any, int] = {}
    for row in rows:
        value = key(row.value)
        if value in seen:
            raise _error(table, f"duplicate {what} {value!r} (first on row {seen[value]})", row=row.number, field=field)
        seen[value] = row.number


def _hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _source_file(path: Path, role: str, table: RawTable | None, sheets: list[str] | None = None) -> SourceFile:
    return SourceFile(
        file=path.name,
        role=role,
        sha256=_hash(path),
        encoding=table.encoding if table is not None else None,
        sheets=sheets or [],
    )


def read_comparison_inputs(
    inputs_dir: str | Path, statement: Sequence[AccountTotal] = (), statement_source: str | None = None
) -> ComparisonInputs:
    """Read and validate every stage-4 input file of ``inputs_dir`` (no catalogue check).

    Checks each row (types, ranges, required cells), duplicates, and how the tables fit together:
    one accounting year; every account group once in the income statement; the pool columns of
    an allocation key agree; every key recipient is a service with cost rows, ``JÄRJESTÄJÄ`` or
    ``MUU``; every pool has cost rows and no client fees; every service has a unit and a volume;
    purchased units match own units; quality scores exist for exactly the modes with cost data;
    own-production services have personnel rows. The numeric checks (keys summing to 100 %,
    reconciliation to the income statement) are in :mod:`tasks.comparison.analysis`, which has the
    tolerances.

    The income statement by account group is the folder's own (the ``Tuloslaskelma`` sheet or its
    CSV file) when given, else ``statement``: the approved stage 2's financial statement
    (``statement_source`` names it), the year of the cost rows.
    """
    root = Path(inputs_dir)
    form = own_costs_form(root)
    paths = own_cost_paths(root)
    cost_table, cost_rows = _read(paths[COST_SHEET], OwnCostRow, COST_SHEET)
    key_table, key_rows = _read(paths[KEY_SHEET], AllocationKeyRow, KEY_SHEET)
    purchase_table, purchase_rows = _read(root / PURCHASES_CSV, PurchaseRow, None)
    quality_table, quality_rows = _read(root / QUALITY_CSV, QualityRow, None)
    personnel_table, personnel_rows = _read(root / PERSONNEL_CSV, PersonnelRow, None)

    def lines(table: RawTable, rows: Sequence[Row[Any]], cls: Any) -> list[Any]:
        return [cls(file=table.file.name, sheet=table.sheet, row=r.number, data=r.value) for r in rows]

    year = cost_rows[0].value.year
    own_tables = [(COST_SHEET, cost_table), (KEY_SHEET, key_table)]
    if INCOME_SHEET in paths:
        income_table, income_rows = _read(paths[INCOME_SHEET], IncomeStatementRow, INCOME_SHEET)
        _check_income_statement(income_table, income_rows, year)
        income = lines(income_table, income_rows, IncomeStatementLine)
        own_tables.append((INCOME_SHEET, income_table))
        from_stage2 = None
    else:
        income = _stage2_statement(cost_table, cost_rows, statement, statement_source)
        from_stage2 = statement_source
    pools = _check_keys(key_table, key_rows)
    services = _check_costs(cost_table, cost_rows, pools, key_table, key_rows)
    _check_recipients(key_table, key_rows, services, pools)
    purchased = _check_purchases(purchase_table, purchase_rows, services, cost_rows)
    _check_quality(quality_table, quality_rows, services, purchased)
    _check_personnel(personnel_table, personnel_rows, services)

    if form == "xlsx":
        sheets = [sheet for sheet, _table in own_tables]
        role = "Oman tuotannon kustannukset, jakoperusteet" + (" ja tuloslaskelma" if len(sheets) == 3 else "")
        own_files = [_source_file(paths[COST_SHEET], role, None, sheets)]
    else:
        own_files = [_source_file(paths[sheet], _ROLES[sheet], table) for sheet, table in own_tables]
    return ComparisonInputs(
        own_costs=lines(cost_table, cost_rows, OwnCostLine),
        allocation_keys=lines(key_table, key_rows, AllocationKeyLine),
        income_statement=income,
        income_statement_from=from_stage2,
        purchases=lines(purchase_table, purchase_rows, PurchaseLine),
        quality=lines(quality_table, quality_rows, QualityLine),
        personnel=lines(personnel_table, personnel_rows, PersonnelLine),
        own_costs_form=form,
        files=[
            *own_files,
            _source_file(root / PURCHASES_CSV, _ROLES[PURCHASES_CSV], purchase_table),
            _source_file(root / QUALITY_CSV, _ROLES[QUALITY_CSV], quality_table),
            _source_file(root / PERSONNEL_CSV, _ROLES[PERSONNEL_CSV], personnel_table),
        ],
    )


def _stage2_statement(
    cost_table: RawTable,
    cost_rows: Sequence[Row[OwnCostRow]],
    statement: Sequence[AccountTotal],
    source: str | None,
) -> list[IncomeStatementLine]:
    """The account groups of the cost rows' year from stage 2's financial statement."""
    year = cost_rows[0].value.year
    if not statement:
        raise _error(
            cost_table,
            f"no income statement by account group for {year}: stage 4 takes it from the approved stage 2's "
            f"financial statement (tilinpaatos.csv), and there is none to take; run stage 2 first, or give "
            f"the sheet {INCOME_SHEET} (or {OWN_CSV[INCOME_SHEET]})",
            row=cost_rows[0].number,
            field="vuosi",
        )
    last = max(t.year for t in statement)
    if year != last:
        raise _error(
            cost_table,
            f"the cost rows are for {year}, but the last year of stage 2's financial statement "
            f"({source or 'tilinpaatos.csv'}) is {last}: both stages must describe the same year",
            row=cost_rows[0].number,
            field="vuosi",
        )
    of_year = {t.group: t for t in statement if t.year == year}
    return [
        IncomeStatementLine(
            file=total.file,
            row=total.first_row,
            data=IncomeStatementRow(year=year, group=group, accounts=total.group.accounts, amount=total.amount_eur),
        )
        for group in CostGroup
        for total in [of_year[AccountGroup(group.value)]]
    ]


def _check_keys(table: RawTable, rows: Sequence[Row[AllocationKeyRow]]) -> dict[str, list[Row[AllocationKeyRow]]]:
    """Pool columns agree within a pool; one row per pool and recipient; low ≤ share ≤ high."""
    pools: dict[str, list[Row[AllocationKeyRow]]] = defaultdict(list)
    for row in rows:
        value = row.value
        if value.pool_id in (ORGANISER, OTHER):
            raise _error(
                table, f"{value.pool_id} is reserved for key recipients", row=row.number, field="tukipalvelu_id"
            )
        first = pools[value.pool_id][0].value if pools[value.pool_id] else None
        if first is not None:
            for attribute, column in (("pool_name", "tukipalvelu"), ("kind", "laji"), ("basis", "jakoperuste")):
                if getattr(value, attribute) != getattr(first, attribute):
                    raise _error(
                        table,
                        f"pool {value.pool_id}: {getattr(value, attribute)!r} differs from the pool's first row "
                        f"({getattr(first, attribute)!r}); the pool columns must agree on every row of the pool",
                        row=row.number,
                        field=column,
                    )
        low = value.low if value.low is not None else value.share
        high = value.high if value.high is not None else value.share
        if low > value.share:
            raise _error(
                table, f"the low share {low} % is above the share {value.share} %", row=row.number, field="alaraja %"
            )
        if high < value.share:
            raise _error(
                table, f"the high share {high} % is below the share {value.share} %", row=row.number, field="yläraja %"
            )
        pools[value.pool_id].append(row)
    _unique(table, rows, lambda v: (v.pool_id, v.recipient), "pool and recipient", "kohde")
    return dict(pools)


def _check_costs(
    table: RawTable,
    rows: Sequence[Row[OwnCostRow]],
    pools: dict[str, list[Row[AllocationKeyRow]]],
    key_table: RawTable,
    key_rows: Sequence[Row[AllocationKeyRow]],
) -> dict[str, list[Row[OwnCostRow]]]:
    """One year; pools have cost rows and no fees; services have one unit and a volume. Returns
    the service product rows by service id."""
    year = rows[0].value.year
    services: dict[str, list[Row[OwnCostRow]]] = defaultdict(list)
    pool_rows: dict[str, list[Row[OwnCostRow]]] = defaultdict(list)
    for row in rows:
        value = row.value
        if value.year != year:
            raise _error(
                table,
                f"year {value.year} differs from the first row's year {year}: one accounting year per comparison",
                row=row.number,
                field="vuosi",
            )
        if value.service_id == ORGANISER:
            raise _error(
                table,
                f"{ORGANISER} is an allocation-key recipient, not a cost row's service",
                row=row.number,
                field="palvelu_id",
            )
        if value.service_id in pools:
            if value.fees > 0:
                raise _error(
                    table,
                    f"client fees belong to a service product, not to pool {value.service_id}",
                    row=row.number,
                    field=GROUP_COLUMNS[CostGroup.FEES],
                )
            pool_rows[value.service_id].append(row)
        elif value.service_id != OTHER:
            if not value.unit:
                raise _error(
                    table,
                    "a service product row needs its unit (suoriteyksikkö)",
                    row=row.number,
                    field="suoriteyksikkö",
                )
            first = services[value.service_id][0].value if services[value.service_id] else None
            if first is not None and first.unit != value.unit:
                raise _error(
                    table,
                    f"service {value.service_id} is counted in {value.unit!r} here but in {first.unit!r} on row "
                    f"{services[value.service_id][0].number}: one unit per service product",
                    row=row.number,
                    field="suoriteyksikkö",
                )
            services[value.service_id].append(row)
    _unique(table, rows, lambda v: (v.cost_centre, v.service_id), "cost centre and service", "palvelu_id")
    for pool_id, key_list in pools.items():
        if not pool_rows.get(pool_id):
            raise _error(
                key_table,
                f"pool {pool_id} has no cost rows in {COST_SHEET} (palvelu_id {pool_id}): there is nothing to allocate",
                row=key_list[0].number,
                field="tukipalvelu_id",
            )
    for service_id, service_rows in services.items():
        if sum(r.value.volume for r in service_rows) <= 0:
            raise _error(
                table,
                f"service {service_id} has no volume (suoritteet) on any row ({row_ranges(r.number for r in service_rows)}): "
                "a unit cost needs a volume",
                row=service_rows[0].number,
                field="suoritteet",
            )
    return dict(services)


def _check_income_statement(table: RawTable, rows: Sequence[Row[IncomeStatementRow]], year: int) -> None:
    """The income statement is for the cost year and has every account group exactly once."""
    for row in rows:
        if row.value.year != year:
            raise _error(
                table, f"year {row.value.year} differs from the cost rows' year {year}", row=row.number, field="vuosi"
            )
    _unique(table, rows, lambda v: v.group.label_fi, "account group", "tiliryhmä")
    present = {row.value.group for row in rows}
    missing = [g.label_fi for g in CostGroup if g not in present]
    if missing:
        raise _error(
            table, f"account groups missing from the income statement: {', '.join(missing)}", field="tiliryhmä"
        )


def _check_recipients(
    table: RawTable,
    rows: Sequence[Row[AllocationKeyRow]],
    services: dict[str, list[Row[OwnCostRow]]],
    pools: dict[str, list[Row[AllocationKeyRow]]],
) -> None:
    """Every recipient is a service product with cost rows, the organiser or other activities."""
    for row in rows:
        recipient = row.value.recipient
        if recipient in (ORGANISER, OTHER) or recipient in services:
            continue
        if recipient in pools:
            reason = f"pool {recipient} cannot receive a share of another pool: allocate pools directly to services"
        else:
            reason = (
                f"unknown recipient {recipient!r}: a key's recipient is a service product with cost rows in "
                f"{COST_SHEET}, {ORGANISER} (the organiser's share) or {OTHER} (activities outside the comparison)"
            )
        raise _error(table, reason, row=row.number, field="kohde")


def _check_purchases(
    table: RawTable,
    rows: Sequence[Row[PurchaseRow]],
    services: dict[str, list[Row[OwnCostRow]]],
    cost_rows: Sequence[Row[OwnCostRow]],
) -> dict[tuple[str, ProductionMode], list[Row[PurchaseRow]]]:
    """One row per producer, service and mode; units match own production; volumes are positive."""
    _unique(table, rows, lambda v: (v.producer, v.service_id, v.mode.value), "producer, service and mode", "tuottaja")
    groups: dict[tuple[str, ProductionMode], list[Row[PurchaseRow]]] = defaultdict(list)
    units: dict[str, tuple[str, int]] = {}
    for row in rows:
        value = row.value
        own = services.get(value.service_id)
        if value.unit:
            if own and own[0].value.unit != value.unit:
                raise _error(
                    table,
                    f"service {value.service_id} is counted in {value.unit!r} here but own production counts "
                    f"{own[0].value.unit!r}: the unit costs would not be comparable",
                    row=row.number,
                    field="suoriteyksikkö",
                )
            if value.service_id in units and units[value.service_id][0] != value.unit:
                raise _error(
                    table,
                    f"service {value.service_id} is counted in {value.unit!r} here but in "
                    f"{units[value.service_id][0]!r} on row {units[value.service_id][1]}",
                    row=row.number,
                    field="suoriteyksikkö",
                )
            units.setdefault(value.service_id, (value.unit, row.number))
        elif not own:
            raise _error(
                table,
                f"service {value.service_id} has no own production: give its unit (suoriteyksikkö)",
                row=row.number,
                field="suoriteyksikkö",
            )
        groups[(value.service_id, value.mode)].append(row)
    for (service_id, mode), group_rows in groups.items():
        if sum(r.value.volume for r in group_rows) <= 0:
            raise _error(
                table,
                f"{service_id} / {mode.file_label} has no volume (suoritteet) on any row: a unit cost needs a volume",
                row=group_rows[0].number,
                field="suoritteet",
            )
    return dict(groups)


def _check_quality(
    table: RawTable,
    rows: Sequence[Row[QualityRow]],
    services: dict[str, list[Row[OwnCostRow]]],
    purchased: dict[tuple[str, ProductionMode], list[Row[PurchaseRow]]],
) -> None:
    """Scores for exactly the service and mode pairs that have cost data."""
    _unique(table, rows, lambda v: (v.service_id, v.mode.value), "service and mode", "tuotantotapa")
    with_costs = {(s, ProductionMode.OWN) for s in services} | set(purchased)
    scored = {(r.value.service_id, r.value.mode) for r in rows}
    for row in rows:
        pair = (row.value.service_id, row.value.mode)
        if pair not in with_costs:
            raise _error(
                table,
                f"scores for {pair[0]} / {pair[1].file_label}, but there are no cost data for that mode "
                "(own production in the cost sheet, purchases in ostopalvelut.csv): it cannot be compared",
                row=row.number,
                field="tuotantotapa",
            )
    missing = sorted(f"{s} / {m.file_label}" for s, m in with_costs - scored)
    if missing:
        raise _error(table, f"quality and availability scores missing for: {', '.join(missing)}", field="palvelu_id")


def _check_personnel(
    table: RawTable, rows: Sequence[Row[PersonnelRow]], services: dict[str, list[Row[OwnCostRow]]]
) -> None:
    """Personnel rows name own-production services, once per occupation and employment; every
    own-production service has personnel."""
    _unique(
        table,
        rows,
        lambda v: (v.service_id, v.occupation, v.employment.value),
        "service, occupation and employment",
        "ammattiryhmä",
    )
    for row in rows:
        if row.value.service_id not in services:
            raise _error(
                table,
                f"service {row.value.service_id} has no own production in the cost sheet",
                row=row.number,
                field="palvelu_id",
            )
    staffed = {row.value.service_id for row in rows}
    missing = sorted(set(services) - staffed)
    if missing:
        raise _error(
            table, f"no personnel rows for the own-production services {', '.join(missing)}", field="palvelu_id"
        )


# -- the stage-3 catalogue -----------------------------------------------------------------------


def check_catalogue(inputs: ComparisonInputs, service_ids: Collection[str], *, inputs_dir: str | Path) -> None:
    """Every service product in the inputs is a step of the approved stage-3 catalogue.

    The first unknown id raises an :class:`InputError` naming its file, sheet, row and column.
    """
    known = set(service_ids)
    root = Path(inputs_dir)
    paths = own_cost_paths(root)
    pools = {line.data.pool_id for line in inputs.allocation_keys}

    def fail(path: Path, sheet: str | None, row: int, field: str, service_id: str) -> InputError:
        return InputError(
            f"service product {service_id!r} is not in the approved stage-3 service catalogue "
            f"(known: {', '.join(sorted(known))})",
            file=path,
            sheet=sheet,
            row=row,
            field=field,
        )

    for cost in inputs.own_costs:
        sid = cost.data.service_id
        if sid not in pools and sid not in (OTHER, ORGANISER) and sid not in known:
            raise fail(paths[COST_SHEET], cost.sheet, cost.row, "palvelu_id", sid)
    for key in inputs.allocation_keys:
        sid = key.data.recipient
        if sid not in (OTHER, ORGANISER) and sid not in known:
            raise fail(paths[KEY_SHEET], key.sheet, key.row, "kohde", sid)
    for lines, name in (
        (inputs.purchases, PURCHASES_CSV),
        (inputs.quality, QUALITY_CSV),
        (inputs.personnel, PERSONNEL_CSV),
    ):
        for line in lines:
            if line.data.service_id not in known:
                raise fail(root / name, None, line.row, "palvelu_id", line.data.service_id)


def comparison_params(
    criteria_weights: dict[str, float] | None = None, vat_treatment: str | None = None
) -> ComparisonParams:
    """The parameters from a run's arguments: weights as ``{"cost": 0.5, …}`` (relative; the others
    keep their defaults) and a VAT treatment value (``exclusive`` or ``with_unrefunded_vat``).

    Raises :class:`InputError` naming the argument for an unknown criterion or treatment.
    """
    values: dict[str, Any] = {}
    for name, weight in (criteria_weights or {}).items():
        if name not in CRITERIA:
            raise InputError(
                f"unknown criterion {name!r}; the criteria are {', '.join(CRITERIA)}", field="criteria_weights"
            )
        values[f"weight_{name}"] = weight
    if vat_treatment:
        try:
            values["vat_treatment"] = VatTreatment(vat_treatment)
        except ValueError:
            known = ", ".join(v.value for v in VatTreatment)
            raise InputError(
                f"unknown VAT treatment {vat_treatment!r}; use one of: {known}", field="vat_treatment"
            ) from None
    try:
        return ComparisonParams(**values)
    except ValidationError as exc:
        raise InputError(f"invalid comparison parameters: {exc.errors()[0]['msg']}", field="criteria_weights") from None
