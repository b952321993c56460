"""Reading the timetable as the operator sees it, from the store (no scheduler needed)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from broadcast.errors import BroadcastError
from broadcast.programs import Program, relay_durations
from broadcast.station.control import TimetableEntry
from broadcast.station.planner import Airing, airings
from broadcast.station.program_files import ProgramFiles
from broadcast.station.timetable_view import Warning, timetable_entries
from broadcast.store.asrun import LOCAL
from broadcast.store.store import Store

DEFAULT_GRACE = timedelta(minutes=5)


class TimetableQuery:
    def __init__(
        self, store: Store, files: ProgramFiles, tz: ZoneInfo, *, grace: timedelta = DEFAULT_GRACE
    ) -> None:
        self.store = store
        self.files = files
        self.tz = tz
        self.grace = grace

    def durations(self) -> dict[str, timedelta]:
        """Known program durations (from their last good render; a relay's from its
        segment), for planning and clashes."""
        found = {
            program_id: timedelta(seconds=record.duration_seconds)
            for program_id, record in self.store.renders.newest_good().items()
            if record.duration_seconds
        }
        return {**found, **relay_durations(self.store.programs.list())}

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

    def timetable(
        self, start: datetime, end: datetime, *, now: datetime | None = None
    ) -> list[TimetableEntry]:
        """Airings in ``[start, end)`` with their status; past ones from the log (an airing
        over ``grace`` ago that the log does not have did not air: ``missed``). Airings still
        to come carry a warning when they will not air as planned."""
        now = now or self.store.clock.now()
        programs = {p.id: p for p in self.store.programs.list()}
        planned = self.airings(start, end, cluster=None)
        logged = self.store.as_run.query(since=start, until=end, cluster=LOCAL)
        days = {(a.program_id, a.start.astimezone(self.tz).date()) for a in planned}
        rendered = self.rendered_programs(days, programs)
        upcoming = {(a.program_id, a.start.astimezone(self.tz).date())
                    for a in planned if a.start > now and not a.skipped}
        # A script waiting for approval concerns every day the program airs: asked once per
        # program, not per day.
        unapproved = {
            program_id: self._unapproved(programs[program_id])
            for program_id in {program_id for program_id, _ in upcoming}
            if program_id in programs
        }
        warnings = {}
        for program_id, day in upcoming:
            found = unapproved.get(program_id) or self._bulletin_warning(
                programs.get(program_id), day)
            if found is not None:
                warnings[(program_id, day)] = found
        return timetable_entries(
            planned, logged, programs, rendered, now=now, grace=self.grace, tz=self.tz,
            warnings=warnings,
        )

    def _unapproved(self, program: Program) -> Warning | None:
        """Why the program will not air as planned on any day: a script it reads is waiting
        for approval."""
        for script_id in program.script_ids:
            script = self.store.scripts.find(script_id)
            if script is None or script.approved:
                continue
            approved = self.store.scripts.last_approved_revision(script_id)
            fallback = self.store.renders.last_good(program.id)
            if approved is not None and fallback is not None:
                text = (
                    f"Bài «{script.title}» đã sửa (bản {script.revision}) nhưng chưa được duyệt "
                    f"lại: nếu không duyệt kịp, buổi phát sẽ phát bản đã dựng trước đó."
                )
            else:
                text = (
                    f"Bài «{script.title}» chưa được duyệt: buổi phát sẽ không phát được "
                    "nếu không duyệt kịp."
                )
            return Warning(text, script_id)
        return None

    def _bulletin_warning(self, program: Program | None, day: date) -> Warning | None:
        """Why the program will not air its bulletin of ``day`` as planned, if so."""
        if program is None or not program.bulletin_columns:
            return None
        notes = self.files.substitutions(program.id, day)
        if not notes:
            return None
        waiting = next(
            (s.id for c in program.bulletin_columns
             for s in self.store.scripts.bulletins(c, on=day) if not s.approved),
            None,
        )
        return Warning(" ".join(_future(n) for n in notes), waiting)

    def rendered_programs(
        self, keys: Iterable[tuple[str, date]], programs: Mapping[str, Program]
    ) -> set[tuple[str, date]]:
        """The (program, day) pairs whose content is rendered and ready to air."""
        good = self.store.renders.good_contents()
        lexicon = self.files.lexicon()  # one reading of the approved readings for all
        out: set[tuple[str, date]] = set()
        for program_id, day in keys:
            program = programs.get(program_id)
            if program is None:
                continue
            try:
                digest = self.files.content_hash(program, day=day, lexicon=lexicon)
            except BroadcastError:
                continue
            if (program_id, digest) in good:
                out.add((program_id, day))
        return out


def _future(note: str) -> str:
    """A note of the log ("đã phát ...") as said before the airing ("sẽ phát ...")."""
    return note.replace("đã phát", "sẽ phát")
