"""Reading the timetable as the operator sees it, from the store (no scheduler needed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from broadcast.errors import BroadcastError
from broadcast.programs import Program
from broadcast.station.control import TimetableEntry
from broadcast.station.planner import Airing, airings
from broadcast.station.program_files import ProgramFiles
from broadcast.station.timetable_view import timetable_entries
from broadcast.store.asrun import LOCAL
from broadcast.store.store import Store


class TimetableQuery:
    def __init__(self, store: Store, files: ProgramFiles, tz: ZoneInfo) -> None:
        self.store = store
        self.files = files
        self.tz = tz

    def durations(self) -> dict[str, timedelta]:
        """Known program durations (from their last good render), for planning and clashes."""
        return {
            program_id: timedelta(seconds=record.duration_seconds)
            for program_id, record in self.store.renders.newest_good().items()
            if record.duration_seconds
        }

    def airings(
        self, start: datetime, end: datetime, cluster: str | None = LOCAL
    ) -> list[Airing]:
        """What airs in ``[start, end)`` on ``cluster`` (default: the station's own output;
        None: anywhere): slots' occurrences and announcements."""
        found = airings(
            self.store.slots.list(),
            self.store.adjustments.list(),
            self.store.announcements.list(airing_since=start),
            start, end, self.tz, self.durations(),
        )
        if cluster is None:
            return found
        return [a for a in found if a.airs_on(cluster)]

    def timetable(self, start: datetime, end: datetime) -> list[TimetableEntry]:
        programs = {p.id: p for p in self.store.programs.list()}
        planned = self.airings(start, end, cluster=None)
        logged = self.store.as_run.query(since=start, until=end, cluster=LOCAL)
        rendered = self.rendered_programs({a.program_id for a in planned}, programs)
        return timetable_entries(planned, logged, programs, rendered)

    def rendered_programs(
        self, program_ids: Iterable[str], programs: Mapping[str, Program]
    ) -> set[str]:
        """The programs whose current content is rendered and ready to air."""
        good = self.store.renders.good_contents()
        out: set[str] = set()
        for program_id in program_ids:
            program = programs.get(program_id)
            if program is None:
                continue
            try:
                digest = self.files.content_hash(program)
            except BroadcastError:
                continue
            if (program_id, digest) in good:
                out.add(program_id)
        return out
