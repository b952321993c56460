"""The sentence cache: keys, atomic writes, last-use tracking, stats and pruning."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from broadcast.errors import TTSError
from broadcast.tts.cache import SentenceCache, cache_key
from broadcast.tts.engine import SynthesizedAudio

REPO = Path(__file__).resolve().parents[2]
WAV = SynthesizedAudio(b"RIFF" + b"\x01" * 100, "wav")


def age(path: Path, days: float) -> None:
    stamp = datetime.now(UTC).timestamp() - days * 86400
    os.utime(path, (stamp, stamp))


def test_key_covers_engine_identity_and_sentence():
    base = cache_key("espeak", "rate=150", "Xin chào bà con.")
    assert base != cache_key("gtts", "rate=150", "Xin chào bà con.")
    assert base != cache_key("espeak", "rate=160", "Xin chào bà con.")
    assert base != cache_key("espeak", "rate=150", "Xin chào cả nhà.")
    assert len(base) == 64


def test_key_ignores_invisible_differences():
    nfc = "Thông báo của Ủy ban nhân dân xã."
    nfd = unicodedata.normalize("NFD", nfc)
    assert nfd != nfc
    assert cache_key("espeak", "v", nfd) == cache_key("espeak", "v", nfc)
    assert cache_key("espeak", "v", "  Thông báo  của\tỦy ban nhân dân xã.") == cache_key(
        "espeak", "v", nfc
    )


def test_put_then_get(tmp_path: Path):
    cache = SentenceCache(tmp_path)
    key = cache.key("espeak", "v", "Câu một.")
    assert cache.get(key) is None

    path = cache.put(key, WAV)

    assert path == tmp_path / "sentences" / key[:2] / f"{key}.wav"
    assert cache.get(key) == path
    assert path.read_bytes() == WAV.data
    assert [p.name for p in path.parent.iterdir()] == [path.name]  # no temp left behind


def test_get_refreshes_last_use(tmp_path: Path):
    cache = SentenceCache(tmp_path)
    key = cache.key("espeak", "v", "Câu một.")
    path = cache.put(key, WAV)
    age(path, 40)

    cache.get(key)

    assert datetime.now(UTC).timestamp() - path.stat().st_mtime < 60


def test_bad_key_is_rejected(tmp_path: Path):
    with pytest.raises(TTSError):
        SentenceCache(tmp_path).get("../../etc/passwd")


def test_crash_mid_write_leaves_nothing_that_is_served(tmp_path: Path):
    cache = SentenceCache(tmp_path)
    key = cache.key("espeak", "v", "Câu bị ngắt giữa chừng.")
    # A real crash: the writer process dies (os._exit) before the rename.
    crash = (
        "import os, sys\n"
        "from pathlib import Path\n"
        "from broadcast.tts.cache import SentenceCache\n"
        "from broadcast.tts.engine import SynthesizedAudio\n"
        "os.fsync = lambda fd: os._exit(9)\n"
        "audio = SynthesizedAudio(b'RIFF' * 500, 'wav')\n"
        "SentenceCache(Path(sys.argv[1])).put(sys.argv[2], audio)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", crash, str(tmp_path), key], cwd=REPO, capture_output=True
    )
    assert proc.returncode == 9, proc.stderr.decode()
    leftovers = list((tmp_path / "sentences" / key[:2]).iterdir())
    assert len(leftovers) == 1 and leftovers[0].name.endswith(".tmp")

    assert cache.get(key) is None
    now = datetime.now(UTC)
    assert cache.stats(now).files == 0 and cache.stats(now).temp_files == 1

    # A fresh temp file may be a write in progress elsewhere: kept for a grace period.
    assert cache.prune(timedelta(days=30), now).removed_temp_files == 0
    result = cache.prune(timedelta(days=30), now + timedelta(hours=1))
    assert result.removed_temp_files == 1
    assert list((tmp_path / "sentences" / key[:2]).iterdir()) == []

    # The next write of the same sentence succeeds normally.
    assert cache.put(key, WAV) == cache.get(key)


def test_failed_write_cleans_its_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    cache = SentenceCache(tmp_path)
    key = cache.key("espeak", "v", "Đĩa đầy.")

    def disk_full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(TTSError) as info:
        cache.put(key, WAV)
    assert info.value.code == "cache_write_failed"
    assert list((tmp_path / "sentences" / key[:2]).iterdir()) == []


def test_prune_by_last_use(tmp_path: Path):
    cache = SentenceCache(tmp_path)
    old_key, fresh_key, used_key = (cache.key("espeak", "v", s) for s in ("cũ", "mới", "dùng"))
    old = cache.put(old_key, WAV)
    cache.put(fresh_key, SynthesizedAudio(b"ID3" + b"\x00" * 50, "mp3"))
    used = cache.put(used_key, WAV)
    age(old, 45)
    age(used, 45)
    cache.get(used_key)  # used today: survives
    (tmp_path / "programs").mkdir()
    other = tmp_path / "programs" / "render.wav"
    other.write_bytes(b"x")
    age(other, 400)

    result = cache.prune(timedelta(days=30), datetime.now(UTC))

    assert result.removed_files == 1
    assert result.removed_bytes == len(WAV.data)
    assert result.kept_files == 2
    assert not old.exists() and cache.get(old_key) is None
    assert cache.get(fresh_key) is not None and cache.get(used_key) == used
    assert other.exists()  # other folders of the cache root are not ours


def test_stats(tmp_path: Path):
    cache = SentenceCache(tmp_path)
    now = datetime.now(UTC)
    assert cache.stats(now).files == 0 and cache.stats(now).oldest is None
    a = cache.put(cache.key("espeak", "v", "a"), WAV)
    cache.put(cache.key("gtts", "v", "b"), SynthesizedAudio(b"ID3" + b"\x00" * 10, "mp3"))
    age(a, 10)

    stats = cache.stats(now)

    assert stats.files == 2
    assert stats.bytes == len(WAV.data) + 13
    assert stats.oldest is not None and stats.newest is not None
    assert (now - stats.oldest) == pytest.approx(timedelta(days=10), abs=timedelta(minutes=1))
    assert now - stats.newest < timedelta(minutes=1)
    assert stats.oldest.tzinfo == UTC
