"""True peak (ITU-R BS.1770-4 Annex 2): 4x oversampling with the standard's 48-tap FIR.

The filter is used as four 12-tap phases. Only short chunks that could reach the level of
interest are oversampled. The skip is exact, not a heuristic: every interpolated value is a
12-tap sum, so it is at most ``PHASE_GAIN_BOUND`` (the largest sum of absolute phase
coefficients, 2.02, i.e. +6.1 dB) times the largest sample magnitude within the taps' reach.
A chunk whose neighbourhood's sample peak times that bound stays at or below the threshold
cannot have a true peak above it.
"""

from __future__ import annotations

import math

import numpy as np

_PHASES = np.array(
    [
        [0.0017089843750, 0.0109863281250, -0.0196533203125, 0.0332031250000,
         -0.0594482421875, 0.1373291015625, 0.9721679687500, -0.1022949218750,
         0.0476074218750, -0.0266113281250, 0.0148925781250, -0.0083007812500],
        [-0.0291748046875, 0.0292968750000, -0.0517578125000, 0.0891113281250,
         -0.1665039062500, 0.4650878906250, 0.7797851562500, -0.2003173828125,
         0.1015625000000, -0.0582275390625, 0.0330810546875, -0.0189208984375],
        [-0.0189208984375, 0.0330810546875, -0.0582275390625, 0.1015625000000,
         -0.2003173828125, 0.7797851562500, 0.4650878906250, -0.1665039062500,
         0.0891113281250, -0.0517578125000, 0.0292968750000, -0.0291748046875],
        [-0.0083007812500, 0.0148925781250, -0.0266113281250, 0.0476074218750,
         -0.1022949218750, 0.9721679687500, 0.1373291015625, -0.0594482421875,
         0.0332031250000, -0.0196533203125, 0.0109863281250, 0.0017089843750],
    ]
)  # fmt: skip
TAPS = 12
# Samples of context needed on each side of a chunk (the taps' reach).
CONTEXT = TAPS // 2
PHASE_GAIN_BOUND = float(np.abs(_PHASES).sum(axis=1).max())
CHUNK = 16  # a power of two (see _row_max)
_SPAN = CHUNK + TAPS


def _interpolation_matrix() -> np.ndarray:
    """(CHUNK + TAPS, 4 * (CHUNK + 1)): a chunk's window times it gives every 4x sample.

    Window position ``w`` covers window samples ``w .. w + 11``, i.e. the interpolation
    between chunk samples ``w - 1`` and ``w``; ``w = 0 .. CHUNK`` covers the whole chunk.
    """
    matrix = np.zeros((_SPAN, 4 * (CHUNK + 1)), dtype=np.float32)
    for w in range(CHUNK + 1):
        for phase in range(4):
            matrix[w : w + TAPS, 4 * w + phase] = _PHASES[phase][::-1]
    return matrix


_MATRIX = _interpolation_matrix()


def _row_max(values: np.ndarray) -> np.ndarray:
    """Max of each CHUNK consecutive values: pairwise halving, much faster than max(axis=1)."""
    level = values
    width = CHUNK
    while width > 1:
        pairs = level.reshape(-1, 2)
        level = np.maximum(pairs[:, 0], pairs[:, 1])
        width //= 2
    return np.ascontiguousarray(level)


# OpenBLAS runs a product this small (rows * 28 * 68 < 262144) on the calling thread; big
# products would wake its thread pool, which on a busy 2-core machine costs more than it saves.
_BLAS_ROWS = 128


def _interpolated_peaks(windows: np.ndarray) -> np.ndarray:
    """Largest |4x sample| of each window row."""
    out = np.empty(windows.shape[0], dtype=np.float32)
    product = np.empty((_BLAS_ROWS, _MATRIX.shape[1]), dtype=np.float32)
    for first in range(0, windows.shape[0], _BLAS_ROWS):
        rows = windows[first : first + _BLAS_ROWS]
        part = product[: rows.shape[0]]
        np.matmul(rows, _MATRIX, out=part)
        np.abs(part, out=part)
        out[first : first + rows.shape[0]] = part.max(axis=1)
    return out


