"""The ``soteflow`` command: run stages and the demo, record decisions, inspect and verify the store.

Bad input ends in one clear line naming the file, row and field, and exit status 2; nothing is
stored in that case (every stage writes in one transaction, after all its input is validated).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

# Before Prefect is imported anywhere: telemetry can lock SQLite and tries to reach the internet.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")

import typer

from schemas.decisions import DecisionRecord, Outcome
from schemas.stages import Stage
from soteflow.errors import InputError, SoteflowError, StoreIntegrityError

app = typer.Typer(
    name="soteflow",
    help="Workflow engine for a welfare region's service-organising process (palvelujen järjestäminen).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
stage_app = typer.Typer(help="Run one stage of the cycle.", no_args_is_help=True)
artefacts_app = typer.Typer(help="Inspect and export stored artefact versions.", no_args_is_help=True)
store_app = typer.Typer(help="Manage the artefact store.", no_args_is_help=True)
app.add_typer(stage_app, name="stage")
app.add_typer(artefacts_app, name="artefacts")
app.add_typer(store_app, name="store")

RegionOpt = Annotated[
    str, typer.Option("--region", "-r", help="Welfare region: HVA08, PI or a name such as Pirkanmaa.")
]
CycleOpt = Annotated[int, typer.Option("--cycle", "-c", help="Planning cycle (year).")]
DEFAULT_CYCLE = 2026


def _fail(message: str, status: int = 2) -> None:
    typer.echo(f"soteflow: error: {message}", err=True)
    raise typer.Exit(status)


def _store() -> Any:
    from soteflow.stagekit import open_store

    return open_store()


def _validate_inputs(region: str, data_dir: Path | None) -> Any:
    """Check the stage-1 inputs before any run starts, so bad input is one line and stores nothing."""
    from soteflow.settings import get_settings
    from tasks.needs import validate_needs_inputs

    return validate_needs_inputs(data_dir or get_settings().input_dir, region)


def _resolve_region(text: str, data_dir: Path | None = None) -> Any:
    from soteflow.data.regions import load_region_key, resolve_region
    from soteflow.settings import get_settings

    key = load_region_key((data_dir or get_settings().input_dir) / "geo" / "finland-hva-2021.topo.json")
    return resolve_region(text, key)


@app.command()
def regions() -> None:
    """List the welfare-region areas a stage can run for."""
    from soteflow.data.regions import load_region_key
    from soteflow.settings import get_settings

    key = load_region_key(get_settings().input_dir / "geo" / "finland-hva-2021.topo.json")
    for region in key.regions.values():
        typer.echo(f"{region.code}\t{region.short_name_fi}\t{region.name_fi}")


@app.command()
def demo(
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
    out: Annotated[Path, typer.Option(help="Folder for documents, artefacts and summary.json.")] = Path("out/demo"),
    decisions: Annotated[
        Path | None, typer.Option(help="Scripted decisions (JSON); default: the body approves every stage.")
    ] = None,
    data: Annotated[Path | None, typer.Option(help="Folder of input files instead of the shipped data.")] = None,
    inputs: Annotated[
        Path | None,
        typer.Option("--inputs", help="Folder of the region's own input files (default: DATA/examples/REGION)."),
    ] = None,
) -> None:
    """Run the cycle's stages in order with scripted decisions, and write DIR/summary.json.

    Every stage's input files are checked before the first stage starts, so bad input stops the
    demo with one line (exit 2) and nothing stored.
    """
    from flows.cycle import cycle_flow
    from soteflow.gates import load_scripted

    resolved = _validate_inputs(region, data)
    folder = _inputs_dir(inputs, data, resolved.code)
    _precheck_later_stages(folder, data, cycle)
    load_scripted(decisions)  # validate before anything runs
    summary = cycle_flow(
        region=resolved.code,
        cycle=cycle,
        out_dir=str(out.resolve()),
        decisions_file=str(decisions.resolve()) if decisions else None,
        data_dir=str(data.resolve()) if data else None,
        inputs_dir=str(folder.resolve()),
    )
    for stage in summary["stages"]:
        typer.echo(
            f"{stage['number']}. {stage['name_fi']}: {stage['decision'] or 'ei päätöstä'}"
            f" — {len(stage['documents'])} asiakirjaa"
        )
    typer.echo(f"summary: {out / 'summary.json'}")


DataOpt = Annotated[Path | None, typer.Option(help="Folder of input files instead of the shipped data.")]
InputsOpt = Annotated[
    Path | None,
    typer.Option("--inputs", help="Folder of the stage's own input files (default: DATA/examples/REGION)."),
]
OutOpt = Annotated[Path | None, typer.Option(help="Export the stage's versions to this folder.")]
GateOpt = Annotated[
    str, typer.Option(help="none: propose and stop (decide later); scripted; pause (needs a Prefect server).")
]
DecisionsOpt = Annotated[Path | None, typer.Option(help="Scripted decisions file (with --gate scripted).")]
WeightOpt = Annotated[
    list[str] | None, typer.Option("--weight", help="A weight as NAME=VALUE (repeatable); others keep their default.")
]


def _gate(gate: str) -> str:
    from soteflow.gates import GateMode

    try:
        return GateMode(gate).value
    except ValueError:
        _fail(f"--gate must be one of {', '.join(m.value for m in GateMode)}")
        raise  # unreachable: _fail exits


def _weights(items: list[str] | None) -> dict[str, float] | None:
    """``["need=0,3", "cost=0.2"]`` → ``{"need": 0.3, "cost": 0.2}``; a malformed item exits 2."""
    if not items:
        return None
    out: dict[str, float] = {}
    for item in items:
        name, sep, value = item.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            out[name.strip()] = float(value.strip().replace(",", "."))
        except ValueError:
            _fail(f"--weight {item!r}: expected NAME=NUMBER, e.g. --weight need=0.3")
    return out


def _inputs_dir(inputs: Path | None, data: Path | None, region_code: str) -> Path:
    from tasks.inputs import inputs_dir_or_default

    return inputs_dir_or_default(inputs, data, region_code)


def _run(
    flow: Any,
    *,
    region: str,
    cycle: int,
    data: Path | None,
    out: Path | None,
    gate: str,
    decisions: Path | None,
    **params: Any,
) -> None:
    """Run a stage flow with the common options and print what it stored and decided."""
    from soteflow.gates import load_scripted

    mode = _gate(gate)
    load_scripted(decisions)  # validate before anything runs
    result = flow(
        region=region,
        cycle=cycle,
        data_dir=str(data.resolve()) if data else None,
        out_dir=str(out.resolve()) if out else None,
        gate=mode,
        decisions_file=str(decisions.resolve()) if decisions else None,
        **params,
    )
    _print_result(result)


def _precheck_later_stages(folder: Path, data: Path | None, cycle: int) -> None:
    """Check the input files of stages 2–4 against each other before a cycle starts.

    The catalogue's target ids are checked against the targets file the same cycle's stage 2
    will propose, and the compared services against the catalogue stage 3 will propose; each
    stage also checks its inputs against the approved upstream round itself.
    """
    from tasks.chains import CATALOGUE_FILE, read_catalogue, validate_chains_inputs
    from tasks.comparison_inputs import validate_comparison_inputs
    from tasks.feedback import morphology_version
    from tasks.targets import validate_targets_inputs

    targets = validate_targets_inputs(folder, cycle=cycle)
    validate_chains_inputs(folder, taxonomy_path=_taxonomy(data), target_ids={t.target_id for t in targets.targets})
    validate_comparison_inputs(folder, service_ids=read_catalogue(folder / CATALOGUE_FILE).service_ids())
    morphology_version()  # Voikko and its Finnish dictionary are there before anything runs


@stage_app.command("needs")
def stage_needs(
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
    data: DataOpt = None,
    out: OutOpt = None,
    gate: GateOpt = "none",
    decisions: DecisionsOpt = None,
) -> None:
    """Stage 1, strategic service needs assessment (palvelutarvearvio)."""
    from flows.s1_needs import needs_flow

    resolved = _validate_inputs(region, data)
    _run(needs_flow, region=resolved.code, cycle=cycle, data=data, out=out, gate=gate, decisions=decisions)


@stage_app.command("targets")
def stage_targets(
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
    data: DataOpt = None,
    inputs: InputsOpt = None,
    out: OutOpt = None,
    gate: GateOpt = "none",
    decisions: DecisionsOpt = None,
    allocation_method: Annotated[
        str | None, typer.Option(help="need_share, current_spend or blend (default: the assumptions file).")
    ] = None,
    need_weight: Annotated[
        float | None, typer.Option(help="Weight of the need share in a blend, 0–1 (default: the assumptions file).")
    ] = None,
) -> None:
    """Stage 2, performance targets and the financial frame; starts from the approved stage 1."""
    from flows.s2_targets import targets_flow
    from tasks.targets import validate_targets_inputs
    from tasks.targets_proposal import load_needs_basis

    code = _resolve_region(region, data).code
    folder = _inputs_dir(inputs, data, code)
    validate_targets_inputs(folder, cycle=cycle, allocation_method=allocation_method, need_weight=need_weight)
    # Then against the approved stage 1 (baselines exist, directions agree): all a run would reject.
    basis = load_needs_basis(_store(), region=code, cycle=cycle)
    validate_targets_inputs(
        folder, basis=basis, cycle=cycle, allocation_method=allocation_method, need_weight=need_weight
    )
    _run(
        targets_flow, region=code, cycle=cycle, data=data, out=out, gate=gate, decisions=decisions,
        inputs_dir=str(folder.resolve()), allocation_method=allocation_method, need_weight=need_weight,
    )  # fmt: skip


@stage_app.command("chains")
def stage_chains(
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
    data: DataOpt = None,
    inputs: InputsOpt = None,
    out: OutOpt = None,
    gate: GateOpt = "none",
    decisions: DecisionsOpt = None,
    weight: WeightOpt = None,
    sensitivity_step: Annotated[
        float | None, typer.Option(help="Relative move of each weight in the sensitivity check, e.g. 0.2.")
    ] = None,
) -> None:
    """Stage 3, prioritised service packages, service chains and the stakeholder-feedback synthesis."""
    from flows.s3_chains import chains_flow
    from tasks.chains import validate_chains_inputs
    from tasks.feedback import morphology_version

    code = _resolve_region(region, data).code
    folder = _inputs_dir(inputs, data, code)
    weights = _weights(weight)
    validate_chains_inputs(folder, taxonomy_path=_taxonomy(data), weights=weights, sensitivity_step=sensitivity_step)
    morphology_version()  # Voikko and its Finnish dictionary are there before anything runs
    _run(
        chains_flow, region=code, cycle=cycle, data=data, out=out, gate=gate, decisions=decisions,
        inputs_dir=str(folder.resolve()), weights=weights, sensitivity_step=sensitivity_step,
    )  # fmt: skip


@stage_app.command("comparison")
def stage_comparison(
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
    data: DataOpt = None,
    inputs: InputsOpt = None,
    out: OutOpt = None,
    gate: GateOpt = "none",
    decisions: DecisionsOpt = None,
    weight: WeightOpt = None,
    vat_treatment: Annotated[
        str | None,
        typer.Option(help="exclusive (compare without VAT, the default) or with_unrefunded_vat."),
    ] = None,
) -> None:
    """Stage 4, own vs purchased production on full comparable costs, and the organising plan.

    Weights (--weight NAME=VALUE): cost, quality, availability, small_producers, continuity,
    innovation.
    """
    from flows.s4_comparison import comparison_flow
    from soteflow.upstream import approved_round
    from tasks.comparison import catalogue_service_ids
    from tasks.comparison_inputs import validate_comparison_inputs

    code = _resolve_region(region, data).code
    folder = _inputs_dir(inputs, data, code)
    weights = _weights(weight)
    validate_comparison_inputs(folder, criteria_weights=weights, vat_treatment=vat_treatment)
    # Then against the approved stage-3 catalogue: every compared service must be one of its steps.
    store = _store()
    catalogue = approved_round(store, region=code, cycle=cycle, stage=Stage.CHAINS)
    version = store.get_version(catalogue.ref("chains-catalogue").version_id)
    validate_comparison_inputs(
        folder,
        service_ids=catalogue_service_ids(store.read_json(version)),
        criteria_weights=weights,
        vat_treatment=vat_treatment,
    )
    _run(
        comparison_flow, region=code, cycle=cycle, data=data, out=out, gate=gate, decisions=decisions,
        inputs_dir=str(folder.resolve()), criteria_weights=weights, vat_treatment=vat_treatment,
    )  # fmt: skip


def _taxonomy(data: Path | None) -> Path:
    from tasks.chains import default_taxonomy_path

    return default_taxonomy_path(data)


def _print_result(result: Any) -> None:
    typer.echo(f"{result.number}. {result.name_fi} — {result.region} {result.cycle}")
    for vref in result.artefacts:
        typer.echo(f"  {vref.key:<34} v{vref.version:<3} {vref.status:<10} {vref.sha256[:16]}")
    if result.decision is None:
        typer.echo(f"  Ehdotus odottaa päätöstä: soteflow decide --stage {result.stage.value} …")
    else:
        typer.echo(f"  Päätös: {result.decision.outcome.label_fi} ({result.decision.body} {result.decision.section} §)")
    for path in result.documents:
        typer.echo(f"  {path}")


@app.command()
def decide(
    stage: Annotated[str, typer.Option(help="The stage whose proposal was decided, e.g. needs.")],
    outcome: Annotated[str, typer.Option(help="approved, returned or rejected.")],
    body: Annotated[str, typer.Option(help="The body that decided, e.g. Aluehallitus.")],
    meeting_date: Annotated[str, typer.Option(help="Meeting date, YYYY-MM-DD.")],
    section: Annotated[str, typer.Option(help="§ number in the minutes.")],
    recorded_by: Annotated[str, typer.Option(help="Who records the decision.")],
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
    comments: Annotated[str, typer.Option(help="The body's comments (required when returned).")] = "",
    decision_number: Annotated[str | None, typer.Option(help="Decision number, if any.")] = None,
    flow_run: Annotated[str | None, typer.Option(help="Resume this paused or suspended flow run.")] = None,
) -> None:
    """Record a governance body's decision on a stage's latest proposal.

    If a flow run waits for the decision (paused or suspended), it is resumed with the decision,
    and the run records it; otherwise the decision is recorded in the store directly.
    """
    from pydantic import ValidationError

    try:
        stage_enum = Stage(stage)
    except ValueError:
        _fail(f"--stage must be one of {', '.join(s.value for s in Stage)}")
    try:
        record = DecisionRecord(
            outcome=Outcome(outcome),
            body=body,
            meeting_date=dt.date.fromisoformat(meeting_date),
            section=section,
            decision_number=decision_number,
            comments=comments,
            recorded_by=recorded_by,
        )
    except (ValueError, ValidationError) as exc:
        _fail(f"invalid decision: {exc}")
    if record.outcome is Outcome.RETURNED and not record.comments:
        _fail("a returned proposal needs --comments: the next proposal answers them")
    resolved = _resolve_region(region)
    from soteflow.decide import decide_proposal

    message = decide_proposal(
        region=resolved.code, cycle=cycle, stage=stage_enum, decision=record, flow_run_id=flow_run
    )
    typer.echo(message)


@artefacts_app.command("list")
def artefacts_list(
    region: Annotated[str | None, typer.Option(help="Only this region (code).")] = None,
    cycle: Annotated[int | None, typer.Option(help="Only this cycle.")] = None,
    stage: Annotated[str | None, typer.Option(help="Only this stage.")] = None,
) -> None:
    """List artefacts with their latest version."""
    store = _store()
    code = _resolve_region(region).code if region else None
    rows = store.list_artefacts(region=code, cycle=cycle, stage=stage)
    if not rows:
        typer.echo("no artefacts")
    for artefact in rows:
        latest = store.latest(artefact.region, artefact.cycle, artefact.key)
        typer.echo(
            f"{artefact.region}\t{artefact.cycle}\t{artefact.stage}\t{artefact.key:<24}\t"
            f"v{latest.version}\t{_status(latest):<10}\t{latest.sha256[:16]}\t{artefact.title}"
        )


def _status(version: Any) -> str:
    return str(getattr(version.status, "value", version.status))


def _find(store: Any, region: str, cycle: int, key: str, version: int | None) -> Any:
    history = store.history(region, cycle, key)
    if not history:
        _fail(f"no artefact {key!r} for {region} {cycle}")
    if version is None:
        return history[-1]
    for item in history:
        if item.version == version:
            return item
    _fail(f"artefact {key!r} has no version {version}")


@artefacts_app.command("show")
def artefacts_show(
    key: Annotated[str, typer.Argument(help="Artefact key, e.g. needs-index.")],
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
    version: Annotated[int | None, typer.Option(help="Version number; default the latest.")] = None,
) -> None:
    """Show one version: metadata, lineage, decisions and (for JSON) the payload."""
    store = _store()
    code = _resolve_region(region).code
    item = _find(store, code, cycle, key, version)
    info = {
        "key": key,
        "version": item.version,
        "id": str(item.id),
        "status": _status(item),
        "sha256": item.sha256,
        "prev_sha256": item.prev_sha256,
        "media_type": item.media_type,
        "schema": f"{item.schema_name} {item.schema_version}",
        "code_version": item.code_version,
        "created_at": item.created_at.isoformat(),
        "flow_run_id": item.flow_run_id,
        "inputs": item.inputs,
        "decisions": [
            {
                "body": d.body,
                "outcome": d.outcome,
                "meeting_date": d.meeting_date.isoformat(),
                "section": d.section,
                "comments": d.comments,
                "sha256": d.sha256,
            }
            for d in store.decisions_for(item.id)
        ],
    }
    typer.echo(json.dumps(info, indent=2, ensure_ascii=False, default=str))
    if item.payload is not None:
        typer.echo(json.dumps(json.loads(item.payload), indent=2, ensure_ascii=False))


@artefacts_app.command("history")
def artefacts_history(
    key: Annotated[str, typer.Argument(help="Artefact key.")],
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
) -> None:
    """Every version of one artefact, oldest first, with its hash chain and decisions."""
    store = _store()
    code = _resolve_region(region).code
    history = store.history(code, cycle, key)
    if not history:
        _fail(f"no artefact {key!r} for {code} {cycle}")
    for item in history:
        decisions = store.decisions_for(item.id)
        decided = "; ".join(f"{d.outcome} {d.body} {d.meeting_date} {d.section} §" for d in decisions)
        typer.echo(
            f"v{item.version}\t{_status(item)}\t{item.created_at:%Y-%m-%d %H:%M:%S}Z\t"
            f"{item.sha256[:16]}\tprev {str(item.prev_sha256 or '-')[:16]}\t{decided}"
        )


@artefacts_app.command("export")
def artefacts_export(
    key: Annotated[str, typer.Argument(help="Artefact key.")],
    dest: Annotated[Path, typer.Option(help="Folder to write to.")],
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
    version: Annotated[int | None, typer.Option(help="Version number; default the latest.")] = None,
) -> None:
    """Write one version (JSON pretty-printed, or the file) into DEST."""
    store = _store()
    code = _resolve_region(region).code
    dest.mkdir(parents=True, exist_ok=True)
    item = _find(store, code, cycle, key, version)
    typer.echo(str(store.export_version(item, dest)))


@app.command()
def verify() -> None:
    """Re-hash every payload and file and check every chain; exit 1 and name each mismatch."""
    from soteflow.store.verify import verify as verify_store

    report = verify_store(_store())
    for problem in report.problems:
        typer.echo(f"FAIL {problem}", err=True)
    typer.echo(report.summary())
    if not report.ok:
        raise typer.Exit(1)


@store_app.command("migrate")
def store_migrate() -> None:
    """Create or upgrade the artefact store's schema (Alembic migrations)."""
    from soteflow.settings import get_settings
    from soteflow.store.db import migrate

    migrate(get_settings().store_url)
    typer.echo(f"store at head: {get_settings().store_url}")


def main(argv: list[str] | None = None) -> None:
    """Entry point: bad input and store problems become one line and an exit status."""
    try:
        app(args=argv, standalone_mode=True)
    except InputError as exc:
        typer.echo(f"soteflow: error: {exc.message}", err=True)
        sys.exit(2)
    except StoreIntegrityError as exc:
        typer.echo(f"soteflow: store integrity: {exc}", err=True)
        sys.exit(1)
    except SoteflowError as exc:
        typer.echo(f"soteflow: error: {exc}", err=True)
        sys.exit(1)
