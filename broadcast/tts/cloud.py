"""What the cloud voices share, without any HTTP: API keys, retries, the text-size limit,
waiting for audio that a provider prepares in the background, joining MP3 parts.

Each provider's requests and answers live in its own adapter (``gtts_engine.py``,
``fpt_engine.py``, ``zalo_engine.py``); they hand this module a function that makes one
attempt. ``cloud_voice.py`` puts these pieces together for FPT.AI and Zalo AI.
"""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Protocol, TypeVar

from broadcast.tts.engine import SynthesisError

if TYPE_CHECKING:
    from broadcast.settings import Settings

log = logging.getLogger(__name__)

T = TypeVar("T")

PROVIDERS: dict[str, str] = {"fpt": "FPT.AI", "zalo": "Zalo AI"}


class KeySource(Protocol):
    """Where the engines find a provider's API key when they need it (at each request, so a
    key saved while the station runs is used at once)."""

    def key(self, provider: str) -> str | None:
        """The API key of ``provider`` ("fpt", "zalo"), or None when none is configured."""
        ...


class StaticKeys:
    """Keys given once (tests, the command line)."""

    def __init__(self, keys: Mapping[str, str | None] | None = None) -> None:
        self._keys = dict(keys or {})

    def key(self, provider: str) -> str | None:
        return self._keys.get(provider) or None


class SettingsKeys:
    """Keys from the settings (``BROADCAST_FPT_API_KEY``, ``BROADCAST_ZALO_API_KEY``)."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    def key(self, provider: str) -> str | None:
        secret = getattr(self._settings, f"{provider}_api_key", None)
        if secret is None:
            return None
        value = secret.get_secret_value().strip()
        return value or None


@dataclass(frozen=True)
class RequestPolicy:
    """How a cloud voice paces, times out, retries and waits for its requests."""

    requests_per_second: float = 1.0
    timeout_seconds: float = 15.0  # one HTTP request
    retries: int = 2  # tries after the first, with exponential backoff
    backoff_seconds: float = 2.0  # before the first retry; doubled for each next one
    poll_seconds: float = 1.0  # between looks at the link where the audio will be
    ready_timeout_seconds: float = 60.0  # how long the provider may take to prepare audio

    @classmethod
    def from_settings(cls, settings: Settings, provider: str) -> RequestPolicy:
        """The policy the settings give ``provider`` (``fpt_retries``, ``zalo_poll_seconds``...,
        i.e. ``BROADCAST_FPT_RETRIES``...)."""
        return cls(**{f.name: getattr(settings, f"{provider}_{f.name}") for f in fields(cls)})


@dataclass(frozen=True)
class Failure:
    """One failed attempt: a stable code, whether trying again may help, and for the log."""

    code: str
    retryable: bool
    detail: str
    message: str  # Vietnamese, for the operator


def run_with_retries(
    attempt: Callable[[], T | Failure],
    *,
    retries: int,
    backoff_seconds: float,
    sleep: Callable[[float], None],
    provider: str,
) -> T:
    """Call ``attempt`` until it succeeds, a failure is not retryable, or the retries are
    used; exponential backoff between attempts. Raises :class:`SynthesisError` carrying how
    many attempts were made (the circuit breaker counts each)."""
    attempts = max(0, retries) + 1
    failure: Failure | None = None
    for number in range(attempts):
        if number:
            sleep(backoff_seconds * 2 ** (number - 1))
        result = attempt()
        if not isinstance(result, Failure):
            return result
        failure = result
        log.info("%s attempt %d/%d failed: %s", provider, number + 1, attempts, failure.detail)
        if not failure.retryable:
            raise _error(failure, number + 1)
    assert failure is not None
    raise _error(failure, attempts)


def _error(failure: Failure, attempts: int) -> SynthesisError:
    tries = f" (sau {attempts} lần thử)" if attempts > 1 else ""
    return SynthesisError(failure.message + tries, code=failure.code, attempts=attempts)


def wait_for_audio(
    fetch: Callable[[], bytes | None | Failure],
    *,
    poll_seconds: float,
    ready_timeout_seconds: float,
    clock: Callable[[], float],
    sleep: Callable[[float], None],
    provider: str,
) -> bytes | Failure:
    """Poll ``fetch`` (None: not ready yet) until it gives the audio, a failure, or the
    provider took longer than ``ready_timeout_seconds``."""
    deadline = clock() + ready_timeout_seconds
    while True:
        result = fetch()
        if result is not None:
            return result
        if clock() + poll_seconds > deadline:
            return Failure(
                f"{provider}_audio_not_ready",
                False,
                f"audio not ready after {ready_timeout_seconds:g} s",
                f"{PROVIDERS.get(provider, provider)} chưa trả âm thanh sau "
                f"{ready_timeout_seconds:g} giây",
            )
        sleep(poll_seconds)


_SENTENCE_END = re.compile(r"(?<=[.!?…;])\s+")
_CLAUSE_END = re.compile(r"(?<=[,:])\s+")


def split_for_limit(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters, cut at sentence ends first, then
    at commas, then between words (a word longer than the limit is cut where it must)."""
    text = text.strip()
    if len(text) <= limit:
        return [text] if text else []
    pieces: list[str] = []
    for splitter in (_SENTENCE_END, _CLAUSE_END, re.compile(r"\s+")):
        parts = splitter.split(text)
        if len(parts) > 1:
            current = ""
            for part in parts:
                candidate = f"{current} {part}" if current else part
                if len(candidate) <= limit:
                    current = candidate
                    continue
                if current:
                    pieces.append(current)
                current = part
            if current:
                pieces.append(current)
            return [p for piece in pieces for p in split_for_limit(piece, limit)]
    return [text[i:i + limit] for i in range(0, len(text), limit)]


def join_mp3(parts: list[bytes]) -> bytes:
    """MP3 files played one after another: their frames in order, with the ID3 tag of all but
    the first dropped (decoders read concatenated MPEG frames as one stream)."""
    if len(parts) == 1:
        return parts[0]
    return parts[0] + b"".join(_without_id3(part) for part in parts[1:])


def _without_id3(data: bytes) -> bytes:
    if data[:3] != b"ID3" or len(data) < 10:
        return data
    size = (data[6] << 21) | (data[7] << 14) | (data[8] << 7) | data[9]
    footer = 10 if data[5] & 0x10 else 0
    return data[10 + size + footer:]


def looks_like_mp3(data: bytes) -> bool:
    return data[:3] == b"ID3" or (len(data) > 1 and data[0] == 0xFF and data[1] & 0xE0 == 0xE0)


def is_offline(exc: BaseException) -> bool:
    """True when a host name could not be resolved: the machine has no network, so the
    fallback voice should start at once instead of after retries."""
    seen: set[int] = set()
    pending: list[object] = [exc]
    while pending:
        item = pending.pop()
        if not isinstance(item, BaseException) or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, socket.gaierror) or type(item).__name__ == "NameResolutionError":
            return True
        pending.extend([*item.args, getattr(item, "reason", None), item.__cause__])
    return False
