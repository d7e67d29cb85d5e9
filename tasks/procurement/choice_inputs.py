"""Stage 5b inputs: the voucher services and their value models, the income-related model's
parameters by household size, the rule book, the producer applications, the client plans of
personal budgets and the dated client-fee rules, read and checked.

Formats in ``data/examples/HVA08/README.md``. The files are optional as a set: without
``palvelusetelit.csv`` the round proposes no voucher cases. Every problem is an
:class:`InputError` naming the file, row and field: a service with no voucher in the organising
plan, a floor above the highest value, a household size without parameters, an income limit that
falls as the household grows, an application for a service with no voucher, a client plan with an
unknown service or a negative volume.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas.choice import (
    ApplicationRow,
    ChoiceInputs,
    ClientPlanRow,
    CriterionTest,
    FeeRule,
    FeeRules,
    IncomeLimitRow,
    RuleBookFile,
    VoucherKind,
    VoucherRow,
)
from schemas.tabular import parse_fi_number
from soteflow.data.tabular import normalise, read_table, validate_rows
from soteflow.data.tomlfile import model_error, read_toml
from soteflow.errors import InputError

VOUCHERS_FILE = "palvelusetelit.csv"
LIMITS_FILE = "palveluseteli_tulorajat.csv"
RULEBOOK_FILE = "saantokirja.toml"
APPLICATIONS_FILE = "tuottajahakemukset.csv"
PLANS_FILE = "henkilokohtainen_budjetti.csv"
CHOICE_RULES_FILE = Path("config") / "rules" / "choice.toml"
#: Household sizes the income-related model must give parameters for (the statutory table's sizes,
#: asiakasmaksulaki 10 e § 3 mom.; larger households follow the largest size).
HOUSEHOLD_SIZES = range(1, 7)


def read_fee_rules(path: Path) -> FeeRules:
    """The dated client-fee rules (``data/config/rules/choice.toml``); periods must not overlap."""
    raw = read_toml(path)
    try:
        rules = FeeRules(periods=[FeeRule.model_validate(p) for p in raw.get("periods", [])], source_file=str(path))
    except ValidationError as exc:
        raise model_error(exc, path, "periods.") from None
    for first, second in itertools.pairwise(sorted(rules.periods, key=lambda p: p.valid_from)):
        if second.valid_from <= first.valid_to:
            raise InputError(
                f"periods overlap: {first.valid_from}–{first.valid_to} and {second.valid_from}–{second.valid_to}",
                file=path,
                field="periods",
            )
    return rules


def fee_rule(rules: FeeRules, day: dt.date) -> FeeRule:
    """The period valid on ``day`` (an :class:`InputError` naming the rules file if none)."""
    for period in rules.periods:
        if period.valid_from <= day <= period.valid_to:
            return period
    covered = ", ".join(f"{p.valid_from}–{p.valid_to}" for p in rules.periods)
    raise InputError(
        f"no client-fee rule for {day.isoformat()} (the file covers {covered})", file=rules.source_file, field="periods"
    )


def read_rulebook(path: Path, voucher_services: Collection[str]) -> RuleBookFile:
    """The region's rule book (``saantokirja.toml``): general terms, own and per-service criteria."""
    raw = read_toml(path)
    try:
        book = RuleBookFile.model_validate({**raw, "source_file": str(path)})
    except ValidationError as exc:
        raise model_error(exc, path) from None
    seen: set[str] = set()
    for index, criterion in enumerate(book.criteria):
        where = f"criteria[{index}]"
        if criterion.criterion_id in seen:
            raise InputError(f"criterion {criterion.criterion_id!r} appears twice", file=path, field=where)
        seen.add(criterion.criterion_id)
        numeric = criterion.test is not CriterionTest.YES
        if numeric and criterion.value is None:
            raise InputError(f"test {criterion.test.value!r} needs a value", file=path, field=f"{where}.value")
        if not numeric and criterion.value is not None:
            raise InputError("test 'kyllä' takes no value", file=path, field=f"{where}.value")
        for service in criterion.services:
            if service not in voucher_services:
                raise InputError(
                    f"criterion for {service!r}, which is not a voucher service of {VOUCHERS_FILE}",
                    file=path,
                    field=f"{where}.services",
                )
    return book


