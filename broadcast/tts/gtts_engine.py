"""gTTS (Google Translate's voice), the default online engine. The only module importing gtts.

Each sentence is one ``gTTS`` object; gTTS splits text over 100 characters into several
HTTP requests. Every request start goes through a rate limiter; a failed sentence is retried
with exponential backoff on HTTP 429, 5xx, timeouts and connection errors (except a host
name that does not resolve: the machine is offline, so the fallback voice starts at once);
every request has a timeout. Failures become :class:`SynthesisError` with a Vietnamese message.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import requests
from gtts import gTTS, gTTSError
from gtts.lang import tts_langs

from broadcast.errors import ConfigError
from broadcast.tts.cloud import Failure, is_offline, looks_like_mp3, run_with_retries
from broadcast.tts.engine import SynthesizedAudio
from broadcast.tts.throttle import RateLimiter


class GttsEngine:
    """Google Translate TTS through gTTS: throttled, retried, with a per-request timeout."""

    name = "gtts"

    def __init__(
        self,
        lang: str = "vi",
        tld: str = "com.vn",
        requests_per_second: float = 2.0,
        timeout_seconds: float = 10.0,
        retries: int = 2,
        backoff_seconds: float = 1.0,
        *,
        slow: bool = False,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if lang not in tts_langs():
            raise ConfigError(f"gTTS không hỗ trợ ngôn ngữ '{lang}'", code="gtts_bad_lang")
        self.lang = lang
        self.tld = tld
        self.slow = slow
        self.timeout_seconds = timeout_seconds
        self.retries = max(0, retries)
        self.backoff_seconds = backoff_seconds
        self._sleep = sleep
        self._limiter = RateLimiter(requests_per_second, clock=clock, sleep=sleep)

    def identity(self) -> str:
        return f"gtts lang={self.lang} tld={self.tld} slow={self.slow}"

    @property
    def host(self) -> str:
        return f"translate.google.{self.tld}"

    def synthesize(self, sentence: str) -> SynthesizedAudio:
        return run_with_retries(
            lambda: self._try_once(sentence), retries=self.retries,
            backoff_seconds=self.backoff_seconds, sleep=self._sleep, provider=self.name,
        )

    def _try_once(self, sentence: str) -> SynthesizedAudio | Failure:
        try:
            tts = gTTS(
                sentence,
                tld=self.tld,
                lang=self.lang,
                slow=self.slow,
                lang_check=False,
                timeout=self.timeout_seconds,
            )
            # gTTS sends request k when the stream is asked for part k: throttle each one.
            request_count = len(tts.get_bodies())
            stream = tts.stream()
            parts: list[bytes] = []
            for _ in range(request_count):
                self._limiter.acquire()
                part = next(stream, None)
                if part is None:
                    break
                parts.append(part)
            parts.extend(stream)
        except AssertionError as exc:  # gTTS: nothing left to speak after its cleaning
            return Failure("gtts_nothing_to_say", False, str(exc),
                           "Câu không còn chữ nào để Google TTS đọc sau khi làm sạch")
        except gTTSError as exc:
            return self._classify(exc)
        except requests.RequestException as exc:
            return self._classify_transport(exc)
        data = b"".join(parts)
        if not data or not looks_like_mp3(data):
            return self._no_audio("response without MP3 audio")
        return SynthesizedAudio(data, "mp3")

    def _classify(self, exc: gTTSError) -> Failure:
        response = getattr(exc, "rsp", None)
        if response is None:
            # gTTS raises from inside ``except RequestException``: the cause is the context.
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, requests.RequestException):
                return self._classify_transport(cause)
            return self._unreachable(True, str(exc))
        status = int(response.status_code)
        if status == 429:
            return Failure("gtts_rate_limited", True, str(exc),
                           "Google TTS từ chối vì gửi quá nhiều yêu cầu (HTTP 429)")
        if status == 200:
            return self._no_audio(str(exc))
        return Failure("gtts_http_error", status >= 500, str(exc),
                       f"Máy chủ Google TTS trả lỗi HTTP {status}")

    def _classify_transport(self, exc: requests.RequestException) -> Failure:
        if isinstance(exc, requests.Timeout):
            return Failure("gtts_timeout", True, repr(exc),
                           f"Máy chủ Google TTS ({self.host}) không trả lời trong "
                           f"{self.timeout_seconds:g} giây")
        if isinstance(exc, requests.ConnectionError):
            # Offline (DNS cannot resolve the host): a retry a second later will not help,
            # and the fallback voice should start at once. Refused/reset connections retry.
            return self._unreachable(not is_offline(exc), repr(exc))
        return Failure("gtts_request_failed", False, repr(exc), "Yêu cầu tới Google TTS thất bại")

    def _unreachable(self, retryable: bool, detail: str) -> Failure:
        return Failure("gtts_unreachable", retryable, detail,
                       f"Không kết nối được tới máy chủ Google TTS ({self.host}): "
                       "kiểm tra kết nối Internet")

    @staticmethod
    def _no_audio(detail: str) -> Failure:
        return Failure("gtts_no_audio", False, detail,
                       "Google TTS trả lời nhưng không có âm thanh MP3 cho câu này")
