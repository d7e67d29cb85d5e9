"""No orphans after a crash: what a killed run leaves in the blob folder is reported and removed.

A run killed with SIGKILL during persist leaves two kinds of files: a complete blob whose
version never committed (an orphan) and the temporary file of a write cut short. ``verify``
reports both; ``verify --repair-orphans`` (or the next writer) removes exactly those, and says so
in the audit log; committed files are never touched.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from soteflow.cli import main
from soteflow.stagekit import open_store
from soteflow.store import Store, verify
from tests.store.factories import save_file
from tests.support import REPO_ROOT

#: A persist that dies (SIGKILL, no clean-up) between writing its second file and renaming it.
KILLED_PERSIST = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    from soteflow.store import Store

    store = Store(sys.argv[1], Path(sys.argv[2]))
    real_replace, renames = os.replace, []

    def replace_then_die(src, dst):
        renames.append(dst)
        if len(renames) == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        real_replace(src, dst)

    os.replace = replace_then_die
    common = dict(region="HVA08", cycle=2026, stage="needs", kind="document", media_type="application/pdf",
                  schema_name="pdf/a-3a", schema_version="1", code_version="test")
    with store.transaction(actor="killed run") as tx:
        tx.save_file(key="needs-decision-pdf", title="T", content=b"%PDF written, never committed", **common)
        tx.save_file(key="needs-decision-html", title="T", content=b"<html>cut short</html>", **common)
    """
)


def _kill_during_persist(url: str, blob_dir: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-c", KILLED_PERSIST, url, str(blob_dir)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == -signal.SIGKILL, done.stderr


@pytest.fixture
def crashed(settings_store: str) -> Store:
    """The settings' store with one committed file, after a run was killed during persist."""
    store = open_store()
    with store.transaction(actor="flow") as tx:
        save_file(tx, b"%PDF committed", cycle=2026)
    _kill_during_persist(store.url, store.blobs.root)
    return store


def test_a_run_killed_during_persist_leaves_an_orphan_and_a_temporary_file_that_verify_reports(
    crashed: Store,
) -> None:
    report = verify(crashed)
    assert report.ok, report.problems  # the killed transaction left no row
    assert report.versions == 1
    [orphan] = report.orphan_blobs
    [temp] = report.temp_files
    assert crashed.blobs.path_for(orphan).read_bytes() == b"%PDF written, never committed"
    assert temp.rsplit("/", 1)[-1].startswith(".tmp-")
    assert not report.clean


def test_repair_orphans_removes_only_the_leftovers_and_says_which(
    crashed: Store, capsys: pytest.CaptureFixture[str]
) -> None:
    before = verify(crashed)
    committed = set(crashed.blobs.iter_relative_paths()) - set(before.orphan_blobs)
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--repair-orphans", "--strict"])
    assert exited.value.code in (0, None)
    out = capsys.readouterr().out
    assert f"removed orphan blob file {before.orphan_blobs[0]}" in out
    assert f"removed temporary file {before.temp_files[0]}" in out
    assert "0 orphan blob files, 0 temporary files" in out
    after = verify(crashed)
    assert after.clean and set(crashed.blobs.iter_relative_paths()) == committed
    [event] = [e for e in crashed.audit_events() if e.action == "store.leftovers-removed"]
    assert event.details == {"orphan_blobs": before.orphan_blobs, "temp_files": before.temp_files}


def test_verify_without_repair_lists_them_and_strict_fails(crashed: Store, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["verify", "--strict"])
    assert exited.value.code == 3
    out = capsys.readouterr().out
    assert "orphan blob file " in out and "temporary file " in out and "--repair-orphans removes it" in out
    assert len(verify(crashed).orphan_blobs) == 1  # reported, not removed


def test_the_next_writer_removes_what_a_crash_left(store_url: str, tmp_path: Path) -> None:
    url = store_url
    store = Store(url, tmp_path / "blobs")
    with store.transaction(actor="flow") as tx:
        kept = save_file(tx, b"%PDF committed")
    store.close()
    # What a crash leaves, made by hand: a blob no version refers to and a stray temporary file.
    crashed = Store(url, tmp_path / "blobs")
    _, orphan, _ = crashed.blobs.write(b"%PDF of a run that died before its commit")
    stray = crashed.blobs.root / orphan.split("/")[0] / f".tmp-{'a' * 64}-x1"
    stray.write_bytes(b"half")
    assert crashed.leftovers().orphan_blobs == (orphan,)

    next_run = Store(url, tmp_path / "blobs")
    with next_run.transaction(actor="flow:next") as tx:
        save_file(tx, b"%PDF of the next run", key="other-doc")
    assert not next_run.leftovers()
    assert not stray.exists() and next_run.read_file(kept) == b"%PDF committed"
    assert verify(next_run).clean
