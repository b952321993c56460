"""The station's side of the audio engine: the engine child process, and a Sink through it.

:class:`EngineProcess` spawns ``python -m broadcast.engine`` (the station's own Python
and environment), matches replies to requests, delivers events in order on a thread of
its own, and restarts the engine with backoff when it dies. :class:`EngineSink` is the
:class:`~broadcast.playout.sink.Sink` the Player drives: ``start_at`` sends ``load`` and
``play``; the handle it returns follows the engine's ``started``/``position``/``ended``
events; ``stop`` on the handle sends ``stop``. When the engine dies, each playback it
held ends CUT at the last instant the engine reported heard (FAILED if nothing had been
heard), with a Vietnamese error naming what happened; the next ``open`` or ``start_at``
works on the restarted engine.

Wiring in the station (``broadcast serve``)::

    sink = engine_sink_from_settings(cfg)      # spawns and supervises the engine
    player = Player(sink)                      # unchanged
    ...
    player.close()                             # closes the sink, which stops the engine
"""

from __future__ import annotations

import itertools
import logging
import math
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from broadcast.clock import from_epoch, to_epoch
from broadcast.engine import protocol as p
from broadcast.engine.state import EngineState, read_state
from broadcast.errors import PlayoutError
from broadcast.playout.sink import EndReason, HeardBefore, PlaybackHandle, SinkHealth
from broadcast.playout.source import ProgramSource

log = logging.getLogger(__name__)

REQUEST_TIMEOUT_SECONDS = 5.0
OPEN_TIMEOUT_SECONDS = 15.0  # a device (or a sound server) may take seconds to start
LOAD_TIMEOUT_SECONDS = 15.0
STARTUP_TIMEOUT_SECONDS = 30.0  # a loaded 2-core machine can take seconds to import numpy
BACKOFF_SECONDS = (0.2, 0.5, 1.0, 2.0, 5.0, 10.0)
STABLE_SECONDS = 30.0  # an engine that ran this long restarts without backoff
COMMAND_LATENCY_SECONDS = 0.02  # a command's way through the pipe, on a loaded machine
STALLED_SECONDS = 2.0  # a device that asked for no audio for this long is not heard
PACKAGE_ROOT = Path(__file__).resolve().parents[2]
ENGINE_PID = "_engine_pid"  # added to replies: the engine process that gave the reply


@dataclass(frozen=True)
class EngineExit:
    """How an engine process ended, as the station saw it."""

    pid: int
    returncode: int | None
    at: float  # epoch seconds when its output closed
    restarting: bool = True  # False when the station itself stopped it

    @property
    def description(self) -> str:
        if self.returncode is None:
            return "không còn trả lời"
        if self.returncode < 0:
            try:
                name = signal.Signals(-self.returncode).name
            except ValueError:
                name = str(-self.returncode)
            return f"bị dừng đột ngột (tín hiệu {name})"
        return f"đã thoát (mã {self.returncode})"

    def error(self, context: str) -> PlayoutError:
        then = "; bộ máy đang được khởi động lại." if self.restarting else "."
        return PlayoutError(
            f"Bộ máy phát âm thanh (tiến trình {self.pid}) {self.description} {context}{then}",
            code="engine_died",
        )


class EngineListener(Protocol):
    """What :class:`EngineProcess` tells, in order, on its dispatch thread."""

    def engine_ready(self, hello: dict[str, Any], restarted: bool) -> None: ...

    def engine_event(self, message: dict[str, Any]) -> None: ...

    def engine_lost(self, exit: EngineExit) -> None: ...


class _Incarnation:
    """One engine child process."""

    def __init__(self, proc: subprocess.Popen[bytes]) -> None:
        self.proc = proc
        self.pid = proc.pid
        self.started = time.monotonic()
        self.greeted = threading.Event()  # its "ready" line arrived
        self.ready = threading.Event()  # greeted and said hello: requests may go
        self.dead = threading.Event()
        self.hello: dict[str, Any] | None = None
        self.exit: EngineExit | None = None


class _Pending:
    def __init__(self, incarnation: _Incarnation) -> None:
        self.incarnation = incarnation
        self.done = threading.Event()
        self.reply: dict[str, Any] | None = None
        self.error: PlayoutError | None = None


