"""The station's decisions, as pure functions of the timetable, the as-run log and ``now``.

- ``airings``: what airs in a range — the occurrences of slots and the repeats of
  announcements, each with its typed key (``AiringKey``);
- ``jobs_for``: which jobs must exist now for the airings ahead (render ahead, air at the
  instant, log a skip), leaving out what the log already has;
- ``recovery``: after a restart, what became of each airing that fell due while the station was
  down (the misfire rule: play late within the grace, else missed).

The runner (``broadcast.station.runtime``) only reads the store, calls these, and carries out
the answer. The one priority rule (what interrupts what) is ``scheduling.interruption``.
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from broadcast.scheduling.misfire import classify_start
from broadcast.scheduling.model import (
    Adjustment,
    AiringKey,
    Announcement,
    Outcome,
    Priority,
    Slot,
)
from broadcast.scheduling.recurrence import expand

_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class Airing:
    """One thing to put on air: a slot's occurrence or an announcement's repeat."""

    key: AiringKey
    program_id: str
    priority: Priority
    start: datetime  # where it airs (station-local), after a move
    original_start: datetime  # its regular start (the same unless moved)
    duration: timedelta | None = None  # how long it holds the air, if known
    max_duration: timedelta | None = None  # cut it there (the slot's maximum)
    skipped: bool = False
    clusters: frozenset[str] | None = None  # where it airs ("local": the station); None: all

    def airs_on(self, cluster: str) -> bool:
        return self.clusters is None or cluster in self.clusters

    @property
    def moved(self) -> bool:
        return self.start != self.original_start


def airings(
    slots: Sequence[Slot],
    adjustments: Sequence[Adjustment],
    announcements: Sequence[Announcement],
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    durations: Mapping[str, timedelta] | None = None,
) -> list[Airing]:
    """Airings whose start lies in ``[start, end)``, by start (slots before announcements
    at the same instant)."""
    out: list[Airing] = []
    by_id = {s.id: s for s in slots}
    for occ in expand(slots, adjustments, start, end, tz, durations):
        out.append(
            Airing(
                key=occ.key,
                program_id=occ.program_id,
                priority=occ.priority,
                start=occ.start,
                original_start=occ.original_start,
                duration=occ.duration,
                max_duration=by_id[occ.slot_id].max_duration,
                skipped=occ.skipped,
                clusters=by_id[occ.slot_id].clusters,
            )
        )
    for announcement in announcements:
        known = durations.get(announcement.program_id) if durations else None
        for at in announcement.starts():
            if start <= at < end:
                local = at.astimezone(tz)
                out.append(
                    Airing(
                        key=AiringKey.of_announcement(announcement.id, at),
                        program_id=announcement.program_id,
                        priority=announcement.priority,
                        start=local,
                        original_start=local,
                        duration=known,
                        clusters=announcement.clusters,
                    )
                )
    out.sort(key=lambda a: (a.start.astimezone(UTC), a.key.announcement_id is not None))
    return out


class JobKind(enum.StrEnum):
    RENDER = "render"  # render the program ahead of air time
    AIR = "air"  # open the output, wait for the air, start at the instant
    SKIP = "skip"  # log a skipped occurrence at its time


@dataclass(frozen=True)
class Job:
    kind: JobKind
    airing: Airing
    at: datetime  # when it runs

    @property
    def key(self) -> tuple[JobKind, AiringKey]:
        return (self.kind, self.airing.key)


def jobs_for(
    upcoming: Sequence[Airing],
    logged: Collection[AiringKey],
    now: datetime,
    *,
    render_ahead: timedelta,
    lead: timedelta,
) -> list[Job]:
    """The jobs the airings need, none earlier than ``now``; airings already in the log
    need none."""
    jobs: list[Job] = []
    for airing in upcoming:
        if airing.key in logged:
            continue
        if airing.skipped:
            jobs.append(Job(JobKind.SKIP, airing, max(airing.start, now)))
            continue
        jobs.append(Job(JobKind.RENDER, airing, max(airing.start - render_ahead, now)))
        jobs.append(Job(JobKind.AIR, airing, max(airing.start - lead, now)))
    return jobs


def recovery(
    due: Sequence[Airing],
    logged: Collection[AiringKey],
    now: datetime,
    grace: timedelta,
) -> list[tuple[Airing, Outcome]]:
    """For each airing that fell due while the station was down (``due``, by start) and is
    not in the log: ``skipped`` (log it), ``aired``/``late`` (play it now; the air job applies
    the misfire rule again when it really starts) or ``missed``."""
    out: list[tuple[Airing, Outcome]] = []
    for airing in due:
        if airing.key in logged:
            continue
        if airing.skipped:
            out.append((airing, Outcome.SKIPPED))
        else:
            out.append((airing, classify_start(airing.start, now, grace).outcome))
    return out


def down_window(last_seen: datetime, now: datetime) -> tuple[datetime, datetime]:
    """The range of starts that fell due while down: ``(last_seen, now]``."""
    return last_seen + _TICK, now + _TICK
