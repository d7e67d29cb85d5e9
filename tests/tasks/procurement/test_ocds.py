"""Stage 5a's OCDS: the release package, the records and the offline validation (libcoveocds).

A small hand-made plan: HK-001 (home care, two lots, bids compared, one contract in the register)
and HK-002 (cleaning, not divided, no bids yet). Expected figures are worked out by hand below.
"""

from __future__ import annotations

import copy
import datetime as dt
import socket
from collections.abc import Callable
from typing import Any

import pytest

from schemas.procurement import (
    AwardComparison,
    BidScore,
    ContractRegister,
    ContractTerms,
    CriterionWeight,
    Lot,
    LotAward,
    LotBasis,
    Milestone,
    MilestoneCode,
    Procedure,
    Procurement,
    ProcurementPlan,
    Responsibility,
    SizeClass,
    ThresholdClass,
)
from soteflow.store.canonical import canonical_json
from tasks.procurement import ocds
from tasks.procurement.ocds import (
    LOTS_EXTENSION_URL,
    build_release_package,
    compile_records,
    producer_party_id,
    validate_package,
)

PUBLISHED = dt.datetime(2026, 9, 1, 9, 0, tzinfo=dt.UTC)  # 12.00 Helsinki summer time (+03:00)
OPTIONS: dict[str, Any] = {
    "ocid_prefix": "ocds-abc123",
    "buyer_id": "FI-PRO-3221308-6",
    "buyer_name": "Pirkanmaan hyvinvointialue",
    "published": PUBLISHED,
    "uri": "https://example.org/ocds/HVA08/2026/releases.json",
}


def _procurement(pid: str, **fields: Any) -> Procurement:
    values: dict[str, Any] = {
        "procurement_id": pid,
        "service_id": "S-KOTIHOITO",
        "service_name": "Kotihoito",
        "description": "Säännöllinen kotihoito",
        "category_id": "K1",
        "responsibility": Responsibility.PRODUCTION,
        "responsible_unit": "Kotihoidon tulosalue",
        "reason": "Nykyiset sopimukset päättyvät 31.12.2026",
        "ending_contracts": ["SOP-2019-001"],
        "continuing_contracts": [],
        "unit": "käynti",
        "planned_volume": 10_000.0,
        "continuing_volume": 0.0,
        "annual_volume": 10_000.0,
        "unit_price": 50.0,
        "annual_value": 500_000.0,
        "contract_years": 4,
        "option_years": 2,
        "estimated_value": 3_000_000.0,  # 500 000 € × (4 + 2) years
        "threshold_class": ThresholdClass.SOCIAL_HEALTH,
        "national_threshold": 400_000.0,
        "eu_threshold": 750_000.0,
        "threshold_rule": "2026-01-01–2027-12-31",
        "threshold_provisional": False,
        "contract_start": dt.date(2027, 1, 1),
        "contract_end": dt.date(2030, 12, 31),
        "schedule_note": None,
        "procedure": Procedure.LIGHT_EU,
        "procedure_basis": "Ennakoitu arvo ylittää sote-palvelujen EU-kynnysarvon 750 000 €",
        "timeline": [
            Milestone(code=MilestoneCode.DIALOGUE, step="Markkinavuoropuhelu", date=dt.date(2026, 3, 2)),
            Milestone(
                code=MilestoneCode.PREPARATION, step="Hankinta-asiakirjojen valmistelu", date=dt.date(2026, 5, 1)
            ),
            Milestone(code=MilestoneCode.NOTICE, step="Hankintailmoitus", date=dt.date(2026, 6, 15)),
            Milestone(code=MilestoneCode.TENDER_DEADLINE, step="Tarjousaika päättyy", date=dt.date(2026, 7, 20)),
            Milestone(code=MilestoneCode.AWARD, step="Hankintapäätös", date=dt.date(2026, 8, 19)),
            Milestone(code=MilestoneCode.STANDSTILL_END, step="Odotusaika päättyy", date=dt.date(2026, 9, 2)),
            Milestone(code=MilestoneCode.START, step="Sopimus alkaa", date=dt.date(2027, 1, 1)),
        ],
        "lot_basis": LotBasis.AREA,
        "lots": [
            Lot(
                lot_id="L1",
                name="Tampere",
                share=0.6,
                annual_volume=6_000.0,
                annual_value=300_000.0,
                fits_small_producers=False,
            ),
            Lot(
                lot_id="L2",
                name="Etelä",
                share=0.4,
                annual_volume=4_000.0,
                annual_value=200_000.0,
                fits_small_producers=True,
            ),
        ],
        "no_lots_reason": None,
        "small_producer_capacity": 250_000.0,
        "access_share": 0.4,
        "current_small_share": 0.1,
    }
    values.update(fields)
    return Procurement(**values)


