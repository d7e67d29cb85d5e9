"""Golden HTML of every stage's documents, as the seeded demo round stores them (Pirkanmaa, 2026).

The HTML is what the PDF is rendered from, so a change in a template, a text or a figure shows up
here as a reviewable diff. Regenerate after an intended change with
``SOTEFLOW_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/documents -k golden`` and review it.
"""

from __future__ import annotations

import os

import pytest

from soteflow.stagekit import open_store
from tasks.registry import STAGES, Definition
from tests.support import REPO_ROOT, Seed

GOLDEN = REPO_ROOT / "tests" / "golden"


@pytest.mark.parametrize("definition", STAGES, ids=[d.stage.value for d in STAGES])
def test_stage_documents_match_their_golden_html(definition: Definition, seed: Seed) -> None:
    seed(definition.stage)
    store = open_store()
    documents = [
        a.key
        for a in store.list_artefacts(region="HVA08", cycle=2026, stage=definition.stage)
        if a.kind == "document" and a.key.endswith("-html")
    ]
    assert documents, f"{definition.stage.value} stored no document"
    update = os.environ.get("SOTEFLOW_UPDATE_GOLDEN") == "1"
    for key in sorted(documents):
        version = store.latest("HVA08", 2026, key)
        assert version is not None and version.status.value in {"approved", "noted"}  # a report is noted
        html = store.read_file(version).decode("utf-8")
        golden = GOLDEN / f"{key}.html"
        if update:
            golden.write_text(html, encoding="utf-8")
        assert golden.is_file(), f"no golden file {golden.name}: run with SOTEFLOW_UPDATE_GOLDEN=1"
        assert html == golden.read_text(encoding="utf-8"), f"{key} differs from {golden.name}"
