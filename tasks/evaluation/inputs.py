"""Stage 7 inputs: the region's evaluation files, read and checked against the cycle's bases.

``arviointi_mittarit.csv`` (actual values of the stage-2 targets' indicators),
``arviointi_asiakaskokemus.csv`` (client-experience survey by service and client group),
``arviointi_palvelut.csv`` (actual volume and cost by service), ``arviointi_talous.csv`` (actual
operating costs by client group), ``arviointi_arvosanat.csv`` (the preparers' grades, optional),
``riskirekisteri.csv`` (the risk register carried from the previous cycle) and
``arviointi_jatkotoimet.csv`` (follow-up actions, optional); formats in
``data/examples/HVA08/README.md``. The rules are ``data/config/rules/evaluation.toml``. Every
problem is an :class:`~soteflow.errors.InputError` naming the file, row and field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas.evaluation import (
    ActionRow,
    ActualRow,
    EvaluationBasis,
    EvaluationInputs,
    EvaluationParams,
    EvaluationRules,
    GradeRow,
    GroupActualRow,
    IndicatorChange,
    RiskBand,
    RiskRow,
    ServiceActualRow,
    SurveyRow,
)
from schemas.needs import AreaProfile
from soteflow.data.tabular import Row, read_rows, unique
from soteflow.data.tomlfile import model_error, read_toml
from soteflow.errors import InputError
from soteflow.numbers import round_half_up

#: The ids the evaluation gives the risks its evidence adds (an action may name one ahead).
NEW_RISK_PREFIX = "R-UUSI-"

#: The region's files by role, as named in the inputs folder.
INPUT_FILES: Mapping[str, str] = {
    "mittarit": "arviointi_mittarit.csv",
    "asiakaskokemus": "arviointi_asiakaskokemus.csv",
    "palvelut": "arviointi_palvelut.csv",
    "talous": "arviointi_talous.csv",
    "arvosanat": "arviointi_arvosanat.csv",
    "riskit": "riskirekisteri.csv",
    "jatkotoimet": "arviointi_jatkotoimet.csv",
}
#: Files a region may leave out: no preparer overrides the computed grades; no actions yet.
OPTIONAL_ROLES = frozenset({"arvosanat", "jatkotoimet"})
RULES_FILE = Path("config") / "rules" / "evaluation.toml"

#: The stage-1 indicators the evaluation follows (need-profile fields), as printed.
WELFARE_FIELDS: Mapping[str, tuple[str, str]] = {
    "population": ("Väkiluku", "henkeä"),
    "share_under_15": ("Alle 15-vuotiaiden osuus", "%"),
    "share_65_plus": ("65 vuotta täyttäneiden osuus", "%"),
    "dependency_ratio": ("Huoltosuhde", "ei-työikäisiä / 100 työikäistä"),
    "low_income_rate": ("Pienituloisuusaste", "%"),
    "basic_security_dependence": ("Kokonaan perusturvan varassa olevat", "%"),
    "unemployment_rate": ("Työttömyysaste", "%"),
    "long_term_unemployment_rate": ("Pitkäaikaistyöttömien osuus työvoimasta", "%"),
    "unemployed_disabled_or_ill": ("Vammaiset ja pitkäaikaissairaat työttömät työnhakijat", "henkeä"),
    "share_no_post_basic_education": ("Vain perusasteen koulutus, 15 vuotta täyttäneet", "%"),
}


def is_example_folder(folder: Path) -> bool:
    """Whether the inputs folder holds example data: its ``README.md`` says ESIMERKKIAINEISTO in its
    title (the shipped examples and the generated ones do); the documents then say so on every page."""
    readme = folder / "README.md"
    if not readme.is_file():
        return False
    with readme.open("rb") as fh:
        return b"ESIMERKKIAINEISTO" in fh.readline(400)


def read_rules(path: Path, params: EvaluationParams | None = None) -> EvaluationRules:
    """The rules file, with the risk bands the run's parameters give (if any)."""
    raw = read_toml(path)
    try:
        rules = EvaluationRules.model_validate({**raw, "source_file": str(path)})
    except ValidationError as exc:
        raise model_error(exc, path) from None
    if params is None or (params.high_from is None and params.medium_from is None):
        return rules
    by = {b.key: b for b in rules.bands}
    high = params.high_from if params.high_from is not None else by["suuri"].min_index
    medium = params.medium_from if params.medium_from is not None else by["keskisuuri"].min_index
    if medium >= high:
        raise InputError(f"the medium band ({medium}) must start below the high band ({high})", field="medium_from")
    bands = [
        RiskBand(key="suuri", min_index=high, action=by["suuri"].action),
        RiskBand(key="keskisuuri", min_index=medium, action=by["keskisuuri"].action),
        by["pieni"],
    ]
    return rules.model_copy(update={"bands": bands})


def _rows(path: Path, model: type[Any]) -> list[Row[Any]]:
    rows = read_rows(path, model)
    if not rows:
        raise InputError("the file has no data rows", file=path)
    return rows


def _known(rows: Sequence[Row[Any]], path: Path, attribute: str, column: str, known: set[str], what: str) -> None:
    for row in rows:
        value = getattr(row.value, attribute)
        if value not in known:
            raise InputError(
                f"unknown {what} {value!r} (known: {', '.join(sorted(known))})", file=path, row=row.number, field=column
            )