def _plan() -> ProcurementPlan:
    cleaning = _procurement(
        "HK-002",
        service_id="S-SIIVOUS",
        service_name="Siivous",
        description="Toimitilojen siivous",
        procedure=Procedure.BELOW_NATIONAL,
        procedure_basis="Ennakoitu arvo alittaa kansallisen kynnysarvon 60 000 €",
        threshold_class=ThresholdClass.GOODS_SERVICES,
        contract_years=2,
        option_years=0,
        annual_value=25_000.0,
        estimated_value=50_000.0,
        timeline=[
            Milestone(code=MilestoneCode.NOTICE, step="Hankintailmoitus", date=dt.date(2026, 10, 1)),
            Milestone(code=MilestoneCode.TENDER_DEADLINE, step="Tarjousaika päättyy", date=dt.date(2026, 10, 15)),
            Milestone(code=MilestoneCode.AWARD, step="Hankintapäätös", date=dt.date(2026, 11, 2)),
            Milestone(code=MilestoneCode.START, step="Sopimus alkaa", date=dt.date(2027, 1, 1)),
        ],
        lot_basis=LotBasis.NONE,
        lots=[],
        no_lots_reason="Hankinta on niin pieni, ettei sitä kannata jakaa osiin",
    )
    return ProcurementPlan(
        region_code="HVA08",
        cycle=2026,
        horizon_start=dt.date(2026, 1, 1),
        horizon_end=dt.date(2028, 12, 31),
        procurements=[_procurement("HK-001"), cleaning],
        not_procured=[],
        work_split=[],
        total_estimated_value=3_050_000.0,
        access_share=0.4,
        current_small_share=0.1,
        method=["Käsin tehty testisuunnitelma"],
    )


def _bid(bidder: str, price: float, rank: int, size: SizeClass = SizeClass.SMALL) -> BidScore:
    return BidScore(
        bidder=bidder,
        size=size,
        ngo=bidder.endswith(" ry"),
        price=price,
        price_points=60.0,
        quality_points={"laatu": 30.0},
        total=90.0 - rank,
        rank=rank,
        source_row=rank + 1,
    )


def _awards() -> list[AwardComparison]:
    return [
        AwardComparison(
            procurement_id="HK-001",
            service_id="S-KOTIHOITO",
            service_name="Kotihoito",
            criteria=[
                CriterionWeight(criterion="hinta", weight_pct=60.0, max_points=10.0),
                CriterionWeight(criterion="laatu", weight_pct=40.0, max_points=10.0),
            ],
            lots=[
                LotAward(
                    lot_id="L1",
                    lot_name="Tampere",
                    bids=[_bid("Hoiva-Äänekoski Oy", 48.0, 1), _bid("Suuri Hoiva Oyj", 47.0, 2, SizeClass.LARGE)],
                    winner="Hoiva-Äänekoski Oy",
                    winner_price=48.0,
                    annual_value=288_000.0,  # 48 € × 6 000 visits
                ),
                LotAward(
                    lot_id="L2",
                    lot_name="Etelä",
                    bids=[_bid("Suuri Hoiva Oyj", 46.0, 1, SizeClass.LARGE), _bid("Kotiapu ry", 49.0, 2)],
                    winner="Suuri Hoiva Oyj",
                    winner_price=46.0,
                    annual_value=184_000.0,  # 46 € × 4 000 visits
                ),
            ],
            lots_without_bids=[],
            method=["Hinta 60 %, laatu 40 %"],
        )
    ]


