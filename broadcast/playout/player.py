"""The player: one program on air at a time, interruptions by priority, end reports.

Every playback ends in exactly one :class:`PlaybackReport` (aired, interrupted or
failed, with the instants the audio actually started and ended), delivered to the
listeners: the scheduler writes the as-run log from it. A sink that fails is reported
on the playback, naming the device; the player stays usable and the next ``play``
opens the device again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from broadcast.clock import Clock, SystemClock
from broadcast.errors import PlayoutError
from broadcast.playout.sink import DEFAULT_FADE_SECONDS, EndReason, PlaybackHandle, Sink
from broadcast.playout.source import ProgramSource
from broadcast.scheduling.interruption import takes_the_air
from broadcast.scheduling.model import Outcome, Priority

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PlaybackReport:
    """How one playback went; ``outcome`` is AIRED, INTERRUPTED or FAILED."""

    path: Path
    priority: Priority
    scheduled: datetime | None
    actual_start: datetime | None
    end: datetime | None
    outcome: Outcome
    device: str
    error: PlayoutError | None = None
    interrupted_by: Path | None = None  # the program that took the air, if any
    underflows: int = 0
    underruns: int = 0
    tag: object = None  # the caller's reference (e.g. the occurrence), passed through

    @property
    def error_code(self) -> str | None:
        return None if self.error is None else self.error.code


Listener = Callable[[PlaybackReport], None]


class Playback:
    """A program handed to the player: wait for it, stop it, read its report."""

    def __init__(
        self, path: Path, priority: Priority, scheduled: datetime | None, tag: object
    ) -> None:
        self.path = path
        self.priority = priority
        self.scheduled = scheduled
        self.tag = tag
        self.handle: PlaybackHandle | None = None
        self.report: PlaybackReport | None = None
        self.interrupted_by: Path | None = None
        self._done = threading.Event()
        self._lock = threading.Lock()
        # A stop asked for while the sink is still arming the playback (an engine load can
        # take seconds): applied as soon as the handle exists, so the stop is never lost.
        self._pending_stop: tuple[float, datetime | None] | None = None

    @property
    def done(self) -> bool:
        return self._done.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        return self._done.wait(timeout)

    @property
    def ended(self) -> threading.Event:
        """Set once the playback has ended and been reported (for ``Clock.wait_until``)."""
        return self._done

    def stop(self, fade_seconds: float = DEFAULT_FADE_SECONDS, at: datetime | None = None) -> None:
        with self._lock:
            handle = self.handle
            if handle is None:
                self._pending_stop = (fade_seconds, at)
                return
        handle.stop(fade_seconds, at)

    def _attach(self, handle: PlaybackHandle) -> None:
        """Take the sink's handle, and apply a stop asked for while it was being armed."""
        with self._lock:
            self.handle = handle
            pending, self._pending_stop = self._pending_stop, None
        if pending is not None:
            handle.stop(*pending)


