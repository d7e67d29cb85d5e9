"""The stage-4 proposal: the two agenda items, the figures, the exports with their source column,
the round's outputs and lineage, the documents, and the previous cycle's organising plan."""

from __future__ import annotations

import csv
import datetime as dt
import io
import uuid
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from schemas.chains import ProductionMode
from schemas.comparison import (
    CatalogueService,
    ChainsBasis,
    ComparisonAnalysis,
    ComparisonParams,
    OrganisingPlan,
    RecommendedMode,
)
from schemas.results import VersionRef
from schemas.stages import Stage
from soteflow.documents import load_governance
from soteflow.stagekit import open_store
from tasks.comparison import analyse_comparison
from tasks.comparison_inputs import read_comparison_inputs
from tasks.comparison_proposal import (
    build_comparison_figures,
    build_comparison_proposal,
    comparison_round_outputs,
    default_meeting_date,
    document_created,
    export_csv,
    export_rows,
    export_xlsx,
    load_previous_plan,
    render_comparison,
)
from tests.conftest import DATA_DIR
from tests.fixtures.comparison.worked_example import write_worked_example


def _ref(key: str, version: int = 1, sha: str = "a") -> VersionRef:
    return VersionRef(version_id=uuid.UUID(int=version), key=key, version=version, sha256=sha * 64,
                      status="approved", media_type="application/json")  # fmt: skip


BASIS = ChainsBasis(
    region_name="Pirkanmaan hyvinvointialue",
    services=[
        CatalogueService(service_id="IKA-KOTIHOITO", name="Säännöllinen kotihoito", package_id="PK-IKA",
                         mode=ProductionMode.OWN, unit="käynti"),
        CatalogueService(service_id="IKA-TEHPA", name="Ympärivuorokautinen palveluasuminen", package_id="PK-IKA",
                         mode=ProductionMode.PURCHASED, unit="hoitopäivä"),
    ],
    catalogue_ref=_ref("chains-catalogue", 2, "c"),
    proposal_ref=_ref("chains-proposal", 3, "d"),
    approved_on=dt.date(2026, 10, 5),
)  # fmt: skip


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    return write_worked_example(tmp_path / "inputs")


@pytest.fixture
def analysis(folder: Path) -> ComparisonAnalysis:
    return analyse_comparison(read_comparison_inputs(folder), ComparisonParams(), region_code="HVA08",
                              region_name=BASIS.region_name, cycle=2026, basis=BASIS, inputs_dir=str(folder))  # fmt: skip


def _governance():  # type: ignore[no-untyped-def]
    return load_governance("HVA08", Stage.COMPARISON, DATA_DIR / "config" / "regions", region_name=BASIS.region_name)


def test_first_proposal(analysis: ComparisonAnalysis) -> None:
    payload = build_comparison_proposal(analysis, BASIS, _governance(), [], 2026)
    agenda = payload.agenda
    assert agenda.title == "Tuotantotapojen vertailu ja valinta 2026"
    assert agenda.body == "Aluehallitus" and agenda.dnro == "PIRHA/2026/00.01.00/4"
    # Stage 3 approved on Monday 5.10.2026; + 28 days = Monday 2.11.2026.
    assert agenda.meeting_date == dt.date(2026, 11, 2) == default_meeting_date(BASIS, 2026)
    assert agenda.proposal.startswith("Aluehallitus päättää\n\n1) hyväksyä oman tuotannon ja ostopalvelujen vertailun")
    text = " ".join(p for section in agenda.grounds for p in section.paragraphs)
    assert "esimerkkiaineisto" in text
    assert "JHS 203 (Kuntien ja kuntayhtymien kustannuslaskenta)" in text
    assert "arvonlisäverolaki 1501/1993, 130 §" in text
    assert "ei lisätä kumpaankaan vertailtavaan kustannukseen" in text
    assert "Ympärivuorokautinen palveluasuminen: palveluseteli (nykyisin sekamalli)." in text
    assert agenda.appeal_instructions[0].heading == "Oikaisuvaatimusohje"
    assert payload.recommendations == {"IKA-KOTIHOITO": RecommendedMode.OWN, "IKA-TEHPA": RecommendedMode.VOUCHER}
    assert [(r.key, r.version) for r in payload.stage3] == [("chains-proposal", 3), ("chains-catalogue", 2)]
    assert "| Säännöllinen kotihoito | sekamalli | oma tuotanto |" in payload.summary_markdown
    plan = payload.plan_agenda
    assert plan.title == "Palvelujen järjestämissuunnitelma 2026: tuotantotavat"
    assert "ensimmäinen versio" in plan.grounds[1].paragraphs[0]
    assert plan.proposal.startswith("Aluehallitus päättää hyväksyä Pirkanmaan hyvinvointialueen palvelujen")