def _check_vouchers(path: Path, rows: list[Any], voucher_services: Collection[str] | None) -> None:
    seen: dict[str, int] = {}
    for row in rows:
        value: VoucherRow = row.value
        if value.service_id in seen:
            raise InputError(
                f"{value.service_id!r} appears twice (first on row {seen[value.service_id]})",
                file=path,
                row=row.number,
                field="palvelu_id",
            )
        seen[value.service_id] = row.number
        if voucher_services is not None and value.service_id not in voucher_services:
            raise InputError(
                f"{value.service_id!r} has no voucher in the approved organising plan (voucher services: "
                f"{', '.join(sorted(voucher_services)) or '–'})",
                file=path,
                row=row.number,
                field="palvelu_id",
            )
        if value.kind is VoucherKind.FIXED:
            if value.fixed_value is None:
                raise InputError("a fixed voucher needs its value", file=path, row=row.number, field="arvo €")
            for column, cell in (
                ("enimmäisarvo €", value.highest),
                ("vähimmäisarvo €", value.floor),
                ("jakaja", value.divisor),
            ):
                if cell is not None:
                    raise InputError(
                        "only for an income-related voucher: leave empty", file=path, row=row.number, field=column
                    )
            if value.fixed_value > value.price_cap and not value.free:
                raise InputError(
                    f"the value {value.fixed_value:g} € is above the price cap {value.price_cap:g} €",
                    file=path,
                    row=row.number,
                    field="arvo €",
                )
            continue
        if value.fixed_value is not None:
            raise InputError("only for a fixed voucher: leave empty", file=path, row=row.number, field="arvo €")
        if value.free:
            # palvelusetelilaki 7 § 2 mom.: a free service's voucher leaves the client no share, so
            # it cannot depend on the client's income.
            raise InputError(
                "a service free of charge cannot have an income-related voucher (palvelusetelilaki 7 § 2 mom.)",
                file=path,
                row=row.number,
                field="malli",
            )
        for column, cell in (
            ("enimmäisarvo €", value.highest),
            ("vähimmäisarvo €", value.floor),
            ("jakaja", value.divisor),
        ):
            if cell is None:
                raise InputError("an income-related voucher needs this value", file=path, row=row.number, field=column)
        assert value.highest is not None and value.floor is not None
        if value.floor > value.highest:
            raise InputError(
                f"the floor {value.floor:g} € is above the highest value {value.highest:g} €",
                file=path,
                row=row.number,
                field="vähimmäisarvo €",
            )
        if value.highest > value.price_cap:
            raise InputError(
                f"the highest value {value.highest:g} € is above the price cap {value.price_cap:g} €",
                file=path,
                row=row.number,
                field="enimmäisarvo €",
            )


