"""gTTS engine against a fake Google endpoint: gTTS builds the requests and decodes replies."""

from __future__ import annotations

import socket

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NameResolutionError

from broadcast.errors import ConfigError
from broadcast.tts.engine import SynthesisError
from broadcast.tts.gtts_engine import GttsEngine
from tests.tts.helpers import GTTS_URL, FakeClock, batchexecute_body, rpc_parameters

SENTENCE = "Bà con chú ý, sáng mai xã tổ chức tập huấn dịch vụ công trực tuyến."


def make_engine(clock: FakeClock, **kwargs: object) -> GttsEngine:
    params: dict[str, object] = {
        "requests_per_second": 2.0,
        "timeout_seconds": 7.5,
        "retries": 2,
        "backoff_seconds": 1.0,
    }
    params.update(kwargs)
    return GttsEngine(sleep=clock.sleep, clock=clock, **params)  # type: ignore[arg-type]


def test_success_returns_the_mp3_google_sent(google, clock, mp3_bytes):
    google.add(responses.POST, GTTS_URL, body=batchexecute_body(mp3_bytes))

    audio = make_engine(clock).synthesize(SENTENCE)

    assert audio.format == "mp3"
    assert audio.data == mp3_bytes
    request = google.calls[0].request
    # gTTS's own request building: its RPC id, the text, the language.
    text, lang, *_ = rpc_parameters(request)
    assert (text, lang) == (SENTENCE, "vi")
    assert request.req_kwargs["timeout"] == 7.5


def test_429_then_success_is_retried_after_backoff(google, clock, mp3_bytes):
    google.add(responses.POST, GTTS_URL, status=429)
    google.add(responses.POST, GTTS_URL, status=429)
    google.add(responses.POST, GTTS_URL, body=batchexecute_body(mp3_bytes))

    audio = make_engine(clock).synthesize(SENTENCE)

    assert audio.data == mp3_bytes
    assert len(google.calls) == 3
    assert clock.sleeps == [1.0, 2.0]  # exponential backoff, no throttle wait needed


def test_429_every_time_gives_rate_limited_after_all_retries(google, clock):
    for _ in range(3):
        google.add(responses.POST, GTTS_URL, status=429)

    with pytest.raises(SynthesisError) as info:
        make_engine(clock).synthesize(SENTENCE)

    assert info.value.code == "gtts_rate_limited"
    assert info.value.attempts == 3
    assert "429" in info.value.message and "3 lần thử" in info.value.message


def test_5xx_is_retried_then_reported_as_http_error(google, clock, mp3_bytes):
    google.add(responses.POST, GTTS_URL, status=503)
    google.add(responses.POST, GTTS_URL, body=batchexecute_body(mp3_bytes))
    assert make_engine(clock).synthesize(SENTENCE).data == mp3_bytes

    for _ in range(3):
        google.add(responses.POST, GTTS_URL, status=500)
    with pytest.raises(SynthesisError) as info:
        make_engine(clock).synthesize(SENTENCE)
    assert info.value.code == "gtts_http_error"
    assert "HTTP 500" in info.value.message


def test_403_is_not_retried(google, clock):
    google.add(responses.POST, GTTS_URL, status=403)

    with pytest.raises(SynthesisError) as info:
        make_engine(clock).synthesize(SENTENCE)

    assert info.value.code == "gtts_http_error"
    assert info.value.attempts == 1
    assert len(google.calls) == 1


@pytest.mark.parametrize(
    "exception",
    [requests.exceptions.ReadTimeout("read timed out"), requests.exceptions.ConnectTimeout()],
)
def test_timeouts_are_retried_then_reported(google, clock, exception):
    for _ in range(3):
        google.add(responses.POST, GTTS_URL, body=exception)

    with pytest.raises(SynthesisError) as info:
        make_engine(clock).synthesize(SENTENCE)

    assert info.value.code == "gtts_timeout"
    assert "7.5 giây" in info.value.message
    assert len(google.calls) == 3


def test_timeout_then_success(google, clock, mp3_bytes):
    google.add(responses.POST, GTTS_URL, body=requests.exceptions.ReadTimeout())
    google.add(responses.POST, GTTS_URL, body=batchexecute_body(mp3_bytes))

    assert make_engine(clock).synthesize(SENTENCE).data == mp3_bytes


def test_connection_error_is_unreachable(google, clock):
    for _ in range(2):
        google.add(responses.POST, GTTS_URL, body=requests.exceptions.ConnectionError("no route"))

    with pytest.raises(SynthesisError) as info:
        make_engine(clock, retries=1).synthesize(SENTENCE)

    assert info.value.code == "gtts_unreachable"
    assert "translate.google.com.vn" in info.value.message
    assert "Internet" in info.value.message


def test_offline_dns_failure_is_not_retried(google, clock):
    reason = NameResolutionError(
        "translate.google.com.vn", None, socket.gaierror(-2, "Name or service not known")
    )
    offline = requests.exceptions.ConnectionError(MaxRetryError(None, "/", reason=reason))
    google.add(responses.POST, GTTS_URL, body=offline)

    with pytest.raises(SynthesisError) as info:
        make_engine(clock).synthesize(SENTENCE)

    assert info.value.code == "gtts_unreachable"
    assert info.value.attempts == 1
    assert clock.sleeps == []


def test_reply_without_audio_is_not_retried(google, clock):
    google.add(responses.POST, GTTS_URL, body="<html>captcha</html>")

    with pytest.raises(SynthesisError) as info:
        make_engine(clock).synthesize(SENTENCE)

    assert info.value.code == "gtts_no_audio"
    assert len(google.calls) == 1


def test_requests_are_throttled_to_the_configured_rate(clock, mp3_bytes):
    times: list[float] = []

    def reply(request):
        times.append(clock.now)
        return 200, {}, batchexecute_body(mp3_bytes)

    engine = make_engine(clock, requests_per_second=4.0)
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, GTTS_URL, callback=reply)
        for i in range(5):
            engine.synthesize(f"Câu số {i} của bản tin.")

    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert gaps == pytest.approx([0.25] * 4)
    assert sum(clock.sleeps) == pytest.approx(1.0)


def test_each_request_of_a_long_sentence_is_throttled(clock, mp3_bytes):
    times: list[float] = []

    def reply(request):
        times.append(clock.now)
        return 200, {}, batchexecute_body(mp3_bytes)

    long_sentence = ", ".join(["hôm nay xã tổ chức tập huấn chuyển đổi số cho bà con"] * 5)
    engine = make_engine(clock, requests_per_second=2.0)
    with responses.RequestsMock() as mock:
        mock.add_callback(responses.POST, GTTS_URL, callback=reply)
        audio = engine.synthesize(long_sentence)

    assert len(times) >= 3  # gTTS split it (100 characters per request)
    assert audio.data == mp3_bytes * len(times)
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    assert gaps == pytest.approx([0.5] * (len(times) - 1))


def test_identity_names_language_and_host():
    assert GttsEngine(tld="com.vn").identity() != GttsEngine(tld="com").identity()
    assert "lang=vi" in GttsEngine().identity()


def test_unsupported_language_is_a_config_error():
    with pytest.raises(ConfigError) as info:
        GttsEngine(lang="xx-nope")
    assert info.value.code == "gtts_bad_lang"
