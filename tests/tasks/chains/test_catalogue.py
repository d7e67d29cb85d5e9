"""Stage 3 inputs: the service catalogue read and checked, on its own and against stage 2.

The worked example (tests/tasks/chains/factories.py) has its arithmetic in the comments; every
malformed file names the file, the row and the column.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.chains import ProductionMode
from schemas.targets import Direction
from soteflow.errors import InputError
from tasks.chains.catalogue import (
    check_catalogue_against_stage2,
    eur2,
    metric_direction,
    r4,
    read_catalogue,
)
from tests.support import DATA_DIR
from tests.tasks.chains.factories import EXAMPLE_ROWS, FRAME, HEADER, TARGETS, G, row, write

EXAMPLES = DATA_DIR / "examples" / "HVA08"


# -- the catalogue ----------------------------------------------------------------------------


def test_reads_the_worked_example(tmp_path: Path) -> None:
    catalogue = read_catalogue(write(tmp_path, *EXAMPLE_ROWS))
    assert [p.package_id for p in catalogue.packages] == ["PK-A", "PK-B", "PK-C"]
    a, b, c = catalogue.packages
    assert (a.client_group, a.feasibility, a.annual_cost, a.first_row) == (G.OLDER_PEOPLE, 5, 100_000.0, 2)
    # PK-B's rows are in the file as step 2, step 1: the chain is in step order, with file rows kept.
    assert [(s.order, s.service_id, s.source_row) for s in b.steps] == [(1, "B-1", 5), (2, "B-2", 4)]
    assert [s.mode for s in b.steps] == [ProductionMode.VOUCHER, ProductionMode.OWN]
    assert b.steps[1].unit_cost == 200.0 and b.annual_cost == 60_000.0  # "200,00" is a decimal comma
    assert a.steps[0].annual_volume == 1000.0  # "1 000": space between thousands
    assert a.steps[0].metric.direction is Direction.INCREASE  # 70 → 80
    assert c.steps[0].metric.baseline is None and c.steps[0].metric.direction is None
    assert c.steps[0].description.for_whom == "Kenelle C-1"
    assert catalogue.service_ids() == {"A-1", "A-2", "B-1", "B-2", "C-1"}
    assert catalogue.example_data is False and catalogue.source_file == "palvelukatalogi.csv"


def test_cp1252_file_is_read(tmp_path: Path) -> None:
    path = write(tmp_path, *EXAMPLE_ROWS, encoding="cp1252")
    assert read_catalogue(path).packages[0].client_group is G.OLDER_PEOPLE  # "Ikääntyneet" with ä in cp1252


@pytest.mark.parametrize(
    ("rows", "header", "row_no", "field", "reason"),
    [
        # A required column missing: reported at the header row.
        (
            tuple(";".join(r.split(";")[:4] + r.split(";")[5:]) for r in EXAMPLE_ROWS),
            HEADER.replace(";vaihe;", ";"),
            1,
            "vaihe",
            "required column 'vaihe' is missing",
        ),
        # Text in a number column.
        (
            (row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "paljon", "50", "T-IKA-1"),),
            HEADER,
            2,
            "vuosivolyymi",
            "'paljon' is not a number",
        ),
        # Unknown client group.
        (
            (row("PK-A", "Eläkeläiset", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),),
            HEADER,
            2,
            "asiakasryhmä",
            "unknown client group 'Eläkeläiset'",
        ),
        # Unknown production mode.
        (
            (row("PK-A", "Ikääntyneet", 5, 1, "A-1", "leasing", "1", "50", "T-IKA-1"),),
            HEADER,
            2,
            "tuotantotapa",
            "unknown production mode 'leasing'",
        ),
        # Feasibility outside 1–5.
        (
            (row("PK-A", "Ikääntyneet", 6, 1, "A-1", "oma", "1", "50", "T-IKA-1"),),
            HEADER,
            2,
            "toteutettavuus",
            "less than or equal to 5",
        ),
        # Negative volume.
        (
            (row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "-5", "50", "T-IKA-1"),),
            HEADER,
            2,
            "vuosivolyymi",
            "greater than or equal to 0",
        ),
        # A package id that cannot name a file.
        (
            (row("PK A", "Ikääntyneet", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),),
            HEADER,
            2,
            "palvelukokonaisuus_id",
            "'PK A' is not a valid id",
        ),
        # Duplicate service id: reported at the second row.
        (
            (
                row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),
                row("PK-A", "Ikääntyneet", 5, 2, "A-1", "oma", "1", "50", "T-IKA-1"),
            ),
            HEADER,
            3,
            "palvelu_id",
            "duplicate palvelu_id 'A-1' (first on row 2)",
        ),
        # Duplicate step number within a package.
        (
            (
                row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),
                row("PK-A", "Ikääntyneet", 5, 1, "A-2", "oma", "1", "50", "T-IKA-1"),
            ),
            HEADER,
            3,
            "vaihe",
            "package PK-A has step 1 twice (first on row 2)",
        ),
        # A gap in the steps: 1, 3.
        (
            (
                row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),
                row("PK-A", "Ikääntyneet", 5, 3, "A-2", "oma", "1", "50", "T-IKA-1"),
            ),
            HEADER,
            3,
            "vaihe",
            "step 2 is missing (this row is step 3)",
        ),
        # Package-level columns disagree between the package's rows.
        (
            (
                row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),
                row("PK-A", "Työikäiset", 5, 2, "A-2", "oma", "1", "50", "T-IKA-1"),
            ),
            HEADER,
            3,
            "asiakasryhmä",
            "package PK-A has asiakasryhmä 'older_people' on row 2 but 'working_age' here",
        ),
        # Two package ids that would give the same diagram key.
        (
            (
                row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),
                row("pk-a", "Ikääntyneet", 5, 1, "A-2", "oma", "1", "50", "T-IKA-1"),
            ),
            HEADER,
            3,
            "palvelukokonaisuus_id",
            "differ only in case",
        ),
    ],
)
def test_malformed_catalogue_names_file_row_and_field(
    tmp_path: Path, rows: tuple[str, ...], header: str, row_no: int, field: str, reason: str
) -> None:
    path = write(tmp_path, *rows, header=header)
    with pytest.raises(InputError) as caught:
        read_catalogue(path)
    error = caught.value
    assert (error.file, error.row, error.field) == (str(path), row_no, field)
    assert reason in error.reason


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    empty = tmp_path / "palvelukatalogi.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match="the file is empty"):
        read_catalogue(empty)
    with pytest.raises(InputError, match="header but no data rows"):
        read_catalogue(write(tmp_path))


def test_target_ids_and_groups_are_checked_against_stage_2(tmp_path: Path) -> None:
    path = write(tmp_path, *EXAMPLE_ROWS[:2], row("PK-B", "Työikäiset", 3, 1, "B-1", "oma", "1", "1", "T-TYO-9"))
    catalogue = read_catalogue(path)
    with pytest.raises(InputError) as caught:
        check_catalogue_against_stage2(catalogue, TARGETS, FRAME, file=path)
    assert (caught.value.file, caught.value.row, caught.value.field) == (str(path), 4, "tavoite_id")
    assert "'T-TYO-9' is not one of the approved stage-2 targets" in caught.value.reason
    # A group without a frame in stage 2 (mental health: not in FRAME) is named at the package's first row.
    path = write(tmp_path, row("PK-M", "Mielenterveys- ja päihdeasiakkaat", 3, 1, "M-1", "oma", "1", "1", "T-IKA-1"))
    with pytest.raises(InputError) as caught:
        check_catalogue_against_stage2(read_catalogue(path), TARGETS, FRAME, file=path)
    assert (caught.value.row, caught.value.field) == (2, "asiakasryhmä")


def test_metric_direction_from_baseline_to_target() -> None:
    assert metric_direction(70.0, 80.0) is Direction.INCREASE
    assert metric_direction(12.0, 8.0) is Direction.DECREASE
    assert metric_direction(5.0, 5.0) is Direction.MAINTAIN
    assert metric_direction(None, 80.0) is None  # no baseline: no direction


def test_euros_and_shares_round_half_up() -> None:
    # 2,675 € and 0,28125 are exact halves in decimal: half up gives 2,68 and 0,2813 (Python's round()
    # gives 2,67 for the binary 2,67499… and 0,2812 for the exact binary half, to even).
    assert (eur2(2.675), eur2(-2.675), eur2(1234.5)) == (2.68, -2.68, 1234.5)
    assert (r4(0.28125), r4(0.09375), r4(1 / 3)) == (0.2813, 0.0938, 0.3333)


def test_shipped_catalogue_has_the_agreed_packages_and_steps() -> None:
    catalogue = read_catalogue(EXAMPLES / "palvelukatalogi.csv")
    assert catalogue.example_data is True
    assert {p.package_id: [s.service_id for s in p.steps] for p in catalogue.packages} == {
        "PK-IKA": ["IKA-NEUVONTA", "IKA-ARVIOINTI", "IKA-KOTIHOITO", "IKA-OMAISHOITO", "IKA-TEHPA"],
        "PK-LAPSI": ["LAP-NEUVOLA", "LAP-PERHETYO", "LAP-LASU-AVO", "LAP-SIJAISHUOLTO"],
        "PK-TYO": ["TYO-VASTAANOTTO", "TYO-SUUNHOITO", "TYO-KUNTOUTUS"],
        "PK-MTP": ["MTP-MATALA", "MTP-AVO", "MTP-ASUMINEN"],
        "PK-VAM": ["VAM-OHJAUS", "VAM-HENKILOKOHTAINEN-APU", "VAM-ASUMINEN"],
    }
    # Kotihoito: 2 330 000 visits × 39 € = 90 870 000 € (stage 4's 1 910 000 own + 420 000 bought).
    assert catalogue.step("IKA-KOTIHOITO").annual_cost == 90_870_000.0
    # 38 000 × 38 + 9 500 × 420 + 90 870 000 + 4 200 × 9 800 + 1 314 000 × 187
    # = 1 444 000 + 3 990 000 + 90 870 000 + 41 160 000 + 245 718 000 = 383 182 000 €.
    assert catalogue.package("PK-IKA").annual_cost == 383_182_000.0
