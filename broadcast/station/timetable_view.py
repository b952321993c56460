"""The timetable as the operator sees it: occurrences with their status (pure)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime

from broadcast.programs import Program
from broadcast.scheduling.model import Occurrence, Outcome
from broadcast.station.control import OccurrenceStatus, TimetableEntry
from broadcast.store.asrun import AsRunEntry

_STATUS_OF_OUTCOME: dict[Outcome, OccurrenceStatus] = {
    Outcome.AIRED: "aired",
    Outcome.LATE: "late",
    Outcome.MISSED: "missed",
    Outcome.FAILED: "failed",
    Outcome.SKIPPED: "skipped",
    Outcome.INTERRUPTED: "interrupted",
}


def log_key(slot_id: str | None, start: datetime) -> tuple[str | None, datetime]:
    """How an occurrence and its as-run entry find each other."""
    return (slot_id, start.astimezone(UTC))


def timetable_entries(
    occurrences: Sequence[Occurrence],
    logged: Sequence[AsRunEntry],
    programs: Mapping[str, Program],
    rendered_programs: Collection[str],
) -> list[TimetableEntry]:
    """Occurrences merged with the as-run log: a logged outcome wins; otherwise a skipped
    occurrence is ``skipped``, one whose program has a good render is ``rendered``, the
    rest ``planned``. Log entries of occurrences no longer in the timetable (a deleted
    slot, an announcement) are listed too, so the past stays as it was aired."""
    by_key = {log_key(e.slot_id, e.scheduled_start): e for e in logged}
    seen: set[tuple[str | None, datetime]] = set()
    out: list[TimetableEntry] = []
    for occ in occurrences:
        key = log_key(occ.slot_id, occ.start)
        seen.add(key)
        entry = by_key.get(key)
        program = programs.get(occ.program_id)
        status: OccurrenceStatus
        if entry is not None:
            status = "on_air" if entry.outcome is None else _STATUS_OF_OUTCOME[entry.outcome]
        elif occ.skipped:
            status = "skipped"
        elif occ.program_id in rendered_programs:
            status = "rendered"
        else:
            status = "planned"
        out.append(
            TimetableEntry(
                slot_id=occ.slot_id,
                program_id=occ.program_id,
                program_title=program.title if program else occ.program_id,
                topic=program.topic if program else "",
                priority=occ.priority,
                start=occ.start,
                original_start=occ.original_start,
                duration_seconds=None if occ.duration is None else occ.duration.total_seconds(),
                status=status,
                moved=occ.start != occ.original_start,
                error=entry.error if entry is not None else None,
            )
        )
    for entry in logged:
        if log_key(entry.slot_id, entry.scheduled_start) in seen:
            continue
        status = "on_air" if entry.outcome is None else _STATUS_OF_OUTCOME[entry.outcome]
        out.append(
            TimetableEntry(
                slot_id=entry.slot_id or "",
                program_id=entry.program_id,
                program_title=entry.program_title,
                topic=entry.topic,
                priority=entry.priority,
                start=entry.scheduled_start,
                original_start=entry.scheduled_start,
                duration_seconds=(
                    None if entry.aired_duration is None else entry.aired_duration.total_seconds()
                ),
                status=status,
                error=entry.error,
            )
        )
    out.sort(key=lambda e: (e.start.astimezone(UTC), e.slot_id))
    return out