def _unavailable(detail: str) -> PlayoutError:
    return PlayoutError(
        f"Bộ máy phát âm thanh không sẵn sàng: {detail}.", code="engine_unavailable"
    )


class EngineProcess:
    """Spawns the audio engine, talks to it, and restarts it (with backoff) when it dies."""

    def __init__(
        self,
        engine_args: Sequence[str] = (),
        *,
        python: str = sys.executable,
        env: Mapping[str, str] | None = None,
        state_path: Path | None = None,
        backoff: Sequence[float] = BACKOFF_SECONDS,
        stable_seconds: float = STABLE_SECONDS,
        startup_timeout: float = STARTUP_TIMEOUT_SECONDS,
    ) -> None:
        self.engine_args = list(engine_args)
        if state_path is not None and "--state" not in self.engine_args:
            self.engine_args += ["--state", str(state_path)]
        self.python = python
        self.env = dict(os.environ if env is None else env)
        # The child runs this very code, wherever the station was started from.
        path = self.env.get("PYTHONPATH")
        self.env["PYTHONPATH"] = str(PACKAGE_ROOT) + (os.pathsep + path if path else "")
        self.state_path = state_path
        self.backoff = tuple(backoff)
        self.stable_seconds = stable_seconds
        self.startup_timeout = startup_timeout
        self.restarts = 0
        self.last_exit: EngineExit | None = None
        self.previous_state: EngineState | None = None  # what the last station's engine left
        self._listeners: list[EngineListener] = []
        self._current: _Incarnation | None = None
        self._cond = threading.Condition()
        self._stopping = False
        self._seq = itertools.count(1)
        self._pending: dict[int, _Pending] = {}
        self._write_lock = threading.Lock()
        self._events: queue.SimpleQueue[tuple[str, Any]] = queue.SimpleQueue()
        self._supervisor: threading.Thread | None = None
        self._dispatcher: threading.Thread | None = None
        self._spawned = 0

    def add_listener(self, listener: EngineListener) -> None:
        self._listeners.append(listener)

    @property
    def running(self) -> bool:
        current = self._current
        return current is not None and current.ready.is_set() and not current.dead.is_set()

    @property
    def pid(self) -> int | None:
        current = self._current
        return None if current is None else current.pid

    def start(self) -> None:
        """Spawn the engine and supervise it from now on (idempotent)."""
        with self._cond:
            if self._supervisor is not None:
                return
            self._stopping = False
            if self.state_path is not None:  # read before the new engine rewrites it
                self.previous_state = read_state(self.state_path)
            self._dispatcher = threading.Thread(
                target=self._dispatch, name="engine-events", daemon=True
            )
            self._dispatcher.start()
            self._supervisor = threading.Thread(
                target=self._supervise, name="engine-supervisor", daemon=True
            )
            self._supervisor.start()

    def wait_ready(self, timeout: float) -> bool:
        """Wait until an engine is running and has said hello."""
        deadline = time.monotonic() + timeout
        try:
            self._wait_running(deadline)
        except PlayoutError:
            return False
        return True

    def stop(self, timeout: float = 3.0) -> None:
        """Close the engine's stdin (it fades out and exits), kill it if it does not."""
        with self._cond:
            self._stopping = True
            current = self._current
            supervisor, self._supervisor = self._supervisor, None
            self._cond.notify_all()
        if current is not None:
            self._close_stdin(current)
            try:
                current.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                log.warning("engine %d did not exit; killing it", current.pid)
                current.proc.kill()
            current.dead.wait(timeout)
        if supervisor is not None:
            supervisor.join(timeout)
        dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is not None:
            self._events.put(("quit", None))
            dispatcher.join(timeout)

    def kill(self) -> None:
        """Kill the running engine at once (SIGKILL); the supervisor restarts it."""
        current = self._current
        if current is not None:
            current.proc.kill()

    def request(
        self,
        name: str,
        *,
        timeout: float = REQUEST_TIMEOUT_SECONDS,
        engine_pid: int | None = None,
        **fields: Any,
    ) -> dict[str, Any]:
        """Send a command and return its reply; raise PlayoutError for an error reply
        (the engine's code and message), ``engine_unavailable`` or ``engine_timeout``.

        The reply also names the engine process that gave it (key :data:`ENGINE_PID`);
        ``engine_pid`` sends the command only to that engine (``engine_unavailable`` if
        it is gone).
        """
        deadline = time.monotonic() + timeout
        incarnation = self._wait_running(deadline)
        if engine_pid is not None and incarnation.pid != engine_pid:
            raise _unavailable(f"bộ máy {engine_pid} đã được thay bằng bộ máy {incarnation.pid}")
        return self._request_on(incarnation, name, deadline, fields)

    def send(self, name: str, **fields: Any) -> bool:
        """Send a command without waiting for its reply; False if no engine runs."""
        current = self._current
        if current is None or not current.ready.is_set() or current.dead.is_set():
            return False
        try:
            self._write(current, p.command(name, None, **fields))
        except PlayoutError:
            return False
        return True

    def barrier(self, timeout: float = 2.0) -> None:
        """Wait until every event received so far has been delivered to the listeners."""
        done = threading.Event()
        self._events.put(("barrier", done))
        done.wait(timeout)

    # --- internals ----------------------------------------------------------------------

    def _wait_running(self, deadline: float) -> _Incarnation:
        with self._cond:
            while True:
                current = self._current
                if current is not None and current.ready.is_set() and not current.dead.is_set():
                    return current
                if self._stopping or self._supervisor is None:
                    raise _unavailable("bộ máy chưa được khởi động hoặc đã dừng")
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    detail = "đang khởi động lại"
                    if self.last_exit is not None:
                        detail += f" (lần trước {self.last_exit.description})"
                    raise _unavailable(detail)
                self._cond.wait(min(remaining, 0.1))

    def _request_on(
        self, incarnation: _Incarnation, name: str, deadline: float, fields: dict[str, Any]
    ) -> dict[str, Any]:
        seq = next(self._seq)
        pending = _Pending(incarnation)
        self._pending[seq] = pending
        try:
            self._write(incarnation, p.command(name, seq, **fields))
            if not pending.done.wait(max(0.0, deadline - time.monotonic())):
                raise PlayoutError(
                    f"Bộ máy phát âm thanh không trả lời lệnh '{name}' kịp thời.",
                    code="engine_timeout",
                )
        finally:
            self._pending.pop(seq, None)
        if pending.error is not None:
            raise pending.error
        reply = pending.reply
        assert reply is not None
        if reply.get("reply") == "error":
            raise PlayoutError(
                str(reply.get("message") or "Lỗi không rõ."), code=str(reply.get("code"))
            )
        return {**reply, ENGINE_PID: incarnation.pid}

    def _write(self, incarnation: _Incarnation, message: dict[str, Any]) -> None:
        stdin = incarnation.proc.stdin
        assert stdin is not None
        line = p.encode(message)
        with self._write_lock:
            try:
                stdin.write(line)
                stdin.flush()
            except (OSError, ValueError) as exc:
                raise _unavailable("bộ máy vừa dừng") from exc

    def _close_stdin(self, incarnation: _Incarnation) -> None:
        with self._write_lock:
            try:
                if incarnation.proc.stdin is not None:
                    incarnation.proc.stdin.close()
            except OSError:
                pass

    def _spawn(self) -> _Incarnation | None:
        command = [self.python, "-m", "broadcast.engine", *self.engine_args]
        try:
            proc = subprocess.Popen(
                command,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                env=self.env,
                start_new_session=True,  # a Ctrl+C in the station's terminal is for the station
            )
        except OSError as exc:
            log.error("cannot start the audio engine (%s): %s", " ".join(command), exc)
            return None
        incarnation = _Incarnation(proc)
        threading.Thread(
            target=self._read, args=(incarnation,), name=f"engine-reader-{proc.pid}", daemon=True
        ).start()
        log.info("audio engine started (pid %d)", proc.pid)
        return incarnation

    def _supervise(self) -> None:
        failures = 0
        while True:
            with self._cond:
                if self._stopping:
                    return
            incarnation = self._spawn()
            lived = 0.0
            if incarnation is not None:
                with self._cond:
                    self._current = incarnation
                self._greet(incarnation)
                incarnation.dead.wait()
                lived = time.monotonic() - incarnation.started
            with self._cond:
                if self._stopping:
                    return
                failures = 0 if lived >= self.stable_seconds else failures + 1
                delay = self.backoff[min(failures, len(self.backoff)) - 1] if failures else 0.0
                self.restarts += 1
                log.warning("restarting the audio engine in %.1f s", delay)
                self._cond.wait_for(lambda: self._stopping, timeout=delay)

    def _greet(self, incarnation: _Incarnation) -> None:
        deadline = time.monotonic() + self.startup_timeout
        if not incarnation.greeted.wait(self.startup_timeout) or incarnation.dead.is_set():
            if not incarnation.dead.is_set():
                log.error("audio engine %d did not start in time; killing it", incarnation.pid)
                incarnation.proc.kill()
            return
        try:
            hello = self._request_on(
                incarnation, "hello", deadline, {"version": p.PROTOCOL_VERSION}
            )
        except PlayoutError as exc:
            log.error("audio engine %d refused: %s", incarnation.pid, exc)
            incarnation.proc.kill()
            return
        incarnation.hello = hello
        restarted = self._spawned > 0
        self._spawned += 1
        self._events.put(("ready", (hello, restarted)))
        with self._cond:
            incarnation.ready.set()
            self._cond.notify_all()

    def _read(self, incarnation: _Incarnation) -> None:
        stdout = incarnation.proc.stdout
        assert stdout is not None
        for raw in iter(stdout.readline, b""):
            try:
                message = p.decode(raw)
            except p.ProtocolError as exc:
                log.warning("engine %d wrote a bad line: %s", incarnation.pid, exc)
                continue
            if "reply" in message:
                seq = message.get("seq")
                pending = self._pending.get(seq) if isinstance(seq, int) else None
                if pending is not None and pending.incarnation is incarnation:
                    pending.reply = message
                    pending.done.set()
                elif message.get("reply") == "error":
                    log.info("engine: %s [%s]", message.get("message"), message.get("code"))
            elif message.get("event") == "ready":
                incarnation.greeted.set()
            else:
                self._events.put(("event", message))
        try:
            returncode: int | None = incarnation.proc.wait(timeout=5.0)
        except subprocess.TimeoutExpired:  # it closed its output but lives on: end it
            incarnation.proc.kill()
            returncode = incarnation.proc.wait()
        with self._cond:
            stopping = self._stopping
            exit = EngineExit(incarnation.pid, returncode, time.time(), restarting=not stopping)
            incarnation.exit = exit
            if self._current is incarnation:
                self._current = None
            self.last_exit = exit
            self._cond.notify_all()
        for pending in list(self._pending.values()):
            if pending.incarnation is incarnation:
                pending.error = _unavailable(f"bộ máy {exit.description}")
                pending.done.set()
        (log.info if stopping else log.error)(
            "audio engine %d %s", incarnation.pid, _english(returncode)
        )
        self._events.put(("lost", exit))
        incarnation.greeted.set()
        incarnation.dead.set()

    def _dispatch(self) -> None:
        while True:
            kind, payload = self._events.get()
            if kind == "quit":
                return
            if kind == "barrier":
                payload.set()
                continue
            for listener in list(self._listeners):
                try:
                    if kind == "event":
                        listener.engine_event(payload)
                    elif kind == "ready":
                        listener.engine_ready(*payload)
                    elif kind == "lost":
                        listener.engine_lost(payload)
                except Exception:  # one listener's bug must not stop the reports
                    log.exception("engine listener failed on %s", kind)


