"""Streaming ITU-R BS.1770-4 integrated loudness (mono), memory O(block).

K-weighting is one 4th-order IIR filter (the pre-filter shelf and the RLB high-pass,
coefficients for any sample rate by the usual bilinear derivation that reproduces the
standard's 48 kHz table) run with ``lfilter`` (``iir``) carrying its state across blocks.
Squared K-weighted samples are summed per 100 ms sub-block on a grid anchored at sample 0;
a 400 ms gating block (75 % overlap) is four consecutive sub-blocks. Gating: absolute
-70 LUFS, then relative -10 LU. Only the sub-block sums are kept (36,000 floats per hour).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import soundfile as sf

from broadcast.mixing.iir import lfilter

SUB_BLOCK_SECONDS = 0.1
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0


def k_weighting_coefficients(sample_rate: int) -> tuple[np.ndarray, np.ndarray]:
    """(b, a) of the combined K-weighting filter at ``sample_rate``."""
    # Stage 1: high shelf (head response).
    f0, gain_db, q = 1681.974450955533, 3.999843853973347, 0.7071752369554196
    k = math.tan(math.pi * f0 / sample_rate)
    vh = 10.0 ** (gain_db / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    b1 = np.array([(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0,
                   (vh - vb * k / q + k * k) / a0])  # fmt: skip
    a1 = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    # Stage 2: RLB high-pass.
    f0, q = 38.13547087602444, 0.5003270373238773
    k = math.tan(math.pi * f0 / sample_rate)
    a0 = 1.0 + k / q + k * k
    b2 = np.array([1.0, -2.0, 1.0])
    a2 = np.array([1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0])
    return np.convolve(b1, b2), np.convolve(a1, a2)


def sub_block_length(sample_rate: int) -> int:
    return int(round(SUB_BLOCK_SECONDS * sample_rate))


class KWeighting:
    """K-weighting filter that keeps its state between blocks."""

    def __init__(self, sample_rate: int) -> None:
        self._b, self._a = k_weighting_coefficients(sample_rate)
        self._zi = np.zeros(max(len(self._a), len(self._b)) - 1)

    def process(self, block: np.ndarray) -> np.ndarray:
        out, self._zi = lfilter(self._b, self._a, block.astype(np.float64, copy=False),
                                self._zi)
        return out


class SubBlockSums:
    """Sums of squared samples over a fixed grid of sub-blocks.

    ``start_sample`` places the first sample on the grid (sub-block ``start_sample //
    sub_len``), so several accumulators can share one program-wide grid.
    """

    def __init__(self, sub_len: int, start_sample: int = 0) -> None:
        self._sub_len = sub_len
        self.first_index = start_sample // sub_len
        self._fill = start_sample % sub_len
        self._partial = 0.0
        self._done: list[np.ndarray] = []

    def add(self, samples: np.ndarray) -> None:
        """Add the squares of ``samples`` (float64)."""
        n, i, sub = samples.shape[0], 0, self._sub_len
        if self._fill:
            take = min(n, sub - self._fill)
            self._partial += _sum_of_squares(samples[:take])
            self._fill += take
            i = take
            if self._fill == sub:
                self._done.append(np.array([self._partial]))
                self._partial, self._fill = 0.0, 0
        whole = (n - i) // sub
        if whole:
            rows = samples[i : i + whole * sub].reshape(whole, sub)
            self._done.append(np.einsum("ij,ij->i", rows, rows))
            i += whole * sub
        if i < n:
            self._partial = _sum_of_squares(samples[i:])
            self._fill = n - i

    def sums(self, *, include_partial: bool = False) -> np.ndarray:
        parts = list(self._done)
        if include_partial and self._fill:
            parts.append(np.array([self._partial]))
        return np.concatenate(parts) if parts else np.zeros(0)


def _sum_of_squares(samples: np.ndarray) -> float:
    return float(np.einsum("i,i->", samples, samples))


def gated_loudness(sub_sums: np.ndarray, sub_len: int) -> float:
    """Integrated loudness (LUFS) from consecutive sub-block sums; -inf if nothing passes."""
    if sub_sums.shape[0] < 4:
        return -math.inf
    c = np.concatenate(([0.0], np.cumsum(sub_sums)))
    z = np.maximum(c[4:] - c[:-4], 0.0) / (4 * sub_len)
    with np.errstate(divide="ignore"):
        levels = -0.691 + 10.0 * np.log10(z)
    above_abs = z[levels >= ABSOLUTE_GATE_LUFS]
    if above_abs.size == 0:
        return -math.inf
    relative = -0.691 + 10.0 * math.log10(float(above_abs.mean())) + RELATIVE_GATE_LU
    kept = z[(levels > relative) & (levels > ABSOLUTE_GATE_LUFS)]
    if kept.size == 0:
        return -math.inf
    return -0.691 + 10.0 * math.log10(float(kept.mean()))


class LoudnessMeter:
    """Streaming integrated loudness of one continuous signal."""

    def __init__(self, sample_rate: int) -> None:
        self.sub_len = sub_block_length(sample_rate)
        self._filter = KWeighting(sample_rate)
        self._sums = SubBlockSums(self.sub_len)

    def add(self, block: np.ndarray) -> None:
        self._sums.add(self._filter.process(block))

    def integrated(self) -> float:
        return gated_loudness(self._sums.sums(), self.sub_len)


def integrated_loudness(samples: np.ndarray, sample_rate: int) -> float:
    """Integrated loudness of a whole mono signal held in memory."""
    meter = LoudnessMeter(sample_rate)
    meter.add(samples)
    return meter.integrated()


def measure_wav(path: Path, *, block_frames: int = 1 << 17) -> tuple[float, float]:
    """(integrated LUFS, true peak dBTP) of a mono or multichannel file, streamed."""
    from broadcast.mixing.truepeak import TruePeakMeter

    with sf.SoundFile(str(path)) as f:
        meter = LoudnessMeter(int(f.samplerate))
        peak = TruePeakMeter()
        for block in f.blocks(blocksize=block_frames, dtype="float32", always_2d=True):
            mono = block.mean(axis=1, dtype=np.float32) if block.shape[1] > 1 else block[:, 0]
            meter.add(mono)
            peak.add(mono)
        return meter.integrated(), peak.dbtp()
