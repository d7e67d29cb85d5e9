"""The ``soteflow`` command: run a stage or the demo, record decisions, and the engine's store commands.

The ``stage`` commands are built from the registry of stages (:mod:`tasks.registry`): each takes
the common options and the stage's own parameters (declared on its parameters model with a
``cli`` option name). Every command checks all its input before a run starts, so bad input ends
in one line naming the file, row and field, exit status 2, and nothing stored. A run is the same
Prefect flow a deployment runs (loaded from the stage's entrypoint).
"""

from __future__ import annotations

import datetime as dt
import inspect
import os
import types
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Union, get_args, get_origin

# Before Prefect is imported anywhere: telemetry can lock SQLite and tries to reach the internet,
# and on a busy machine the temporary API server needs longer than Prefect's default 20 s to start.
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")

import typer
from pydantic import BaseModel, ValidationError

from schemas.decisions import DecisionRecord, Outcome
from schemas.results import StageResult
from schemas.stages import Stage
from soteflow.cli import DEFAULT_CYCLE, CycleOpt, RegionOpt, fail, resolve_region, run
from soteflow.cli import app as engine_app
from soteflow.errors import InputError
from soteflow.runtime import command_flow_runs
from tasks.registry import CYCLE_FLOW, STAGES, Definition

app = engine_app
stage_app = typer.Typer(help="Run one stage of the cycle.", no_args_is_help=True)
app.add_typer(stage_app, name="stage")

DataOpt = Annotated[
    Path | None, typer.Option("--data", help="Folder of public data and configuration (default: shipped).")
]
InputsOpt = Annotated[
    Path | None,
    typer.Option("--inputs", help="Folder of the region's own input files (default: DATA/examples/REGION)."),
]
OutOpt = Annotated[Path | None, typer.Option("--out", help="Export the stage's versions to this folder.")]
StaleOpt = Annotated[
    bool,
    typer.Option(
        "--allow-stale-basis",
        help="Build on an approved round that rests on a superseded basis (refused by default).",
    ),
]
GateOpt = Annotated[
    str,
    typer.Option("--gate", help="none: propose and stop (decide later); scripted; pause (needs a Prefect server)."),
]
DecisionsOpt = Annotated[
    Path | None, typer.Option("--decisions", help="Scripted decisions file (with --gate scripted).")
]
PeriodOpt = Annotated[
    str | None, typer.Option("--period", help="The period of a periodic stage: a month 2026-03 or a quarter 2026-Q1.")
]
MeetingOpt = Annotated[
    str | None, typer.Option("--meeting-date", help="Meeting date YYYY-MM-DD (default: from the data).")
]
TaskRunnerOpt = Annotated[
    str,
    typer.Option(
        "--task-runner",
        help="Where the producer reports render: default, or dask (a local Dask cluster of render_workers "
        "processes, or the scheduler at SOTEFLOW_DASK_ADDRESS).",
    ),
]


def _gate(gate: str) -> str:
    from soteflow.gates import GateMode

    try:
        mode = GateMode(gate)
    except ValueError:
        fail(f"--gate must be one of {', '.join(m.value for m in GateMode)}")
    value: str = mode.value
    if mode is GateMode.SUSPEND:
        fail("--gate suspend needs a deployment (prefect deployment run …); use none, scripted or pause")
    if mode is GateMode.PAUSE:
        from prefect.settings import PREFECT_API_URL

        if not PREFECT_API_URL.value():
            fail("--gate pause needs a Prefect server: set PREFECT_API_URL (see the README)")
    return value


def _pairs(items: list[str] | None, option: str) -> dict[str, float] | None:
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
            fail(f"{option} {item!r}: expected NAME=NUMBER, e.g. {option} need=0.3")
    return out


def _has_inputs(definition: Definition) -> bool:
    return any(f.folder == "inputs" for f in definition.files)


