"""Zalo AI text-to-speech against a fake Zalo AI built from its documentation ("Text to Audio
Converter": POST https://api.zalo.ai/v1/tts/synthesize, header ``apikey``, form fields
``input``, ``speaker_id``, ``speed``, ``encode_type``; answers ``{"error_code": 0,
"error_message": "Successful.", "data": {"url": ...}}`` or an error code from its table —
150, 155, 400, 401, 413, 500 — with ``"data": []``)."""

from __future__ import annotations

import logging
from dataclasses import replace
from urllib.parse import parse_qs

import pytest
import requests
import responses

from broadcast.tts.cache import SentenceCache
from broadcast.tts.chain import EngineChain
from broadcast.tts.cloud import RequestPolicy, StaticKeys
from broadcast.tts.engine import SynthesisError
from broadcast.tts.fake_engine import FakeEngine
from broadcast.tts.zalo_engine import MAX_CHARS, URL, ZaloEngine
from tests.tts.helpers import FakeClock

KEY = "zalo-key-fedcba9876543210"
SENTENCE = "Rất nhiều bà con hỏi về lịch tiêm phòng cho gia súc trong tháng này."
STREAM = "https://chunk.lab.zalo.ai/bb49d943a114484a1105/bb49d943a114484a1105"


def accepted(url: str = STREAM) -> dict[str, object]:
    return {"error_code": 0, "error_message": "Successful.", "data": {"url": url}}


def refused(code: int, message: str) -> dict[str, object]:
    return {"error_code": code, "error_message": message, "data": []}


POLICY = RequestPolicy(
    requests_per_second=2.0,
    timeout_seconds=9.0,
    retries=2,
    backoff_seconds=1.0,
    poll_seconds=0.5,
    ready_timeout_seconds=10.0,
)


def make_engine(clock: FakeClock, **kwargs: object) -> ZaloEngine:
    params: dict[str, object] = {"keys": StaticKeys({"zalo": KEY}), "policy": POLICY}
    params.update(kwargs)
    return ZaloEngine(sleep=clock.sleep, clock=clock, **params)  # type: ignore[arg-type]


def form(call: responses.Call) -> dict[str, str]:
    body = call.request.body
    text = body.decode() if isinstance(body, bytes) else str(body)
    return {k: v[0] for k, v in parse_qs(text).items()}


def test_documented_request_and_answer(server, clock, mp3_bytes):
    server.add(responses.POST, URL, json=accepted())
    server.add(responses.GET, STREAM, body=mp3_bytes)

    audio = make_engine(clock, speaker=4, speed=0.9).synthesize(SENTENCE)

    assert audio.format == "mp3" and audio.data == mp3_bytes
    request = server.calls[0].request
    assert request.headers["apikey"] == KEY
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert form(server.calls[0]) == {
        "input": SENTENCE, "speaker_id": "4", "speed": "0.9", "encode_type": "1",
    }
    assert request.req_kwargs["timeout"] == 9.0


def test_stream_url_that_is_slow_to_be_ready(server, clock, mp3_bytes):
    server.add(responses.POST, URL, json=accepted())
    server.add(responses.GET, STREAM, status=404)
    server.add(responses.GET, STREAM, status=404)
    server.add(responses.GET, STREAM, body=b"")  # answered, but nothing there yet
    server.add(responses.GET, STREAM, body=mp3_bytes)

    assert make_engine(clock).synthesize(SENTENCE).data == mp3_bytes
    assert clock.sleeps == [0.5, 0.5, 0.5]


def test_stream_url_never_ready(server, clock):
    server.add(responses.POST, URL, json=accepted())
    for _ in range(5):
        server.add(responses.GET, STREAM, status=404)
    with pytest.raises(SynthesisError) as caught:
        make_engine(clock, policy=replace(POLICY, ready_timeout_seconds=2.0)).synthesize(SENTENCE)
    assert caught.value.code == "zalo_audio_not_ready"


