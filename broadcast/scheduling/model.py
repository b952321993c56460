"""Timetable data: slots, per-occurrence adjustments, occurrences, outcomes.

Pure data. All datetimes handed around are timezone-aware; slot times are local wall
times in the station's timezone.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class Priority(enum.IntEnum):
    """Circular 39/2020/TT-BTTTT priority levels; a higher value interrupts a lower one."""

    NORMAL = 0
    PRIORITY = 1
    EMERGENCY = 2

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | int | Priority) -> Priority:
        if isinstance(value, Priority):
            return value
        if isinstance(value, int):
            return cls(value)
        return cls[value.strip().upper()]


class Outcome(enum.StrEnum):
    """How an occurrence ended, as written in the as-run log."""

    AIRED = "aired"
    INTERRUPTED = "interrupted"
    LATE = "late"
    MISSED = "missed"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class Slot:
    """When a program airs: once (``on_date``) or on weekdays (``days``, 0 = Monday)."""

    id: str
    program_id: str
    time: time
    days: frozenset[int] = frozenset()
    on_date: date | None = None
    priority: Priority = Priority.NORMAL
    max_duration: timedelta | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    paused: bool = False

    @property
    def recurring(self) -> bool:
        return self.on_date is None


class AdjustmentKind(enum.StrEnum):
    SKIP = "skip"
    MOVE = "move"


@dataclass(frozen=True)
class Adjustment:
    """A change to one occurrence of a slot, leaving the slot itself as it is.

    ``original_start`` identifies the occurrence (its regular local start);
    ``new_start`` is where a moved occurrence goes.
    """

    slot_id: str
    original_start: datetime
    kind: AdjustmentKind
    new_start: datetime | None = None


@dataclass(frozen=True)
class Occurrence:
    """One airing of a slot at a concrete instant."""

    slot_id: str
    program_id: str
    priority: Priority
    start: datetime
    original_start: datetime
    duration: timedelta | None = None
    skipped: bool = False

    @property
    def end(self) -> datetime | None:
        if self.duration is None:
            return None
        # In UTC: adding to a zoned datetime adds wall time, wrong across a clock change.
        return (self.start.astimezone(UTC) + self.duration).astimezone(self.start.tzinfo)