def test_returned_proposal_answers_the_comments(analysis: ComparisonAnalysis) -> None:
    earlier = [{"version": 1, "sha256": "e" * 64, "body": "Aluehallitus", "meeting_date": "2026-11-16",
                "section": "301", "outcome": "returned", "comments": "Lisää herkkyystarkastelu koron osalta."}]  # fmt: skip
    payload = build_comparison_proposal(analysis, BASIS, _governance(), earlier, 2026)
    [handled] = payload.agenda.earlier_handling
    assert (handled.date, handled.section) == (dt.date(2026, 11, 16), 301)
    assert payload.agenda.meeting_date == dt.date(2026, 11, 30)  # two weeks after the return, a Monday
    assert any(s.heading == "Palautuksen johdosta tehty valmistelu" for s in payload.agenda.grounds)
    assert "Lisää herkkyystarkastelu koron osalta." in payload.summary_markdown
    assert payload.plan_agenda.earlier_handling == payload.agenda.earlier_handling


def test_csv_export_has_every_figure_with_its_source(analysis: ComparisonAnalysis) -> None:
    data = export_csv(analysis)
    assert data.startswith("\ufeff".encode())  # BOM: Excel opens UTF-8 correctly
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert list(rows[0]) == ["palvelu_id", "palvelu", "tuotantotapa", "tieto", "arvo", "yksikkö", "lähde"]
    assert all(row["lähde"] for row in rows)
    unit = next(r for r in rows if r["palvelu_id"] == "IKA-KOTIHOITO" and r["tuotantotapa"] == "oma tuotanto"
                and r["tieto"] == "yksikkökustannus (brutto)")  # fmt: skip
    assert (unit["arvo"], unit["yksikkö"]) == ("50,07", "€/käynti")
    assert unit["lähde"] == ("oma_tuotanto_kustannukset.csv / rivit 2, 4–5; oma_tuotanto_tukipalvelut.csv / rivit 2, 5")
    volume = next(r for r in rows if r["palvelu_id"] == "IKA-KOTIHOITO" and r["tieto"] == "suoritteet"
                  and r["tuotantotapa"] == "oma tuotanto")  # fmt: skip
    assert (volume["arvo"], volume["lähde"]) == ("10000", "oma_tuotanto_kustannukset.csv / rivi 2")
    price = next(r for r in rows if r["tuotantotapa"] == "ostopalvelu" and r["tieto"].startswith("Sopimushinta")
                 and r["yksikkö"] == "€/käynti")  # fmt: skip
    assert (price["arvo"], price["lähde"]) == ("43,7", "ostopalvelut.csv / rivi 2")
    recommendation = next(r for r in rows if r["tieto"] == "suositeltu tuotantotapa" and r["palvelu_id"] == "IKA-TEHPA")
    assert recommendation["arvo"] == "palveluseteli"
    reconciliation = next(r for r in rows if r["tieto"] == "Eläkekulut: tuloslaskelma")
    assert (reconciliation["arvo"], reconciliation["lähde"]) == ("99000", "oma_tuotanto_tuloslaskelma.csv / rivi 3")
    assert len(rows) == len(export_rows(analysis))


def test_xlsx_export_is_deterministic_and_has_the_source_column(analysis: ComparisonAnalysis) -> None:
    created = document_created(BASIS, 2026)
    assert created == dt.datetime(2026, 10, 5, 12, 0, tzinfo=dt.UTC)
    first, second = export_xlsx(analysis, created), export_xlsx(analysis, created)
    assert first == second
    with zipfile.ZipFile(io.BytesIO(first)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2026, 10, 5, 12, 0, 0)}
        core = archive.read("docProps/core.xml").decode()
    assert "2026-10-05T12:00:00Z" in core
    from openpyxl import load_workbook

    workbook = load_workbook(io.BytesIO(first))
    sheet = workbook["Vertailu"]
    header = [c.value for c in sheet[1]]
    assert header[-1] == "lähde"
    values = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(values) == len(export_rows(analysis))
    assert all(row[-1] for row in values)
    assert workbook.properties.created == dt.datetime(2026, 10, 5, 12, 0)


