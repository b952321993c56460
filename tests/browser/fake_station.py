"""A StationControl for the browser tests: the timetable is the real station's query on the
real store (statuses, warnings, the log), announcements "play" at once, previews are a short
real MP3 (nothing is rendered: what aired is put in the log by the tests)."""

from __future__ import annotations

import subprocess
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from broadcast.clock import SystemClock
from broadcast.render import Renderer
from broadcast.scheduling.model import Priority
from broadcast.settings import Settings
from broadcast.station.control import AnnouncementView, Health, OnAir, TimetableEntry
from broadcast.station.program_files import ProgramFiles
from broadcast.station.timetable_query import TimetableQuery
from broadcast.station.timetable_service import TimetableService
from broadcast.store.store import Store


def make_mp3(path: Path, seconds: float = 1.0) -> Path:
    """A short tone encoded by the real ffmpeg, so the <audio> element gets a playable MP3."""
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi",
         "-i", f"sine=frequency=440:duration={seconds}",
         "-c:a", "libmp3lame", "-b:a", "64k", str(path)],
        check=True,
    )
    return path


class FakeStation:
    def __init__(self, store: Store, tz: ZoneInfo, work_dir: Path) -> None:
        self.store = store
        self.tz = tz
        self.work_dir = work_dir
        self._preview: Path | None = None
        self.sound_device: str | None = "Card âm thanh giả lập"
        self.scheduler_running = True
        self.playing: OnAir | None = None
        self.announcements_by_id: dict[int, AnnouncementView] = {}
        self.cancelled: list[int] = []
        self.announced_to: dict[int, frozenset[str] | None] = {}  # where each one airs
        self.stops = 0
        self.timetable_changes = 0
        self._lock = threading.Lock()
        self._next_id = 1
        self.clock = SystemClock()
        self.timetable = TimetableService(store, self.clock, tz)
        self.timetable.add_listener(self._changed)
        settings = Settings(data_dir=work_dir, load_example_timetable=False, engines=["espeak"])
        self.files = ProgramFiles(settings, store, Renderer(settings))
        self.query = TimetableQuery(store, self.files, tz, grace=timedelta(minutes=5))

    def timetable_entries(self, start: datetime, end: datetime) -> list[TimetableEntry]:
        return self.query.timetable(start, end, now=self.clock.now())

    def on_air(self) -> OnAir | None:
        return self.playing

    def upcoming(self, limit: int = 5) -> list[TimetableEntry]:
        now = self.clock.now()
        entries = self.query.timetable(now, now + timedelta(days=7), now=now)
        waiting = [e for e in entries if e.status in ("planned", "rendered") and e.start >= now]
        return waiting[:limit]

    def stop(self) -> bool:
        with self._lock:
            self.stops += 1
            was = self.playing is not None
            self.playing = None
            return was

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
        now = datetime.now(UTC)
        program = self.store.programs.get(program_id)
        with self._lock:
            announcement = AnnouncementView(
                id=self._next_id,
                program_id=program_id,
                priority=priority,
                starts=[now + timedelta(minutes=every_minutes * i) for i in range(repeat)],
            )
            self._next_id += 1
            self.announcements_by_id[announcement.id] = announcement
            self.announced_to[announcement.id] = clusters
            self.playing = OnAir(
                slot_id=None,
                announcement_id=announcement.id,
                program_id=program_id,
                program_title=program.title,
                priority=priority,
                scheduled_start=now,
                actual_start=now,
                duration_seconds=30.0,
            )
            return announcement

    def announcements(self) -> list[AnnouncementView]:
        with self._lock:
            return list(self.announcements_by_id.values())

    def cancel_announcement(self, announcement_id: int) -> bool:
        with self._lock:
            announcement = self.announcements_by_id.pop(announcement_id, None)
            if announcement is None:
                return False
            self.cancelled.append(announcement_id)
            if self.playing is not None and self.playing.program_id == announcement.program_id:
                self.playing = None
            return True

    def _changed(self) -> None:
        self.timetable_changes += 1

    def _preview_file(self) -> Path:
        with self._lock:
            if self._preview is None:
                self._preview = make_mp3(self.work_dir / "preview.mp3")
            return self._preview

    def preview_program(self, program_id: str) -> Path:
        self.store.programs.get(program_id)
        return self._preview_file()

    def preview_script(self, script_id: int) -> Path:
        self.store.scripts.get(script_id)
        return self._preview_file()

    def render_audio(self, render_id: int) -> Path:
        if self.store.renders.get(render_id) is None:
            from broadcast.errors import RenderError

            raise RenderError("Tệp âm thanh đã phát không còn.", code="render_gone")
        return self._preview_file()

    def health(self) -> Health:
        return Health(
            scheduler_running=self.scheduler_running,
            sound_device=self.sound_device,
            sound_device_error=None if self.sound_device else "Không tìm thấy card âm thanh",
            database=True,
            engines={"gtts": False, "espeak": True},
        )
