"""Stage 7 end to end on the shipped example files (the generic round called directly), its
document, its refusals, and the next cycle's stage 1 reading what it carried over."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from pypdf import PdfReader

from schemas.carryover import Status
from schemas.evaluation import EvaluationAnalysis
from schemas.needs import NeedsProposal
from schemas.stages import Stage
from soteflow.errors import InputError
from soteflow.stagekit import open_store
from soteflow.upstream import StageNotApprovedError
from tasks.context import make_context
from tasks.evaluation.stage import DEFINITION
from tasks.needs.stage import DEFINITION as NEEDS
from tasks.round import DirectSteps, prepare, run_stage
from tests.support import DATA_DIR, Seed

EXAMPLES = DATA_DIR / "examples" / "HVA08"


def _analysis() -> EvaluationAnalysis:
    store = open_store()
    version = store.latest("HVA08", 2026, "evaluation-analysis")
    assert version is not None
    return EvaluationAnalysis.model_validate(store.read_json(version))


def test_without_approved_stages_nothing_starts(seed: Seed) -> None:
    seed(Stage.CHAINS)  # stages 1–3 only: stage 4 is missing
    with pytest.raises(StageNotApprovedError, match=r"stage 4 \(comparison\)"):
        prepare(DEFINITION, make_context(Stage.EVALUATION, region="HVA08", cycle=2026))


def test_the_cycle_is_evaluated_and_the_next_cycle_starts_from_it(seed: Seed) -> None:
    seed(Stage.STEERING)
    result = run_stage(DEFINITION, region="HVA08", cycle=2026, gate="scripted", steps=DirectSteps())
    assert result.accepted
    analysis = _analysis()
    got = {a.target_id: a for a in analysis.attainment}
    # Hand-checked against data/examples/HVA08/arviointi_mittarit.csv and tavoitteet.csv:
    # T-LAP-1 1,3 → 1,1, actual 1,2: 50 % → 3; T-LAP-2 88 → 95, actual 95,4: reached → 5;
    # T-IKA-3 84 → 95, actual 93: 81,8 % → 4; T-MTP-1 4,4819 → 4,2, actual 4,52: worsened → 1.
    assert (got["T-LAP-1"].attainment_pct, got["T-LAP-1"].grade) == (50.0, 3)
    assert (got["T-LAP-2"].status, got["T-LAP-2"].grade) == (Status.REACHED, 5)
    assert (got["T-IKA-3"].attainment_pct, got["T-IKA-3"].grade) == (81.8, 4)
    assert (got["T-MTP-1"].status, got["T-MTP-1"].grade) == (Status.WORSENED, 1)
    assert got["T-MTP-2"].status is Status.NO_DATA and got["T-MTP-2"].grade is None
    # T-VAM-2 78 → 95, actual 80: 11,8 % → computed 2; the preparer's 3 replaces it, with its author.
    vam = got["T-VAM-2"]
    assert (vam.computed_grade, vam.grade, vam.grade_override and vam.grade_override.author) == (
        2,
        3,
        "Esimerkki Suunnittelija",
    )
    # Frame 2027 3 589 520 000 € (stage 2, the budget year of cycle 2026), of which the client groups
    # 3 589 520 000 − 79 372 569 (rescue services) − 147 257 003 (common costs) = 3 362 890 428 €; actual
    # 575,7 + 1 390,7 + 856,1 + 307,8 + 248,3 = 3 378,6 M€ (arviointi_talous.csv, the frame year 2027):
    # 15,7 M€ over the groups' frame.
    assert analysis.frame_year == 2027
    assert (analysis.frame_eur, analysis.actual_eur) == (3_362_890_428.0, 3_378_600_000.0)
    # Substitute care: 77 800 000 € / 214 500 days = 362,70 €/day.
    care = next(s for s in analysis.services if s.service_id == "LAP-SIJAISHUOLTO")
    assert care.actual_unit_cost == 362.7
    # Stage 6: S-TEHPA-02 ended on step 3 (sanction) → the supply risk R-03 2 × 4 = 8 becomes 4 × 4 = 16.
    producers = {p.contract_id: p for p in analysis.producers}
    assert producers["S-TEHPA-02"].final_step == 3 and producers["S-TEHPA-02"].periods == ["2026-03", "2026-04"]
    risks = {r.risk_id: r for r in analysis.risks}
    assert (risks["R-03"].previous_index, risks["R-03"].index, risks["R-03"].band) == (8, 16, "suuri")
    assert any("S-TEHPA-02" in text for text in risks["R-03"].evidence)
    assert (
        risks["R-UUSI-1"].new and risks["R-UUSI-1"].category == "vaikuttavuus"
    )  # two targets worsened; the register had no such risk
    assert [t.target_id for t in analysis.carryover.targets] == ["T-TYO-1", "T-MTP-1"]
    assert [r.risk_id for r in analysis.carryover.risks] == ["R-01", "R-02", "R-03"]
    assert analysis.unanswered == ["T-IKA-2 (arvosana 2)"]

    store = open_store()
    pdf = store.latest("HVA08", 2026, "evaluation-decision-pdf")
    assert pdf is not None
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(store.read_file(pdf))).pages)
    assert "Arviointi ja itsearviointi 2026" in text and "Aluevaltuusto" in text
    assert "611/2021, 119 §" in text
    risks_pdf = store.latest("HVA08", 2026, "evaluation-attachment-4-pdf")
    assert risks_pdf is not None
    assert "Riskikartta" in "".join(p.extract_text() for p in PdfReader(io.BytesIO(store.read_file(risks_pdf))).pages)

    # Cycle 2027's stage 1 reads the approved evaluation through stage 7's basis and says so.
    needs = run_stage(NEEDS, region="HVA08", cycle=2027, gate="scripted", steps=DirectSteps())
    assert needs.accepted
    version = store.latest("HVA08", 2027, "needs-proposal")
    assert version is not None
    proposal = NeedsProposal.model_validate(store.read_json(version))
    assert proposal.carried is not None and [t.target_id for t in proposal.carried.targets] == ["T-TYO-1", "T-MTP-1"]
    headings = [section.heading for section in proposal.agenda.grounds]
    assert "Edellisen kierroksen arvioinnin lähtökohdat" in headings
    assert proposal.agenda.meeting_date > _analysis_decision_day()
    carried = store.latest("HVA08", 2026, "evaluation-carryover")
    assert carried is not None
    assert carried.id in {ref.version_id for ref in store.lineage(version.id)}


def _analysis_decision_day() -> object:
    store = open_store()
    proposal = store.latest("HVA08", 2026, "evaluation-proposal")
    assert proposal is not None
    return store.decisions_for(proposal.id)[0].meeting_date


def _edit(name: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(folder: Path) -> None:
        path = folder / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


@pytest.mark.parametrize(
    ("breaker", "expected"),
    [
        pytest.param(
            _edit("arviointi_mittarit.csv", "T-LAP-2;95,4", "T-MUU-9;95,4"),
            ("arviointi_mittarit.csv", "row 3", "field tavoite_id", "T-MUU-9"),
            id="unknown-target",
        ),
        pytest.param(
            _edit("arviointi_arvosanat.csv", "T-VAM-2;3;", "T-VAM-2;6;"),
            ("arviointi_arvosanat.csv", "row 2", "field arvosana"),
            id="grade-outside-1-5",
        ),
        pytest.param(
            _edit("arviointi_arvosanat.csv", ";Esimerkki Suunnittelija", ";"),
            ("arviointi_arvosanat.csv", "row 2", "field laatija"),
            id="override-without-author",
        ),
        pytest.param(
            _edit("riskirekisteri.csv", "talous;4;5;", "talous;0;5;"),
            ("riskirekisteri.csv", "row 2", "field todennäköisyys"),
            id="probability-outside-1-5",
        ),
        pytest.param(
            _edit("riskirekisteri.csv", "talous;4;5;", "talous;4;6;"),
            ("riskirekisteri.csv", "row 2", "field vaikutus"),
            id="impact-outside-1-5",
        ),
        pytest.param(
            _edit("arviointi_asiakaskokemus.csv", "IKA-TEHPA;", "IKA-TUNTEMATON;"),
            ("arviointi_asiakaskokemus.csv", "row 3", "field palvelu_id", "IKA-TUNTEMATON"),
            id="survey-for-unknown-service",
        ),
        pytest.param(
            _edit("arviointi_jatkotoimet.csv", ";R-03\n", ";R-99\n"),
            ("arviointi_jatkotoimet.csv", "row 8", "field kohde"),
            id="action-for-unknown-risk",
        ),
        pytest.param(
            _edit("arviointi_palvelut.csv", "VAM-ASUMINEN;368 000;84 900 000\n", ""),
            ("arviointi_palvelut.csv", "VAM-ASUMINEN"),
            id="planned-service-missing",
        ),
    ],
)
def test_bad_input_is_refused_naming_file_row_and_field(
    seed: Seed, tmp_path: Path, breaker: Callable[[Path], None], expected: tuple[str, ...]
) -> None:
    seed(Stage.STEERING)
    inputs = tmp_path / "inputs"
    shutil.copytree(EXAMPLES, inputs, ignore=shutil.ignore_patterns("*.py", "seuranta"))
    breaker(inputs)
    with pytest.raises(InputError) as caught:
        prepare(DEFINITION, make_context(Stage.EVALUATION, region="HVA08", cycle=2026, inputs_dir=inputs))
    for part in expected:
        assert part in caught.value.message, caught.value.message
