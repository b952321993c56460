"""A station that plays nothing: implements StationControl and records every call. Its
timetable service is the real one, on the API's real store."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.clock import Clock, SystemClock
from broadcast.errors import PlayoutError
from broadcast.scheduling.model import Priority
from broadcast.station.control import AnnouncementView, Health, OnAir, TimetableEntry
from broadcast.station.live_desk import LiveView
from broadcast.station.timetable_service import TimetableService
from broadcast.store.store import Store

# A tiny file that starts like an MP3 (ID3 tag); enough for the API to serve.
FAKE_MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" + b"\x00" * 400


@dataclass
class FakeLive:
    """Live speech without a microphone: the state an operator sees, in memory."""

    clock: Clock
    view: LiveView | None = None

    def start(self, priority: Priority, ordered_by: str) -> LiveView:
        if self.view is not None and self.view.ended_at is None:
            raise PlayoutError("Đang phát trực tiếp.", code="live_already")
        now = self.clock.now()
        self.view = LiveView(len(ordered_by) + 1, priority, ordered_by, "loa_mic", now, now)
        return self.view

    def stop(self) -> LiveView | None:
        if self.view is None or self.view.ended_at is not None:
            return None
        view = self.view
        self.view = LiveView(view.entry_id, view.priority, view.ordered_by, view.device,
                             view.ordered_at, view.started_at, self.clock.now())
        return self.view

    def current(self) -> LiveView | None:
        return self.view


@dataclass
class FakeStation:
    folder: Path
    store: Store
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Ho_Chi_Minh"))
    clock: Clock = field(default_factory=SystemClock)
    entries: list[TimetableEntry] = field(default_factory=list)
    playing: OnAir | None = None
    active_announcements: list[AnnouncementView] = field(default_factory=list)
    health_report: Health = field(
        default_factory=lambda: Health(
            scheduler_running=True,
            sound_device="loa_xa",
            sound_device_error=None,
            database=True,
            engines={"gtts": False, "espeak": True},
        )
    )
    calls: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    timetable: TimetableService = field(init=False)
    live: FakeLive = field(init=False)

    def __post_init__(self) -> None:
        self.timetable = TimetableService(self.store, self.clock, self.tz)
        self.live = FakeLive(self.clock)
        self.timetable.add_listener(lambda: self._record("timetable_changed"))

    def _record(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.calls.append((name, args, kwargs))

    def called(self, name: str) -> list[tuple[tuple[Any, ...], dict[str, Any]]]:
        return [(a, k) for n, a, k in self.calls if n == name]

    def timetable_entries(self, start: datetime, end: datetime) -> list[TimetableEntry]:
        self._record("timetable", start, end)
        return [e for e in self.entries if start <= e.start < end]

    def on_air(self) -> OnAir | None:
        self._record("on_air")
        return self.playing

    def upcoming(self, limit: int = 5) -> list[TimetableEntry]:
        self._record("upcoming", limit)
        return self.entries[:limit]

    def stop(self) -> bool:
        self._record("stop")
        was_playing = self.playing is not None
        self.playing = None
        return was_playing

    def announce(
        self,
        program_id: str,
        priority: Priority,
        *,
        repeat: int = 1,
        every_minutes: float = 0.0,
        ordered_by: str = "",
        clusters: frozenset[str] | None = None,
    ) -> AnnouncementView:
        self._record(
            "announce",
            program_id,
            priority,
            repeat=repeat,
            every_minutes=every_minutes,
            ordered_by=ordered_by,
            clusters=clusters,
        )
        now = datetime.now(UTC)
        starts = [now + timedelta(minutes=every_minutes * i) for i in range(repeat)]
        view = AnnouncementView(next(self._ids), program_id, priority, starts)
        self.active_announcements.append(view)
        return view

    def announcements(self) -> list[AnnouncementView]:
        self._record("announcements")
        return list(self.active_announcements)

    def cancel_announcement(self, announcement_id: int) -> bool:
        self._record("cancel_announcement", announcement_id)
        return any(a.id == announcement_id for a in self.active_announcements)

    def _mp3(self, name: str) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / name
        path.write_bytes(FAKE_MP3)
        return path

    def preview_program(self, program_id: str) -> Path:
        self._record("preview_program", program_id)
        return self._mp3(f"program-{len(self.calls)}.mp3")

    def preview_script(self, script_id: int) -> Path:
        self._record("preview_script", script_id)
        return self._mp3(f"script-{len(self.calls)}.mp3")

    def render_audio(self, render_id: int) -> Path:
        self._record("render_audio", render_id)
        if self.store.renders.get(render_id) is None:
            from broadcast.errors import RenderError

            raise RenderError("Tệp âm thanh đã phát không còn.", code="render_gone")
        return self._mp3(f"render-{render_id}.mp3")

    def health(self) -> Health:
        self._record("health")
        return self.health_report
