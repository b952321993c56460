"""The audio engine process: owns one output, takes commands on stdin, reports on stdout.

    python -m broadcast.engine [--device SPEC] [--rate HZ] [--gain-db DB] [--state FILE]
                               [--sink sound | --sink file:DIR]

It owns exactly one sink: the sound card (:class:`SounddeviceSink`, with its DAC-time
start) or, with ``--sink file:DIR``, a :class:`FileSink` on the wall clock (tests of other
layers, no sound card). The protocol is in :mod:`broadcast.engine.protocol`.

It never waits on anything but its own clock and device: commands are handled one at a
time on the main thread, reports come from a reporter thread that polls the playbacks
every 50 ms, output lines go through a writer thread (a station that stops reading cannot
block it), the state file through its own writer. Its imports are kept small (no API,
renderer, store or scheduler) so that it starts fast and shares nothing with them.

When stdin closes (the station quit or died) or on SIGTERM/SIGINT, it fades out whatever
plays over 50 ms, writes its state file and exits 0. When it is allowed to, it raises its
own priority (SCHED_RR, the audio callback thread a notch higher; else nice -10); refusal
is ignored.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import logging
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from types import FrameType
from typing import Any, BinaryIO

from broadcast.clock import SystemClock, from_epoch, to_epoch
from broadcast.engine import protocol as p
from broadcast.engine.state import KEEP_VOICES, EngineState, StateWriter, VoiceRecord, read_state
from broadcast.errors import PlayoutError
from broadcast.playout.sink import PlaybackHandle, Sink
from broadcast.playout.source import ProgramSource, RingBuffer
from broadcast.playout.stream_source import PcmStreamSource

log = logging.getLogger("broadcast.engine")

TICK_SECONDS = 0.05
POSITION_INTERVAL_SECONDS = 0.25
STATE_INTERVAL_SECONDS = 1.0
UNDERFLOW_REPORT_SECONDS = 0.25
UNDERRUN_REPORT_SECONDS = 1.0
REOPEN_FIRST_SECONDS = 1.0
REOPEN_EVERY_SECONDS = 2.0
QUIT_FADE_SECONDS = 0.05
PROCESS_PRIORITY = 5  # SCHED_RR priority asked for the engine's threads
AUDIO_THREAD_PRIORITY = 10  # and for the audio callback thread
NICE_INCREMENT = -10  # if real-time scheduling is refused


class EventWriter:
    """Writes message lines from any thread, in order, on a thread of its own.

    ``send`` never blocks. If the reader stops reading, lines queue up (position reports
    are dropped beyond ``max_queue``); if it is gone, lines are discarded.
    """

    def __init__(self, stream: BinaryIO, max_queue: int = 10_000) -> None:
        self._stream = stream
        self._max_queue = max_queue
        self._queue: collections.deque[bytes] = collections.deque()
        self._cond = threading.Condition()
        self._closed = False
        self.broken = False
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="engine-writer", daemon=True)
        self._thread.start()

    def send(self, message: dict[str, Any]) -> None:
        line = p.encode(message)
        with self._cond:
            if self.broken:
                return
            if len(self._queue) >= self._max_queue and message.get("event") == "position":
                self.dropped += 1
                return
            self._queue.append(line)
            self._cond.notify()

    def close(self, timeout: float = 2.0) -> None:
        """Write what is queued (up to ``timeout``), then stop."""
        with self._cond:
            self._closed = True
            self._cond.notify()
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: bool(self._queue) or self._closed)
                if not self._queue:
                    return
                lines = list(self._queue)
                self._queue.clear()
            try:
                self._stream.write(b"".join(lines))
                self._stream.flush()
            except (OSError, ValueError):
                with self._cond:
                    self.broken = True
                    self._queue.clear()
                log.warning("the station no longer reads the engine's reports")


class _Voice:
    """A program loaded in the engine, and what has been reported about it."""

    def __init__(self, record: VoiceRecord, source: ProgramSource) -> None:
        self.record = record
        self.source = source
        self.handle: PlaybackHandle | None = None
        self.started_sent = False
        self.ended = False
        self.reported = threading.Event()  # its end was reported (after the handle's end)
        self.last_position = 0.0  # monotonic instant of the last position report
        self.underruns_sent = 0
        self.underrun_sent_at = 0.0

    @property
    def id(self) -> str:
        return self.record.id

    @property
    def state(self) -> str:
        if self.handle is None:
            return "loaded"
        return "scheduled" if self.handle.actual_start is None else "playing"


class _Tap:
    """Copies the output's ring into a FIFO on a thread of its own (it may wait; the audio
    callback never does)."""

    def __init__(
        self, path: str, fd: int, ring: RingBuffer, on_end: Any, dropped: Callable[[], int]
    ) -> None:
        self.path = path
        self.fd = fd
        self.ring = ring
        # Samples the callback could not copy (the reader fell behind by more than the ring).
        # Once any is lost, "sample n was heard at sample zero + n / rate" is false for the
        # rest of the stream, and clusters playing it in step would drift: the tap ends, and
        # its listener starts a new stream with a new sample zero.
        self._dropped = dropped
        self.announced = False
        self._on_end = on_end
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="engine-tap", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=1.0)
        with contextlib.suppress(OSError):
            os.close(self.fd)

    def _run(self) -> None:
        import numpy as np

        buf = np.zeros(4800, dtype=np.float32)
        while not self._stop.is_set():
            if self._dropped():
                threading.Thread(target=self._on_end, args=("overrun", self),
                                 daemon=True).start()
                return
            n = self.ring.read_into(buf)
            if n == 0:
                self._stop.wait(0.01)
                continue
            try:
                os.write(self.fd, buf[:n].astype("<f4").tobytes())
            except OSError:
                if not self._stop.is_set():
                    threading.Thread(target=self._on_end, args=("reader_gone", self),
                                     daemon=True).start()
                return


class Engine:
    """The engine's behaviour, apart from its input and output streams (tests drive it)."""

    def __init__(
        self,
        sink: Sink,
        out: EventWriter,
        *,
        kind: str,
        state_path: Path | None = None,
        position_interval: float = POSITION_INTERVAL_SECONDS,
        input_device: str | None = None,
    ) -> None:
        self.sink = sink
        self.input_device = input_device  # the live input (microphone, line-in) by default
        self.kind = kind
        self.out = out
        self.pid = os.getpid()
        self.position_interval = position_interval
        self._voices: dict[str, _Voice] = {}
        self._records: collections.deque[VoiceRecord] = collections.deque(maxlen=KEEP_VOICES)
        self._lock = threading.RLock()
        self._device_lock = threading.Lock()  # open/close of the device, one at a time
        self._want_open = False
        self._device_up = False
        self._device_lost = False
        self._reopening = False
        self._next_reopen = 0.0
        self._underflows_sent = 0
        self._underflow_sent_at = 0.0
        self._exit: dict[str, Any] | None = None
        self._state_path = state_path
        self._state_writer: StateWriter | None = None
        self._state_due = False
        self._state_written_at = 0.0
        if state_path is not None:
            previous = read_state(state_path)
            if previous is not None:  # keep what the last engine knew
                self._records.extend(previous.voices)
            self._state_writer = StateWriter(state_path)
        self._tap: _Tap | None = None
        self._stop = threading.Event()
        self._reporter = threading.Thread(
            target=self._run_reporter, name="engine-reporter", daemon=True
        )

    def start(self) -> None:
        self.out.send(p.event("ready", version=p.PROTOCOL_VERSION, pid=self.pid))
        self._reporter.start()

    # --- commands -----------------------------------------------------------------------

    def handle(self, cmd: p.Command) -> dict[str, Any]:
        """Carry out one command; return its reply (an error reply for a refused one)."""
        try:
            result: dict[str, Any] = getattr(self, f"_cmd_{cmd.name}")(cmd)
        except PlayoutError as exc:
            return p.error_reply(cmd.seq, cmd.name, exc.code, exc.message)
        except Exception as exc:  # one bad command must not take the air down with the engine
            log.exception("engine command %s failed", cmd.name)
            return p.error_reply(
                cmd.seq, cmd.name, "internal_error",
                f"Động cơ âm thanh gặp lỗi khi xử lý lệnh '{cmd.name}': {exc}",
            )
        return result

    def _cmd_hello(self, cmd: p.Command) -> dict[str, Any]:
        version = cmd.args.get("version")
        if version is not None and version != p.PROTOCOL_VERSION:
            raise PlayoutError(
                f"Động cơ âm thanh dùng giao thức phiên bản {p.PROTOCOL_VERSION}, "
                f"không phải {version}.",
                code="protocol_version",
            )
        return p.reply(
            "hello", cmd.seq, version=p.PROTOCOL_VERSION, pid=self.pid, sink=self.kind,
            device=self.sink.name, rate=self.sink.rate, open=self._is_open(),
        )

    def _cmd_open(self, cmd: p.Command) -> dict[str, Any]:
        with self._lock:
            self._want_open = True
        with self._device_lock:
            self.sink.open()
        return p.reply("opened", cmd.seq, **self._device_fields())

    def _cmd_load(self, cmd: p.Command) -> dict[str, Any]:
        source = ProgramSource(cmd.args["path"], gain_db=cmd.args.get("gain_db", 0.0))
        return self._take(cmd, source)

    def _cmd_stream(self, cmd: p.Command) -> dict[str, Any]:
        source = PcmStreamSource(
            cmd.args["path"],
            stream_rate=cmd.args.get("rate"),
            gain_db=cmd.args.get("gain_db", 0.0),
            buffer_seconds=cmd.args.get("buffer", p.DEFAULT_STREAM_BUFFER_SECONDS),
        )
        return self._take(cmd, source)

    def _cmd_input(self, cmd: p.Command) -> dict[str, Any]:
        from broadcast.playout.sounddevice_sink import LiveInputSource

        source = LiveInputSource(
            cmd.args.get("device", self.input_device),
            gain_db=cmd.args.get("gain_db", 0.0),
            limit_dbfs=cmd.args.get("limit_dbfs", p.DEFAULT_INPUT_LIMIT_DBFS),
        )
        return self._take(cmd, source)

    def _cmd_tap(self, cmd: p.Command) -> dict[str, Any]:
        start_tap = getattr(self.sink, "start_tap", None)
        if start_tap is None:
            raise PlayoutError(
                "Đầu ra này không xuất được bản sao âm thanh để phát lên mạng.",
                code="tap_unsupported",
            )
        path = cmd.args["path"]
        self._end_tap(None)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            raise PlayoutError(
                f"Không mở được '{path}' để xuất âm thanh: {exc.strerror}",
                code="tap_unavailable",
            ) from exc
        os.set_blocking(fd, True)
        with self._lock:
            self._want_open = True
        try:
            with self._device_lock:
                self.sink.open()
        except BaseException:
            os.close(fd)  # no device: the listener will retry with a new pipe
            raise
        tap = _Tap(path, fd, RingBuffer(self.sink.rate * 2), self._end_tap,
                   lambda: int(getattr(self.sink, "tap_dropped", 0)))
        with self._lock:
            self._tap = tap
        start_tap(tap.ring)
        tap.start()
        return p.reply("tapping", cmd.seq, path=path, rate=self.sink.rate)

    def _cmd_untap(self, cmd: p.Command) -> dict[str, Any]:
        self._end_tap("untap")
        return p.reply("untapped", cmd.seq)

    def _end_tap(self, reason: str | None, tap: _Tap | None = None) -> None:
        """Stop the tap (``tap``: only if it is still that one); report why."""
        with self._lock:
            current = self._tap
            if current is None or (tap is not None and tap is not current):
                return
            self._tap = None
        stop_tap = getattr(self.sink, "stop_tap", None)
        if stop_tap is not None:
            stop_tap()
        current.close()
        if reason is not None:
            self.out.send(p.event("tap_ended", reason=reason))

    def _take(self, cmd: p.Command, source: ProgramSource) -> dict[str, Any]:
        """Open the device, prepare ``source`` and keep it as the voice ``id`` (loaded)."""
        voice_id = cmd.args["id"]
        with self._lock:
            self._refuse_duplicate(voice_id)
            self._want_open = True
        with self._device_lock:
            self.sink.open()
        source.prepare(self.sink.rate)
        record = VoiceRecord(
            id=voice_id, path=str(source.path), engine_pid=self.pid, ref=cmd.args.get("ref")
        )
        with self._lock:
            try:
                self._refuse_duplicate(voice_id)
            except PlayoutError:
                source.close()
                raise
            self._voices[voice_id] = _Voice(record, source)
        extra = {}
        if isinstance(getattr(source, "input_latency", None), float):
            extra["input_latency"] = round(source.input_latency, 6)  # type: ignore[attr-defined]
        return p.reply(
            "loaded", cmd.seq, id=voice_id, duration=source.duration_seconds, **extra
        )

    def _cmd_play(self, cmd: p.Command) -> dict[str, Any]:
        voice = self._voice(cmd.args["id"])
        if voice.handle is not None:
            raise PlayoutError(
                f"Chương trình '{voice.id}' đã được lệnh phát rồi.", code="already_playing"
            )
        at = cmd.args.get("at")
        voice.record.scheduled = at
        try:
            handle = self.sink.start_at(
                voice.source, None if at is None else from_epoch(at), ref=voice.record.ref
            )
        except PlayoutError:
            with self._lock:
                self._voices.pop(voice.id, None)
            voice.source.close()
            raise
        with self._lock:
            voice.handle = handle
            self._records.append(voice.record)
            self._state_due = True
        handle.add_done_callback(lambda _h: self._on_done(voice))
        return p.reply(
            "playing", cmd.seq, id=voice.id, at=at,
            output_latency=round(self.sink.output_latency, 6),
        )

    def _cmd_stop(self, cmd: p.Command) -> dict[str, Any]:
        voice = self._voice(cmd.args["id"])
        at = cmd.args.get("at")
        fade = cmd.args.get("fade", p.DEFAULT_FADE_SECONDS)
        if voice.handle is None:  # loaded, never played: just let it go
            with self._lock:
                self._voices.pop(voice.id, None)
                self._emit_end(voice, "stopped", time.time(), None)
            voice.source.close()
        else:
            voice.handle.stop(fade, None if at is None else from_epoch(at))
        return p.reply("stopping", cmd.seq, id=voice.id)

    def _cmd_status(self, cmd: p.Command) -> dict[str, Any]:
        error = getattr(self.sink, "last_error", None)
        age = getattr(self.sink, "last_callback_age", None)
        with self._lock:
            voices = [
                {
                    "id": v.id, "ref": v.record.ref, "state": v.state,
                    "scheduled": v.record.scheduled, "started_at": v.record.started_at,
                    "heard_until": v.record.heard_until,
                }
                for v in self._voices.values()
            ]
        return p.reply(
            "status", cmd.seq, pid=self.pid, sink=self.kind, device=self.sink.name,
            open=self._is_open(), device_error=p.error_fields(error), rate=self.sink.rate,
            output_latency=round(self.sink.output_latency, 6),
            underflows=int(getattr(self.sink, "underflows", 0)),
            last_callback_age=None if age is None else round(age, 4), voices=voices,
        )

    def _cmd_time(self, cmd: p.Command) -> dict[str, Any]:
        return p.reply("time", cmd.seq, now=time.time(), monotonic=time.monotonic())

    def _cmd_close(self, cmd: p.Command) -> dict[str, Any]:
        self.close_all()
        return p.reply("closed", cmd.seq)

    # --- life cycle ---------------------------------------------------------------------

    def close_all(self, wait: float = 1.0) -> None:
        """Stop every playback (each ends stopped) and release the device."""
        with self._lock:
            self._want_open = False
            voices = list(self._voices.values())
            for voice in voices:
                if voice.handle is None:
                    self._voices.pop(voice.id, None)
                    self._emit_end(voice, "stopped", time.time(), None)
        for voice in voices:
            if voice.handle is None:
                voice.source.close()
        with self._device_lock:
            self.sink.close()
            with self._lock:
                self._device_up = self._device_lost = False
        deadline = time.monotonic() + wait
        for voice in voices:
            voice.reported.wait(max(0.0, deadline - time.monotonic()))

    def shutdown(self, cause: str) -> None:
        """Fade out over 50 ms, release the device, write the state file: the engine exits."""
        log.info("engine stopping (%s)", cause)
        self._end_tap("engine_stopping")
        with self._lock:
            voices = [v for v in self._voices.values() if v.handle is not None]
        for voice in voices:
            assert voice.handle is not None
            voice.handle.stop(QUIT_FADE_SECONDS)
        deadline = time.monotonic() + QUIT_FADE_SECONDS + self.sink.output_latency + 0.3
        for voice in voices:
            voice.reported.wait(max(0.0, deadline - time.monotonic()))
        self.close_all(wait=0.5)
        self._stop.set()
        if self._reporter.is_alive():
            self._reporter.join(timeout=1.0)
        with self._lock:
            self._exit = {"at": time.time(), "cause": cause}
        if self._state_writer is not None:
            self._state_writer.post(self._snapshot())
            self._state_writer.close()

    # --- reports ------------------------------------------------------------------------

    def _on_done(self, voice: _Voice) -> None:
        handle = voice.handle
        assert handle is not None and handle.end_reason is not None
        assert handle.actual_end is not None
        with self._lock:
            self._voices.pop(voice.id, None)
            self._sync_started(voice)
            self._emit_end(
                voice, handle.end_reason.value, to_epoch(handle.actual_end), handle.error,
                underflows=handle.underflows, underruns=handle.underruns,
            )

    def _emit_end(
        self,
        voice: _Voice,
        reason: str,
        at: float,
        error: PlayoutError | None,
        *,
        underflows: int = 0,
        underruns: int = 0,
    ) -> None:
        if voice.ended:
            return
        voice.ended = True
        record = voice.record
        if record.started_at is not None:
            record.heard_until = max(record.started_at, at)
        record.ended_at = at
        record.reason = reason
        record.error = p.error_fields(error)
        self._state_due = True
        self.out.send(
            p.event(
                "ended", id=voice.id, at=at, reason=reason, error=p.error_fields(error),
                underflows=underflows, underruns=underruns,
            )
        )
        voice.reported.set()

    def _sync_started(self, voice: _Voice) -> None:
        handle = voice.handle
        if handle is None or voice.started_sent or handle.actual_start is None:
            return
        voice.started_sent = True
        at = to_epoch(handle.actual_start)
        voice.record.started_at = at
        self._state_due = True
        self.out.send(p.event("started", id=voice.id, at=at))

    def _run_reporter(self) -> None:
        while not self._stop.wait(TICK_SECONDS):
            try:
                self._report()
            except Exception:  # a bug here must not end the reports for good
                log.exception("engine reporter failed")

    def _report(self) -> None:
        now, mono = time.time(), time.monotonic()
        with self._lock:
            for voice in list(self._voices.values()):
                handle = voice.handle
                if handle is None or voice.ended:
                    continue
                self._sync_started(voice)
                started = voice.record.started_at
                if (
                    started is not None
                    and now >= started
                    and mono - voice.last_position >= self.position_interval
                ):
                    rate = voice.source.rate or self.sink.rate
                    heard = min(now, started + voice.source.frames_read / rate)
                    voice.last_position = mono
                    voice.record.heard_until = max(started, heard)
                    self.out.send(
                        p.event("position", id=voice.id, heard_until=voice.record.heard_until)
                    )
                if (
                    handle.underruns > voice.underruns_sent
                    and mono - voice.underrun_sent_at >= UNDERRUN_REPORT_SECONDS
                ):
                    voice.underruns_sent = handle.underruns
                    voice.underrun_sent_at = mono
                    self.out.send(p.event("underrun", id=voice.id, total=handle.underruns))
            underflows = int(getattr(self.sink, "underflows", 0))
            if (
                underflows > self._underflows_sent
                and mono - self._underflow_sent_at >= UNDERFLOW_REPORT_SECONDS
            ):
                self._underflows_sent = underflows
                self._underflow_sent_at = mono
                self.out.send(p.event("underflow", total=underflows))
            self._watch_device(mono)
            self._write_state_if_due(mono)
            tap = self._tap
            origin = getattr(self.sink, "tap_origin", None)
            if tap is not None and not tap.announced and origin is not None:
                tap.announced = True
                self.out.send(p.event("tap_started", at=origin, rate=self.sink.rate))

    def _watch_device(self, mono: float) -> None:
        """Report a device that stopped or came back, and try to open a lost one again."""
        is_open = getattr(self.sink, "is_open", None)
        if is_open is None:  # a sink without a device to lose (the file sink)
            return
        up = bool(is_open)
        if self._device_up and not up and self._want_open:
            self._device_lost = True
            threading.Thread(target=self._end_tap, args=("device_lost",), daemon=True).start()
            error = getattr(self.sink, "last_error", None) or PlayoutError(
                f"Thiết bị âm thanh '{self.sink.name}' ngừng hoạt động.", code="device_failed"
            )
            self.out.send(p.event("device_lost", error=p.error_fields(error)))
            self._next_reopen = mono + REOPEN_FIRST_SECONDS
        elif not self._device_up and up and self._device_lost:
            self._device_lost = False
            self.out.send(p.event("device_back", **self._device_fields()))
        self._device_up = up
        if (
            self._device_lost
            and self._want_open
            and not up
            and not self._reopening
            and mono >= self._next_reopen
        ):
            self._reopening = True
            threading.Thread(target=self._reopen, name="engine-reopen", daemon=True).start()

    def _reopen(self) -> None:
        try:
            with self._device_lock:
                if self._want_open and not self._is_open():
                    self.sink.open()
                    log.info("device '%s' is back", self.sink.name)
        except PlayoutError as exc:
            log.info("device still unavailable: %s", exc.message)
        finally:
            with self._lock:
                self._reopening = False
                self._next_reopen = time.monotonic() + REOPEN_EVERY_SECONDS

    def _write_state_if_due(self, mono: float) -> None:
        if self._state_writer is None:
            return
        playing = any(v.started_sent and not v.ended for v in self._voices.values())
        if self._state_due or (playing and mono - self._state_written_at >= STATE_INTERVAL_SECONDS):
            self._state_due = False
            self._state_written_at = mono
            self._state_writer.post(self._snapshot())

    def _snapshot(self) -> EngineState:
        with self._lock:
            return EngineState(
                pid=self.pid, written_at=time.time(), device=self.sink.name,
                exit=self._exit, voices=[replace(r) for r in self._records],
            )

    # --- helpers ------------------------------------------------------------------------

    def _voice(self, voice_id: str) -> _Voice:
        with self._lock:
            voice = self._voices.get(voice_id)
        if voice is None:
            raise PlayoutError(
                f"Không có chương trình nào mang mã '{voice_id}' trong động cơ âm thanh "
                "(chưa nạp, hoặc đã kết thúc).",
                code="unknown_id",
            )
        return voice

    def _refuse_duplicate(self, voice_id: str) -> None:
        if voice_id in self._voices:
            raise PlayoutError(
                f"Mã '{voice_id}' đang được một chương trình khác dùng.", code="duplicate_id"
            )

    def _is_open(self) -> bool:
        is_open = getattr(self.sink, "is_open", None)
        return bool(self._want_open if is_open is None else is_open)

    def _device_fields(self) -> dict[str, Any]:
        return {
            "device": self.sink.name, "rate": self.sink.rate,
            "output_latency": round(self.sink.output_latency, 6),
        }


