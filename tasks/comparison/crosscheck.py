"""Stage 4 against the stages before it: what it takes from their approved rounds must agree with
its own inputs.

* **Stage 3's catalogue** gives each compared service's yearly volume, current production mode and
  unit cost. Stage 4's own-production and purchase rows give the same service's volume (own +
  purchased + voucher), its main mode (the mode with the most volume, or one within the volume
  tolerance of it) and its volume-weighted unit cost on the default comparison basis.
* **Stage 2's financial statement** (tilinpäätös, the base year's actual) is stage 4's income
  statement when stage 4 has none of its own. When it has (the ``Tuloslaskelma`` sheet), every
  account group must equal stage 2's; an approved stage 2 without account groups (a round stored
  before the statement had them) gives the operating costs, the operating income and the
  depreciation with financial items, and stage 4's operating costs (every cost group but
  depreciation), client fees (a part of the operating income) and depreciation (a part of
  depreciation and financial items) are checked against those.

Pure functions: they build :class:`~schemas.reconciliation.CrossCheck` lines;
:func:`soteflow.reconcile.enforce` stops the stage at one outside its tolerance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from schemas.accounts import AccountGroup, AccountTotal
from schemas.chains import CatalogueService, ProductionMode
from schemas.comparison import ComparisonInputs, CostGroup, ServiceComparison
from schemas.reconciliation import CheckKind, CrossCheck, Tolerance
from schemas.targets import TargetsInputs
from soteflow.errors import InputError


@dataclass(frozen=True)
class StatementTotals:
    """The base year's actual as stage 2 counts it."""

    year: int
    operating_costs: float
    operating_income: float
    other_items: float  # depreciation and net financial items
    source: str
    groups: Sequence[AccountTotal] = ()  # the account groups' totals of the year, when stage 2 has them


def totals_from_inputs(inputs: TargetsInputs, source: str) -> StatementTotals:
    """The base year's totals from stage 2's files (a cycle's precheck, before stage 2 has run)."""
    year = inputs.base_year
    funding = next((f for f in inputs.funding if f.year == year), None)
    return StatementTotals(
        year=year,
        operating_costs=sum(c.operating_costs for c in inputs.costs if c.year == year),
        operating_income=sum(c.operating_income for c in inputs.costs if c.year == year),
        other_items=funding.other_items if funding else 0.0,
        source=source,
        groups=[t for t in inputs.statement if t.year == year],
    )


def _mode_label(mode: ProductionMode) -> str:
    return mode.label_fi


def catalogue_checks(
    catalogue: Sequence[CatalogueService],
    services: Sequence[ServiceComparison],
    inputs: ComparisonInputs,
    tolerance: Tolerance,
    source: str,
) -> list[CrossCheck]:
    """Volume, main mode and unit cost of every compared service against the catalogue."""
    by_id = {s.service_id: s for s in catalogue}
    checks: list[CrossCheck] = []
    for service in services:
        entry = by_id.get(service.service_id)
        if entry is None:
            continue  # check_catalogue has refused a service the catalogue lacks
        own_rows = [line for line in inputs.own_costs if line.data.service_id == service.service_id]
        bought = [line for line in inputs.purchases if line.data.service_id == service.service_id]
        first = own_rows[0] if own_rows else bought[0]
        files = sorted({line.file + (f" / {line.sheet}" if line.sheet else "") for line in [*own_rows, *bought]})
        where = {"file": first.file, "row": first.row, "sheet": first.sheet}
        input_source = "vaihe 4: " + ", ".join(files)
        name = f"{entry.name} ({service.service_id})"
        volume = sum(o.volume for o in service.options)
        if entry.annual_volume is not None:
            checks.append(
                CrossCheck(
                    subject=f"{name}: suoritteet vuodessa",
                    kind=CheckKind.EQUAL,
                    basis_source=source,
                    input_source=input_source,
                    unit=service.unit,
                    basis_value=entry.annual_volume,
                    input_value=volume,
                    tolerance_pct=tolerance.volume_pct,
                    field="suoritteet",
                    **where,
                )
            )
        # The catalogue's mode is a main mode when its volume is the largest or within the volume
        # tolerance of it (half own, half purchased: either is right).
        largest = max(service.options, key=lambda o: o.volume)
        volumes = {o.mode: o.volume for o in service.options}
        near = volumes.get(entry.mode, 0.0) >= largest.volume * (1 - tolerance.volume_pct / 100)
        shown = entry.mode if near else largest.mode
        shares = ", ".join(f"{_mode_label(o.mode)} {round(100 * o.volume / volume)} %" for o in service.options)
        checks.append(
            CrossCheck(
                subject=f"{name}: pääasiallinen tuotantotapa ({shares})",
                kind=CheckKind.SAME,
                basis_source=source,
                input_source=input_source,
                basis_text=_mode_label(entry.mode),
                input_text=_mode_label(shown),
                field="palvelu_id",
                **where,
            )
        )
        if entry.unit_cost is not None and volume > 0:
            weighted = sum(o.unit_cost * o.volume for o in service.options) / volume
            checks.append(
                CrossCheck(
                    subject=f"{name}: yksikkökustannus (nykyiset tuotantotavat suoritteilla painottaen)",
                    kind=CheckKind.EQUAL,
                    basis_source=source,
                    input_source=input_source,
                    unit=f"€/{service.unit}",
                    basis_value=entry.unit_cost,
                    input_value=round(weighted, 2),
                    tolerance_pct=tolerance.unit_cost_pct,
                    field="suoritteet",
                    **where,
                )
            )
    return checks


