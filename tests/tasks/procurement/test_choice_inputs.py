"""Stage 5b's input files: the shipped example reads, and each kind of bad input the issue names
gives one error naming the file, row and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.choice import VoucherKind
from soteflow.errors import InputError
from tasks.procurement.choice_inputs import fee_rule, read_choice_inputs
from tests.fixtures.procurement.example import (
    CHOICE_RULES,
    EXAMPLES,
    SERVICES,
    VOUCHER_SERVICES,
    copy_choice_inputs,
    edit,
)


def _read(folder: Path) -> object:
    return read_choice_inputs(folder, CHOICE_RULES, voucher_services=VOUCHER_SERVICES, services=SERVICES)


def test_the_shipped_example_reads() -> None:
    inputs = read_choice_inputs(EXAMPLES, CHOICE_RULES, voucher_services=VOUCHER_SERVICES, services=SERVICES)
    assert inputs is not None
    assert [(v.service_id, v.kind) for v in inputs.vouchers] == [
        ("IKA-TEHPA", VoucherKind.INCOME),
        ("TYO-SUUNHOITO", VoucherKind.FIXED),
    ]
    assert [r.household for r in inputs.limits] == [1, 2, 3, 4, 5, 6]
    assert len(inputs.applications) == 8 and inputs.application_rows[0] == 2
    assert inputs.application_cells[2]["henkilöstömitoitus"] == "0,55"
    assert {p.client for p in inputs.plans} == {"HB-001", "HB-002", "HB-003", "HB-004", "HB-005"}
    # The statutory income limits by date (asiakasmaksulaki 10 e § 3 mom., as enacted by 1201/2020).
    rule = fee_rule(inputs.rules, inputs.vouchers[0].valid_from)
    assert (rule.limit(1), rule.limit(6), rule.limit(8), rule.provisional) == (588, 2924, 3624, True)


def test_without_a_voucher_file_there_is_no_voucher_part(tmp_path: Path) -> None:
    assert read_choice_inputs(tmp_path, CHOICE_RULES, voucher_services=None, services=None) is None


@pytest.mark.parametrize(
    ("file", "old", "new", "where", "words"),
    [
        (
            "palveluseteli_tulorajat.csv",
            "IKA-TEHPA;4;;16\n",
            "",
            ("palveluseteli_tulorajat.csv", 6, "henkilömäärä"),
            "no parameters for household size 4",
        ),
        (
            "palvelusetelit.csv",
            "145,00;95,00",
            "145,00;150,00",
            ("palvelusetelit.csv", 2, "vähimmäisarvo €"),
            "the floor 150 € is above the highest value 145 €",
        ),
        (
            "palveluseteli_tulorajat.csv",
            "IKA-TEHPA;3;;19",
            "IKA-TEHPA;3;1000;19",
            ("palveluseteli_tulorajat.csv", 4, "tuloraja €/kk"),
            "may not fall as the household grows",
        ),
        (
            "tuottajahakemukset.csv",
            "Hammaspaja Esimerkki Oy;8901234-8;pk-yritys;TYO-SUUNHOITO",
            "Hammaspaja Esimerkki Oy;8901234-8;pk-yritys;IKA-KOTIHOITO",
            ("tuottajahakemukset.csv", 9, "palvelu_id"),
            "'IKA-KOTIHOITO' has no voucher",
        ),
        (
            "henkilokohtainen_budjetti.csv",
            "HB-002;Ikääntyneet;IKA-KOTIHOITO",
            "HB-002;Ikääntyneet;IKA-OMAISHOITO",
            ("henkilokohtainen_budjetti.csv", 4, "palvelu_id"),
            "unknown service 'IKA-OMAISHOITO'",
        ),
        (
            "henkilokohtainen_budjetti.csv",
            "VAM-ASUMINEN;120;",
            "VAM-ASUMINEN;-120;",
            ("henkilokohtainen_budjetti.csv", 6, "määrä/v"),
            "greater than or equal to 0",
        ),
        (
            "palvelusetelit.csv",
            "TYO-SUUNHOITO;kiinteä",
            "LAP-SIJAISHUOLTO;kiinteä",
            ("palvelusetelit.csv", 3, "palvelu_id"),
            "'LAP-SIJAISHUOLTO' has no voucher in the approved organising plan",
        ),
        (
            "tuottajahakemukset.csv",
            "0,65;",
            "paljon;",
            ("tuottajahakemukset.csv", 2, "henkilöstömitoitus"),
            "'paljon' is not a number",
        ),
    ],
)
def test_bad_input_names_file_row_and_field(
    tmp_path: Path, file: str, old: str, new: str, where: tuple[str, int, str], words: str
) -> None:
    folder = copy_choice_inputs(tmp_path / "inputs")
    edit(folder / file, old, new)
    with pytest.raises(InputError) as raised:
        _read(folder)
    error = raised.value
    assert (Path(str(error.file)).name, error.row, error.field) == where
    assert words in str(error)
