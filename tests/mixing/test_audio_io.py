from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from pydub import AudioSegment

from broadcast.errors import RenderError
from broadcast.mixing.audio_io import (
    decode_with_ffmpeg,
    iter_audio_blocks,
    probe_duration,
    read_audio,
    wav_to_mp3,
    write_wav,
)

from .conftest import tone

RATE = 48_000


def dominant_frequency(x: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.shape[0])))
    return float(np.argmax(spectrum) * rate / x.shape[0])


def make_mp3(path: Path, x: np.ndarray, rate: int) -> Path:
    pcm = (x * 32767).astype(np.int16)
    AudioSegment(pcm.tobytes(), frame_rate=rate, sample_width=2, channels=1).export(
        path, format="mp3", bitrate="128k")
    return path


def test_wav_at_another_rate_and_stereo_is_resampled_to_mono(tmp_path: Path) -> None:
    stereo = np.stack([tone(1000, 2.0, 22_050), tone(1000, 2.0, 22_050)], axis=1)
    sf.write(tmp_path / "a.wav", stereo, 22_050, subtype="PCM_16")
    x = read_audio(tmp_path / "a.wav", RATE)
    assert x.dtype == np.float32 and x.ndim == 1
    assert x.shape[0] == pytest.approx(2 * RATE, abs=2)
    assert dominant_frequency(x, RATE) == pytest.approx(1000, abs=2)
    assert np.abs(x[RATE // 2 : RATE]).max() == pytest.approx(0.3, abs=0.01)


def test_mp3_is_decoded_and_resampled(tmp_path: Path) -> None:
    mp3 = make_mp3(tmp_path / "a.mp3", tone(1000, 2.0, 24_000), 24_000)
    fast = read_audio(mp3, RATE)
    slow = decode_with_ffmpeg(mp3, RATE)  # the pydub path
    for x in (fast, slow):
        assert abs(x.shape[0] / RATE - 2.0) < 0.1  # encoder padding at most
        assert dominant_frequency(x, RATE) == pytest.approx(1000, abs=2)
        # (the MP3 round trip itself loses ~0.5 dB here; both decoders must agree)
        assert np.sqrt(np.mean(x[RATE // 2 : RATE] ** 2)) == pytest.approx(0.3 / np.sqrt(2),
                                                                           rel=0.1)
    np.testing.assert_allclose(fast[RATE // 2 : RATE], slow[RATE // 2 : RATE], atol=0.01)


def test_streamed_blocks_match_whole_file(tmp_path: Path) -> None:
    x = tone(300, 3.0, 44_100)
    sf.write(tmp_path / "b.wav", x, 44_100, subtype="FLOAT")
    streamed = np.concatenate(list(iter_audio_blocks(tmp_path / "b.wav", RATE, 10_000)))
    whole = read_audio(tmp_path / "b.wav", RATE)
    assert abs(streamed.shape[0] - whole.shape[0]) < 100
    n = min(streamed.shape[0], whole.shape[0]) - 2000
    assert np.abs(streamed[1000:n] - whole[1000:n]).max() < 0.01
    same_rate = np.concatenate(list(iter_audio_blocks(tmp_path / "b.wav", 44_100, 10_000)))
    np.testing.assert_array_equal(same_rate, x)


@pytest.mark.parametrize("content", [b"", b"not audio at all" * 100, b"RIFF\x00\x00WAVEjunk"])
def test_unreadable_files_raise_render_error(tmp_path: Path, content: bytes) -> None:
    bad = tmp_path / "bad.wav"
    bad.write_bytes(content)
    for call in (lambda: read_audio(bad, RATE), lambda: probe_duration(bad),
                 lambda: list(iter_audio_blocks(bad, RATE, 1000))):
        with pytest.raises(RenderError) as err:
            call()
        assert err.value.code == "audio_unreadable"
    with pytest.raises(RenderError) as err:
        read_audio(tmp_path / "missing.mp3", RATE)
    assert err.value.code == "audio_unreadable"
    assert "Không đọc được" in err.value.message and "missing.mp3" in err.value.message


def test_write_wav_is_16_bit_and_probe_and_mp3_preview(tmp_path: Path) -> None:
    wav = tmp_path / "p.wav"
    frames = write_wav(wav, [tone(500, 1.0, RATE), tone(500, 0.5, RATE)], RATE)
    assert frames == int(1.5 * RATE)
    info = sf.info(wav)
    assert (info.samplerate, info.channels, info.subtype) == (RATE, 1, "PCM_16")
    assert probe_duration(wav) == pytest.approx(1.5)
    mp3 = tmp_path / "p.mp3"
    wav_to_mp3(wav, mp3)
    assert probe_duration(mp3) == pytest.approx(1.5, abs=0.1)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp left
