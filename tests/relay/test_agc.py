"""The slow AGC toward -16 LUFS and its limiter."""

from __future__ import annotations

import numpy as np
import pyloudnorm

from broadcast.relay.agc import SlowAgc

RATE = 48_000


def program(level: float, seconds: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    speechy = np.sin(2 * np.pi * 220 * t) * (0.6 + 0.4 * np.sin(2 * np.pi * 3 * t))
    return (level * (speechy + 0.1 * rng.standard_normal(len(t)))).astype(np.float32)


def levelled(agc: SlowAgc, x: np.ndarray) -> np.ndarray:
    return np.concatenate([agc.process(x[i : i + 4800]) for i in range(0, len(x), 4800)])


def loudness(x: np.ndarray) -> float:
    return float(pyloudnorm.Meter(RATE).integrated_loudness(x.astype(np.float64)))


def test_a_quiet_upstream_is_brought_up_and_a_loud_one_down_to_the_target_slowly():
    for level in (0.08, 0.9):  # about -28 and -9 LUFS (the gain spans -12..+18 dB)
        agc = SlowAgc(RATE, target_lufs=-16.0)
        out = levelled(agc, program(level, 40.0))
        settled = loudness(out[-10 * RATE :])
        assert abs(settled - (-16.0)) < 1.5, (level, settled)
        # Slow: the first second is still near the input's own loudness.
        first = loudness(out[: 2 * RATE])
        assert abs(first - loudness(program(level, 2.0))) < 4.0


def test_the_limiter_keeps_every_sample_under_the_ceiling():
    agc = SlowAgc(RATE, target_lufs=-16.0, ceiling_dbfs=-1.0)
    x = program(0.05, 30.0)
    x[20 * RATE : 20 * RATE + 480] = 0.99  # a sudden shout after the gain went up
    out = levelled(agc, x)
    assert float(np.max(np.abs(out))) <= 10 ** (-1 / 20) + 1e-6


def test_silence_is_not_turned_up():
    agc = SlowAgc(RATE)
    quiet = np.full(10 * RATE, 1e-5, dtype=np.float32)
    levelled(agc, quiet)
    assert agc.gain_db == 0.0
