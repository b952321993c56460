"""The timetable service: the single writer of slots, adjustments, announcements and imports.

Every change goes through here, whoever asks (the HTTP API, the command line, the station
itself for announcements): the same validation, the same clash test, ids made under the same
lock as the write, and one change notification that the station (to plan again) and the
API (to drop cached pages) listen to. Business rules raise domain errors (``ScheduleError``,
``SlotClash``, ``StoreError``); the API maps them to HTTP statuses.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from broadcast.clock import Clock
from broadcast.errors import ScheduleError, StoreError
from broadcast.programs import Program
from broadcast.scheduling.conflicts import check_slot
from broadcast.scheduling.model import Adjustment, Announcement, Priority, Slot
from broadcast.scheduling.timetable_check import validate_timetable
from broadcast.scheduling.timetable_yaml import Timetable, load_timetable
from broadcast.scheduling.validation import validate_adjustment, validate_slot
from broadcast.script_input import load_script
from broadcast.station.timetable_io import absolute_paths
from broadcast.store.asrun import LOCAL
from broadcast.store.store import Store

log = logging.getLogger(__name__)

Listener = Callable[[], None]

# Adjustments of occurrences that ended long ago cannot clash any more.
_ADJUSTMENT_LOOKBACK = timedelta(days=2)
# The first airing of an announcement: soon enough to be "at once" (heard on every speaker
# cluster within 3 s of the order), late enough for the air job to open the output and arm the
# start on the second, and for the clusters to fetch the audio.
ANNOUNCE_LEAD = timedelta(seconds=1)


class TimetableService:
    """Changes the timetable safely; see the module docstring."""

    def __init__(self, store: Store, clock: Clock, tz: ZoneInfo) -> None:
        self.store = store
        self.clock = clock
        self.tz = tz
        self._lock = threading.RLock()
        self._listeners: list[Listener] = []

    # --- notification -------------------------------------------------------------------

    def add_listener(self, listener: Listener) -> None:
        """Call ``listener()`` after every change (from the thread that made it)."""
        self._listeners.append(listener)

    def changed(self) -> None:
        """Tell the listeners that what airs may have changed (also after a script or a
        program was edited: the timetable is the same, its content is not)."""
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # one listener's bug must not hide the change from the others
                log.exception("timetable listener failed")

    @contextmanager
    def _writing(self) -> Iterator[None]:
        with self._lock:
            yield
        self.changed()

    # --- rules ----------------------------------------------------------------------------

    def require_approved(self, program: Program) -> None:
        """A program airs only if every script in it is approved."""
        for script_id in program.script_ids:
            script = self.store.scripts.find(script_id)
            if script is None:
                raise ScheduleError(
                    f"Chương trình «{program.title}» dùng tin bài số {script_id}, tin bài này "
                    "không có.",
                    code="unknown_script", script_id=script_id,
                )
            if not script.approved:
                raise ScheduleError(
                    f"Tin bài «{script.title}» (số {script.id}) trong chương trình "
                    f"«{program.title}» chưa được duyệt; cần lãnh đạo duyệt trước khi xếp lịch "
                    "phát.",
                    code="script_not_approved", script_id=script.id,
                )

    def _program(self, program_id: str) -> Program:
        program = self.store.programs.find(program_id)
        if program is None:
            raise ScheduleError(
                f"Không có chương trình «{program_id}».",
                code="unknown_program", program_id=program_id,
            )
        return program

    def durations(self, program_ids: Sequence[str] | None = None) -> dict[str, timedelta]:
        """Known program lengths (from the newest good render of each)."""
        records = self.store.renders.newest_good()
        wanted = set(records) if program_ids is None else set(program_ids)
        return {
            program_id: timedelta(seconds=record.duration_seconds)
            for program_id, record in records.items()
            if program_id in wanted and record.duration_seconds
        }

    def _check_clashes(self, slot: Slot, now: datetime, extra: Adjustment | None = None) -> None:
        existing = self.store.slots.list()
        adjustments = self.store.adjustments.list(since=now - _ADJUSTMENT_LOOKBACK)
        if extra is not None:
            adjustments = [
                a for a in adjustments
                if not (a.slot_id == extra.slot_id and a.original_start == extra.original_start)
            ] + [extra]
        relevant = [s.program_id for s in existing if s.priority == slot.priority]
        durations = self.durations([*relevant, slot.program_id])
        check_slot(slot, existing, adjustments, self.tz, durations, now)

    def _check_slot(self, slot: Slot, now: datetime) -> None:
        validate_slot(slot)
        if slot.on_date is not None and not slot.paused:
            start = datetime.combine(slot.on_date, slot.time, tzinfo=self.tz)
            if start <= now:
                raise ScheduleError(
                    f"Giờ phát {start:%H:%M:%S %d/%m/%Y} đã qua; hãy chọn một thời điểm sắp tới.",
                    code="start_in_past",
                )
        self.require_approved(self._program(slot.program_id))
        self.require_clusters(slot.clusters)
        if not slot.paused:
            self._check_clashes(slot, now)

    def require_clusters(self, clusters: frozenset[str] | None) -> None:
        """A choice of clusters names the station's own output ("local") or known clusters."""
        if clusters is None:
            return
        if not clusters:
            raise ScheduleError(
                "Danh sách cụm loa trống; bỏ trống để phát trên mọi cụm loa.", code="no_clusters"
            )
        known = {c.id for c in self.store.clusters.list()} | {LOCAL}
        unknown = sorted(clusters - known)
        if unknown:
            raise ScheduleError(
                f"Không có cụm loa {', '.join(unknown)}.", code="unknown_cluster",
                clusters=unknown,
            )

    # --- programs -------------------------------------------------------------------------

    def create_program(self, program: Program, *, id_base: str) -> Program:
        """Add a program under a new id made from ``id_base`` (``base``, ``base-2``...)."""
        with self._writing():
            program_id = self.store.programs.unique_id(id_base)
            return self.store.programs.create(dataclasses.replace(program, id=program_id))

    def replace_program(self, program: Program) -> Program:
        """Replace a program's title, topic and segments; while slots air it, every script in
        it must be approved."""
        with self._writing():
            self.store.programs.get(program.id)
            if self.store.slots.list(program_id=program.id):
                self.require_approved(program)
            return self.store.programs.upsert(program)

    def delete_program(self, program_id: str) -> None:
        """Refused (``program_in_use``) while slots still air it."""
        with self._writing():
            self.store.programs.delete(program_id)

    # --- slots ----------------------------------------------------------------------------

    def _new_slot_id(self, program_id: str, at: datetime | Slot) -> str:
        clock_text = at.time.strftime("%H%M") if isinstance(at, Slot) else f"{at:%H%M}"
        base = f"{program_id[:50]}-{clock_text}"
        candidate, n = base, 1
        while self.store.slots.find(candidate) is not None:
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def create_slot(self, slot: Slot, *, new_id: bool = False) -> Slot:
        """Add a slot (``new_id``: its id is made here from its program and time, under the
        lock, so parallel creations never collide). ``duplicate_id`` if the id is taken."""
        with self._writing():
            now = self.clock.now()
            if new_id:
                slot = dataclasses.replace(slot, id=self._new_slot_id(slot.program_id, slot))
            self._check_slot(slot, now)
            return self.store.slots.create(slot, now=now)

    def replace_slot(self, slot: Slot) -> Slot:
        """Replace an existing slot (``not_found`` if there is none); it keeps its pause."""
        with self._writing():
            now = self.clock.now()
            current = self.store.slots.get(slot.id)
            slot = dataclasses.replace(slot, paused=current.paused)
            self._check_slot(slot, now)
            return self.store.slots.upsert(slot, now=now)

    def update_slot(self, slot_id: str, change: Callable[[Slot], Slot]) -> Slot:
        """Read the slot, apply ``change`` and save it, all under the lock."""
        with self._writing():
            now = self.clock.now()
            slot = change(self.store.slots.get(slot_id))
            if slot.id != slot_id:
                raise ScheduleError("Không đổi được mã khung giờ.", code="id_mismatch")
            self._check_slot(slot, now)
            return self.store.slots.upsert(slot, now=now)

    def delete_slot(self, slot_id: str) -> None:
        with self._writing():
            self.store.slots.delete(slot_id)

    def set_paused(self, slot_id: str, paused: bool) -> Slot:
        """Pause, or put back on air (checked for clashes and approvals like a new slot)."""
        with self._writing():
            now = self.clock.now()
            slot = self.store.slots.get(slot_id)
            if not paused and slot.paused:
                active = dataclasses.replace(slot, paused=False)
                self.require_approved(self._program(slot.program_id))
                self._check_clashes(active, now)
            return self.store.slots.set_paused(slot_id, paused, now=now)

    # --- adjustments ----------------------------------------------------------------------

    def put_adjustment(self, adjustment: Adjustment) -> Adjustment:
        """Skip or move one occurrence (replacing an earlier adjustment of it)."""
        adjustment = dataclasses.replace(
            adjustment,
            original_start=adjustment.original_start.astimezone(UTC),
            new_start=adjustment.new_start and adjustment.new_start.astimezone(UTC),
        )
        with self._writing():
            now = self.clock.now()
            slot = self.store.slots.get(adjustment.slot_id)
            validate_adjustment(adjustment, slot, self.tz)
            if adjustment.new_start is not None:
                if adjustment.new_start <= now:
                    raise ScheduleError(
                        "Giờ mới đã qua; hãy dời buổi phát đến một thời điểm sắp tới.",
                        code="start_in_past",
                    )
                self._check_clashes(slot, now, extra=adjustment)
            return self.store.adjustments.put(adjustment)

    def delete_adjustment(self, slot_id: str, original_start: datetime) -> None:
        with self._writing():
            self.store.slots.get(slot_id)
            if not self.store.adjustments.delete(slot_id, original_start.astimezone(UTC)):
                raise StoreError(
                    "Lần phát này không có điều chỉnh nào để huỷ.", code="not_found"
                )

    # --- announcements --------------------------------------------------------------------

    def add_announcement(
        self,
        program_id: str,
        priority: Priority,
        *,
        repeat: int = 1,
        every: timedelta = timedelta(0),
        ordered_by: str = "",
        duration: timedelta | None = None,
        clusters: frozenset[str] | None = None,
    ) -> Announcement:
        """Order a program to air at once, ``repeat`` times ``every`` apart. Each repeat
        must come after the previous one has ended (``duration``: the program's length).
        ``clusters``: where it airs (None: every cluster, the station's own output too)."""
        if repeat < 1:
            raise ScheduleError("Số lần phát phải từ 1 trở lên.", code="bad_repeat")
        if repeat > 1 and every <= timedelta(0):
            raise ScheduleError(
                "Phát lặp lại cần khoảng cách giữa các lần (phút).", code="bad_repeat"
            )
        if repeat > 1 and duration is not None and every < duration:
            minutes = duration.total_seconds() / 60
            raise ScheduleError(
                f"Khoảng cách giữa các lần phát ({every.total_seconds() / 60:g} phút) ngắn hơn "
                f"thời lượng thông báo ({minutes:.1f} phút): lần sau sẽ chồng lên lần trước.",
                code="repeat_shorter_than_program",
            )
        with self._writing():
            program = self._program(program_id)
            self.require_approved(program)
            self.require_clusters(clusters)
            now = self.clock.now()
            first = (now + ANNOUNCE_LEAD).replace(microsecond=0) + timedelta(seconds=1)
            announcement = self.store.announcements.create(
                program_id=program_id, priority=priority, first_start=first, repeat=repeat,
                every=every, ordered_by=ordered_by, now=now, clusters=clusters,
            )
        log.warning(
            "announcement %d ordered by %s: %s x%d, priority %s",
            announcement.id, ordered_by or "?", program_id, repeat, priority.label,
        )
        return announcement

    def cancel_announcement(self, announcement_id: int) -> Announcement:
        """Drop the airings that have not started yet (the station stops one on air)."""
        with self._writing():
            return self.store.announcements.cancel(announcement_id, now=self.clock.now())

    # --- the whole timetable --------------------------------------------------------------

    def replace(
        self,
        programs: Sequence[Program],
        slots: Sequence[Slot],
        adjustments: Sequence[Adjustment] = (),
        *,
        durations: Mapping[str, timedelta] | None = None,
    ) -> None:
        """Swap the whole timetable, validated whole first (nothing is half-replaced)."""
        with self._writing():
            now = self.clock.now()
            validate_timetable(
                programs, slots, adjustments, self.tz, durations=durations, now=now
            )
            for slot in slots:
                self.require_clusters(slot.clusters)
            self.store.replace_timetable(programs, slots, adjustments, now=now)

    def import_file(self, path: Path, *, max_script_bytes: int) -> Timetable:
        """Replace the timetable with a YAML file (its paths made absolute; every script file
        it names must be readable)."""
        timetable = load_timetable(Path(path), now=self.clock.now(), check_files=True)
        programs = absolute_paths(timetable)
        for program in programs:
            for segment in program.segments:
                if segment.kind == "script" and segment.path is not None:
                    load_script(Path(segment.path), max_script_bytes)
        self.replace(programs, timetable.slots, timetable.adjustments)
        return timetable
