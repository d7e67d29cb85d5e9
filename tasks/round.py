"""The generic stage round: one implementation that runs every stage declared as a :class:`StageDefinition`.

load the basis → read and check the inputs (nothing is written before this passes) → analyse →
figures → per case: propose → persist (one transaction) → gate → record the decision (returned:
prepare that case again with the body's comments) → export.

The same round runs in two ways (:class:`Steps`):

* :class:`PrefectSteps` — inside a flow: the steps worth a task boundary are Prefect tasks;
* :class:`DirectSteps` — plain function calls, for tests that seed earlier stages, for benches
  and for checking inputs before a run starts.

Task boundaries are where they buy something. ``compute`` (read the inputs, analyse, draw the
figures) is one cached task: its key covers the arguments, the bytes of the input files and the
code (:mod:`tasks.caching`), which is all its three parts depend on, and its result is persisted
so a run resumed after a suspend does not compute again. ``persist-<case>`` (the store
transaction, rendering the documents) is a task for the UI and for the task run id every version
records. Loading the basis, recording a decision (one short transaction, shown in the UI by its
own artifact) and exporting are plain calls. What a round stored is mirrored to Prefect's
artifacts in one batch at its end (and before a gate that waits, so the UI shows the proposal
meanwhile), skipping what is mirrored already.

An unchanged re-run is cheap: the computation comes from the task cache, a case whose standing
proposal comes out the same keeps that version and its decision, and documents already rendered
from identical content are reused from the store (:mod:`soteflow.documents.reuse`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import fields, replace
from functools import partial
from pathlib import Path
from typing import Any, Protocol, TypeVar

from prefect import task
from prefect.cache_policies import NO_CACHE, CacheKeyFnPolicy
from prefect.context import FlowRunContext, TaskRunContext
from prefect.utilities.annotations import quote

from schemas.decisions import DecisionRecord, Outcome, ScriptedDecisions
from schemas.results import CaseResult, Proposal, StageResult, VersionRef
from schemas.stages import Stage
from soteflow.chaining import emit_decision_awaited, emit_stage_approved
from soteflow.documents import DocumentSpec, load_governance
from soteflow.errors import InputError
from soteflow.gates import GateMode, await_decision, check_gate_possible, load_scripted, pause_key, short_summary
from soteflow.provenance import code_version, digest, file_digest
from soteflow.stagekit import (
    FileOutput,
    JsonOutput,
    Output,
    PersistedCase,
    Provenance,
    earlier_decisions,
    existing_decision,
    export_versions,
    first_pdf_url,
    mirror_to_prefect,
    note_awaited,
    open_store,
    persist_case,
    proposal_key,
    record_decision,
    ref,
)
from soteflow.store import Store, canonical_json, sha256_hex
from tasks.caching import stage_fingerprint
from tasks.context import RoundContext, make_context, period_slug
from tasks.definition import CaseHandling, CaseSpec, Computed, RoundState, StageDefinition

T = TypeVar("T")

__all__ = [
    "DirectSteps",
    "PrefectSteps",
    "Steps",
    "check_period_given",
    "in_process_flow_settings",
    "prepare",
    "run_stage",
    "source_key",
]


class Steps(Protocol):
    """How the round's steps are executed (as Prefect tasks or as plain calls)."""

    def call(self, name: str, fn: Callable[..., T], /, *, cache: bool, extra: Any = None, **kwargs: Any) -> T:
        """Run ``fn(**kwargs)`` as the step ``name``; ``cache`` steps may come from the cache."""
        ...

    @property
    def orchestrated(self) -> bool:
        """Whether the steps run inside a Prefect flow run (gates may pause, artifacts are mirrored)."""
        ...


class DirectSteps:
    """Every step a plain call: no Prefect, no cache."""

    orchestrated = False

    def call(self, name: str, fn: Callable[..., T], /, *, cache: bool, extra: Any = None, **kwargs: Any) -> T:
        """Call ``fn(**kwargs)``."""
        return fn(**kwargs)


