"""Concurrent writers on one store (SQLite file or PostgreSQL): version numbers never collide, the chain stays intact."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

from soteflow.store import ArtefactVersion, Store, verify
from tests.store.factories import save_file, save_json

WRITERS = 8


def _run_writers(url: str, tmp_path: Path, payload_for: object) -> list[ArtefactVersion]:
    barrier = threading.Barrier(WRITERS)

    def write(i: int) -> ArtefactVersion:
        # A separate Store (engine, connections) per writer, like separate worker processes;
        # each one also migrates on first use, so concurrent migrations are exercised too.
        store = Store(url, tmp_path / "blobs")
        try:
            barrier.wait(timeout=30)
            with store.transaction(actor=f"writer-{i}") as tx:
                assert callable(payload_for)
                version: ArtefactVersion = payload_for(tx, i)
                return version
        finally:
            store.close()

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        return list(pool.map(write, range(WRITERS)))


def test_eight_writers_get_versions_one_to_eight(store_url: str, tmp_path: Path) -> None:
    results = _run_writers(store_url, tmp_path, lambda tx, i: save_json(tx, {"writer": i}))
    assert sorted(v.version for v in results) == list(range(1, WRITERS + 1))

    store = Store(store_url, tmp_path / "blobs")
    history = store.history("HVA08", 2025, "needs-profile")
    assert [v.version for v in history] == list(range(1, WRITERS + 1))
    assert history[0].prev_sha256 is None
    for previous, current in pairwise(history):
        assert current.prev_sha256 == previous.sha256
    assert len(store.list_artefacts()) == 1  # the artefact row was created once
    report = verify(store)
    assert report.ok, report.problems
    store.close()


def test_eight_writers_of_identical_content_share_one_version(store_url: str, tmp_path: Path) -> None:
    results = _run_writers(store_url, tmp_path, lambda tx, i: save_file(tx, b"%PDF-same"))
    assert {v.id for v in results} == {results[0].id}
    store = Store(store_url, tmp_path / "blobs")
    assert [v.version for v in store.history("HVA08", 2025, "needs-proposal")] == [1]
    actions = [e.action for e in store.audit_events()]
    assert actions.count("version.created") == 1 and actions.count("version.reused") == WRITERS - 1
    store.close()
