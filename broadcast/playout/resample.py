"""Streaming sample-rate conversion: block in, block out, memory bounded.

Each block is resampled with ``scipy.signal.resample_poly`` together with enough context
on both sides that the filter never sees a block edge; the output is then identical to
resampling the whole signal at once (up to rounding), but memory stays per-block.
"""

from __future__ import annotations

from math import gcd

import numpy as np

# resample_poly's default filter spans about 10 input samples each side; keep a margin.
_CONTEXT_MIN = 64


class StreamResampler:
    """Converts a mono float32 stream from ``in_rate`` to ``out_rate``."""

    def __init__(self, in_rate: int, out_rate: int) -> None:
        g = gcd(in_rate, out_rate)
        self.up = out_rate // g
        self.down = in_rate // g
        # The context must be a whole number of `down` periods so output samples stay aligned.
        self._context = self.down * -(-_CONTEXT_MIN // self.down)
        self._history = np.zeros(self._context, dtype=np.float32)
        self._pending = np.zeros(0, dtype=np.float32)
        self._in_total = 0
        self._out_total = 0

    @property
    def passthrough(self) -> bool:
        return self.up == self.down

    def push(self, block: np.ndarray) -> np.ndarray:
        """Feed input samples; return the output that is now final."""
        block = np.asarray(block, dtype=np.float32)
        if self.passthrough:
            return block
        self._in_total += len(block)
        self._pending = np.concatenate([self._pending, block])
        usable = len(self._pending) - self._context  # keep lookahead for the filter
        usable -= usable % self.down
        if usable <= 0:
            return np.zeros(0, dtype=np.float32)
        return self._emit(usable, self._pending[usable : usable + self._context])

    def flush(self) -> np.ndarray:
        """End of input: return the remaining output (zero padding after the end)."""
        if self.passthrough:
            return np.zeros(0, dtype=np.float32)
        target_total = -(-self._in_total * self.up // self.down)
        usable = len(self._pending)
        pad = (-usable) % self.down
        self._pending = np.concatenate([self._pending, np.zeros(pad, dtype=np.float32)])
        out = self._emit(len(self._pending), np.zeros(self._context, dtype=np.float32))
        keep = max(0, target_total - (self._out_total - len(out)))
        self._out_total -= len(out) - min(len(out), keep)
        return out[:keep]

    def _emit(self, usable: int, lookahead: np.ndarray) -> np.ndarray:
        # Imported here: scipy.signal costs most of a second, and a program already at the
        # output rate (the usual case) never needs it; the audio engine starts faster.
        from scipy.signal import resample_poly

        body = self._pending[:usable]
        padded = np.concatenate([self._history, body, lookahead])
        y = resample_poly(padded, self.up, self.down).astype(np.float32, copy=False)
        skip = self._context * self.up // self.down
        out = y[skip : skip + usable * self.up // self.down]
        joined = np.concatenate([self._history, body])
        self._history = joined[-self._context :].copy()
        self._pending = self._pending[usable:].copy()
        self._out_total += len(out)
        return out