def _cache_key(step: str, fingerprint: str, extra: Any, context: TaskRunContext, parameters: dict[str, Any]) -> str:
    # Everything that changes the result: the step, the code (stage package, engine, schemas,
    # templates), the arguments (models by their canonical JSON) and, for readers, the files' bytes.
    plain = {name: value.unquote() if isinstance(value, quote) else value for name, value in parameters.items()}
    return digest(step, fingerprint, extra, plain)


class PrefectSteps:
    """Each step a Prefect task named ``<stage>-<step>``; the computing step cached honestly."""

    orchestrated = True

    def __init__(self, definition: StageDefinition[Any, Any, Any, Any, Any, Any]) -> None:
        """Steps of ``definition``'s stage; the code fingerprint is computed once."""
        self.prefix = definition.stage.value
        self.fingerprint = stage_fingerprint(definition)

    def call(self, name: str, fn: Callable[..., T], /, *, cache: bool, extra: Any = None, **kwargs: Any) -> T:
        """Run ``fn`` as a task; cached steps keep their result for a resumed run."""
        step = f"{self.prefix}-{name}"
        if cache:
            policy: Any = CacheKeyFnPolicy(cache_key_fn=partial(_cache_key, step, self.fingerprint, extra))
        else:
            policy = NO_CACHE
        runnable: Any = task(name=step, cache_policy=policy, persist_result=cache, retries=0)(fn)
        # quote: Prefect would otherwise walk every argument (whole analyses) twice looking for
        # futures; the round passes none, and the task receives the values unwrapped.
        result: T = runnable(**{name: quote(value) for name, value in kwargs.items()})
        return result


def _default_steps(definition: StageDefinition[Any, Any, Any, Any, Any, Any]) -> Steps:
    return PrefectSteps(definition) if FlowRunContext.get() is not None else DirectSteps()


@contextmanager
def in_process_flow_settings() -> Iterator[None]:
    """Prefect settings for flows soteflow runs in its own process: the CLI, the demo's cycle, benches.

    No flow-run heartbeats. They let a server notice that a worker's flow-run process died; a run
    in the calling process ends with it, and a subflow shares its parent's process (and the
    parent's heartbeats). Prefect 3.8's heartbeat thread also keeps every flow waiting up to a
    second after its work is done (it sleeps in one-second steps before it sees the stop).
    Deployments run by a worker keep Prefect's default.
    """
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        yield


# -- the round's pieces -------------------------------------------------------------------------


def _compute(definition: StageDefinition[Any, Any, Any, Any, Any, Any]) -> Callable[..., tuple[Any, Any, Any]]:
    """The computing step: read and check the inputs, analyse, draw the figures.

    One step, because one key covers all three: the code fingerprint is the stage's as a whole,
    and the inputs, the analysis and the figures follow from the files, parameters and basis.
    """

    def compute(ctx: RoundContext, params: Any, basis: Any) -> tuple[Any, Any, Any]:
        inputs = definition.read_inputs(ctx, params, basis)
        analysis = definition.analyse(ctx, params, basis, inputs)
        figures = definition.figures(ctx, inputs, analysis)
        return inputs, analysis, figures

    return compute


def check_files(definition: StageDefinition[Any, Any, Any, Any, Any, Any], ctx: RoundContext) -> dict[str, Path]:
    """The input files that exist, by role; a required one that is missing, a folder, or a file over
    its kind's size limit (checked before it is opened) is an error."""
    found: dict[str, Path] = {}
    present = {item.role for item in definition.files if item.path(ctx).is_file()}
    for item in definition.files:
        if item.unless is not None and item.unless in present:
            continue  # the other form of the same data is given; this file is not read
        path = item.path(ctx)
        if path.is_dir():
            raise InputError("a folder where a file is expected", file=path)
        if path.is_file():
            size = path.stat().st_size
            if size > item.limit_bytes:
                raise InputError(
                    f"the file is {size / 2**20:.1f} MiB; the limit for {item.title} is "
                    f"{item.limit_bytes // 2**20} MiB (is it the right file?)",
                    file=path,
                )
            found[item.role] = path
        elif not item.optional:
            former = path.with_name(item.replaces) if item.replaces else None
            if former is not None and former.is_file():
                raise InputError(f"{former.name} is replaced by {path.name} ({item.title})", file=former)
            raise InputError(f"the input file does not exist ({item.title})", file=path)
    return found


