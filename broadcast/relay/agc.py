"""A slow automatic gain control toward a loudness target, and a peak limiter, for streams.

The upstream radio may be quiet or loud; the station airs everything near the same loudness
(−16 LUFS by default). The level is measured like ITU-R BS.1770 short-term loudness: K-weighted
mean square over the last 3 s, updated every 100 ms. The gain moves slowly toward what the
target asks (``rate_db_per_second``), within ``[min_gain_db, max_gain_db]``, and holds still
while the input is nearly silent (a pause is not turned up into noise). A peak limiter after
the gain keeps every sample under the ceiling. Pure numpy: block in, block out.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from broadcast.mixing.iir import lfilter

BLOCK_SECONDS = 0.1
WINDOW_SECONDS = 3.0
GATE_LUFS = -50.0


def k_weighting(rate: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The two BS.1770 pre-filter stages (high shelf, high pass) for ``rate`` Hz."""
    stages = []
    # Stage 1: high shelf, +4 dB above about 1.7 kHz.
    gain_db, q, fc = 3.999843853973347, 0.7071752369554196, 1681.974450955533
    a_ = 10 ** (gain_db / 40.0)
    w0 = 2.0 * math.pi * fc / rate
    alpha = math.sin(w0) / (2.0 * q)
    cos = math.cos(w0)
    sq = 2.0 * math.sqrt(a_) * alpha
    b = np.array([
        a_ * ((a_ + 1) + (a_ - 1) * cos + sq),
        -2 * a_ * ((a_ - 1) + (a_ + 1) * cos),
        a_ * ((a_ + 1) + (a_ - 1) * cos - sq),
    ])
    a = np.array([(a_ + 1) - (a_ - 1) * cos + sq, 2 * ((a_ - 1) - (a_ + 1) * cos),
                  (a_ + 1) - (a_ - 1) * cos - sq])
    stages.append((b / a[0], a / a[0]))
    # Stage 2: high pass at about 38 Hz.
    q, fc = 0.5003270373238773, 38.13547087602444
    w0 = 2.0 * math.pi * fc / rate
    alpha = math.sin(w0) / (2.0 * q)
    cos = math.cos(w0)
    b = np.array([(1 + cos) / 2, -(1 + cos), (1 + cos) / 2])
    a = np.array([1 + alpha, -2 * cos, 1 - alpha])
    stages.append((b / a[0], a / a[0]))
    return stages


class PeakLimiter:
    """Instant attack, exponential release (per block), a hard ceiling as the last guard."""

    def __init__(self, rate: int, ceiling_dbfs: float = -1.0, release_seconds: float = 0.3):
        self.ceiling = float(10.0 ** (ceiling_dbfs / 20.0))
        self.rate = rate
        self.release_seconds = release_seconds
        self.gain = 1.0

    def process(self, block: np.ndarray) -> np.ndarray:
        n = len(block)
        if n == 0:
            return block
        peak = float(np.max(np.abs(block)))
        target = 1.0 if peak <= self.ceiling else self.ceiling / peak
        start = self.gain
        if target < start:
            end = target
        else:
            keep = math.exp(math.log(1e-3) * n / (self.release_seconds * self.rate))
            end = min(target, 1.0 - (1.0 - start) * keep)
        self.gain = end
        if start == 1.0 and end == 1.0:
            return block
        out = block * np.linspace(start, end, n, dtype=np.float32)
        np.clip(out, -self.ceiling, self.ceiling, out=out)
        return out


class SlowAgc:
    """Levels a mono float32 stream toward ``target_lufs``; see the module's doc."""

    def __init__(
        self,
        rate: int,
        *,
        target_lufs: float = -16.0,
        rate_db_per_second: float = 1.5,
        min_gain_db: float = -12.0,
        max_gain_db: float = 18.0,
        ceiling_dbfs: float = -1.0,
    ) -> None:
        self.rate = rate
        self.target_lufs = target_lufs
        self.step_db = rate_db_per_second * BLOCK_SECONDS
        self.min_gain_db = min_gain_db
        self.max_gain_db = max_gain_db
        self.gain_db = 0.0
        self.loudness: float | None = None  # the last short-term loudness measured (LUFS)
        self._stages = k_weighting(rate)
        self._zi = [np.zeros(2) for _ in self._stages]
        self._block = max(1, int(rate * BLOCK_SECONDS))
        self._pending = 0  # samples measured since the last 100 ms block
        self._energy = 0.0
        self._window: deque[float] = deque(maxlen=int(WINDOW_SECONDS / BLOCK_SECONDS))
        self.limiter = PeakLimiter(rate, ceiling_dbfs)

    def process(self, block: np.ndarray) -> np.ndarray:
        """Level one block (any length); returns a new array of the same length."""
        block = np.asarray(block, dtype=np.float32)
        if len(block) == 0:
            return block
        start_gain = self.gain_db
        self._measure(block)
        end_gain = self.gain_db
        gains = np.linspace(start_gain, end_gain, len(block), dtype=np.float32)
        out = block * np.power(np.float32(10.0), gains / np.float32(20.0))
        return self.limiter.process(out.astype(np.float32, copy=False))

    def _measure(self, block: np.ndarray) -> None:
        weighted = block.astype(np.float64)
        for i, (b, a) in enumerate(self._stages):
            weighted, self._zi[i] = lfilter(b, a, weighted, self._zi[i])
        squares = weighted * weighted
        offset = 0
        while offset < len(squares):
            take = min(self._block - self._pending, len(squares) - offset)
            self._energy += float(np.sum(squares[offset : offset + take]))
            self._pending += take
            offset += take
            if self._pending == self._block:
                self._window.append(self._energy / self._block)
                self._pending, self._energy = 0, 0.0
                self._adjust()

    def _adjust(self) -> None:
        mean = sum(self._window) / len(self._window)
        if mean <= 0.0:
            return
        loudness = -0.691 + 10.0 * math.log10(mean)
        self.loudness = loudness
        if loudness < GATE_LUFS:
            return  # nearly silent: hold the gain
        wanted = min(max(self.target_lufs - loudness, self.min_gain_db), self.max_gain_db)
        delta = wanted - self.gain_db
        self.gain_db += max(-self.step_db, min(self.step_db, delta))
