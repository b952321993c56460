"""Publishing the station's output to an Icecast mount, for the speaker clusters.

The audio engine copies what it plays into a FIFO (its ``tap``); an ffmpeg encoder (the relay's
ffmpeg adapter) reads it and sends Ogg Vorbis to ``BROADCAST_ICECAST_URL`` + mount. The engine
says when the tap's first sample was heard (``tap_started``), so each sample of the published
stream has a known instant on the station's clock: sample ``n`` (counted from the stream's
start, which Ogg granule positions carry) was heard on the station's own loudspeakers at
``epoch_of_sample_zero + n / rate``. A cluster agent plays it ``delay_seconds`` later, every
agent at the same instant (see README, "Relay and live to the clusters").

The output keeps the pipeline up: a dead encoder (Icecast restarted) or a lost tap (the
engine restarted, the device came back) starts a new stream with a new sample zero.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from broadcast.engine.client import EngineExit, EngineProcess
from broadcast.errors import PlayoutError
from broadcast.relay.ffmpeg import start_encoder
from broadcast.urls import without_password

log = logging.getLogger(__name__)

CHECK_SECONDS = 1.0
TAP_RETRY_SECONDS = 5.0


@dataclass(frozen=True)
class StreamInfo:
    url: str  # where listeners (agents) connect, without credentials
    rate: int
    epoch_of_sample_zero: float | None


def icecast_target(icecast_url: str, mount: str) -> tuple[str, str]:
    """(ffmpeg's icecast:// target with credentials, the listeners' http URL)."""
    parts = urlsplit(icecast_url)
    if parts.scheme not in ("http", "icecast") or not parts.hostname:
        raise PlayoutError(
            f"BROADCAST_ICECAST_URL '{without_password(icecast_url)}' không hợp lệ; cần dạng "
            "http://source:MẬT-KHẨU@máy-chủ:cổng.",
            code="icecast_url_invalid",
        )
    mount = "/" + mount.lstrip("/")
    netloc = parts.netloc
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return f"icecast://{netloc}{mount}", f"http://{host}{mount}"


class IcecastOutput:
    """Keeps the engine's tap, the encoder and the Icecast mount running."""

    def __init__(self, engine: EngineProcess, icecast_url: str, mount: str) -> None:
        self.engine = engine
        self.target, self.url = icecast_target(icecast_url, mount)
        self._dir = Path(tempfile.mkdtemp(prefix="loa-publish-"))
        self._encoder: subprocess.Popen[bytes] | None = None
        self._origin: float | None = None
        self._rate = 48_000
        self._broken = threading.Event()  # the tap or the engine went away: start again
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="icecast-output", daemon=True)
        self._seq = 0
        engine.add_listener(self)

    def start(self) -> None:
        self._thread.start()

    def info(self) -> StreamInfo | None:
        if self._encoder is None or self._encoder.poll() is not None:
            return None
        return StreamInfo(self.url, self._rate, self._origin)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._stop_encoder()
        shutil.rmtree(self._dir, ignore_errors=True)

    # --- the engine's reports -----------------------------------------------------------

    def engine_ready(self, hello: dict[str, Any], restarted: bool) -> None:
        if restarted:
            self._broken.set()

    def engine_event(self, message: dict[str, Any]) -> None:
        kind = message.get("event")
        if kind == "tap_started":
            self._origin = float(message["at"])
            self._rate = int(message.get("rate") or self._rate)
            log.info("publishing %s: sample 0 heard at %.3f", self.url, self._origin)
        elif kind == "tap_ended":
            log.warning("the output's copy for %s ended (%s)", self.url, message.get("reason"))
            self._broken.set()

    def engine_lost(self, exit: EngineExit) -> None:
        self._broken.set()

    # --- the pipeline ---------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            encoder = self._encoder
            if encoder is None or encoder.poll() is not None or self._broken.is_set():
                try:
                    self._restart()
                except PlayoutError as exc:
                    log.warning("cannot publish to %s yet: %s", self.url, exc.message)
                    self._stop.wait(3.0)
                    continue
            self._stop.wait(CHECK_SECONDS)

    def _restart(self) -> None:
        self._broken.clear()
        self._origin = None
        if self.engine.running:
            with contextlib.suppress(PlayoutError):
                self.engine.request("untap")
        self._stop_encoder()
        self._seq += 1
        fifo = self._dir / f"out-{self._seq}.pcm"
        os.mkfifo(fifo, 0o600)
        rate = self._rate
        hello = self.engine.request("hello", timeout=10)
        if isinstance(hello.get("rate"), int):
            rate = self._rate = hello["rate"]
        self._encoder = start_encoder(str(fifo), rate, self.target)
        deadline = time.monotonic() + TAP_RETRY_SECONDS
        while True:  # the encoder opens its end first; the engine then opens the other
            try:
                self.engine.request("tap", path=str(fifo), timeout=10)
                break
            except PlayoutError as exc:
                if exc.code != "tap_unavailable" or time.monotonic() > deadline:
                    self._stop_encoder()
                    raise
                if self._encoder.poll() is not None:
                    self._stop_encoder()
                    raise PlayoutError("Bộ mã hoá ffmpeg dừng ngay khi khởi động (máy chủ "
                                       "Icecast có chạy không?).", code="publish_failed") from exc
                time.sleep(0.1)
        fifo.unlink(missing_ok=True)  # both ends are open; the name is no longer needed
        log.info("publishing the station's output to %s", self.url)

    def _stop_encoder(self) -> None:
        encoder, self._encoder = self._encoder, None
        if encoder is not None and encoder.poll() is None:
            encoder.terminate()
            try:
                encoder.wait(timeout=3)
            except subprocess.TimeoutExpired:
                encoder.kill()
