"""The audio files a station offers its clusters, by sha256 of their bytes."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

CHUNK = 1 << 20


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class AudioIndex:
    """sha256 of program files, computed once per file version (path, size, mtime), and the
    way back from a sha256 to the file (for ``/api/agent/audio/{sha256}``)."""

    def __init__(self) -> None:
        self._by_path: dict[Path, tuple[int, int, str]] = {}
        self._by_sha: dict[str, Path] = {}
        self._lock = threading.Lock()

    def add(self, path: Path) -> tuple[str, int]:
        """(sha256, size) of ``path``."""
        st = path.stat()
        with self._lock:
            known = self._by_path.get(path)
            if known is not None and known[:2] == (st.st_size, st.st_mtime_ns):
                return known[2], st.st_size
        sha = file_sha256(path)
        with self._lock:
            self._by_path[path] = (st.st_size, st.st_mtime_ns, sha)
            self._by_sha[sha] = path
        return sha, st.st_size

    def path_of(self, sha256: str) -> Path | None:
        with self._lock:
            path = self._by_sha.get(sha256)
        return path if path is not None and path.is_file() else None
