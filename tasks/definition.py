"""A stage declared once: what it reads, what it builds on, what it computes, which cases it proposes.

Every stage package (``tasks/<stage>/``) exports one :class:`StageDefinition`; the generic round
(:mod:`tasks.round`) runs any of them the same way: load the basis → read and check the inputs
(before anything is written) → analyse → figures → per case: propose → persist → gate → record
the decision (a return: prepare that case again with the comments) → export.

The functions a definition holds are pure (no Prefect, no store writes): the round decides what is
a Prefect task, what is cached and what is stored. ``load_basis`` is the only one that reads the
store, and only through the earlier stages' ``basis`` modules.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, Literal, Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from schemas.decisions import DECISION_OUTCOMES, EarlierDecision, Outcome
from schemas.documents import AgendaContent, AppealKind
from schemas.governance import PlanningYears, StageGovernance
from schemas.reconciliation import Tolerance
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import DocumentSpec
from soteflow.errors import InputError
from soteflow.reconcile import RULES_FILE as RECONCILIATION_RULES_FILE
from soteflow.reconcile import read_tolerance
from soteflow.stagekit import FileOutput, Output
from soteflow.store import Store
from tasks.context import RoundContext


class OutputSet(Protocol):
    """A stage's declared artefacts (typed per stage, so cases refer to them by attribute)."""

    def all(self) -> Sequence[Output]:
        """Every output, in any order (the round stores each after the outputs it derives from)."""
        ...


P = TypeVar("P", bound=BaseModel)
B = TypeVar("B")
I = TypeVar("I")  # noqa: E741 - the stage's inputs
A = TypeVar("A")
F = TypeVar("F")
O = TypeVar("O", bound=OutputSet)  # noqa: E741 - the stage's outputs

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

#: The largest input file of each kind a round reads, in MiB, checked before the file is opened:
#: far above any real file of the kind (a region's CSV export, a PxWeb table, a configuration
#: file), low enough that a wrong or padded file is refused at once instead of being parsed for
#: minutes and stored as a source snapshot. Monitoring events are not read through this path.
SIZE_LIMITS_MIB: dict[str, int] = {
    "text/csv": 50,
    XLSX_MEDIA_TYPE: 50,
    "application/json": 50,
    "application/toml": 1,
    "image/svg+xml": 20,
}
DEFAULT_SIZE_LIMIT_MIB = 50


@dataclass(frozen=True)
class InputFile:
    """One input file a stage reads.

    ``folder`` says where: ``data`` (public data and configuration; with ``fallback`` a file
    missing from a given data folder is taken from the shipped one) or ``inputs`` (the region's
    own files). Every file that exists is stored with the round as a source snapshot
    ``<stage>-source-<role>``.
    """

    role: str
    name: str
    folder: Literal["data", "inputs"]
    title: str
    media_type: str
    schema_name: str
    optional: bool = False

    fallback: bool = False  # a data file missing from a given data folder is taken from the shipped one
    unless: str | None = None  # read only when the file of this role is absent (an alternative form)
    max_mib: int | None = None  # the size limit; default: SIZE_LIMITS_MIB by media type
    # A large table (monitoring events, Parquet): its snapshot is stored streaming, hashed while
    # it is copied, never read into memory.
    large: bool = False
    # The file this one replaced: a folder that still has it is told so instead of "missing".
    replaces: str | None = None

    @property
    def limit_bytes(self) -> int:
        """The largest size this file may have, in bytes."""
        mib = self.max_mib or SIZE_LIMITS_MIB.get(self.media_type, DEFAULT_SIZE_LIMIT_MIB)
        return mib * 2**20

    def path(self, ctx: RoundContext) -> Path:
        """Where the file is for this round (``{period}`` in the name is the round's period)."""
        name = self.name.format(period=ctx.period) if "{period}" in self.name else self.name
        if self.folder == "inputs":
            return ctx.inputs_dir / name
        return ctx.data_file(name) if self.fallback else ctx.data_dir / name


#: The dated tolerances of the cross-stage reconciliation (soteflow.reconcile), read by every stage
#: that compares its inputs with an earlier stage's approved figures.
RECONCILIATION_RULES = InputFile(
    role="reconciliation",
    name=str(RECONCILIATION_RULES_FILE),
    folder="data",
    fallback=True,
    title="Päivätyt täsmäytyssäännöt: sallitut erot aiempien vaiheiden lukuihin (TOML)",
    media_type="application/toml",
    schema_name="toml",
)


def reconciliation_tolerance(ctx: RoundContext) -> Tolerance:
    """The reconciliation tolerances valid on 1 January of the round's cycle year (dated rule)."""
    return read_tolerance(ctx.data_file(RECONCILIATION_RULES_FILE), dt.date(ctx.cycle, 1, 1))


@dataclass(frozen=True)
class CaseHandling:
    """What a case's proposal is written against: its governance and its earlier handling."""

    governance: StageGovernance
    earlier: tuple[EarlierDecision, ...]
    appeal: AppealKind
    cycle: int
    meeting_date: Any = None  # a date given by the user, else None

    @property
    def planning(self) -> PlanningYears:
        """The budget year and financial plan the cycle prepares (the region's configuration)."""
        return self.governance.planning.years(self.cycle)

    @property
    def returned(self) -> list[EarlierDecision]:
        """The earlier proposals the body returned for further preparation, oldest first."""
        return [e for e in self.earlier if e.outcome is Outcome.RETURNED]