class _Quit(Exception):
    """Raised in the main thread by SIGTERM/SIGINT to leave the command loop."""


def serve(engine: Engine, stdin: BinaryIO) -> str:
    """Carry out commands from ``stdin`` until it closes; return why the loop ended."""
    try:
        for raw in _lines(stdin):
            line = raw.strip()
            if not line:
                continue
            try:
                cmd = p.parse_command(line)
            except p.ProtocolError as exc:
                engine.out.send(p.error_reply(_seq_of(line), None, exc.code, exc.message))
                continue
            engine.out.send(engine.handle(cmd))
    except _Quit:
        return "signal"
    return "stdin_closed"


def _lines(stdin: BinaryIO) -> Iterator[bytes]:
    """Lines of at most MAX_LINE_BYTES; a longer one is skipped whole and given as too long."""
    while True:
        raw = stdin.readline(p.MAX_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) > p.MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):
                raw = stdin.readline(p.MAX_LINE_BYTES)
            yield b"x" * (p.MAX_LINE_BYTES + 1)  # reported as too long by the decoder
            continue
        yield raw


def _seq_of(line: bytes) -> int | None:
    try:
        seq = p.decode(line).get("seq")
    except p.ProtocolError:
        return None
    return seq if isinstance(seq, int) and not isinstance(seq, bool) else None