def _check_limits(
    path: Path, rows: list[Any], vouchers: Mapping[str, VoucherRow], rules: FeeRules, rules_path: Path
) -> None:
    by_service: dict[str, dict[int, Any]] = {}
    for row in rows:
        value: IncomeLimitRow = row.value
        voucher = vouchers.get(value.service_id)
        if voucher is None or voucher.kind is not VoucherKind.INCOME:
            raise InputError(
                f"{value.service_id!r} is not an income-related voucher of {VOUCHERS_FILE}",
                file=path,
                row=row.number,
                field="palvelu_id",
            )
        sizes = by_service.setdefault(value.service_id, {})
        if value.household in sizes:
            raise InputError(
                f"household size {value.household} appears twice for {value.service_id} "
                f"(first on row {sizes[value.household].number})",
                file=path,
                row=row.number,
                field="henkilömäärä",
            )
        sizes[value.household] = row
    for service, voucher in vouchers.items():
        if voucher.kind is not VoucherKind.INCOME:
            continue
        sizes = by_service.get(service, {})
        missing = [h for h in HOUSEHOLD_SIZES if h not in sizes]
        if missing:
            last = max((r.number for r in sizes.values()), default=None)
            raise InputError(
                f"{service} has no parameters for household size {', '.join(map(str, missing))} "
                f"(sizes {HOUSEHOLD_SIZES.start}–{HOUSEHOLD_SIZES.stop - 1} are needed)",
                file=path,
                row=last,
                field="henkilömäärä",
            )
        rule = fee_rule(rules, voucher.valid_from)
        previous: tuple[int, float] | None = None
        for household in sorted(sizes):
            row = sizes[household]
            limit = row.value.income_limit if row.value.income_limit is not None else rule.limit(household)
            if previous is not None and limit < previous[1]:
                raise InputError(
                    f"the income limit {limit:g} € of household size {household} is below the "
                    f"{previous[1]:g} € of size {previous[0]}: a limit may not fall as the household grows",
                    file=path,
                    row=row.number,
                    field="tuloraja €/kk",
                )
            previous = (household, limit)


def _criterion_cells(path: Path, table: Any, rows: list[Any], book: RuleBookFile) -> list[dict[str, str]]:
    """Each application's cells of the columns the rule book's criteria check (text as written);
    a criterion's column must exist, and a number test's cell must be a number."""
    header = {normalise(h): h for h in table.header if h}
    columns = {c.column for c in book.criteria} | set(STATUTORY_COLUMNS)
    for column in sorted(columns):
        if normalise(column) not in header:
            raise InputError(
                f"required column {column!r} is missing: the rule book checks it",
                file=path,
                row=table.rows[0].number - 1 if table.rows else None,
                field=column,
            )
    out = []
    for row, raw in zip(rows, table.rows, strict=True):
        application: ApplicationRow = row.value
        cells: dict[str, str] = {}
        for column in sorted(columns):
            cell = raw.values.get(normalise(column))
            cells[column] = "" if cell is None else str(cell).strip()
        for criterion in book.criteria:
            if criterion.services and application.service_id not in criterion.services:
                continue
            cell = cells[criterion.column]
            if criterion.test is CriterionTest.YES:
                if cell.lower() not in {"kyllä", "ei", ""}:
                    raise InputError(f"{cell!r}: write kyllä or ei", file=path, row=row.number, field=criterion.column)
                continue
            try:
                number = parse_fi_number(cell)
            except ValueError:
                number = "bad"
            if number is not None and not isinstance(number, int | float):
                raise InputError(f"{cell!r} is not a number", file=path, row=row.number, field=criterion.column)
        out.append(cells)
    return out


#: The columns of the statutory conditions (palvelusetelilaki 5 § 1 mom. 1, 2 and 4 kohta).
STATUTORY_COLUMNS = ("ennakkoperintärekisteri", "soteri-rekisteröinti", "vastuuvakuutus")


def _check_applications(path: Path, rows: list[Any], vouchers: Mapping[str, VoucherRow]) -> None:
    seen: dict[str, int] = {}
    pairs: dict[tuple[str, str], int] = {}
    for row in rows:
        value: ApplicationRow = row.value
        if value.application_id in seen:
            raise InputError(
                f"application {value.application_id!r} appears twice (first on row {seen[value.application_id]})",
                file=path,
                row=row.number,
                field="hakemus_id",
            )
        seen[value.application_id] = row.number
        if value.service_id not in vouchers:
            raise InputError(
                f"{value.service_id!r} has no voucher (voucher services: {', '.join(sorted(vouchers))})",
                file=path,
                row=row.number,
                field="palvelu_id",
            )
        pair = (value.business_id, value.service_id)
        if pair in pairs:
            raise InputError(
                f"{value.business_id} applies twice for {value.service_id} (first on row {pairs[pair]})",
                file=path,
                row=row.number,
                field="y-tunnus",
            )
        pairs[pair] = row.number


