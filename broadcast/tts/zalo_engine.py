"""Zalo AI text-to-speech ("Text to Audio Converter"). The only module that talks to Zalo AI.

The documented exchange (Zalo AI developer documentation, "Text to Audio Converter"):

- ``POST https://api.zalo.ai/v1/tts/synthesize`` with the header ``apikey`` and the form
  fields ``input`` (the text, at most 2,000 characters), ``speaker_id`` (1 South women 1,
  2 Northern women 1, 3 South men, 4 Northern men, 5 Northern women 2, 6 South women 2),
  ``speed`` (0.8 to 1.2) and ``encode_type`` (0 WAV, 1 MP3, 2 AAC).
- The answer is JSON: ``{"error_code": 0, "error_message": "Successful.", "data": {"url":
  <generated streaming url>}}``; on failure ``error_code`` is one of 150 (invalid parameter
  value), 155 (input over 2,000 characters), 400 (wrong request parameter), 401 (wrong
  apikey), 413 (error occurred), 500 (internal server error), with ``"data": []``.
- The audio is fetched from ``data.url``; it may take a moment to be there (404 meanwhile).

A key whose free daily quota is used up is refused like a wrong key (HTTP 401): the message
says both. Retries, throttling and the key handling are as for FPT.AI.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

import requests

from broadcast.tts.cloud import (
    Failure,
    KeySource,
    RequestPolicy,
    join_mp3,
    run_with_retries,
    split_for_limit,
    wait_for_audio,
)
from broadcast.tts.cloud_http import fetch_audio, transport_failure
from broadcast.tts.engine import SynthesisError, SynthesizedAudio
from broadcast.tts.throttle import RateLimiter

URL = "https://api.zalo.ai/v1/tts/synthesize"
MAX_CHARS = 2000
SPEED_RANGE = (0.8, 1.2)
ENCODE_MP3 = 1
POLICY = RequestPolicy(ready_timeout_seconds=60.0)

SPEAKERS: dict[int, str] = {
    1: "nữ, miền Nam 1",
    2: "nữ, miền Bắc 1",
    3: "nam, miền Nam",
    4: "nam, miền Bắc",
    5: "nữ, miền Bắc 2",
    6: "nữ, miền Nam 2",
}

# Documented error codes: what they mean for the station, and whether to try again.
_KEY_REFUSED = "Zalo AI từ chối khoá API: khoá sai, hoặc đã dùng hết hạn mức miễn phí trong ngày"
_ERRORS: dict[int, tuple[str, bool, str]] = {
    150: ("zalo_bad_request", False, "Zalo AI báo giá trị tham số không hợp lệ"),
    155: ("zalo_text_too_long", False, "Zalo AI báo câu dài quá 2.000 ký tự"),
    400: ("zalo_bad_request", False, "Zalo AI báo yêu cầu sai tham số"),
    401: ("zalo_key_rejected", False, _KEY_REFUSED),
    413: ("zalo_server_error", True, "Zalo AI báo có lỗi xảy ra"),
    500: ("zalo_server_error", True, "Máy chủ Zalo AI báo lỗi nội bộ"),
}

class ZaloEngine:
    """A Zalo AI voice. ``name`` is "zalo" (the configured speaker) or "zalo:<speaker_id>"."""

    provider = "zalo"
    online = True

    def __init__(
        self,
        speaker: int = 2,
        speed: float = 1.0,
        *,
        keys: KeySource,
        name: str = "zalo",
        url: str = URL,
        policy: RequestPolicy = POLICY,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.speaker = int(speaker)
        self.speed = round(min(max(float(speed), SPEED_RANGE[0]), SPEED_RANGE[1]), 2)
        self.url = url
        self.policy = policy
        self._keys = keys
        self._sleep = sleep
        self._clock = clock
        self._limiter = RateLimiter(policy.requests_per_second, clock=clock, sleep=sleep)

    @property
    def label(self) -> str:
        return f"Zalo AI — giọng {self.speaker} ({SPEAKERS.get(self.speaker, 'không rõ')})"

    def identity(self) -> str:
        return f"zalo-tts v1 speaker={self.speaker} speed={self.speed:g} encode=mp3"

    def check(self) -> str | None:
        if self.speaker not in SPEAKERS:
            return f"Zalo AI không có giọng số {self.speaker} (chọn từ 1 đến 6)"
        if self._keys.key(self.provider) is None:
            return "Chưa có khoá API của Zalo AI (BROADCAST_ZALO_API_KEY hoặc lưu trên trang web)"
        return None

    def synthesize(self, sentence: str) -> SynthesizedAudio:
        key = self._keys.key(self.provider)
        if key is None:
            raise SynthesisError(
                "Chưa có khoá API của Zalo AI: hãy nhập khoá trong phần cài đặt giọng đọc",
                code="zalo_no_key",
            )
        parts = [
            run_with_retries(
                functools.partial(self._attempt, piece, key),
                retries=self.policy.retries,
                backoff_seconds=self.policy.backoff_seconds,
                sleep=self._sleep,
                provider=self.provider,
            )
            for piece in split_for_limit(sentence, MAX_CHARS)
        ]
        return SynthesizedAudio(join_mp3(parts), "mp3")

    def _attempt(self, text: str, key: str) -> bytes | Failure:
        self._limiter.acquire()
        form = {
            "input": text,
            "speaker_id": str(self.speaker),
            "speed": f"{self.speed:g}",
            "encode_type": str(ENCODE_MP3),
        }
        try:
            response = requests.post(
                self.url, data=form, headers={"apikey": key}, timeout=self.policy.timeout_seconds
            )
        except requests.RequestException as exc:
            return transport_failure(self.provider, exc, self.policy.timeout_seconds)
        if response.status_code == 401:
            return Failure("zalo_key_rejected", False, "HTTP 401", _KEY_REFUSED)
        if response.status_code == 429:
            return Failure(
                "zalo_rate_limited", True, "HTTP 429", "Zalo AI từ chối vì gửi quá nhiều yêu cầu"
            )
        if response.status_code >= 500:
            return Failure(
                "zalo_server_error",
                True,
                f"HTTP {response.status_code}",
                f"Máy chủ Zalo AI trả lỗi HTTP {response.status_code}",
            )
        try:
            answer = response.json()
        except ValueError:
            return Failure(
                "zalo_bad_answer",
                False,
                f"HTTP {response.status_code}: {response.text[:200]}",
                f"Zalo AI trả lời không phải JSON (HTTP {response.status_code})",
            )
        if not isinstance(answer, dict):
            return Failure("zalo_bad_answer", False, repr(answer)[:200], "Zalo AI trả lời sai")
        code = answer.get("error_code")
        if code != 0:
            return _error_code_failure(code, answer.get("error_message"))
        data = answer.get("data")
        link = data.get("url") if isinstance(data, dict) else None
        if not isinstance(link, str) or not link.startswith(("http://", "https://")):
            return Failure(
                "zalo_bad_answer", False, repr(answer)[:200], "Zalo AI không gửi đường dẫn âm thanh"
            )
        return wait_for_audio(
            lambda: fetch_audio(self.provider, link, self.policy.timeout_seconds),
            poll_seconds=self.policy.poll_seconds,
            ready_timeout_seconds=self.policy.ready_timeout_seconds,
            clock=self._clock,
            sleep=self._sleep,
            provider=self.provider,
        )


def _error_code_failure(code: object, message: object) -> Failure:
    known = _ERRORS.get(code) if isinstance(code, int) else None
    said = str(message or "").strip()
    detail = f"error_code={code!r} error_message={said!r}"
    if known is None:
        return Failure(
            "zalo_refused", False, detail, f"Zalo AI từ chối yêu cầu (mã {code}): {said}"
        )
    stable, retryable, text = known
    return Failure(stable, retryable, detail, f"{text} (mã {code})")