def _terms(contract_id: str, producer: str, service_id: str, lot_id: str | None, origin: str) -> ContractTerms:
    return ContractTerms(
        contract_id=contract_id,
        procurement_id="HK-001" if origin == "awarded" else None,
        producer=producer,
        size=SizeClass.SMALL,
        service_id=service_id,
        service_name="Kotihoito",
        lot_id=lot_id,
        area="Tampere",
        start=dt.date(2027, 1, 1),
        end=dt.date(2030, 12, 31),
        unit="käynti",
        unit_price=48.0,
        annual_volume=6_000.0,
        annual_value=288_000.0,
        origin=origin,
        kpis=[],
        reporting="Neljännesvuosittain",
        sanctions=[],
    )


def _contracts() -> ContractRegister:
    # L1's contract is in the register; L2's is not yet (the plan's term stands in); the
    # continued contract of another service must not appear.
    return ContractRegister(
        region_code="HVA08",
        cycle=2026,
        contracts=[
            _terms("SOP-2027-001", "Hoiva-Äänekoski Oy", "S-KOTIHOITO", "L1", "awarded"),
            _terms("SOP-2019-007", "Vanha Oy", "S-PALVELUASUMINEN", None, "continued"),
        ],
    )


def _package() -> dict[str, Any]:
    return build_release_package(_plan(), _awards(), _contracts(), **OPTIONS)


def _tagged(package: dict[str, Any], ocid: str, tag: str) -> dict[str, Any]:
    (release,) = [r for r in package["releases"] if r["ocid"] == ocid and r["tag"] == [tag]]
    return release


# -- the release package ---------------------------------------------------------------------------


def test_the_release_package_validates_with_no_problems() -> None:
    package = _package()

    assert validate_package(package) == []
    assert package["version"] == "1.1"
    assert package["extensions"] == [LOTS_EXTENSION_URL]
    assert package["publishedDate"] == "2026-09-01T12:00:00+03:00"
    # HK-001: planning, tender, award, contract; HK-002 (no bids): planning only.
    assert [(r["ocid"], r["tag"]) for r in package["releases"]] == [
        ("ocds-abc123-HK-001", ["planning"]),
        ("ocds-abc123-HK-001", ["tender"]),
        ("ocds-abc123-HK-001", ["award"]),
        ("ocds-abc123-HK-001", ["contract"]),
        ("ocds-abc123-HK-002", ["planning"]),
    ]
    ids = [r["id"] for r in package["releases"]]
    assert len(set(ids)) == len(ids)
    assert all(r["date"] == "2026-09-01T12:00:00+03:00" for r in package["releases"])


def test_the_planning_release_carries_budget_method_periods_and_lots() -> None:
    planning = _tagged(_package(), "ocds-abc123-HK-001", "planning")
    tender = planning["tender"]

    assert planning["planning"]["budget"]["amount"] == {"amount": 3_000_000.0, "currency": "EUR"}
    assert planning["planning"]["rationale"] == "Nykyiset sopimukset päättyvät 31.12.2026"
    assert planning["parties"] == [
        {"id": "FI-PRO-3221308-6", "name": "Pirkanmaan hyvinvointialue", "roles": ["buyer", "procuringEntity"]}
    ]
    assert tender["status"] == "planned"
    assert tender["mainProcurementCategory"] == "services"
    assert tender["procurementMethod"] == "open"
    assert tender["procurementMethodDetails"] == "sosiaali- ja terveyspalvelujen menettely, EU-hankintailmoitus"
    assert tender["value"] == {"amount": 3_000_000.0, "currency": "EUR"}
    # Notice 15.6. to the tender deadline 20.7. (summer time), evaluation from 21.7. to the
    # decision 19.8.; the contract runs
    # 1.1.2027–31.12.2030 (4 years) and with both option years to 31.12.2032 (winter time).
    assert tender["tenderPeriod"] == {"startDate": "2026-06-15T00:00:00+03:00", "endDate": "2026-07-20T23:59:59+03:00"}
    assert tender["awardPeriod"] == {"startDate": "2026-07-21T00:00:00+03:00", "endDate": "2026-08-19T23:59:59+03:00"}
    assert tender["contractPeriod"] == {
        "startDate": "2027-01-01T00:00:00+02:00",
        "endDate": "2030-12-31T23:59:59+02:00",
        "maxExtentDate": "2032-12-31T23:59:59+02:00",
    }
    assert [(m["id"], m["title"], m["dueDate"]) for m in tender["milestones"][:3]] == [
        ("HK-001-M1", "Markkinavuoropuhelu", "2026-03-02T00:00:00+02:00"),
        ("HK-001-M2", "Hankinta-asiakirjojen valmistelu", "2026-05-01T00:00:00+03:00"),
        ("HK-001-M3", "Hankintailmoitus", "2026-06-15T00:00:00+03:00"),
    ]
    assert len(tender["milestones"]) == 7
    # Lot values over the whole term with options: 300 000 € × 6 and 200 000 € × 6.
    assert tender["lots"] == [
        {"id": "L1", "title": "Tampere", "status": "planned", "value": {"amount": 1_800_000.0, "currency": "EUR"}},
        {
            "id": "L2",
            "title": "Etelä",
            "description": "Mitoitettu pk-tuottajien ja järjestöjen kapasiteettiin",
            "status": "planned",
            "value": {"amount": 1_200_000.0, "currency": "EUR"},
        },
    ]

    cleaning = _tagged(_package(), "ocds-abc123-HK-002", "planning")["tender"]
    assert cleaning["procurementMethod"] == "limited"
    assert "lots" not in cleaning  # not divided: no empty array
    assert cleaning["contractPeriod"] == {
        "startDate": "2027-01-01T00:00:00+02:00",
        "endDate": "2028-12-31T23:59:59+02:00",
    }


