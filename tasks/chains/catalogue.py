"""Stage 3 inputs: the service catalogue (``palvelukatalogi.csv``), read, checked and checked against stage 2.

Every problem — a missing column, a wrong type, an unknown client group or mode, a duplicate id, a
step whose ``tavoite_id`` is not a stage-2 target — is an :class:`InputError` naming file, row and
field. So is a bad row of the optional benchmark costs (``vertailukustannukset.csv``): a package the
catalogue does not have, a package of the catalogue without a row, a repeated package. The
stakeholder feedback is read by :mod:`tasks.chains.feedback`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from schemas.chains import (
    BenchmarkRow,
    CatalogueRow,
    CatalogueStep,
    CostBenchmarks,
    PackageBenchmark,
    QualityMetric,
    ServiceCatalogue,
    ServiceDescription,
    ServicePackage,
)
from schemas.targets import Direction, FrameAllocation, ImpactTargets
from soteflow.data.tabular import Row, read_rows, unique
from soteflow.errors import InputError
from soteflow.numbers import round_half_up

#: File names in the inputs folder (``<SOTEFLOW_INPUT_DIR>/examples/<REGION>/`` by default).
CATALOGUE_FILE = "palvelukatalogi.csv"
FEEDBACK_FILE = "lausunnot.csv"
#: Optional: clients and benchmark cost per client of each package (the cost criterion).
BENCHMARK_FILE = "vertailukustannukset.csv"
#: Optional: the preparer's review of the comments' themes, and the responses per theme.
THEME_REVIEW_FILE = "lausunnot_teemat.csv"
THEME_RESPONSES_FILE = "lausunnot_vastineet.csv"
#: The feedback theme taxonomy is configuration: ``<data dir>/config/feedback_themes.toml``.
THEMES_FILE = Path("config") / "feedback_themes.toml"

#: Package-level columns: written on every step row of a package and required to agree.
_PACKAGE_COLUMNS = (
    ("package_name", "palvelukokonaisuus"),
    ("client_group", "asiakasryhmä"),
    ("feasibility", "toteutettavuus"),
)


def r4(value: float) -> float:
    return round_half_up(value, 4)


def eur2(value: float) -> float:
    return round_half_up(value, 2)


def metric_direction(baseline: float | None, target: float) -> Direction | None:
    """The direction a quality metric should move: from the baseline to the target."""
    if baseline is None:
        return None
    if target > baseline:
        return Direction.INCREASE
    if target < baseline:
        return Direction.DECREASE
    return Direction.MAINTAIN


# ---------------------------------------------------------------------------------------------
# The catalogue.


def _package_steps(package_id: str, rows: list[Row[CatalogueRow]], path: Path) -> list[Row[CatalogueRow]]:
    """The rows of one package in step order; package-level columns agree; steps are 1..n."""
    first = rows[0]
    for row in rows[1:]:
        for attribute, column in _PACKAGE_COLUMNS:
            expected, found = getattr(first.value, attribute), getattr(row.value, attribute)
            if found != expected:
                raise InputError(
                    f"package {package_id} has {column} {str(expected)!r} on row {first.number} but {str(found)!r} "
                    "here; package-level columns must be the same on every step row of a package",
                    file=path,
                    row=row.number,
                    field=column,
                )
    seen: dict[int, int] = {}
    for row in rows:
        if row.value.step in seen:
            raise InputError(
                f"package {package_id} has step {row.value.step} twice (first on row {seen[row.value.step]})",
                file=path,
                row=row.number,
                field="vaihe",
            )
        seen[row.value.step] = row.number
    ordered = sorted(rows, key=lambda r: r.value.step)
    for expected_step, row in enumerate(ordered, 1):
        if row.value.step != expected_step:
            raise InputError(
                f"the steps of package {package_id} must be numbered 1..{len(rows)} without gaps: "
                f"step {expected_step} is missing (this row is step {row.value.step})",
                file=path,
                row=row.number,
                field="vaihe",
            )
    return ordered


def _step(row: Row[CatalogueRow]) -> CatalogueStep:
    value = row.value
    return CatalogueStep(
        order=value.step,
        service_id=value.service_id,
        name=value.service_name,
        description=ServiceDescription(
            what=value.description, for_whom=value.for_whom, access=value.access, criteria=value.criteria
        ),
        mode=value.mode,
        annual_volume=value.annual_volume,
        unit=value.unit,
        unit_cost=value.unit_cost,
        annual_cost=eur2(value.annual_volume * value.unit_cost),
        metric=QualityMetric(
            name=value.quality_metric,
            baseline=value.quality_baseline,
            target=value.quality_target,
            direction=metric_direction(value.quality_baseline, value.quality_target),
        ),
        target_id=value.target_id,
        source_row=row.number,
    )


def read_catalogue(path: str | Path) -> ServiceCatalogue:
    """Read and validate the service catalogue (one row per chain step).

    Raises :class:`InputError` naming the file, row and column for: a missing column, an empty
    file, a wrong type (text in a number column, feasibility outside 1–5, negative volume or
    cost), an unknown client group or production mode, a repeated ``palvelu_id``, two package ids
    that differ only in case, package-level columns that disagree between a package's rows, and
    step numbers that are not 1..n within a package (a duplicate or a gap).
    """
    path = Path(path)
    rows = read_rows(path, CatalogueRow)
    unique(rows, path, "service_id", "palvelu_id")
    by_package: dict[str, list[Row[CatalogueRow]]] = {}
    lower: dict[str, tuple[str, int]] = {}
    for row in rows:
        package_id = row.value.package_id
        other = lower.get(package_id.lower())
        if other is not None and other[0] != package_id:
            raise InputError(
                f"package ids {other[0]!r} (row {other[1]}) and {package_id!r} differ only in case; "
                "they would name the same diagram",
                file=path,
                row=row.number,
                field="palvelukokonaisuus_id",
            )
        lower.setdefault(package_id.lower(), (package_id, row.number))
        by_package.setdefault(package_id, []).append(row)
    packages = []
    for package_id, package_rows in by_package.items():
        ordered = _package_steps(package_id, package_rows, path)
        steps = [_step(r) for r in ordered]
        first = package_rows[0]
        packages.append(
            ServicePackage(
                package_id=package_id,
                name=first.value.package_name,
                client_group=first.value.client_group,
                feasibility=first.value.feasibility,
                steps=steps,
                annual_cost=eur2(sum(s.annual_cost for s in steps)),
                first_row=first.number,
            )
        )
    return ServiceCatalogue(
        source_file=path.name,
        source_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        example_data="examples" in path.parts,
        packages=packages,
    )


def check_catalogue_against_stage2(
    catalogue: ServiceCatalogue, targets: ImpactTargets, frame: FrameAllocation, *, file: str | Path
) -> None:
    """Every step's ``tavoite_id`` is an approved stage-2 target, every package's group has a frame.

    ``file`` is the catalogue's path as given (the error names it with the row and column).
    """
    known = [t.target_id for t in targets.targets]
    for package in catalogue.packages:
        for step in package.steps:
            if step.target_id not in known:
                raise InputError(
                    f"tavoite_id {step.target_id!r} is not one of the approved stage-2 targets "
                    f"(targets-impact: {', '.join(known)})",
                    file=file,
                    row=step.source_row,
                    field="tavoite_id",
                )
    framed = {g.client_group for g in frame.groups}
    for package in catalogue.packages:
        if package.client_group not in framed:
            raise InputError(
                f"client group {package.client_group.label_fi!r} has no frame in the approved stage-2 allocation",
                file=file,
                row=package.first_row,
                field="asiakasryhmä",
            )


def read_benchmarks(path: str | Path, catalogue: ServiceCatalogue) -> CostBenchmarks:
    """Read the packages' clients and benchmark costs per client (``vertailukustannukset.csv``).

    One row per package of the catalogue. Raises :class:`InputError` naming the file, row and
    column for a missing column, an empty file, a wrong type (clients or benchmark not a positive
    number), a repeated package, a package the catalogue does not have, an empty source, and names
    the first package of the catalogue that has no row.
    """
    path = Path(path)
    rows = read_rows(path, BenchmarkRow)
    unique(rows, path, "package_id", "palvelukokonaisuus_id")
    known = [p.package_id for p in catalogue.packages]
    for row in rows:
        if row.value.package_id not in known:
            raise InputError(
                f"package {row.value.package_id!r} is not in {catalogue.source_file} (packages: {', '.join(known)})",
                file=path,
                row=row.number,
                field="palvelukokonaisuus_id",
            )
    given = {r.value.package_id for r in rows}
    missing = [pid for pid in known if pid not in given]
    if missing:
        raise InputError(
            f"package {missing[0]} of {catalogue.source_file} has no row: every package needs its clients and "
            "benchmark cost per client",
            file=path,
            field="palvelukokonaisuus_id",
        )
    return CostBenchmarks(
        source_file=path.name,
        source_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        example_data="examples" in path.parts,
        packages=[
            PackageBenchmark(
                package_id=r.value.package_id,
                clients=r.value.clients,
                benchmark_per_client=eur2(r.value.benchmark_per_client),
                source=r.value.source,
                source_row=r.number,
            )
            for r in rows
        ],
    )