@pytest.mark.parametrize(
    ("code", "message", "stable"),
    [
        (150, "Invalid parameter value", "zalo_bad_request"),
        (155, "Your input exceeds the allowed limit of 2000 characters", "zalo_text_too_long"),
        (400, "Wrong request parameter", "zalo_bad_request"),
        (401, "Wrong apikey", "zalo_key_rejected"),
    ],
)
def test_documented_refusals_are_not_retried(server, clock, code, message, stable):
    server.add(responses.POST, URL, json=refused(code, message))

    with pytest.raises(SynthesisError) as caught:
        make_engine(clock).synthesize(SENTENCE)

    assert caught.value.code == stable
    assert f"mã {code}" in caught.value.message
    assert len(server.calls) == 1


def test_documented_server_error_is_retried(server, clock, mp3_bytes):
    server.add(responses.POST, URL, json=refused(500, "Internal server error"))
    server.add(responses.POST, URL, json=refused(413, "Error occurred"))
    server.add(responses.POST, URL, json=accepted())
    server.add(responses.GET, STREAM, body=mp3_bytes)

    assert make_engine(clock).synthesize(SENTENCE).data == mp3_bytes
    assert [s for s in clock.sleeps if s >= 1.0] == [1.0, 2.0]


def test_daily_quota_used_up_falls_back_for_the_whole_script(tmp_path, clock):
    """A free key whose daily quota is used up is refused with HTTP 401 (as a wrong key):
    not retried, the next voice reads the whole script."""
    with responses.RequestsMock() as zalo:
        zalo.add(responses.POST, URL, status=401, body="Unauthorized")
        chain = EngineChain(
            [make_engine(clock), FakeEngine()], SentenceCache(tmp_path), clock=clock
        )
        speech = chain.speak_script([SENTENCE, "Xin cảm ơn bà con."])
        assert len(zalo.calls) == 1

    assert speech.engine == "fake"
    failed = speech.attempts[0]
    assert failed.code == "zalo_key_rejected" and "hạn mức" in (failed.error or "")


def test_transport_failures(server, clock, mp3_bytes):
    server.add(responses.POST, URL, status=503)
    server.add(responses.POST, URL, body=requests.ConnectionError("connection refused"))
    server.add(responses.POST, URL, json=accepted())
    server.add(responses.GET, STREAM, body=mp3_bytes)
    assert make_engine(clock).synthesize(SENTENCE).data == mp3_bytes


def test_long_text_is_cut_under_the_limit(server, clock, mp3_bytes):
    sentence = "Bà con chú ý: ngày mai cắt điện từ bảy giờ đến mười một giờ. "
    text = (sentence * (MAX_CHARS // len(sentence) + 5)).strip()
    for i in range(2):
        server.add(responses.POST, URL, json=accepted(f"{STREAM}{i}"))
        server.add(responses.GET, f"{STREAM}{i}", body=mp3_bytes)

    make_engine(clock).synthesize(text)

    inputs = [form(c)["input"] for c in server.calls if c.request.method == "POST"]
    assert len(inputs) == 2 and all(len(i) <= MAX_CHARS for i in inputs)
    assert " ".join(inputs) == text


def test_speed_is_kept_in_the_documented_range(clock):
    assert make_engine(clock, speed=2.0).speed == 1.2
    assert make_engine(clock, speed=0.1).speed == 0.8
    assert make_engine(clock, speaker=9).check() is not None


def test_without_a_key_nothing_is_sent(server, clock):
    with pytest.raises(SynthesisError) as caught:
        make_engine(clock, keys=StaticKeys()).synthesize(SENTENCE)
    assert caught.value.code == "zalo_no_key" and len(server.calls) == 0


def test_the_key_is_never_logged(server, clock, caplog):
    caplog.set_level(logging.DEBUG)
    server.add(responses.POST, URL, json=refused(401, "Wrong apikey"))
    with pytest.raises(SynthesisError):
        make_engine(clock).synthesize(SENTENCE)
    assert KEY not in caplog.text
