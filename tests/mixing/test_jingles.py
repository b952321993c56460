from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from broadcast.errors import RenderError
from broadcast.mixing.jingles import default_jingle, ensure_default_jingles, resolve_jingle

from .conftest import tone

RATE = 48_000


def dominant_frequency(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.shape[0])))
    return float(np.argmax(spectrum) * rate / x.shape[0])


@pytest.mark.parametrize("name", ["intro", "outro"])
def test_default_jingles_are_short_clean_chimes(name: str) -> None:
    x = default_jingle(name, RATE)
    assert x.dtype == np.float32
    assert 2.0 <= x.shape[0] / RATE <= 4.0
    assert np.abs(x).max() == pytest.approx(0.5, abs=1e-3)
    assert abs(x[0]) < 1e-3 and abs(x[-1]) < 1e-3  # no click at either end


def test_intro_rises_and_outro_falls() -> None:
    def note_pitches(x: np.ndarray, onsets: list[float]) -> list[float]:
        return [dominant_frequency(x[int(t * RATE) : int(t * RATE) + 4800], RATE)
                for t in onsets]

    intro = note_pitches(default_jingle("intro", RATE), [0.0, 0.29, 0.57])
    outro = note_pitches(default_jingle("outro", RATE), [0.0, 0.33, 0.65])
    assert intro == sorted(intro) and intro[0] < intro[-1]
    assert outro == sorted(outro, reverse=True) and outro[0] > outro[-1]


def test_ensure_default_jingles_writes_missing_files_only(jingles_dir: Path) -> None:
    written = ensure_default_jingles(jingles_dir, RATE)
    assert sorted(p.name for p in written) == ["intro.wav", "outro.wav"]
    data, rate = sf.read(jingles_dir / "intro.wav", dtype="float32")
    assert rate == RATE
    np.testing.assert_allclose(data, default_jingle("intro", RATE), atol=1 / 32768)
    (jingles_dir / "outro.wav").write_bytes(b"operator's own")
    assert ensure_default_jingles(jingles_dir, RATE) == []
    assert (jingles_dir / "outro.wav").read_bytes() == b"operator's own"


def test_operator_file_overrides_the_default(jingles_dir: Path) -> None:
    sf.write(jingles_dir / "intro.wav", tone(880, 1.0, 22_050), 22_050)
    x = resolve_jingle("intro", jingles_dir, RATE)
    assert x.shape[0] == RATE  # resampled to the program rate
    assert dominant_frequency(x, RATE) == pytest.approx(880, abs=2)


def test_custom_jingle_by_name_and_unknown_name(jingles_dir: Path) -> None:
    sf.write(jingles_dir / "tin-khan.wav", tone(440, 0.5, RATE), RATE)
    assert resolve_jingle("tin-khan", jingles_dir, RATE).shape[0] == RATE // 2
    with pytest.raises(RenderError) as err:
        resolve_jingle("khong-co", jingles_dir, RATE)
    assert err.value.code == "jingle_not_found"
    assert "nhạc hiệu" in err.value.message
    with pytest.raises(RenderError):
        resolve_jingle("../intro", jingles_dir, RATE)