def source_key(stage: Stage, role: str, period: str | None = None) -> str:
    """The key of an input file's snapshot: ``<stage>-source-<role>``, or for a periodic stage
    ``<stage>-<period>-source-<role>`` (each period's snapshots are versioned on their own)."""
    return f"{stage.value}-{period_slug(period)}-source-{role}" if period else f"{stage.value}-source-{role}"


def _sources(
    definition: StageDefinition[Any, Any, Any, Any, Any, Any], found: dict[str, Path], period: str | None = None
) -> dict[str, FileOutput]:
    """Snapshots of the input files the round read: stored with it, so lineage reaches the raw files.
    A large file is stored from its path, streaming (hashed while copied, never read whole)."""
    out: dict[str, FileOutput] = {}
    for item in definition.files:
        if item.role in found:
            out[item.role] = FileOutput(
                key=source_key(definition.stage, item.role, period),
                kind="source",
                title=item.title,
                content=found[item.role] if item.large else found[item.role].read_bytes(),
                media_type=item.media_type,
                schema_name=item.schema_name,
            )
    return out


def check_period_given(definition: StageDefinition[Any, Any, Any, Any, Any, Any], ctx: RoundContext) -> None:
    """A periodic stage runs for a period, and any other stage without one (an :class:`InputError`)."""
    if definition.periodic and ctx.period is None:
        raise InputError(f"stage {definition.stage.value} runs per period: give one (e.g. 2026-03)", field="period")
    if not definition.periodic and ctx.period is not None:
        raise InputError(f"stage {definition.stage.value} does not run per period", field="period")


def prepare(
    definition: StageDefinition[Any, Any, Any, Any, Any, Any],
    ctx: RoundContext,
    params: Any = None,
    steps: Steps | None = None,
) -> Computed[Any, Any, Any, Any]:
    """The round up to its cases: basis, inputs, analysis, figures and the input snapshots.

    Nothing is written. Any bad input raises :class:`InputError` (file, row, field) here, which is
    why the CLI calls this (directly) before it starts a run.
    """
    steps = steps or DirectSteps()
    checked = definition.parse_params(params)
    found = check_files(definition, ctx)  # missing, folders, oversized: before the store is read
    basis = definition.load_basis(open_store(), ctx)
    digests = {role: file_digest(path) for role, path in sorted(found.items())}
    inputs, analysis, figures = steps.call(
        "compute", _compute(definition), cache=True, extra=digests, ctx=ctx, params=checked, basis=basis
    )
    return Computed(
        ctx=ctx,
        params=checked,
        basis=basis,
        inputs=inputs,
        analysis=analysis,
        figures=figures,
        sources=_sources(definition, found, ctx.period),
    )


def _run_ids() -> tuple[str | None, str | None]:
    ctx = TaskRunContext.get()
    if ctx is None:
        flow = FlowRunContext.get()
        return (str(flow.flow_run.id) if flow is not None and flow.flow_run is not None else None), None
    flow_run_id = str(ctx.task_run.flow_run_id) if ctx.task_run.flow_run_id else None
    return flow_run_id, str(ctx.task_run.id)


def _tables(outputs: Sequence[Output]) -> dict[str, list[dict[str, Any]]]:
    return {o.key: o.table for o in outputs if isinstance(o, JsonOutput) and o.table is not None}


def _presenting(documents: Callable[[VersionRef], Sequence[DocumentSpec]], proposal: VersionRef) -> list[DocumentSpec]:
    """The case's documents, each naming the proposal version it presents: the renderer prints that
    version's store point in the footer and embeds it (:mod:`soteflow.documents.reuse`)."""
    return [replace(spec, point_of=proposal.version_id) for spec in documents(proposal)]


