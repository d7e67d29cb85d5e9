"""Generate a region's example inputs: one writer per stage's files, a README, a marker.

A stage's files are written by one function of :data:`STAGE_WRITERS` (``(sources, out) → paths``);
stage 7's files are added by appending its writer. Everything is deterministic: the same region,
cycle and data give the same bytes (seeds come from the region code, the workbook's timestamps
are fixed, no clock is read).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from schemas.needs import NeedsAssessment
from schemas.stages import Stage
from soteflow.settings import get_settings
from tasks.examples.chains import write_chains_files
from tasks.examples.comparison import write_comparison_files
from tasks.examples.evaluation import write_evaluation_files
from tasks.examples.monitoring import write_monitoring_files
from tasks.examples.plan import ExamplePlan, example_plan
from tasks.examples.procurement import write_procurement_files
from tasks.examples.readme import readme_text
from tasks.examples.region import RegionFigures, figures_of
from tasks.examples.targets import write_targets_files
from tasks.needs.analysis import assess_needs

#: The file in a generated folder that says it was generated (and from what): what the demo's
#: fallback checks before it writes over a folder.
MARKER = "ESIMERKKIAINEISTO.txt"


@dataclass(frozen=True)
class ExampleSources:
    """What every stage's writer reads: the region's stage-1 assessment, its figures and the plan."""

    assessment: NeedsAssessment
    figures: RegionFigures
    plan: ExamplePlan


Writer = Callable[[ExampleSources, Path], list[Path]]

#: One writer per stage with input files of its own, in stage order (stage 1 reads public data).
STAGE_WRITERS: tuple[tuple[Stage, Writer], ...] = (
    (Stage.TARGETS, lambda s, out: write_targets_files(s.figures, s.assessment, out)),
    (Stage.CHAINS, lambda s, out: write_chains_files(s.figures, s.plan, out)),
    (Stage.COMPARISON, lambda s, out: write_comparison_files(s.figures, s.plan, out)),
    (Stage.PROCUREMENT, lambda s, out: write_procurement_files(s.figures, s.plan, out)),
    (Stage.STEERING, lambda s, out: write_monitoring_files(s.figures, s.plan, out)),
    # Stage 7 reads what the writers above wrote (targets, costs, purchases, finance): it comes last.
    (Stage.EVALUATION, lambda s, out: write_evaluation_files(s.figures, s.assessment.profiles.region, out)),
)


def example_sources(region: str, *, cycle: int, data_dir: Path | None = None) -> ExampleSources:
    """Read the region's real stage-1 figures from ``data_dir`` (default: the shipped data)."""
    data = data_dir or get_settings().input_dir
    assessment = assess_needs(data, region)
    figures = figures_of(assessment, cycle)
    return ExampleSources(assessment=assessment, figures=figures, plan=example_plan(figures))


def generate_examples(region: str, out: Path, *, cycle: int, data_dir: Path | None = None) -> list[Path]:
    """Write the region's example inputs into ``out`` (emptied first if it is a generated folder;
    a folder with other files is refused) and return the files written."""
    sources = example_sources(region, cycle=cycle, data_dir=data_dir)
    if out.exists():
        if (out / MARKER).is_file():
            shutil.rmtree(out)
        elif any(out.iterdir()):
            raise FileExistsError(f"{out} is not empty and was not generated: choose an empty or new folder")
    out.mkdir(parents=True, exist_ok=True)
    files: list[Path] = []
    for _stage, writer in STAGE_WRITERS:
        files += writer(sources, out)
    readme = out / "README.md"
    readme.write_bytes(readme_text(sources.figures, sources.assessment).encode("utf-8"))
    marker = out / MARKER
    marker.write_bytes(
        (
            f"ESIMERKKIAINEISTO – generated example inputs of {sources.figures.name} ({sources.figures.code}), "
            f"cycle {cycle}: not the region's figures. See README.md.\n"
        ).encode()
    )
    return [readme, marker, *files]


#: Where the demo writes a region's generated inputs: a cache under the data folder's
#: ``examples`` (so every stage marks the documents as example data), ignored by git.
GENERATED_DIR = Path("examples") / ".generated"


def demo_inputs(region_code: str, *, cycle: int, data_dir: Path) -> Path:
    """Generate the region's example inputs into ``<data>/examples/.generated/<REGION>`` (a cache
    folder with its own ``.gitignore``, written anew each time: generation is deterministic and
    takes about a second) and return the folder."""
    root = data_dir / GENERATED_DIR
    root.mkdir(parents=True, exist_ok=True)
    ignore = root / ".gitignore"
    if not ignore.is_file():
        ignore.write_text("# Generated example inputs (soteflow demo): never committed.\n*\n", encoding="utf-8")
    folder = root / region_code
    generate_examples(region_code, folder, cycle=cycle, data_dir=data_dir)
    return folder
