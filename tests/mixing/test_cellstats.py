"""The fast paths of the mixer against plain reference computations."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from broadcast.errors import RenderError
from broadcast.mixing import SpeechPart, render_program
from broadcast.mixing.audio_io import quantize_pcm16, to_pcm16
from broadcast.mixing.cellstats import CellStats, LoudnessPredictor, range_loudness
from broadcast.mixing.limiter import CELL, CellGain, attenuation_db, limiter_timing
from broadcast.mixing.loudness import integrated_loudness, sub_block_length

from .conftest import speech_like

RATE = 48_000


def reference_cell_gain(a: np.ndarray, look: int, release: float) -> np.ndarray:
    """Steps 2-4 of the limiter, one cell at a time, as the module docstring defines them."""
    n = a.shape[0]
    padded = np.concatenate((a, np.zeros(look)))
    a1 = np.array([padded[i : i + look].max() for i in range(n)])
    a2 = np.zeros(n)
    previous = 0.0
    for i in range(n):
        previous = max(a1[i], previous - release)
        a2[i] = previous
    history = np.concatenate((np.zeros(look - 1), a2))
    return np.array([history[i : i + look].mean() for i in range(n)])


def test_cell_gain_matches_its_definition_whatever_the_chunking() -> None:
    rng = np.random.default_rng(5)
    a = np.where(rng.random(6_000) < 0.02, rng.random(6_000) * 6.0, 0.0)
    a[2_000:4_000] = 0.0  # long enough to go idle in between
    expected = reference_cell_gain(a, 9, 0.05)
    gain = CellGain(9, 0.05)
    pieces, pos = [], 0
    while pos < a.shape[0]:
        size = int(rng.integers(1, 700))
        pieces.append(gain.push(a[pos : pos + size]))
        pos += size
    pieces.append(gain.flush())
    got = np.concatenate(pieces)
    np.testing.assert_allclose(got, expected, atol=1e-9)
    assert np.array_equal(got > 0, expected > 1e-12)  # idle cells are exactly 0


def loud_program(seconds: float) -> np.ndarray:
    x = speech_like(seconds, RATE, seed=3)
    return x * np.float32(0.9 / np.abs(x).max())


def test_predicted_loudness_matches_the_limiter_run_on_every_cell() -> None:
    x = loud_program(20.0)
    stats = CellStats(RATE)
    for start in range(0, x.shape[0], 30_001):
        stats.add(x[start : start + 30_001])
    energies, peaks = stats.finish()
    sub = sub_block_length(RATE)
    look, release = limiter_timing(RATE)
    predictor = LoudnessPredictor(energies.copy(), peaks.copy(), np.array([0]), np.zeros(1),
                                  RATE)  # fmt: skip
    for gain_db, ceiling_dbtp in [(0.0, -1.2), (6.0, -1.2), (12.0, -3.0)]:
        # Reference: the limiter over all cells, the lost energy subtracted cell by cell.
        ceiling = 10.0 ** ((ceiling_dbtp - gain_db) / 20.0)
        cell_gain = CellGain(look, release)
        a = attenuation_db(peaks, ceiling).astype(np.float64)
        reduction = np.concatenate((cell_gain.push(a), cell_gain.flush()))
        kept = energies * 10.0 ** (-reduction / 10.0) * 10.0 ** (gain_db / 10.0)
        expected = range_loudness(kept, 0, energies.shape[0] * CELL, sub)
        assert reduction.max() > 0 or gain_db == 0.0
        assert predictor.limited(gain_db, ceiling_dbtp) == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize(
    ("start", "stop", "tolerance"),
    # When the part does not start on a cell boundary, cells straddling its sub-block
    # boundaries count whole in one of them: the figure is then close, not identical.
    [(0, 480_000, 1e-6), (16, 96_001, 1e-6), (4_803, 431_117, 0.01)],
)
def test_part_loudness_from_cells_equals_measuring_the_part(
    start: int, stop: int, tolerance: float
) -> None:
    # Silence before the part: the filter is at rest when it starts, as for a lone part.
    part = loud_program((stop - start) / RATE)[: stop - start]
    program = np.concatenate((np.zeros(start, np.float32), part, 0.5 * loud_program(3.0)))
    stats = CellStats(RATE)
    stats.add(program)
    energies, _ = stats.finish()
    expected = integrated_loudness(part, RATE)
    got = range_loudness(energies, start, stop, sub_block_length(RATE))
    assert got == pytest.approx(expected, abs=tolerance)


def test_in_place_quantization_matches_to_pcm16() -> None:
    rng = np.random.default_rng(2)
    x = (rng.standard_normal(10_000) * 0.6).astype(np.float32)  # some samples clip
    expected = to_pcm16(x)
    block = x.copy()
    pcm = quantize_pcm16(block)
    assert pcm.dtype == np.int16 and np.array_equal(pcm, expected)
    np.testing.assert_array_equal(block, expected.astype(np.float32) / np.float32(32768.0))


def test_no_worker_thread_outlives_a_failed_render(tmp_path: Path, speech_clips: list[Path],
                                                   jingles_dir: Path) -> None:  # fmt: skip
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEfmt garbage")
    clips = [*speech_clips[:2], broken, *speech_clips[2:]]
    with pytest.raises(RenderError) as err:
        render_program([SpeechPart(clips)], tmp_path / "p.wav", jingles_dir=jingles_dir)
    assert err.value.code == "audio_unreadable"
    names = [t.name for t in threading.enumerate()]
    assert not [n for n in names if n.startswith(("clip-decode", "mix-measure"))], names
