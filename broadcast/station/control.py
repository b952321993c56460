"""What the HTTP API (and the CLI) may ask of a running station.

The API depends on this protocol only; the real station implements it, and tests of the API
can use a fake. All datetimes are timezone-aware.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Literal, Protocol

from broadcast.scheduling.model import Priority

# What the operator sees for one occurrence in the timetable.
OccurrenceStatus = Literal[
    "planned", "rendered", "on_air", "aired", "late", "missed", "failed", "skipped", "interrupted"
]


@dataclass(frozen=True)
class TimetableEntry:
    slot_id: str
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


@dataclass(frozen=True)
class OnAir:
    """What is playing now."""

    slot_id: str | None
    program_id: str
    program_title: str
    priority: Priority
    scheduled_start: datetime
    actual_start: datetime
    duration_seconds: float | None


@dataclass(frozen=True)
class Announcement:
    """An announcement ordered to play now, possibly repeated."""

    id: str
    program_id: str
    priority: Priority
    starts: list[datetime] = field(default_factory=list)


@dataclass(frozen=True)
class Health:
    scheduler_running: bool
    sound_device: str | None  # the device name, None when no output device was found
    sound_device_error: str | None
    database: bool
    engines: dict[str, bool]  # engine name -> reachable / usable now


class StationControl(Protocol):
    """Operations on the running station."""

    def timetable(self, start: datetime, end: datetime) -> list[TimetableEntry]:
        """Occurrences between two instants with their status (past ones from the log)."""
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
    ) -> Announcement:
        """Play a program now (interrupting lower priorities), repeated ``repeat`` times
        ``every_minutes`` apart; the occurrences go through the as-run log like any other."""
        ...

    def announcements(self) -> list[Announcement]:
        """Announcements on air or with airings still to come (``starts``: those airings),
        so any device can see and cancel them."""
        ...

    def cancel_announcement(self, announcement_id: str) -> bool:
        """Cancel the repeats that have not aired yet (and stop it if playing)."""
        ...

    def timetable_changed(self) -> None:
        """Slots, programs or adjustments changed in the store: plan again."""
        ...

    def preview_program(self, program_id: str) -> Path:
        """Render (or reuse) a program and return an MP3 preview path."""
        ...

    def preview_script(self, script_id: int) -> Path:
        """Render (or reuse) one stored script, approved or not, as an MP3 preview path."""
        ...

    def health(self) -> Health:
        ...