class Player:
    """Keeps one program on air on ``sink``; a higher priority interrupts a lower one."""

    def __init__(
        self,
        sink: Sink,
        *,
        clock: Clock | None = None,
        fade_seconds: float = DEFAULT_FADE_SECONDS,
        listeners: list[Listener] | None = None,
        interrupt_margin_seconds: float = 0.1,
    ) -> None:
        self.sink = sink
        self.clock: Clock = clock or SystemClock()
        self.fade_seconds = fade_seconds
        # Slack for this thread being late to ask for the fade (a loaded machine).
        self.interrupt_margin_seconds = interrupt_margin_seconds
        self._listeners: list[Listener] = list(listeners or [])
        self._current: Playback | None = None
        self._lock = threading.RLock()

    def add_listener(self, listener: Listener) -> None:
        self._listeners.append(listener)

    @property
    def current(self) -> Playback | None:
        """The program on air or armed to start, if any."""
        with self._lock:
            return self._current

    def prepare(self) -> None:
        """Open the output ahead of air time (e.g. when the amplifier hook runs)."""
        self.sink.open()

    def play(
        self,
        path: str | Path,
        when: datetime | None = None,
        priority: Priority = Priority.NORMAL,
        *,
        tag: object = None,
        preempt: bool = False,
        ref: str | None = None,
        source: ProgramSource | None = None,
    ) -> Playback:
        """Put ``path`` on air at ``when`` (``None``: now).

        If another program holds the air, a higher ``priority`` (or ``preempt``) fades
        it out so that the new one starts at ``when``, or right after the fade when
        ``when`` is ``None`` or too close; otherwise ``PlayoutError`` code
        ``player_busy`` is raised. Sink and file faults do not raise: the playback ends
        FAILED (or INTERRUPTED when the fault cut it after it was heard) and the listeners get
        its report. ``ref`` names the playback on the sink (journals, engine reports).
        ``source``: what to play instead of the file (a live stream, the live input);
        ``path`` then only names it.
        """
        playback = Playback(Path(path), priority, when, tag)
        with self._lock:
            current = self._current
            if current is not None and not current.done:
                if not (preempt or takes_the_air(priority, current.priority)):
                    raise PlayoutError(
                        f"Đang phát '{current.path.name}' (mức ưu tiên "
                        f"{current.priority.label}); không thể phát '{playback.path.name}' "
                        "cùng lúc.",
                        code="player_busy",
                    )
                when = self._interrupt(current, playback, when)
            self._current = playback
        try:
            if source is None:
                source = ProgramSource(playback.path)
            handle = self.sink.start_at(source, when, ref=ref)
        except PlayoutError as exc:
            self._end(playback, None, exc)
            return playback
        playback._attach(handle)
        handle.add_done_callback(lambda h: self._end(playback, h, h.error))
        return playback

    def stop(self, fade_seconds: float | None = None) -> Playback | None:
        """Fade out whatever is on air (or cancel what is armed); returns it."""
        with self._lock:
            current = self._current
        if current is not None:
            current.stop(self.fade_seconds if fade_seconds is None else fade_seconds)
        return current

    def close(self) -> None:
        self.stop(0.0)
        self.sink.close()

    def _interrupt(self, old: Playback, new: Playback, when: datetime | None) -> datetime:
        now = self.clock.now()
        fade = timedelta(seconds=self.fade_seconds)
        lead = self.sink.output_latency + self.interrupt_margin_seconds
        earliest = now + timedelta(seconds=lead) + fade
        start = max(when, earliest) if when is not None else earliest
        # The old program keeps the air until its fade ends exactly where the new one begins.
        old.interrupted_by = new.path
        log.info("interrupting %s for %s at %s", old.path.name, new.path.name, start)
        old.stop(self.fade_seconds, at=start - fade)
        return start

    def _end(
        self, playback: Playback, handle: PlaybackHandle | None, error: PlayoutError | None
    ) -> None:
        if handle is None or handle.end_reason is EndReason.FAILED:
            outcome = Outcome.FAILED
        elif handle.end_reason is EndReason.COMPLETED and error is None:
            outcome = Outcome.AIRED
        elif handle.end_reason in (EndReason.STOPPED, EndReason.CUT):
            outcome = Outcome.INTERRUPTED
        else:
            outcome = Outcome.FAILED
        report = PlaybackReport(
            path=playback.path,
            priority=playback.priority,
            scheduled=playback.scheduled,
            actual_start=None if handle is None else handle.actual_start,
            end=self.clock.now() if handle is None else handle.actual_end,
            outcome=outcome,
            device=self.sink.name,
            error=error,
            interrupted_by=playback.interrupted_by if outcome is Outcome.INTERRUPTED else None,
            underflows=0 if handle is None else handle.underflows,
            underruns=0 if handle is None else handle.underruns,
            tag=playback.tag,
        )
        playback.report = report
        with self._lock:
            if self._current is playback:
                self._current = None
        if error is not None:
            log.error("playback of %s failed on '%s': %s", playback.path.name, report.device, error)
        for listener in list(self._listeners):
            try:
                listener(report)
            except Exception:  # one listener's bug must not silence the others
                log.exception("playback listener failed")
        playback._done.set()  # after the listeners: wait() returns once it is logged