def _check_plans(path: Path, rows: list[Any], services: Collection[str] | None) -> None:
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        value: ClientPlanRow = row.value
        if services is not None and value.service_id not in services:
            raise InputError(
                f"unknown service {value.service_id!r}: not one of the organising plan's services "
                f"({', '.join(sorted(services))})",
                file=path,
                row=row.number,
                field="palvelu_id",
            )
        key = (value.client, value.service_id)
        if key in seen:
            raise InputError(
                f"{value.client} needs {value.service_id} twice (first on row {seen[key]})",
                file=path,
                row=row.number,
                field="palvelu_id",
            )
        seen[key] = row.number


def read_choice_inputs(
    inputs_dir: Path,
    rules_path: Path,
    *,
    voucher_services: Collection[str] | None,
    services: Collection[str] | None,
) -> ChoiceInputs | None:
    """Read and check the stage-5b files against each other and against the organising plan's
    ``voucher_services`` and ``services`` (None: not known yet, as in a cycle's precheck).
    None when the region has no voucher file (no voucher cases)."""
    files = {
        "vouchers": inputs_dir / VOUCHERS_FILE,
        "limits": inputs_dir / LIMITS_FILE,
        "rulebook": inputs_dir / RULEBOOK_FILE,
        "applications": inputs_dir / APPLICATIONS_FILE,
        "plans": inputs_dir / PLANS_FILE,
        "choice-rules": rules_path,
    }
    if not files["vouchers"].is_file():
        for role in ("limits", "rulebook", "applications", "plans"):
            if files[role].is_file():
                raise InputError(
                    f"{files[role].name} needs {VOUCHERS_FILE} (the voucher services it refers to)", file=files[role]
                )
        return None
    if not files["rulebook"].is_file():
        raise InputError("the input file does not exist (the voucher rule book)", file=files["rulebook"])
    rules = read_fee_rules(files["choice-rules"])
    voucher_rows = validate_rows(
        read_table(files["vouchers"]),
        VoucherRow,
        optional_columns=("arvo €", "enimmäisarvo €", "vähimmäisarvo €", "jakaja", "maksuton"),
    )
    _check_vouchers(files["vouchers"], voucher_rows, voucher_services)
    vouchers = {r.value.service_id: r.value for r in voucher_rows}
    for row in voucher_rows:
        fee_rule(rules, row.value.valid_from)  # every voucher's day has a rule
    limit_rows: list[Any] = []
    if files["limits"].is_file():
        limit_rows = validate_rows(read_table(files["limits"]), IncomeLimitRow, optional_columns=("tuloraja €/kk",))
    elif any(v.kind is VoucherKind.INCOME for v in vouchers.values()):
        raise InputError("the input file does not exist (income-related voucher parameters)", file=files["limits"])
    _check_limits(files["limits"], limit_rows, vouchers, rules, files["choice-rules"])
    book = read_rulebook(files["rulebook"], vouchers)
    application_rows: list[Any] = []
    cells: list[dict[str, str]] = []
    if files["applications"].is_file():
        table = read_table(files["applications"])
        application_rows = validate_rows(table, ApplicationRow)
        _check_applications(files["applications"], application_rows, vouchers)
        cells = _criterion_cells(files["applications"], table, application_rows, book)
    plan_rows: list[Any] = []
    if files["plans"].is_file():
        plan_rows = validate_rows(read_table(files["plans"]), ClientPlanRow)
        _check_plans(files["plans"], plan_rows, services)
    return ChoiceInputs(
        vouchers=[r.value for r in voucher_rows],
        voucher_rows=[r.number for r in voucher_rows],
        limits=[r.value for r in limit_rows],
        rulebook=book,
        applications=[r.value for r in application_rows],
        application_rows=[r.number for r in application_rows],
        application_cells=cells,
        plans=[r.value for r in plan_rows],
        plan_rows=[r.number for r in plan_rows],
        rules=rules,
        files={k: str(v) for k, v in files.items() if v.is_file()},
    )
