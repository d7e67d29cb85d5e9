"""Content-addressed files: ``blob_dir/<sha256[:2]>/<sha256>``.

A file's name is its hash, so a file is never changed once written and identical content is
stored once. Writes are atomic (temporary file in the same folder, fsync, ``os.replace``), so a
crash leaves either no file or the complete file, never a truncated one under the final name.

A crash can leave two kinds of leftovers, which ``soteflow verify`` reports and the next writer
(or ``soteflow verify --repair-orphans``) removes: a complete blob file whose transaction never
committed (an orphan), and a temporary file ``.tmp-<sha256>-<random>`` of an interrupted write.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from soteflow.store.canonical import sha256_hex
from soteflow.store.errors import StoreIntegrityError

__all__ = ["TMP_PREFIX", "BlobStore", "file_sha256"]

_BLOCK = 1 << 20
#: Where a streamed file is copied before its hash (and so its name) is known.
STREAM_FOLDER = "st"


def file_sha256(path: Path) -> str:
    """The sha256 of a file, read in blocks (a large Parquet file never sits in memory whole)."""
    hasher = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(_BLOCK), b""):
            hasher.update(block)
    return hasher.hexdigest()


#: Name prefix of a write's temporary file; the blob's sha256 follows, then a random part.
TMP_PREFIX = ".tmp-"


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

    def write_file(self, source: Path) -> tuple[str, str, bool, int]:
        """Store the file at ``source`` streaming (hashed while copied, never read whole); return
        ``(sha256, relative_path, created, size)``. Like :meth:`write`, an identical file already
        stored is reused (after checking its hash) and a damaged one is replaced."""
        # The hash is known only at the end: the copy waits in a two-letter folder of its own, where
        # the leftovers' sweep finds a temporary file a crash left behind.
        staging = self.root / STREAM_FOLDER
        staging.mkdir(parents=True, exist_ok=True)
        fd, tmp_name = tempfile.mkstemp(prefix=f"{TMP_PREFIX}stream-", dir=staging)
        try:
            hasher = hashlib.sha256()
            size = 0
            with os.fdopen(fd, "wb") as handle, source.open("rb") as reader:
                for block in iter(lambda: reader.read(_BLOCK), b""):
                    hasher.update(block)
                    handle.write(block)
                    size += len(block)
                handle.flush()
                os.fsync(handle.fileno())
            digest = hasher.hexdigest()
            relative = self.relative_path(digest)
            target = self.path_for(relative)
            if target.exists() and file_sha256(target) == digest:
                os.unlink(tmp_name)
                return digest, relative, False, size
            existed = target.exists()
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(tmp_name, target)
            self._fsync_dir(target.parent)
            return digest, relative, not existed, size
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise

    def _atomic_write(self, target: Path, content: bytes) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        # The hash in the name tells a cleaner which blob's lock guards the file (PostgreSQL).
        fd, tmp_name = tempfile.mkstemp(prefix=f"{TMP_PREFIX}{target.name}-", dir=target.parent)
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

    def delete(self, relative: str) -> bool:
        """Remove a blob or temporary file (a rolled-back transaction's new files, or leftovers
        of a crash); True if a file was removed."""
        try:
            self.path_for(relative).unlink()
        except FileNotFoundError:
            return False
        return True

    def iter_temp_files(self) -> Iterator[str]:
        """Every temporary file of an unfinished write under the root, as relative paths."""
        if not self.root.exists():
            return
        for sub in sorted(self.root.iterdir()):
            if not sub.is_dir() or len(sub.name) != 2:
                continue
            for file in sorted(sub.iterdir()):
                if file.name.startswith(TMP_PREFIX):
                    yield f"{sub.name}/{file.name}"

    @staticmethod
    def temp_digest(relative: str) -> str | None:
        """The sha256 of the blob a temporary file was to become (None for an older name)."""
        name = relative.rsplit("/", 1)[-1].removeprefix(TMP_PREFIX)
        digest = name.split("-", 1)[0]
        if len(digest) == 64 and all(c in "0123456789abcdef" for c in digest):
            return digest
        return None

    def iter_relative_paths(self) -> Iterator[str]:
        """Every blob file under the root (temporary files excluded), as relative paths."""
        if not self.root.exists():
            return
        for sub in sorted(self.root.iterdir()):
            if not sub.is_dir() or len(sub.name) != 2:
                continue
            for file in sorted(sub.iterdir()):
                if file.is_file() and not file.name.startswith(TMP_PREFIX):
                    yield f"{sub.name}/{file.name}"
