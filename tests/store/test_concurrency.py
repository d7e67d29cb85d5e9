"""Concurrent writers on one store (SQLite file or PostgreSQL): version numbers never collide, the chain stays intact."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import text

from soteflow.store import ArtefactVersion, BlobStore, Store, verify
from soteflow.store.canonical import sha256_hex
from soteflow.store.repo import Leftovers
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


def test_eight_writers_get_versions_one_to_eight(empty_store_url: str, tmp_path: Path) -> None:
    # An empty database: the eight writers' first transactions also migrate it, all at once.
    results = _run_writers(empty_store_url, tmp_path, lambda tx, i: save_json(tx, {"writer": i}))
    assert sorted(v.version for v in results) == list(range(1, WRITERS + 1))

    store = Store(empty_store_url, tmp_path / "blobs")
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


def _contents_in_path_order() -> tuple[bytes, bytes]:
    """Two file contents ``(a, b)`` whose blob paths sort b before a (the sweep's order)."""
    a = b"%PDF a source file"
    for i in range(1000):
        b = b"%%PDF b source file %d" % i
        if BlobStore.relative_path(sha256_hex(b)) < BlobStore.relative_path(sha256_hex(a)):
            return a, b
    raise AssertionError("no content found")  # pragma: no cover


def test_leftover_sweep_never_deadlocks_with_a_writer(store_url: str, tmp_path: Path) -> None:
    """A writer holds file A's blob lock and goes on to file B while the leftovers' sweep (another
    process's first write) finds A, uncommitted, and a crash's orphan B, and goes through them in
    path order, B then A: the sweep skips the file in use instead of waiting for it, so the two
    never wait for each other (on PostgreSQL they were a deadlock; its victim's whole transaction ran again)."""
    if not store_url.startswith("postgresql"):
        pytest.skip("SQLite has one write lock for everything: no lock order to get wrong")
    a, b = _contents_in_path_order()
    writer, sweeper = Store(store_url, tmp_path / "blobs"), Store(store_url, tmp_path / "blobs")
    holding_a, go_on = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with writer.transaction(actor="writer") as tx:
                save_file(tx, a, key="needs-source-a", kind="source")
                holding_a.set()
                assert go_on.wait(timeout=30)
                save_file(tx, b, key="needs-source-b", kind="source")
        except BaseException as exc:
            errors.append(exc)

    removed: list[Leftovers] = []

    def sweep() -> None:
        try:
            removed.append(sweeper.remove_leftovers(actor="sweeper"))
        except BaseException as exc:
            errors.append(exc)

    writing = threading.Thread(target=write)
    writing.start()
    assert holding_a.wait(timeout=30)
    _, orphan_b, _ = sweeper.blobs.write(b)  # what a crashed run left: B's file, no version
    sweeping = threading.Thread(target=sweep)
    sweeping.start()
    # Let the writer go on once the sweep is done or waits for a lock (it used to wait for A).
    waiting = text(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    )
    with sweeper.engine.connect() as conn:
        for _ in range(1500):  # up to 30 s
            if not sweeping.is_alive() or conn.execute(waiting).scalar_one():
                break
            time.sleep(0.02)
    go_on.set()
    writing.join(timeout=60)
    sweeping.join(timeout=60)

    assert errors == []
    assert removed[0].orphan_blobs == (orphan_b,)  # the crash's orphan; A was in use, skipped
    assert [v.version for v in writer.history("HVA08", 2025, "needs-source-a")] == [1]
    assert [v.version for v in writer.history("HVA08", 2025, "needs-source-b")] == [1]
    report = verify(writer)
    assert report.ok, report.problems
    writer.close()
    sweeper.close()
