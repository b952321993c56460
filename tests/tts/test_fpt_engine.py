"""FPT.AI text-to-speech v5 against a fake FPT.AI built from its documentation
(https://docs.fpt.ai/docs/en/speech/api/text-to-speech): the request (text body, api_key,
voice and speed headers), the JSON answer with its ``async`` link, the audio that appears at
that link only after a while, the documented failure answer (``error`` other than 0), and
the HTTP refusals of a gateway (wrong key, too many requests or quota used up, 5xx)."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
import requests
import responses
from urllib3.exceptions import NameResolutionError

from broadcast.tts.cache import SentenceCache
from broadcast.tts.chain import EngineChain
from broadcast.tts.cloud import RequestPolicy, StaticKeys
from broadcast.tts.engine import SynthesisError
from broadcast.tts.fake_engine import FakeEngine
from broadcast.tts.fpt_engine import MAX_CHARS, URL, FptEngine
from tests.tts.helpers import FakeClock

KEY = "fpt-key-0123456789abcdef"
SENTENCE = "Bà con chú ý, sáng mai xã tổ chức tập huấn dịch vụ công trực tuyến."
LINK = "https://file01.fpt.ai/text2speech-v5/short/2025-11-28/0a1b2c3d.mp3"


def accepted(link: str = LINK) -> dict[str, object]:
    """The documented success answer."""
    return {
        "async": link,
        "error": 0,
        "message": "The content will be returned after a few seconds under the async link.",
        "request_id": "0a88a3a4-e988-4ad3-accf-4e4ecbc4783b",
    }


POLICY = RequestPolicy(
    requests_per_second=2.0,
    timeout_seconds=7.5,
    retries=2,
    backoff_seconds=1.0,
    poll_seconds=1.0,
    ready_timeout_seconds=30.0,
)


def make_engine(clock: FakeClock, **kwargs: object) -> FptEngine:
    params: dict[str, object] = {"keys": StaticKeys({"fpt": KEY}), "policy": POLICY}
    params.update(kwargs)
    return FptEngine(sleep=clock.sleep, clock=clock, **params)  # type: ignore[arg-type]


def test_documented_request_and_answer(server, clock, mp3_bytes):
    server.add(responses.POST, URL, json=accepted())
    server.add(responses.GET, LINK, body=mp3_bytes, content_type="audio/mpeg")

    audio = make_engine(clock, voice="leminh", speed=-1).synthesize(SENTENCE)

    assert audio.format == "mp3" and audio.data == mp3_bytes
    request = server.calls[0].request
    assert request.body == SENTENCE.encode("utf-8")
    assert request.headers["api_key"] == KEY
    assert request.headers["voice"] == "leminh"
    assert request.headers["speed"] == "-1"
    assert request.headers["format"] == "mp3"
    assert request.req_kwargs["timeout"] == 7.5


def test_audio_that_is_slow_to_appear_is_waited_for(server, clock, mp3_bytes):
    server.add(responses.POST, URL, json=accepted())
    # The link answers 404 (S3: no such key), then 403, until the file exists.
    server.add(responses.GET, LINK, status=404, body="<Error><Code>NoSuchKey</Code></Error>")
    server.add(responses.GET, LINK, status=403)
    server.add(responses.GET, LINK, status=404)
    server.add(responses.GET, LINK, body=mp3_bytes)

    audio = make_engine(clock).synthesize(SENTENCE)

    assert audio.data == mp3_bytes
    assert clock.sleeps == [1.0, 1.0, 1.0]  # polled once a second; the text was sent once
    assert [c.request.method for c in server.calls] == ["POST", "GET", "GET", "GET", "GET"]


def test_audio_that_never_appears_fails_without_sending_the_text_again(server, clock):
    server.add(responses.POST, URL, json=accepted())
    for _ in range(6):
        server.add(responses.GET, LINK, status=404)

    with pytest.raises(SynthesisError) as caught:
        make_engine(clock, policy=replace(POLICY, ready_timeout_seconds=5.0)).synthesize(SENTENCE)

    assert caught.value.code == "fpt_audio_not_ready"
    assert "5 giây" in caught.value.message
    assert sum(c.request.method == "POST" for c in server.calls) == 1


def test_documented_failure_answer_is_not_retried(server, clock):
    server.add(
        responses.POST,
        URL,
        json={"error": 1, "message": "Text is too short", "request_id": "x1"},
    )

    with pytest.raises(SynthesisError) as caught:
        make_engine(clock).synthesize(SENTENCE)

    assert caught.value.code == "fpt_refused"
    assert "Text is too short" in caught.value.message
    assert len(server.calls) == 1 and caught.value.attempts == 1


def test_quota_used_up_falls_back_to_the_next_voice_for_the_whole_script(tmp_path, clock):
    """An account without characters left: FPT.AI's failure answer (error other than 0) on
    every request; the script is read by the next voice, and the breaker counts it."""
    with responses.RequestsMock() as fpt:
        fpt.add(
            responses.POST,
            URL,
            json={"error": 3, "message": "Quota exceeded: 0 characters left", "request_id": "q"},
        )
        engine = make_engine(clock)
        chain = EngineChain([engine, FakeEngine()], SentenceCache(tmp_path), clock=clock)
        speech = chain.speak_script([SENTENCE, "Xin cảm ơn bà con."])

    assert speech.engine == "fake"
    failed = [a for a in speech.attempts if not a.ok]
    assert failed[0].engine == "fpt" and failed[0].code == "fpt_refused"
    assert "Quota exceeded" in (failed[0].error or "")
    assert chain.breakers["fpt"].consecutive_failures == 1


def test_429_is_retried_with_backoff(server, clock, mp3_bytes):
    server.add(responses.POST, URL, status=429, json={"message": "API rate limit exceeded"})
    server.add(responses.POST, URL, json=accepted())
    server.add(responses.GET, LINK, body=mp3_bytes)

    assert make_engine(clock).synthesize(SENTENCE).data == mp3_bytes
    assert 1.0 in clock.sleeps  # the backoff


def test_429_every_time_is_reported_after_the_retries(server, clock):
    for _ in range(3):
        server.add(responses.POST, URL, status=429, json={"message": "API rate limit exceeded"})

    with pytest.raises(SynthesisError) as caught:
        make_engine(clock).synthesize(SENTENCE)

    assert caught.value.code == "fpt_rate_limited"
    assert caught.value.attempts == 3 and "3 lần thử" in caught.value.message


@pytest.mark.parametrize("status", [401, 403])
def test_a_refused_key_is_not_retried(server, clock, status):
    server.add(responses.POST, URL, status=status, json={"message": "Invalid authentication"})

    with pytest.raises(SynthesisError) as caught:
        make_engine(clock).synthesize(SENTENCE)

    assert caught.value.code == "fpt_key_rejected"
    assert len(server.calls) == 1


def test_server_errors_and_timeouts_are_retried(server, clock, mp3_bytes):
    server.add(responses.POST, URL, status=502, body="Bad Gateway")
    server.add(responses.POST, URL, body=requests.Timeout("read timed out"))
    server.add(responses.POST, URL, json=accepted())
    server.add(responses.GET, LINK, body=mp3_bytes)

    assert make_engine(clock).synthesize(SENTENCE).data == mp3_bytes
    assert [s for s in clock.sleeps if s in (1.0, 2.0)] == [1.0, 2.0]


def test_offline_fails_at_once(server, clock):
    offline = requests.ConnectionError(NameResolutionError("api.fpt.ai", None, "no DNS"))
    server.add(responses.POST, URL, body=offline)

    with pytest.raises(SynthesisError) as caught:
        make_engine(clock).synthesize(SENTENCE)

    assert caught.value.code == "fpt_unreachable" and caught.value.attempts == 1


def test_answer_that_is_not_the_documented_json(server, clock):
    server.add(responses.POST, URL, body="<html>maintenance</html>")
    with pytest.raises(SynthesisError) as caught:
        make_engine(clock).synthesize(SENTENCE)
    assert caught.value.code == "fpt_bad_answer"


def test_link_that_gives_something_else_than_mp3(server, clock):
    server.add(responses.POST, URL, json=accepted())
    server.add(responses.GET, LINK, body=b"<html>not audio</html>")
    with pytest.raises(SynthesisError) as caught:
        make_engine(clock).synthesize(SENTENCE)
    assert caught.value.code == "fpt_no_audio"


def test_text_under_three_characters_is_padded_as_fpt_ai_requires(server, clock, mp3_bytes):
    server.add(responses.POST, URL, json=accepted())
    server.add(responses.GET, LINK, body=mp3_bytes)

    make_engine(clock).synthesize(" Ừ ")

    assert server.calls[0].request.body == "Ừ..".encode()


def test_text_over_the_limit_is_sent_in_pieces_cut_at_sentences(server, clock, mp3_bytes):
    sentence = "Bà con lưu ý lịch tiêm chủng của trạm y tế trong tháng này. "
    text = (sentence * (MAX_CHARS // len(sentence) + 20)).strip()
    links = [f"{LINK}?part={i}" for i in range(2)]
    for link in links:
        server.add(responses.POST, URL, json=accepted(link))
        server.add(responses.GET, link, body=mp3_bytes)

    audio = make_engine(clock).synthesize(text)

    bodies = [c.request.body.decode("utf-8") for c in server.calls if c.request.method == "POST"]
    assert len(bodies) == 2
    assert all(len(b) <= MAX_CHARS for b in bodies)
    assert all(b.endswith("tháng này.") for b in bodies)  # cut between sentences
    assert " ".join(bodies) == text
    # Two MP3s joined: the second without its ID3 tag.
    assert audio.data.startswith(mp3_bytes) and len(audio.data) < 2 * len(mp3_bytes)


def test_without_a_key_nothing_is_sent(server, clock):
    engine = make_engine(clock, keys=StaticKeys())
    assert engine.check() is not None
    with pytest.raises(SynthesisError) as caught:
        engine.synthesize(SENTENCE)
    assert caught.value.code == "fpt_no_key"
    assert len(server.calls) == 0


def test_requests_are_throttled(server, clock, mp3_bytes):
    for _ in range(3):
        server.add(responses.POST, URL, json=accepted())
        server.add(responses.GET, LINK, body=mp3_bytes)

    engine = make_engine(clock, policy=replace(POLICY, requests_per_second=0.5))
    for _ in range(3):
        engine.synthesize(SENTENCE)

    assert clock.sleeps.count(2.0) == 2  # 0.5 requests per second: 2 s apart


def test_the_key_is_never_logged(server, clock, caplog):
    caplog.set_level(logging.DEBUG)
    server.add(responses.POST, URL, status=401, json={"message": "Invalid authentication"})
    with pytest.raises(SynthesisError) as caught:
        make_engine(clock).synthesize(SENTENCE)
    assert KEY not in caplog.text
    assert KEY not in caught.value.message and KEY not in str(caught.value)


def test_identity_has_the_voice_not_the_key(clock):
    engine = make_engine(clock, voice="banmai", speed=9)
    assert engine.speed == 3  # the documented range is -3..+3
    assert "banmai" in engine.identity() and KEY not in engine.identity()
    assert engine.identity() != make_engine(clock, voice="leminh").identity()
