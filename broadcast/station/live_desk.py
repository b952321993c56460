"""Live speech: the station PC's microphone or line-in on air through the audio engine.

Started and stopped by an operator (web page "Phát trực tiếp", ``broadcast live``), at
``priority`` or ``emergency`` level: like an announcement of that level it interrupts what
plays (a fade), and scheduled programs of a lower level wait for it. It goes through the
engine's input voice with a limiter, and is logged in the as-run log (program ``live``,
topic ``truc-tiep``, ``details.live``) with its real start and end.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from broadcast.clock import Clock
from broadcast.errors import BroadcastError, PlayoutError
from broadcast.playout.player import Playback, PlaybackReport, Player
from broadcast.playout.sounddevice_sink import LiveInputSource
from broadcast.scheduling.model import Outcome, Priority
from broadcast.settings import Settings
from broadcast.store.store import Store

log = logging.getLogger(__name__)

LIVE_PROGRAM = "live"
LIVE_TOPIC = "truc-tiep"
LIVE_TITLE = "Phát trực tiếp"
LIVE_LEVELS = (Priority.PRIORITY, Priority.EMERGENCY)


@dataclass(frozen=True)
class LiveView:
    """The live broadcast as the operator sees it."""

    entry_id: int
    priority: Priority
    ordered_by: str
    device: str
    ordered_at: datetime
    started_at: datetime | None  # when the first sample was heard (None: not yet)
    ended_at: datetime | None = None

    @property
    def seconds(self) -> float | None:
        if self.started_at is None:
            return None
        end = self.ended_at
        return None if end is None else max((end - self.started_at).total_seconds(), 0.0)


class LiveControl(Protocol):
    def start(self, priority: Priority, ordered_by: str) -> LiveView: ...

    def stop(self) -> LiveView | None: ...

    def current(self) -> LiveView | None: ...


def as_run_ref(entry_id: int) -> str:
    """How a playback is named on the output: by its as-run entry."""
    return f"as-run:{entry_id}"


@dataclass(frozen=True)
class _LiveTag:
    entry_id: int


class LiveDesk:
    """One live broadcast at a time, through the station's player."""

    def __init__(self, settings: Settings, store: Store, player: Player, clock: Clock) -> None:
        self.settings = settings
        self.store = store
        self.player = player
        self.clock = clock
        self._lock = threading.Lock()
        self._view: LiveView | None = None
        self._playback: Playback | None = None
        self._listeners: list[Callable[[LiveView], None]] = []
        player.add_listener(self._on_end)

    def add_listener(self, listener: Callable[[LiveView], None]) -> None:
        """``listener(view)`` when a live broadcast has started (``ended_at`` None) and when
        it has ended (e.g. the speaker clusters relay it)."""
        self._listeners.append(listener)

    def _tell(self, view: LiveView) -> None:
        for listener in list(self._listeners):
            try:
                listener(view)
            except Exception:
                log.exception("a live broadcast listener failed")

    def start(self, priority: Priority, ordered_by: str) -> LiveView:
        """Put the live input on air now (after the fade of what plays)."""
        if priority not in LIVE_LEVELS:
            raise PlayoutError(
                "Phát trực tiếp chỉ ở mức ưu tiên hoặc khẩn cấp.", code="live_level"
            )
        with self._lock:
            if self._view is not None and self._view.ended_at is None:
                raise PlayoutError(
                    f"Đang phát trực tiếp (do {self._view.ordered_by or 'không rõ'} bắt đầu).",
                    code="live_already",
                )
            device = self.settings.input_device or "mặc định"
            now = self.clock.now()
            entry = self.store.as_run.append(
                program_id=LIVE_PROGRAM, priority=priority, scheduled_start=now,
                topic=LIVE_TOPIC, program_title=LIVE_TITLE,
                details={"live": {"device": device, "ordered_by": ordered_by}},
            )
            source = LiveInputSource(
                self.settings.input_device, limit_dbfs=self.settings.live_limit_dbfs
            )
            view = self._view = LiveView(entry.id, priority, ordered_by, device, now, None)
        # Outside the lock: a device that fails to open is reported at once, on this thread,
        # to ``_on_end``, which takes the lock to close the view.
        try:
            playback = self.player.play(
                Path(f"input:{device}"), None, priority, tag=_LiveTag(entry.id),
                ref=as_run_ref(entry.id), source=source,
            )
        except PlayoutError as exc:  # the air is held by an equal or higher level
            with self._lock:
                self._view = None
            self.store.as_run.finish(entry.id, outcome=Outcome.FAILED, end=now,
                                     error=exc.message)
            raise
        with self._lock:
            self._playback = playback
        log.info("live broadcast started by %s at %s level", ordered_by, priority.label)
        current = self.current()
        if current is not None and current.ended_at is None:
            self._tell(current)  # not when its input failed at once (already told: ended)
        return current or view

    def stop(self) -> LiveView | None:
        """End the live broadcast (a short fade); returns it as logged."""
        with self._lock:
            playback, view = self._playback, self._view
        if playback is None or view is None or view.ended_at is not None:
            return None
        playback.stop(0.05)
        playback.wait(5.0)
        return self.current() or view

    def current(self) -> LiveView | None:
        with self._lock:
            view, playback = self._view, self._playback
        if view is None:
            return None
        handle = getattr(playback, "handle", None)
        started = getattr(handle, "actual_start", None)
        if started is not None and view.started_at is None:
            view = LiveView(view.entry_id, view.priority, view.ordered_by, view.device,
                            view.ordered_at, started, view.ended_at)
        return view

    def _on_end(self, report: PlaybackReport) -> None:
        tag = report.tag
        if not isinstance(tag, _LiveTag):
            return
        cut = report.error is not None and report.actual_start is not None
        if report.actual_start is None:
            outcome = Outcome.FAILED
        elif cut:
            outcome = Outcome.INTERRUPTED  # the engine or the device failed while live
        else:
            outcome = Outcome.AIRED  # a stop is how a live broadcast ends
        end = report.end or self.clock.now()
        try:
            entry = self.store.as_run.finish(
                tag.entry_id, outcome=outcome, end=end, actual_start=report.actual_start,
                error=None if report.error is None else report.error.message,
            )
        except BroadcastError:
            log.exception("could not close the live entry %d", tag.entry_id)
            return
        ended = LiveView(tag.entry_id, entry.priority, "", "", entry.scheduled_start,
                         entry.actual_start, end)
        with self._lock:
            if self._view is not None and self._view.entry_id == tag.entry_id:
                self._view = ended = LiveView(
                    self._view.entry_id, self._view.priority, self._view.ordered_by,
                    self._view.device, self._view.ordered_at, entry.actual_start, end,
                )
        self._tell(ended)
        log.info("live broadcast ended (%s, %.1f s)", outcome.value,
                 (entry.aired_duration.total_seconds() if entry.aired_duration else 0.0))
