"""Stage 4 end to end under the Prefect test harness: stages 1–3 approved first, then stage 4.

Covers: no start without an approved stage 3; bad input (a key not summing to 100 %, a service
outside the approved catalogue) that stores nothing; the approved stage-3 versions and the previous
cycle's approved organising plan in the lineage; a returned-then-approved round; both documents
from one proposal version; the CSV and .xlsx exports with their source column.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from flows.s4_comparison import comparison_flow
from schemas.decisions import Outcome
from schemas.stages import Stage
from soteflow.errors import InputError
from soteflow.stagekit import open_store
from soteflow.store.verify import verify
from soteflow.upstream import StageNotApprovedError
from tests.fixtures.comparison.worked_example import (
    COSTS_CSV,
    KEYS_CSV,
    PERSONNEL_CSV,
    PURCHASES_CSV,
    QUALITY_CSV,
    write_worked_example,
)
from tests.support import DATA_DIR, Seed

# The stage as a Prefect flow on the test server, end to end (the rounds themselves are tested
# directly in tests/tasks): in the end-to-end group that CI runs (make test-e2e).
pytestmark = [pytest.mark.usefixtures("prefect_harness"), pytest.mark.e2e]

EXAMPLES = DATA_DIR / "examples" / "HVA08"


def _comparison_keys() -> set[str]:
    store = open_store()
    return {a.key for a in store.list_artefacts(region="HVA08") if a.key.startswith("comparison-")}


def test_without_an_approved_stage_3_nothing_is_written() -> None:
    with pytest.raises(StageNotApprovedError, match=r"stage 3 \(chains\) has no approved proposal"):
        comparison_flow(region="HVA08", cycle=2026, gate="scripted")
    assert open_store().list_artefacts(region="HVA08") == []


def _seed_previous_plan() -> str:
    """An approved organising plan of cycle 2025 (the previous cycle) in the store; returns its id."""
    import datetime as dt

    plan = {
        "schema_version": 1,
        "region_code": "HVA08",
        "cycle": 2025,
        "previous": None,
        "changes": [],
        "entries": [
            {
                "service_id": "IKA-KOTIHOITO",
                "name": "Säännöllinen kotihoito",
                "chosen_mode": "mixed",
                "current_mode": "mixed",
                "own_share": 0.8,
                "rationale": "",
                "previous_mode": None,
                "changed": False,
            },
            {
                "service_id": "VAM-ASUMINEN",
                "name": "Vammaisten asumispalvelut",
                "chosen_mode": "purchased",
                "current_mode": "mixed",
                "own_share": 0.06,
                "rationale": "",
                "previous_mode": None,
                "changed": False,
            },
        ],
    }
    store = open_store()
    with store.transaction(actor="test") as tx:
        version = tx.save_json(
            region="HVA08",
            cycle=2025,
            stage="comparison",
            key="comparison-organising-plan",
            kind="plan",
            title="Palvelujen järjestämissuunnitelma: tuotantotavat",
            payload=plan,
            schema_name="OrganisingPlan",
            schema_version="1",
            code_version="test",
            status="proposed",
        )
        tx.record_decision(
            version,
            body="Aluehallitus",
            outcome="approved",
            meeting_date=dt.date(2025, 11, 3),
            section="250",
            decision_number=None,
            comments="",
            recorded_by="test",
        )
    return str(version.id)


def test_stage_4_on_approved_stages_1_to_3(tmp_path: Path, seed: Seed) -> None:
    seed(Stage.CHAINS)
    previous_id = _seed_previous_plan()

    # Bad input stores nothing: a key summing to 99,5 % (the CSV form, cp1252 as Excel saves it) …
    bad = tmp_path / "bad"
    bad.mkdir()
    for path in EXAMPLES.glob("*.csv"):
        shutil.copy(path, bad / path.name)
    keys = (bad / "oma_tuotanto_tukipalvelut.csv").read_bytes().decode("cp1252")
    assert "TUKI-ICT;Tietohallinto ja ICT-palvelut;tukipalvelu;käyttäjätunnukset ja laitteet;MUU;83,64;" in keys
    keys = keys.replace(";MUU;83,64;", ";MUU;83,14;", 1)
    (bad / "oma_tuotanto_tukipalvelut.csv").write_bytes(keys.encode("cp1252"))
    with pytest.raises(InputError) as caught:
        comparison_flow(region="HVA08", cycle=2026, gate="scripted", inputs_dir=str(bad))
    assert caught.value.file is not None and caught.value.file.endswith("oma_tuotanto_tukipalvelut.csv")
    assert (caught.value.row, caught.value.field) == (2, "osuus %")
    # … and so does a service that is not in the approved stage-3 catalogue.
    renamed = {
        name: text.replace("IKA-TEHPA", "IKA-TEHOSTETTU")
        for name, text in (
            ("Kustannukset", COSTS_CSV),
            ("Tukipalvelut", KEYS_CSV),
            ("ostopalvelut", PURCHASES_CSV),
            ("laatu", QUALITY_CSV),
            ("henkilosto", PERSONNEL_CSV),
        )
    }
    unknown = write_worked_example(tmp_path / "unknown", replace=renamed)
    with pytest.raises(InputError, match="'IKA-TEHOSTETTU' is not in the approved stage-3 service catalogue") as caught:
        comparison_flow(region="HVA08", cycle=2026, gate="scripted", inputs_dir=str(unknown))
    assert (caught.value.row, caught.value.field) == (3, "palvelu_id")
    assert _comparison_keys() == {"comparison-organising-plan"}  # only the seeded 2025 plan

    # The shipped example: returned once, then approved.
    decisions = tmp_path / "decisions.json"
    decisions.write_text(
        json.dumps(
            {
                "comparison": [
                    {"outcome": "returned", "comments": "Tarkenna vammaisten asumispalvelujen henkilöstövaikutukset."},
                    {"outcome": "approved"},
                ]
            }
        ),
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = comparison_flow(
        region="Pirkanmaa", cycle=2026, gate="scripted", decisions_file=str(decisions), out_dir=str(out)
    )
    assert (result.region, result.number, result.rounds) == ("HVA08", 4, 2)
    assert result.case().decision is not None and result.case().decision.outcome is Outcome.APPROVED
    store = open_store()
    refs = {a.key: a for a in result.artefacts}
    assert [(v.version, v.status.value) for v in store.history("HVA08", 2026, "comparison-proposal")] == [
        (1, "returned"),
        (2, "approved"),
    ]
    assert [v.status.value for v in store.history("HVA08", 2026, "comparison-plan-pdf")] == ["returned", "approved"]

    def inputs_of(key: str) -> dict[str, str]:
        version = store.get_version(refs[key].version_id)
        return {i["key"]: str(i["version_id"]) for i in version.inputs}

    catalogue = store.latest("HVA08", 2026, "chains-catalogue", status="approved")
    stage3 = store.latest("HVA08", 2026, "chains-proposal", status="approved")
    assert catalogue is not None and stage3 is not None
    assert inputs_of("comparison-matrix") == {
        "comparison-own-costs": str(refs["comparison-own-costs"].version_id),
        "comparison-purchased-costs": str(refs["comparison-purchased-costs"].version_id),
        "comparison-source-quality": str(refs["comparison-source-quality"].version_id),
        "chains-catalogue": str(catalogue.id),
    }
    assert set(inputs_of("comparison-own-costs")) == {"comparison-source-own-production"}
    assert inputs_of("comparison-organising-plan") == {
        "comparison-matrix": str(refs["comparison-matrix"].version_id),
        "comparison-organising-plan": previous_id,
    }
    assert inputs_of("comparison-proposal")["chains-proposal"] == str(stage3.id)

    plan = store.read_json(store.get_version(refs["comparison-organising-plan"].version_id))
    assert plan["previous"]["cycle"] == 2025
    chosen = {e["service_id"]: e["chosen_mode"] for e in plan["entries"]}
    assert chosen == {
        "IKA-KOTIHOITO": "own",
        "IKA-TEHPA": "mixed",
        "LAP-SIJAISHUOLTO": "mixed",
        "TYO-SUUNHOITO": "mixed",
        "VAM-ASUMINEN": "purchased",
    }
    assert [(c["service_id"], c["previous"], c["chosen"]) for c in plan["changes"]] == [
        ("IKA-KOTIHOITO", "mixed", "own"),
        ("IKA-TEHPA", None, "mixed"),
        ("LAP-SIJAISHUOLTO", None, "mixed"),
        ("TYO-SUUNHOITO", None, "mixed"),
    ]
    proposal = store.read_json(store.get_version(refs["comparison-proposal"].version_id))
    assert "Tarkenna vammaisten asumispalvelujen henkilöstövaikutukset." in json.dumps(proposal, ensure_ascii=False)
    assert proposal["agenda"]["earlier_handling"][0]["body"] == "Aluehallitus"

    # Both documents print the approved proposal version's hash; the exports carry the source column.
    folder = out / "s4-comparison"
    sha = refs["comparison-proposal"].sha256
    for name, title in (
        ("comparison-decision-pdf-v2.pdf", "Tuotantotapojen vertailu ja valinta 2027"),
        ("comparison-plan-pdf-v2.pdf", "Palvelujen järjestämissuunnitelma 2027: tuotantotavat"),
    ):
        reader = PdfReader(io.BytesIO((folder / name).read_bytes()))
        text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
        assert title in text and sha[:12] in text
    rows = list(
        csv.DictReader(io.StringIO((folder / "comparison-export-csv-v1.csv").read_text("utf-8-sig")), delimiter=";")
    )
    assert rows and all(row["lähde"] for row in rows)
    assert any(row["lähde"].startswith("oma_tuotanto.xlsx / Kustannukset / rivit") for row in rows)
    assert (folder / "comparison-export-xlsx-v1.xlsx").read_bytes()[:2] == b"PK"
    assert not (folder / "comparison-source-purchases-v1.csv").exists()  # inputs stay in the store
    assert verify(store).ok
