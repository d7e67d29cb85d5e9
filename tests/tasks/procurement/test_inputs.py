"""Stage 5a's input files: the shipped example reads, and every kind of bad input the issue names
gives one error naming the file, row and field."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from schemas.procurement import CompensationKind, LotBasis, SizeClass
from soteflow.errors import InputError
from tasks.procurement.analysis import analyse_procurement
from tasks.procurement.inputs import area_shares, read_procurement_inputs, read_rules, threshold_rule
from tests.fixtures.procurement.example import (
    COMPARISON_ROUND,
    EXAMPLES,
    OCDS,
    RULES,
    SERVICES,
    TOLERANCE,
    copy_inputs,
    edit,
)


def test_the_shipped_example_reads() -> None:
    inputs = read_procurement_inputs(EXAMPLES, RULES, SERVICES)
    assert len(inputs.contracts) == 8 and inputs.contract_rows == list(range(2, 10))
    assert [p.procurement_id for p in inputs.planning] == ["H-2027-01", "H-2027-02", "H-2028-01"]
    assert [p.lot_basis for p in inputs.planning] == [LotBasis.AREA, LotBasis.VOLUME, LotBasis.AREA]
    assert [p.compensation for p in inputs.planning] == [
        CompensationKind.INCENTIVE,
        CompensationKind.UNIT_PRICE,
        CompensationKind.CAPITATION,
    ]
    assert inputs.contracts[3].size is SizeClass.MICRO
    first = inputs.bids[0]
    assert (first.bidder, first.price, first.points) == (
        "Asumispalvelut Esimerkki Oyj",
        224.0,
        {"henkilöstön osaaminen": 7.0, "asiakkaan osallisuus": 6.0},
    )
    assert inputs.example_data


def _error(folder: Path, rules: Path = RULES, *, analyse: bool = False) -> InputError:
    with pytest.raises(InputError) as raised:
        inputs = read_procurement_inputs(folder, rules, SERVICES)
        if analyse:
            analyse_procurement(
                inputs, COMPARISON_ROUND, cycle=2026, first_year=2027, horizon_years=3, ocds=OCDS, tolerance=TOLERANCE
            )
    return raised.value


def _where(error: InputError) -> tuple[str, int | None, str | None]:
    return Path(str(error.file)).name, error.row, error.field


@pytest.mark.parametrize(
    ("file", "old", "new", "where", "words"),
    [
        (
            "sopimukset.csv",
            "S-KOTI-02;Hoivapolku Esimerkki Oy;pk-yritys;pieni;IKA-KOTIHOITO",
            "S-KOTI-02;Hoivapolku Esimerkki Oy;pk-yritys;pieni;IKA-KOTIPALVELU",
            ("sopimukset.csv", 9, "palvelu_id"),
            "unknown service 'IKA-KOTIPALVELU'",
        ),
        (
            "sopimukset.csv",
            "Kaakkois-Pirkanmaa;;1.1.2024;31.12.2028",
            "Kaakkois-Pirkanmaa;;1.1.2024;31.12.2023",
            ("sopimukset.csv", 7, "päättyy"),
            "before it starts",
        ),
        (
            "tarjoukset.csv",
            "H-2027-01;O4;Pohjoisen Asumistuki Esimerkki ry;pieni;kyllä;225,00;8;9;;",
            "H-2027-01;O4;Pohjoisen Asumistuki Esimerkki ry;pieni;kyllä;225,00;8;11;;",
            ("tarjoukset.csv", 10, "asiakkaan osallisuus"),
            "out of range 0–10",
        ),
        (
            "tarjoukset.csv",
            "H-2027-02;O4;Lastensuojelupalvelut Esimerkki Oy;suuri;ei;336,00",
            "H-2027-02;O4;Lastensuojelupalvelut Esimerkki Oy;suuri;ei;-336,00",
            ("tarjoukset.csv", 20, "hinta €"),
            "positive",
        ),
        (
            "vertailuperusteet.csv",
            "H-2027-02;jatkuvuus ja yhteistyö;20;10",
            "H-2027-02;jatkuvuus ja yhteistyö;25;10",
            ("vertailuperusteet.csv", 7, "paino %"),
            "sum to 105 %",
        ),
        (
            "hankintakohteet.csv",
            "Tampere:50 Etelä-Pirkanmaa:20",
            "Tampere:55 Etelä-Pirkanmaa:20",
            ("hankintakohteet.csv", 2, "alueet"),
            "sum to 105.0 %",
        ),
        (
            "hankintakohteet.csv",
            "kapitaatio;430;",
            "kapitaatio;;",
            ("hankintakohteet.csv", 4, "asiakkaat"),
            "korvausmalli 'kapitaatio' needs this value",
        ),
        (
            "hankintakohteet.csv",
            "kannustin;;5;90",
            "kannustin;;0;90",
            ("hankintakohteet.csv", 2, "kannustin %"),
            "must be positive",
        ),
        (
            "hankintakohteet.csv",
            "yksikköhinta;;;",
            "yksikköhinta;120;;",
            ("hankintakohteet.csv", 3, "asiakkaat"),
            "only for another korvausmalli",
        ),
        (
            "hankintaluokat.csv",
            "SUUN;Suun terveydenhuollon",
            "KOTIIN;Suun terveydenhuollon",
            ("hankintaluokat.csv", 5, "luokka_id"),
            "'KOTIIN' appears twice (first on row 4)",
        ),
        (
            "hankintaluokat.csv",
            "sote-palvelut;TYO-SUUNHOITO",
            "sote-palvelut;TYO-SUUNHOITO IKA-KOTIHOITO",
            ("hankintaluokat.csv", 5, "palvelut"),
            "'IKA-KOTIHOITO' is already in the category on row 4",
        ),
        (
            "tarjoukset.csv",
            "H-2027-01;O2;Kotipesä Esimerkki Oy;pieni;ei;221,40",
            "H-2027-01;O2;Asumispalvelut Esimerkki Oyj;pieni;ei;221,40",
            ("tarjoukset.csv", 6, "tarjoaja"),
            "bids twice for lot O2 of H-2027-01 (first on row 5)",
        ),
        (
            "tarjoukset.csv",
            "hoitotyön laatu;jatkuvuus ja yhteistyö",
            "hoitotyön laatu;jatkuvuus",
            ("tarjoukset.csv", 1, "jatkuvuus ja yhteistyö"),
            "no column for the criterion",
        ),
        (
            "sopimusehdot.toml",
            "[[kpis.LAP-SIJAISHUOLTO]]",
            "[[kpis.LAP-SIJAISHUOLLOT]]",
            ("sopimusehdot.toml", None, "kpis.LAP-SIJAISHUOLLOT"),
            "KPIs for an unknown service",
        ),
        (
            "sopimusehdot.toml",
            'kpi = "client_satisfaction"\nname = "Asiakastyytyväisyys (1–5)"\nthreshold = 4.0\n'
            'unit = "keskiarvo 1–5"\ndirection = "at_least"',
            'kpi = "client_satisfaction"\nname = "Asiakastyytyväisyys (1–5)"\nthreshold = 4.0\n'
            'unit = "keskiarvo 1–5"\ndirection = "vähintään"',
            ("sopimusehdot.toml", None, "kpis.*.1.direction"),
            "at_least",
        ),
    ],
)
def test_bad_input_names_file_row_and_field(
    tmp_path: Path, file: str, old: str, new: str, where: tuple[str, int, str], words: str
) -> None:
    folder = copy_inputs(tmp_path / "inputs")
    edit(folder / file, old, new)
    error = _error(folder)
    assert _where(error) == where
    assert words in str(error)


def test_a_bid_for_a_lot_that_does_not_exist(tmp_path: Path) -> None:
    folder = copy_inputs(tmp_path / "inputs")
    edit(folder / "tarjoukset.csv", "H-2027-02;O4;Lastensuojelupalvelut", "H-2027-02;O7;Lastensuojelupalvelut")
    error = _error(folder, analyse=True)
    assert _where(error) == ("tarjoukset.csv", 20, "osa")
    assert "H-2027-02 has no lot 'O7'; its lots are O1, O2, O3, O4" in str(error)


def test_a_rules_file_without_a_rule_for_the_procurement_date(tmp_path: Path) -> None:
    rules = tmp_path / "procurement.toml"
    rules.write_text(
        RULES.read_text(encoding="utf-8").replace(
            "valid_to = 2029-12-31\nprovisional", "valid_to = 2028-06-30\nprovisional"
        )
    )
    error = _error(copy_inputs(tmp_path / "inputs"), rules, analyse=True)
    assert _where(error) == ("procurement.toml", None, "thresholds")
    assert "H-2028-01" in str(error) and "no threshold rule for 2028-07-14" in str(error)


def test_overlapping_rule_periods_are_refused(tmp_path: Path) -> None:
    rules = tmp_path / "procurement.toml"
    rules.write_text(RULES.read_text(encoding="utf-8").replace("valid_from = 2028-01-01", "valid_from = 2027-12-01"))
    with pytest.raises(InputError) as raised:
        read_rules(rules)
    assert _where(raised.value) == ("procurement.toml", None, "thresholds")
    assert "overlap" in str(raised.value)


def test_a_rule_is_chosen_by_date() -> None:
    rules = read_rules(RULES)
    assert threshold_rule(rules, dt.date(2025, 12, 31)).eu["goods_services"] == 221000
    assert threshold_rule(rules, dt.date(2026, 1, 1)).eu["goods_services"] == 216000


def test_area_shares() -> None:
    assert area_shares("Tampere:50 Muut:50", path="x.csv", row=2) == [("Tampere", 0.5), ("Muut", 0.5)]
    with pytest.raises(InputError, match="AREA:SHARE"):
        area_shares("Tampere", path="x.csv", row=2)
