"""Ten kill -9 at random moments of a store transaction: after each the store verifies, no version
number repeats, and what the crash left (orphan blobs, ``.tmp-`` files) is reported and swept
without touching a committed file. ``bench/bench_crash.py`` runs the same loop longer."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlmodel import func, select

from soteflow.store import ArtefactVersion, Store, verify
from tests.store.crashing import WRITER
from tests.support import REPO_ROOT

KILLS = 10


def test_ten_kills_at_random_moments_leave_a_store_that_verifies(tmp_path: Path) -> None:
    rng = random.Random(15)
    url, blob_dir = f"sqlite:///{tmp_path / 'store.db'}", tmp_path / "blobs"
    Store(url, blob_dir).migrate()
    for _ in range(KILLS):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, url, str(blob_dir)], cwd=REPO_ROOT, stdout=subprocess.PIPE, text=True
        )
        assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.05, 0.45))
        writer.send_signal(signal.SIGKILL)
        assert writer.wait() == -signal.SIGKILL
        store = Store(url, blob_dir)
        try:
            report = verify(store)
            assert report.ok, report.problems  # no partial version, no broken chain
            with store.session() as session:
                numbers = session.exec(
                    select(ArtefactVersion.artefact_id, ArtefactVersion.version, func.count())
                    .group_by(ArtefactVersion.artefact_id, ArtefactVersion.version)
                    .having(func.count() > 1)
                ).all()
            assert numbers == [], f"a version number repeats: {numbers}"
            leftovers = {blob_dir / r for r in (*report.orphan_blobs, *report.temp_files)}
            committed = {p for p in blob_dir.rglob("*") if p.is_file()} - leftovers
            store.remove_leftovers(actor="crash test")
            after = verify(store)
            assert after.ok and not after.orphan_blobs and not after.temp_files
            assert all(p.exists() for p in committed)
        finally:
            store.close()
    store = Store(url, blob_dir)
    try:
        assert verify(store).versions > 0  # the writer did commit between the kills
    finally:
        store.close()
