"""The generic round on a small stage with two cases: decisions per case, lineage, bad input, caching.

Stages 1–4 propose one case each; this toy stage (declared like a real one) proposes a plan the
body approves (returned once first) and a report it only takes note of, as stages 5 and 6 will.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from schemas.decisions import NOTING_OUTCOMES, DecisionRecord, Outcome
from schemas.documents import AgendaContent, AppealKind, TextSection
from schemas.stages import Stage
from soteflow.decide import record_in_store
from soteflow.errors import InputError
from soteflow.provenance import clear_fingerprints
from soteflow.stagekit import JsonOutput, Output, open_store
from soteflow.store import Store
from soteflow.store.verify import verify
from tasks import caching
from tasks.agenda import agenda_fields, proposed_meeting, returned_section
from tasks.context import RoundContext, make_context
from tasks.definition import CaseDraft, CaseHandling, CaseSpec, Computed, InputFile, RoundState, StageDefinition
from tasks.round import DirectSteps, PrefectSteps, prepare, run_stage
from tests.support import REPO_ROOT

EXECUTED: list[str] = []


class ToyParams(BaseModel):
    factor: float = 1.0


class ToyInputs(BaseModel):
    values: list[float]


class ToyAnalysis(BaseModel):
    total: float


class ToyProposal(BaseModel):
    agenda: AgendaContent
    total: float


@dataclass(frozen=True)
class ToyOutputs:
    total: JsonOutput

    def all(self) -> Sequence[Output]:
        return [self.total]


def _read(ctx: RoundContext, params: ToyParams, basis: None) -> ToyInputs:
    path = ctx.inputs_dir / "values.csv"
    values = []
    for row, line in enumerate(path.read_text(encoding="utf-8").splitlines()[1:], start=2):
        try:
            values.append(float(line.replace(",", ".")))
        except ValueError:
            raise InputError(f"{line!r} is not a number", file=path, row=row, field="arvo") from None
    return ToyInputs(values=values)


def _analyse(ctx: RoundContext, params: ToyParams, basis: None, inputs: ToyInputs) -> ToyAnalysis:
    EXECUTED.append("analyse")
    return ToyAnalysis(total=sum(inputs.values) * params.factor)


def _outputs(computed: Computed[None, ToyInputs, ToyAnalysis, None]) -> ToyOutputs:
    return ToyOutputs(
        total=JsonOutput(
            "procurement-total", "table", "Yhteensä", computed.analysis, derived_from=[computed.source("values")]
        )
    )


def _case(title: str) -> Any:
    def propose(state: RoundState[None, ToyInputs, ToyAnalysis, None, ToyOutputs], handling: CaseHandling) -> CaseDraft:
        agenda = AgendaContent(
            **agenda_fields(handling),
            meeting_date=proposed_meeting(handling, dt.date(2026, 9, 7)),
            title=title,
            grounds=[
                TextSection(heading="Perustelut", paragraphs=["Yhteensä."]),
                *returned_section(handling, "Valmisteltu uudelleen."),
            ],
            proposal=f"{handling.governance.body.decides_verb} hyväksyä.",
        )
        return CaseDraft(
            payload=ToyProposal(agenda=agenda, total=state.analysis.total),
            agenda=agenda,
            summary_markdown=title,
            title=f"Päätösehdotus: {title}",
            derived_from=list(state.declared.all()),
            documents=lambda ref: [],
        )

    return propose


TOY: StageDefinition[ToyParams, None, ToyInputs, ToyAnalysis, None, ToyOutputs] = StageDefinition(
    stage=Stage.PROCUREMENT,
    flow="flows/s5_toy.py:toy_flow",
    description="A toy stage with two cases.",
    params=ToyParams,
    files=(
        InputFile(
            role="values", name="values.csv", folder="inputs", title="Arvot", media_type="text/csv", schema_name="csv"
        ),
    ),
    load_basis=lambda store, ctx: None,
    read_inputs=_read,
    analyse=_analyse,
    figures=lambda ctx, inputs, analysis: None,
    outputs=_outputs,
    cases=lambda state: [
        CaseSpec(key="procurement-plan", propose=_case("Hankintasuunnitelma")),
        CaseSpec(
            key="procurement-report",
            propose=_case("Hankintakatsaus"),
            outcomes=NOTING_OUTCOMES,
            appeal=AppealKind.VALMISTELU,
        ),
    ],
    precheck=lambda ctx, params, earlier: None,
    package="toy",
)


@pytest.fixture
def inputs(tmp_path: Path) -> Path:
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "values.csv").write_text("arvo\n1,5\n2,5\n", encoding="utf-8")
    return folder


def _statuses(store: Store, key: str) -> list[tuple[int, str]]:
    return [(v.version, v.status.value) for v in store.history("HVA08", 2026, key)]


def test_each_case_is_decided_on_its_own(inputs: Path, tmp_path: Path) -> None:
    decisions = tmp_path / "decisions.json"
    comment = "Lisää pienten tuottajien osuus."
    decisions.write_text(
        json.dumps(
            {
                "procurement": {
                    "procurement-plan": [{"outcome": "returned", "comments": comment}, {"outcome": "approved"}]
                }
            }
        ),
        encoding="utf-8",
    )
    result = run_stage(
        TOY,
        region="Pirkanmaa",
        cycle=2026,
        inputs_dir=str(inputs),
        gate="scripted",
        decisions_file=str(decisions),
        steps=DirectSteps(),
    )
    plan, report = result.case("procurement-plan"), result.case("procurement-report")
    assert (plan.rounds, plan.decision.outcome if plan.decision else None) == (2, Outcome.APPROVED)
    assert (report.rounds, report.decision.outcome if report.decision else None) == (1, Outcome.NOTED)
    # The plan is the board's by a case entry in the configuration; the report keeps the stage's body.
    assert (plan.body, report.body) == ("Aluehallitus", "Aluehallituksen järjestämisjaosto")
    assert result.accepted and result.outcome is Outcome.APPROVED and result.rounds == 2
    store = open_store()
    assert _statuses(store, "procurement-plan-proposal") == [(1, "returned"), (2, "approved")]
    assert _statuses(store, "procurement-report-proposal") == [(1, "noted")]
    assert _statuses(store, "procurement-total") == [(1, "approved")]  # shared by both cases, stored once
    second = store.read_json(store.history("HVA08", 2026, "procurement-plan-proposal")[1])
    assert comment in second["agenda"]["earlier_handling"][0]["summary"]
    assert second["agenda"]["grounds"][-1]["heading"] == "Palautuksen johdosta tehty valmistelu"
    # The report only prepares: its appeal route is the ban on appeals, whatever the body's route is.
    noted = store.read_json(store.latest("HVA08", 2026, "procurement-report-proposal"))  # type: ignore[arg-type]
    assert noted["agenda"]["appeal_kind"] == "valmistelu"
    assert noted["agenda"]["appeal_instructions"][0]["heading"] == "Muutoksenhakukielto"
    assert "141\u00a0§" in noted["agenda"]["appeal_instructions"][0]["paragraphs"][0]
    plan_proposal = store.latest("HVA08", 2026, "procurement-plan-proposal")
    assert plan_proposal is not None
    assert {i["key"] for i in plan_proposal.inputs} == {"procurement-total"}
    total = store.latest("HVA08", 2026, "procurement-total")
    assert total is not None and {i["key"] for i in total.inputs} == {"procurement-source-values"}
    # What every version records: the code that computed it and its schema's real version.
    assert total.code_version.startswith("0.1.0+") and len(total.code_version) == len("0.1.0+") + 12
    assert len(total.schema_version) == 12 and total.schema_version != "1"
    assert verify(store).ok


def test_a_case_is_decided_from_outside_the_run_by_its_key(inputs: Path) -> None:
    result = run_stage(TOY, region="HVA08", cycle=2026, inputs_dir=str(inputs), gate="none", steps=DirectSteps())
    assert result.outcome is None and not result.accepted
    record = DecisionRecord(
        outcome=Outcome.NOTED,
        body="Järjestämisjaosto",
        meeting_date=dt.date(2026, 9, 14),
        section="33",
        recorded_by="Sihteeri",
    )
    message = record_in_store(
        region="HVA08", cycle=2026, stage=Stage.PROCUREMENT, case="procurement-report", decision=record
    )
    assert "Merkittiin tiedoksi (procurement-report-proposal v1" in message
    store = open_store()
    assert _statuses(store, "procurement-report-proposal") == [(1, "noted")]
    assert _statuses(store, "procurement-plan-proposal") == [(1, "proposed")]  # the other case still waits


def test_bad_input_names_file_row_and_field_and_stores_nothing(inputs: Path) -> None:
    (inputs / "values.csv").write_text("arvo\n1,5\nkolme\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        run_stage(TOY, region="HVA08", cycle=2026, inputs_dir=str(inputs), gate="scripted", steps=DirectSteps())
    assert (Path(str(caught.value.file)).name, caught.value.row, caught.value.field) == ("values.csv", 3, "arvo")
    assert open_store().list_artefacts() == []
    (inputs / "values.csv").unlink()
    with pytest.raises(InputError, match="the input file does not exist"):
        run_stage(TOY, region="HVA08", cycle=2026, inputs_dir=str(inputs), gate="none", steps=DirectSteps())


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ({"cycle": "abc"}, "cycle 'abc' is not a planning cycle"),
        ({"cycle": 99999}, "cycle 99999 is not a planning cycle"),
        ({"cycle": 0}, "cycle 0 is not a planning cycle"),
        ({"params": {"factor": "paljon"}}, "field factor"),
        ({"gate": "maybe"}, "gate must be one of"),
        ({"region": "Atlantis"}, "Atlantis"),
    ],
)
def test_bad_arguments_are_refused_before_anything_runs(inputs: Path, arguments: dict[str, Any], expected: str) -> None:
    EXECUTED.clear()
    values: dict[str, Any] = {"region": "HVA08", "cycle": 2026, "inputs_dir": str(inputs), "gate": "none"}
    with pytest.raises(InputError, match=expected):
        run_stage(TOY, **{**values, **arguments}, steps=DirectSteps())
    assert EXECUTED == [] and open_store().list_artefacts() == []


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_a_change_in_the_computing_code_is_never_answered_from_the_cache(
    inputs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cache key covers the stage's code: an unchanged re-run is served from the cache, a run
    after the analysis module changed computes again (Prefect's TASK_SOURCE would not see it)."""
    from prefect import flow

    tasks_copy = tmp_path / "tasks"
    shutil.copytree(REPO_ROOT / "tasks", tasks_copy, ignore=shutil.ignore_patterns("__pycache__"))
    (tasks_copy / "toy").mkdir()
    analysis = tasks_copy / "toy" / "analysis.py"
    analysis.write_text("FACTOR = 1\n", encoding="utf-8")
    monkeypatch.setattr(caching, "TASKS_DIR", tasks_copy)
    ctx = make_context(Stage.PROCUREMENT, region="HVA08", cycle=2026, inputs_dir=inputs)

    @flow(name="cache-probe")
    def probe() -> float:
        computed = prepare(TOY, ctx, None, PrefectSteps(TOY))
        assert isinstance(computed.analysis, ToyAnalysis)
        return computed.analysis.total

    def runs() -> int:
        EXECUTED.clear()
        assert probe() == 4.0
        return EXECUTED.count("analyse")

    clear_fingerprints()
    assert runs() == 1  # computed
    assert runs() == 0  # same code, same inputs: from the cache
    analysis.write_text("FACTOR = 1  # a fix in the analysis module\n", encoding="utf-8")
    clear_fingerprints()
    assert runs() == 1  # the code changed: computed again
    (inputs / "values.csv").write_text("arvo\n1,5\n2,5\n", encoding="utf-8")  # the same bytes
    assert runs() == 0
    clear_fingerprints()


