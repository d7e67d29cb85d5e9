"""Load a region's governance configuration: ``default.toml`` deep-merged with ``<REGION>.toml``.

Configuration, not code: which body decides each stage, who presents and prepares, the case
number pattern and meeting defaults can change by a board decision without a release. Every
problem is an :class:`~soteflow.errors.InputError` naming the file and the dotted field.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from schemas.governance import CaseConfig, RegionConfig, StageConfig, StageGovernance
from schemas.stages import Stage
from soteflow.errors import InputError

DEFAULT_FILE = "default.toml"

#: Placeholders allowed in any string of default.toml; {cycle}/{stage_number} stay for dnro().
_FILL = ("region_name", "region_code")


def _read(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"TOML syntax error: {exc}", file=path) from exc
    except OSError as exc:
        raise InputError(f"cannot read the configuration file: {exc.strerror}", file=path) from exc


def _merge(
    base: dict[str, Any], override: dict[str, Any], origin: dict[str, Path], file: Path, prefix: str = ""
) -> None:
    """Deep-merge ``override`` into ``base`` (tables merge, other values replace), recording origins."""
    for key, value in override.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            origin.setdefault(dotted, file)
            _merge(base[key], value, origin, file, f"{dotted}.")
        else:
            base[key] = value
            _mark(value, origin, file, dotted)


def _mark(value: Any, origin: dict[str, Path], file: Path, dotted: str) -> None:
    origin[dotted] = file
    if isinstance(value, dict):
        for key, sub in value.items():
            _mark(sub, origin, file, f"{dotted}.{key}")


def _fill(value: Any, names: dict[str, str]) -> Any:
    if isinstance(value, str):
        for name, replacement in names.items():
            value = value.replace("{" + name + "}", replacement)
        return value
    if isinstance(value, list):
        return [_fill(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, names) for k, v in value.items()}
    return value


def _file_for(dotted: str, origin: dict[str, Path], fallback: Path) -> Path:
    """The file that gave ``dotted`` or its nearest ancestor (for a missing key: its table's file)."""
    parts = dotted.split(".")
    for end in range(len(parts), 0, -1):
        found = origin.get(".".join(parts[:end]))
        if found is not None:
            return found
    return fallback


def load_region_config(region_code: str, config_dir: Path, *, region_name: str | None = None) -> RegionConfig:
    """The merged, validated configuration of ``region_code`` (``default.toml`` + ``<region_code>.toml``).

    ``region_name`` fills ``{region_name}`` in default.toml when the region has no file of its
    own (or its file does not set one); a region file's ``region_name`` wins.
    """
    default_path = config_dir / DEFAULT_FILE
    origin: dict[str, Path] = {}
    merged: dict[str, Any] = {}
    _merge(merged, _read(default_path), origin, default_path)
    region_path = config_dir / f"{region_code}.toml"
    if region_path.exists():
        _merge(merged, _read(region_path), origin, region_path)
    name = merged.get("region_name")
    if not isinstance(name, str) or "{region_name}" in name:
        name = region_name or region_code
    merged["region_name"] = name
    merged = _fill(merged, {"region_name": name, "region_code": region_code})
    try:
        config = RegionConfig.model_validate(merged)
    except ValidationError as exc:
        error = exc.errors()[0]
        loc = [str(part) for part in error["loc"] if part != "[key]"]
        dotted = ".".join(loc)
        reason = error["msg"] if error["type"] != "missing" else "required key is missing"
        if error["type"] == "enum" and loc[:1] == ["stages"]:
            reason = f"unknown stage {loc[1]!r}; stages are {', '.join(s.value for s in Stage)}"
        raise InputError(
            reason,
            file=_file_for(dotted, origin, region_path if region_path.exists() else default_path),
            field=dotted,
        ) from exc
    # Cross-references: every stage (and case) must point at a configured body and people.
    bodies, people = set(config.bodies), set(config.people)
    for key, body_config in config.bodies.items():
        preparer = body_config.prepared_by
        if preparer is not None and (preparer not in bodies or preparer == key):
            raise InputError(
                f"unknown preparing body {preparer!r}; known: {', '.join(sorted(bodies - {key}))}",
                file=_file_for(f"bodies.{key}.prepared_by", origin, default_path),
                field=f"bodies.{key}.prepared_by",
            )
    for stage, stage_config in config.stages.items():
        entries: list[tuple[str, Any]] = [(f"stages.{stage.value}", stage_config)]
        entries += [(f"stages.{stage.value}.cases.{key}", case) for key, case in stage_config.cases.items()]
        for base, entry in entries:
            checks = [("body", entry.body, bodies), ("presenter", entry.presenter, people)]
            checks += [(f"preparers[{i}]", key, people) for i, key in enumerate(entry.preparers or [])]
            for field, key, table in checks:
                if key is not None and key not in table:
                    what = "body" if field == "body" else "person"
                    raise InputError(
                        f"unknown {what} {key!r}; known: {', '.join(sorted(table))}",
                        file=_file_for(f"{base}.{field.split('[')[0]}", origin, default_path),
                        field=f"{base}.{field}",
                    )
    return config


def _case_config(stage_config: StageConfig, case: str | None) -> CaseConfig | None:
    """The case's own entry, else its family's: ``award`` configures every ``award-…`` case."""
    if case is None:
        return None
    if case in stage_config.cases:
        return stage_config.cases[case]
    families = [key for key in stage_config.cases if case.startswith(key + "-")]
    return stage_config.cases[max(families, key=len)] if families else None


def load_governance(
    region_code: str,
    stage: Stage | str,
    config_dir: Path,
    *,
    case: str | None = None,
    region_name: str | None = None,
) -> StageGovernance:
    """The governance of ``stage`` (and its ``case``) in ``region_code``: body, presenter,
    preparers, dnro pattern and appeal route; a case's entry under ``[stages.<stage>.cases.<case>]``
    overrides the stage's.

    Raises :class:`~soteflow.errors.InputError` (file, field, reason) for a TOML syntax error, a
    missing or unknown key, an unknown stage or a reference to an unconfigured body or person.
    """
    try:
        stage = Stage(stage)
    except ValueError as exc:
        raise InputError(
            f"unknown stage {stage!r}; stages are {', '.join(s.value for s in Stage)}", field="stage"
        ) from exc
    config = load_region_config(region_code, config_dir, region_name=region_name)
    if stage not in config.stages:
        raise InputError("stage is not configured", file=config_dir / DEFAULT_FILE, field=f"stages.{stage.value}")
    stage_config = config.stages[stage]
    override = _case_config(stage_config, case)
    body = (override.body if override else None) or stage_config.body
    presenter = (override.presenter if override else None) or stage_config.presenter
    preparers = (override.preparers if override else None) or stage_config.preparers
    return StageGovernance(
        region_code=region_code,
        region_name=config.region_name,
        stage=stage,
        case=case,
        body_key=body,
        body=config.bodies[body],
        presenter=config.people[presenter],
        preparers=[config.people[key] for key in preparers],
        dnro_pattern=(override.dnro if override else None) or stage_config.dnro,
        meeting=config.meeting,
        appeal=config.appeal,
        appeal_override=override.appeal if override else None,
        preparing_body=config.bodies[prepared] if (prepared := config.bodies[body].prepared_by) else None,
        planning=config.planning,
    )
