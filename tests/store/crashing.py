"""A writer process to kill: it persists a case of several JSON versions and files in one store
transaction (as ``persist_case`` does), over and over, until it is killed. Shared by the suite's
crash test and ``bench/bench_crash.py``. It prints ``ready`` once imported, so a kill's moment
does not depend on how long the interpreter took to start on a busy machine."""

from __future__ import annotations

import textwrap

WRITER = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    from soteflow.store import Store

    store = Store(sys.argv[1], Path(sys.argv[2]))
    print("ready", flush=True)  # imported and connected: the kill's random moment counts from here
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