@dataclass(frozen=True)
class CaseDraft:
    """A case's proposal as a stage writes it; the round stores it as ``<case>-proposal``.

    ``documents`` renders the case's documents once the proposal version (its number and hash go
    in the footers) is known. ``derived_from`` is what the proposal rests on: approving the case
    approves those versions too.
    """

    payload: BaseModel
    agenda: AgendaContent
    summary_markdown: str
    title: str
    derived_from: Sequence[Output | VersionRef]
    documents: Callable[[VersionRef], Sequence[DocumentSpec]]


@dataclass(frozen=True)
class CaseSpec(Generic[B, I, A, F, O]):
    """One decision item (asia) a stage proposes.

    ``key`` names the case (its proposal is ``<key>-proposal``; a stage's main case is keyed by the
    stage's name). ``appeal`` is the case's own appeal route when the law fixes it (a preparatory
    decision, a procurement decision); otherwise the deciding body's route applies. The first of
    ``outcomes`` is the case's standing outcome (approved, or noted for a report).
    """

    key: str
    propose: Callable[[RoundState[B, I, A, F, O], CaseHandling], CaseDraft]
    outcomes: tuple[Outcome, ...] = DECISION_OUTCOMES
    appeal: AppealKind | None = None


@dataclass(frozen=True)
class Computed(Generic[B, I, A, F]):
    """A round up to its outputs: the basis, the checked inputs, the analysis, the figures, the snapshots."""

    ctx: RoundContext
    params: BaseModel
    basis: B
    inputs: I
    analysis: A
    figures: F
    sources: Mapping[str, FileOutput] = field(default_factory=dict)

    def source(self, role: str) -> FileOutput:
        """The snapshot of the input file ``role`` (for lineage)."""
        try:
            return self.sources[role]
        except KeyError:
            raise KeyError(f"no source snapshot {role!r}; the round stored {sorted(self.sources)}") from None


@dataclass(frozen=True)
class RoundState(Computed[B, I, A, F], Generic[B, I, A, F, O]):
    """Everything a round has computed and declared before its cases are proposed."""

    outputs: O | None = None

    @property
    def declared(self) -> O:
        """The stage's declared outputs."""
        assert self.outputs is not None, "the round declares the outputs before the cases"
        return self.outputs


@dataclass(frozen=True)
class StageDefinition(Generic[P, B, I, A, F, O]):
    """Everything the generic round needs to know about a stage, in one place.

    * ``params`` validates the stage's own parameters (weights, methods) before anything runs;
    * ``files`` lists its input files; ``load_basis`` reads the approved rounds it builds on;
    * ``read_inputs`` reads and checks every file (against the basis) and raises
      :class:`~soteflow.errors.InputError` naming file, row and field;
    * ``analyse`` and ``figures`` compute; ``outputs`` declares the artefacts and their lineage;
    * ``cases`` proposes the decision items; ``precheck`` checks the files before a whole cycle
      starts, against what the earlier stages' prechecks read.
    """

    stage: Stage
    flow: str  # the Prefect entrypoint, e.g. "flows/s1_needs.py:needs_flow"
    description: str
    params: type[P]
    files: Sequence[InputFile]
    load_basis: Callable[[Store, RoundContext], B]
    read_inputs: Callable[[RoundContext, P, B], I]
    analyse: Callable[[RoundContext, P, B, I], A]
    figures: Callable[[RoundContext, I, A], F]
    outputs: Callable[[Computed[B, I, A, F]], O]
    cases: Callable[[RoundState[B, I, A, F, O]], Sequence[CaseSpec[B, I, A, F, O]]]
    precheck: Callable[[RoundContext, P, Mapping[Stage, Any]], Any]
    reads: tuple[Stage, ...] = ()  # the stages whose basis modules this stage reads
    package: str = ""  # the stage's package under tasks/, e.g. "needs" (default: the stage's name)
    # A periodic stage runs per period (month or quarter) inside a cycle: the round needs a period,
    # and the period is part of the keys of its source snapshots (its own keys carry it too).
    # ``periods`` lists the periods a whole cycle (the demo) runs, in order.
    periodic: bool = False
    periods: Callable[[RoundContext], Sequence[str]] | None = None

    @property
    def package_name(self) -> str:
        """The stage's package under ``tasks/``."""
        return self.package or self.stage.value

    def parse_params(self, values: Mapping[str, Any] | P | None) -> P:
        """The stage's parameters validated; a bad value is an :class:`InputError` naming it."""
        if isinstance(values, self.params):
            return values
        try:
            return self.params.model_validate({k: v for k, v in dict(values or {}).items() if v is not None})
        except ValidationError as exc:
            error = exc.errors()[0]
            name = ".".join(str(part) for part in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            raise InputError(f"{message} (got {error.get('input')!r})", field=name) from None
