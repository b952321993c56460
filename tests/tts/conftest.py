"""Shared fixtures for the TTS tests: a fake clock, a fake Google TTS server, real MP3 bytes."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator

import pytest
import responses

from tests.tts.helpers import GTTS_URL, FakeClock, batchexecute_body


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def _ffmpeg_tone_mp3(frequency: int) -> bytes:
    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg is not installed")
    proc = subprocess.run(
        [
            "ffmpeg", "-hide_banner", "-loglevel", "error",
            "-f", "lavfi", "-i", f"sine=frequency={frequency}:duration=0.3",
            "-ac", "1", "-ar", "24000", "-b:a", "32k", "-f", "mp3", "pipe:1",
        ],
        capture_output=True,
        check=True,
    )  # fmt: skip
    return proc.stdout


@pytest.fixture(scope="session")
def mp3_bytes() -> bytes:
    """A real, small MP3 (what Google returns, base64 inside a batchexecute reply)."""
    return _ffmpeg_tone_mp3(440)


@pytest.fixture
def google() -> Iterator[responses.RequestsMock]:
    """The fake Google endpoint; responses are consumed in the order they are added."""
    with responses.RequestsMock(
        registry=responses.registries.OrderedRegistry, assert_all_requests_are_fired=True
    ) as mock:
        yield mock


@pytest.fixture
def google_always(mp3_bytes: bytes) -> Iterator[Callable[[], int]]:
    """A fake Google that answers every request with the MP3; returns the call counter."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add(responses.POST, GTTS_URL, body=batchexecute_body(mp3_bytes))
        yield lambda: len(mock.calls)


@pytest.fixture
def server() -> Iterator[responses.RequestsMock]:
    """A fake provider (FPT.AI, Zalo AI); responses are consumed in the order they are added,
    and every one must have been asked for."""
    with responses.RequestsMock(
        registry=responses.registries.OrderedRegistry, assert_all_requests_are_fired=True
    ) as mock:
        yield mock