def welfare_changes(
    stage1: AreaProfile, stage1_periods: Mapping[str, str], newer: AreaProfile, newer_periods: Mapping[str, str]
) -> tuple[list[IndicatorChange], str | None]:
    """The stage-1 indicators against the same indicators computed from the export given to stage 7.

    An indicator whose export is of the same period as stage 1's has no newer value (and no change).
    The second value is the latest newer period, or None when no export is newer.
    """
    out = []
    newer_found: list[str] = []
    for field, (label, _unit) in WELFARE_FIELDS.items():
        old = getattr(stage1, field)
        old_period = stage1_periods.get(field)
        new_period = newer_periods.get(field)
        is_newer = new_period is not None and (old_period is None or new_period > old_period)
        value = getattr(newer, field) if is_newer else None
        change = None
        if is_newer and value is not None and old is not None:
            change = round_half_up(float(value) - float(old), 4)
            newer_found.append(str(new_period))
        out.append(
            IndicatorChange(
                field=field,
                label=label,
                stage1_value=None if old is None else float(old),
                stage1_period=old_period,
                value=None if value is None else float(value),
                period=new_period if is_newer else None,
                change=change,
            )
        )
    return out, max(newer_found) if newer_found else None


def read_evaluation_inputs(
    files: Mapping[str, Path],
    *,
    rules_path: Path,
    params: EvaluationParams | None,
    basis: EvaluationBasis,
    welfare: Callable[[], tuple[list[IndicatorChange], str | None]],
) -> EvaluationInputs:
    """Read and check every file against the cycle's bases (before anything is written), then
    compute the welfare indicators with ``welfare`` (the exports are read only for good files).

    ``files`` holds the files that exist by role; a required one missing is an error.
    """
    for role, name in INPUT_FILES.items():
        if role not in files and role not in OPTIONAL_ROLES:
            raise InputError("the input file does not exist", file=name)
    rules = read_rules(rules_path, params)
    target_ids = {t.target_id for t in basis.targets.impact.targets}
    services = {s.service_id for s in basis.comparison.services}
    services |= {c.service_id for c in basis.procurement.contracts.contracts}

    actuals = _rows(files["mittarit"], ActualRow)
    unique(actuals, files["mittarit"], "target_id", "tavoite_id")
    _known(actuals, files["mittarit"], "target_id", "tavoite_id", target_ids, "target (stage 2 has no such target)")

    surveys = _rows(files["asiakaskokemus"], SurveyRow)
    _known(surveys, files["asiakaskokemus"], "service_id", "palvelu_id", services, "service")
    seen: dict[tuple[str, str], int] = {}
    for row in surveys:
        key = (row.value.service_id, row.value.client_group.value)
        if key in seen:
            raise InputError(
                f"service {key[0]!r} and client group {row.value.client_group.label_fi!r} twice (first on row {seen[key]})",
                file=files["asiakaskokemus"],
                row=row.number,
                field="asiakasryhmä",
            )
        seen[key] = row.number

    service_rows = _rows(files["palvelut"], ServiceActualRow)
    unique(service_rows, files["palvelut"], "service_id", "palvelu_id")
    planned = {s.service_id for s in basis.comparison.services}
    _known(service_rows, files["palvelut"], "service_id", "palvelu_id", planned, "service (not in stage 4's plan)")
    missing = sorted(planned - {r.value.service_id for r in service_rows})
    if missing:
        raise InputError(
            f"no actual figures for the planned services {', '.join(missing)}",
            file=files["palvelut"],
            field="palvelu_id",
        )

    groups = _rows(files["talous"], GroupActualRow)
    frame_year = basis.targets.frame.frame_year
    for row in groups:
        if row.value.year != frame_year:
            raise InputError(
                f"year {row.value.year} is not the frame year {frame_year} the evaluation compares with",
                file=files["talous"],
                row=row.number,
                field="vuosi",
            )
    unique(groups, files["talous"], "client_group", "asiakasryhmä")
    framed = {g.client_group for g in basis.targets.frame.groups}
    missing_groups = sorted(g.label_fi for g in framed - {r.value.client_group for r in groups})
    if missing_groups:
        raise InputError(
            f"no actual costs for the client groups {', '.join(missing_groups)} of the frame",
            file=files["talous"],
            field="asiakasryhmä",
        )

    grades: list[Row[GradeRow]] = []
    if "arvosanat" in files:
        grades = read_rows(files["arvosanat"], GradeRow)
        unique(grades, files["arvosanat"], "target_id", "tavoite_id")
        _known(grades, files["arvosanat"], "target_id", "tavoite_id", target_ids, "target (stage 2 has no such target)")

    risks = _rows(files["riskit"], RiskRow)
    unique(risks, files["riskit"], "risk_id", "riski_id")

    actions: list[Row[ActionRow]] = []
    if "jatkotoimet" in files:
        actions = read_rows(files["jatkotoimet"], ActionRow)
        subjects = target_ids | {r.value.risk_id for r in risks}
        for row in actions:
            if (
                row.value.subject
                and row.value.subject not in subjects
                and not row.value.subject.startswith(NEW_RISK_PREFIX)
            ):
                raise InputError(
                    f"unknown target or risk {row.value.subject!r}",
                    file=files["jatkotoimet"],
                    row=row.number,
                    field="kohde",
                )

    changes, period = welfare()
    return EvaluationInputs(
        actuals=[r.value for r in actuals],
        surveys=[r.value for r in surveys],
        services=[r.value for r in service_rows],
        groups=[r.value for r in groups],
        grades=[r.value for r in grades],
        risks=[r.value for r in risks],
        actions=[r.value for r in actions],
        rules=rules,
        files={role: str(path) for role, path in sorted(files.items())},
        welfare=changes,
        welfare_period=period,
        example_data=is_example_folder(files["mittarit"].parent),
    )
