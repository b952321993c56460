"""What the HTTP API (and the CLI) may ask of a running station.

The API depends on this protocol only; the real station implements it, and tests of the API
can use a fake. All datetimes are timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from broadcast.clock import Clock
from broadcast.scheduling.model import Priority

if TYPE_CHECKING:
    from broadcast.station.timetable_service import TimetableService

__all__ = [
    "AnnouncementView", "ComponentHealth", "Health", "OccurrenceStatus", "OnAir", "StationControl",
    "TimetableEntry",
]

# What the operator sees for one occurrence in the timetable.
OccurrenceStatus = Literal[
    "planned", "rendered", "on_air", "aired", "late", "missed", "failed", "skipped", "interrupted"
]


@dataclass(frozen=True)
class TimetableEntry:
    slot_id: str | None  # an occurrence of a slot, or
    announcement_id: int | None  # one airing of an announcement
    program_id: str
    program_title: str
    topic: str
    priority: Priority
    start: datetime  # where it airs (after a move)
    original_start: datetime  # identifies the occurrence (its regular start)
    duration_seconds: float | None
    status: OccurrenceStatus
    moved: bool = False
    error: str | None = None
    note: str | None = None  # why what aired differs from the plan (from the as-run log)
    # Before it airs: why it will not air as planned (an edit not approved again, no
    # bulletin for the day...), and the script an approver may approve to set it right.
    warning: str | None = None
    warning_script_id: int | None = None
    render_id: int | None = None  # the render that was played (from the as-run log)
    log_id: int | None = None  # its as-run entry


@dataclass(frozen=True)
class OnAir:
    """What is playing now."""

    slot_id: str | None
    announcement_id: int | None
    program_id: str
    program_title: str
    priority: Priority
    scheduled_start: datetime
    actual_start: datetime
    duration_seconds: float | None


@dataclass(frozen=True)
class AnnouncementView:
    """An announcement as the operator follows it: ``starts`` are its airings on air now or
    still to come."""

    id: int
    program_id: str
    priority: Priority
    starts: list[datetime] = field(default_factory=list)


@dataclass(frozen=True)
class ComponentHealth:
    """How one part of the station is doing, as its adapter reports it."""

    name: str  # "scheduler", "sound", "speech", "store", "disk"
    ok: bool
    detail: str = ""  # for the operator, in Vietnamese


@dataclass(frozen=True)
class Health:
    scheduler_running: bool
    sound_device: str | None  # the device name, None when no output device was found
    sound_device_error: str | None
    database: bool
    engines: dict[str, bool]  # engine name -> reachable / usable now
    components: list[ComponentHealth] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Everything needed to air works (``degraded`` otherwise)."""
        if self.components:
            return all(c.ok for c in self.components)
        return (
            self.scheduler_running
            and self.sound_device is not None
            and self.database
            and any(self.engines.values())
        )


class StationControl(Protocol):
    """Operations on the running station. Every change to the timetable goes through its
    ``timetable`` service (which the station listens to); ``clock`` is the station's time."""

    timetable: TimetableService
    clock: Clock

    def timetable_entries(self, start: datetime, end: datetime) -> list[TimetableEntry]:
        """Airings between two instants with their status (past ones from the log)."""
        ...

    def on_air(self) -> OnAir | None:
        """What is playing now, if anything."""
        ...

    def upcoming(self, limit: int = 5) -> list[TimetableEntry]:
        """The next occurrences that will air."""
        ...

    def stop(self) -> bool:
        """Stop what is playing (fading out); True if something was playing."""
        ...

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
        """Play a program now (interrupting lower priorities), repeated ``repeat`` times
        ``every_minutes`` apart, on ``clusters`` (None: every speaker cluster and the
        station's own output); the airings go through the as-run log like any other."""
        ...

    def announcements(self) -> list[AnnouncementView]:
        """Announcements on air or with airings still to come, so any device can see and
        cancel them."""
        ...

    def cancel_announcement(self, announcement_id: int) -> bool:
        """Cancel the repeats that have not aired yet (and stop it if playing); False if
        there was nothing left to cancel. ``not_found`` if there is no such announcement."""
        ...

    def preview_program(self, program_id: str) -> Path:
        """Render (or reuse) a program and return an MP3 preview path."""
        ...

    def preview_script(self, script_id: int) -> Path:
        """Render (or reuse) one stored script, approved or not, as an MP3 preview path."""
        ...

    def render_audio(self, render_id: int) -> Path:
        """An MP3 of a render that was played (``render_gone`` once the cache dropped it)."""
        ...

    def health(self) -> Health:
        ...
