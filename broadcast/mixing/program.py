"""Program assembly: parts in order -> one broadcast-ready mono WAV at the loudness target.

1. Assembly pass: every part is decoded/resampled and appended to a float32 scratch file next
   to the output; a music bed is mixed under speech parts; per-cell statistics (K-weighted
   energy, sample peak, 1/16 of the audio's size) are gathered on the way.
2. Levelling: each non-silent part is brought to the target loudness (so a quiet operator's
   file does not sit under loud speech); the global gain that makes the whole program land on
   target after the limiter is predicted from the cell statistics.
3. Output pass: gains, look-ahead true-peak limiter (ceiling a little under the limit),
   16-bit quantization, streamed into a temporary WAV; the written samples are measured
   (integrated loudness, true peak) on the way. If they miss (more than ``TOLERANCE_LU`` off,
   or over the true-peak limit) the pass is repeated with a correction. Then ``os.replace``.

Memory is O(block) plus the cell statistics; the audio is never held whole.

A worker thread decodes and resamples the next speech clips while another gathers the cell
statistics of the blocks already assembled; in the output pass, another measures the written
samples while the next block is limited (numpy, scipy, soxr and libsndfile release the GIL).
Each works in order, a bounded distance ahead or behind, so the results are those of a
sequential run.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import os
import tempfile
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

import numpy as np

from broadcast.errors import RenderError
from broadcast.mixing.audio_io import (
    WavWriter,
    iter_audio_blocks,
    quantize_pcm16,
    read_audio,
    wav_to_mp3,
)
from broadcast.mixing.bed import MusicBed, load_bed
from broadcast.mixing.cellstats import CellStats, LoudnessPredictor, range_loudness
from broadcast.mixing.jingles import resolve_jingle
from broadcast.mixing.limiter import TruePeakLimiter
from broadcast.mixing.loudness import LoudnessMeter
from broadcast.mixing.truepeak import TruePeakMeter

BLOCK = 1 << 19  # samples per block (10.9 s at 48 kHz)
TOLERANCE_LU = 0.1
LIMITER_MARGIN_DB = 0.2
MAX_OUTPUT_PASSES = 4
PART_GAIN_RANGE_DB = (-40.0, 24.0)
PREFETCH_CLIPS = 4  # speech clips decoded ahead (a few seconds of audio each)


@dataclass(frozen=True)
class JinglePart:
    name: str


@dataclass(frozen=True)
class SpeechPart:
    """Per-sentence audio files (WAV or MP3, any rate), joined with ``pause_seconds``."""

    clips: list[Path]
    pause_seconds: float = 0.35


@dataclass(frozen=True)
class AudioPart:
    path: Path


@dataclass(frozen=True)
class SilencePart:
    seconds: float


Part = JinglePart | SpeechPart | AudioPart | SilencePart


@dataclass
class RenderStats:
    duration_seconds: float
    integrated_lufs: float
    true_peak_dbtp: float
    segment_starts: list[tuple[str, float]]
    sample_rate: int = 48_000
    output_passes: int = 1
    limiter_max_reduction_db: float = 0.0
    part_loudness_lufs: list[float] = field(default_factory=list)


@dataclass
class _PlacedPart:
    label: str
    start: int
    stop: int = 0
    levelled: bool = True  # silence keeps gain 0 dB


def part_label(part: Part) -> str:
    if isinstance(part, JinglePart):
        return f"jingle:{part.name}"
    if isinstance(part, SpeechPart):
        return "speech"
    if isinstance(part, AudioPart):
        return f"audio:{Path(part.path).name}"
    return "silence"


class _Scratch:
    """The assembly's float32 scratch file, with the program statistics fed in order.

    Appends are gathered into blocks of about BLOCK samples before they are written and
    measured: per-call overhead would otherwise dominate for short sentence clips. A worker
    thread measures each written block (one at a time, in order) while the next is gathered.
    """

    def __init__(self, handle: BinaryIO, sample_rate: int) -> None:
        self.handle = handle
        self._stats = CellStats(sample_rate)
        self.length = 0  # samples appended (written or pending)
        self._written = 0
        self._pending: list[np.ndarray] = []
        self._pending_measure: list[bool] = []
        self._pending_samples = 0
        self._measurer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="mix-stats")
        self._measuring: Future[None] | None = None

    def measure(self, block: np.ndarray) -> None:
        """Feed ``block`` (not changed afterwards) to the program statistics, in order."""
        if self._measuring is not None:
            self._measuring.result()
        self._measuring = self._measurer.submit(self._stats.add, block)

    def statistics(self) -> tuple[np.ndarray, np.ndarray]:
        """(energies, peaks) per cell of everything measured."""
        self.flush()
        if self._measuring is not None:
            self._measuring.result()
            self._measuring = None
        return self._stats.finish()

    def close(self) -> None:
        self._measurer.shutdown(wait=True, cancel_futures=True)

    def append(self, block: np.ndarray, *, measure: bool = True) -> None:
        block = np.ascontiguousarray(block, dtype=np.float32)
        if self._pending_measure and self._pending_measure[-1] != measure:
            self.flush()
        self._pending.append(block)
        self._pending_measure.append(measure)
        self._pending_samples += block.shape[0]
        self.length += block.shape[0]
        if self._pending_samples >= BLOCK:
            self.flush()

    def append_silence(self, samples: int, *, measure: bool = True) -> None:
        while samples > 0:
            count = min(samples, BLOCK)
            self.append(np.zeros(count, dtype=np.float32), measure=measure)
            samples -= count

    def flush(self) -> None:
        if not self._pending:
            return
        block = np.concatenate(self._pending) if len(self._pending) > 1 else self._pending[0]
        measure = self._pending_measure[0]
        self._pending, self._pending_measure, self._pending_samples = [], [], 0
        self.handle.seek(self._written * 4)
        block.tofile(self.handle)
        self._written += block.shape[0]
        if measure:
            self.measure(block)

    def read(self, start: int, count: int) -> np.ndarray:
        self.flush()
        self.handle.seek(start * 4)
        return np.fromfile(self.handle, dtype=np.float32, count=count)

    def overwrite(self, start: int, block: np.ndarray) -> None:
        self.flush()
        self.handle.seek(start * 4)
        np.ascontiguousarray(block, dtype=np.float32).tofile(self.handle)


def _clip_samples(clips: Sequence[Path], sample_rate: int) -> Generator[np.ndarray, None, None]:
    """Decoded, resampled clips in order; the next few are decoded by a worker thread while
    the caller measures this one (decoding and resampling release the GIL)."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="clip-decode")
    ahead: deque[Future[np.ndarray]] = deque()
    queued = iter(clips)
    try:
        for clip in itertools.islice(queued, PREFETCH_CLIPS):
            ahead.append(pool.submit(read_audio, Path(clip), sample_rate))
        while ahead:
            samples = ahead.popleft().result()
            for clip in itertools.islice(queued, 1):
                ahead.append(pool.submit(read_audio, Path(clip), sample_rate))
            yield samples
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _assemble(
    parts: Sequence[Part],
    scratch: _Scratch,
    *,
    sample_rate: int,
    jingles_dir: Path,
    bed: MusicBed | None,
    duck_db: float,
) -> list[_PlacedPart]:
    placed: list[_PlacedPart] = []
    for part in parts:
        entry = _PlacedPart(part_label(part), scratch.length)
        if isinstance(part, JinglePart):
            scratch.append(resolve_jingle(part.name, jingles_dir, sample_rate))
        elif isinstance(part, SilencePart):
            if not math.isfinite(part.seconds) or part.seconds < 0:
                raise RenderError(
                    f"Khoảng lặng không hợp lệ: {part.seconds} giây.", code="invalid_part"
                )
            scratch.append_silence(int(round(part.seconds * sample_rate)))
            entry.levelled = False
        elif isinstance(part, AudioPart):
            for block in iter_audio_blocks(Path(part.path), sample_rate, BLOCK):
                scratch.append(block)
        elif isinstance(part, SpeechPart):
            _append_speech(part, scratch, sample_rate, bed, duck_db)
        else:
            raise RenderError(f"Loại đoạn không hợp lệ: {part!r}", code="invalid_part")
        entry.stop = scratch.length
        placed.append(entry)
    return placed


