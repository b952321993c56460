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
says both. Retries, throttling and the key handling are shared with FPT.AI
(``cloud_voice.py``).
"""

from __future__ import annotations

from typing import Unpack

import requests

from broadcast.tts.cloud import Failure, RequestPolicy
from broadcast.tts.cloud_voice import CloudVoice, CloudVoiceOptions

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


class ZaloEngine(CloudVoice):
    """A Zalo AI voice. ``name`` is "zalo" (the configured speaker) or "zalo:<speaker_id>"."""

    provider = "zalo"
    url = URL
    max_chars = MAX_CHARS
    policy = POLICY

    def __init__(
        self, speaker: int = 2, speed: float = 1.0, **options: Unpack[CloudVoiceOptions]
    ) -> None:
        super().__init__(**options)
        self.speaker = int(speaker)
        self.speed = round(min(max(float(speed), SPEED_RANGE[0]), SPEED_RANGE[1]), 2)

    @property
    def label(self) -> str:
        return f"Zalo AI — giọng {self.speaker} ({SPEAKERS.get(self.speaker, 'không rõ')})"

    def identity(self) -> str:
        return f"zalo-tts v1 speaker={self.speaker} speed={self.speed:g} encode=mp3"

    def check(self) -> str | None:
        if self.speaker not in SPEAKERS:
            return f"Zalo AI không có giọng số {self.speaker} (chọn từ 1 đến 6)"
        if not self.has_key():
            return "Chưa có khoá API của Zalo AI (BROADCAST_ZALO_API_KEY hoặc lưu trên trang web)"
        return None

    def _post(self, text: str, key: str) -> requests.Response:
        form = {
            "input": text,
            "speaker_id": str(self.speaker),
            "speed": f"{self.speed:g}",
            "encode_type": str(ENCODE_MP3),
        }
        return requests.post(
            self.url, data=form, headers={"apikey": key}, timeout=self.policy.timeout_seconds
        )

    def _audio_link(self, response: requests.Response) -> str | Failure:
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
        return link


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