def _param_options(model: type[BaseModel]) -> list[tuple[str, str, Any, Callable[[Any], Any]]]:
    """The CLI options of a parameters model: (field, option name, annotation, converter)."""
    out: list[tuple[str, str, Any, Callable[[Any], Any]]] = []
    keep: Callable[[Any], Any] = _unchanged
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        option = str(extra.get("cli") or "--" + name.replace("_", "-"))
        annotation = info.annotation
        args = [a for a in get_args(annotation) if a is not type(None)]
        base = args[0] if get_origin(annotation) in (Union, types.UnionType) and len(args) == 1 else annotation
        help_text = info.description or ""
        if get_origin(base) is dict:
            pairs = Annotated[list[str] | None, typer.Option(option, help=help_text + " Toistettava: NAME=VALUE.")]
            out.append((name, option, pairs, _pairs_of(option)))
        elif base is float:
            out.append((name, option, Annotated[float | None, typer.Option(option, help=help_text)], keep))
        elif base is int:
            out.append((name, option, Annotated[int | None, typer.Option(option, help=help_text)], keep))
        else:  # enums and text: passed as text, validated by the model
            out.append((name, option, Annotated[str | None, typer.Option(option, help=help_text)], keep))
    return out


def _unchanged(value: Any) -> Any:
    return value


def _pairs_of(option: str) -> Callable[[Any], Any]:
    return lambda values: _pairs(values, option)


def _flow(entrypoint: str) -> Any:
    """The Prefect flow at ``entrypoint``, loaded the way a deployment loads it."""
    from prefect.flows import load_flow_from_entrypoint

    return load_flow_from_entrypoint(entrypoint)


def _context(
    definition: Definition,
    region: str,
    cycle: int,
    data: Path | None,
    inputs: Path | None,
    meeting_date: str | None,
    period: str | None = None,
) -> Any:
    from tasks.context import make_context

    return make_context(
        definition.stage,
        region=region,
        cycle=cycle,
        data_dir=data,
        inputs_dir=inputs,
        meeting_date=meeting_date,
        period=period,
    )


#: The command-line option of each common run parameter, for messages about an argument.
_COMMON_OPTIONS = {"region": "--region", "cycle": "--cycle", "meeting_date": "--meeting-date", "period": "--period"}


@contextmanager
def _named_options(definition: Definition) -> Iterator[None]:
    """An error about a run parameter names its command-line option (``--weight``, not
    ``index_weights``); errors about files pass unchanged."""
    try:
        yield
    except InputError as exc:
        options = _COMMON_OPTIONS | {name: option for name, option, _a, _c in _param_options(definition.params)}
        if exc.file is None and exc.field in options:
            raise InputError(exc.reason, field=options[exc.field]) from None
        raise


def _run_stage(definition: Definition, options: Mapping[str, Any]) -> None:
    """Check everything a run would refuse, then run the stage's flow and print what it did."""
    with _named_options(definition):
        _checked_run(definition, options)


def _checked_run(definition: Definition, options: Mapping[str, Any]) -> None:
    if options.get("allow_stale_basis"):  # the flow runs in this process: its settings follow
        from soteflow.settings import get_settings

        os.environ["SOTEFLOW_ALLOW_STALE_BASIS"] = "1"
        get_settings.cache_clear()
    from soteflow.gates import load_scripted
    from tasks.round import check_period_given, in_process_flow_settings, prepare

    gate = _gate(options["gate"])
    decisions: Path | None = options["decisions"]
    load_scripted(decisions)
    params = {name: convert(options[name]) for name, _o, _a, convert in _param_options(definition.params)}
    ctx = _context(
        definition,
        options["region"],
        options["cycle"],
        options["data"],
        options.get("inputs"),
        options["meeting_date"],
        options.get("period"),
    )
    check_period_given(definition, ctx)
    prepare(definition, ctx, params)  # the basis, every input file, the analysis: all a run would reject
    flow = _flow(definition.flow)
    accepted = set(inspect.signature(flow.fn).parameters)
    task_runner = options.get("task_runner")
    if task_runner is not None:
        flow = _with_task_runner(flow, task_runner)
    arguments = {
        "region": ctx.region,
        "cycle": ctx.cycle,
        "data_dir": str(options["data"].resolve()) if options["data"] else None,
        "inputs_dir": str(ctx.inputs_dir) if options.get("inputs") else None,
        "out_dir": str(options["out"].resolve()) if options["out"] else None,
        "gate": gate,
        "decisions_file": str(decisions.resolve()) if decisions else None,
        "meeting_date": options["meeting_date"],
        "period": ctx.period,
        "task_runner": task_runner,
        # An option not given keeps the flow's own default (e.g. the steering flow's visits = 3).
        **{name: value for name, value in params.items() if value is not None},
    }
    # The run ends with this command: no heartbeats; its temporary server dies with it, and a run
    # an earlier, killed command left RUNNING is marked crashed first.
    with in_process_flow_settings(), command_flow_runs():
        result = flow(**{k: v for k, v in arguments.items() if k in accepted})
    _print_result(result)


