"""All seven stages for regions without their own example files, on generated inputs.

Each stage's round runs directly (no Prefect, as the seeded stores of ``tests/support.py`` run),
with scripted approvals, so every cross-check between the stages meets the generated files: the
stage-2 baselines from the region's stage 1, the stage-3 catalogue's target ids, stage 4 against
the catalogue, stage 5's contracts register against stage 4's purchases (within 0,5 %), the lots
the bids name, stage 6's monitoring data against the stage-5 contracts, and stage 7's targets,
services and client groups against stages 2 and 4. Slow (about a minute and a half per region on
two cores, the documents are rendered): in the end-to-end group (``make test-e2e``, run by CI).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from schemas.stages import Stage
from tasks.context import make_context
from tasks.examples import generate_examples
from tasks.registry import STAGES
from tasks.round import DirectSteps, run_stage
from tests.support import DATA_DIR

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("region", "name"), [("HVA20", "Kainuun hyvinvointialue"), ("HVA90", "Helsingin kaupunki")])
def test_all_seven_stages_run_and_are_approved(region: str, name: str, tmp_path: Path) -> None:
    inputs = tmp_path / "examples" / region
    generate_examples(region, inputs, cycle=2026, data_dir=DATA_DIR)
    out = tmp_path / "out"
    ran = []
    for definition in STAGES:
        periods: list[str | None] = [None]
        if definition.periodic and definition.periods is not None:
            periods = [
                *definition.periods(make_context(definition.stage, region=region, cycle=2026, inputs_dir=inputs))
            ]
            assert periods == ["2026-03", "2026-04"]
        for period in periods:
            result = run_stage(
                definition,
                region=region,
                cycle=2026,
                inputs_dir=str(inputs),
                out_dir=str(out),
                gate="scripted",
                steps=DirectSteps(),
                period=period,
            )
            assert result.accepted, f"{definition.stage.value} {period or ''}: {result.outcome}"
            ran.append((definition.stage, period))
    assert [stage for stage, _ in ran] == [*list(Stage)[:5], Stage.STEERING, Stage.STEERING, Stage.EVALUATION]
    # The documents name the region (its own name from the map) and say the catalogue is example data.
    decision = next((out / "s3-chains").glob("chains-decision-pdf-*.pdf"))
    text = " ".join((page.extract_text() or "") for page in PdfReader(decision).pages)
    assert name in text and "esimerkkiaineisto" in text.lower()
    assert "Pirkanma" not in text
