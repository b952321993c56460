"""The fallback chain: one voice per script, cache reuse, breaker, errors naming engines."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
import responses

from broadcast.errors import TTSError
from broadcast.settings import Settings
from broadcast.tts.cache import SentenceCache
from broadcast.tts.chain import EngineChain, build_chain
from broadcast.tts.espeak_engine import EspeakEngine
from broadcast.tts.fake_engine import FakeEngine
from broadcast.tts.gtts_engine import GttsEngine
from tests.tts.helpers import GTTS_URL, FakeClock, batchexecute_body, needs_espeak

SCRIPT = [f"Câu thứ {i} của bản tin chuyển đổi số hôm nay." for i in range(1, 41)]


def make_chain(
    tmp_path: Path, *engines: FakeEngine, clock: FakeClock | None = None, **kwargs: object
) -> EngineChain:
    return EngineChain(
        list(engines),
        SentenceCache(tmp_path),
        clock=clock or FakeClock(),
        **kwargs,  # type: ignore[arg-type]
    )


def expected_clip(chain: EngineChain, engine: FakeEngine, sentence: str) -> Path | None:
    return chain.cache.get(chain.cache.key(engine.name, engine.identity(), sentence))


def test_first_engine_speaks_everything_when_healthy(tmp_path: Path):
    first, second = FakeEngine("fake"), FakeEngine("backup")
    chain = make_chain(tmp_path, first, second)

    speech = chain.speak_script(SCRIPT)

    assert speech.engine == "fake"
    assert speech.synthesized == 40 and speech.cache_hits == 0
    assert speech.clips == [expected_clip(chain, first, s) for s in SCRIPT]
    assert second.calls == []
    assert [(a.engine, a.ok) for a in speech.attempts] == [("fake", True)]


def test_editing_one_sentence_resynthesizes_only_that_one(tmp_path: Path):
    engine = FakeEngine()
    chain = make_chain(tmp_path, engine)
    chain.speak_script(SCRIPT)
    edited = list(SCRIPT)
    edited[17] = "Câu này vừa được biên tập viên sửa lại."
    engine.calls.clear()

    speech = chain.speak_script(edited)

    assert engine.spoken == ["Câu này vừa được biên tập viên sửa lại."]
    assert speech.synthesized == 1 and speech.cache_hits == 39
    assert speech.clips[17] == expected_clip(chain, engine, edited[17])
    assert speech.clips[16] == expected_clip(chain, engine, SCRIPT[16])


def test_repeated_sentences_are_synthesized_once(tmp_path: Path):
    engine = FakeEngine()
    chain = make_chain(tmp_path, engine)

    speech = chain.speak_script(["Xin chào.", "Tin thứ nhất.", "Xin chào."])

    assert sorted(engine.spoken) == ["Tin thứ nhất.", "Xin chào."]
    assert speech.clips[0] == speech.clips[2]


def test_whole_script_falls_back_when_one_sentence_fails(tmp_path: Path):
    first = FakeEngine("fake", fail_sentences={SCRIPT[25]})
    second = FakeEngine("backup")
    chain = make_chain(tmp_path, first, second, workers=2)

    speech = chain.speak_script(SCRIPT)

    # One voice for the whole script: every clip is the backup's.
    assert speech.engine == "backup"
    assert speech.clips == [expected_clip(chain, second, s) for s in SCRIPT]
    assert sorted(second.spoken) == sorted(SCRIPT)
    assert [(a.engine, a.ok, a.code) for a in speech.attempts] == [
        ("fake", False, "fake_failed"),
        ("backup", True, None),
    ]
    # What the first voice did speak stays cached for the next render.
    spoken_before = set(first.spoken)
    assert spoken_before  # the probe and pool ran before the failure
    assert all(expected_clip(chain, first, s) is not None for s in spoken_before)

    first.fail_sentences = ()
    first.calls.clear()
    again = chain.speak_script(SCRIPT)
    assert again.engine == "fake"
    assert sorted(first.spoken) == sorted(set(SCRIPT) - spoken_before)
    assert again.cache_hits == len(spoken_before)


def test_all_engines_failing_names_each_engine_and_why(tmp_path: Path):
    chain = make_chain(
        tmp_path,
        FakeEngine("fake", fail_all=True, error_code="one_down"),
        FakeEngine("backup", fail_all=True, error_code="two_down"),
    )

    with pytest.raises(TTSError) as info:
        chain.speak_script(SCRIPT[:3])

    assert info.value.code == "all_engines_failed"
    assert "fake:" in info.value.message and "backup:" in info.value.message
    assert "Giọng giả lập 'fake'" in info.value.message
    assert "Không giọng đọc nào" in info.value.message


def test_breaker_skips_a_failing_engine_then_half_opens(tmp_path: Path):
    clock = FakeClock()
    first = FakeEngine("fake", fail_all=True)
    second = FakeEngine("backup")
    chain = make_chain(
        tmp_path, first, second, clock=clock, breaker_failures=2, breaker_cooldown_seconds=300
    )

    for i in range(2):  # each script costs the failing engine exactly one call
        chain.speak_script([f"Bản tin {i}, câu một.", f"Bản tin {i}, câu hai."])
    assert len(first.calls) == 2

    skipped = chain.speak_script(["Bản tin 2, câu một.", "Bản tin 2, câu hai."])
    assert len(first.calls) == 2  # not called at all: the breaker is open
    assert skipped.engine == "backup"
    assert skipped.attempts[0].code == "engine_circuit_open"
    assert "300 giây" in (skipped.attempts[0].error or "")

    clock.advance(300)
    first.fail_all = False  # the network is back
    speech = chain.speak_script(["Bản tin 3, câu một.", "Bản tin 3, câu hai."])
    assert speech.engine == "fake"
    assert chain.breakers["fake"].state == "closed"


def test_failed_probe_keeps_the_engine_skipped(tmp_path: Path):
    clock = FakeClock()
    first = FakeEngine("fake", fail_all=True)
    chain = make_chain(tmp_path, first, FakeEngine("backup"), clock=clock, breaker_failures=1)
    chain.speak_script(["Một.", "Hai."])
    clock.advance(300)

    chain.speak_script(["Ba.", "Bốn.", "Năm."])  # half-open: one probe call, fails

    assert [c.sentence for c in first.calls] == ["Một.", "Ba."]
    assert chain.breakers["fake"].state == "open"


def test_open_breaker_still_serves_a_fully_cached_script(tmp_path: Path):
    clock = FakeClock()
    first = FakeEngine("fake")
    chain = make_chain(tmp_path, first, FakeEngine("backup"), clock=clock, breaker_failures=1)
    chain.speak_script(SCRIPT[:5])
    first.fail_all = True
    chain.speak_script(["Câu mới làm hỏng giọng đầu."])  # opens the breaker
    assert chain.breakers["fake"].state == "open"

    speech = chain.speak_script(SCRIPT[:5])

    assert speech.engine == "fake" and speech.cache_hits == 5


def test_progress_reaches_the_total(tmp_path: Path):
    seen: list[tuple[int, int]] = []
    chain = make_chain(tmp_path, FakeEngine())
    chain.speak_script(SCRIPT[:5])

    chain.speak_script(SCRIPT[:10], progress=lambda done, total: seen.append((done, total)))

    assert seen[0] == (5, 10)
    assert seen[-1] == (10, 10)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_engine_crash_becomes_a_fallback_not_a_crash(tmp_path: Path):
    class Broken(FakeEngine):
        def synthesize(self, sentence: str):
            raise ZeroDivisionError("bug")

    chain = make_chain(tmp_path, Broken("fake"), FakeEngine("backup"))
    speech = chain.speak_script(SCRIPT[:2])
    assert speech.engine == "backup"
    assert speech.attempts[0].code == "engine_crashed"


def test_empty_script_and_bad_chains_are_errors(tmp_path: Path):
    with pytest.raises(TTSError) as info:
        make_chain(tmp_path, FakeEngine()).speak_script([])
    assert info.value.code == "empty_script"
    with pytest.raises(TTSError) as info:
        make_chain(tmp_path)
    assert info.value.code == "no_engines"
    with pytest.raises(TTSError) as info:
        make_chain(tmp_path, FakeEngine(), FakeEngine())
    assert info.value.code == "duplicate_engine"


# --- gTTS faked at the HTTP level, falling back to espeak-ng ---


def gtts(clock: FakeClock, retries: int = 1) -> GttsEngine:
    return GttsEngine(
        requests_per_second=1000.0,
        timeout_seconds=5.0,
        retries=retries,
        backoff_seconds=1.0,
        sleep=clock.sleep,
        clock=clock,
    )


@needs_espeak
@pytest.mark.parametrize(
    ("failure", "code"),
    [
        ({"status": 429}, "gtts_rate_limited"),
        ({"body": requests.exceptions.ReadTimeout("read timed out")}, "gtts_timeout"),
        ({"body": requests.exceptions.ConnectionError("unreachable")}, "gtts_unreachable"),
    ],
)
def test_gtts_failure_falls_back_to_espeak(tmp_path: Path, failure: dict, code: str):
    clock = FakeClock()
    chain = EngineChain(
        [gtts(clock), EspeakEngine()], SentenceCache(tmp_path), clock=clock, breaker_failures=3
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as google:
        google.add(responses.POST, GTTS_URL, **failure)
        speech = chain.speak_script(SCRIPT[:6])
        calls = len(google.calls)

    assert speech.engine == "espeak"
    assert all(p.suffix == ".wav" for p in speech.clips)
    assert speech.attempts[0].engine == "gtts" and speech.attempts[0].code == code
    assert calls == 2  # one sentence, retried once; then the whole script moved on


@needs_espeak
def test_gtts_midway_failure_keeps_its_sentences_cached(tmp_path: Path, mp3_bytes: bytes):
    clock = FakeClock()
    chain = EngineChain(
        [gtts(clock, retries=0), EspeakEngine()],
        SentenceCache(tmp_path),
        clock=clock,
        workers=1,
    )
    script = SCRIPT[:5]
    with responses.RequestsMock(
        registry=responses.registries.OrderedRegistry, assert_all_requests_are_fired=True
    ) as google:
        for _ in range(3):
            google.add(responses.POST, GTTS_URL, body=batchexecute_body(mp3_bytes))
        google.add(responses.POST, GTTS_URL, status=429)
        first = chain.speak_script(script)
    assert first.engine == "espeak"

    with responses.RequestsMock(assert_all_requests_are_fired=True) as google:
        google.add(responses.POST, GTTS_URL, body=batchexecute_body(mp3_bytes))
        second = chain.speak_script(script)
        assert len(google.calls) == 2  # only the two sentences gTTS had not spoken

    assert second.engine == "gtts" and second.cache_hits == 3
    assert all(p.suffix == ".mp3" for p in second.clips)


@needs_espeak
def test_unreachable_gtts_is_skipped_once_the_breaker_opens(tmp_path: Path):
    clock = FakeClock()
    chain = EngineChain(
        [gtts(clock, retries=2), EspeakEngine()],
        SentenceCache(tmp_path),
        clock=clock,
        breaker_failures=3,
    )
    with responses.RequestsMock(assert_all_requests_are_fired=False) as google:
        google.add(responses.POST, GTTS_URL, body=requests.exceptions.ConnectionError("dns"))
        chain.speak_script(SCRIPT[:3])
        assert len(google.calls) == 3  # one sentence, three attempts: breaker opens
        chain.speak_script(SCRIPT[3:20])
        assert len(google.calls) == 3  # the whole next script: gTTS not called


def test_build_chain_from_settings(tmp_path: Path):
    settings = Settings(data_dir=tmp_path, engines=["gtts", "espeak"], espeak_rate=170)
    chain = build_chain(settings)
    assert chain.engine_names == ["gtts", "espeak"]
    assert chain.cache.root == tmp_path / "audio_cache"
    assert "rate=170" in chain.engines[1].identity()

    assert build_chain(settings, ["fake"]).engine_names == ["fake"]
    with pytest.raises(TTSError) as info:
        build_chain(settings, ["espeak", "festival"])
    assert info.value.code == "unknown_engine"
    assert "festival" in info.value.message
