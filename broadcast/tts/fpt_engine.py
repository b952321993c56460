"""FPT.AI text-to-speech, API version 5. The only module that talks to FPT.AI.

The documented exchange (https://docs.fpt.ai/docs/en/speech/api/text-to-speech):

- ``POST https://api.fpt.ai/hmi/tts/v5`` with the text as the body (UTF-8, 3 to 5,000
  characters) and the headers ``api_key``, ``voice`` (banmai, lannhi, leminh, myan, thuminh,
  giahuy, linhsan...), ``speed`` (-3 slowest ... 0 ... +3 fastest) and ``format`` (mp3).
- The answer is JSON: ``{"async": <link to the MP3>, "error": 0, "message": ...,
  "request_id": ...}``; ``error`` other than 0 is a failure described by ``message``.
- The audio "may not exist right at the time of response": it appears at the ``async`` link
  after 5 seconds to 2 minutes. Until then the link answers 404 (or 403, as S3 does for a
  missing object); it is polled.

Text longer than the limit is sent in pieces cut at sentence ends, and the MP3s joined.
Requests are throttled; a failed request is retried with backoff on 429, 5xx, timeouts and
refused connections, not when the machine is offline or FPT.AI refused the request. The API
key is read at each request and never logged. All of this is shared with Zalo AI
(``cloud_voice.py``); this module holds what is FPT.AI's own.
"""

from __future__ import annotations

from typing import Unpack

import requests

from broadcast.tts.cloud import Failure, RequestPolicy
from broadcast.tts.cloud_voice import CloudVoice, CloudVoiceOptions
from broadcast.tts.engine import SynthesizedAudio

URL = "https://api.fpt.ai/hmi/tts/v5"
MAX_CHARS = 5000
MIN_CHARS = 3
SPEEDS = range(-3, 4)
# The audio appears at its link "after 5 seconds to 2 minutes".
POLICY = RequestPolicy(ready_timeout_seconds=120.0)

# The voices FPT.AI documents, with what the operator reads in the catalogue.
VOICES: dict[str, str] = {
    "banmai": "Ban Mai (nữ, miền Bắc)",
    "thuminh": "Thu Minh (nữ, miền Bắc)",
    "leminh": "Lê Minh (nam, miền Bắc)",
    "myan": "Mỹ An (nữ, miền Trung)",
    "giahuy": "Gia Huy (nam, miền Trung)",
    "lannhi": "Lan Nhi (nữ, miền Nam)",
    "linhsan": "Linh San (nữ, miền Nam)",
}


class FptEngine(CloudVoice):
    """An FPT.AI voice. ``name`` is "fpt" (the configured voice) or "fpt:<voice>"."""

    provider = "fpt"
    url = URL
    max_chars = MAX_CHARS
    policy = POLICY

    def __init__(
        self, voice: str = "banmai", speed: int = 0, **options: Unpack[CloudVoiceOptions]
    ) -> None:
        super().__init__(**options)
        self.voice = voice
        self.speed = max(min(SPEEDS), min(max(SPEEDS), int(speed)))

    @property
    def label(self) -> str:
        return f"FPT.AI — {VOICES.get(self.voice, self.voice)}"

    def identity(self) -> str:
        return f"fpt-tts v5 voice={self.voice} speed={self.speed} format=mp3"

    def check(self) -> str | None:
        """Why this voice cannot speak now (no network call), or None."""
        if not self.has_key():
            return "Chưa có khoá API của FPT.AI (BROADCAST_FPT_API_KEY hoặc lưu trên trang web)"
        return None

    def synthesize(self, sentence: str) -> SynthesizedAudio:
        # FPT.AI refuses bodies under 3 characters.
        return super().synthesize(sentence.strip().ljust(MIN_CHARS, "."))

    def _post(self, text: str, key: str) -> requests.Response:
        headers = {
            "api_key": key,
            "voice": self.voice,
            "speed": str(self.speed),
            "format": "mp3",
            "Cache-Control": "no-cache",
        }
        return requests.post(
            self.url,
            data=text.encode("utf-8"),
            headers=headers,
            timeout=self.policy.timeout_seconds,
        )

    def _audio_link(self, response: requests.Response) -> str | Failure:
        failure = _status_failure(response)
        if failure is not None:
            return failure
        try:
            answer = response.json()
        except ValueError:
            return _refused("fpt_bad_answer", "FPT.AI trả lời không phải JSON", response.text)
        if not isinstance(answer, dict):
            return _refused("fpt_bad_answer", "FPT.AI trả lời sai định dạng", repr(answer))
        if answer.get("error") != 0:
            message = str(answer.get("message") or "không rõ lý do").strip()
            return Failure(
                "fpt_refused",
                False,
                f"error={answer.get('error')!r} message={message!r}",
                f"FPT.AI từ chối yêu cầu (mã {answer.get('error')}): {message}",
            )
        link = answer.get("async")
        if not isinstance(link, str) or not link.startswith(("http://", "https://")):
            return _refused("fpt_bad_answer", "FPT.AI không gửi đường dẫn âm thanh", repr(answer))
        return link


def _refused(code: str, message: str, detail: str) -> Failure:
    return Failure(code, False, detail[:300], message)


def _status_failure(response: requests.Response) -> Failure | None:
    status = response.status_code
    if status == 200:
        return None
    detail = f"HTTP {status}: {response.text[:200]}"
    if status in (401, 403):
        return Failure(
            "fpt_key_rejected",
            False,
            detail,
            f"FPT.AI từ chối khoá API (HTTP {status}): kiểm tra khoá và hạn mức của tài khoản",
        )
    if status == 429:
        return Failure(
            "fpt_rate_limited",
            True,
            detail,
            "FPT.AI từ chối vì gửi quá nhiều yêu cầu hoặc đã hết hạn mức (HTTP 429)",
        )
    if status >= 500:
        return Failure("fpt_http_error", True, detail, f"Máy chủ FPT.AI trả lỗi HTTP {status}")
    return Failure("fpt_http_error", False, detail, f"FPT.AI trả lỗi HTTP {status}")
