"""gTTS (Google Translate's voice), the default online engine. The only module importing gtts.

Each sentence is one ``gTTS`` object; gTTS splits text over 100 characters into several
HTTP requests. Every request start goes through a rate limiter; a failed sentence is retried
with exponential backoff on HTTP 429, 5xx, timeouts and connection errors (except a host
name that does not resolve: the machine is offline, so the fallback voice starts at once);
every request has a timeout. Failures become :class:`SynthesisError` with a Vietnamese message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

import requests
from gtts import gTTS, gTTSError
from gtts.lang import tts_langs
from urllib3.exceptions import NameResolutionError

from broadcast.errors import ConfigError
from broadcast.tts.engine import SynthesisError, SynthesizedAudio
from broadcast.tts.throttle import RateLimiter

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Failure:
    code: str
    retryable: bool
    detail: str


def _name_not_resolved(exc: BaseException) -> bool:
    """True when the host name could not be resolved: the machine is offline (no DNS)."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, NameResolutionError):
            return True
        pending.extend([*item.args, getattr(item, "reason", None), item.__cause__])
    return False


def _looks_like_mp3(data: bytes) -> bool:
    return data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


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
        attempts = self.retries + 1
        failure: _Failure | None = None
        for attempt in range(attempts):
            if attempt:
                self._sleep(self.backoff_seconds * 2 ** (attempt - 1))
            result = self._try_once(sentence)
            if isinstance(result, SynthesizedAudio):
                return result
            failure = result
            log.info("gtts attempt %d/%d failed: %s", attempt + 1, attempts, failure.detail)
            if not failure.retryable:
                raise self._error(failure, attempt + 1)
        assert failure is not None
        raise self._error(failure, attempts)

    def _try_once(self, sentence: str) -> SynthesizedAudio | _Failure:
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
            return _Failure("gtts_nothing_to_say", False, str(exc))
        except gTTSError as exc:
            return self._classify(exc)
        except requests.RequestException as exc:
            return self._classify_transport(exc)
        data = b"".join(parts)
        if not data or not _looks_like_mp3(data):
            return _Failure("gtts_no_audio", False, "response without MP3 audio")
        return SynthesizedAudio(data, "mp3")

    def _classify(self, exc: gTTSError) -> _Failure:
        response = getattr(exc, "rsp", None)
        if response is None:
            # gTTS raises from inside ``except RequestException``: the cause is the context.
            cause = exc.__cause__ or exc.__context__
            if isinstance(cause, requests.RequestException):
                return self._classify_transport(cause)
            return _Failure("gtts_unreachable", True, str(exc))
        status = int(response.status_code)
        if status == 429:
            return _Failure("gtts_rate_limited", True, str(exc))
        if status == 200:
            return _Failure("gtts_no_audio", False, str(exc))
        return _Failure(f"gtts_http_{status}", status >= 500, str(exc))

    @staticmethod
    def _classify_transport(exc: requests.RequestException) -> _Failure:
        if isinstance(exc, requests.Timeout):
            return _Failure("gtts_timeout", True, repr(exc))
        if isinstance(exc, requests.ConnectionError):
            # Offline (DNS cannot resolve the host): a retry a second later will not help,
            # and the fallback voice should start at once. Refused/reset connections retry.
            return _Failure("gtts_unreachable", not _name_not_resolved(exc), repr(exc))
        return _Failure("gtts_request_failed", False, repr(exc))

    def _error(self, failure: _Failure, attempts: int) -> SynthesisError:
        tries = f"sau {attempts} lần thử" if attempts > 1 else "ngay lần thử đầu"
        code = failure.code
        if code == "gtts_rate_limited":
            message = f"Google TTS từ chối vì gửi quá nhiều yêu cầu (HTTP 429), {tries}"
        elif code == "gtts_timeout":
            message = (
                f"Máy chủ Google TTS ({self.host}) không trả lời trong "
                f"{self.timeout_seconds:g} giây, {tries}"
            )
        elif code == "gtts_unreachable":
            message = (
                f"Không kết nối được tới máy chủ Google TTS ({self.host}), {tries}: "
                "kiểm tra kết nối Internet"
            )
        elif code.startswith("gtts_http_"):
            status = code.removeprefix("gtts_http_")
            message = f"Máy chủ Google TTS trả lỗi HTTP {status}, {tries}"
            code = "gtts_http_error"
        elif code == "gtts_no_audio":
            message = "Google TTS trả lời nhưng không có âm thanh MP3 cho câu này"
        elif code == "gtts_nothing_to_say":
            message = "Câu không còn chữ nào để Google TTS đọc sau khi làm sạch"
        else:
            message = f"Yêu cầu tới Google TTS thất bại, {tries}"
        return SynthesisError(message, code=code, attempts=attempts)
