"""The stage-2 proposal: agenda item, meeting date, figures, document and the round's lineage."""

from __future__ import annotations

import datetime as dt
import io
import uuid

import pytest
from pypdf import PdfReader

from schemas.needs import NeedsAssessment
from schemas.results import VersionRef
from schemas.stages import Stage
from schemas.targets import ClientGroup, NeedsBasis, TargetsAssessment
from soteflow.documents import load_governance
from tasks.inputs import inputs_dir_or_default
from tasks.needs import assess_needs
from tasks.targets import assess_targets, field_periods, read_targets_inputs
from tasks.targets_proposal import (
    build_targets_figures,
    build_targets_proposal,
    default_meeting_date,
    document_context,
    render_targets,
    resolve_region_code,
    targets_document_created,
    targets_round_outputs,
)
from tests.conftest import DATA_DIR

EXAMPLES = DATA_DIR / "examples" / "HVA08"


def _ref(key: str) -> VersionRef:
    return VersionRef(
        version_id=uuid.uuid5(uuid.NAMESPACE_URL, key), key=key, version=1, sha256=hashlike(key), status="approved",
        media_type="application/json",
    )  # fmt: skip


def hashlike(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()


@pytest.fixture(scope="module")
def basis() -> NeedsBasis:
    """The real stage-1 assessment of Pirkanmaa as if approved by the aluehallitus on 24.8.2026."""
    needs: NeedsAssessment = assess_needs(DATA_DIR, "HVA08")
    return NeedsBasis(
        region_code=needs.region_code,
        region_name=needs.region_name,
        profiles=needs.profiles,
        need_index=needs.need_index,
        change=needs.change,
        refs={k: _ref(k) for k in ("needs-proposal", "needs-profile", "needs-index", "needs-change")},
        periods=field_periods({"age": "2025", "population": "2025", "income": "2024", "unemployment": "2026M06"}),
        decision_date=dt.date(2026, 8, 24),
        decision_body="Aluehallitus",
    )


@pytest.fixture(scope="module")
def assessment(basis: NeedsBasis) -> TargetsAssessment:
    return assess_targets(read_targets_inputs(EXAMPLES), basis, 2026)


def _governance(basis: NeedsBasis):  # type: ignore[no-untyped-def]
    return load_governance("HVA08", Stage.TARGETS, DATA_DIR / "config" / "regions", region_name=basis.region_name)


def test_relative_needs_of_pirkanmaa_from_the_stage1_profile(assessment: TargetsAssessment) -> None:
    needs = {g.client_group: g.relative_need for g in assessment.frame.groups}
    # under-15 13,9954 / 14,3; unemployment 13,7316 / 12,8299; 65+ 22,5924 / 23,8;
    # disabled and ill unemployed (5547 / 270 005) / (42 048 / 2 743 596) = 0,020544 / 0,015326;
    # basic security 4,4819 / 4,5218.
    assert needs == {
        ClientGroup.CHILDREN_FAMILIES: 0.9787,
        ClientGroup.WORKING_AGE: 1.0703,
        ClientGroup.OLDER_PEOPLE: 0.9493,
        ClientGroup.DISABILITY: 1.3405,
        ClientGroup.MENTAL_SUBSTANCE: 0.9912,
    }
    older = assessment.frame.for_group(ClientGroup.OLDER_PEOPLE)
    # Older people's services cost 318,5 + 402,7 + 139,2 = 860,4 M€ of 3 437,0 M€ in 2025.
    assert older.current_spend_eur == 860_400_000
    assert older.current_share == round(860.4 / 3437.0, 6)


def test_stage1_baselines_of_pirkanmaa(assessment: TargetsAssessment) -> None:
    target = assessment.impact.by_id("T-TYO-1")
    assert (target.baseline, target.baseline_year) == (5.4677, "2026M06")  # 14 763 / 270 005
    disabled = assessment.impact.by_id("T-VAM-1")
    assert (disabled.baseline, disabled.baseline_source) == (5547, "stage1")


def test_meeting_date_and_creation_time_come_from_the_stage1_approval(basis: NeedsBasis) -> None:
    # Approved Monday 24.8.2026 + 28 days = Monday 21.9.2026.
    assert default_meeting_date(basis) == dt.date(2026, 9, 21)
    assert targets_document_created(basis).isoformat() == "2026-08-24T00:00:00+03:00"


def test_first_proposal(assessment: TargetsAssessment, basis: NeedsBasis) -> None:
    proposal = build_targets_proposal(assessment, basis, _governance(basis), [], 2026)
    agenda = proposal.agenda
    assert agenda.title == "Tuloksellisuustavoitteet ja talouden kehys 2026"
    assert agenda.body == "Aluevaltuusto"
    assert agenda.dnro == "PIRHA/2026/00.01.00/2"
    assert agenda.meeting_date == dt.date(2026, 9, 21)
    assert agenda.proposal.startswith(
        "Aluevaltuusto päättää hyväksyä Pirkanmaan hyvinvointialueen tuloksellisuustavoitteet ja talouden kehyksen "
        "suunnittelukierrokselle 2026: asiakasryhmien 11 vaikuttavuustavoitetta sekä toimintakulujen kehyksen 2026 "
        "(3 539,5 M€)"
    )
    # Decisions of the aluevaltuusto are appealed directly to the administrative court.
    assert agenda.appeal_instructions[0].heading == "Valitusosoitus"
    headings = [g.heading for g in agenda.grounds]
    assert headings == [
        "Asian tausta",
        "Aineisto ja menetelmä",
        "Keskeiset havainnot",
        "Alijäämän kattamisvelvollisuus",
    ]
    coverage = agenda.grounds[3].paragraphs
    assert coverage[0].startswith("Hyvinvointialuelaki (611/2021) 115 § 2 mom.")
    assert any("Perusura: kertynyttä alijäämää ei saada katetuksi" in p and "39,7 M€ vuodessa" in p for p in coverage)
    assert proposal.deficit_covered == {"perusura": False, "myonteinen": True, "kielteinen": False}
    assert proposal.needs_basis == basis.refs["needs-proposal"]
    assert "esimerkkiaineisto" in proposal.summary_markdown


def test_returned_proposal_answers_the_comments(assessment: TargetsAssessment, basis: NeedsBasis) -> None:
    earlier = [
        {"version": 1, "sha256": "a" * 64, "body": "Aluevaltuusto", "meeting_date": "2026-09-21", "section": "21",
         "outcome": "returned", "comments": "Lisää kielteisen skenaarion sopeutustoimet."},
    ]  # fmt: skip
    proposal = build_targets_proposal(assessment, basis, _governance(basis), earlier, 2026)
    [handled] = proposal.agenda.earlier_handling
    assert (handled.date, handled.body, handled.section) == (dt.date(2026, 9, 21), "Aluevaltuusto", 21)
    assert "Lisää kielteisen skenaarion sopeutustoimet." in handled.summary
    returned = proposal.agenda.grounds[-1]
    assert returned.heading == "Palautuksen johdosta tehty valmistelu"
    assert "Lisää kielteisen skenaarion sopeutustoimet." in returned.paragraphs[0]
    assert proposal.agenda.meeting_date == dt.date(2026, 10, 5)  # two weeks after 21.9., a Monday
    assert "Uudelleen valmisteltu" in proposal.summary_markdown


def test_figures_and_round_outputs_lineage(assessment: TargetsAssessment, basis: NeedsBasis) -> None:
    figures = build_targets_figures(assessment)
    assert [c.key for c in figures.scenario_svgs] == ["perusura", "myonteinen", "kielteinen"]
    assert all(svg.startswith("<svg") for svg in (figures.result_svg, figures.balance_svg, figures.allocation_svg))
    # The perusura chart shows the change from 2025: costs 3 539,48 + 52,0 − (3 437,0 + 49,5) = 104,98 → 105,0.
    assert "2026: 105,0" in figures.scenario_svgs[0].svg
    proposal = build_targets_proposal(assessment, basis, _governance(basis), [], 2026)
    inputs = read_targets_inputs(EXAMPLES)
    outputs = targets_round_outputs(
        assessment=assessment, figures=figures, proposal=proposal, basis=basis, inputs=inputs
    )
    assert [s.key for s in outputs.sources] == [
        "targets-source-toteuma", "targets-source-rahoitus", "targets-source-oletukset", "targets-source-tavoitteet",
    ]  # fmt: skip
    assert outputs.sources[0].content == (EXAMPLES / "talous_toteuma.csv").read_bytes()
    assert outputs.sources[2].media_type == "application/toml"
    data = {d.key: d for d in outputs.data}
    assert set(data) == {"targets-impact", "targets-forecast", "targets-frame"}
    assert list(data["targets-impact"].external_inputs) == [basis.refs["needs-profile"], basis.refs["needs-proposal"]]
    assert basis.refs["needs-proposal"] in data["targets-forecast"].external_inputs
    assert "targets-forecast" in data["targets-frame"].inputs
    assert [f.key for f in outputs.figures] == [
        "targets-forecast-perusura-svg", "targets-forecast-myonteinen-svg", "targets-forecast-kielteinen-svg",
        "targets-result-svg", "targets-balance-svg", "targets-allocation-svg",
    ]  # fmt: skip
    assert set(outputs.proposal.inputs) == set(data) | {f.key for f in outputs.figures}
    assert list(outputs.proposal.external_inputs) == [basis.refs["needs-proposal"]]


def test_document_tables(assessment: TargetsAssessment) -> None:
    context = document_context(assessment)
    labels = [g["label"] for g in context["target_groups"]]
    assert labels == [g.label_fi for g in ClientGroup]
    working_age = context["target_groups"][1]["rows"][0]
    assert working_age[:5] == [
        "T-TYO-1", "Pitkäaikaistyöttömien osuus työvoimasta", "5,5 % (6/2026; palvelutarvearvio)", "4,8 % (2029)",
        "laskee",
    ]  # fmt: skip
    assert "[needs-profile v1, region.long_term_unemployment_rate," in working_age[5]
    total = context["allocation_rows"][-1]
    assert total[0] == "Yhteensä" and total[-1] == 3539.5
    assert context["coverage_rows"][0][:5] == ["Perusura", -140.0, "2027", -79.5, "ei"]


def test_rendered_document(assessment: TargetsAssessment, basis: NeedsBasis) -> None:
    proposal = build_targets_proposal(assessment, basis, _governance(basis), [], 2026)
    figures = build_targets_figures(assessment)
    ref = VersionRef(
        version_id=uuid.uuid4(), key="targets-proposal", version=3, sha256="b" * 64, status="proposed",
        media_type="application/json",
    )  # fmt: skip
    rendered = render_targets(proposal, assessment, figures, basis, ref)
    assert "esimerkkiaineisto" in rendered.html
    assert 'content="2026-08-24T00:00:00+03:00"' in rendered.html
    reader = PdfReader(io.BytesIO(rendered.pdf))
    text = " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    assert "Tuloksellisuustavoitteet ja talouden kehys 2026" in text
    assert "Aluevaltuusto päättää hyväksyä Pirkanmaan hyvinvointialueen tuloksellisuustavoitteet" in text
    assert "Kertyneen alijäämän kattaminen skenaarioittain" in text
    assert "versio 3" in text
    assert set(reader.attachments) == {"targets-proposal.json", "targets-assessment.json"}


def test_inputs_folder_and_region_resolution(tmp_path) -> None:  # type: ignore[no-untyped-def]
    assert inputs_dir_or_default(None, None, "HVA08") == DATA_DIR / "examples" / "HVA08"
    assert inputs_dir_or_default(str(tmp_path), None, "HVA08") == tmp_path
    assert resolve_region_code("Pirkanmaa") == "HVA08"
