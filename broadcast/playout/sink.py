"""The sink protocol: where a program is heard, and the handle of one playback.

A sink is opened ahead of air time (the device is claimed and kept running on silence),
then ``start_at`` schedules a prepared :class:`ProgramSource` to begin at an instant. The
returned :class:`PlaybackHandle` reports when the audio actually started and ended, how
it ended, and any fault. Implementations: ``SounddeviceSink`` (the sound card),
``FileSink`` (writes what would be played, for tests of other layers).
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from broadcast.errors import PlayoutError
from broadcast.playout.source import ProgramSource

log = logging.getLogger(__name__)

DEFAULT_FADE_SECONDS = 0.5


class EndReason(enum.StrEnum):
    """How a playback ended, from the sink's point of view."""

    COMPLETED = "completed"  # the whole program was played
    STOPPED = "stopped"  # stop() was called (by an operator or an interruption)
    CUT = "cut"  # heard, then cut off by a fault (device lost, engine died); see ``error``
    FAILED = "failed"  # the device or the file failed before anything was heard; ``error``


@dataclass(frozen=True)
class HeardBefore:
    """A playback of an earlier run, as the output recorded it (e.g. the audio engine's state
    file): when it started, the last instant known heard, and how it ended."""

    started: datetime
    heard_until: datetime
    reason: str | None  # "completed", "stopped", "cut", "failed"; None: still playing


@dataclass(frozen=True)
class SinkHealth:
    """Whether the output can be heard now: ``device`` as the operator knows it, and the
    reason when it cannot."""

    ok: bool
    device: str | None
    error: str | None = None


@dataclass(frozen=True)
class DeviceInfo:
    """An output device as the operator picks it (by index or by a part of its name)."""

    index: int
    name: str
    host_api: str
    max_output_channels: int
    default_samplerate: float
    is_default: bool = False


class PlaybackHandle:
    """One program on a sink: its timing, its end, and the way to stop it."""

    def __init__(
        self,
        source: ProgramSource,
        *,
        device: str,
        scheduled: datetime | None,
        request_stop: Callable[[PlaybackHandle, float, datetime | None], None],
        ref: str | None = None,
    ) -> None:
        self.source = source
        self.device = device
        self.scheduled = scheduled
        self.ref = ref  # the caller's name for this playback (e.g. its as-run entry)
        self.actual_start: datetime | None = None
        self.actual_end: datetime | None = None
        self.end_reason: EndReason | None = None
        self.error: PlayoutError | None = None
        self.underflows = 0  # the device reported output underflow while this played
        self.underruns = 0  # the program buffer ran dry (silence was played instead)
        self.stop_requested = False
        self._request_stop = request_stop
        self._done = threading.Event()
        self._lock = threading.Lock()
        self._callbacks: list[Callable[[PlaybackHandle], None]] = []

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the playback has ended (audio gone out); False on timeout."""
        return self._done.wait(timeout)

    def stop(self, fade_seconds: float = DEFAULT_FADE_SECONDS, at: datetime | None = None) -> None:
        """Fade out over ``fade_seconds`` starting at ``at`` (None: as soon as possible).

        A playback that has not started by then just ends. Returns at once.
        """
        with self._lock:
            if self._done.is_set() or self.stop_requested:
                return
            self.stop_requested = True
        self._request_stop(self, fade_seconds, at)

    def add_done_callback(self, callback: Callable[[PlaybackHandle], None]) -> None:
        """Call ``callback(handle)`` once ended (at once if already ended), off the audio thread."""
        with self._lock:
            if not self._done.is_set():
                self._callbacks.append(callback)
                return
        callback(self)

    # Called by sinks.

    def mark_started(self, at: datetime) -> None:
        self.actual_start = at

    def finish(self, reason: EndReason, at: datetime, error: PlayoutError | None = None) -> None:
        with self._lock:
            if self._done.is_set():
                return
            self.end_reason = reason
            self.actual_end = at
            self.error = error
            self._done.set()
            callbacks, self._callbacks = self._callbacks, []
        self.source.close()
        for callback in callbacks:
            try:
                callback(self)
            except Exception:  # a listener's bug must not kill the sink's thread
                log.exception("playback done callback failed")


class Sink(Protocol):
    """An output where programs are heard.

    ``open`` claims and warms the output ahead of air time (idempotent; raises
    ``PlayoutError`` with code ``device_not_found`` or ``device_failed``). ``start_at``
    prepares ``source`` if needed and schedules its first sample to be heard at ``when``
    (``None``: as soon as possible), opening the sink if needed; it returns at once.
    ``ref`` names the playback for the caller (it comes back in reports and journals).
    ``health`` says whether the output can be heard now (a device that vanished is not ok).
    Several playbacks may overlap briefly (a fade-out under a start); the Player keeps
    one program on air. ``close`` stops everything and releases the device.
    """

    @property
    def name(self) -> str:
        """The device as the operator knows it (used in error messages and logs)."""
        ...

    @property
    def rate(self) -> int:
        """The output sample rate; sources are resampled to it."""
        ...

    @property
    def output_latency(self) -> float:
        """Seconds from now to the earliest instant a start or a stop can be heard."""
        ...

    def open(self) -> None: ...

    def start_at(
        self, source: ProgramSource, when: datetime | None = None, *, ref: str | None = None
    ) -> PlaybackHandle: ...

    def close(self) -> None: ...

    def health(self) -> SinkHealth: ...