def _english(returncode: int | None) -> str:
    if returncode is not None and returncode < 0:
        return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


@dataclass(frozen=True)
class EngineHealth:
    """The engine and its device, for the station's health report."""

    running: bool
    pid: int | None
    restarts: int
    last_exit: str | None  # Vietnamese: how the last engine ended
    device: str
    device_open: bool
    device_error: str | None  # Vietnamese: why the device is not open or stopped
    underflows: int  # over the station's life, across engine restarts
    last_callback_age: float | None  # seconds since the device last asked for audio


class _Remote:
    """A playback held by the engine, as the station knows it."""

    def __init__(self, remote_id: str, handle: PlaybackHandle) -> None:
        self.id = remote_id
        self.handle = handle
        self.engine_pid: int | None = None  # the engine that took it
        self.arming = True  # start_at is still handing it over
        self.lost: EngineExit | None = None  # its engine died while it was being handed over
        self.started_at: float | None = None
        self.heard_until: float | None = None


class EngineSink:
    """A :class:`~broadcast.playout.sink.Sink` whose output is the audio engine's."""

    def __init__(
        self,
        engine: EngineProcess,
        *,
        device: str | None = None,
        rate: int = 48_000,
        owns_engine: bool = False,
        command_latency: float = COMMAND_LATENCY_SECONDS,
    ) -> None:
        self.engine = engine
        self.owns_engine = owns_engine  # close() also stops the engine process
        self.command_latency = command_latency
        self.device_error: PlayoutError | None = None
        self._label = "mặc định" if device is None else str(device)
        self._device_name: str | None = None
        self._rate = rate
        self._engine_latency: float | None = None
        self._remotes: dict[str, _Remote] = {}
        self._by_handle: dict[int, _Remote] = {}
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._want_open = False
        self._device_open = False
        self._underflow_base = 0  # underflows of the engines that died
        self._underflows = 0
        engine.add_listener(self)

    @property
    def name(self) -> str:
        return self._device_name or self._label

    @property
    def rate(self) -> int:
        return self._rate

    @property
    def output_latency(self) -> float:
        engine = 0.3 if self._engine_latency is None else self._engine_latency
        return engine + self.command_latency

    @property
    def underflows(self) -> int:
        return self._underflows

    def open(self) -> None:
        self._want_open = True
        self.engine.start()
        try:
            reply = self.engine.request("open", timeout=OPEN_TIMEOUT_SECONDS)
        except PlayoutError as exc:
            if not exc.code.startswith("engine_"):
                self.device_error = exc
            raise
        self._apply_device(reply)

    def start_at(
        self, source: ProgramSource, when: datetime | None = None, *, ref: str | None = None
    ) -> PlaybackHandle:
        self.engine.start()
        handle = PlaybackHandle(
            source, device=self.name, scheduled=when, request_stop=self._request_stop, ref=ref
        )
        # An engine that dies while the program is being handed over (load, play) is
        # replaced by the supervisor: hand it over once more, to the new engine.
        for attempt in (1, 2):
            try:
                self._hand_over(handle, when, ref)
            except PlayoutError as exc:
                if exc.code == "engine_unavailable" and attempt == 1:
                    log.warning("the engine went away while a program was handed over; again")
                    continue
                if exc.code.startswith("device_"):
                    self.device_error = exc
                raise
            break
        self._want_open = True
        handle.device = self.name
        return handle

    def _hand_over(self, handle: PlaybackHandle, when: datetime | None, ref: str | None) -> None:
        remote = _Remote(f"p{next(self._ids)}", handle)
        with self._lock:
            self._remotes[remote.id] = remote
            self._by_handle[id(handle)] = remote
        source = handle.source
        try:
            command, fields = _load_command(source)
            loaded = self.engine.request(
                command, timeout=LOAD_TIMEOUT_SECONDS, id=remote.id, ref=ref,
                gain_db=source.gain_db, **fields,
            )
            with self._lock:
                remote.engine_pid = loaded[ENGINE_PID]
            duration = loaded.get("duration")
            if isinstance(duration, int | float):
                source.duration_seconds = float(duration)
            playing = self.engine.request(
                "play", id=remote.id, at=None if when is None else to_epoch(when),
                engine_pid=remote.engine_pid,
            )
        except PlayoutError:
            self._forget(remote)
            if remote.engine_pid is not None:  # loaded, not played: it must not linger
                self.engine.send("stop", id=remote.id, fade=0.0)
            raise
        latency = playing.get("output_latency")
        if isinstance(latency, int | float):
            self._engine_latency = float(latency)
        with self._lock:
            remote.arming = False
            lost = remote.lost
        if lost is not None:  # it died after taking the program: end it as engine_lost would
            self._forget(remote)
            self._end_lost(remote, lost)

    def close(self) -> None:
        self._want_open = False
        if self.engine.running:
            try:
                self.engine.request("close")
            except PlayoutError as exc:
                log.warning("closing the engine's output: %s", exc)
            self.engine.barrier()
        with self._lock:
            left = list(self._remotes.values())
            self._remotes.clear()
            self._by_handle.clear()
        now = from_epoch(time.time())
        for remote in left:
            remote.handle.finish(EndReason.STOPPED, now)
        self._device_open = False
        if self.owns_engine:
            self.engine.stop()

    def heard_before(self, ref: str) -> HeardBefore | None:
        """What the previous run's engine recorded of the playback ``ref`` (from its state
        file): when it started, the last instant known heard, and how it ended (None: it was
        still playing when the engine stopped writing)."""
        state = self.engine.previous_state
        record = state.find(ref) if state is not None else None
        if record is None or record.started_at is None or record.heard_end is None:
            return None
        return HeardBefore(from_epoch(record.started_at), from_epoch(record.heard_end),
                           record.reason)

    def health(self) -> SinkHealth:
        """The Sink's answer: heard only while the engine runs with its device open and
        asking for audio."""
        h = self.engine_health()
        if not h.running:
            return SinkHealth(False, h.device, h.last_exit or "Bộ phát âm thanh không chạy.")
        if not h.device_open:
            return SinkHealth(
                False, h.device, h.device_error or f"Thiết bị âm thanh '{h.device}' chưa mở."
            )
        if h.last_callback_age is not None and h.last_callback_age > STALLED_SECONDS:
            return SinkHealth(
                False, h.device, f"Thiết bị âm thanh '{h.device}' không nhận âm thanh."
            )
        return SinkHealth(True, h.device)

    def engine_health(self, timeout: float = 1.0) -> EngineHealth:
        """Ask the engine how it and its device are (cached values if it cannot answer)."""
        status: dict[str, Any] | None = None
        if self.engine.running:
            try:
                status = self.engine.request("status", timeout=timeout)
            except PlayoutError:
                status = None
        last_exit = self.engine.last_exit
        device_error = None if self.device_error is None else self.device_error.message
        device_open, age, underflows = self._device_open, None, self._underflows
        if status is not None:
            device_open = bool(status.get("open"))
            age = status.get("last_callback_age")
            underflows = self._underflow_base + int(status.get("underflows") or 0)
            remote_error = p.error_from_fields(status.get("device_error"))
            device_error = None if remote_error is None else remote_error.message
            if status.get("device"):
                self._device_name = str(status["device"])
        return EngineHealth(
            running=self.engine.running,
            pid=self.engine.pid,
            restarts=self.engine.restarts,
            last_exit=None if last_exit is None else last_exit.description,
            device=self.name,
            device_open=device_open and self.engine.running,
            device_error=device_error,
            underflows=underflows,
            last_callback_age=None if age is None else float(age),
        )

    # --- the engine's reports (on the engine's dispatch thread) -------------------------

    def engine_ready(self, hello: dict[str, Any], restarted: bool) -> None:
        rate = hello.get("rate")
        if isinstance(rate, int):
            self._rate = rate
        if restarted and self._want_open:  # keep the line to the amplifier warm
            threading.Thread(target=self._reopen, name="engine-reopen", daemon=True).start()

    def engine_event(self, message: dict[str, Any]) -> None:
        kind = message.get("event")
        if kind in ("started", "position", "ended", "underrun"):
            with self._lock:
                remote = self._remotes.get(str(message.get("id")))
            if remote is not None:
                self._playback_event(remote, str(kind), message)
        elif kind == "underflow":
            self._underflows = self._underflow_base + int(message.get("total") or 0)
        elif kind == "device_lost":
            self._device_open = False
            self.device_error = p.error_from_fields(message.get("error"), "device_failed")
            log.error("sound device lost: %s", self.device_error)
        elif kind == "device_back":
            self._apply_device(message)
            log.info("sound device '%s' is back", self.name)

    def engine_lost(self, exit: EngineExit) -> None:
        self._underflow_base = self._underflows
        self._device_open = False
        lost = []
        with self._lock:
            for remote in list(self._remotes.values()):
                if remote.engine_pid != exit.pid:
                    continue  # on a newer engine, or not taken by any engine yet
                if remote.arming:
                    remote.lost = exit  # start_at ends it once it has its answer
                    continue
                lost.append(remote)
                self._remotes.pop(remote.id, None)
                self._by_handle.pop(id(remote.handle), None)
        for remote in lost:
            self._end_lost(remote, exit)

    def _end_lost(self, remote: _Remote, exit: EngineExit) -> None:
        """CUT at the last instant the engine reported heard; FAILED if nothing was heard."""
        started = remote.started_at
        if started is not None and started < exit.at:
            heard = remote.heard_until if remote.heard_until is not None else started
            end = min(max(heard, started), exit.at)
            remote.handle.finish(EndReason.CUT, from_epoch(end), exit.error("khi đang phát"))
        else:
            remote.handle.finish(
                EndReason.FAILED, from_epoch(exit.at),
                exit.error("trước khi chương trình được phát ra"),
            )

    # --- helpers ------------------------------------------------------------------------

    def _playback_event(self, remote: _Remote, kind: str, message: dict[str, Any]) -> None:
        handle = remote.handle
        if kind == "started":
            remote.started_at = float(message["at"])
            handle.mark_started(from_epoch(remote.started_at))
        elif kind == "position":
            remote.heard_until = float(message["heard_until"])
        elif kind == "underrun":
            handle.underruns = int(message.get("total") or handle.underruns + 1)
        elif kind == "ended":
            self._forget(remote)
            handle.underflows = int(message.get("underflows") or 0)
            handle.underruns = int(message.get("underruns") or 0)
            try:
                reason = EndReason(str(message.get("reason")))
            except ValueError:
                reason = EndReason.FAILED
            error = p.error_from_fields(message.get("error"))
            handle.finish(reason, from_epoch(float(message["at"])), error)

    def _request_stop(
        self, handle: PlaybackHandle, fade_seconds: float, at: datetime | None
    ) -> None:
        with self._lock:
            remote = self._by_handle.get(id(handle))
        if remote is None:
            return
        # If no engine runs, the engine's loss ends this playback (engine_lost).
        self.engine.send(
            "stop", id=remote.id, fade=fade_seconds, at=None if at is None else to_epoch(at)
        )

    def _forget(self, remote: _Remote) -> None:
        with self._lock:
            self._remotes.pop(remote.id, None)
            self._by_handle.pop(id(remote.handle), None)

    def _apply_device(self, message: Mapping[str, Any]) -> None:
        if message.get("device"):
            self._device_name = str(message["device"])
        if isinstance(message.get("rate"), int):
            self._rate = int(message["rate"])
        latency = message.get("output_latency")
        if isinstance(latency, int | float):
            self._engine_latency = float(latency)
        self._device_open = True
        self.device_error = None

    def _reopen(self) -> None:
        try:
            self.open()
        except PlayoutError as exc:
            log.warning("could not reopen the output on the restarted engine: %s", exc)


