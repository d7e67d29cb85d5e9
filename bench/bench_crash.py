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
import textwrap
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from soteflow.store import Store, verify  # noqa: E402

WRITER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from soteflow.store import Store

    store = Store(sys.argv[1], Path(sys.argv[2]))
    common = dict(region="HVA08", cycle=2026, stage="needs", schema_name="x", schema_version="1", code_version="b")
    n = 0
    while True:
        n += 1
        with store.transaction(actor="bench writer") as tx:
            for i in range(6):
                tx.save_json(key=f"needs-table-{i}", kind="table", title="T", payload={"n": n, "i": i}, **common)
            for i in range(4):
                content = os.urandom(200_000)  # big enough that a kill often lands inside a write
                tx.save_file(key=f"needs-doc-{i}", kind="document", title="D", content=content,
                             media_type="application/pdf", **common)
    """
)


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
            writer = subprocess.Popen([sys.executable, "-c", WRITER, url, str(blob_dir)], cwd=REPO)
            time.sleep(rng.uniform(0.6, 0.6 + args.max_delay))  # the import takes ~0.5 s
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
