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
from broadcast.programs import Program, Segment, relay_durations
from broadcast.scheduling.conflicts import SlotClash, check_slot
from broadcast.scheduling.model import (
    Adjustment,
    AdjustmentKind,
    Announcement,
    Priority,
    Slot,
    share_a_cluster,
)
from broadcast.scheduling.recurrence import expand
from broadcast.scheduling.timetable_check import validate_timetable
from broadcast.scheduling.timetable_yaml import Timetable, load_timetable
from broadcast.scheduling.validation import validate_adjustment, validate_slot
from broadcast.scheduling.wording import WEEKDAY_NAMES_VI, clock_text, local_moment_text
from broadcast.script_input import load_script
from broadcast.station.timetable_io import absolute_paths
from broadcast.store.asrun import LOCAL
from broadcast.store.store import Store

log = logging.getLogger(__name__)

Listener = Callable[[], None]

# Adjustments of occurrences that ended long ago cannot clash any more.
_ADJUSTMENT_LOOKBACK = timedelta(days=2)
# Who approved the scripts read from files (they aired without a separate approval).
IMPORTER = "Loa (nhập từ tệp)"
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
        """Known program lengths (from the newest good render of each; a relay's from its
        segment)."""
        records = self.store.renders.newest_good()
        wanted = set(records) if program_ids is None else set(program_ids)
        found = {
            program_id: timedelta(seconds=record.duration_seconds)
            for program_id, record in records.items()
            if program_id in wanted and record.duration_seconds
        }
        return {**found, **relay_durations(self.store.programs.list(), program_ids)}

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
        try:
            check_slot(slot, existing, adjustments, self.tz, durations, now)
        except SlotClash as clash:
            raise self._readable_clash(clash, slot) from None

    def _slot_words(self, slot: Slot) -> str:
        """``«Bản tin buổi chiều» (17:00 hằng ngày)``: how the operator knows a slot."""
        program = self.store.programs.find(slot.program_id)
        title = program.title if program is not None else slot.program_id
        when = clock_text(slot.time)
        if slot.on_date is not None:
            when += f" ngày {slot.on_date:%d/%m/%Y}"
        elif len(slot.days) == 7:
            when += " hằng ngày"
        else:
            when += " " + ", ".join(WEEKDAY_NAMES_VI[d] for d in sorted(slot.days))
        return f"«{title}» ({when})"

    def _readable_clash(self, clash: SlotClash, slot: Slot) -> SlotClash:
        """The clash said with program titles and times, never internal ids."""
        when = local_moment_text(clash.clash_at, self.tz)
        mine = self._slot_words(slot)
        if clash.other_slot_id == clash.slot_id:
            message = (
                f"Lần phát được dời của {mine} trùng giờ với một lần phát khác của chính nó "
                f"lúc {when}."
            )
        else:
            other = self.store.slots.find(clash.other_slot_id)
            theirs = self._slot_words(other) if other is not None else "một buổi phát khác"
            message = (
                f"{mine} trùng giờ với {theirs} lúc {when}. Hãy chọn giờ khác, hoặc dùng "
                "«Thay thế buổi phát» để phát chương trình này thay cho buổi kia."
            )
        return SlotClash(
            message, slot_id=clash.slot_id, other_slot_id=clash.other_slot_id,
            clash_at=clash.clash_at, code=clash.code,
        )

    def _same_start(self, slot: Slot, now: datetime) -> None:
        """A one-off that starts when another airing starts on the same loudspeakers (whatever
        its priority) would leave two programs at one instant: refused, naming the other
        (which the operator may replace instead)."""
        if slot.on_date is None or slot.paused:
            return
        start = datetime.combine(slot.on_date, slot.time, tzinfo=self.tz)
        others = [
            s for s in self.store.slots.list(include_paused=False)
            if s.id != slot.id and share_a_cluster(s.clusters, slot.clusters)
        ]
        adjustments = self.store.adjustments.list(since=now - _ADJUSTMENT_LOOKBACK)
        for occ in expand(others, adjustments, start, start + timedelta(seconds=1), self.tz):
            if occ.skipped or occ.start != start:
                continue
            other = self.store.slots.get(occ.slot_id)
            program = self.store.programs.find(occ.program_id)
            title = program.title if program is not None else occ.program_id
            raise ScheduleError(
                f"Lúc {local_moment_text(start, self.tz)} đã có {self._slot_words(other)}. "
                f"Hai chương trình không phát cùng lúc được: hãy chọn giờ khác, hoặc bấm "
                f"«Thay thế buổi phát» để phát chương trình này thay cho «{title}» lần đó.",
                code="same_start", other_slot_id=occ.slot_id,
                original_start=occ.original_start.isoformat(), other_title=title,
            )

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
            self._same_start(slot, now)
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

    def import_script_files(self, program_id: str, *, max_script_bytes: int) -> Program:
        """Turn the program's script files into stored scripts (approved, as the files aired
        without approval), so that they are edited in the web page like any other script."""
        with self._writing():
            program = self.store.programs.get(program_id)
            return self._store_scripts(program, max_script_bytes)

    def _store_scripts(self, program: Program, max_script_bytes: int) -> Program:
        segments = []
        for segment in program.segments:
            if segment.kind == "script" and segment.path is not None:
                script = load_script(Path(segment.path), max_script_bytes)
                topic = self.store.columns.resolve(script.topic or program.topic)
                record = self.store.scripts.create(
                    title=script.title, text=script.text, topic=topic, voice=script.voice,
                    engine=script.engine, by=IMPORTER,
                )
                self.store.scripts.approve(record.id, by=IMPORTER)
                segment = Segment.stored_script(record.id)
            segments.append(segment)
        topic = self.store.columns.resolve(program.topic)
        return self.store.programs.upsert(
            dataclasses.replace(program, segments=tuple(segments), topic=topic)
        )

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

    def replace_occurrence(
        self, slot_id: str, original_start: datetime, program_id: str
    ) -> tuple[Adjustment, Slot]:
        """Air ``program_id`` instead of one occurrence of a slot: the occurrence is skipped
        and a one-off slot takes its place at the same instant, both in one change."""
        with self._writing():
            now = self.clock.now()
            slot = self.store.slots.get(slot_id)
            start = original_start.astimezone(self.tz)
            moved = next(
                (a for a in self.store.adjustments.list(slot_id=slot_id)
                 if a.original_start == original_start.astimezone(UTC)
                 and a.kind == AdjustmentKind.MOVE and a.new_start is not None),
                None,
            )
            new_start = moved.new_start if moved is not None else None
            at = (new_start or original_start).astimezone(self.tz)
            if at <= now:
                raise ScheduleError(
                    "Buổi phát này đã qua; chỉ thay được buổi phát sắp tới.", code="start_in_past"
                )
            skip = Adjustment(slot_id, start.astimezone(UTC), AdjustmentKind.SKIP)
            validate_adjustment(skip, slot, self.tz)
            one_off = Slot(
                id="new", program_id=program_id, time=at.timetz().replace(tzinfo=None),
                on_date=at.date(), priority=slot.priority, max_duration=slot.max_duration,
            )
            one_off = dataclasses.replace(one_off, id=self._new_slot_id(program_id, one_off))
            previous = next(
                (a for a in self.store.adjustments.list(slot_id=slot_id)
                 if a.original_start == skip.original_start),
                None,
            )
            self.store.adjustments.put(skip)
            try:
                self._check_slot(one_off, now)
                created = self.store.slots.create(one_off, now=now)
            except BaseException:
                if previous is not None:
                    self.store.adjustments.put(previous)
                else:
                    self.store.adjustments.delete(slot_id, skip.original_start)
                raise
            return skip, created

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

    def import_file(
        self, path: Path, *, max_script_bytes: int, store_scripts: bool = False
    ) -> Timetable:
        """Replace the timetable with a YAML file (its paths made absolute; every script file
        it names must be readable). ``store_scripts``: the script files become stored scripts
        (the station's first start does this, so the web page edits them)."""
        timetable = load_timetable(Path(path), now=self.clock.now(), check_files=True)
        programs = absolute_paths(timetable)
        for program in programs:
            for segment in program.segments:
                if segment.kind == "script" and segment.path is not None:
                    load_script(Path(segment.path), max_script_bytes)
        self.replace(programs, timetable.slots, timetable.adjustments)
        if store_scripts:
            with self._writing():
                for program in programs:
                    self._store_scripts(program, max_script_bytes)
        return timetable