def _persist(
    *,
    definition: StageDefinition[Any, Any, Any, Any, Any, Any],
    state: RoundState[Any, Any, Any, Any, Any],
    spec: CaseSpec[Any, Any, Any, Any, Any],
    handlings: Sequence[CaseHandling],
    standing: str | None,
    outputs: Sequence[Output],
) -> tuple[PersistedCase, Proposal, int]:
    """Propose the case and store its round in one transaction; returns also the round's number.

    ``handlings`` are tried in order: all but the last only count if they give the case's standing
    proposal (sha256 ``standing``) unchanged, so an unchanged re-run keeps that version and its
    decision instead of proposing it again with its own approval as earlier handling.
    """
    ctx = state.ctx
    for handling in handlings[:-1]:
        draft = spec.propose(state, handling)
        if sha256_hex(canonical_json(draft.payload)) == standing:
            break
    else:
        handling = handlings[-1]
        draft = spec.propose(state, handling)
    flow_run_id, task_run_id = _run_ids()
    proposal = JsonOutput(
        key=proposal_key(spec.key),
        kind="proposal",
        title=draft.title,
        payload=draft.payload,
        derived_from=draft.derived_from,
    )
    persisted = persist_case(
        store=open_store(),
        region=ctx.region,
        cycle=ctx.cycle,
        stage=definition.stage,
        case=spec.key,
        outputs=outputs,
        proposal=proposal,
        documents=partial(_presenting, draft.documents),
        provenance=Provenance(
            code_version=code_version(stage_fingerprint(definition)), flow_run_id=flow_run_id, task_run_id=task_run_id
        ),
    )
    agenda = draft.agenda
    pending = Proposal(
        stage=definition.stage,
        case=spec.key,
        region=ctx.region,
        cycle=ctx.cycle,
        proposal=persisted.proposal,
        body=agenda.body,
        meeting_date=agenda.meeting_date.isoformat(),
        title=agenda.title,
        summary_markdown=draft.summary_markdown,
        outcomes=list(spec.outcomes),
        document_url=first_pdf_url(open_store(), persisted),
    )
    return persisted, pending, len(handling.earlier) + 1


def _record(
    *, persisted: PersistedCase, decision: DecisionRecord, region: str, cycle: int, orchestrated: bool
) -> PersistedCase:
    """Record the body's decision on the case, bound to its sha256, and mirror it."""
    flow_run_id, _ = _run_ids()
    updated = record_decision(store=open_store(), persisted=persisted, decision=decision, flow_run_id=flow_run_id)
    if orchestrated:
        from prefect.artifacts import create_markdown_artifact

        from soteflow.stagekit import prefect_key

        create_markdown_artifact(
            f"### Päätös: {decision.outcome.label_fi}\n\n"
            f"{decision.body} {decision.meeting_date.strftime('%d.%m.%Y')} {decision.section} §\n\n"
            f"{decision.comments or ''}\n\nEhdotus `{updated.proposal.key}` v{updated.proposal.version}, "
            f"sha256 `{updated.proposal.sha256}`",
            key=prefect_key(region, cycle, f"{updated.proposal_key}-decision"),
            description=f"{decision.outcome.label_fi} v{updated.proposal.version}",
        )
    return updated


def _handlings(
    store: Store, ctx: RoundContext, spec: CaseSpec[Any, Any, Any, Any, Any], base: CaseHandling
) -> tuple[list[CaseHandling], str | None]:
    """The handlings to propose the case under, and the sha256 of its standing proposal, if any.

    The last handling has every earlier decision (a new round); when the latest proposal stands
    (approved or noted), the handling it was proposed under comes first: proposing the same again
    under it gives the same version, which keeps its decision.
    """
    key = proposal_key(spec.key)
    earlier = earlier_decisions(store, region=ctx.region, cycle=ctx.cycle, proposal_key=key)
    current = replace(base, earlier=tuple(earlier))
    latest = store.latest(ctx.region, ctx.cycle, key)
    decided = [e for e in earlier if latest is not None and e.version == latest.version]
    if latest is None or not decided or not decided[-1].outcome.final:
        return [current], None
    then = replace(base, earlier=tuple(e for e in earlier if e.version < latest.version))
    return [then, current], latest.sha256


