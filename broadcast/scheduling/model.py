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
    # Where it airs: these speaker clusters ("local" = the station's own output); None: all.
    clusters: frozenset[str] | None = None

    @property
    def recurring(self) -> bool:
        return self.on_date is None

    def airs_on(self, cluster: str) -> bool:
        return self.clusters is None or cluster in self.clusters


def share_a_cluster(a: frozenset[str] | None, b: frozenset[str] | None) -> bool:
    """Whether two cluster choices (None: every cluster) have a cluster in common."""
    return a is None or b is None or not a.isdisjoint(b)


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
class AiringKey:
    """Names one airing: an occurrence of a slot (``slot_id``) or one repeat of an
    announcement (``announcement_id``), exactly one of them, at its scheduled instant
    (aware datetimes of one instant compare and hash equal, whatever their zone)."""

    start: datetime
    slot_id: str | None = None
    announcement_id: int | None = None

    def __post_init__(self) -> None:
        if (self.slot_id is None) == (self.announcement_id is None):
            raise ValueError("an airing belongs to a slot or to an announcement, exactly one")
        if self.start.tzinfo is None:
            raise ValueError("an airing's start must be timezone-aware")

    @classmethod
    def of_slot(cls, slot_id: str, start: datetime) -> AiringKey:
        return cls(start, slot_id=slot_id)

    @classmethod
    def of_announcement(cls, announcement_id: int, start: datetime) -> AiringKey:
        return cls(start, announcement_id=announcement_id)


@dataclass(frozen=True)
class Announcement:
    """A program ordered to air at once (after ``first_start``), ``repeat`` times ``every``
    apart; cancelling it drops the airings that had not started by ``cancelled_at``."""

    id: int
    program_id: str
    priority: Priority
    first_start: datetime
    repeat: int = 1
    every: timedelta = timedelta(0)
    ordered_by: str = ""
    cancelled_at: datetime | None = None
    clusters: frozenset[str] | None = None  # where it airs; None: every cluster

    def planned_starts(self) -> list[datetime]:
        return [self.first_start + n * self.every for n in range(self.repeat)]

    def starts(self) -> list[datetime]:
        """The airings still in the timetable (all of them unless cancelled)."""
        cancelled = self.cancelled_at
        return [s for s in self.planned_starts() if cancelled is None or s <= cancelled]

    @property
    def last_start(self) -> datetime:
        return self.first_start + (self.repeat - 1) * self.every


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
    def key(self) -> AiringKey:
        return AiringKey.of_slot(self.slot_id, self.start)

    @property
    def end(self) -> datetime | None:
        if self.duration is None:
            return None
        # In UTC: adding to a zoned datetime adds wall time, wrong across a clock change.
        return (self.start.astimezone(UTC) + self.duration).astimezone(self.start.tzinfo)
