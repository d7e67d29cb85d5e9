"""Racing decisions: three secretaries record different decisions on one case at the same moment.

Each race proposes a fresh case (data table, proposal, decision document) and releases three
threads together, each with its own store connection (like three ``soteflow decide`` processes),
deciding approved, rejected and returned. It counts how many were reported as recorded (must be
one), how many refused, and checks that every version of the case carries the winner's decision
only and that the store verifies. The suite forces the interleavings; this loop lets the
scheduler choose them.

    .venv/bin/python bench/bench_race.py [--races 30]
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from schemas.decisions import DecisionRecord, Outcome  # noqa: E402
from soteflow.errors import InputError  # noqa: E402
from soteflow.stagekit import PersistedCase, record_decision, ref  # noqa: E402
from soteflow.store import Store, verify  # noqa: E402


def _propose(store: Store, cycle: int) -> PersistedCase:
    common = {"region": "HVA08", "cycle": cycle, "stage": "needs", "schema_name": "x", "schema_version": "1"}
    with store.transaction(actor="bench") as tx:
        table = tx.save_json(
            key="needs-index", kind="table", title="T", payload={"c": cycle}, code_version="b", **common
        )
        proposal = tx.save_json(
            key="needs-proposal",
            kind="proposal",
            title="P",
            payload={"p": cycle},
            inputs=[table],
            code_version="b",
            **common,
        )
        document = tx.save_file(
            key="needs-decision-pdf",
            kind="document",
            title="D",
            content=f"%PDF {cycle}".encode(),
            media_type="application/pdf",
            inputs=[proposal],
            code_version="b",
            **common,
        )
        for version in (table, proposal, document):
            tx.set_status(version, "proposed")
    keys = ("needs-index", "needs-proposal", "needs-decision-pdf")
    return PersistedCase(
        case="needs",
        versions={k: ref(v, k) for k, v in zip(keys, (table, proposal, document), strict=True)},
        proposal_key="needs-proposal",
        document_keys=("needs-decision-pdf",),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--races", type=int, default=30)
    args = parser.parse_args()
    root = Path(tempfile.mkdtemp(prefix="soteflow-race-"))
    url, blob_dir = f"sqlite:///{root / 'store.db'}", root / "blobs"
    outcomes = ("approved", "rejected", "returned")
    figures = {"races": 0, "recorded once": 0, "recorded twice or more": 0, "refused": 0, "mixed cases": 0}
    try:
        main_store = Store(url, blob_dir)
        for race in range(args.races):
            case = _propose(main_store, 2030 + race)
            barrier = threading.Barrier(len(outcomes))

            def secretary(outcome: str, case: PersistedCase = case, barrier: threading.Barrier = barrier) -> bool:
                store = Store(url, blob_dir)
                decision = DecisionRecord(
                    outcome=Outcome(outcome),
                    body="Aluehallitus",
                    meeting_date=dt.date(2026, 9, 7),
                    section="1",
                    comments="Täydennettävä." if outcome == "returned" else "",
                    recorded_by=outcome,
                )
                try:
                    barrier.wait(timeout=30)
                    record_decision(store=store, persisted=case, decision=decision, latest_only=True)
                    return True
                except InputError:
                    return False
                finally:
                    store.close()

            with ThreadPoolExecutor(max_workers=len(outcomes)) as pool:
                recorded = list(pool.map(secretary, outcomes))
            figures["races"] += 1
            figures["recorded once" if sum(recorded) == 1 else "recorded twice or more"] += 1
            figures["refused"] += recorded.count(False)
            winner = outcomes[recorded.index(True)] if any(recorded) else None
            decided = [
                [str(d.outcome.value) for d in main_store.decisions_for(v.version_id)] for v in case.versions.values()
            ]
            figures["mixed cases"] += any(d and d != [winner] for d in decided)
        ok = verify(main_store).ok
        main_store.close()
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for name, value in figures.items():
        print(f"{name:<24} {value}")
    print(f"{'store verifies':<24} {ok}")


if __name__ == "__main__":
    main()
