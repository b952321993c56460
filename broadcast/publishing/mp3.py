"""The ffmpeg adapter of publishing: the aired WAV to a podcast MP3 (mono, constant bit rate,
ID3 tags), and the MP3's duration as ffprobe reads it.

ffmpeg and ffprobe run as child processes at a lower CPU priority (``nice``): a publication
must never compete with the audio on air.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from broadcast.errors import PublishError

SAMPLE_RATE = 44_100  # what podcast apps expect
ENCODE_TIMEOUT_SECONDS = 900.0


@dataclass(frozen=True)
class Mp3File:
    path: Path
    size_bytes: int
    duration_seconds: float


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise PublishError(
            f"Không tìm thấy chương trình {name}; hãy cài gói ffmpeg.", code="ffmpeg_missing"
        )
    return found


def _niced(command: list[str]) -> list[str]:
    nice = shutil.which("nice")
    return [nice, "-n", "10", *command] if nice else command


def encode_mp3(
    wav: Path,
    out: Path,
    *,
    bitrate_kbps: int = 64,
    tags: Mapping[str, str] | None = None,
) -> Mp3File:
    """Encode ``wav`` to ``out`` (replaced atomically): mono, ``bitrate_kbps`` constant bit
    rate, 44.1 kHz, ID3v2.3 tags (``title``, ``artist``, ``album``, ``date``, ... as ffmpeg
    names them) and an ID3v1 tag for old players."""
    wav, out = Path(wav), Path(out)
    if not wav.is_file():
        raise PublishError(
            f"Không còn tệp âm thanh đã phát “{wav.name}” để xuất bản.", code="render_missing"
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    metadata: list[str] = []
    for key, value in (tags or {}).items():
        metadata += ["-metadata", f"{key}={value}"]
    fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".tmp", dir=out.parent)
    os.close(fd)
    command = [
        _tool("ffmpeg"), "-nostdin", "-v", "error", "-y", "-i", str(wav),
        "-map_metadata", "-1", "-vn", "-ac", "1", "-ar", str(SAMPLE_RATE),
        "-codec:a", "libmp3lame", "-b:a", f"{bitrate_kbps}k",
        "-id3v2_version", "3", "-write_id3v1", "1", *metadata, "-f", "mp3", tmp_name,
    ]  # fmt: skip
    try:
        try:
            done = subprocess.run(
                _niced(command), capture_output=True, text=True, check=False,
                timeout=ENCODE_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired as exc:
            raise PublishError(
                "Tạo tệp MP3 quá lâu nên đã dừng.", code="mp3_encode_failed"
            ) from exc
        except OSError as exc:
            raise PublishError(
                f"Không chạy được ffmpeg: {exc.strerror}", code="ffmpeg_missing"
            ) from exc
        if done.returncode != 0:
            reason = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "lỗi ffmpeg"
            raise PublishError(f"Không tạo được tệp MP3: {reason}", code="mp3_encode_failed")
        duration = probe_duration(Path(tmp_name))
        os.replace(tmp_name, out)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
    return Mp3File(out, out.stat().st_size, duration)


def probe_duration(path: Path) -> float:
    """The duration of an audio file in seconds, as ffprobe reads it."""
    command = [
        _tool("ffprobe"), "-v", "error", "-show_entries", "format=duration",
        "-of", "default=noprint_wrappers=1:nokey=1", str(path),
    ]  # fmt: skip
    try:
        done = subprocess.run(
            _niced(command), capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PublishError(
            f"Không đọc được độ dài tệp {path.name}.", code="mp3_probe_failed"
        ) from exc
    try:
        return float(done.stdout.strip())
    except ValueError as exc:
        raise PublishError(
            f"Không đọc được độ dài tệp {path.name}: {done.stderr.strip() or done.stdout.strip()}",
            code="mp3_probe_failed",
        ) from exc
