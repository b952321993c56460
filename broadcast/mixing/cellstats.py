"""Per-cell statistics of an assembled program, and loudness predictions from them.

While the program is assembled, each cell of ``CELL`` samples (16) keeps two numbers: the
energy of its K-weighted samples and its sample peak (1/16 of the audio's size, float32).
From them, without touching the audio again:

- the loudness of any part (for per-part levelling);
- the loudness the whole program would have after per-part gains and the limiter, by running
  the limiter's own cell-level gain computation. Used to choose the gain before the output
  pass, so that pass usually lands on target the first time; the output is still measured.
"""

from __future__ import annotations

import math

import numpy as np

from broadcast.mixing.limiter import CELL, CellGain, attenuation_db, limiter_timing
from broadcast.mixing.loudness import KWeighting, gated_loudness, sub_block_length

_BATCH_CELLS = 1 << 16


def cell_energies(weighted: np.ndarray) -> np.ndarray:
    """Sum of squares of each CELL consecutive samples (length a multiple of CELL)."""
    rows = weighted.reshape(-1, CELL)
    return np.einsum("ij,ij->i", rows, rows)


def cell_peaks(samples: np.ndarray) -> np.ndarray:
    """Largest |sample| of each CELL consecutive samples (float32; pairwise halving, much
    faster than a row-wise max over rows this short)."""
    level = np.abs(samples)
    width = CELL
    while width > 1:
        pairs = level.reshape(-1, 2)
        level = np.maximum(pairs[:, 0], pairs[:, 1])
        width //= 2
    return level