def _load_command(source: ProgramSource) -> tuple[str, dict[str, Any]]:
    """How the engine takes a source: a file (``load``), a live PCM stream through a FIFO
    (``stream``) or the live input (``input``)."""
    from broadcast.playout.sounddevice_sink import LiveInputSource  # no PortAudio import
    from broadcast.playout.stream_source import PcmStreamSource

    if isinstance(source, LiveInputSource):
        return "input", {"device": None if source.device_spec is None
                         else str(source.device_spec),
                         "limit_dbfs": 20.0 * math.log10(source.ceiling)}
    if isinstance(source, PcmStreamSource):
        return "stream", {"path": str(Path(source.path).resolve()),
                          "rate": source.stream_rate, "buffer": source.buffer_seconds}
    return "load", {"path": str(Path(source.path).resolve())}


def engine_args_from_settings(settings: Any) -> list[str]:
    """The engine's command-line options for the station's settings."""
    args = ["--rate", str(settings.sample_rate), "--gain-db", str(settings.output_gain_db)]
    if settings.audio_device is not None:
        args += ["--device", str(settings.audio_device)]
    if getattr(settings, "input_device", None) is not None:
        args += ["--input-device", str(settings.input_device)]
    latency = getattr(settings, "output_latency_seconds", 0.25)
    blocksize = getattr(settings, "output_blocksize", 1024)
    if (latency, blocksize) != (0.25, 1024):  # the engine's defaults otherwise
        args += ["--latency", str(latency), "--blocksize", str(blocksize)]
    return args


def engine_sink_from_settings(settings: Any, *, state_path: Path | None = None) -> EngineSink:
    """The station's sink: an engine process spawned and supervised for the settings
    (``audio_device``, ``sample_rate``, ``output_gain_db``), its state file in the data
    directory. Closing the sink stops the engine. ``sink.engine.previous_state`` is what
    the engine of the last run left (read before the new engine starts)."""
    path = state_path or Path(settings.data_dir) / "engine-state.json"
    engine = EngineProcess(engine_args_from_settings(settings), state_path=path)
    sink = EngineSink(
        engine, device=settings.audio_device, rate=settings.sample_rate, owns_engine=True
    )
    engine.start()
    return sink
