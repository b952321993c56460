"""What every cloud voice (FPT.AI, Zalo AI) does the same way: find the API key, cut long
text into pieces the provider accepts, pace, retry and time out the requests, wait for the
audio at the link the answer gives, and join the pieces' MP3s.

A provider's adapter subclasses :class:`CloudVoice` and supplies only its own part: its
``provider`` id, ``url``, ``max_chars`` and default ``policy``, its voice parameters, how one
piece of text is sent (``_post``) and how the answer is read (``_audio_link``).
"""

from __future__ import annotations

import functools
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import ClassVar, Required, TypedDict, Unpack

import requests

from broadcast.tts.cloud import (
    PROVIDERS,
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


class CloudVoiceOptions(TypedDict, total=False):
    """What any cloud voice may be given besides its voice parameters."""

    keys: Required[KeySource]  # where its API key is read, at each request
    name: str  # as the chain knows it; default the provider ("fpt"), or e.g. "fpt:leminh"
    url: str  # default the provider's documented address
    policy: RequestPolicy  # default the provider's
    sleep: Callable[[float], None]  # tests pass a fake clock's
    clock: Callable[[], float]


class CloudVoice(ABC):
    """A voice spoken by a provider's servers. Safe to use from several threads at once."""

    provider: ClassVar[str]  # "fpt", "zalo": names its API key, its error codes, the log
    max_chars: ClassVar[int]  # the longest text one request may carry
    url: str  # where the text is sent (a subclass gives the default)
    policy: RequestPolicy  # (a subclass gives the default)
    online = True

    def __init__(self, **options: Unpack[CloudVoiceOptions]) -> None:
        self.name = options.get("name", self.provider)
        self.url = options.get("url", self.url)
        self.policy = options.get("policy", self.policy)
        self._keys = options["keys"]
        self._sleep = options.get("sleep", time.sleep)
        self._clock = options.get("clock", time.monotonic)
        self._limiter = RateLimiter(
            self.policy.requests_per_second, clock=self._clock, sleep=self._sleep
        )

    def has_key(self) -> bool:
        """Whether an API key is configured now (read at each request, never logged)."""
        return self._keys.key(self.provider) is not None

    def synthesize(self, sentence: str) -> SynthesizedAudio:
        key = self._keys.key(self.provider)
        if key is None:
            raise SynthesisError(
                f"Chưa có khoá API của {PROVIDERS[self.provider]}: "
                "hãy nhập khoá trong phần cài đặt giọng đọc",
                code=f"{self.provider}_no_key",
            )
        parts = [
            run_with_retries(
                functools.partial(self._attempt, piece, key),
                retries=self.policy.retries,
                backoff_seconds=self.policy.backoff_seconds,
                sleep=self._sleep,
                provider=self.provider,
            )
            for piece in split_for_limit(sentence, self.max_chars)
        ]
        return SynthesizedAudio(join_mp3(parts), "mp3")

    @abstractmethod
    def _post(self, text: str, key: str) -> requests.Response:
        """Send one piece of text (at most ``max_chars``) to ``self.url`` with the API key,
        waiting at most ``self.policy.timeout_seconds``."""

    @abstractmethod
    def _audio_link(self, response: requests.Response) -> str | Failure:
        """The link to the audio that ``response`` promises, or why the provider refused."""

    def _attempt(self, text: str, key: str) -> bytes | Failure:
        """One try at one piece: the request, then the wait for its audio."""
        self._limiter.acquire()
        try:
            response = self._post(text, key)
        except requests.RequestException as exc:
            return transport_failure(self.provider, exc, self.policy.timeout_seconds)
        link = self._audio_link(response)
        if isinstance(link, Failure):
            return link
        return wait_for_audio(
            lambda: fetch_audio(self.provider, link, self.policy.timeout_seconds),
            poll_seconds=self.policy.poll_seconds,
            ready_timeout_seconds=self.policy.ready_timeout_seconds,
            clock=self._clock,
            sleep=self._sleep,
            provider=self.provider,
        )