def test_an_unchanged_re_run_keeps_the_standing_proposal_and_its_decision(inputs: Path, tmp_path: Path) -> None:
    """Re-running a decided round on the same inputs proposes nothing new: the approved version
    (whose earlier handling is its own round's) stands; a changed input is a new round."""
    decisions = tmp_path / "decisions.json"
    decisions.write_text(
        json.dumps({"procurement": {"procurement-plan": [{"outcome": "returned", "comments": "Täydennä."}]}}),
        encoding="utf-8",
    )
    arguments: dict[str, Any] = {"region": "HVA08", "cycle": 2026, "inputs_dir": str(inputs), "steps": DirectSteps()}
    first = run_stage(TOY, **arguments, gate="scripted", decisions_file=str(decisions))
    again = run_stage(TOY, **arguments, gate="none")
    assert [(c.case, c.rounds, c.proposal, c.decision) for c in again.cases] == [
        (c.case, c.rounds, c.proposal, c.decision) for c in first.cases
    ]
    store = open_store()
    assert _statuses(store, "procurement-plan-proposal") == [(1, "returned"), (2, "approved")]
    (inputs / "values.csv").write_text("arvo\n1,5\n3,5\n", encoding="utf-8")
    changed = run_stage(TOY, **arguments, gate="none")
    plan = changed.case("procurement-plan")
    assert (plan.rounds, plan.proposal.version, plan.decision) == (3, 3, None)  # answers both earlier handlings
    assert _statuses(store, "procurement-plan-proposal")[-1] == (3, "proposed")


