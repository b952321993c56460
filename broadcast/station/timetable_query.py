"""Reading the timetable as the operator sees it, from the store (no scheduler needed)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from broadcast.errors import BroadcastError
from broadcast.scheduling.recurrence import expand
from broadcast.station.control import TimetableEntry
from broadcast.station.program_files import ProgramFiles
from broadcast.station.timetable_view import timetable_entries
from broadcast.store.store import Store


class TimetableQuery:
    def __init__(self, store: Store, files: ProgramFiles, tz: ZoneInfo) -> None:
        self.store = store
        self.files = files
        self.tz = tz

    def durations(self) -> dict[str, timedelta]:
        """Known program durations (from their last good render), for planning and clashes."""
        out: dict[str, timedelta] = {}
        for program in self.store.programs.list():
            record = self.store.renders.last_good(program.id)
            if record is not None and record.duration_seconds:
                out[program.id] = timedelta(seconds=record.duration_seconds)
        return out

    def timetable(self, start: datetime, end: datetime) -> list[TimetableEntry]:
        programs = {p.id: p for p in self.store.programs.list()}
        occurrences = expand(
            self.store.slots.list(), self.store.adjustments.list(), start, end, self.tz,
            self.durations(),
        )
        logged = self.store.as_run.query(since=start, until=end)
        rendered = {pid for pid in {o.program_id for o in occurrences} if self.has_render(pid)}
        return timetable_entries(occurrences, logged, programs, rendered)

    def has_render(self, program_id: str) -> bool:
        """Whether the program's current content is rendered and ready to air."""
        program = self.store.programs.find(program_id)
        if program is None:
            return False
        try:
            digest = self.files.content_hash(program)
        except BroadcastError:
            return False
        return self.store.renders.find_good(program_id, digest) is not None