def _append_speech(
    part: SpeechPart, scratch: _Scratch, sample_rate: int, bed: MusicBed | None, duck_db: float
) -> None:
    pause = int(round(max(0.0, part.pause_seconds) * sample_rate))
    start = scratch.length
    speech_meter = LoudnessMeter(sample_rate) if bed is not None else None
    # (closed at once if this fails, so that the decoding thread stops)
    with contextlib.closing(_clip_samples(part.clips, sample_rate)) as decoded:
        _append_clips(decoded, scratch, pause, speech_meter)
    if bed is None or speech_meter is None:
        return
    # Second sweep over the part: add the bed, and only now feed the program statistics.
    length = scratch.length - start
    gain = bed.gain_under(speech_meter.integrated(), duck_db)
    for offset in range(0, length, BLOCK):
        count = min(BLOCK, length - offset)
        mixed = scratch.read(start + offset, count) + bed.segment(offset, count, length, gain)
        scratch.overwrite(start + offset, mixed)
        scratch.measure(mixed)


def _append_clips(
    clips: Iterator[np.ndarray], scratch: _Scratch, pause: int, speech_meter: LoudnessMeter | None
) -> None:
    for index, samples in enumerate(clips):
        if index and pause:
            scratch.append_silence(pause, measure=speech_meter is None)
            if speech_meter is not None:
                speech_meter.add(np.zeros(pause, dtype=np.float32))
        scratch.append(samples, measure=speech_meter is None)
        if speech_meter is not None:
            speech_meter.add(samples)


