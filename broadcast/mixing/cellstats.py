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
from scipy.ndimage import maximum_filter1d

from broadcast.mixing.limiter import CELL, CellGain, attenuation_db, limiter_timing
from broadcast.mixing.loudness import KWeighting, gated_loudness, sub_block_length

_BATCH_CELLS = 1 << 20


def _pairwise(values: np.ndarray, op: np.ufunc) -> np.ndarray:
    level = values
    width = CELL
    while width > 1:
        pairs = level.reshape(-1, 2)
        level = op(pairs[:, 0], pairs[:, 1])
        width //= 2
    return np.ascontiguousarray(level)


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
        self._carry = x[whole:].copy()
        if whole:
            body = x[:whole]
            weighted = self._filter.process(body)
            self._energies.append(_pairwise(weighted * weighted, np.add).astype(np.float32))
            self._peaks.append(_pairwise(np.abs(body), np.maximum).astype(np.float32))

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


def range_loudness(energies: np.ndarray, start: int, stop: int, sub_len: int) -> float:
    """Integrated loudness of samples [start, stop) from cell energies (grid at ``start``)."""
    first, last = start // CELL, -(-stop // CELL)
    complete = (stop - start) // sub_len
    sums = np.zeros(complete + 2)
    for batch in range(first, last, _BATCH_CELLS):
        cells = np.arange(batch, min(last, batch + _BATCH_CELLS))
        index = np.minimum(np.maximum(cells * CELL - start, 0) // sub_len, complete + 1)
        counted = np.bincount(index, weights=energies[cells])
        sums[: counted.shape[0]] += counted
    return gated_loudness(sums[:complete], sub_len)


class LoudnessPredictor:
    """Program loudness after per-part gains, a global gain and the limiter.

    Works at cell resolution on sample peaks (the real limiter also sees inter-sample peaks,
    and its gain moves within cells), so it predicts; the output pass measures.
    ``boundaries`` are the parts' start samples (ascending, the first 0).
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
        self._energies = energies.copy()
        self._peaks = peaks.copy()
        for first, stop, gain in zip(starts, stops, part_gains_db, strict=True):
            self._energies[first:stop] *= np.float32(10.0 ** (gain / 10.0))
            self._peaks[first:stop] *= np.float32(10.0 ** (gain / 20.0))
        self._complete = total * CELL // self._sub_len
        self._base = np.zeros(self._complete + 2)
        for first in range(0, total, _BATCH_CELLS):
            stop = min(total, first + _BATCH_CELLS)
            self._add(self._base, first, self._energies[first:stop])

    def _add(self, sums: np.ndarray, first: int, values: np.ndarray,
             cells: np.ndarray | None = None) -> None:  # fmt: skip
        if cells is None:
            cells = np.arange(first, first + values.shape[0])
        index = cells * CELL // self._sub_len
        counted = np.bincount(index, weights=values)
        sums[: counted.shape[0]] += counted

    def _loudness(self, sums: np.ndarray, gain_db: float) -> float:
        return gated_loudness(sums[: self._complete] * 10.0 ** (gain_db / 10.0), self._sub_len)

    def unlimited(self, gain_db: float) -> float:
        return self._loudness(self._base, gain_db)

    def limited(self, gain_db: float, ceiling_dbtp: float) -> float:
        ceiling = 10.0 ** ((ceiling_dbtp - gain_db) / 20.0)  # compare unscaled peaks
        a = attenuation_db(self._peaks, ceiling)
        over = a > 0.0
        if not over.any():
            return self.unlimited(gain_db)
        look, release = limiter_timing(self._sample_rate)
        # The gain reduction is zero except from L cells before an over to its release end
        # (+L for the smoothing); run the limiter on those cells only, back to back: between
        # two such runs its state is idle, so the result is the same as running it on all.
        reach = look + int(math.ceil(float(a.max()) / release)) + look
        active = maximum_filter1d(over.view(np.uint8), size=2 * reach + 1, mode="constant")
        del over
        cells = np.flatnonzero(active).astype(np.int32)
        del active
        limiter = CellGain(look, release)
        lost = np.zeros_like(self._base)
        done = 0

        def account(reduction: np.ndarray) -> None:
            nonlocal done
            where = cells[done : done + reduction.shape[0]]
            done += reduction.shape[0]
            hit = reduction > 0.0
            if hit.any():
                loss = self._energies[where[hit]] * (1.0 - np.power(10.0, reduction[hit] / -10.0))
                self._add(lost, 0, loss, where[hit].astype(np.int64))

        for first in range(0, cells.shape[0], _BATCH_CELLS):
            account(limiter.push(a[cells[first : first + _BATCH_CELLS]].astype(np.float64)))
        account(limiter.flush())
        return self._loudness(self._base - lost, gain_db)