def _sample_peaks(abs_x: np.ndarray, n: int) -> np.ndarray:
    """Sample peak of each CHUNK-sample chunk of ``abs_x[CONTEXT : CONTEXT + n]``."""
    rows = -(-n // CHUNK)
    if n % CHUNK:
        core = np.zeros(rows * CHUNK, dtype=np.float32)
        core[:n] = abs_x[CONTEXT : CONTEXT + n]
    else:
        core = abs_x[CONTEXT : CONTEXT + n]
    return _row_max(core)


def _candidates(abs_x: np.ndarray, peaks: np.ndarray, n: int, threshold: float) -> np.ndarray:
    """Chunks whose true peak could exceed ``threshold`` (see the module docstring)."""
    reach = peaks.copy()
    reach[1:] = np.maximum(reach[1:], peaks[:-1])
    reach[:-1] = np.maximum(reach[:-1], peaks[1:])
    reach[0] = max(reach[0], float(abs_x[:CONTEXT].max()))
    reach[-1] = max(reach[-1], float(abs_x[CONTEXT + n :].max()))
    # (a hair under the exact limit, so float32 rounding cannot skip a chunk it should not)
    return np.flatnonzero(reach > np.float32(threshold / PHASE_GAIN_BOUND * (1.0 - 1e-6)))


def _windows(padded: np.ndarray, selected: np.ndarray) -> np.ndarray:
    """Rows ``padded[c * CHUNK : c * CHUNK + CHUNK + TAPS]`` for the selected chunks ``c``."""
    tail = int(selected[-1]) * CHUNK + _SPAN - padded.shape[0]
    source = np.concatenate((padded, np.zeros(tail, np.float32))) if tail > 0 else padded
    count = (source.shape[0] - _SPAN) // CHUNK + 1
    strided = np.lib.stride_tricks.as_strided(
        source, shape=(count, _SPAN), strides=(CHUNK * source.strides[0], source.strides[0]),
        writeable=False,
    )  # fmt: skip
    return strided[selected]


def chunk_peaks(padded: np.ndarray, threshold: float) -> np.ndarray:
    """Peak of each CHUNK-sample chunk of ``padded[CONTEXT:-CONTEXT]``.

    A chunk whose true peak could exceed ``threshold`` gets its true peak (the largest of
    its samples and of the 4x interpolated values from just before it to just after it);
    any other chunk gets its sample peak, which is then known to be at or below the
    threshold, as is its true peak. The last chunk may be shorter.
    """
    padded = np.ascontiguousarray(padded, dtype=np.float32)
    n = padded.shape[0] - 2 * CONTEXT
    if n <= 0:
        return np.zeros(0, dtype=np.float32)
    abs_x = np.abs(padded)
    peaks = _sample_peaks(abs_x, n)
    selected = _candidates(abs_x, peaks, n, threshold)
    if selected.size:
        interpolated = _interpolated_peaks(_windows(padded, selected))
        peaks[selected] = np.maximum(peaks[selected], interpolated)
    return peaks


class TruePeakMeter:
    """Streaming maximum true peak of a signal."""

    def __init__(self) -> None:
        self._tail = np.zeros(2 * CONTEXT, dtype=np.float32)
        self._peak = 0.0

    def add(self, block: np.ndarray) -> None:
        if block.shape[0] == 0:
            return
        padded = np.concatenate((self._tail, np.asarray(block, dtype=np.float32)))
        self._tail = padded[-2 * CONTEXT :].copy()
        # Looks at padded[CONTEXT:-CONTEXT]: the last CONTEXT samples wait for the next block.
        self._peak = max(self._peak, _max_true_peak(padded, self._peak))

    def peak(self) -> float:
        """Linear true peak so far, including the held-back tail (as if followed by silence)."""
        padded = np.concatenate((self._tail, np.zeros(2 * CONTEXT, np.float32)))
        return max(self._peak, _max_true_peak(padded, self._peak))

    def dbtp(self) -> float:
        peak = self.peak()
        return 20.0 * math.log10(peak) if peak > 0 else -math.inf


def _max_true_peak(padded: np.ndarray, floor: float) -> float:
    """Largest true peak of ``padded[CONTEXT:-CONTEXT]``, or a value <= ``floor`` when it is
    not above ``floor``. Only chunks that could beat the largest sample peak are oversampled,
    since the sample peak is a floor for the true peak."""
    n = padded.shape[0] - 2 * CONTEXT
    if n <= 0:
        return 0.0
    abs_x = np.abs(padded)
    peaks = _sample_peaks(abs_x, n)
    best = max(floor, float(peaks.max()))
    selected = _candidates(abs_x, peaks, n, best)
    if selected.size:
        best = max(best, float(_interpolated_peaks(_windows(padded, selected)).max()))
    return best


def true_peak_dbtp(samples: np.ndarray) -> float:
    meter = TruePeakMeter()
    meter.add(samples)
    return meter.dbtp()
