"""The real espeak-ng: valid WAV, audible, parameters in the identity, clear errors."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest
import soundfile as sf

from broadcast.tts.engine import SynthesisError
from broadcast.tts.espeak_engine import EspeakEngine
from tests.tts.helpers import needs_espeak

SENTENCE = "Xin chào bà con, đây là chuyên mục Chuyển đổi số của đài truyền thanh xã."


@needs_espeak
def test_speaks_vietnamese_as_a_valid_non_silent_wav():
    audio = EspeakEngine().synthesize(SENTENCE)

    assert audio.format == "wav"
    samples, rate = sf.read(io.BytesIO(audio.data), dtype="float32")
    assert rate == 22050
    assert 1.5 < len(samples) / rate < 15
    rms = float(np.sqrt(np.mean(samples**2)))
    assert rms > 0.01


@needs_espeak
def test_header_sizes_match_the_bytes():
    data = EspeakEngine().synthesize(SENTENCE).data

    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8
    assert data[36:40] == b"data"
    assert struct.unpack_from("<I", data, 40)[0] == len(data) - 44


@needs_espeak
def test_rate_changes_the_duration():
    slow = EspeakEngine(rate=100).synthesize(SENTENCE).data
    fast = EspeakEngine(rate=250).synthesize(SENTENCE).data
    assert len(slow) > 1.5 * len(fast)


def test_identity_covers_voice_rate_pitch():
    base = EspeakEngine()
    assert base.identity() != EspeakEngine(rate=160).identity()
    assert base.identity() != EspeakEngine(pitch=40).identity()
    assert base.identity() != EspeakEngine(voice="vi-vn-x-south").identity()
    assert base.identity() == EspeakEngine().identity()


def test_missing_binary_says_what_to_install():
    engine = EspeakEngine(binary="espeak-ng-does-not-exist")

    with pytest.raises(SynthesisError) as info:
        engine.synthesize(SENTENCE)

    assert info.value.code == "espeak_missing"
    assert "cài gói espeak-ng" in info.value.message
    assert "unknown" in engine.identity()


@needs_espeak
def test_unknown_voice_is_a_clear_error():
    with pytest.raises(SynthesisError) as info:
        EspeakEngine(voice="zz-nope").synthesize(SENTENCE)
    assert info.value.code == "espeak_voice_missing"