def test_lots_appear_under_tender_and_awards_and_contracts_refer_to_them() -> None:
    package = _package()
    lot_ids = {lot["id"] for lot in _tagged(package, "ocds-abc123-HK-001", "planning")["tender"]["lots"]}
    tender = _tagged(package, "ocds-abc123-HK-001", "tender")
    awards = _tagged(package, "ocds-abc123-HK-001", "award")["awards"]
    contracts = _tagged(package, "ocds-abc123-HK-001", "contract")["contracts"]

    assert lot_ids == {"L1", "L2"}
    assert tender["tender"]["status"] == "complete"
    assert tender["tender"]["numberOfTenderers"] == 3
    assert [t["id"] for t in tender["tender"]["tenderers"]] == [
        "FI-PRODUCER-hoiva-aanekoski-oy",
        "FI-PRODUCER-kotiapu-ry",
        "FI-PRODUCER-suuri-hoiva-oyj",
    ]
    assert tender["tender"]["awardCriteria"] == "ratedCriteria"
    assert tender["tender"]["awardCriteriaDetails"] == "Vertailuperusteet: hinta 60\u00a0%; laatu 40\u00a0%"
    assert "lotDetails" in tender["tender"]
    assert [a["relatedLots"] for a in awards] == [["L1"], ["L2"]]
    assert all(set(a["relatedLots"]) <= lot_ids for a in awards)
    assert [a["status"] for a in awards] == ["pending", "pending"]
    assert [a["suppliers"] for a in awards] == [
        [{"id": "FI-PRODUCER-hoiva-aanekoski-oy", "name": "Hoiva-Äänekoski Oy"}],
        [{"id": "FI-PRODUCER-suuri-hoiva-oyj", "name": "Suuri Hoiva Oyj"}],
    ]
    # 48 € × 6 000 × 4 years and 46 € × 4 000 × 4 years (options are not awarded).
    assert [a["value"]["amount"] for a in awards] == [1_152_000.0, 736_000.0]

    assert [c["awardID"] for c in contracts] == [a["id"] for a in awards]
    assert [c["id"] for c in contracts] == ["SOP-2027-001", "HK-001-L2-contract"]
    assert [c["status"] for c in contracts] == ["pending", "pending"]
    assert [c["value"]["amount"] for c in contracts] == [1_152_000.0, 736_000.0]
    assert contracts[0]["period"] == {
        "startDate": "2027-01-01T00:00:00+02:00",
        "endDate": "2030-12-31T23:59:59+02:00",
        "maxExtentDate": "2032-12-31T23:59:59+02:00",
    }
    assert contracts[1]["period"] == contracts[0]["period"]  # the plan's term: 1.1.2027 + 4 years


