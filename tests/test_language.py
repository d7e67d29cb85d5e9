"""The partitive of units after a number, checked with Voikko's analyser."""

from __future__ import annotations

import pytest

from soteflow.language import fi_quantity, partitive

#: Every unit the shipped example data uses (catalogue, own production, purchases, monitoring), and
#: a few of each rule's kind.
UNITS = {
    "käynti": "käyntiä",
    "hoitopäivä": "hoitopäivää",
    "hoitovuorokausi": "hoitovuorokautta",
    "asiakas": "asiakasta",
    "tunti": "tuntia",
    "arviointi": "arviointia",
    "yhteydenotto": "yhteydenottoa",
    "henkilötyövuosi": "henkilötyövuotta",
    "kappale": "kappaletta",
    "hoitojakso": "hoitojaksoa",
    "ihminen": "ihmistä",
    "tie": "tietä",
    "maa": "maata",
    "kurssi": "kurssia",
}


@pytest.mark.parametrize(("unit", "expected"), UNITS.items())
def test_the_partitive_by_rule(unit: str, expected: str) -> None:
    assert partitive(unit) == expected


def test_voikko_reads_each_form_as_the_units_partitive() -> None:
    libvoikko = pytest.importorskip("libvoikko")
    voikko = libvoikko.Voikko("fi")
    try:
        for unit, form in UNITS.items():
            analyses = voikko.analyze(form)
            assert any(a.get("SIJAMUOTO") == "osanto" and a.get("NUMBER") == "singular" for a in analyses), form
            assert any(a.get("BASEFORM") == unit for a in analyses), (form, [a.get("BASEFORM") for a in analyses])
    finally:
        voikko.terminate()


def test_symbols_and_abbreviations_stay() -> None:
    assert [partitive(u) for u in ("€", "%", "htv", "€/käynti", "kpl", "")] == ["€", "%", "htv", "€/käynti", "kpl", ""]
    # A multi-word unit inflects its last word.
    assert partitive("ympärivuorokautinen hoitopäivä") == "ympärivuorokautinen hoitopäivää"


def test_one_takes_the_nominative_and_every_other_number_the_partitive() -> None:
    assert fi_quantity(1, "käynti") == "1 käynti"
    assert fi_quantity(2_330_000, "käynti") == "2\xa0330\xa0000 käyntiä"
    assert fi_quantity(1.5, "tunti", 1) == "1,5 tuntia"
    assert fi_quantity(0, "asiakas") == "0 asiakasta"
    assert fi_quantity(1.0, "tunti", 1) == "1,0 tuntia"  # a decimal figure is not "one"