def _with_task_runner(flow: Any, task_runner: str) -> Any:
    """The steering flow on the task runner ``--task-runner`` names (its producer reports fan out on it)."""
    from tasks.monitoring.fanout import TASK_RUNNERS, dask_task_runner

    if task_runner not in TASK_RUNNERS:
        fail(f"--task-runner must be one of {', '.join(TASK_RUNNERS)}")
    return flow.with_options(task_runner=dask_task_runner()) if task_runner == "dask" else flow


def _stage_command(definition: Definition) -> Callable[..., None]:
    """A ``soteflow stage <name>`` command with the common options and the stage's own."""

    def command(**options: Any) -> None:
        _run_stage(definition, options)

    parameters = [
        ("region", RegionOpt, "HVA08"),
        ("cycle", CycleOpt, DEFAULT_CYCLE),
        ("data", DataOpt, None),
        *([("inputs", InputsOpt, None)] if _has_inputs(definition) else []),
        ("out", OutOpt, None),
        ("allow_stale_basis", StaleOpt, False),
        ("gate", GateOpt, "none"),
        ("decisions", DecisionsOpt, None),
        ("meeting_date", MeetingOpt, None),
        *([("period", PeriodOpt, None)] if definition.periodic else []),
        # Stage 6's producer reports fan out as mapped tasks, on Dask if asked.
        *([("task_runner", TaskRunnerOpt, "default")] if definition.stage is Stage.STEERING else []),
        *[(name, annotation, None) for name, _o, annotation, _c in _param_options(definition.params)],
    ]
    command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(n, inspect.Parameter.KEYWORD_ONLY, default=d, annotation=a) for n, a, d in parameters]
    )
    files = ", ".join(f.name for f in definition.files if f.folder == "inputs")
    command.__doc__ = f"Stage {definition.stage.number}, {definition.stage.title_fi}.\n\n{definition.description}" + (
        f"\n\nReads from --inputs: {files}." if files else ""
    )
    return command


for _definition in STAGES:
    stage_app.command(_definition.stage.value)(_stage_command(_definition))


def _print_result(result: StageResult) -> None:
    typer.echo(f"{result.number}. {result.name_fi} — {result.region} {result.cycle}")
    for vref in result.artefacts:
        typer.echo(f"  {vref.key:<34} v{vref.version:<3} {vref.status:<10} {vref.sha256[:16]}")
    for case in result.cases:
        if case.decision is None:
            option = "" if len(result.cases) == 1 else f" --case {case.case}"
            typer.echo(f"  {case.title}: odottaa päätöstä (soteflow decide --stage {result.stage.value}{option} …)")
        else:
            typer.echo(
                f"  {case.title}: {case.decision.outcome.label_fi} ({case.decision.body} {case.decision.section} §)"
            )
    for path in result.documents:
        typer.echo(f"  {path}")


@app.command(context_settings={"allow_extra_args": True})
def demo(
    context: typer.Context,
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
    out: Annotated[Path, typer.Option(help="Folder for documents, artefacts and summary.json.")] = Path("out/demo"),
    decisions: Annotated[
        Path | None, typer.Option(help="Scripted decisions (JSON); default: the body approves every case.")
    ] = None,
    data: DataOpt = None,
    inputs: InputsOpt = None,
    cycles: Annotated[
        int | None,
        typer.Option(
            "--cycles",
            help="Run consecutive cycles back to back: --cycles 2026 2027. Each cycle's stage 1 starts from "
            "the previous cycle's approved evaluation; each cycle's output goes to OUT/<cycle>.",
        ),
    ] = None,
) -> None:
    """Run the built stages in order with scripted decisions, and write OUT/summary.json.

    Every stage's input files are checked before the first stage starts (each against what the
    stages before it will propose), so bad input stops the demo with one line (exit 2) and
    nothing stored. Ends with each stage's time, also written into the summary. With ``--cycles``
    the cycles run one after another, each into OUT/<cycle>.
    """
    from soteflow.gates import load_scripted

    load_scripted(decisions)  # validate before anything runs
    if cycles is None:
        if context.args:
            fail(f"unexpected argument {context.args[0]!r}")
        _demo_cycle(region, cycle, out, decisions, data, inputs)
        return
    years = [cycles, *_cycle_years(context.args)]  # --cycles 2026 2027: the years after the first are extra args
    if years != list(range(years[0], years[0] + len(years))):
        fail(f"--cycles must be consecutive years in order (got {' '.join(map(str, years))})")
    for year in years:
        typer.echo(f"== kierros {year} ==")
        _demo_cycle(region, year, out / str(year), decisions, data, inputs)