def test_parties_have_stable_ids_and_the_winners_are_suppliers() -> None:
    award = _tagged(_package(), "ocds-abc123-HK-001", "award")

    assert producer_party_id("Hoiva-Äänekoski Oy") == "FI-PRODUCER-hoiva-aanekoski-oy"
    assert [(p["id"], p["roles"]) for p in award["parties"]] == [
        ("FI-PRO-3221308-6", ["buyer", "procuringEntity"]),
        ("FI-PRODUCER-hoiva-aanekoski-oy", ["tenderer", "supplier"]),
        ("FI-PRODUCER-suuri-hoiva-oyj", ["tenderer", "supplier"]),
    ]


def test_the_same_inputs_give_the_same_bytes() -> None:
    first, second = _package(), _package()

    assert canonical_json(first) == canonical_json(second)
    assert canonical_json(compile_records(first)) == canonical_json(compile_records(second))


def test_a_changed_release_gets_a_new_id_and_the_others_keep_theirs() -> None:
    plan = _plan()
    cheaper = plan.model_copy(
        update={
            "procurements": [plan.procurements[0], plan.procurements[1].model_copy(update={"estimated_value": 1.0})]
        }
    )

    before = [r["id"] for r in _package()["releases"]]
    after = [r["id"] for r in build_release_package(cheaper, _awards(), _contracts(), **OPTIONS)["releases"]]

    assert before[:4] == after[:4]
    assert before[4] != after[4]


def test_inputs_that_do_not_match_the_plan_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        build_release_package(_plan(), _awards(), _contracts(), **{**OPTIONS, "published": dt.datetime(2026, 9, 1)})
    wrong_lot = _awards()[0].model_copy(update={"lots": [_awards()[0].lots[0].model_copy(update={"lot_id": "L9"})]})
    with pytest.raises(ValueError, match="L9"):
        build_release_package(_plan(), [wrong_lot], _contracts(), **OPTIONS)
    with pytest.raises(ValueError, match="HK-404"):
        build_release_package(
            _plan(), [_awards()[0].model_copy(update={"procurement_id": "HK-404"})], _contracts(), **OPTIONS
        )


# -- validation of broken packages -----------------------------------------------------------------


def _set_lot_amount_as_string(package: dict[str, Any]) -> None:
    package["releases"][0]["tender"]["lots"][0]["value"]["amount"] = "1800000"


def _drop_ocid(package: dict[str, Any]) -> None:
    del package["releases"][4]["ocid"]


def _relate_to_a_missing_lot(package: dict[str, Any]) -> None:
    package["releases"][2]["awards"][0]["relatedLots"] = ["L9"]


def _use_an_unknown_award_status(package: dict[str, Any]) -> None:
    package["releases"][2]["awards"][1]["status"] = "won"


def _use_a_bad_ocid_prefix(package: dict[str, Any]) -> None:
    package["releases"][4]["ocid"] = "HVA08-HK-002"


def _add_an_empty_field(package: dict[str, Any]) -> None:
    package["releases"][1]["tender"]["awardCriteriaDetails"] = " "


def _declare_an_extension_not_shipped(package: dict[str, Any]) -> None:
    package["extensions"].append("https://example.org/ocds_other_extension/extension.json")


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (_set_lot_amount_as_string, "releases/0/tender/lots/0/value/amount: 'amount' is not a number"),
        (_drop_ocid, "releases/4: 'ocid' is missing but required"),
        (_relate_to_a_missing_lot, "releases/2/awards/0/relatedLots/0: lot 'L9' is not among tender.lots"),
        (_use_an_unknown_award_status, "releases/awards/status: 'won' not in the closed codelist awardStatus.csv"),
        (_use_a_bad_ocid_prefix, "releases/4/ocid: ocid 'HVA08-HK-002' does not start with a prefix"),
        (_add_an_empty_field, "releases/1/tender/awardCriteriaDetails: empty value"),
        (
            _declare_an_extension_not_shipped,
            "extensions: https://example.org/ocds_other_extension/extension.json is not",
        ),
    ],
)
def test_a_broken_package_gives_a_problem_naming_the_path(
    breakage: Callable[[dict[str, Any]], None], expected: str
) -> None:
    package = _package()
    breakage(package)

    problems = validate_package(package)

    assert any(problem.startswith(expected) for problem in problems), problems
    assert all("\n" not in problem for problem in problems)