def _part_gains(
    placed: Sequence[_PlacedPart], energies: np.ndarray, sample_rate: int, target_lufs: float
) -> tuple[np.ndarray, list[float]]:
    sub_len = int(round(0.1 * sample_rate))
    gains, loudness = [], []
    low, high = PART_GAIN_RANGE_DB
    for entry in placed:
        lufs = range_loudness(energies, entry.start, entry.stop, sub_len)
        loudness.append(lufs)
        gain = min(high, max(low, target_lufs - lufs)) if entry.levelled and math.isfinite(
            lufs) else 0.0  # fmt: skip
        gains.append(gain)
    return np.array(gains), loudness


def _solve_global_gain(
    predictor: LoudnessPredictor, *, target_lufs: float, ceiling_dbtp: float
) -> float:
    """Global gain (dB) whose predicted, limited program loudness is the target (secant)."""
    g0 = target_lufs - predictor.unlimited(0.0)
    if not math.isfinite(g0):
        return 0.0
    f0 = predictor.limited(g0, ceiling_dbtp) - target_lufs  # <= 0: the limiter only cuts
    if abs(f0) <= TOLERANCE_LU / 2:
        return g0
    g1 = g0 - 2.0 * f0  # limited loudness typically gains 0.4-0.6 LU per dB
    f1 = predictor.limited(g1, ceiling_dbtp) - target_lufs
    for _ in range(3):
        if abs(f1) <= TOLERANCE_LU / 2 or f1 == f0:
            break
        g0, f0, g1 = g1, f1, min(g1 + 12.0, g1 - f1 * (g1 - g0) / (f1 - f0))
        f1 = predictor.limited(g1, ceiling_dbtp) - target_lufs
    return g1


@dataclass
class _PassResult:
    lufs: float
    peak_dbtp: float
    frames: int
    limiter_max_db: float


def _output_pass(
    scratch: _Scratch,
    placed: Sequence[_PlacedPart],
    gains_db: np.ndarray,
    out_tmp: Path,
    *,
    sample_rate: int,
    ceiling_dbtp: float,
) -> _PassResult:
    limiter = TruePeakLimiter(sample_rate, ceiling_dbtp)
    meter = LoudnessMeter(sample_rate)
    peak = TruePeakMeter()
    linear = [float(10.0 ** (g / 20.0)) for g in gains_db]
    measuring: Future[None] | None = None

    def measure(written: np.ndarray) -> None:
        meter.add(written)
        peak.add(written)

    # The written samples are measured by a worker thread (in order, one block at a time)
    # while the next block is limited.
    with (
        WavWriter(out_tmp, sample_rate) as writer,
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="mix-measure") as measurer,
    ):

        def emit(samples: np.ndarray) -> None:
            nonlocal measuring
            if samples.shape[0] == 0:
                return
            writer.write(quantize_pcm16(samples))  # ``samples`` now holds what was written
            if measuring is not None:
                measuring.result()
            measuring = measurer.submit(measure, samples)

        for start in range(0, scratch.length, BLOCK):
            count = min(BLOCK, scratch.length - start)
            block = scratch.read(start, count)
            for entry, gain in zip(placed, linear, strict=True):
                lo, hi = max(entry.start, start), min(entry.stop, start + count)
                if lo < hi and gain != 1.0:
                    block[lo - start : hi - start] *= np.float32(gain)
            emit(limiter.process(block))
        emit(limiter.flush())
        if measuring is not None:
            measuring.result()
        frames = writer.frames
    return _PassResult(meter.integrated(), peak.dbtp(), frames, limiter.max_reduction_db)


