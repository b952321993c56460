"""Audio file input and output: the only module that touches pydub, ffmpeg and soundfile.

Everything the mixer handles is mono float32 at the program's sample rate, full scale 1.0.

- Decoding: libsndfile (soundfile) first, in process, for WAV/FLAC/OGG and MP3 (libsndfile
  >= 1.1 decodes MPEG audio); anything it cannot read goes through pydub (ffmpeg).
- Resampling: soxr (high quality), per file.
- Long files (``iter_audio_blocks``) are streamed: soundfile blocks when no resampling is
  needed, otherwise an ffmpeg pipe that downmixes and resamples, so memory stays bounded.
- Playout format: WAV, 16-bit PCM, mono (``write_wav`` / ``WavWriter``), 48 kHz by default.
  16-bit is what every sound card and player takes; its noise floor (-98 dBFS) is far below
  a loudspeaker network's. Samples are quantized by the caller (``to_pcm16``) so that what is
  measured is exactly what is written; there is no dither, so digital silence stays zero.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from types import TracebackType

import numpy as np
import soundfile as sf
import soxr

from broadcast.errors import RenderError

PCM16_SCALE = 32768.0
_PCM16_MAX = 32767.0 / 32768.0


def _unreadable(path: Path, why: str) -> RenderError:
    return RenderError(
        f"Không đọc được tệp âm thanh “{path.name}”: {why}", code="audio_unreadable"
    )


def _to_mono(data: np.ndarray) -> np.ndarray:
    if data.ndim == 2:
        data = data.mean(axis=1, dtype=np.float32) if data.shape[1] > 1 else data[:, 0]
    return np.ascontiguousarray(data, dtype=np.float32)


def resample(samples: np.ndarray, from_rate: int, to_rate: int) -> np.ndarray:
    """Resample mono float32 audio with soxr (high quality); a no-op when the rates are
    equal."""
    if from_rate == to_rate or samples.size == 0:
        return samples.astype(np.float32, copy=False)
    return np.asarray(soxr.resample(samples, from_rate, to_rate, quality="HQ"),
                      dtype=np.float32)  # fmt: skip


def _read_with_soundfile(path: Path, max_seconds: float | None) -> tuple[np.ndarray, int] | None:
    try:
        with sf.SoundFile(str(path)) as f:
            frames = f.frames
            if max_seconds is not None:
                frames = min(frames, int(max_seconds * f.samplerate))
            data = f.read(frames=frames, dtype="float32", always_2d=True)
            return _to_mono(data), int(f.samplerate)
    except (sf.LibsndfileError, RuntimeError, TypeError, ValueError):
        return None


def _read_with_pydub(path: Path, max_seconds: float | None) -> tuple[np.ndarray, int]:
    from pydub import AudioSegment
    from pydub.exceptions import CouldntDecodeError

    try:
        segment = AudioSegment.from_file(str(path), duration=max_seconds)
    except (CouldntDecodeError, OSError, IndexError, ValueError) as exc:
        raise _unreadable(path, "định dạng không được hỗ trợ hoặc tệp bị hỏng") from exc
    width = segment.sample_width
    raw = np.frombuffer(segment.raw_data, dtype={1: np.uint8, 2: np.int16, 4: np.int32}[width])
    if width == 1:
        data = (raw.astype(np.float32) - 128.0) / 128.0
    else:
        data = raw.astype(np.float32) / float(2 ** (8 * width - 1))
    data = data.reshape(-1, segment.channels)
    return _to_mono(data), int(segment.frame_rate)


def read_audio(path: Path, sample_rate: int, *, max_seconds: float | None = None) -> np.ndarray:
    """Decode a whole (short) audio file to mono float32 at ``sample_rate``.

    ``max_seconds`` reads only the beginning of the file (used for music beds).
    Raises ``RenderError(code="audio_unreadable")``.
    """
    path = Path(path)
    if not path.is_file():
        raise _unreadable(path, "tệp không tồn tại")
    decoded = _read_with_soundfile(path, max_seconds)
    if decoded is None:
        data, rate = _read_with_pydub(path, max_seconds)
    else:
        data, rate = decoded
    if max_seconds is not None:
        data = data[: int(max_seconds * rate)]
    if not np.all(np.isfinite(data[:: max(1, data.size // 1000)])):
        raise _unreadable(path, "dữ liệu âm thanh không hợp lệ")
    return resample(data, rate, sample_rate)


def decode_with_ffmpeg(path: Path, sample_rate: int) -> np.ndarray:
    """Decode through pydub/ffmpeg only (the fallback path), for tests and odd formats."""
    path = Path(path)
    if not path.is_file():
        raise _unreadable(path, "tệp không tồn tại")
    data, rate = _read_with_pydub(path, None)
    return resample(data, rate, sample_rate)


def _ffmpeg_binary() -> str:
    from pydub import AudioSegment

    return str(AudioSegment.converter)


def iter_audio_blocks(path: Path, sample_rate: int, block_frames: int) -> Iterator[np.ndarray]:
    """Stream a (possibly long) audio file as mono float32 blocks at ``sample_rate``."""
    path = Path(path)
    if not path.is_file():
        raise _unreadable(path, "tệp không tồn tại")
    try:
        info = sf.info(str(path))
    except (sf.LibsndfileError, RuntimeError):
        info = None
    if info is not None and int(info.samplerate) == sample_rate:
        try:
            with sf.SoundFile(str(path)) as f:
                while True:
                    block = f.read(frames=block_frames, dtype="float32", always_2d=True)
                    if block.shape[0] == 0:
                        return
                    yield _to_mono(block)
        except sf.LibsndfileError as exc:
            raise _unreadable(path, "tệp bị hỏng") from exc
        return
    yield from _iter_ffmpeg_blocks(path, sample_rate, block_frames)


def _iter_ffmpeg_blocks(path: Path, sample_rate: int, block_frames: int) -> Iterator[np.ndarray]:
    command = [
        _ffmpeg_binary(), "-nostdin", "-v", "error", "-i", str(path),
        "-vn", "-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "-",
    ]  # fmt: skip
    try:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    except OSError as exc:
        raise RenderError(
            "Không chạy được ffmpeg để giải mã âm thanh; hãy cài gói ffmpeg.",
            code="ffmpeg_missing",
        ) from exc
    assert proc.stdout is not None and proc.stderr is not None
    produced = 0
    try:
        leftover = b""
        while True:
            chunk = proc.stdout.read(block_frames * 4)
            if not chunk:
                break
            chunk = leftover + chunk
            usable = len(chunk) - len(chunk) % 4
            leftover = chunk[usable:]
            if usable:
                produced += usable // 4
                yield np.frombuffer(chunk[:usable], dtype=np.float32).copy()
    finally:
        proc.stdout.close()
        err = proc.stderr.read().decode("utf-8", "replace").strip()
        proc.stderr.close()
        code = proc.wait()
    if code != 0 or produced == 0:
        raise _unreadable(path, err.splitlines()[-1] if err else "ffmpeg không giải mã được")


def probe_duration(path: Path) -> float:
    """Duration of an audio file in seconds."""
    path = Path(path)
    if not path.is_file():
        raise _unreadable(path, "tệp không tồn tại")
    try:
        return float(sf.info(str(path)).duration)
    except (sf.LibsndfileError, RuntimeError):
        pass
    from pydub.utils import mediainfo

    try:
        return float(mediainfo(str(path))["duration"])
    except (KeyError, ValueError, OSError) as exc:
        raise _unreadable(path, "không xác định được độ dài") from exc


def to_pcm16(block: np.ndarray) -> np.ndarray:
    """Quantize float samples (full scale 1.0) to int16, rounding, clipping at full scale."""
    scaled = np.clip(block, -1.0, _PCM16_MAX) * PCM16_SCALE
    return np.rint(scaled).astype(np.int16)


def quantize_pcm16(block: np.ndarray) -> np.ndarray:
    """``to_pcm16`` done in place on a float32 block: returns the int16 samples, and leaves
    in ``block`` exactly the float values they decode to (what a reader of the file gets)."""
    np.clip(block, -1.0, _PCM16_MAX, out=block)
    block *= np.float32(PCM16_SCALE)
    np.rint(block, out=block)
    pcm = block.astype(np.int16)
    block *= np.float32(1.0 / PCM16_SCALE)
    return pcm


class WavWriter:
    """Streaming mono WAV writer (16-bit PCM by default, or ``subtype="FLOAT"``)."""

    def __init__(self, path: Path, sample_rate: int, *, subtype: str = "PCM_16") -> None:
        self.path = Path(path)
        self.frames = 0
        self._file = sf.SoundFile(
            str(self.path), mode="w", samplerate=sample_rate, channels=1,
            subtype=subtype, format="WAV",
        )  # fmt: skip

    def write(self, block: np.ndarray) -> None:
        self._file.write(block)
        self.frames += int(block.shape[0])

    def close(self) -> None:
        self._file.close()

    def __enter__(self) -> WavWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def write_wav(
    path: Path, blocks: Iterable[np.ndarray], sample_rate: int, *, subtype: str = "PCM_16"
) -> int:
    """Write mono blocks (float32 full scale 1.0, or int16) to a WAV file; returns frames."""
    with WavWriter(path, sample_rate, subtype=subtype) as writer:
        for block in blocks:
            writer.write(to_pcm16(block) if subtype == "PCM_16" and block.dtype != np.int16
                         else block)
        return writer.frames


def wav_to_mp3(wav: Path, mp3: Path, *, bitrate: str = "96k") -> None:
    """Encode a preview MP3 with ffmpeg (streaming), replacing ``mp3`` atomically."""
    wav, mp3 = Path(wav), Path(mp3)
    if not wav.is_file():
        raise _unreadable(wav, "tệp không tồn tại")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{mp3.name}.", suffix=".tmp", dir=mp3.parent)
    os.close(fd)
    command = [
        _ffmpeg_binary(), "-nostdin", "-v", "error", "-y", "-i", str(wav),
        "-codec:a", "libmp3lame", "-b:a", bitrate, "-f", "mp3", tmp_name,
    ]  # fmt: skip
    try:
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise RenderError(
                "Không tạo được tệp MP3 nghe thử: " + (result.stderr.strip() or "lỗi ffmpeg"),
                code="mp3_encode_failed",
            )
        os.replace(tmp_name, mp3)
    except OSError as exc:
        raise RenderError(
            "Không chạy được ffmpeg để tạo MP3; hãy cài gói ffmpeg.", code="ffmpeg_missing"
        ) from exc
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp_name)
