"""Golden HTML of every stage's documents, as the seeded demo round stores them (Pirkanmaa, 2026).

The HTML is what the PDF is rendered from, so a change in a template, a text or a figure shows up
here as a reviewable diff. Regenerate after an intended change with
``SOTEFLOW_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/documents -k golden`` and review it.

The footer's store point (the store's root as of the audit event that wrote the proposal) hashes
ids and times that differ in every seeded store, and its event number moves whenever an earlier
stage stores one artefact more or less: both are masked (:func:`masked`); tests/documents/
test_store_point.py checks the real values against the store.
"""

from __future__ import annotations

import os
import re

import pytest

from soteflow.stagekit import open_store
from tasks.registry import STAGES, Definition
from tests.support import REPO_ROOT, Seed

GOLDEN = REPO_ROOT / "tests" / "golden"

#: The store point: in the running footer (event and 16 hex digits of the root) and in the
#: document information (event and the whole root).
_POINTS = (
    (re.compile(r"· tila \d+/[0-9a-f]{16}…"), "· tila N/" + "r" * 16 + "…"),
    (
        re.compile(r'tapahtuma \d+, juuri<br><span class="hash">[0-9a-f]{64}</span>'),
        'tapahtuma N, juuri<br><span class="hash">' + "r" * 64 + "</span>",
    ),
)


def masked(html: str) -> str:
    """``html`` with the store point's event number and root hash replaced by ``N`` and ``r`` digits."""
    for pattern, replacement in _POINTS:
        html = pattern.sub(replacement, html)
    return html


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
        html = masked(store.read_file(version).decode("utf-8"))
        golden = GOLDEN / f"{key}.html"
        if update:
            golden.write_text(html, encoding="utf-8")
        assert golden.is_file(), f"no golden file {golden.name}: run with SOTEFLOW_UPDATE_GOLDEN=1"
        assert html == golden.read_text(encoding="utf-8"), f"{key} differs from {golden.name}"
