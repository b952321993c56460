from __future__ import annotations

import numpy as np
import pyloudnorm as pyln
import pytest
from scipy.signal import resample_poly

from broadcast.mixing.loudness import (
    LoudnessMeter,
    integrated_loudness,
    k_weighting_coefficients,
)
from broadcast.mixing.truepeak import PHASE_GAIN_BOUND, TruePeakMeter, true_peak_dbtp

from .conftest import speech_like, tone

RATE = 48_000


def test_k_weighting_matches_the_standard_48k_table() -> None:
    b, a = k_weighting_coefficients(RATE)
    # BS.1770-4 Tables 1 and 2, combined.
    b_ref = np.convolve([1.53512485958697, -2.69169618940638, 1.19839281085285], [1, -2, 1])
    a_ref = np.convolve([1.0, -1.69065929318241, 0.73248077421585],
                        [1.0, -1.99004745483398, 0.99007225036621])
    np.testing.assert_allclose(b, b_ref, atol=1e-8)
    np.testing.assert_allclose(a, a_ref, atol=1e-8)


def test_full_scale_997hz_sine_reads_minus_3_lufs() -> None:
    assert integrated_loudness(tone(997, 5, RATE, 1.0), RATE) == pytest.approx(-3.01, abs=0.02)


@pytest.mark.parametrize("rate", [48_000, 44_100, 22_050])
@pytest.mark.parametrize(
    "make",
    [
        lambda rate: tone(997, 8, rate, 0.3),
        lambda rate: tone(100, 8, rate, 0.1) + tone(5000, 8, rate, 0.05),
        lambda rate: speech_like(12, rate, seed=4),
        lambda rate: np.concatenate([speech_like(6, rate), np.zeros(rate * 4, np.float32),
                                     0.05 * speech_like(6, rate, seed=2)]),
    ],
    ids=["tone", "two-tones", "speech-like", "speech-silence-quiet"],
)
def test_streaming_loudness_agrees_with_pyloudnorm(make, rate: int) -> None:
    signal = make(rate)
    reference = pyln.Meter(rate).integrated_loudness(signal.astype(np.float64))
    meter = LoudnessMeter(rate)
    for start in range(0, signal.shape[0], 7_777):  # odd block size: state carried over
        meter.add(signal[start : start + 7_777])
    assert meter.integrated() == pytest.approx(reference, abs=0.1)
    assert meter.integrated() == pytest.approx(integrated_loudness(signal, rate), abs=1e-6)


def test_gating_ignores_silence_and_very_quiet_parts() -> None:
    loud = speech_like(10, RATE)
    with_silence = np.concatenate([loud, np.zeros(RATE * 20, np.float32)])
    assert integrated_loudness(with_silence, RATE) == pytest.approx(
        integrated_loudness(loud, RATE), abs=0.1)
    assert integrated_loudness(np.zeros(RATE * 2, np.float32), RATE) == -np.inf


def reference_true_peak(x: np.ndarray) -> float:
    return float(20 * np.log10(np.abs(resample_poly(x.astype(np.float64), 4, 1)).max()))


def test_true_peak_sees_inter_sample_peaks() -> None:
    n = np.arange(RATE)
    x = (0.5 * np.sin(2 * np.pi * (RATE / 4) * n / RATE + np.pi / 4)).astype(np.float32)
    sample_peak = 20 * np.log10(np.abs(x).max())
    assert sample_peak == pytest.approx(-9.03, abs=0.01)
    assert true_peak_dbtp(x) == pytest.approx(reference_true_peak(x), abs=0.15)
    assert true_peak_dbtp(x) > sample_peak + 2.5


def test_streaming_true_peak_equals_one_shot_and_reference() -> None:
    rng = np.random.default_rng(7)
    x = (speech_like(10, RATE) + 0.02 * rng.standard_normal(RATE * 10)).astype(np.float32)
    meter = TruePeakMeter()
    for start in range(0, x.shape[0], 5_001):
        meter.add(x[start : start + 5_001])
    assert meter.dbtp() == pytest.approx(true_peak_dbtp(x), abs=1e-6)
    assert meter.dbtp() == pytest.approx(reference_true_peak(x), abs=0.1)


def test_skip_bound_is_the_largest_phase_gain() -> None:
    # Documented bound: 12-tap phases, max sum of |coefficients| ~ 2.02 (+6.1 dB).
    assert 2.0 < PHASE_GAIN_BOUND < 2.05
