"""Stage 3 analysis: the catalogue reader, the prioritisation with its sensitivity, the chains.

Small worked examples with the arithmetic in the comments; stage-2 inputs are built by hand with
the factories below (they are shared with the proposal tests).
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from schemas.chains import PriorityParams, ProductionMode, SourceRef
from schemas.results import VersionRef
from schemas.targets import (
    AllocationMethod,
    ClientGroup,
    Direction,
    FrameAllocation,
    GroupAllocation,
    ImpactTarget,
    ImpactTargets,
)
from soteflow.errors import InputError
from tasks.chains import (
    build_chains,
    check_catalogue_against_stage2,
    mode_mix,
    priority_params,
    read_catalogue,
    score_packages,
    shifted_weights,
    validate_chains_inputs,
    weight_text,
)
from tests.conftest import DATA_DIR

EXAMPLES = DATA_DIR / "examples" / "HVA08"
G = ClientGroup

HEADER = (
    "palvelukokonaisuus_id;palvelukokonaisuus;asiakasryhmä;toteutettavuus;vaihe;palvelu_id;palvelu;kuvaus;"
    "kenelle;hakeutuminen;myöntämisperusteet;tuotantotapa;vuosivolyymi;yksikkö;yksikkökustannus;laatumittari;"
    "laatu_lähtötaso;laatu_tavoite;tavoite_id"
)


# -- factories ----------------------------------------------------------------------------------


def version_ref(key: str, version: int = 1) -> VersionRef:
    """A stored version as the approved stage-2 round would give it."""
    return VersionRef(
        version_id=uuid.UUID(int=version),
        key=key,
        version=version,
        sha256=(f"{version:02d}" + key.encode().hex() * 8)[:64].ljust(64, "0"),
        status="approved",
        media_type="application/json",
    )


def impact_targets(ids: dict[ClientGroup, list[str]]) -> ImpactTargets:
    """Stage-2 targets: for each group the given ids, indicator 'Mittari <id>', 10 % → 12 % by 2029."""
    return ImpactTargets(
        region_code="HVA08",
        cycle=2026,
        targets=[
            ImpactTarget(
                target_id=tid,
                client_group=group,
                indicator=f"Mittari {tid}",
                unit="%",
                baseline=10.0,
                baseline_year="2024",
                baseline_source="input",
                target_value=12.0,
                target_year=2029,
                direction=Direction.INCREASE,
                finding=None,
            )
            for group, tids in ids.items()
            for tid in tids
        ],
    )


def frame_allocation(groups: dict[ClientGroup, tuple[float, float]]) -> FrameAllocation:
    """A stage-2 frame: group → (relative need, allocated €)."""
    total = sum(eur for _need, eur in groups.values())
    return FrameAllocation(
        region_code="HVA08",
        frame_year=2026,
        frame_eur=total,
        method=AllocationMethod.BLEND,
        need_weight=0.5,
        method_text="Esimerkkijako.",
        groups=[
            GroupAllocation(
                client_group=group,
                current_spend_eur=eur,
                current_share=eur / total,
                relative_need=need,
                need_share=eur / total,
                allocated_share=eur / total,
                allocated_eur=eur,
            )
            for group, (need, eur) in groups.items()
        ],
    )


def row(
    package: str,
    group: str,
    feasibility: int,
    step: int,
    service: str,
    mode: str,
    volume: str,
    unit_cost: str,
    target: str,
    *,
    name: str | None = None,
    baseline: str = "70",
    goal: str = "80",
) -> str:
    """One catalogue row with filler texts."""
    return (
        f"{package};{name or 'Kokonaisuus ' + package};{group};{feasibility};{step};{service};Palvelu {service};"
        f"Mitä {service};Kenelle {service};Hakeutuminen {service};Perusteet {service};{mode};{volume};käynti;"
        f"{unit_cost};Mittari {service}, %;{baseline};{goal};{target}"
    )


def write(tmp_path: Path, *rows: str, header: str = HEADER, encoding: str = "utf-8") -> Path:
    path = tmp_path / "palvelukatalogi.csv"
    path.write_bytes(("\n".join([header, *rows]) + "\n").encode(encoding))
    return path


#: The worked example: three packages.
#:   PK-A Ikääntyneet, feasibility 5: A-1 own 1 000 × 50 = 50 000 € (T-IKA-1);
#:                                    A-2 purchased 200 × 250 = 50 000 € (T-IKA-2)     → 100 000 €
#:   PK-B Työikäiset, feasibility 3:  B-1 voucher 400 × 100 = 40 000 € (T-TYO-1);
#:                                    B-2 own 100 × 200 = 20 000 € (T-IKA-1, another group's) → 60 000 €
#:   PK-C Lapset, feasibility 1:      C-1 own 10 × 1 000 = 10 000 € (T-LAP-1)              → 10 000 €
EXAMPLE_ROWS = (
    row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "1 000", "50", "T-IKA-1"),
    row("PK-A", "Ikääntyneet", 5, 2, "A-2", "ostopalvelu", "200", "250", "T-IKA-2"),
    row("PK-B", "working_age", 3, 2, "B-2", "oma", "100", "200,00", "T-IKA-1"),  # steps may come in any order
    row("PK-B", "working_age", 3, 1, "B-1", "palveluseteli", "400", "100", "T-TYO-1"),
    row("PK-C", "Lapset, nuoret ja perheet", 1, 1, "C-1", "oma", "10", "1 000", "T-LAP-1", baseline=""),
)
TARGETS = impact_targets(
    {G.OLDER_PEOPLE: ["T-IKA-1", "T-IKA-2"], G.WORKING_AGE: ["T-TYO-1", "T-TYO-2"], G.CHILDREN_FAMILIES: ["T-LAP-1"]}
)
#: Relative need and allocated frame. Disability (need 1,5) has no package: it does not set max r.
FRAME = frame_allocation(
    {
        G.OLDER_PEOPLE: (1.2, 200_000),
        G.WORKING_AGE: (0.9, 100_000),
        G.CHILDREN_FAMILIES: (1.0, 8_000),
        G.DISABILITY: (1.5, 50_000),
    }
)
REFS = {
    "targets_ref": SourceRef.of(version_ref("targets-impact")),
    "frame_ref": SourceRef.of(version_ref("targets-frame")),
}


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
            HEADER.replace(";vaihe;", ";"), 1, "vaihe", "required column 'vaihe' is missing",
        ),
        # Text in a number column.
        (
            (row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "paljon", "50", "T-IKA-1"),),
            HEADER, 2, "vuosivolyymi", "'paljon' is not a number",
        ),
        # Unknown client group.
        (
            (row("PK-A", "Eläkeläiset", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),),
            HEADER, 2, "asiakasryhmä", "unknown client group 'Eläkeläiset'",
        ),
        # Unknown production mode.
        (
            (row("PK-A", "Ikääntyneet", 5, 1, "A-1", "leasing", "1", "50", "T-IKA-1"),),
            HEADER, 2, "tuotantotapa", "unknown production mode 'leasing'",
        ),
        # Feasibility outside 1–5.
        (
            (row("PK-A", "Ikääntyneet", 6, 1, "A-1", "oma", "1", "50", "T-IKA-1"),),
            HEADER, 2, "toteutettavuus", "less than or equal to 5",
        ),
        # Negative volume.
        (
            (row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "-5", "50", "T-IKA-1"),),
            HEADER, 2, "vuosivolyymi", "greater than or equal to 0",
        ),
        # A package id that cannot name a file.
        (
            (row("PK A", "Ikääntyneet", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),),
            HEADER, 2, "palvelukokonaisuus_id", "'PK A' is not a valid id",
        ),
        # Duplicate service id: reported at the second row.
        (
            (
                row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),
                row("PK-A", "Ikääntyneet", 5, 2, "A-1", "oma", "1", "50", "T-IKA-1"),
            ),
            HEADER, 3, "palvelu_id", "duplicate palvelu_id 'A-1' (first on row 2)",
        ),
        # Duplicate step number within a package.
        (
            (
                row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),
                row("PK-A", "Ikääntyneet", 5, 1, "A-2", "oma", "1", "50", "T-IKA-1"),
            ),
            HEADER, 3, "vaihe", "package PK-A has step 1 twice (first on row 2)",
        ),
        # A gap in the steps: 1, 3.
        (
            (
                row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),
                row("PK-A", "Ikääntyneet", 5, 3, "A-2", "oma", "1", "50", "T-IKA-1"),
            ),
            HEADER, 3, "vaihe", "step 2 is missing (this row is step 3)",
        ),
        # Package-level columns disagree between the package's rows.
        (
            (
                row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),
                row("PK-A", "Työikäiset", 5, 2, "A-2", "oma", "1", "50", "T-IKA-1"),
            ),
            HEADER, 3, "asiakasryhmä", "package PK-A has asiakasryhmä 'older_people' on row 2 but 'working_age' here",
        ),
        # Two package ids that would give the same diagram key.
        (
            (
                row("PK-A", "Ikääntyneet", 5, 1, "A-1", "oma", "1", "50", "T-IKA-1"),
                row("pk-a", "Ikääntyneet", 5, 1, "A-2", "oma", "1", "50", "T-IKA-1"),
            ),
            HEADER, 3, "palvelukokonaisuus_id", "differ only in case",
        ),
    ],
)  # fmt: skip
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


# -- prioritisation -------------------------------------------------------------------------


def test_scores_of_the_worked_example(tmp_path: Path) -> None:
    catalogue = read_catalogue(write(tmp_path, *EXAMPLE_ROWS))
    priorities = score_packages(catalogue, TARGETS, FRAME, PriorityParams(), **REFS)
    # Weights 0,35 / 0,30 / 0,20 / 0,15. max r over the packages' groups = 1,2 (disability's 1,5 has no package).
    #   PK-A: alignment 2/2 = 1; need 1,2/1,2 = 1; cost 1 − 100 000/200 000 = 0,5; feasibility (5−1)/4 = 1
    #         → 0,35 + 0,30 + 0,10 + 0,15 = 0,90
    #   PK-C: alignment 1/1 = 1; need 1,0/1,2 = 0,8333; cost 10 000/8 000 > 1 → 0; feasibility 0
    #         → 0,35 + 0,30 × 0,8333 = 0,24999 → 0,25 + 0 + 0 = 0,60
    #   PK-B: alignment 1/2 = 0,5 (T-IKA-1 is another group's); need 0,9/1,2 = 0,75; cost 1 − 60 000/100 000 = 0,4;
    #         feasibility (3−1)/4 = 0,5 → 0,175 + 0,225 + 0,08 + 0,075 = 0,555
    assert priorities.order == ["PK-A", "PK-C", "PK-B"]
    assert [r.score for r in priorities.rows] == [0.9, 0.6, 0.555]
    assert [r.rank for r in priorities.rows] == [1, 2, 3]
    a, c, b = priorities.rows
    assert [(k.criterion, k.value, k.component) for k in a.criteria] == [
        ("alignment", 1.0, 0.35), ("need", 1.0, 0.3), ("cost", 0.5, 0.1), ("feasibility", 1.0, 0.15),
    ]  # fmt: skip
    assert [(k.value, k.component) for k in c.criteria] == [(1.0, 0.35), (0.8333, 0.25), (0.0, 0.0), (0.0, 0.0)]
    assert [(k.value, k.component) for k in b.criteria] == [(0.5, 0.175), (0.75, 0.225), (0.4, 0.08), (0.5, 0.075)]
    assert (b.targets_addressed, b.group_targets, b.other_targets) == (["T-TYO-1"], ["T-TYO-1", "T-TYO-2"], ["T-IKA-1"])
    assert b.criterion("cost").basis == "0,1 / 0,1 M€ = 60,0 % kehyksestä"
    assert a.criterion("alignment").basis == "2 / 2 ryhmän tavoitteesta"
    assert priorities.max_relative_need == 1.2
    assert priorities.weights == {"alignment": 0.35, "need": 0.3, "cost": 0.2, "feasibility": 0.15}


def test_weights_are_relative_and_ties_go_by_package_id(tmp_path: Path) -> None:
    catalogue = read_catalogue(write(tmp_path, *EXAMPLE_ROWS))
    # Only feasibility counts (weights 0, 0, 0, 2 → 0, 0, 0, 1): A 1, B 0,5, C 0.
    only_feasibility = priority_params({"alignment": 0, "need": 0, "cost": 0, "feasibility": 2})
    assert score_packages(catalogue, TARGETS, FRAME, only_feasibility, **REFS).order == ["PK-A", "PK-B", "PK-C"]
    # Only alignment: A 1 and C 1 tie → by id, A before C; B 0,5.
    only_alignment = priority_params({"alignment": 1, "need": 0, "cost": 0, "feasibility": 0})
    rows = score_packages(catalogue, TARGETS, FRAME, only_alignment, **REFS).rows
    assert [(r.package_id, r.score) for r in rows] == [("PK-A", 1.0), ("PK-C", 1.0), ("PK-B", 0.5)]


def test_shifted_weights_renormalise_the_others() -> None:
    base = {"alignment": 0.35, "need": 0.3, "cost": 0.2, "feasibility": 0.15}
    # need +20 %: 0,30 → 0,36; the others × (1 − 0,36)/(1 − 0,30) = 0,64/0,70:
    # 0,35 → 0,32; 0,20 → 0,18286 → 0,1829; 0,15 → 0,13714 → 0,1371 (sum 1,0000).
    assert shifted_weights(base, "need", 1.2) == {
        "alignment": 0.32,
        "need": 0.36,
        "cost": 0.1829,
        "feasibility": 0.1371,
    }
    # need to 0: the others × 1/0,70: 0,5; 0,28571 → 0,2857; 0,21429 → 0,2143.
    assert shifted_weights(base, "need", None) == {"alignment": 0.5, "need": 0.0, "cost": 0.2857, "feasibility": 0.2143}
    # The only weight: moving it keeps it whole; setting it to 0 leaves nothing to rank by.
    alone = {"alignment": 1.0, "need": 0.0, "cost": 0.0, "feasibility": 0.0}
    assert shifted_weights(alone, "alignment", 1.2) == alone
    assert shifted_weights(alone, "alignment", None) is None
    # A zero weight stays zero when moved by ±20 %: the weights do not change.
    assert shifted_weights({"alignment": 0.5, "need": 0.5, "cost": 0.0, "feasibility": 0.0}, "cost", 1.2) == {
        "alignment": 0.5, "need": 0.5, "cost": 0.0, "feasibility": 0.0,
    }  # fmt: skip
    assert [weight_text(w) for w in (0.3, 0.36, 0.1829, 0.0, 1.0)] == ["0,30", "0,36", "0,1829", "0", "1,00"]


def test_sensitivity_reports_rank_changes(tmp_path: Path) -> None:
    # X: older people, its only target served (alignment 1), need 0,4/1,0 = 0,4.
    # Y: working age, 1 of 2 targets (alignment 0,5), need 1,0/1,0 = 1.
    path = write(
        tmp_path,
        row("PK-X", "Ikääntyneet", 3, 1, "X-1", "oma", "1", "1", "T-IKA-1"),
        row("PK-Y", "Työikäiset", 3, 1, "Y-1", "oma", "1", "1", "T-TYO-1"),
    )
    targets = impact_targets({G.OLDER_PEOPLE: ["T-IKA-1"], G.WORKING_AGE: ["T-TYO-1", "T-TYO-2"]})
    frame = frame_allocation({G.OLDER_PEOPLE: (0.4, 100.0), G.WORKING_AGE: (1.0, 100.0)})
    params = priority_params({"alignment": 1, "need": 1, "cost": 0, "feasibility": 0})
    p = score_packages(read_catalogue(path), targets, frame, params, **REFS)
    # Base (0,5 / 0,5): X 0,5 + 0,2 = 0,70; Y 0,25 + 0,5 = 0,75 → Y first.
    assert [(r.package_id, r.score) for r in p.rows] == [("PK-Y", 0.75), ("PK-X", 0.7)]
    s = p.sensitivity
    assert len(s.scenarios) == 12 and s.skipped == []
    by_label = {(sc.criterion, sc.change): sc for sc in s.scenarios}
    # alignment +20 % (0,6 / 0,4): X 0,6 + 0,16 = 0,76; Y 0,3 + 0,4 = 0,70 → X first: the top changes.
    up = by_label[("alignment", "+20 %")]
    assert up.weights == {"alignment": 0.6, "need": 0.4, "cost": 0.0, "feasibility": 0.0}
    assert (up.scores, up.order, up.top_changed) == ({"PK-X": 0.76, "PK-Y": 0.7}, ["PK-X", "PK-Y"], True)
    assert up.label == "Tavoitteisiin kohdistuminen +20 % (0,50 → 0,60)"
    # alignment −20 % (0,4 / 0,6): X 0,4 + 0,24 = 0,64; Y 0,2 + 0,6 = 0,80 → Y stays first.
    assert by_label[("alignment", "−20 %")].scores == {"PK-X": 0.64, "PK-Y": 0.8}
    # need to 0 (alignment 1): X 1, Y 0,5 → X first.
    assert by_label[("need", "0")].order == ["PK-X", "PK-Y"]
    assert by_label[("need", "0")].label == "Palvelutarve painoksi 0 (0,50 → 0)"
    # Moving a zero weight changes nothing.
    assert by_label[("cost", "+20 %")].order == ["PK-Y", "PK-X"]
    changed = sorted(k for k, sc in by_label.items() if sc.top_changed)
    assert changed == [("alignment", "+20 %"), ("need", "0"), ("need", "−20 %")]
    assert s.top_package == "PK-Y" and s.top_stable is False
    assert [(r.package_id, r.base_rank, r.best_rank, r.worst_rank) for r in s.rank_ranges] == [
        ("PK-Y", 1, 1, 2), ("PK-X", 2, 1, 2),
    ]  # fmt: skip


def test_top_of_the_worked_example_is_stable(tmp_path: Path) -> None:
    p = score_packages(read_catalogue(write(tmp_path, *EXAMPLE_ROWS)), TARGETS, FRAME, PriorityParams(), **REFS)
    assert p.sensitivity.top_stable is True
    # cost to 0: weights 0,35/0,8 = 0,4375, 0,375, 0, 0,1875.
    #   A: 0,4375 + 0,375 + 0 + 0,1875 = 1,0; C: 0,4375 + 0,375 × 0,8333 = 0,31249 → 0,3125 → 0,75;
    #   B: 0,21875 → 0,2188; 0,28125 → 0,2812; 0,09375 → 0,0938 (exact halves round to even) → 0,5938.
    cost_zero = next(sc for sc in p.sensitivity.scenarios if (sc.criterion, sc.change) == ("cost", "0"))
    assert cost_zero.scores == {"PK-A": 1.0, "PK-C": 0.75, "PK-B": 0.5938}


def test_priority_params_errors_name_the_weights() -> None:
    with pytest.raises(InputError, match="unknown prioritisation criteria price") as caught:
        priority_params({"price": 1.0})
    assert caught.value.field == "weights"
    with pytest.raises(InputError, match="at least one prioritisation weight must be positive"):
        priority_params({"alignment": 0, "need": 0, "cost": 0, "feasibility": 0})
    with pytest.raises(InputError, match="greater than or equal to 0"):
        priority_params({"need": -1})
    assert priority_params(None, 0.1).sensitivity_step == 0.1


# -- chains ---------------------------------------------------------------------------------


def test_chains_with_targets_totals_and_mode_mix(tmp_path: Path) -> None:
    catalogue = read_catalogue(write(tmp_path, *EXAMPLE_ROWS))
    chains = build_chains(catalogue, TARGETS, targets_ref=REFS["targets_ref"])
    b = chains.chain("PK-B")
    assert [(s.order, s.service_id, s.target.target_id) for s in b.steps] == [
        (1, "B-1", "T-TYO-1"),
        (2, "B-2", "T-IKA-1"),
    ]
    # Chain targets: the steps' targets in order of first appearance, including another group's.
    assert [t.target_id for t in b.targets] == ["T-TYO-1", "T-IKA-1"]
    assert b.targets[0].indicator == "Mittari T-TYO-1" and b.targets[0].target_year == 2029
    # 60 000 €: own 20 000 (0,3333), voucher 40 000 (0,6667); modes in the fixed order own, purchased, voucher.
    assert b.annual_cost == 60_000.0
    assert [(m.mode, m.annual_cost, m.share) for m in b.mode_mix] == [
        (ProductionMode.OWN, 20_000.0, 0.3333), (ProductionMode.VOUCHER, 40_000.0, 0.6667),
    ]  # fmt: skip
    assert b.figure_key == "chains-chain-pk-b-svg"
    assert [d.service_id for d in chains.descriptions] == ["A-1", "A-2", "B-1", "B-2", "C-1"]
    assert chains.descriptions[2].description.what == "Mitä B-1"


def test_mode_mix_puts_the_rounding_residue_on_the_largest_share() -> None:
    from schemas.chains import ChainStep, QualityMetric, TargetLink

    target = TargetLink(
        target_id="T", client_group=G.OLDER_PEOPLE, indicator="i", unit="%", baseline=None, baseline_year=None,
        target_value=1.0, target_year=2029, direction=Direction.INCREASE,
    )  # fmt: skip
    metric = QualityMetric(name="m", baseline=None, target=1.0, direction=None)

    def step(mode: ProductionMode, cost: float) -> ChainStep:
        return ChainStep(
            order=1, service_id="S", name="s", mode=mode, annual_volume=1.0, unit="u", unit_cost=cost,
            annual_cost=cost, metric=metric, target=target,
        )  # fmt: skip

    # 1 : 1 : 1 → 0,3333 each sums to 0,9999; the residue goes to the first of the equal largest (own).
    mix = mode_mix(
        [step(ProductionMode.VOUCHER, 1.0), step(ProductionMode.OWN, 1.0), step(ProductionMode.PURCHASED, 1.0)]
    )
    assert [(m.mode, m.share) for m in mix] == [
        (ProductionMode.OWN, 0.3334), (ProductionMode.PURCHASED, 0.3333), (ProductionMode.VOUCHER, 0.3333),
    ]  # fmt: skip


# -- the shipped example and the CLI pre-check -------------------------------------------------------


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
    # Kotihoito: 2 300 000 visits × 48 € = 110 400 000 €.
    assert catalogue.step("IKA-KOTIHOITO").annual_cost == 110_400_000.0
    assert catalogue.package("PK-IKA").annual_cost == 375_744_000.0


def test_shipped_catalogue_refers_to_the_shipped_stage_2_targets() -> None:
    from soteflow.data.tabular import read_csv

    target_ids = {r.values["tavoite_id"] for r in read_csv(EXAMPLES / "tavoitteet.csv").rows}
    validate_chains_inputs(EXAMPLES, target_ids=target_ids)


def test_validate_chains_inputs_catches_what_the_run_rejects(tmp_path: Path) -> None:
    folder = tmp_path / "inputs"
    folder.mkdir()
    (folder / "lausunnot.csv").write_bytes((EXAMPLES / "lausunnot.csv").read_bytes())
    (folder / "palvelukatalogi.csv").write_text(HEADER + "\n" + EXAMPLE_ROWS[0] + "\n", encoding="utf-8")
    validate_chains_inputs(folder)
    with pytest.raises(InputError) as caught:
        validate_chains_inputs(folder, target_ids={"T-IKA-2"})
    assert (caught.value.row, caught.value.field) == (2, "tavoite_id")
    with pytest.raises(InputError) as caught:
        validate_chains_inputs(folder, weights={"nopeus": 1})
    assert caught.value.field == "weights"
    (folder / "lausunnot.csv").write_text("kommentti_id;päivämäärä\n", encoding="utf-8")
    with pytest.raises(InputError) as caught:
        validate_chains_inputs(folder)
    assert caught.value.file == str(folder / "lausunnot.csv")
    (folder / "palvelukatalogi.csv").unlink()
    with pytest.raises(InputError, match="file not found") as caught:
        validate_chains_inputs(folder)
    assert caught.value.file == str(folder / "palvelukatalogi.csv")
