"""An editor's recording made ready to air: trimmed, high-passed, levelled — from the formats a
browser and a phone produce."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from scipy.signal import welch

from broadcast.errors import ScriptInputError
from broadcast.mixing.loudness import integrated_loudness
from broadcast.mixing.recording import process_recording

RATE = 44_100


def voice_like(seconds: float, level: float = 0.2, rate: int = RATE) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return level * np.sin(2 * np.pi * 230 * t) * (1 + 0.6 * np.sin(2 * np.pi * 4 * t))


def noise(seconds: float, level: float = 0.002, rate: int = RATE) -> np.ndarray:
    return level * np.random.default_rng(7).standard_normal(int(seconds * rate))


def write(path: Path, samples: np.ndarray, rate: int = RATE) -> Path:
    sf.write(path, samples.astype("float32"), rate)
    return path


def test_silence_is_trimmed_at_both_ends_only(tmp_path: Path) -> None:
    # 1.5 s of room noise, 2 s of speech, a 0.6 s pause, 1 s of speech, 2.5 s of room noise.
    signal = np.concatenate([
        noise(1.5), voice_like(2.0) + noise(2.0), noise(0.6), voice_like(1.0) + noise(1.0),
        noise(2.5),
    ])
    result = process_recording(write(tmp_path / "in.wav", signal), tmp_path / "out.wav")

    assert result.trimmed_start_seconds == pytest.approx(1.5 - 0.15, abs=0.05)
    assert result.trimmed_end_seconds == pytest.approx(2.5 - 0.3, abs=0.05)
    assert result.duration_seconds == pytest.approx(0.15 + 3.6 + 0.3, abs=0.06)
    out, rate = sf.read(tmp_path / "out.wav")
    assert rate == 48_000 and len(out) / rate == pytest.approx(result.duration_seconds, abs=1e-3)
    # The pause inside the speech is kept.
    middle = out[int((0.15 + 2.1) * rate):int((0.15 + 2.5) * rate)]
    assert np.sqrt(np.mean(middle**2)) < 0.01


def test_rumble_is_removed(tmp_path: Path) -> None:
    t = np.arange(int(3 * RATE)) / RATE
    rumble = 0.15 * np.sin(2 * np.pi * 25 * t)
    signal = np.concatenate([noise(0.5), voice_like(3.0) + rumble, noise(0.5)])
    process_recording(write(tmp_path / "in.wav", signal), tmp_path / "out.wav")

    def band_db(samples: np.ndarray, rate: int, low: float, high: float) -> float:
        freqs, power = welch(samples, rate, nperseg=8192)
        band = (freqs >= low) & (freqs <= high)
        return float(10 * np.log10(np.sum(power[band])))

    before = band_db(signal, RATE, 15, 35) - band_db(signal, RATE, 200, 260)
    out, rate = sf.read(tmp_path / "out.wav")
    after = band_db(out, rate, 15, 35) - band_db(out, rate, 200, 260)
    assert after < before - 30  # the 25 Hz rumble fell by more than 30 dB against the voice


@pytest.mark.parametrize("level", [0.01, 0.2, 0.9])
def test_loudness_is_levelled_whatever_the_microphone_level(tmp_path: Path, level: float) -> None:
    quiet = noise(0.5, level / 100)
    signal = np.concatenate([quiet, voice_like(3.0, level), quiet])
    result = process_recording(
        write(tmp_path / "in.wav", signal), tmp_path / "out.wav", target_lufs=-18.0
    )
    out, rate = sf.read(tmp_path / "out.wav", dtype="float32")
    assert integrated_loudness(out, rate) == pytest.approx(-18.0, abs=0.5)
    assert result.loudness_lufs == pytest.approx(-18.0, abs=0.5)
    assert np.max(np.abs(out)) <= 10 ** (-1 / 20) + 1e-3


def test_the_browser_format_webm_opus(tmp_path: Path) -> None:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    wav = write(tmp_path / "in.wav", np.concatenate([noise(1.0), voice_like(2.0), noise(1.0)]))
    webm = tmp_path / "in.webm"
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", "-i", str(wav), "-c:a", "libopus", "-b:a", "32k",
         str(webm)],
        check=True,
    )
    result = process_recording(webm, tmp_path / "out.wav")
    assert result.duration_seconds == pytest.approx(2.45, abs=0.15)


@pytest.mark.parametrize(
    ("samples", "code"),
    [
        (np.zeros(RATE * 3), "recording_silent"),
        (noise(3.0, 0.01), "recording_silent"),
        (voice_like(0.1), "recording_silent"),
    ],
    ids=["digital silence", "only room noise", "too short"],
)
def test_nothing_to_air(tmp_path: Path, samples: np.ndarray, code: str) -> None:
    with pytest.raises(ScriptInputError) as caught:
        process_recording(write(tmp_path / "in.wav", samples), tmp_path / "out.wav")
    assert caught.value.code == code
    assert not (tmp_path / "out.wav").exists()


def test_not_audio_and_too_long(tmp_path: Path) -> None:
    junk = tmp_path / "junk.webm"
    junk.write_bytes(b"\x1aE\xdf\xa3 certainly not audio" * 50)
    with pytest.raises(ScriptInputError) as caught:
        process_recording(junk, tmp_path / "out.wav")
    assert caught.value.code == "recording_unreadable"

    long = write(tmp_path / "long.wav", np.concatenate([voice_like(4.0), noise(1.0)]))
    with pytest.raises(ScriptInputError) as caught:
        process_recording(long, tmp_path / "out.wav", max_seconds=3.0)
    assert caught.value.code == "recording_too_long"
