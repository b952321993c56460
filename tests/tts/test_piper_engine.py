"""The Piper engine through the real piper-tts path — model and configuration loading,
espeak-ng phonemizing (piper's own bundled espeak-ng), phoneme ids, onnxruntime inference —
with a tiny model the tests generate (tests/tts/piper_voice.py): it turns each phoneme id
into a tone, so the audio tells which ids, speaker and length the model received."""

from __future__ import annotations

import io
import socket
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from piper import PiperVoice
from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP, phonemes_to_ids

from broadcast.settings import Settings
from broadcast.tts.cache import SentenceCache
from broadcast.tts.chain import EngineChain, build_chain
from broadcast.tts.engine import SynthesisError
from broadcast.tts.piper_engine import PiperEngine
from tests.tts import piper_voice

SENTENCE = "Xin chào bà con, hôm nay là thứ hai."


@pytest.fixture
def voice(tmp_path: Path) -> Path:
    model = tmp_path / "vi_VN-thu-x_low.onnx"
    piper_voice.build_model(model)
    piper_voice.write_config(
        Path(f"{model}.json"), phoneme_id_map=dict(DEFAULT_PHONEME_ID_MAP)
    )
    return model


def expected_ids(text: str, model: Path) -> list[int]:
    """What the voice should receive: espeak-ng (voice "vi", from the configuration) phonemes
    mapped by the configuration's id map, with Piper's start, pad and end symbols.

    piper's one process-wide espeak-ng is used, as the engine does: initializing espeak-ng a
    second time in a process (``EspeakPhonemizer()``) now and then garbles its phonemes."""
    (phonemes,) = PiperVoice.load(model).phonemize(text)
    return phonemes_to_ids(phonemes, DEFAULT_PHONEME_ID_MAP)


def read(data: bytes) -> tuple[np.ndarray, int]:
    samples, rate = sf.read(io.BytesIO(data), dtype="float32")
    return samples, rate


def test_vietnamese_is_phonemized_and_the_model_runs(voice: Path) -> None:
    audio = PiperEngine(voice).synthesize(SENTENCE)

    assert audio.format == "wav"
    samples, rate = read(audio.data)
    assert rate == piper_voice.SAMPLE_RATE
    ids = expected_ids(SENTENCE, voice)
    assert len(samples) == len(ids) * piper_voice.HOP
    assert piper_voice.decode_ids(samples) == ids
    # The phonemes are Vietnamese ones (espeak-ng "vi"): tone numbers and the ŋ of "chào".
    inverse = {v[0]: k for k, v in DEFAULT_PHONEME_ID_MAP.items()}
    spoken = "".join(inverse[i] for i in ids)
    assert "ʃ" in spoken or "tʃ" in spoken
    assert any(tone in spoken for tone in "123456")


def test_length_scale_slows_the_voice_down(voice: Path) -> None:
    normal, _ = read(PiperEngine(voice).synthesize(SENTENCE).data)
    slow, _ = read(PiperEngine(voice, length_scale=1.5).synthesize(SENTENCE).data)
    ids = expected_ids(SENTENCE, voice)
    assert len(slow) == len(ids) * round(piper_voice.HOP * 1.5)
    assert len(slow) > len(normal)
    assert piper_voice.decode_ids(slow, length_scale=1.5) == ids


def test_a_multi_speaker_voice_gets_the_chosen_speaker(tmp_path: Path) -> None:
    model = tmp_path / "many.onnx"
    piper_voice.build_model(model, speakers=3)
    piper_voice.write_config(
        Path(f"{model}.json"), speakers=3, phoneme_id_map=dict(DEFAULT_PHONEME_ID_MAP)
    )
    samples, _ = read(PiperEngine(model, speaker=2).synthesize("Bà con.").data)
    assert piper_voice.decode_ids(samples, speaker=2) == expected_ids("Bà con.", model)


def test_nothing_goes_to_the_network(voice: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("Piper must not open a network connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    engine = PiperEngine(voice)
    assert engine.check() is None
    assert engine.synthesize(SENTENCE).data


def test_missing_model_is_reported_not_downloaded(tmp_path: Path) -> None:
    engine = PiperEngine(tmp_path / "vi_VN-vais1000-medium.onnx")
    reason = engine.check()
    assert reason is not None and "BROADCAST_PIPER_MODEL" in reason
    with pytest.raises(SynthesisError) as caught:
        engine.synthesize(SENTENCE)
    assert caught.value.code == "piper_model_missing"


def test_missing_or_broken_configuration(voice: Path, tmp_path: Path) -> None:
    lonely = tmp_path / "lonely.onnx"
    lonely.write_bytes(voice.read_bytes())
    with pytest.raises(SynthesisError) as caught:
        PiperEngine(lonely).synthesize(SENTENCE)
    assert caught.value.code == "piper_config_missing"

    Path(f"{lonely}.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(SynthesisError) as caught:
        PiperEngine(lonely).synthesize(SENTENCE)
    assert caught.value.code == "piper_config_invalid"

    Path(f"{lonely}.json").write_text('{"audio": {}}', encoding="utf-8")
    with pytest.raises(SynthesisError) as caught:
        PiperEngine(lonely).synthesize(SENTENCE)
    assert caught.value.code == "piper_config_invalid"


def test_a_file_that_is_not_a_model(voice: Path, tmp_path: Path) -> None:
    fake = tmp_path / "fake.onnx"
    fake.write_bytes(b"this is not an onnx model")
    Path(f"{fake}.json").write_text(Path(f"{voice}.json").read_text())
    engine = PiperEngine(fake)
    assert engine.check() is not None
    with pytest.raises(SynthesisError) as caught:
        engine.synthesize(SENTENCE)
    assert caught.value.code == "piper_model_invalid"
    # A fixed file is picked up without restarting the station.
    fake.write_bytes(voice.read_bytes())
    assert engine.check() is None


def test_identity_follows_the_model_file(voice: Path) -> None:
    engine = PiperEngine(voice)
    before = engine.identity()
    assert before == PiperEngine(voice).identity()
    voice.write_bytes(voice.read_bytes() + b"\0")
    assert engine.identity() != before
    assert PiperEngine(voice, length_scale=1.2).identity() != engine.identity()


def test_settings_build_it_and_the_chain_caches_it(voice: Path, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, engines=["piper", "espeak"], piper_model=voice)
    chain = build_chain(settings)
    assert chain.engine_names == ["piper", "espeak"]
    speech = chain.speak_script([SENTENCE, "Bà con chú ý."])
    assert speech.engine == "piper" and speech.synthesized == 2
    assert chain.speak_script([SENTENCE]).cache_hits == 1


def test_unconfigured_piper_is_a_clear_error(tmp_path: Path) -> None:
    from broadcast.errors import TTSError

    with pytest.raises(TTSError) as caught:
        build_chain(Settings(data_dir=tmp_path, engines=["piper"]))
    assert caught.value.code == "piper_not_configured"


def test_falls_back_to_the_next_voice_for_the_whole_script(tmp_path: Path) -> None:
    from broadcast.tts.fake_engine import FakeEngine

    broken = PiperEngine(tmp_path / "absent.onnx")
    chain = EngineChain([broken, FakeEngine()], SentenceCache(tmp_path))
    speech = chain.speak_script([SENTENCE, "Bà con chú ý."])
    assert speech.engine == "fake"
    assert [a.code for a in speech.attempts if not a.ok] == ["piper_model_missing"]
