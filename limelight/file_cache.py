"""A bounded folder of downloaded files, so a worker fetches each stored file once.

Files in object storage are read by a local path (joblib, numpy and the table
readers want one), so a worker downloads them here. An entry is named by the
stored name *and its version* (an ETag, or size and modification time): a file
re-written under the same name is a new entry, never a stale copy. The folder is
kept under ``max_bytes`` by removing the least recently used entries (each use
touches the entry's modification time). Imports no Django.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

_PARTIAL = ".partial"


class FileCache:
    def __init__(self, root: str | os.PathLike, max_bytes: int) -> None:
        self.root = Path(root)
        self.max_bytes = max_bytes

    def path_for(self, name: str, version: str) -> Path:
        """Where ``name`` at ``version`` is kept; the suffix stays so readers that look at it still can."""
        digest = hashlib.sha256(f"{name}\0{version}".encode()).hexdigest()
        return self.root / f"{digest}{Path(name).suffix}"

    def get(self, name: str, version: str, fetch: Callable[[BinaryIO], None]) -> Path:
        """The local copy of ``name`` at ``version``; ``fetch(file)`` writes it there the first time."""
        path = self.path_for(name, version)
        try:
            os.utime(path)  # a use: most recent now
            return path
        except FileNotFoundError:
            pass
        self.root.mkdir(parents=True, exist_ok=True)
        handle, partial = tempfile.mkstemp(dir=self.root, suffix=_PARTIAL)
        try:
            with os.fdopen(handle, "wb") as file:
                fetch(file)
            os.replace(partial, path)  # atomic: another process never reads half a download
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        self.evict(keep=path)
        return path

    def evict(self, keep: Path | None = None) -> None:
        """Remove least recently used entries until the folder holds at most ``max_bytes``.

        ``keep`` (the entry just fetched) stays even when it alone is larger: its caller reads it now.
        """
        entries = []
        for entry in self.root.iterdir():
            if entry.name.endswith(_PARTIAL):
                continue  # another process is still downloading it
            try:
                stat = entry.stat()
            except FileNotFoundError:  # evicted by another process meanwhile
                continue
            entries.append((stat.st_mtime_ns, stat.st_size, entry))
        total = sum(size for _, size, _ in entries)
        for _, size, entry in sorted(entries, key=lambda item: item[0]):
            if total <= self.max_bytes:
                break
            if entry == keep:
                continue
            entry.unlink(missing_ok=True)
            total -= size

    def size(self) -> int:
        return sum(entry.stat().st_size for entry in self.root.iterdir()) if self.root.exists() else 0
