"""Stage 3 analysis: the prioritisation with its sensitivity check, and the service chains.

Small worked examples with the arithmetic in the comments; the catalogue and the stage-2 inputs
are built by hand (tests/tasks/chains/factories.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.chains import (
    ChainStep,
    CostBenchmarks,
    PriorityParams,
    ProductionMode,
    QualityMetric,
    ServiceCatalogue,
    TargetLink,
)
from schemas.targets import Direction
from soteflow.errors import InputError
from tasks.chains.analysis import (
    build_chains,
    cost_value,
    mode_mix,
    priority_params,
    score_packages,
    shifted_weights,
    weight_text,
)
from tasks.chains.catalogue import read_benchmarks, read_catalogue
from tests.tasks.chains.factories import (
    EXAMPLE_ROWS,
    FRAME,
    REFS,
    TARGETS,
    G,
    frame_allocation,
    impact_targets,
    row,
    write,
)

# -- prioritisation -------------------------------------------------------------------------


BENCHMARKS = (
    "palvelukokonaisuus_id;asiakkaat;vertailukustannus_per_asiakas;vertailun_lähde\n"
    "PK-A;50;1 600;Vertailualueet 2025\n"
    "PK-B;100;660;Vertailualueet 2025\n"
    "PK-C;4;2 000,00;Toinen lähde\n"
)


def _benchmarks(tmp_path: Path, catalogue: ServiceCatalogue, text: str = BENCHMARKS) -> CostBenchmarks:
    path = tmp_path / "vertailukustannukset.csv"
    path.write_text(text, encoding="utf-8")
    return read_benchmarks(path, catalogue)


def test_cost_per_client_against_the_benchmark() -> None:
    # 100 000 € / 50 clients = 2 000 €/client; benchmark 1 600 → 1 600 / 2 000 = 0,8 (25 % over).
    assert cost_value(100_000, 50, 1_600) == (2000.0, 0.8)
    # 60 000 / 100 = 600 €; benchmark 660 → 1,1, capped at 1: cheaper than the benchmark is not rewarded more.
    assert cost_value(60_000, 100, 660) == (600.0, 1.0)
    # 10 000 / 3 = 3 333,33 €; 2 000 / 3 333,33 = 0,600001 → 0,6.
    assert cost_value(10_000, 3, 2_000) == (3333.33, 0.6)


def test_scores_of_the_worked_example(tmp_path: Path) -> None:
    catalogue = read_catalogue(write(tmp_path, *EXAMPLE_ROWS))
    benchmarks = _benchmarks(tmp_path, catalogue)
    priorities = score_packages(catalogue, TARGETS, FRAME, PriorityParams(), **REFS, benchmarks=benchmarks)
    # Weights 0,35 / 0,30 / 0,20 / 0,15. max r over the packages' groups = 1,2 (disability's 1,5 has no package).
    #   PK-A: alignment 2/2 = 1; need 1,2/1,2 = 1; cost 100 000/50 = 2 000 €, 1 600/2 000 = 0,8;
    #         feasibility (5−1)/4 = 1 → 0,35 + 0,30 + 0,16 + 0,15 = 0,96
    #   PK-C: alignment 1/1 = 1; need 1,0/1,2 = 0,8333; cost 10 000/4 = 2 500 €, 2 000/2 500 = 0,8;
    #         feasibility 0 → 0,35 + 0,30 × 0,8333 = 0,24999 → 0,25 + 0,16 + 0 = 0,76
    #   PK-B: alignment 1/2 = 0,5 (T-IKA-1 is another group's); need 0,9/1,2 = 0,75; cost 60 000/100 = 600 €,
    #         660/600 = 1,1 → 1; feasibility (3−1)/4 = 0,5 → 0,175 + 0,225 + 0,20 + 0,075 = 0,675
    # (The old criterion 1 − cost/frame gave PK-C 0, its chain being larger than its frame: 0,60.)
    assert priorities.order == ["PK-A", "PK-C", "PK-B"]
    assert [r.score for r in priorities.rows] == [0.96, 0.76, 0.675]
    assert [r.rank for r in priorities.rows] == [1, 2, 3]
    a, c, b = priorities.rows
    assert [(k.criterion, k.value, k.component) for k in a.criteria] == [
        ("alignment", 1.0, 0.35),
        ("need", 1.0, 0.3),
        ("cost", 0.8, 0.16),
        ("feasibility", 1.0, 0.15),
    ]
    assert [(k.value, k.component) for k in c.criteria] == [(1.0, 0.35), (0.8333, 0.25), (0.8, 0.16), (0.0, 0.0)]
    assert [(k.value, k.component) for k in b.criteria] == [(0.5, 0.175), (0.75, 0.225), (1.0, 0.2), (0.5, 0.075)]
    assert (b.targets_addressed, b.group_targets, b.other_targets) == (["T-TYO-1"], ["T-TYO-1", "T-TYO-2"], ["T-IKA-1"])
    assert (b.clients, b.cost_per_client, b.benchmark_per_client) == (100, 600.0, 660.0)
    assert b.criterion("cost").basis == "600 € / asiakas, vertailu 660 €"
    assert a.criterion("alignment").basis == "2 / 2 ryhmän tavoitteesta"
    assert priorities.max_relative_need == 1.2
    assert priorities.weights == {"alignment": 0.35, "need": 0.3, "cost": 0.2, "feasibility": 0.15}
    assert priorities.cost_criterion_used is True
    assert priorities.benchmark_sources == ["Vertailualueet 2025", "Toinen lähde"]
    assert "ei jaa määrärahoja" in priorities.decides


def test_without_benchmarks_the_cost_criterion_weighs_nothing(tmp_path: Path) -> None:
    catalogue = read_catalogue(write(tmp_path, *EXAMPLE_ROWS))
    priorities = score_packages(catalogue, TARGETS, FRAME, PriorityParams(), **REFS)
    # cost to 0: weights 0,35/0,8 = 0,4375, 0,30/0,8 = 0,375, 0, 0,15/0,8 = 0,1875.
    #   A: 0,4375 + 0,375 + 0,1875 = 1,0; C: 0,4375 + 0,375 × 0,8333 = 0,3125 → 0,75;
    #   B: 0,2188 + 0,2813 + 0,0938 = 0,5939.
    assert priorities.weights == {"alignment": 0.4375, "need": 0.375, "cost": 0.0, "feasibility": 0.1875}
    assert [(r.package_id, r.score) for r in priorities.rows] == [("PK-A", 1.0), ("PK-C", 0.75), ("PK-B", 0.5939)]
    assert priorities.cost_criterion_used is False and priorities.rows[0].clients is None
    assert "Kustannuskriteeriä ei laskettu" in priorities.method[-1]


@pytest.mark.parametrize(
    ("text", "row", "message"),
    [
        (BENCHMARKS + "PK-X;1;1;Lähde\n", 5, "not in palvelukatalogi.csv"),
        (BENCHMARKS.replace("PK-C;4;", "PK-A;4;"), 4, "duplicate"),
        (BENCHMARKS.replace("PK-B;100;", "PK-B;0;"), 3, "greater than 0"),
        (BENCHMARKS.rsplit("PK-C", 1)[0], None, "package PK-C of palvelukatalogi.csv has no row"),
    ],
)
def test_bad_benchmarks_name_file_row_and_field(tmp_path: Path, text: str, row: int | None, message: str) -> None:
    catalogue = read_catalogue(write(tmp_path, *EXAMPLE_ROWS))
    with pytest.raises(InputError, match=message) as err:
        _benchmarks(tmp_path, catalogue, text)
    assert err.value.row == row and err.value.field in {"palvelukokonaisuus_id", "asiakkaat"}


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
        "alignment": 0.5,
        "need": 0.5,
        "cost": 0.0,
        "feasibility": 0.0,
    }
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
        ("PK-Y", 1, 1, 2),
        ("PK-X", 2, 1, 2),
    ]


def test_top_of_the_worked_example_is_stable(tmp_path: Path) -> None:
    p = score_packages(read_catalogue(write(tmp_path, *EXAMPLE_ROWS)), TARGETS, FRAME, PriorityParams(), **REFS)
    assert p.sensitivity.top_stable is True
    # cost to 0: weights 0,35/0,8 = 0,4375, 0,375, 0, 0,1875.
    #   A: 0,4375 + 0,375 + 0 + 0,1875 = 1,0; C: 0,4375 + 0,375 × 0,8333 = 0,3124875 → 0,3125 → 0,75;
    #   B: 0,4375 × 0,5 = 0,21875 → 0,2188; 0,375 × 0,75 = 0,28125 → 0,2813; 0,1875 × 0,5 = 0,09375 → 0,0938
    #      (exact halves round half up, as the printed figures do) → 0,2188 + 0,2813 + 0,0938 = 0,5939.
    cost_zero = next(sc for sc in p.sensitivity.scenarios if (sc.criterion, sc.change) == ("cost", "0"))
    assert cost_zero.scores == {"PK-A": 1.0, "PK-C": 0.75, "PK-B": 0.5939}


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
        (ProductionMode.OWN, 20_000.0, 0.3333),
        (ProductionMode.VOUCHER, 40_000.0, 0.6667),
    ]
    assert b.figure_key == "chains-chain-pk-b-svg"
    assert [d.service_id for d in chains.descriptions] == ["A-1", "A-2", "B-1", "B-2", "C-1"]
    assert chains.descriptions[2].description.what == "Mitä B-1"


def test_mode_mix_puts_the_rounding_residue_on_the_largest_share() -> None:
    target = TargetLink(
        target_id="T",
        client_group=G.OLDER_PEOPLE,
        indicator="i",
        unit="%",
        baseline=None,
        baseline_year=None,
        target_value=1.0,
        target_year=2029,
        direction=Direction.INCREASE,
    )
    metric = QualityMetric(name="m", baseline=None, target=1.0, direction=None)

    def step(mode: ProductionMode, cost: float) -> ChainStep:
        return ChainStep(
            order=1,
            service_id="S",
            name="s",
            mode=mode,
            annual_volume=1.0,
            unit="u",
            unit_cost=cost,
            annual_cost=cost,
            metric=metric,
            target=target,
        )

    # 1 : 1 : 1 → 0,3333 each sums to 0,9999; the residue goes to the first of the equal largest (own).
    mix = mode_mix(
        [step(ProductionMode.VOUCHER, 1.0), step(ProductionMode.OWN, 1.0), step(ProductionMode.PURCHASED, 1.0)]
    )
    assert [(m.mode, m.share) for m in mix] == [
        (ProductionMode.OWN, 0.3334),
        (ProductionMode.PURCHASED, 0.3333),
        (ProductionMode.VOUCHER, 0.3333),
    ]