def render_program(
    parts: Sequence[Part],
    out_wav: Path,
    *,
    sample_rate: int = 48_000,
    target_lufs: float = -16.0,
    true_peak_max: float = -1.0,
    jingles_dir: Path,
    bed: Path | None = None,
    duck_db: float = 18.0,
) -> RenderStats:
    """Assemble ``parts`` into ``out_wav`` (mono 16-bit WAV), at ``target_lufs`` integrated
    and at most ``true_peak_max`` dBTP; the file is replaced only when the render succeeds.
    """
    if not parts:
        raise RenderError("Chương trình không có đoạn nào để phát.", code="program_empty")
    out_wav = Path(out_wav)
    out_wav.parent.mkdir(parents=True, exist_ok=True)
    music = load_bed(Path(bed), sample_rate) if bed is not None else None
    fd, scratch_name = tempfile.mkstemp(prefix=f".{out_wav.name}.", suffix=".f32",
                                        dir=out_wav.parent)  # fmt: skip
    fd_out, out_tmp_name = tempfile.mkstemp(prefix=f".{out_wav.name}.", suffix=".wav",
                                            dir=out_wav.parent)  # fmt: skip
    os.close(fd_out)
    out_tmp = Path(out_tmp_name)
    try:
        with os.fdopen(fd, "w+b") as handle:
            scratch = _Scratch(handle, sample_rate)
            with contextlib.closing(scratch):
                placed = _assemble(parts, scratch, sample_rate=sample_rate,
                                   jingles_dir=Path(jingles_dir), bed=music,
                                   duck_db=duck_db)  # fmt: skip
                energies, peaks = scratch.statistics()
            if scratch.length == 0:
                raise RenderError("Chương trình không có âm thanh nào.", code="program_empty")
            part_gains, part_loudness = _part_gains(placed, energies, sample_rate, target_lufs)
            if not any(math.isfinite(v) for v in part_loudness):
                raise RenderError("Chương trình chỉ có khoảng lặng.", code="program_silent")
            boundaries = np.array([entry.start for entry in placed], dtype=np.int64)
            ceiling = true_peak_max - LIMITER_MARGIN_DB
            predictor = LoudnessPredictor(energies, peaks, boundaries, part_gains, sample_rate)
            del energies, peaks
            global_gain = _solve_global_gain(predictor, target_lufs=target_lufs,
                                             ceiling_dbtp=ceiling)  # fmt: skip
            del predictor
            result = _PassResult(-math.inf, math.inf, 0, 0.0)
            passes = 0
            while passes < MAX_OUTPUT_PASSES:
                passes += 1
                result = _output_pass(scratch, placed, part_gains + global_gain, out_tmp,
                                      sample_rate=sample_rate, ceiling_dbtp=ceiling)  # fmt: skip
                on_target = abs(result.lufs - target_lufs) <= TOLERANCE_LU
                if on_target and result.peak_dbtp <= true_peak_max:
                    break
                global_gain += target_lufs - result.lufs
                if result.peak_dbtp > true_peak_max:
                    ceiling -= result.peak_dbtp - true_peak_max + 0.05
        if result.peak_dbtp > true_peak_max or abs(result.lufs - target_lufs) > 0.5:
            raise RenderError(
                f"Không đưa được chương trình về mức âm lượng chuẩn ({result.lufs:.1f} LUFS, "
                f"đỉnh {result.peak_dbtp:.1f} dBTP).",
                code="loudness_not_met",
            )
        os.replace(out_tmp, out_wav)
    except OSError as exc:
        raise RenderError(
            f"Lỗi ghi tệp khi dựng chương trình: {exc.strerror or exc}", code="render_io_failed"
        ) from exc
    finally:
        for leftover in (scratch_name, out_tmp_name):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(leftover)
    return RenderStats(
        duration_seconds=result.frames / sample_rate,
        integrated_lufs=result.lufs,
        true_peak_dbtp=result.peak_dbtp,
        segment_starts=[(entry.label, entry.start / sample_rate) for entry in placed],
        sample_rate=sample_rate,
        output_passes=passes,
        limiter_max_reduction_db=result.limiter_max_db,
        part_loudness_lufs=part_loudness,
    )


def render_preview_mp3(wav: Path, mp3: Path) -> None:
    """Encode the preview MP3 of a rendered program (replaced atomically)."""
    wav_to_mp3(Path(wav), Path(mp3))