def _run_case(
    definition: StageDefinition[Any, Any, Any, Any, Any, Any],
    state: RoundState[Any, Any, Any, Any, Any],
    spec: CaseSpec[Any, Any, Any, Any, Any],
    outputs: Sequence[Output],
    *,
    store: Store,
    steps: Steps,
    mode: GateMode,
    scripted: ScriptedDecisions,
    max_rounds: int,
    seen: dict[str, tuple[PersistedCase, Proposal, bool]] | None = None,
) -> tuple[CaseResult, PersistedCase]:
    """One case: propose, persist, wait at the gate, record; ``seen[case]`` gets the final round,
    its proposal and whether this run recorded a body's decision through a pause or suspend."""
    ctx = state.ctx
    waited = False
    governance = load_governance(
        ctx.region, definition.stage, ctx.config_dir, case=spec.key, region_name=ctx.region_name
    )
    base = CaseHandling(
        governance=governance,
        earlier=(),
        appeal=governance.appeal_route(spec.appeal),
        cycle=ctx.cycle,
        meeting_date=ctx.meeting_date,
    )
    persisted: PersistedCase | None = None
    pending: Proposal | None = None
    decision: DecisionRecord | None = None
    rounds = 0
    for _ in range(max(1, max_rounds)):
        handlings, standing = _handlings(store, ctx, spec, base)
        persisted, pending, rounds = steps.call(
            f"persist-{spec.key}",
            _persist,
            cache=False,
            definition=definition,
            state=state,
            spec=spec,
            handlings=handlings,
            standing=standing,
            outputs=outputs,
        )
        decision = existing_decision(store, persisted.proposal)
        if decision is None:
            if mode in (GateMode.PAUSE, GateMode.SUSPEND) and not steps.orchestrated:
                raise InputError(f"gate {mode.value} needs a Prefect flow run; use --gate none or scripted")
            if mode in (GateMode.PAUSE, GateMode.SUSPEND):
                check_gate_possible(mode)  # one line, before anything is shown as awaited
                # The body meets meanwhile: the UI shows what it decides on before the run waits.
                mirror_to_prefect(
                    store=store,
                    region=ctx.region,
                    cycle=ctx.cycle,
                    versions=persisted.versions,
                    tables=_tables(outputs),
                    cards=_cards([(persisted, pending)]),
                )
                _announce_wait(store, pending, mode)
                waited = True
            decision = await_decision(pending, mode=mode, round_no=rounds, scripted=scripted)
            if decision is not None:
                # A plain call: one short transaction; the decision's own artifact shows it in the UI.
                persisted = _record(
                    persisted=persisted,
                    decision=decision,
                    region=ctx.region,
                    cycle=ctx.cycle,
                    orchestrated=steps.orchestrated,
                )
        if decision is None or decision.outcome is not Outcome.RETURNED:
            break
    assert persisted is not None and pending is not None  # at least one round ran
    result = CaseResult(
        case=spec.key,
        title=pending.title,
        body=pending.body,
        rounds=rounds,
        proposal=persisted.proposal,
        documents=persisted.documents,
        decision=decision,
    )
    if seen is not None:
        seen[spec.key] = (persisted, pending, waited and decision is not None)
    return result, persisted


def _cards(rounds: Sequence[tuple[PersistedCase, Proposal]]) -> dict[str, str]:
    """What a proposal's artifact shows below its version card: the short summary and the PDF link."""
    cards: dict[str, str] = {}
    for persisted, pending in rounds:
        lines = [short_summary(pending.summary_markdown)]
        if pending.document_url:
            lines.append(f"[Päätösesitys (PDF)]({pending.document_url})")
        cards[persisted.proposal_key] = "\n\n".join(lines)
    return cards


def _announce_wait(store: Store, pending: Proposal, mode: GateMode) -> None:
    """Log in the store which run waits for the decision (``soteflow decide`` then resumes it rather
    than write around it), and emit ``soteflow.decision.awaited`` for the notification, once per run."""
    flow_run_id, _ = _run_ids()
    if flow_run_id is None:
        return
    if note_awaited(store, pending.proposal, flow_run_id=flow_run_id, gate=mode.value, pause_key=pause_key(pending)):
        emit_decision_awaited(proposal=pending, gate=mode.value, flow_run_id=flow_run_id)


