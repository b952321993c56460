from __future__ import annotations

import io

import numpy as np
import pytest
import soundfile as sf

from broadcast.tts.engine import SynthesisError
from broadcast.tts.fake_engine import FakeEngine


def dominant_frequency(data: bytes) -> float:
    samples, rate = sf.read(io.BytesIO(data), dtype="float64")
    spectrum = np.abs(np.fft.rfft(samples))
    return float(np.fft.rfftfreq(len(samples), 1 / rate)[int(np.argmax(spectrum))])


def test_tone_pitch_from_hash_and_length_from_text():
    engine = FakeEngine()
    short, long = "Một câu.", "Một câu dài hơn nhiều, đọc lâu hơn hẳn."
    short_samples, rate = sf.read(io.BytesIO(engine.synthesize(short).data))
    long_samples, _ = sf.read(io.BytesIO(engine.synthesize(long).data))

    assert len(long_samples) / rate == pytest.approx(engine.duration_for(long), abs=1e-3)
    assert len(long_samples) > len(short_samples)
    assert dominant_frequency(engine.synthesize(long).data) == pytest.approx(
        FakeEngine.frequency_for(long), abs=3
    )
    assert engine.spoken == [short, long, long]


def test_failure_knobs_and_call_record():
    engine = FakeEngine(fail_sentences={"hỏng"}, fail_after=3)
    engine.synthesize("một")
    with pytest.raises(SynthesisError) as info:
        engine.synthesize("hỏng")
    assert info.value.code == "fake_failed"
    engine.synthesize("hai")
    with pytest.raises(SynthesisError):
        engine.synthesize("ba")  # fourth call: past fail_after

    assert [(c.sentence, c.ok) for c in engine.calls] == [
        ("một", True),
        ("hỏng", False),
        ("hai", True),
        ("ba", False),
    ]
