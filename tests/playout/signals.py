"""Test signals written as WAV files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile


def noise_burst(seconds: float, rate: int = 48_000, amplitude: float = 0.3, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(int(seconds * rate)).astype(np.float32)
    return np.clip(x * amplitude, -0.95, 0.95).astype(np.float32)


def tone(seconds: float, freq: float = 440.0, rate: int = 48_000, amplitude: float = 0.5):
    t = np.arange(int(seconds * rate)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def write(path: Path, samples: np.ndarray, rate: int = 48_000) -> Path:
    soundfile.write(str(path), samples, rate, subtype="FLOAT")
    return path
