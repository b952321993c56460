"""Test helpers for the TTS tests: a fake clock and the fake Google TTS wire format."""

from __future__ import annotations

import base64
import json
import shutil
from urllib.parse import unquote

import pytest
import requests

GTTS_URL = "https://translate.google.com.vn/_/TranslateWebserverUi/data/batchexecute"

needs_espeak = pytest.mark.skipif(
    shutil.which("espeak-ng") is None, reason="espeak-ng is not installed"
)


class FakeClock:
    """A monotonic clock whose ``sleep`` advances time instead of waiting."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds


def batchexecute_body(mp3: bytes) -> str:
    """A reply shaped like translate.google's batchexecute answer carrying ``mp3``."""
    b64 = base64.b64encode(mp3).decode("ascii")
    line = f'[["wrb.fr","jQ1olc","[\\"{b64}\\"]",null,null,null,"generic"],["di",51]]'
    return ")]}'\n\n" + line + "\n"


def rpc_parameters(request: requests.PreparedRequest) -> list[object]:
    """What gTTS packed into a request: ``[text, lang, speed, "null"]`` (its RPC format)."""
    body = request.body
    raw = unquote(body.decode() if isinstance(body, bytes) else str(body))
    assert raw.startswith("f.req=") and raw.endswith("&")
    rpc = json.loads(raw[len("f.req=") : -1])
    assert rpc[0][0][0] == "jQ1olc"
    parameters: list[object] = json.loads(rpc[0][0][1])
    return parameters
