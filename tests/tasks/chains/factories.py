"""Hand-built stage-2 inputs and case handling for the stage-3 tests (not a test module).

The approved stage-2 round is built by hand here (targets, frame, versions, the approval), so the
stage-3 figures in the tests can be checked with pen and paper; the shipped example's inputs are
read through the stage's own definition.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import replace
from pathlib import Path
from typing import Any

from schemas.chains import ChainsAnalysis, ChainsInputs
from schemas.decisions import EarlierDecision
from schemas.governance import StageGovernance
from schemas.results import SourceRef, VersionRef
from schemas.stages import Stage
from schemas.targets import (
    AllocationMethod,
    ClientGroup,
    Direction,
    FrameAllocation,
    GroupAllocation,
    ImpactTarget,
    ImpactTargets,
    TargetsBasis,
)
from soteflow.documents import load_governance
from tasks.chains.stage import DEFINITION
from tasks.context import RoundContext, make_context
from tasks.definition import CaseHandling, StageDefinition
from tests.support import DATA_DIR

G = ClientGroup
REGION = "HVA08"
REGION_NAME = "Pirkanmaan hyvinvointialue"
CYCLE = 2026


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
        region_code=REGION,
        cycle=CYCLE,
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
        region_code=REGION,
        frame_year=CYCLE,
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


# -- the worked example: a small catalogue against a hand-made stage 2 -----------------------------

HEADER = (
    "palvelukokonaisuus_id;palvelukokonaisuus;asiakasryhmä;toteutettavuus;vaihe;palvelu_id;palvelu;kuvaus;"
    "kenelle;hakeutuminen;myöntämisperusteet;tuotantotapa;vuosivolyymi;yksikkö;yksikkökustannus;laatumittari;"
    "laatu_lähtötaso;laatu_tavoite;tavoite_id"
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


def write(folder: Path, *rows: str, header: str = HEADER, encoding: str = "utf-8") -> Path:
    """``palvelukatalogi.csv`` in ``folder`` with ``header`` and ``rows``."""
    path = folder / "palvelukatalogi.csv"
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


# -- the shipped example against a hand-made stage 2 ----------------------------------------------

#: The shipped example's stage-2 target ids (data/examples/HVA08/tavoitteet.csv).
SHIPPED_TARGETS = impact_targets(
    {
        G.CHILDREN_FAMILIES: ["T-LAP-1", "T-LAP-2"],
        G.WORKING_AGE: ["T-TYO-1", "T-TYO-2"],
        G.OLDER_PEOPLE: ["T-IKA-1", "T-IKA-2", "T-IKA-3"],
        G.DISABILITY: ["T-VAM-1", "T-VAM-2"],
        G.MENTAL_SUBSTANCE: ["T-MTP-1", "T-MTP-2"],
    }
)
#: Relative need (country = 1) and allocated frame € per group: example values for the tests.
SHIPPED_FRAME = frame_allocation(
    {
        G.CHILDREN_FAMILIES: (0.95, 600e6),
        G.WORKING_AGE: (1.02, 1450e6),
        G.OLDER_PEOPLE: (1.08, 880e6),
        G.DISABILITY: (1.0, 320e6),
        G.MENTAL_SUBSTANCE: (1.05, 260e6),
    }
)


def make_basis(approved_on: dt.date | None = dt.date(2026, 10, 12)) -> TargetsBasis:
    """The approved stage-2 round for the shipped catalogue: hand-made targets and frame, approved
    by Aluevaltuusto on ``approved_on`` (proposal version 2)."""
    return TargetsBasis(
        impact=SHIPPED_TARGETS,
        frame=SHIPPED_FRAME,
        impact_ref=version_ref("targets-impact"),
        frame_ref=version_ref("targets-frame"),
        proposal_ref=version_ref("targets-proposal", 2),
        approved_on=approved_on,
        approved_by="Aluevaltuusto" if approved_on else None,
    )


# -- the stage's definition on the shipped example ----------------------------------------------


def shipped_context(*, inputs_dir: Path | None = None, data_dir: Path | None = None) -> RoundContext:
    """Stage 3 of HVA08, cycle 2026: the shipped data and example inputs unless folders are given."""
    return make_context(Stage.CHAINS, region=REGION, cycle=CYCLE, inputs_dir=inputs_dir, data_dir=data_dir)


def shipped_inputs() -> ChainsInputs:
    """The shipped catalogue and feedback, read and checked by the stage's own reader."""
    ctx = shipped_context()
    return DEFINITION.read_inputs(ctx, DEFINITION.parse_params(None), make_basis())


def shipped_analysis(inputs: ChainsInputs) -> ChainsAnalysis:
    """The shipped catalogue scored and chained against :func:`make_basis`."""
    ctx = shipped_context()
    return DEFINITION.analyse(ctx, DEFINITION.parse_params(None), make_basis(), inputs)


def with_basis(basis: TargetsBasis) -> StageDefinition[Any, Any, Any, Any, Any, Any]:
    """Stage 3's definition with ``basis`` in place of the approved stage 2 read from the store."""
    return replace(DEFINITION, load_basis=lambda store, ctx: basis)


# -- case handling ----------------------------------------------------------------------------


def governance() -> StageGovernance:
    """Stage 3's governance in HVA08 from the shipped region configuration."""
    return load_governance(
        REGION, Stage.CHAINS, DATA_DIR / "config" / "regions", case=Stage.CHAINS.value, region_name=REGION_NAME
    )


def handling(
    earlier: tuple[EarlierDecision, ...] = (), *, meeting_date: dt.date | None = None, cycle: int = CYCLE
) -> CaseHandling:
    """The stage-3 case's handling: its governance, the earlier decisions, the body's appeal route."""
    gov = governance()
    return CaseHandling(
        governance=gov, earlier=earlier, appeal=gov.appeal_route(), cycle=cycle, meeting_date=meeting_date
    )