def _on_signal(signum: int, frame: FrameType | None) -> None:
    raise _Quit(signal.Signals(signum).name)


def raise_process_priority() -> str | None:
    """Raise this thread's priority, inherited by every thread started after; best effort.

    Real-time round robin at a low priority when allowed: a thread holding the GIL must not
    be preempted by the rest of a loaded machine while the audio callback (a notch higher,
    see AUDIO_THREAD_PRIORITY) waits for it. Every thread of the engine sleeps most of the
    time, and the kernel keeps 5 % of each second for normal tasks anyway. Otherwise a lower
    nice value. Returns what was obtained (None: nothing).
    """
    try:
        os.sched_setscheduler(0, os.SCHED_RR, os.sched_param(PROCESS_PRIORITY))
        return f"SCHED_RR {PROCESS_PRIORITY}"
    except (AttributeError, OSError):
        pass
    try:
        os.nice(NICE_INCREMENT)
    except OSError:
        return None
    return f"nice {os.nice(0)}"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m broadcast.engine",
        description="Loa's audio engine: owns the sound output, takes JSON-line commands "
        "on stdin and reports on stdout (protocol: broadcast/engine/protocol.py).",
    )
    parser.add_argument("--device", default=None, help="output device, by index or part of "
                        "its name (default: the system's default output)")
    parser.add_argument("--rate", type=int, default=48_000, help="sample rate (Hz)")
    parser.add_argument("--gain-db", type=float, default=0.0, help="output gain (dB)")
    parser.add_argument("--latency", type=float, default=0.25, help="output buffer (s)")
    parser.add_argument("--blocksize", type=int, default=1024,
                        help="frames per audio callback (smaller: less delay for live input)")
    parser.add_argument("--input-device", default=None, help="live input device (microphone,"
                        " line-in) by index or part of its name (default: the system's)")
    parser.add_argument("--sink", default="sound",
                        help="'sound' (the sound card) or 'file:DIR' (WAV files, no card)")
    parser.add_argument("--state", type=Path, default=None, help="state file to keep")
    parser.add_argument("--position-interval", type=float, default=POSITION_INTERVAL_SECONDS,
                        help="seconds between position reports")
    parser.add_argument("--no-priority", action="store_true",
                        help="do not try to raise the scheduling priority")
    parser.add_argument("--log-level", default="INFO")
    args = parser.parse_args(argv)
    if args.sink != "sound" and not args.sink.startswith("file:"):
        parser.error("--sink must be 'sound' or 'file:DIR'")
    return args


