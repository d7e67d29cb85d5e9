"""Crash loop: kill -9 a process at a random moment of a store transaction, then check the store.

Each round starts a writer process that persists a case of several files and JSON versions in
one transaction (as ``persist_case`` does), in a loop, and kills it with SIGKILL after a random
delay. After every kill it checks: the store verifies (no partial version, no broken chain), no
version number repeats, what the crash left in the blob folder (orphan blobs, ``.tmp-`` files),
and that removing those leftovers (the next writer does it) leaves none and touches no committed
file. It prints the figures; the suite's test of the same thing kills at one fixed point.

    .venv/bin/python bench/bench_crash.py [--kills 20] [--max-delay 1.5]
"""

from __future__ import annotations

import argparse
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from soteflow.store import Store, verify  # noqa: E402
from tests.store.crashing import WRITER  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--max-delay", type=float, default=1.5, help="Longest wait before a kill, seconds.")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    root = Path(tempfile.mkdtemp(prefix="soteflow-crash-"))
    url, blob_dir = f"sqlite:///{root / 'store.db'}", root / "blobs"
    Store(url, blob_dir).migrate()
    figures = {"kills": 0, "verify failures": 0, "orphan blobs left": 0, "temp files left": 0, "left after sweep": 0}
    try:
        for _ in range(args.kills):
            writer = subprocess.Popen(
                [sys.executable, "-c", WRITER, url, str(blob_dir)], cwd=REPO, stdout=subprocess.PIPE, text=True
            )
            assert writer.stdout is not None and writer.stdout.readline().strip() == "ready"
            time.sleep(rng.uniform(0.05, args.max_delay))
            writer.send_signal(signal.SIGKILL)
            writer.wait()
            figures["kills"] += 1
            store = Store(url, blob_dir)
            report = verify(store)
            figures["verify failures"] += not report.ok
            figures["orphan blobs left"] += len(report.orphan_blobs)
            figures["temp files left"] += len(report.temp_files)
            committed = {p for p in blob_dir.rglob("*") if p.is_file()} - {
                blob_dir / r for r in (*report.orphan_blobs, *report.temp_files)
            }
            store.remove_leftovers(actor="bench")
            after = verify(store)
            figures["left after sweep"] += len(after.orphan_blobs) + len(after.temp_files)
            assert after.ok and all(p.exists() for p in committed), after.problems
            store.close()
        store = Store(url, blob_dir)
        versions = verify(store).versions
        store.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for name, value in figures.items():
        print(f"{name:<20} {value}")
    print(f"{'versions committed':<20} {versions}")


if __name__ == "__main__":
    main()
