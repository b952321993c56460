"""The HTTP the cloud voices share: fetching audio a provider prepares behind a link, and what
a failed request means. Each provider's own requests and answers stay in its adapter
(``fpt_engine.py``, ``zalo_engine.py``); ``cloud.py`` holds what needs no HTTP, and
``cloud_voice.py`` the steps every cloud voice takes."""

from __future__ import annotations

import logging

import requests

from broadcast.tts.cloud import PROVIDERS, Failure, is_offline, looks_like_mp3

# A link whose audio is still being made answers 403 or 404 (both providers document it).
_NOT_READY = frozenset({403, 404})

log = logging.getLogger(__name__)


def fetch_audio(provider: str, link: str, timeout: float) -> bytes | None | Failure:
    """The MP3 at ``link``; None while it is not there yet (poll again)."""
    name = PROVIDERS[provider]
    try:
        response = requests.get(link, timeout=timeout)
    except requests.Timeout:
        return None
    except requests.RequestException as exc:
        if is_offline(exc):
            return transport_failure(provider, exc, timeout)
        # Polled again until the deadline; the reason is in the log, not lost.
        log.warning("%s: fetching the audio link failed (%r); trying again", provider, exc)
        return None
    if response.status_code in _NOT_READY or response.status_code >= 500:
        return None
    if response.status_code != 200:
        return Failure(f"{provider}_audio_failed", False, link,
                       f"Không tải được âm thanh từ {name} (HTTP {response.status_code})")
    if not response.content:
        return None
    if not looks_like_mp3(response.content):
        return Failure(f"{provider}_no_audio", False, link,
                       f"Đường dẫn của {name} không chứa âm thanh MP3")
    return response.content


def transport_failure(provider: str, exc: requests.RequestException, timeout: float) -> Failure:
    """A request that got no answer: timed out, no connection (no network at all is not worth
    retrying: the fallback voice starts at once), or another transport error."""
    name = PROVIDERS[provider]
    if isinstance(exc, requests.Timeout):
        return Failure(f"{provider}_timeout", True, repr(exc),
                       f"{name} không trả lời trong {timeout:g} giây")
    if isinstance(exc, requests.ConnectionError):
        return Failure(f"{provider}_unreachable", not is_offline(exc), repr(exc),
                       f"Không kết nối được tới {name}: kiểm tra kết nối Internet")
    return Failure(f"{provider}_request_failed", False, repr(exc),
                   f"Yêu cầu tới {name} thất bại")