def build_sink(args: argparse.Namespace) -> tuple[Sink, str]:
    if args.sink.startswith("file:"):
        from broadcast.playout.file_sink import FileSink

        return FileSink(Path(args.sink[5:]), rate=args.rate, clock=SystemClock()), "file"
    from broadcast.playout.sounddevice_sink import SounddeviceSink

    return (
        SounddeviceSink(
            args.device,
            samplerate=args.rate,
            gain_db=args.gain_db,
            latency=args.latency,
            blocksize=args.blocksize,
            realtime_priority=None if args.no_priority else AUDIO_THREAD_PRIORITY,
        ),
        "sounddevice",
    )


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        stream=sys.stderr,
        level=getattr(logging, str(args.log_level).upper(), logging.INFO),
        format="%(asctime)s engine[%(process)d] %(levelname)s %(name)s: %(message)s",
    )
    # The protocol gets a private copy of stdout; fd 1 then points at stderr, so nothing a
    # library prints can corrupt the protocol stream.
    sys.stdout.flush()
    channel = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)
    if not args.no_priority:
        obtained = raise_process_priority()
        log.info("scheduling priority: %s", obtained or "normal (raising it was refused)")
    sink, kind = build_sink(args)
    out = EventWriter(channel)
    engine = Engine(
        sink, out, kind=kind, state_path=args.state, position_interval=args.position_interval,
        input_device=args.input_device,
    )
    signal.signal(signal.SIGTERM, _on_signal)
    signal.signal(signal.SIGINT, _on_signal)
    engine.start()
    log.info("engine ready (protocol %d, %s sink '%s')", p.PROTOCOL_VERSION, kind, sink.name)
    try:
        cause = serve(engine, sys.stdin.buffer)
    except _Quit:
        cause = "signal"
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    engine.shutdown(cause)
    out.close()
    return 0