def _cycle_years(args: list[str]) -> list[int]:
    """The years given after ``--cycles``'s first one; anything else is an error (exit 2)."""
    years = []
    for arg in args:
        if not arg.isdigit():
            fail(f"--cycles takes years (got {arg!r})")
        years.append(int(arg))
    return years


def _demo_cycle(
    region: str, cycle: int, out: Path, decisions: Path | None, data: Path | None, inputs: Path | None
) -> None:
    """One cycle of the demo: check every stage's files, run the cycle flow, print the summary."""
    from tasks.round import check_files, in_process_flow_settings
    from tasks.summary import time_table

    if inputs is None:
        inputs = _generated_inputs(region, cycle, data)
    planned: dict[Stage, Any] = {}
    ctx = None
    for definition in STAGES:
        ctx = _context(definition, region, cycle, data, inputs, None)
        if not definition.periodic:  # a periodic stage's precheck checks each period's files
            check_files(definition, ctx)  # missing, folders, oversized: before any file is read
        planned[definition.stage] = definition.precheck(ctx, definition.parse_params(None), planned)
    assert ctx is not None
    # The run ends with this command: no heartbeats; its temporary server dies with it, and a run
    # an earlier, killed command left RUNNING is marked crashed first.
    with in_process_flow_settings(), command_flow_runs():
        summary = _flow(CYCLE_FLOW)(
            region=ctx.region,
            cycle=ctx.cycle,
            out_dir=str(out.resolve()),
            decisions_file=str(decisions.resolve()) if decisions else None,
            data_dir=str(data.resolve()) if data else None,
            inputs_dir=str(ctx.inputs_dir),
        )
    for stage in summary["stages"]:
        typer.echo(
            f"{stage['number']}. {stage['name_fi']}{' ' + stage['period'] if stage.get('period') else ''}:"
            f" {stage['decision'] or 'ei päätöstä'}"
            f" — {len(stage['documents'])} asiakirjaa"
        )
    for line in time_table(summary):
        typer.echo(line)
    typer.echo(f"summary: {out / 'summary.json'}")


def _generated_inputs(region: str, cycle: int, data: Path | None) -> Path | None:
    """None when the region has its own example folder (``DATA/examples/REGION``); otherwise
    generate its example inputs from its own stage-1 figures and say so in one line."""
    from tasks.examples import demo_inputs

    ctx = _context(STAGES[0], region, cycle, data, None, None)
    if ctx.inputs_dir.is_dir():
        return None
    folder = demo_inputs(ctx.region, cycle=ctx.cycle, data_dir=ctx.data_dir)
    typer.echo(f"{ctx.region}: ei omia esimerkkitiedostoja; ESIMERKKIAINEISTO generoitu alueen luvuista: {folder}")
    return folder


def _case_key(stage: Stage, case: str | None, region: str, cycle: int) -> str:
    """The case to decide: the one named, else the stage's only case awaiting a decision."""
    from soteflow.stagekit import open_store, status_of

    if case:
        return case
    store = open_store()
    waiting = []
    for artefact in store.list_artefacts(region=region, cycle=cycle, stage=stage):
        if artefact.kind == "proposal" and artefact.key.endswith("-proposal"):
            latest = store.latest(region, cycle, artefact.key)
            if latest is not None and status_of(latest) == "proposed":
                waiting.append(artefact.key.removesuffix("-proposal"))
    if len(waiting) > 1:
        fail(f"several cases of {stage.value} await a decision ({', '.join(sorted(waiting))}); name one with --case")
    return waiting[0] if waiting else stage.value


