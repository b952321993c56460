from __future__ import annotations

from pathlib import Path

import numpy as np
import pyloudnorm as pyln
import pytest
import soundfile as sf
from pydub import AudioSegment
from scipy.signal import butter, resample_poly, sosfiltfilt

from broadcast.errors import RenderError
from broadcast.mixing import (
    AudioPart,
    JinglePart,
    SilencePart,
    SpeechPart,
    default_jingle,
    measure_wav,
    probe_duration,
    render_preview_mp3,
    render_program,
)

from .conftest import speech_like, tone

RATE = 48_000


def read(path: Path) -> np.ndarray:
    data, rate = sf.read(path, dtype="float64")
    assert rate == RATE and data.ndim == 1
    return data


def independent_true_peak(x: np.ndarray) -> float:
    return float(20 * np.log10(np.abs(resample_poly(x, 4, 1)).max()))


def start_of(stats, label: str) -> int:
    return int(round(dict(stats.segment_starts)[label] * RATE))


def normalized_correlation(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / np.sqrt(np.dot(a, a) * np.dot(b, b)))


@pytest.fixture
def mp3_tone(tmp_path: Path) -> Path:
    x = tone(1000, 2.0, 24_000, 0.1)
    pcm = (x * 32767).astype(np.int16).tobytes()
    path = tmp_path / "thong-bao.mp3"
    AudioSegment(pcm, frame_rate=24_000, sample_width=2, channels=1).export(path, format="mp3")
    return path


@pytest.fixture
def program(tmp_path: Path, speech_clips: list[Path], jingles_dir: Path, mp3_tone: Path):
    out = tmp_path / "out" / "program.wav"
    parts = [JinglePart("intro"), SpeechPart(speech_clips), SilencePart(1.0),
             AudioPart(mp3_tone), JinglePart("outro")]
    stats = render_program(parts, out, jingles_dir=jingles_dir)
    return out, stats, read(out)


def test_program_meets_loudness_and_true_peak(program) -> None:
    out, stats, x = program
    measured = pyln.Meter(RATE).integrated_loudness(x)
    assert measured == pytest.approx(-16.0, abs=0.5)
    assert independent_true_peak(x) <= -1.0
    # The reported figures are those of the written file.
    assert stats.integrated_lufs == pytest.approx(measured, abs=0.1)
    lufs, peak = measure_wav(out)
    assert stats.integrated_lufs == pytest.approx(lufs, abs=1e-6)
    assert stats.true_peak_dbtp == pytest.approx(peak, abs=1e-6)
    assert stats.duration_seconds == pytest.approx(x.shape[0] / RATE)
    assert sf.info(out).subtype == "PCM_16"


def test_other_targets_are_met(tmp_path: Path, speech_clips: list[Path], jingles_dir: Path):
    out = tmp_path / "p.wav"
    stats = render_program([SpeechPart(speech_clips[:3])], out, jingles_dir=jingles_dir,
                           target_lufs=-23.0, true_peak_max=-2.0)
    x = read(out)
    assert pyln.Meter(RATE).integrated_loudness(x) == pytest.approx(-23.0, abs=0.5)
    assert independent_true_peak(x) <= -2.0
    assert stats.true_peak_dbtp <= -2.0


