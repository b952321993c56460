from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from broadcast.mixing.limiter import TruePeakLimiter

from .conftest import speech_like

RATE = 48_000


def run(limiter: TruePeakLimiter, x: np.ndarray, block: int) -> np.ndarray:
    out = [limiter.process(x[i : i + block]) for i in range(0, x.shape[0], block)]
    out.append(limiter.flush())
    return np.concatenate(out)


def loud_speech() -> np.ndarray:
    x = speech_like(8, RATE, seed=1)
    return x * np.float32(1.6 / np.abs(x).max())  # peaks +4 dBFS


@pytest.mark.parametrize("block", [4_096, 50_000, 1_000_003])
def test_output_true_peak_stays_under_the_ceiling(block: int) -> None:
    x = loud_speech()
    y = run(TruePeakLimiter(RATE, -1.2), x, block)
    assert y.shape == x.shape
    oversampled = resample_poly(y.astype(np.float64), 4, 1)
    assert 20 * np.log10(np.abs(oversampled).max()) <= -1.15


def test_quiet_signal_passes_unchanged() -> None:
    x = loud_speech() * np.float32(0.2)  # peaks -10 dBFS
    limiter = TruePeakLimiter(RATE, -1.2)
    assert np.array_equal(run(limiter, x, 10_000), x)
    assert limiter.max_reduction_db == 0.0


def test_gain_reduction_is_smooth_and_recovers() -> None:
    x = np.full(RATE, 0.25, dtype=np.float32)
    x[RATE // 2 : RATE // 2 + 48] = 1.0  # a 1 ms spike 12 dB over the rest
    y = run(TruePeakLimiter(RATE, -1.2), x, 8_192)
    gain = y / x
    assert gain.max() <= 1.0 + 1e-6
    assert np.abs(np.diff(gain)).max() < 0.02  # no step: ramps over the look-ahead
    assert gain[RATE // 2 - 400] == pytest.approx(1.0)  # untouched well before
    assert gain[-1] == pytest.approx(1.0)  # released afterwards
    assert y[RATE // 2 : RATE // 2 + 48].max() <= 10 ** (-1.2 / 20) + 1e-6


@pytest.mark.parametrize("width", [1, 2, 3, 7, 144])
@pytest.mark.parametrize("n", [1, 5, 144, 1001])
def test_forward_max_is_the_max_of_the_window_ahead(n: int, width: int) -> None:
    from broadcast.mixing.limiter import forward_max

    values = np.random.default_rng(n * width).random(n)
    values[values < 0.7] = 0.0
    padded = np.concatenate((values, np.zeros(width - 1)))
    expected = np.lib.stride_tricks.sliding_window_view(padded, width).max(axis=1)
    assert np.array_equal(forward_max(values, width), expected)