@app.command()
def decide(
    stage: Annotated[str, typer.Option(help="The stage whose proposal was decided, e.g. needs.")],
    outcome: Annotated[str, typer.Option(help="approved, returned, rejected or noted.")],
    body: Annotated[str, typer.Option(help="The body that decided, e.g. Aluehallitus.")],
    meeting_date: Annotated[str, typer.Option(help="Meeting date, YYYY-MM-DD.")],
    section: Annotated[str, typer.Option(help="§ number in the minutes.")],
    recorded_by: Annotated[str, typer.Option(help="Who records the decision.")],
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
    case: Annotated[
        str | None, typer.Option(help="The case (asia) decided; may be left out when the stage awaits one.")
    ] = None,
    comments: Annotated[str, typer.Option(help="The body's comments (required when returned).")] = "",
    decision_number: Annotated[str | None, typer.Option(help="Decision number, if any.")] = None,
    flow_run: Annotated[str | None, typer.Option(help="Resume this paused or suspended flow run.")] = None,
    without_run: Annotated[
        bool,
        typer.Option(help="Record in the store although a run was logged as waiting (that run was cancelled)."),
    ] = False,
) -> None:
    """Record a governance body's decision on a case's latest proposal.

    If a flow run waits for the decision (paused or suspended), it is resumed with the decision,
    and the run records it; otherwise the decision is recorded in the store directly.
    """
    from soteflow.decide import decide_case
    from tasks.context import check_cycle

    try:
        stage_enum = Stage(stage)
    except ValueError:
        fail(f"--stage must be one of {', '.join(s.value for s in Stage)}")
    try:
        outcome_value = Outcome(outcome)
    except ValueError:
        fail(f"invalid decision: --outcome must be one of {', '.join(o.value for o in Outcome)}")
    try:
        date = dt.date.fromisoformat(meeting_date)
    except ValueError:
        fail(f"invalid decision: --meeting-date {meeting_date!r} is not a date (YYYY-MM-DD)")
    try:
        record = DecisionRecord(
            outcome=outcome_value,
            body=body,
            meeting_date=date,
            section=section,
            decision_number=decision_number,
            comments=comments,
            recorded_by=recorded_by,
        )
    except ValidationError as exc:
        # One line naming the option, e.g. "--body: String should have at least 1 character".
        first = exc.errors()[0]
        option = "--" + str(first["loc"][0]).replace("_", "-") if first["loc"] else "the decision"
        fail(f"invalid decision: {option}: {first['msg']}")
    if record.outcome is Outcome.RETURNED and not record.comments:
        fail("a returned proposal needs --comments: the next proposal answers them")
    checked_cycle = check_cycle(cycle)
    resolved = resolve_region(region)

    def same_region(text: str) -> bool:
        try:
            return bool(resolve_region(text).code == resolved.code)
        except InputError:
            return False

    message = decide_case(
        region=resolved.code,
        cycle=checked_cycle,
        stage=stage_enum,
        case=_case_key(stage_enum, case, resolved.code, checked_cycle),
        decision=record,
        flow_run_id=flow_run,
        region_matches=same_region,
        without_run=without_run,
    )
    typer.echo(message)


generate_app = typer.Typer(help="Write labelled synthetic input data.", no_args_is_help=True)
app.add_typer(generate_app, name="generate")


