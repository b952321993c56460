"""Every SpeechEngine implementation passes the same suite (fake, espeak-ng, gTTS, FPT.AI and
Zalo AI with faked HTTP, Piper with a tiny generated voice model)."""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import responses
import soundfile as sf

from broadcast.errors import TTSError
from broadcast.tts import fpt_engine, zalo_engine
from broadcast.tts.cache import SentenceCache
from broadcast.tts.chain import ENGINE_NAMES, EngineChain, split_voice_id
from broadcast.tts.cloud import StaticKeys
from broadcast.tts.engine import SpeechEngine, SynthesizedAudio
from broadcast.tts.espeak_engine import EspeakEngine
from broadcast.tts.fake_engine import FakeEngine
from broadcast.tts.gtts_engine import GttsEngine
from broadcast.tts.piper_engine import PiperEngine
from tests.tts import piper_voice
from tests.tts.helpers import GTTS_URL, batchexecute_body

AUDIO_LINK = "https://cdn.example.vn/audio/1.mp3"

SENTENCES = [
    "Ủy ban nhân dân xã thông báo lịch tiếp công dân tháng này.",
    "Bà con có thể nộp hồ sơ trên Cổng dịch vụ công quốc gia.",
    "Tuyệt đối không cung cấp mã OTP cho người lạ qua điện thoại.",
]


@pytest.fixture(params=["fake", "espeak", "gtts", "fpt", "zalo", "piper"])
def engine(
    request: pytest.FixtureRequest, mp3_bytes: bytes, tmp_path: Path
) -> Iterator[SpeechEngine]:
    keys = StaticKeys({"fpt": "k" * 32, "zalo": "z" * 32})
    def no_sleep(seconds: float) -> None:
        pass

    if request.param == "fpt":
        with responses.RequestsMock(assert_all_requests_are_fired=False) as fpt:
            fpt.add(responses.POST, fpt_engine.URL, json={"async": AUDIO_LINK, "error": 0})
            fpt.add(responses.GET, AUDIO_LINK, body=mp3_bytes)
            policy = replace(fpt_engine.POLICY, requests_per_second=1000.0)
            yield fpt_engine.FptEngine(keys=keys, policy=policy, sleep=no_sleep)
    elif request.param == "zalo":
        with responses.RequestsMock(assert_all_requests_are_fired=False) as zalo:
            answer = {"error_code": 0, "error_message": "Successful.", "data": {"url": AUDIO_LINK}}
            zalo.add(responses.POST, zalo_engine.URL, json=answer)
            zalo.add(responses.GET, AUDIO_LINK, body=mp3_bytes)
            policy = replace(zalo_engine.POLICY, requests_per_second=1000.0)
            yield zalo_engine.ZaloEngine(keys=keys, policy=policy, sleep=no_sleep)
    elif request.param == "piper":
        from piper.phoneme_ids import DEFAULT_PHONEME_ID_MAP

        model = tmp_path / "voice.onnx"
        piper_voice.build_model(model)
        piper_voice.write_config(
            Path(f"{model}.json"), phoneme_id_map=dict(DEFAULT_PHONEME_ID_MAP)
        )
        yield PiperEngine(model)
    elif request.param == "fake":
        yield FakeEngine()
    elif request.param == "espeak":
        if shutil.which("espeak-ng") is None:
            pytest.skip("espeak-ng is not installed")
        yield EspeakEngine()
    else:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as google:
            google.add(responses.POST, GTTS_URL, body=batchexecute_body(mp3_bytes))
            yield GttsEngine(requests_per_second=1000.0, sleep=lambda s: None)


def decode(audio: SynthesizedAudio) -> tuple[np.ndarray, int]:
    samples, rate = sf.read(io.BytesIO(audio.data), dtype="float32")
    return samples, rate


def test_name_is_a_known_engine_name(engine: SpeechEngine):
    assert split_voice_id(engine.name)[0] in ENGINE_NAMES


def test_identity_is_stable_text(engine: SpeechEngine):
    first = engine.identity()
    assert isinstance(first, str) and first
    assert engine.identity() == first


def test_synthesize_returns_decodable_audible_audio(engine: SpeechEngine):
    audio = engine.synthesize(SENTENCES[0])

    assert isinstance(audio, SynthesizedAudio)
    magic = {"wav": (b"RIFF",), "mp3": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xe3")}
    assert audio.data.startswith(magic[audio.format])
    samples, rate = decode(audio)
    assert len(samples) / rate > 0.1
    assert float(np.sqrt(np.mean(samples**2))) > 0.005


def test_safe_from_several_threads(engine: SpeechEngine):
    with ThreadPoolExecutor(max_workers=3) as pool:
        results = list(pool.map(engine.synthesize, SENTENCES * 2))
    assert all(decode(a)[0].size > 0 for a in results)


def test_punctuation_only_gives_audio_or_a_tts_error(engine: SpeechEngine):
    try:
        audio = engine.synthesize("… !")
    except TTSError as exc:
        assert exc.code
    else:
        assert audio.data


def test_works_in_a_chain_with_the_cache(engine: SpeechEngine, tmp_path: Path):
    chain = EngineChain([engine], SentenceCache(tmp_path))

    cold = chain.speak_script(SENTENCES)
    warm = chain.speak_script(SENTENCES)

    assert cold.engine == engine.name and cold.synthesized == 3
    assert warm.cache_hits == 3 and warm.synthesized == 0
    assert warm.clips == cold.clips
    assert [p.read_bytes() for p in cold.clips] == [p.read_bytes() for p in warm.clips]
    assert all(p.suffix in (".wav", ".mp3") for p in cold.clips)