# -- records ---------------------------------------------------------------------------------------


def test_records_compile_with_the_award_and_the_contract() -> None:
    package = _package()

    records = compile_records(package)

    assert validate_package(records) == []
    assert records["packages"] == [OPTIONS["uri"]]
    assert [r["ocid"] for r in records["records"]] == ["ocds-abc123-HK-001", "ocds-abc123-HK-002"]
    first = records["records"][0]
    assert [r["tag"] for r in first["releases"]] == [["planning"], ["tender"], ["award"], ["contract"]]
    compiled = first["compiledRelease"]
    assert compiled["tag"] == ["compiled"]
    assert compiled["tender"]["title"] == "Kotihoito"  # from the planning release
    assert compiled["tender"]["status"] == "complete"  # from the tender release
    # Lots merge by id: the plan's title and value, the tender's status.
    assert [(lot["id"], lot["title"], lot["status"]) for lot in compiled["tender"]["lots"]] == [
        ("L1", "Tampere", "complete"),
        ("L2", "Etelä", "complete"),
    ]
    assert [a["id"] for a in compiled["awards"]] == ["HK-001-L1", "HK-001-L2"]
    assert [c["awardID"] for c in compiled["contracts"]] == ["HK-001-L1", "HK-001-L2"]
    roles = {party["id"]: party["roles"] for party in compiled["parties"]}
    assert roles["FI-PRODUCER-kotiapu-ry"] == ["tenderer"]
    assert roles["FI-PRODUCER-suuri-hoiva-oyj"] == ["tenderer", "supplier"]
    assert "awards" not in records["records"][1]["compiledRelease"]


def test_a_broken_record_package_gives_a_problem_naming_the_path() -> None:
    records = compile_records(_package())
    records["records"][0]["compiledRelease"]["awards"][0]["value"]["amount"] = "1152000"

    problems = validate_package(records)

    assert any(p.startswith("records/0/compiledRelease/awards/0/value/amount: ") for p in problems), problems


# -- offline ---------------------------------------------------------------------------------------


def test_nothing_opens_a_socket(monkeypatch: pytest.MonkeyPatch) -> None:
    attempts: list[str] = []

    def refuse(*args: Any, **kwargs: Any) -> Any:
        attempts.append(repr(args[:2]))
        raise OSError("network access in a test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    # Read the standard and build the merger again, under the block.
    ocds._standard_file.cache_clear()
    ocds._merger.cache_clear()

    package = _package()
    records = compile_records(package)

    assert validate_package(package) == []
    assert validate_package(records) == []
    assert attempts == []


def test_the_extension_is_applied_as_the_shipped_merge_patch_says() -> None:
    # libcoveocds's builder (the official URL served from data/ocds) and the plain JSON Merge
    # Patch of the shipped release-schema.json give the same schema.
    builder = ocds._OfflineBuilder(
        ocds.STANDARD_TAG, [LOTS_EXTENSION_URL], standard_base_url=ocds.STANDARD_ZIP.as_uri()
    )

    assert builder.patched_release_schema() == ocds._patched_release_schema()
    assert "lots" in ocds._patched_release_schema()["definitions"]["Tender"]["properties"]


def test_without_the_extension_in_libcoveocds_jsonschema_still_checks_the_lots(monkeypatch: pytest.MonkeyPatch) -> None:
    # If libcoveocds could not apply the extension, it would see tender.lots as unknown fields;
    # the release schema patched here then still checks their types.
    monkeypatch.setattr(ocds, "_LOCAL_EXTENSIONS", {})
    package = _package()
    _set_lot_amount_as_string(package)

    problems = validate_package(package)

    assert "/releases/tender/lots: field not in the schema (2×)" in problems
    assert f"extensions: libcoveocds did not apply {LOTS_EXTENSION_URL}; checked with jsonschema instead" in problems
    assert any(
        p.startswith("releases/0/tender/lots/0/value/amount: '1800000' is not of type 'number', 'null' (jsonschema")
        for p in problems
    ), problems
    assert validate_package(copy.deepcopy(_package())) != []  # the unknown fields alone are problems
