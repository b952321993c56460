"""The per-sentence audio cache: content-addressed files under ``<root>/sentences/``.

Layout: ``<root>/sentences/<first two hex digits>/<sha256 key>.<wav|mp3>``. The key covers
the engine name, the engine identity (voice and parameters) and the sentence, so a changed
sentence or voice is a new file and an unchanged one is found again.

Writes are atomic: bytes go to a hidden temp file in the same folder, are fsync'ed, then
renamed over the final name (``os.replace``). A crash leaves at most a ``.tmp`` file, which
:meth:`SentenceCache.get` never returns and :meth:`SentenceCache.prune` deletes.

Scope: ``stats`` and ``prune`` cover the ``sentences/`` folder only. The cache root may hold
other folders (rendered programs, owned by the render layer); they are left alone here.
A hit refreshes the file's mtime, so "older than" in ``prune`` means "not used for".
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from broadcast.errors import TTSError
from broadcast.tts.engine import SynthesizedAudio

SENTENCES_DIR = "sentences"
_EXTENSIONS = ("wav", "mp3")
_TEMP_SUFFIX = ".tmp"
# A temp file younger than this may belong to a write in progress (another process).
TEMP_GRACE = timedelta(minutes=10)
_KEY = re.compile(r"^[0-9a-f]{64}$")
_SPACES = re.compile(r"\s+")


def cache_key(engine_name: str, identity: str, sentence: str) -> str:
    """The content address of one sentence spoken by one voice (hex sha256).

    The sentence is keyed in NFC with collapsed whitespace, so invisible differences
    (decomposed diacritics, double spaces) do not cause a re-synthesis.
    """
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", sentence)).strip()
    payload = json.dumps([1, engine_name, identity, text], ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class CacheStats:
    """What ``sentences/`` holds. Times are last-use times (mtime) in ``now``'s zone."""

    files: int
    bytes: int
    oldest: datetime | None
    newest: datetime | None
    temp_files: int
    temp_bytes: int


@dataclass(frozen=True)
class PruneResult:
    removed_files: int
    removed_bytes: int
    removed_temp_files: int
    kept_files: int


class SentenceCache:
    """Sentence audio stored by content key under ``root/sentences``. Thread-safe."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.sentences_dir = self.root / SENTENCES_DIR

    def key(self, engine_name: str, identity: str, sentence: str) -> str:
        return cache_key(engine_name, identity, sentence)

    def _dir_for(self, key: str) -> Path:
        if not _KEY.match(key):
            raise TTSError(f"Khoá bộ nhớ đệm không hợp lệ: {key!r}", code="bad_cache_key")
        return self.sentences_dir / key[:2]

    def get(self, key: str) -> Path | None:
        """The cached file for ``key``, or None. A hit refreshes its mtime (last use)."""
        folder = self._dir_for(key)
        for ext in _EXTENSIONS:
            path = folder / f"{key}.{ext}"
            try:
                if path.stat().st_size == 0:
                    continue
            except FileNotFoundError:
                continue
            with contextlib.suppress(OSError):  # a read-only cache still serves
                os.utime(path)
            return path
        return None

    def put(self, key: str, audio: SynthesizedAudio) -> Path:
        """Store ``audio`` under ``key`` atomically and return the final path."""
        folder = self._dir_for(key)
        final = folder / f"{key}.{audio.format}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{key}.", suffix=_TEMP_SUFFIX)
        except OSError as exc:
            raise TTSError(
                f"Không ghi được bộ nhớ đệm âm thanh vào {folder}: {exc.strerror or exc}",
                code="cache_write_failed",
            ) from exc
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(audio.data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, final)
        except OSError as exc:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise TTSError(
                f"Không ghi được bộ nhớ đệm âm thanh vào {folder}: {exc.strerror or exc}",
                code="cache_write_failed",
            ) from exc
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)
            raise
        self._fsync_dir(folder)
        return final

    @staticmethod
    def _fsync_dir(folder: Path) -> None:
        # Makes the rename itself durable; not every filesystem supports it.
        with contextlib.suppress(OSError):
            fd = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def _entries(self) -> Iterator[tuple[Path, os.stat_result, bool]]:
        """Every file under ``sentences/``: (path, stat, is_temp)."""
        if not self.sentences_dir.is_dir():
            return
        for folder in self.sentences_dir.iterdir():
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                try:
                    st = path.stat()
                except FileNotFoundError:
                    continue
                if not path.is_file():
                    continue
                yield path, st, path.name.endswith(_TEMP_SUFFIX)

    def stats(self, now: datetime) -> CacheStats:
        files = size = temp_files = temp_size = 0
        oldest: float | None = None
        newest: float | None = None
        for _path, st, is_temp in self._entries():
            if is_temp:
                temp_files += 1
                temp_size += st.st_size
                continue
            files += 1
            size += st.st_size
            oldest = st.st_mtime if oldest is None else min(oldest, st.st_mtime)
            newest = st.st_mtime if newest is None else max(newest, st.st_mtime)

        def as_dt(ts: float | None) -> datetime | None:
            return None if ts is None else datetime.fromtimestamp(ts, tz=now.tzinfo)

        return CacheStats(files, size, as_dt(oldest), as_dt(newest), temp_files, temp_size)

    def prune(self, older_than: timedelta, now: datetime) -> PruneResult:
        """Delete sentences not used for ``older_than``, and temp files left by crashes.

        Temp files are removed once older than ``min(older_than, TEMP_GRACE)``, so a write
        in progress in another process is not pulled from under it.
        """
        cutoff = (now - older_than).timestamp()
        temp_cutoff = (now - min(older_than, TEMP_GRACE)).timestamp()
        removed = removed_bytes = removed_temp = kept = 0
        for path, st, is_temp in list(self._entries()):
            limit = temp_cutoff if is_temp else cutoff
            if st.st_mtime >= limit:
                kept += 0 if is_temp else 1
                continue
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                raise TTSError(
                    f"Không xoá được tệp {path}: {exc.strerror or exc}", code="cache_prune_failed"
                ) from exc
            if is_temp:
                removed_temp += 1
            else:
                removed += 1
                removed_bytes += st.st_size
        return PruneResult(removed, removed_bytes, removed_temp, kept)
