"""The engine's command handling when the device layer fails in ways nobody planned for."""

import io
import os
import threading

from broadcast.engine import protocol as p
from broadcast.engine.server import Engine, EventWriter
from broadcast.errors import PlayoutError
from broadcast.playout import FileSink


class BrokenDevice(FileSink):
    """A sound card whose driver fails: with an unexpected error, or a known one."""

    def __init__(self, directory, error):
        super().__init__(directory, rate=8_000)
        self.error = error

    def open(self):
        raise self.error

    def start_tap(self, ring):  # a sink that could copy its output to a listener
        raise AssertionError("never reached: the device did not open")


def engine_on(sink):
    return Engine(sink, EventWriter(io.BytesIO()), kind="file")


def test_an_unexpected_driver_error_is_an_error_reply_not_the_end_of_the_engine(tmp_path):
    engine = engine_on(BrokenDevice(tmp_path, RuntimeError("PortAudio: Internal error")))
    answer = engine.handle(p.parse_command(p.encode(p.command("open", 7))))
    assert answer["reply"] == "error" and answer["seq"] == 7
    assert answer["code"] == "internal_error" and "PortAudio" in answer["message"]
    assert engine.handle(p.parse_command(p.encode(p.command("hello", 8))))["reply"] == "hello"


def test_a_tap_refused_for_a_missing_device_leaves_no_pipe_open(tmp_path):
    missing = PlayoutError("Không thấy thiết bị âm thanh.", code="device_not_found")
    engine = engine_on(BrokenDevice(tmp_path, missing))
    fifo = tmp_path / "tap.pcm"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)  # the listener (Icecast's encoder)
    try:
        before = len(os.listdir("/proc/self/fd"))
        for seq in range(20):  # the Icecast output retries every few seconds
            tap = p.command("tap", seq, path=str(fifo))
            assert engine.handle(p.parse_command(p.encode(tap)))["code"] == "device_not_found"
        assert len(os.listdir("/proc/self/fd")) == before
    finally:
        os.close(reader)



def test_a_tap_that_lost_samples_ends_so_its_listener_starts_a_new_stream(tmp_path):
    from broadcast.engine.server import _Tap
    from broadcast.playout.source import RingBuffer

    fifo = tmp_path / "tap.pcm"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    writer = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    ended = []
    done = threading.Event()
    dropped = [0]

    def on_end(reason, tap):
        ended.append(reason)
        done.set()

    tap = _Tap(str(fifo), writer, RingBuffer(8_000), on_end, lambda: dropped[0])
    try:
        tap.start()
        assert not done.wait(0.1)  # nothing lost: it goes on
        dropped[0] = 480  # the callback could not copy 10 ms: the timing rule is broken
        assert done.wait(5)
        assert ended == ["overrun"]
    finally:
        tap.close()
        os.close(reader)
