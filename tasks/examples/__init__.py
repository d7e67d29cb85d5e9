"""Example inputs for any welfare region, generated from its own real stage-1 figures.

Only Pirkanmaa (HVA08) ships hand-made example files (``data/examples/HVA08``). For every other
region, :func:`generate_examples` writes files of the same formats, sized by the region's
population, age structure and need index (:mod:`tasks.examples.region`), consistent across the
stages (:mod:`tasks.examples.plan`) and labelled ESIMERKKIAINEISTO. One module per stage's files;
:data:`STAGE_WRITERS` lists them in stage order.
"""

from tasks.examples.generate import (
    GENERATED_DIR,
    MARKER,
    STAGE_WRITERS,
    ExampleSources,
    demo_inputs,
    example_sources,
    generate_examples,
)

__all__ = [
    "GENERATED_DIR",
    "MARKER",
    "STAGE_WRITERS",
    "ExampleSources",
    "demo_inputs",
    "example_sources",
    "generate_examples",
]
