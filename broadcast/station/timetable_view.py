"""The timetable as the operator sees it: airings with their status (pure)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from broadcast.programs import Program
from broadcast.scheduling.model import Outcome
from broadcast.station.control import OccurrenceStatus, TimetableEntry
from broadcast.station.planner import Airing
from broadcast.store.asrun import AsRunEntry

_STATUS_OF_OUTCOME: dict[Outcome, OccurrenceStatus] = {
    Outcome.AIRED: "aired",
    Outcome.LATE: "late",
    Outcome.MISSED: "missed",
    Outcome.FAILED: "failed",
    Outcome.SKIPPED: "skipped",
    Outcome.INTERRUPTED: "interrupted",
}


NOT_LOGGED = (
    "Không có trong nhật ký phát sóng: buổi này đã không phát (trạm phát có thể không chạy "
    "lúc đó)."
)


@dataclass(frozen=True)
class Warning:
    """Why an airing to come will not air as planned, and the script to approve about it."""

    text: str
    script_id: int | None = None


def _status(entry: AsRunEntry) -> OccurrenceStatus:
    return "on_air" if entry.outcome is None else _STATUS_OF_OUTCOME[entry.outcome]


def timetable_entries(
    airings: Sequence[Airing],
    logged: Sequence[AsRunEntry],
    programs: Mapping[str, Program],
    rendered_programs: Collection[tuple[str, date]],
    *,
    now: datetime,
    grace: timedelta,
    tz: ZoneInfo,
    warnings: Mapping[tuple[str, date], Warning] | None = None,
) -> list[TimetableEntry]:
    """Airings merged with the as-run log: a logged outcome wins; otherwise a skipped
    occurrence is ``skipped``, one over ``grace`` ago is ``missed`` (it is not in the log, so
    it did not air), one whose program has a good render for its day is ``rendered``, the
    rest ``planned`` (with their ``warnings``). Log entries of airings no longer in the
    timetable (a deleted slot, a cancelled announcement) are listed too, so the past stays as
    it was aired."""
    warnings = warnings or {}
    by_key = {e.key: e for e in logged if e.key is not None}
    seen = set()
    out: list[TimetableEntry] = []
    for airing in airings:
        seen.add(airing.key)
        entry = by_key.get(airing.key)
        program = programs.get(airing.program_id)
        status: OccurrenceStatus
        day = (airing.program_id, airing.start.astimezone(tz).date())
        error = entry.error if entry is not None else None
        warning = None
        if entry is not None:
            status = _status(entry)
        elif airing.skipped:
            status = "skipped"
        elif airing.start + grace < now:
            status, error = "missed", NOT_LOGGED
        else:
            status = "rendered" if day in rendered_programs else "planned"
            warning = warnings.get(day)
        out.append(
            TimetableEntry(
                slot_id=airing.key.slot_id,
                announcement_id=airing.key.announcement_id,
                program_id=airing.program_id,
                program_title=program.title if program else airing.program_id,
                topic=program.topic if program else "",
                priority=airing.priority,
                start=airing.start,
                original_start=airing.original_start,
                duration_seconds=(
                    None if airing.duration is None else airing.duration.total_seconds()
                ),
                status=status,
                moved=airing.moved,
                error=error,
                note=entry.note if entry is not None else None,
                warning=None if warning is None else warning.text,
                warning_script_id=None if warning is None else warning.script_id,
                render_id=entry.render_id if entry is not None else None,
                log_id=entry.id if entry is not None else None,
            )
        )
    for entry in logged:
        if entry.key is not None and entry.key in seen:
            continue
        out.append(
            TimetableEntry(
                slot_id=entry.slot_id,
                announcement_id=entry.announcement_id,
                program_id=entry.program_id,
                program_title=entry.program_title,
                topic=entry.topic,
                priority=entry.priority,
                start=entry.scheduled_start,
                original_start=entry.scheduled_start,
                duration_seconds=(
                    None if entry.aired_duration is None else entry.aired_duration.total_seconds()
                ),
                status=_status(entry),
                error=entry.error,
                note=entry.note,
                render_id=entry.render_id,
                log_id=entry.id,
            )
        )
    out.sort(key=lambda e: (e.start.astimezone(UTC), e.slot_id or "", e.announcement_id or 0))
    return out