@generate_app.command("monitoring")
def generate_monitoring(
    period: Annotated[str, typer.Option("--period", help="The period: a month 2026-03 or a quarter 2026-Q1.")],
    region: RegionOpt = "HVA08",
    cycle: Annotated[
        int | None, typer.Option("--cycle", "-c", help="Planning cycle (default: the period's year).")
    ] = None,
    events: Annotated[int, typer.Option("--events", help="How many service events (up to tens of millions).")] = 5000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same files.")] = 1,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Inputs folder to write under (default: DATA/examples/REGION); files go to OUT/seuranta/PERIOD.",
        ),
    ] = None,
    events_format: Annotated[
        str,
        typer.Option(
            "--format", help="The events' form: parquet (tapahtumat.parquet) or csv (tapahtumat.csv, Finnish CSV)."
        ),
    ] = "parquet",
) -> None:
    """Write a period's SYNTHETIC monitoring data (events as Parquet or, with --format csv, as CSV,
    streaming; staffing, complaints, feedback and invoices as CSV) for the contracts of the approved
    stage-5 round, with deviations planted on purpose (listed in LUEMINUT.txt)."""
    from soteflow.stagekit import open_store
    from tasks.context import make_context
    from tasks.monitoring.generator import EVENTS_FORMATS, generate
    from tasks.procurement.basis import load_procurement_basis

    if events < 1:
        fail("--events must be at least 1")
    if events_format not in EVENTS_FORMATS:
        fail(f"--format must be one of {', '.join(EVENTS_FORMATS)}")
    year = cycle if cycle is not None else int(period[:4]) if period[:4].isdigit() else 0
    ctx = make_context(Stage.STEERING, region=region, cycle=year, inputs_dir=out, period=period)
    assert ctx.period is not None
    basis = load_procurement_basis(open_store(), region=ctx.region, cycle=ctx.cycle)
    folder = ctx.inputs_dir / "seuranta" / ctx.period
    files = generate(
        basis.contracts.contracts,
        region=ctx.region,
        period=ctx.period,
        events=events,
        seed=seed,
        out=folder,
        events_format="csv" if events_format == "csv" else "parquet",
    )
    typer.echo(f"SYNTEETTINEN AINEISTO {ctx.region} {ctx.period}: {events} tapahtumaa")
    for role, path in files.items():
        typer.echo(f"  {role:<9} {path}")


@generate_app.command("examples")
def generate_examples_command(
    out: Annotated[Path, typer.Option("--out", help="Folder to write the files into (new, empty or generated).")],
    region: RegionOpt = "HVA08",
    cycle: CycleOpt = DEFAULT_CYCLE,
    data: DataOpt = None,
) -> None:
    """Write a region's EXAMPLE inputs of stages 2–6 (ESIMERKKIAINEISTO), sized from its own real
    stage-1 figures (population, age structure, need index), with a README; the same region gives
    the same bytes. Replace the files with the region's real ones and run with --inputs OUT."""
    from tasks.examples import generate_examples

    ctx = _context(STAGES[0], region, cycle, data, None, None)
    try:
        files = generate_examples(ctx.region, out.resolve(), cycle=ctx.cycle, data_dir=ctx.data_dir)
    except FileExistsError as exc:
        fail(str(exc))
    typer.echo(f"ESIMERKKIAINEISTO {ctx.region} {ctx.region_name}: {len(files)} tiedostoa → {out}")


@app.command()
def deployments(
    write: Annotated[bool, typer.Option("--write", help="Write prefect.yaml instead of printing it.")] = False,
) -> None:
    """The Prefect deployments of every registered stage and the cycle, as prefect.yaml."""
    from tasks.deployments import PREFECT_YAML, deployments_yaml

    text = deployments_yaml()
    if write:
        PREFECT_YAML.write_text(text, encoding="utf-8")
        typer.echo(str(PREFECT_YAML))
    else:
        typer.echo(text, nl=False)


@app.command()
def notifications(
    write: Annotated[
        Path | None, typer.Option("--write", help="Write the automation here (for prefect automation create -f).")
    ] = None,
) -> None:
    """Notify the body's secretary when a stage run waits for a decision (a Prefect automation).

    Saves the webhook block from SOTEFLOW_NOTIFY_WEBHOOK_URL (or uses the block SOTEFLOW_NOTIFY_BLOCK
    names) on the server of PREFECT_API_URL, and creates the automation of
    automations/decision-awaited.yaml with it; with --write, only writes the file.
    """
    from prefect.settings import PREFECT_API_URL

    from soteflow.notify import create_automation, notification_block_id, write_automation

    if not PREFECT_API_URL.value():
        fail("notifications need a Prefect server: set PREFECT_API_URL (see the README)")
    block_id = notification_block_id()
    if write is not None:
        typer.echo(str(write_automation(write, block_id)))
    else:
        typer.echo(f"automation {create_automation(block_id)} (notification block {block_id})")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the ``soteflow`` command."""
    run(app, argv)


__all__ = ["app", "main"]


if __name__ == "__main__":
    main()