def run_stage(
    definition: StageDefinition[Any, Any, Any, Any, Any, Any],
    *,
    region: str,
    cycle: Any,
    data_dir: str | None = None,
    inputs_dir: str | None = None,
    out_dir: str | None = None,
    gate: str = GateMode.NONE.value,
    decisions_file: str | None = None,
    meeting_date: str | None = None,
    max_rounds: int = 3,
    params: Any = None,
    steps: Steps | None = None,
    period: str | None = None,
) -> StageResult:
    """Run one stage round for a region and cycle (and ``period``, for a periodic stage), and
    return its cases' decisions and versions.

    Called from each stage's flow (its steps then run as Prefect tasks) or directly. ``gate`` says
    how each case waits for its body (``suspend``, ``pause``, ``scripted``, ``none``); a returned
    case is prepared again with the comments, up to ``max_rounds`` proposals. The final versions
    are exported under ``<out_dir>/<stage slug>`` when ``out_dir`` is given.
    """
    try:
        mode = GateMode(gate)
    except ValueError:
        raise InputError(f"gate must be one of {', '.join(m.value for m in GateMode)}", field="gate") from None
    scripted = load_scripted(decisions_file)
    ctx = make_context(
        definition.stage,
        region=region,
        cycle=cycle,
        data_dir=data_dir,
        inputs_dir=inputs_dir,
        meeting_date=meeting_date,
        period=period,
    )
    check_period_given(definition, ctx)
    steps = steps or _default_steps(definition)
    computed = prepare(definition, ctx, params, steps)
    declared = definition.outputs(computed)
    state = RoundState(**{f.name: getattr(computed, f.name) for f in fields(computed)}, outputs=declared)
    outputs = [*state.sources.values(), *declared.all()]
    store = open_store()
    cases: list[CaseResult] = []
    persisted: list[PersistedCase] = []
    seen: dict[str, tuple[PersistedCase, Proposal, bool]] = {}
    for spec in definition.cases(state):
        result, case_round = _run_case(
            definition,
            state,
            spec,
            outputs,
            store=store,
            steps=steps,
            mode=mode,
            scripted=scripted,
            max_rounds=max_rounds,
            seen=seen,
        )
        cases.append(result)
        persisted.append(case_round)
    # Statuses as they stand now: a version shared by several cases was decided by the last of them.
    versions: dict[str, VersionRef] = {}
    for case_round in persisted:
        for key, vref in case_round.versions.items():
            versions[key] = ref(store.get_version(vref.version_id), key)
    if steps.orchestrated:
        mirror_to_prefect(
            store=store,
            region=ctx.region,
            cycle=ctx.cycle,
            versions=versions,
            tables=_tables(outputs),
            cards=_cards([(p, q) for p, q, _ in seen.values()]),
        )
    documents: list[str] = []
    if out_dir:
        own = [v for k, v in versions.items() if not any(k in c.source_keys for c in persisted)]
        dest = Path(out_dir) / definition.stage.slug
        documents = [str(p) for p in export_versions(store=store, versions=own, dest=dest)]
    outcome = StageResult(
        stage=definition.stage,
        number=definition.stage.number,
        name_fi=definition.stage.title_fi,
        region=ctx.region,
        cycle=ctx.cycle,
        period=ctx.period,
        cases=cases,
        artefacts=list(versions.values()),
        documents=documents,
    )
    if steps.orchestrated and outcome.accepted and any(by_body for _p, _q, by_body in seen.values()):
        # A body's decision through the gate made the stage stand: the next stage's deployment
        # starts on this event (its trigger in prefect.yaml). Scripted runs chain in process.
        emit_stage_approved(
            stage=definition.stage, region=ctx.region, cycle=ctx.cycle, proposals=[c.proposal for c in cases]
        )
    return outcome