def statement_checks(totals: StatementTotals, inputs: ComparisonInputs, tolerance: Tolerance) -> list[CrossCheck]:
    """Stage 4's income statement against stage 2's actual of the same year; when stage 4's income
    statement is stage 2's, its year against the cost rows'."""
    lines = inputs.income_statement
    if not lines:
        return []
    if inputs.income_statement_from is not None:
        costs = inputs.own_costs[0]
        return [
            CrossCheck(
                subject="Tilivuosi: oman tuotannon kustannukset ja tuloslaskelman tiliryhmät vaiheen 2 tilinpäätöksestä",
                kind=CheckKind.SAME,
                basis_source=totals.source,
                input_source="vaihe 4: " + costs.file + (f" / {costs.sheet}" if costs.sheet else ""),
                basis_text=str(totals.year),
                input_text=str(costs.data.year),
                file=costs.file,
                sheet=costs.sheet,
                row=costs.row,
                field="vuosi",
            )
        ]
    first = lines[0]
    where = {"file": first.file, "sheet": first.sheet}
    years = sorted({line.data.year for line in lines})
    input_source = "vaihe 4: " + first.file + (f" / {first.sheet}" if first.sheet else "")
    if years != [totals.year]:
        raise InputError(
            f"the income statement is for {', '.join(map(str, years))}, but stage 2's financial statement "
            f"({totals.source}) has {totals.year} as its last actual year: both stages must describe the same year",
            row=first.row,
            field="vuosi",
            **where,
        )

    year = totals.year
    if totals.groups:
        by_group = {t.group: t for t in totals.groups}
        checks = []
        for line in lines:
            basis = by_group[AccountGroup(line.data.group.value)]
            checks.append(
                CrossCheck(
                    subject=f"{line.data.group.label_fi} {year}",
                    kind=CheckKind.EQUAL,
                    basis_source=f"{totals.source}, {basis.file} rivit {basis.rows}",
                    input_source=input_source,
                    unit="€",
                    basis_value=basis.amount_eur,
                    input_value=line.data.amount,
                    tolerance_pct=tolerance.total_pct,
                    row=line.row,
                    field="euroa",
                    **where,
                )
            )
        return checks
    # (subject, how the figures relate, stage 2's figure, which account groups make stage 4's)
    pairs: list[tuple[str, CheckKind, float, Callable[[CostGroup], bool]]] = [
        (
            f"Toimintakulut {year} (tuloslaskelman kulutiliryhmät ilman poistoja)",
            CheckKind.EQUAL,
            totals.operating_costs,
            lambda g: not g.is_income and g is not CostGroup.DEPRECIATION,
        ),
        (
            f"Maksutuotot {year}: osa toimintatuotoista",
            CheckKind.AT_MOST,
            totals.operating_income,
            lambda g: g.is_income,
        ),
        (
            f"Poistot ja arvonalentumiset {year}: osa poistoista ja rahoituseristä",
            CheckKind.AT_MOST,
            totals.other_items,
            lambda g: g is CostGroup.DEPRECIATION,
        ),
    ]
    checks = []
    for subject, kind, basis_value, in_group in pairs:
        rows = [line for line in lines if in_group(line.data.group)]
        checks.append(
            CrossCheck(
                subject=subject,
                kind=kind,
                basis_source=totals.source,
                input_source=input_source,
                unit="€",
                basis_value=basis_value,
                input_value=sum(line.data.amount for line in rows),
                tolerance_pct=tolerance.total_pct,
                row=rows[0].row if rows else first.row,
                field="euroa",
                **where,
            )
        )
    return checks