@pytest.mark.prefect
@pytest.mark.usefixtures("prefect_harness")
def test_a_round_mirrors_its_versions_once_and_an_unchanged_re_run_mirrors_nothing(
    inputs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One batch at the end of the round, with the statuses as decided; nothing again when nothing changed."""
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactCollectionFilter, ArtifactCollectionFilterKey

    from tasks import round as round_module

    created: list[int] = []
    real = round_module.mirror_to_prefect

    def counting(**kwargs: Any) -> int:
        count = real(**kwargs)
        created.append(count)
        return count

    monkeypatch.setattr(round_module, "mirror_to_prefect", counting)

    @flow(name="mirror-probe")
    def probe() -> None:
        run_stage(TOY, region="HVA08", cycle=2031, inputs_dir=str(inputs), gate="scripted")

    probe()
    assert len(created) == 1 and created[0] == 4  # source, total, two proposals: one batch
    probe()
    assert created == [4, 0]
    with get_client(sync_client=True) as client:
        latest = client.read_latest_artifacts(
            artifact_filter=ArtifactCollectionFilter(
                key=ArtifactCollectionFilterKey(any_=["hva08-2031-procurement-plan-proposal"])
            )
        )
    assert [a.description for a in latest] == [
        f"v1 · approved · sha256 `{open_store().latest('HVA08', 2031, 'procurement-plan-proposal').sha256}`"  # type: ignore[union-attr]
    ]
