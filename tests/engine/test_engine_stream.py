"""The engine's stream voice: live PCM through a FIFO, started like a program (file sink)."""

from __future__ import annotations

import os
import threading
import time

import numpy as np
import soundfile

from broadcast.engine.protocol import ProtocolError, parse_command

RATE = 48_000


def feed(fifo: str, samples: np.ndarray, rate_pause: float = 0.0) -> threading.Thread:
    def run() -> None:
        fd = os.open(fifo, os.O_WRONLY)  # waits for the engine's read end
        data = samples.astype("<f4").tobytes()
        for i in range(0, len(data), 3840):
            os.write(fd, data[i : i + 3840])
            if rate_pause:
                time.sleep(rate_pause)
        os.close(fd)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def test_a_stream_starts_at_its_instant_plays_what_was_written_and_ends_with_it(
    raw_engine, tmp_path
):
    engine = raw_engine()
    fifo = str(tmp_path / "relay.pcm")
    os.mkfifo(fifo)
    signal = (0.3 * np.sin(2 * np.pi * 440 * np.arange(int(1.5 * RATE)) / RATE)).astype(
        np.float32
    )
    loaded = engine.request("stream", id="r", path=fifo, rate=RATE, ref="as-run:7")
    assert loaded["reply"] == "loaded" and loaded["duration"] is None
    writer = feed(fifo, signal)
    at = time.time() + 0.8
    assert engine.request("play", id="r", at=at)["reply"] == "playing"
    ended = engine.event("ended", timeout=10, id="r")
    writer.join(timeout=5)
    started = engine.event("started", id="r")
    assert abs(started["at"] - at) < 1e-3  # the file sink starts on the instant
    assert ended["reason"] == "completed"
    assert abs(ended["at"] - (at + 1.5)) < 0.05
    (wav,) = sorted((tmp_path / "out").glob("*.wav"))
    written, rate = soundfile.read(str(wav), dtype="float32")
    assert rate == RATE and len(written) == len(signal)
    assert np.allclose(written.reshape(len(written), -1)[:, 0], signal, atol=1e-4)


def test_a_stream_at_another_rate_is_resampled(raw_engine, tmp_path):
    engine = raw_engine()
    fifo = str(tmp_path / "relay.pcm")
    os.mkfifo(fifo)
    engine.request("stream", id="r", path=fifo, rate=44_100)
    feed(fifo, np.full(44_100, 0.2, dtype=np.float32))
    engine.request("play", id="r")
    ended = engine.event("ended", timeout=10, id="r")
    started = engine.event("started", id="r")
    assert ended["reason"] == "completed"
    assert abs((ended["at"] - started["at"]) - 1.0) < 0.01


def test_a_path_that_is_no_fifo_is_refused(raw_engine, tmp_path):
    engine = raw_engine()
    plain = tmp_path / "plain.pcm"
    plain.write_bytes(b"\0" * 16)
    refused = engine.request("stream", id="r", path=str(plain))
    assert refused["reply"] == "error" and refused["code"] == "stream_unreadable"
    missing = engine.request("stream", id="r", path=str(tmp_path / "none.pcm"))
    assert missing["code"] == "stream_unreadable"


def test_stream_and_input_fields_are_checked():
    assert parse_command('{"cmd":"stream","id":"a","path":"/x","rate":48000}').args["rate"]
    for bad in ('{"cmd":"stream","id":"a"}', '{"cmd":"stream","id":"a","path":"/x","rate":5}',
                '{"cmd":"input","id":"a","limit_dbfs":3}'):
        try:
            parse_command(bad)
        except ProtocolError:
            continue
        raise AssertionError(f"accepted {bad}")