def test_round_outputs_and_lineage(analysis: ComparisonAnalysis, folder: Path) -> None:
    figures = build_comparison_figures(analysis)
    payload = build_comparison_proposal(analysis, BASIS, _governance(), [], 2026)
    outputs = comparison_round_outputs(analysis=analysis, figures=figures, proposal=payload, basis=BASIS,
                                       previous=None, inputs_dir=folder, created=document_created(BASIS, 2026))  # fmt: skip
    assert [s.key for s in outputs.sources] == [
        "comparison-source-own-costs", "comparison-source-allocation-keys", "comparison-source-income-statement",
        "comparison-source-purchases", "comparison-source-quality", "comparison-source-personnel",
    ]  # fmt: skip
    assert outputs.sources[0].content == (folder / "oma_tuotanto_kustannukset.csv").read_bytes()
    data = {d.key: d for d in outputs.data}
    assert list(data) == ["comparison-own-costs", "comparison-purchased-costs", "comparison-matrix",
                          "comparison-personnel", "comparison-organising-plan"]  # fmt: skip
    assert set(data["comparison-own-costs"].inputs) == {
        "comparison-source-own-costs", "comparison-source-allocation-keys", "comparison-source-income-statement",
    }  # fmt: skip
    assert list(data["comparison-matrix"].external_inputs) == [BASIS.catalogue_ref]
    assert list(data["comparison-organising-plan"].external_inputs) == []
    keys = [f.key for f in outputs.figures]
    assert keys == ["comparison-components-ika-kotihoito-svg", "comparison-components-ika-tehpa-svg",
                    "comparison-ranges-svg", "comparison-export-csv", "comparison-export-xlsx"]  # fmt: skip
    media = {f.key: f.media_type for f in outputs.figures}
    assert media["comparison-export-csv"] == "text/csv"
    assert media["comparison-export-xlsx"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert outputs.proposal.key == "comparison-proposal"
    assert set(outputs.proposal.inputs) == set(data) | set(keys)
    assert list(outputs.proposal.external_inputs) == [BASIS.proposal_ref]
    assert outputs.tables["comparison-organising-plan"][1]["valittu"] == "palveluseteli"


def test_figures(analysis: ComparisonAnalysis) -> None:
    figures = build_comparison_figures(analysis)
    home = figures.for_service("IKA-KOTIHOITO")
    assert home.svg.startswith("<svg") and 'role="img"' in home.svg
    # The own bar's total is the unit cost 50,07 (its rounded parts would also give 50,07 here).
    assert "Oma tuotanto: " in home.svg and "yhteensä 50,07 €/käynti" in home.svg
    # Ranges relative to own = 100: purchased 45,70 / 50,07 = 91,3 (45,20 → 90,3; 46,20 → 92,3).
    assert "Ostopalvelu 91,3 (vaihteluväli 90,3–92,3)" in figures.ranges.svg


def test_both_documents_are_rendered_from_the_proposal_version(analysis: ComparisonAnalysis) -> None:
    figures = build_comparison_figures(analysis)
    payload = build_comparison_proposal(analysis, BASIS, _governance(), [], 2026)
    proposal_ref = _ref("comparison-proposal", 1, "f")
    decision, plan = render_comparison(payload, analysis, figures, document_created(BASIS, 2026), proposal_ref)
    assert (decision.key, plan.key) == ("comparison-decision", "comparison-plan")
    assert (decision.title, plan.title) == ("Tuotantotapojen vertailu ja valinta 2026",
                                            "Palvelujen järjestämissuunnitelma 2026: tuotantotavat")  # fmt: skip
    reader = PdfReader(io.BytesIO(decision.pdf))
    text = "".join(page.extract_text() for page in reader.pages).replace("\n", " ")
    assert "Tuotantotapojen vertailu ja valinta 2026" in text
    assert "esimerkkiaineisto" in text
    assert "Täsmäytys tuloslaskelmaan" in text
    assert "f" * 12 in text  # the proposal version's hash in the footer
    assert set(reader.attachments) == {"comparison-proposal.json", "comparison-export.csv", "comparison-own-costs.json",
                                       "comparison-purchased-costs.json", "comparison-matrix.json"}  # fmt: skip
    plan_reader = PdfReader(io.BytesIO(plan.pdf))
    plan_text = "".join(page.extract_text() for page in plan_reader.pages).replace("\n", " ")
    assert "Palvelujen järjestämissuunnitelma 2026: tuotantotavat" in plan_text
    assert "hva08-2026-comparison-proposal-plan" in plan_text
    assert set(plan_reader.attachments) == {"comparison-organising-plan.json"}
    assert "<h1>" in decision.html and 'lang="fi"' in plan.html


def test_previous_cycle_plan_is_read_only_when_approved(analysis: ComparisonAnalysis) -> None:
    store = open_store()
    assert load_previous_plan(store, region="HVA08", cycle=2027) is None
    common = {"region": "HVA08", "cycle": 2026, "stage": "comparison", "key": "comparison-organising-plan",
              "kind": "plan", "title": "Järjestämissuunnitelma", "schema_name": "OrganisingPlan",
              "schema_version": "1", "code_version": "test"}  # fmt: skip
    with store.transaction(actor="test") as tx:
        tx.save_json(payload=analysis.plan, status="proposed", **common)  # type: ignore[arg-type]
    assert load_previous_plan(store, region="HVA08", cycle=2027) is None  # proposed, not approved
    changed = analysis.plan.model_copy(update={"entries": analysis.plan.entries[:1]})
    with store.transaction(actor="test") as tx:
        saved = tx.save_json(payload=changed, status="proposed", **common)  # type: ignore[arg-type]
        tx.record_decision(saved, body="Aluehallitus", outcome="approved", meeting_date=dt.date(2026, 11, 2),
                           section="12", decision_number=None, comments="", recorded_by="test")  # fmt: skip
    previous = load_previous_plan(store, region="HVA08", cycle=2027)
    assert previous is not None and previous.cycle == 2026
    assert (previous.ref.key, previous.ref.version, previous.ref.sha256) == ("comparison-organising-plan", 2,
                                                                            saved.sha256)  # fmt: skip
    assert isinstance(previous.plan, OrganisingPlan) and len(previous.plan.entries) == 1
