"""Look-ahead true-peak limiter, vectorized, streaming.

The gain is computed on a grid of cells of ``truepeak.CHUNK`` samples (16 = 0.33 ms at
48 kHz) from each cell's true peak, so only cells near the ceiling are oversampled:

1. required attenuation per cell ``a = max(0, 20 log10(peak / ceiling))`` dB;
2. look-ahead hold: ``a1[i] = max(a[i .. i + L - 1])`` (L cells, the attack time);
3. release: ``a2[i] = max(a1[i], a2[i - 1] - r)`` (linear in dB, computed with a running
   maximum: ``max_k(a1[k] + k r) - i r``);
4. attack smoothing: ``g[i] = mean(a2[i - L + 1 .. i])``; each term of the mean is at least
   ``a[i]`` (its hold window contains cell ``i``), so ``g[i] >= a[i]``;
5. per sample, the linear gain is interpolated between knots at cell boundaries, each knot
   the larger reduction of the two cells it joins, so inside a cell the reduction never drops
   below ``g[i]``.

The smoothness of the gain keeps new inter-sample peaks small; the caller leaves a margin
under its true-peak limit and measures the result.
"""

from __future__ import annotations

import math

import numpy as np

from broadcast.mixing.truepeak import CHUNK, CONTEXT, chunk_peaks

CELL = CHUNK
LOOKAHEAD_SECONDS = 0.003
RELEASE_DB_PER_SECOND = 40.0
_FRACTIONS = np.arange(CELL, dtype=np.float32) / np.float32(CELL)
_INTERPOLATION = np.stack((np.ones(CELL, dtype=np.float32), _FRACTIONS))
_ROWS = 2048  # small products stay on the calling thread (see truepeak._BLAS_ROWS)