def test_segments_are_where_reported(program, speech_clips: list[Path]) -> None:
    _, stats, x = program
    labels = [label for label, _ in stats.segment_starts]
    assert labels == ["jingle:intro", "speech", "silence", "audio:thong-bao.mp3", "jingle:outro"]
    assert stats.segment_starts[0] == ("jingle:intro", 0.0)
    intro = default_jingle("intro", RATE).astype(np.float64)
    outro = default_jingle("outro", RATE).astype(np.float64)
    # Intro at 0, speech right after it.
    assert normalized_correlation(x[: intro.shape[0]], intro) > 0.98
    assert start_of(stats, "speech") == intro.shape[0]
    # Outro at its reported start, and it ends the program.
    outro_start = start_of(stats, "jingle:outro")
    assert outro_start + outro.shape[0] == x.shape[0]
    assert normalized_correlation(x[outro_start:], outro) > 0.98
    # Shifted by a few ms, the match breaks: the position is exact, not approximate.
    assert normalized_correlation(x[outro_start + 240 :], outro[:-240]) < 0.9
    # The silence part is digital silence, exactly one second.
    silence = start_of(stats, "silence")
    assert start_of(stats, "audio:thong-bao.mp3") - silence == RATE
    assert not x[silence : silence + RATE].any()
    # The MP3 (24 kHz) came in resampled: a 1 kHz tone of ~2 s at its place.
    audio = x[start_of(stats, "audio:thong-bao.mp3") : outro_start]
    assert audio.shape[0] / RATE == pytest.approx(2.0, abs=0.1)
    spectrum = np.abs(np.fft.rfft(audio[RATE // 4 : RATE]))
    assert np.argmax(spectrum) * RATE / (RATE - RATE // 4) == pytest.approx(1000, abs=3)


def test_speech_clips_are_joined_with_pauses(tmp_path: Path, jingles_dir: Path) -> None:
    clips = []
    for i, rate in enumerate([22_050, 16_000, 44_100]):
        path = tmp_path / f"c{i}.wav"
        sf.write(path, speech_like(1.0, rate, seed=i), rate, subtype="PCM_16")
        clips.append(path)
    out = tmp_path / "p.wav"
    stats = render_program([SpeechPart(clips, pause_seconds=0.5)], out, jingles_dir=jingles_dir)
    assert stats.duration_seconds == pytest.approx(3 * 1.0 + 2 * 0.5, abs=0.01)


def band(x: np.ndarray, low: float | None, high: float | None) -> np.ndarray:
    if low and high:
        sos = butter(8, [low, high], btype="bandpass", fs=RATE, output="sos")
    elif low:
        sos = butter(8, low, btype="highpass", fs=RATE, output="sos")
    else:
        sos = butter(8, high, btype="lowpass", fs=RATE, output="sos")
    return sosfiltfilt(sos, x)


def test_music_bed_is_ducked_under_speech_only(tmp_path: Path, jingles_dir: Path) -> None:
    # Speech-like clips below 3 kHz; the bed a 6.5 kHz tone (between the chime's partials),
    # so the three can be told apart.
    clips = []
    for i in range(4):
        path = tmp_path / f"c{i}.wav"
        sf.write(path, speech_like(3.0, 22_050, seed=i), 22_050, subtype="PCM_16")
        clips.append(path)
    bed = tmp_path / "bed.wav"
    sf.write(bed, tone(6500, 5.0, 44_100, 0.5), 44_100)
    out = tmp_path / "p.wav"
    parts = [JinglePart("intro"), SilencePart(1.0), SpeechPart(clips), SilencePart(1.0)]
    stats = render_program(parts, out, jingles_dir=jingles_dir, bed=bed, duck_db=18.0)
    x = read(out)
    starts = [int(round(seconds * RATE)) for _, seconds in stats.segment_starts]
    speech_at, after = starts[2], starts[3]
    speech_region = x[speech_at:after]
    meter = pyln.Meter(RATE)
    bed_part = band(speech_region, 6200, 6800)
    speech_part = band(speech_region, None, 4000)
    ducking = meter.integrated_loudness(speech_part) - meter.integrated_loudness(bed_part)
    assert 15.0 <= ducking <= 21.0
    # Absent outside the speech part: silence stays silent, the intro has no 6.5 kHz.
    assert not x[after:].any()
    assert not x[speech_at - RATE // 2 : speech_at].any()
    intro = x[: starts[1]]
    bed_rms = np.sqrt(np.mean(bed_part[RATE : 2 * RATE] ** 2))
    assert np.sqrt(np.mean(band(intro, 6200, 6800) ** 2)) < 0.01 * bed_rms
    # Faded in: the bed's first 50 ms are much weaker than its steady level.
    envelope = np.abs(bed_part)
    first = envelope[: RATE // 20].max()
    steady = envelope[RATE : 2 * RATE].max()
    assert first < 0.3 * steady


def test_failed_render_keeps_the_previous_file(tmp_path: Path, speech_clips: list[Path],
                                                jingles_dir: Path) -> None:
    out = tmp_path / "program.wav"
    render_program([SpeechPart(speech_clips[:2])], out, jingles_dir=jingles_dir)
    before = out.read_bytes()
    broken = tmp_path / "broken.wav"
    broken.write_bytes(b"RIFF....WAVEfmt garbage")
    with pytest.raises(RenderError) as err:
        render_program([JinglePart("intro"), SpeechPart([speech_clips[0], broken])], out,
                       jingles_dir=jingles_dir)
    assert err.value.code == "audio_unreadable"
    assert "broken.wav" in err.value.message
    assert out.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.wav", "jingles",
                                                          "program.wav"]


@pytest.mark.parametrize(
    ("parts", "code"),
    [
        ([], "program_empty"),
        ([SpeechPart([])], "program_empty"),
        ([SilencePart(2.0)], "program_silent"),
        ([SilencePart(-1.0)], "invalid_part"),
        ([JinglePart("khong-ton-tai")], "jingle_not_found"),
        ([AudioPart(Path("/nonexistent/x.mp3"))], "audio_unreadable"),
    ],
)
def test_bad_programs_raise_coded_errors(tmp_path: Path, jingles_dir: Path, parts, code) -> None:
    with pytest.raises(RenderError) as err:
        render_program(parts, tmp_path / "p.wav", jingles_dir=jingles_dir)
    assert err.value.code == code
    assert not (tmp_path / "p.wav").exists()


def test_other_sample_rate_and_preview(tmp_path: Path, speech_clips: list[Path],
                                       jingles_dir: Path) -> None:
    out = tmp_path / "p.wav"
    stats = render_program([JinglePart("intro"), SpeechPart(speech_clips[:2])], out,
                           jingles_dir=jingles_dir, sample_rate=44_100)
    info = sf.info(out)
    assert (info.samplerate, info.channels) == (44_100, 1)
    x, _ = sf.read(out)
    assert pyln.Meter(44_100).integrated_loudness(x) == pytest.approx(-16.0, abs=0.5)
    mp3 = tmp_path / "p.mp3"
    render_preview_mp3(out, mp3)
    assert probe_duration(mp3) == pytest.approx(stats.duration_seconds, abs=0.1)


def test_quiet_operator_audio_is_levelled_with_the_speech(tmp_path: Path, jingles_dir: Path):
    loud = tmp_path / "loud.wav"
    quiet = tmp_path / "quiet.wav"
    sf.write(loud, speech_like(6.0, RATE, seed=1), RATE)
    sf.write(quiet, 0.2 * speech_like(6.0, RATE, seed=2), RATE)  # 14 dB quieter
    out = tmp_path / "p.wav"
    stats = render_program([AudioPart(loud), AudioPart(quiet)], out, jingles_dir=jingles_dir)
    x = read(out)
    split = start_of(stats, "audio:quiet.wav")
    meter = pyln.Meter(RATE)
    assert abs(meter.integrated_loudness(x[:split])
               - meter.integrated_loudness(x[split:])) < 1.5