class CellStats:
    """Accumulates cell energies and peaks of one continuous program, block by block."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.sub_len = sub_block_length(sample_rate)
        self._filter = KWeighting(sample_rate)
        self._carry = np.zeros(0, dtype=np.float32)
        self._energies: list[np.ndarray] = []
        self._peaks: list[np.ndarray] = []
        self.samples = 0

    def add(self, block: np.ndarray) -> None:
        self.samples += block.shape[0]
        x = np.concatenate((self._carry, block)) if self._carry.size else block
        whole = x.shape[0] - x.shape[0] % CELL
        self._carry = x[whole:].astype(np.float32)
        if whole:
            body = x[:whole]
            self._energies.append(cell_energies(self._filter.process(body)).astype(np.float32))
            self._peaks.append(cell_peaks(body.astype(np.float32, copy=False)))

    def finish(self) -> tuple[np.ndarray, np.ndarray]:
        """(energies, peaks) per cell; the last partial cell is padded with silence."""
        if self._carry.size:
            pad = np.zeros(CELL - self._carry.size, dtype=np.float32)
            samples = self.samples
            self.add(pad)
            self.samples = samples
            self._carry = np.zeros(0, dtype=np.float32)
        energies = np.concatenate(self._energies) if self._energies else np.zeros(0, np.float32)
        self._energies = []
        peaks = np.concatenate(self._peaks) if self._peaks else np.zeros(0, np.float32)
        self._peaks = []
        return energies, peaks


def sub_block_sums(energies: np.ndarray, start: int, stop: int, sub_len: int) -> np.ndarray:
    """Sums of cell energies per complete sub-block of samples [start, stop), on a grid
    anchored at ``start``; a cell counts in the sub-block where it starts (the cell that
    holds ``start`` counts in the first)."""
    complete = (stop - start) // sub_len
    if complete <= 0:
        return np.zeros(0)
    # First cell of sub-block j >= 1: the first cell starting at or after start + j * sub_len.
    bounds = -(-(start + np.arange(complete + 1, dtype=np.int64) * sub_len) // CELL)
    bounds[0] = start // CELL
    out = np.empty(complete)
    for first in range(0, complete, _BATCH_CELLS // 64):
        last = min(complete, first + _BATCH_CELLS // 64)
        lo, hi = int(bounds[first]), int(bounds[last])
        out[first:last] = np.add.reduceat(energies[lo:hi], bounds[first:last] - lo,
                                          dtype=np.float64)  # fmt: skip
    return out


def range_loudness(energies: np.ndarray, start: int, stop: int, sub_len: int) -> float:
    """Integrated loudness of samples [start, stop) from cell energies (grid at ``start``)."""
    return gated_loudness(sub_block_sums(energies, start, stop, sub_len), sub_len)


def _runs_around(points: np.ndarray, reach: int, total: int) -> tuple[np.ndarray, np.ndarray]:
    """(cells, where): the sorted cells within ``reach`` of any of the sorted ``points``, in
    [0, total), and the position of each point among them."""
    starts = np.maximum(points - reach, 0)
    stops = np.minimum(points + reach + 1, total)
    new_run = np.ones(points.shape[0], dtype=bool)
    new_run[1:] = starts[1:] > stops[:-1]  # stops ascend with the points
    run_starts = starts[new_run]
    run_stops = np.concatenate((stops[:-1][new_run[1:]], stops[-1:]))
    lengths = run_stops - run_starts
    shifts = run_starts - (np.cumsum(lengths) - lengths)  # cell = position + shift of its run
    kind = np.int32 if total < 2**31 else np.int64
    cells = np.repeat(shifts.astype(kind), lengths)
    cells += np.arange(cells.shape[0], dtype=kind)
    return cells, points - shifts[np.cumsum(new_run) - 1]


class LoudnessPredictor:
    """Program loudness after per-part gains, a global gain and the limiter.

    Works at cell resolution on sample peaks (the real limiter also sees inter-sample peaks,
    and its gain moves within cells), so it predicts; the output pass measures.
    ``boundaries`` are the parts' start samples (ascending, the first 0). The predictor
    takes ``energies`` and ``peaks`` over and scales them in place.
    """

    def __init__(
        self,
        energies: np.ndarray,
        peaks: np.ndarray,
        boundaries: np.ndarray,
        part_gains_db: np.ndarray,
        sample_rate: int,
    ) -> None:
        self._sample_rate = sample_rate
        self._sub_len = sub_block_length(sample_rate)
        total = energies.shape[0]
        starts = np.minimum(np.asarray(boundaries) // CELL, total)
        stops = np.concatenate((starts[1:], [total]))
        self._energies = energies
        self._peaks = peaks
        for first, stop, gain in zip(starts, stops, part_gains_db, strict=True):
            if gain != 0.0:
                self._energies[first:stop] *= np.float32(10.0 ** (gain / 10.0))
                self._peaks[first:stop] *= np.float32(10.0 ** (gain / 20.0))
        self._base = sub_block_sums(self._energies, 0, total * CELL, self._sub_len)

    def _loudness(self, sums: np.ndarray, gain_db: float) -> float:
        return gated_loudness(sums * 10.0 ** (gain_db / 10.0), self._sub_len)

    def unlimited(self, gain_db: float) -> float:
        return self._loudness(self._base, gain_db)

    def limited(self, gain_db: float, ceiling_dbtp: float) -> float:
        ceiling = 10.0 ** ((ceiling_dbtp - gain_db) / 20.0)  # compare unscaled peaks
        over = np.flatnonzero(self._peaks > ceiling)
        if over.size == 0:
            return self.unlimited(gain_db)
        look, release = limiter_timing(self._sample_rate)
        a_over = attenuation_db(self._peaks[over], ceiling)
        # The gain reduction is zero except from L cells before an over to its release end
        # (+L for the smoothing); run the limiter on those cells only, back to back: between
        # two such runs its state is idle, so the result is the same as running it on all.
        reach = look + int(math.ceil(float(a_over.max()) / release)) + look
        cells, where = _runs_around(over, reach, self._peaks.shape[0])
        del over
        a = np.zeros(cells.shape[0], dtype=np.float32)
        a[where] = a_over
        del where, a_over
        # Fraction of each cell's energy the limiter takes away: 1 - 10^(-reduction / 10).
        lost_fraction = np.zeros(self._energies.shape[0], dtype=np.float32)
        limiter = CellGain(look, release)
        batches = [a[first : first + _BATCH_CELLS] for first in range(0, a.shape[0], _BATCH_CELLS)]
        done = 0
        for batch in [*batches, None]:
            reduction = limiter.flush() if batch is None else limiter.push(
                batch.astype(np.float64))  # fmt: skip
            stop = done + reduction.shape[0]
            lost_fraction[cells[done:stop]] = -np.expm1(reduction * (-math.log(10.0) / 10.0))
            done = stop
        del a, batches, cells
        lost_fraction *= self._energies
        lost = sub_block_sums(lost_fraction, 0, self._base.shape[0] * self._sub_len,
                              self._sub_len)  # fmt: skip
        return self._loudness(self._base - lost, gain_db)