def forward_max(values: np.ndarray, width: int) -> np.ndarray:
    """``out[i] = max(values[i : i + width])``, zeros past the end (van Herk/Gil-Werman:
    a running maximum from each block's start and one from its end, O(n) in numpy)."""
    n = values.shape[0]
    if width <= 1 or n == 0:
        return values.copy()
    blocks = -(-(n + width - 1) // width)
    padded = np.zeros(blocks * width, dtype=values.dtype)
    padded[:n] = values
    grid = padded.reshape(blocks, width)
    from_start = np.maximum.accumulate(grid, axis=1).ravel()
    to_end = np.maximum.accumulate(grid[:, ::-1], axis=1)[:, ::-1].ravel()
    return np.maximum(to_end[:n], from_start[width - 1 : width - 1 + n])


def attenuation_db(peaks: np.ndarray, ceiling: float) -> np.ndarray:
    """Attenuation (dB, >= 0) that brings each cell's peak down to ``ceiling``."""
    a = np.zeros(peaks.shape[0], dtype=peaks.dtype if peaks.dtype == np.float32 else np.float64)
    over = peaks > ceiling
    if over.any():
        a[over] = 20.0 * np.log10(peaks[over] / ceiling)
    return a


class CellGain:
    """Steps 2-4 above, streaming: attenuation per cell in, smoothed gain reduction out.

    The output lags the input by ``look - 1`` cells (the look-ahead); ``flush`` ends it.
    """

    def __init__(self, look_cells: int, release_db_per_cell: float) -> None:
        self.look = look_cells
        self._release = release_db_per_cell
        self._pending = np.zeros(0)
        self._history = np.zeros(look_cells - 1)
        self._last_a2 = 0.0
        self._steps: np.ndarray = np.zeros(0)  # release * (1, 2, ...), grown on demand

    def _release_steps(self, count: int) -> np.ndarray:
        if self._steps.shape[0] < count:
            self._steps = np.arange(1, max(count, 2 * self._steps.shape[0]) + 1) * self._release
        return self._steps[:count]

    def push(self, a: np.ndarray) -> np.ndarray:
        buf: np.ndarray = np.concatenate((self._pending, a)) if self._pending.size else (
            np.asarray(a, dtype=np.float64))  # fmt: skip
        emit = buf.shape[0] - (self.look - 1)
        if emit <= 0:
            self._pending = buf
            return np.zeros(0)
        self._pending = buf[emit:].copy()
        if self._last_a2 == 0.0 and not self._history.any() and not buf.any():
            return np.zeros(emit)
        look = self.look
        a1 = forward_max(buf, look)[:emit]
        # a2[i] = max(a1[i], a2[i - 1] - r) = max(last_a2, max_k<=i(a1[k] + (k+1) r)) - (i+1) r;
        # it is >= a1[i] >= 0 exactly, since adding a non-negative value never rounds down.
        steps = self._release_steps(emit)
        a2 = a1 + steps
        a2[0] = max(float(a2[0]), self._last_a2)
        np.maximum.accumulate(a2, out=a2)
        a2 -= steps
        joined = np.concatenate((self._history, a2))
        sums = np.cumsum(joined)
        g = np.empty(emit)
        g[0] = sums[look - 1]
        np.subtract(sums[look:], sums[:-look], out=g[1:])
        g /= look
        self._last_a2 = float(a2[-1])
        self._history = joined[-(look - 1) :].copy()
        return np.maximum(g, 0.0, out=g)

    def flush(self) -> np.ndarray:
        pending = self._pending.shape[0]
        return self.push(np.zeros(self.look - 1))[:pending]


def limiter_timing(sample_rate: int) -> tuple[int, float]:
    """(look-ahead in cells, release in dB per cell) for a sample rate."""
    look = max(2, math.ceil(LOOKAHEAD_SECONDS * sample_rate / CELL))
    return look, RELEASE_DB_PER_SECOND * CELL / sample_rate


class TruePeakLimiter:
    """Streaming limiter; ``process`` returns fewer samples than it gets until ``flush``.

    The arrays it returns are the caller's: the limiter keeps no reference to their samples
    and never changes its input, so the caller may change either in place.
    """

    def __init__(self, sample_rate: int, ceiling_dbtp: float) -> None:
        self._ceiling = 10.0 ** (ceiling_dbtp / 20.0)
        look, release = limiter_timing(sample_rate)
        self._gain = CellGain(look, release)
        self._head = np.zeros(CONTEXT, dtype=np.float32)  # input just before ``_samples``
        self._samples = np.zeros(0, dtype=np.float32)  # not yet emitted, from a cell start
        self._measured = 0  # cells of ``_samples`` whose peaks went into ``_gain``
        self._gains = np.zeros(0)  # reductions (dB) of the first cells of ``_samples``
        self._last_g = 0.0  # reduction of the last emitted cell (for the first knot)
        self._received = 0
        self._emitted = 0
        self.max_reduction_db = 0.0

    def process(self, block: np.ndarray) -> np.ndarray:
        block = np.asarray(block, dtype=np.float32)
        self._received += block.shape[0]
        return self._run(block)

    def _run(self, block: np.ndarray) -> np.ndarray:
        # The only copy of the input: the emitted samples are shaped in place and handed over.
        buf = np.concatenate((self._head, self._samples, block))  # sample i at CONTEXT + i
        # A cell can be measured once CONTEXT samples after it have arrived.
        ready = (buf.shape[0] - 2 * CONTEXT) // CELL
        if ready > self._measured:
            start, stop = self._measured * CELL, ready * CELL
            peaks = chunk_peaks(buf[start : stop + 2 * CONTEXT], self._ceiling)
            self._gains = np.concatenate((self._gains, self._gain.push(
                attenuation_db(peaks, self._ceiling))))  # fmt: skip
            self._measured = ready
        # A cell is emitted once the gain of the next cell (its end knot) is known.
        emit = self._gains.shape[0] - 1
        if emit <= 0:
            self._head, self._samples = buf[:CONTEXT], buf[CONTEXT:]
            return np.zeros(0, dtype=np.float32)
        cut = CONTEXT + emit * CELL
        self._head = buf[cut - CONTEXT : cut].copy()  # before ``out`` is shaped
        self._samples = buf[cut:]
        out = buf[CONTEXT:cut]
        g = self._gains[: emit + 1]
        if g.any() or self._last_g > 0.0:
            self._shape(out, g, emit)
        self._last_g = float(g[emit - 1])
        self._gains = self._gains[emit:]
        self._measured -= emit
        self._emitted += out.shape[0]
        return out

    def _shape(self, out: np.ndarray, g: np.ndarray, emit: int) -> None:
        before = np.concatenate(([self._last_g], g[:-1]))
        knots = np.maximum(before, g)  # knots[i] at the start of cell i, i = 0 .. emit
        active = np.flatnonzero(np.maximum(knots[:-1], knots[1:]) > 0.0)
        if active.size == 0:
            return
        # Linear interpolation of the linear gains: inside a cell the gain stays between its
        # two knots, so the attenuation is never less than the smaller knot (>= g[i]).
        # Over the span from the first to the last active cell: cells in between whose two
        # knots are 0 dB get a gain of exactly 1.
        first, last = int(active[0]), int(active[-1]) + 1
        linear = np.exp(knots[first : last + 1] * (-math.log(10.0) / 20.0)).astype(np.float32)
        terms = np.empty((last - first, 2), dtype=np.float32)
        terms[:, 0] = linear[:-1]
        np.subtract(linear[1:], linear[:-1], out=terms[:, 1])
        view = out[first * CELL : last * CELL].reshape(-1, CELL)
        gain = np.empty((_ROWS, CELL), dtype=np.float32)
        for row in range(0, last - first, _ROWS):
            part = terms[row : row + _ROWS]
            rows = gain[: part.shape[0]]
            np.matmul(part, _INTERPOLATION, out=rows)  # start + (end - start) * fraction
            view[row : row + part.shape[0]] *= rows
        self.max_reduction_db = max(self.max_reduction_db, float(g.max()))

    def flush(self) -> np.ndarray:
        """Emit what is left, as if the input were followed by silence."""
        pad = np.zeros((self._gain.look + 3) * CELL, dtype=np.float32)
        pieces = []
        while self._emitted < self._received:
            pieces.append(self._run(pad))
        out = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.float32)
        excess = self._emitted - self._received
        self._emitted -= excess
        return out[: out.shape[0] - excess]
