"""The upstream connection outlives a decoder that cannot even start (ffmpeg missing)."""

import io
import json
import threading
import time

import numpy as np

from broadcast.errors import PlayoutError
from broadcast.relay import feeder
from broadcast.relay.switch import RelaySwitch

RATE = 8_000


def test_a_decoder_that_cannot_start_is_reported_and_retried(monkeypatch) -> None:
    attempts = []

    def no_ffmpeg(*args, **kwargs):
        attempts.append(time.monotonic())
        raise PlayoutError("Không tìm thấy ffmpeg.", code="ffmpeg_missing")

    monkeypatch.setattr(feeder, "Decoder", no_ffmpeg)
    events = io.StringIO()
    switch = RelaySwitch(RATE, np.zeros(RATE, dtype=np.float32))
    upstream = feeder.Upstream(
        "http://127.0.0.1:9/vov1", RATE, switch, threading.Lock(), feeder.Reporter(events),
        None, backoff=(0.01,),
    )
    upstream.start()
    deadline = time.monotonic() + 5
    while len(attempts) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    upstream.stop.set()
    upstream.thread.join(5)
    assert len(attempts) >= 3, "the upstream thread gave up after the first failure"
    lost = [json.loads(line) for line in events.getvalue().splitlines()]
    assert lost[0]["event"] == "lost" and lost[0]["reason"] == "connect_failed"
    assert "ffmpeg" in lost[0]["message"]
