"""Content-addressed files: ``blob_dir/<sha256[:2]>/<sha256>``.

A file's name is its hash, so a file is never changed once written and identical content is
stored once. Writes are atomic (temporary file in the same folder, fsync, ``os.replace``), so a
crash leaves either no file or the complete file, never a truncated one under the final name.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from soteflow.store.canonical import sha256_hex
from soteflow.store.errors import StoreIntegrityError

__all__ = ["BlobStore"]


class BlobStore:
    """The content-addressed file area of a store."""

    def __init__(self, root: Path) -> None:
        """Use ``root`` as the blob folder (created on first write)."""
        self.root = Path(root)

    @staticmethod
    def relative_path(sha256: str) -> str:
        """The blob's path relative to the root, with ``/`` separators (stored in the DB)."""
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a lowercase hex sha256: {sha256!r}")
        return f"{sha256[:2]}/{sha256}"

    def path_for(self, relative: str) -> Path:
        """The absolute path of a stored relative blob path."""
        return self.root.joinpath(*relative.split("/"))

    def write(self, content: bytes) -> tuple[str, str, bool]:
        """Store ``content``; return ``(sha256, relative_path, created)``.

        ``created`` is False when an identical file was already there (it is reused, after
        checking its hash: a damaged file is replaced rather than trusted).
        """
        digest = sha256_hex(content)
        relative = self.relative_path(digest)
        target = self.path_for(relative)
        if target.exists():
            try:
                if sha256_hex(target.read_bytes()) == digest:
                    return digest, relative, False
            except OSError:
                pass
            # A damaged file: fall through and rewrite it. It existed before, so this
            # transaction must not delete it on rollback (created stays False).
            self._atomic_write(target, content)
            return digest, relative, False
        self._atomic_write(target, content)
        return digest, relative, True

    def _atomic_write(self, target: Path, content: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise
        self._fsync_dir(target.parent)

    @staticmethod
    def _fsync_dir(folder: Path) -> None:
        # The rename is durable only once the directory entry is; not possible on Windows.
        if os.name != "posix":
            return
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def read(self, relative: str, expected_sha256: str | None = None) -> bytes:
        """Read a blob and re-hash it.

        Raises:
            StoreIntegrityError: the file is missing or its hash is not its name (or
                ``expected_sha256``).
        """
        path = self.path_for(relative)
        try:
            content = path.read_bytes()
        except FileNotFoundError as exc:
            raise StoreIntegrityError(f"blob file missing: {relative}") from exc
        digest = sha256_hex(content)
        expected = expected_sha256 or relative.rsplit("/", 1)[-1]
        if digest != expected:
            raise StoreIntegrityError(f"blob file {relative} has sha256 {digest}, expected {expected}")
        return content

    def delete(self, relative: str) -> None:
        """Remove a blob (used only to undo a rolled-back transaction's new files)."""
        with contextlib.suppress(FileNotFoundError):
            self.path_for(relative).unlink()

    def iter_relative_paths(self) -> Iterator[str]:
        """Every blob file under the root (temporary files excluded), as relative paths."""
        if not self.root.exists():
            return
        for sub in sorted(self.root.iterdir()):
            if not sub.is_dir() or len(sub.name) != 2:
                continue
            for file in sorted(sub.iterdir()):
                if file.is_file() and not file.name.startswith(".tmp-"):
                    yield f"{sub.name}/{file.name}"
