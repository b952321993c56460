"""The running station: plans jobs from the timetable, renders ahead, airs on time, logs.

Flow for one occurrence at instant T (all jobs are APScheduler one-shots in the database):
- ``render`` job at T - render_ahead (at once if sooner): render the program (reused while
  its content is unchanged); a failure is logged and the last good render stands in.
- ``air`` job at T - lead: run the amplifier hook, open the output stream warm, claim the
  occurrence in the as-run log and hand the file to the player, which starts it at the
  sample whose output time is T. The player's end report closes the log entry.
- ``skip`` job at T for a skipped occurrence: log it ``skipped``.
After a restart, entries left on air are closed as ``interrupted`` and the occurrences that
fell due while the station was down go through the misfire rule: none is dropped.
"""

from __future__ import annotations

import logging
import shutil
import threading
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from broadcast.errors import BroadcastError, PlayoutError, StoreError
from broadcast.playout.player import PlaybackReport, Player
from broadcast.render import Renderer
from broadcast.scheduling.apscheduler_adapter import JobScheduler
from broadcast.scheduling.misfire import classify_start, missed_while_down
from broadcast.scheduling.model import Occurrence, Outcome, Priority, Slot
from broadcast.scheduling.recurrence import expand
from broadcast.settings import Settings
from broadcast.station.control import Announcement, Health, OnAir, TimetableEntry
from broadcast.station.hooks import run_hook
from broadcast.station.program_files import ProgramFiles
from broadcast.station.timetable_query import TimetableQuery
from broadcast.store.db import check_connection
from broadcast.store.lock import LockKeeper, acquire_or_raise
from broadcast.store.store import Store

log = logging.getLogger(__name__)

PLAN_INTERVAL_SECONDS = 30.0
# The air job runs this long before T: enough to open and warm the output stream.
PREPARE_LEAD_SECONDS = 3.0
ANNOUNCE_LEAD_SECONDS = 2.0
ON_TIME = timedelta(seconds=1)
UPCOMING_REFRESH = timedelta(seconds=2)
JOB_FUNCTION = "broadcast.station.runtime:run_job"
JOB_KINDS = ("render", "air", "skip")

_active: Station | None = None  # the station whose jobs run in this process


def run_job(kind: str, slot_id: str, start: str) -> None:
    """Entry point of every persistent job (referenced by name in the job store)."""
    station = _active
    if station is None:
        log.error("job %s for slot %s at %s: no station is running", kind, slot_id, start)
        return
    station.run_job(kind, slot_id, datetime.fromisoformat(start))


def job_id(kind: str, slot_id: str, start: datetime) -> str:
    return f"{kind}|{slot_id}|{start.astimezone(UTC).isoformat()}"


def parse_job_id(value: str) -> tuple[str, str, datetime] | None:
    parts = value.split("|")
    if len(parts) != 3 or parts[0] not in JOB_KINDS:
        return None
    return parts[0], parts[1], datetime.fromisoformat(parts[2])


@dataclass(frozen=True)
class _OnAirTag:
    """Passed through the player so its end report can close the right log entry."""

    entry_id: int
    slot_id: str
    program_id: str
    program_title: str
    priority: Priority
    scheduled: datetime
    duration_seconds: float | None
    engines: tuple[str, ...]


def utc_now() -> datetime:
    return datetime.now(UTC)


class Station:
    """Implements :class:`broadcast.station.control.StationControl` on the real parts."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        player: Player,
        renderer: Renderer | None = None,
        *,
        example_timetable: Path | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.player = player
        self.renderer = renderer or Renderer(settings)
        self.files = ProgramFiles(settings, store, self.renderer)
        self.tz = ZoneInfo(settings.timezone)
        self.query = TimetableQuery(store, self.files, self.tz)
        self.grace = timedelta(seconds=settings.grace_seconds)
        self.render_ahead = timedelta(seconds=settings.render_ahead_seconds)
        self.lead = timedelta(seconds=max(PREPARE_LEAD_SECONDS, settings.hook_lead_seconds))
        self.example_timetable = example_timetable
        self.jobs: JobScheduler | None = None
        self._lock = store.station_lock()
        self._keeper: LockKeeper | None = None
        self._plan_lock = threading.Lock()
        self._renders = ThreadPoolExecutor(1, thread_name_prefix="render")
        self._render_futures: dict[tuple[str, datetime], Future[Path | None]] = {}
        self._futures_lock = threading.Lock()
        self._stop_timers: dict[int, threading.Timer] = {}
        self._upcoming: tuple[datetime, list[TimetableEntry]] | None = None
        self._upcoming_lock = threading.Lock()
        self._air_lock = threading.Lock()
        self.player.add_listener(self._on_playback_end)

    # --- life cycle -----------------------------------------------------------------------

    def startup(self) -> None:
        """Take the station lock, recover from the last run, start the scheduler."""
        global _active
        now = utc_now()
        previous = self._lock.holder()
        acquire_or_raise(self._lock, now)
        self._keeper = LockKeeper(self._lock, on_lost=self._lock_lost)
        self._keeper.start()
        _active = self
        self._load_example_if_empty()
        crashed_at = previous.heartbeat_at if previous is not None else None
        self._close_unfinished(crashed_at, now)
        last_seen = self._last_seen(crashed_at)
        self.jobs = JobScheduler(self.store.engine, self.tz, self.grace, self._job_missed)
        self.jobs.start()
        if last_seen is not None:
            self._recover_missed(last_seen, now)
        self.jobs.add_periodic("plan", PLAN_INTERVAL_SECONDS, self.plan)
        self.plan()
        log.info("station started (timezone %s)", self.settings.timezone)

    def shutdown(self) -> None:
        global _active
        if self.jobs is not None:
            self.jobs.shutdown()
        for timer in list(self._stop_timers.values()):
            timer.cancel()
        self.player.close()
        self._renders.shutdown(wait=False, cancel_futures=True)
        if self._keeper is not None:
            self._keeper.stop(release=True)
        if _active is self:
            _active = None

    def _lock_lost(self) -> None:
        log.critical("the station lock was taken by another process: stopping the scheduler")
        if self.jobs is not None:
            self.jobs.shutdown()

    def _load_example_if_empty(self) -> None:
        if not (self.settings.load_example_timetable and self.example_timetable):
            return
        if self.store.programs.list() or self.store.slots.count():
            return
        from broadcast.station.timetable_io import import_timetable

        import_timetable(
            self.store, self.example_timetable, now=utc_now(),
            max_script_bytes=self.settings.script_max_bytes,
        )
        log.info("empty database: loaded the example timetable %s", self.example_timetable)

    def _last_seen(self, crashed_at: datetime | None) -> datetime | None:
        """Since when occurrences may have gone unhandled: the newest logged occurrence
        (every occurrence the station handles is logged), or the last heartbeat of a
        station that died, whichever is earlier; None on a station that never aired."""
        marks = [crashed_at] if crashed_at is not None else []
        newest = self.store.as_run.query(newest_first=True, limit=1)
        if newest:
            marks.append(newest[0].scheduled_start)
        return min(marks) if marks else None

    def _close_unfinished(self, last_seen: datetime | None, now: datetime) -> None:
        for entry in self.store.as_run.unfinished():
            started = entry.actual_start or entry.scheduled_start
            end = max(last_seen or started, started)
            self.store.as_run.finish(
                entry.id,
                outcome=Outcome.INTERRUPTED,
                actual_start=started,
                end=end,
                error=(
                    "Trạm phát dừng đột ngột trong khi phát; đã khởi động lại lúc "
                    f"{now.astimezone(self.tz):%H:%M:%S %d/%m/%Y}."
                ),
            )

    def _recover_missed(self, last_seen: datetime, now: datetime) -> None:
        slots, adjustments = self.store.slots.list(), self.store.adjustments.list()
        for occ, outcome in missed_while_down(
            slots, adjustments, last_seen, now, self.tz, self.grace, self._durations()
        ):
            if self.store.as_run.find(occ.slot_id, occ.start) is not None:
                continue
            if outcome in (Outcome.AIRED, Outcome.LATE):
                assert self.jobs is not None
                self.jobs.add_once(
                    job_id("air", occ.slot_id, occ.start), now, JOB_FUNCTION,
                    kind="air", slot_id=occ.slot_id, start=occ.start.isoformat(),
                )
            else:
                self._log_unplayed(occ.slot_id, occ.start, outcome, _down_error(outcome))

    # --- planning ---------------------------------------------------------------------------

    def timetable_changed(self) -> None:
        self._upcoming = None
        self.plan()

    def plan(self) -> None:
        """Make sure every occurrence in the planning horizon has its jobs, and no job is
        left for an occurrence that no longer exists."""
        if self.jobs is None or not self.jobs.running:
            return
        with self._plan_lock:
            now = utc_now()
            horizon = now + self.render_ahead + timedelta(seconds=2 * PLAN_INTERVAL_SECONDS)
            occurrences = expand(
                self.store.slots.list(), self.store.adjustments.list(), now, horizon,
                self.tz, self._durations(),
            )
            wanted: set[str] = set()
            for occ in occurrences:
                if self.store.as_run.find(occ.slot_id, occ.start) is not None:
                    continue
                for kind, run_at in self._jobs_for(occ, now):
                    ident = job_id(kind, occ.slot_id, occ.start)
                    wanted.add(ident)
                    self.jobs.add_once(
                        ident, run_at, JOB_FUNCTION,
                        kind=kind, slot_id=occ.slot_id, start=occ.start.isoformat(),
                    )
            for ident in self.jobs.job_ids():
                parsed = parse_job_id(ident)
                # Jobs of occurrences already due stay: they apply the misfire rule.
                if parsed is not None and ident not in wanted and parsed[2] > now:
                    self.jobs.remove(ident)

    def _jobs_for(self, occ: Occurrence, now: datetime) -> list[tuple[str, datetime]]:
        if occ.skipped:
            return [("skip", max(occ.start, now))]
        return [
            ("render", max(occ.start - self.render_ahead, now)),
            ("air", max(occ.start - self.lead, now)),
        ]

    def _durations(self) -> dict[str, timedelta]:
        return self.query.durations()

    # --- jobs ---------------------------------------------------------------------------------

    def run_job(self, kind: str, slot_id: str, start: datetime) -> None:
        try:
            if kind == "render":
                self._render_future(slot_id, start)
            elif kind == "air":
                self._air(slot_id, start)
            elif kind == "skip":
                self._log_unplayed(slot_id, start, Outcome.SKIPPED, None)
        except Exception:  # a crash in one broadcast must not stop the next one
            log.exception("%s job for slot %s at %s crashed", kind, slot_id, start)
            if kind == "air":
                self._log_unplayed(slot_id, start, Outcome.FAILED, "Lỗi nội bộ khi phát.")

    def _job_missed(self, ident: str) -> None:
        parsed = parse_job_id(ident)
        if parsed is None:
            return
        kind, slot_id, start = parsed
        if kind == "air":
            self._log_unplayed(slot_id, start, Outcome.MISSED, _down_error(Outcome.MISSED))
        elif kind == "skip":
            self._log_unplayed(slot_id, start, Outcome.SKIPPED, None)

    def _render_future(self, slot_id: str, start: datetime) -> Future[Path | None]:
        key = (slot_id, start.astimezone(UTC))
        with self._futures_lock:
            future = self._render_futures.get(key)
            if future is None:
                future = self._renders.submit(self._render_for, slot_id)
                self._render_futures[key] = future
            return future

    def _render_for(self, slot_id: str) -> Path | None:
        """The file to air for the slot's program: a fresh render, else the last good one."""
        slot = self.store.slots.find(slot_id)
        if slot is None:
            return None
        try:
            record = self.files.render(slot.program_id)
        except BroadcastError as exc:
            fallback = self.store.renders.last_good(slot.program_id)
            if fallback is None or not fallback.wav_path or not Path(fallback.wav_path).is_file():
                raise
            log.warning("airing the last good render of %s after: %s", slot.program_id, exc)
            record = fallback
        return Path(record.wav_path) if record.wav_path else None

    def _air(self, slot_id: str, start: datetime) -> None:
        if self.store.as_run.find(slot_id, start) is not None:
            return  # already handled (e.g. by the recovery after a restart)
        slot = self.store.slots.find(slot_id)
        if slot is None:
            return
        program = self.store.programs.find(slot.program_id)
        try:
            path = self._file_to_air(slot_id, start)
        except Exception as exc:  # noqa: BLE001 - any render failure ends here
            self._log_unplayed(slot_id, start, Outcome.FAILED, _message(exc))
            return
        if path is None:
            return
        record = self.store.renders.last_good(slot.program_id)
        engines = tuple(record.engines) if record is not None else ()
        env = {"LOA_SLOT": slot_id, "LOA_PROGRAM": slot.program_id, "LOA_START": start.isoformat()}
        run_hook(self.settings.hook_before, env, timeout=self.lead.total_seconds())
        try:
            self.player.prepare()
        except PlayoutError as exc:
            self._log_unplayed(slot_id, start, Outcome.FAILED, exc.message, engines)
            return
        self._wait_for_air(slot, start)
        decision = classify_start(start, utc_now(), self.grace)
        if not decision.play:
            self._log_unplayed(slot_id, start, Outcome.MISSED, _busy_error(), engines)
            return
        when = start if decision.outcome is Outcome.AIRED else None
        # Claim and arm under the lock a cancellation takes too: a change made while this
        # job was preparing is seen here, or the cancellation sees the armed playback.
        with self._air_lock:
            current_slot = self._still_due(slot_id, start)
            if current_slot is None:
                return
            slot = current_slot
            try:
                entry = self.store.as_run.append(
                    slot_id=slot_id,
                    program_id=slot.program_id,
                    priority=slot.priority,
                    scheduled_start=start,
                    engines=engines,
                )
            except StoreError as exc:
                if exc.code == "duplicate_entry":
                    return  # another job claimed this occurrence first
                raise
            duration = record.duration_seconds if record is not None else None
            tag = _OnAirTag(
                entry.id, slot_id, slot.program_id, program.title if program else slot.program_id,
                slot.priority, start, duration, engines,
            )
            try:
                self.player.play(path, when, slot.priority, tag=tag)
            except PlayoutError as exc:  # the air was taken in the meantime
                self.store.as_run.finish(entry.id, outcome=Outcome.MISSED, end=utc_now(),
                                         error=exc.message)
                return
        if slot.max_duration is not None:
            self._cut_at(entry.id, (when or utc_now()) + slot.max_duration)

    def _still_due(self, slot_id: str, start: datetime) -> Slot | None:
        """The slot, if its occurrence at ``start`` is still in the timetable: the operator
        may have deleted, paused, moved or skipped it since the job was planned. A skip is
        logged here."""
        slot = self.store.slots.find(slot_id)
        if slot is None:
            return None
        adjustments = self.store.adjustments.list(slot_id=slot_id)
        window = expand([slot], adjustments, start, start + timedelta(microseconds=1), self.tz)
        occurrence = next((o for o in window if o.start == start), None)
        if occurrence is None:
            return None
        if occurrence.skipped:
            self._log_unplayed(slot_id, start, Outcome.SKIPPED, None)
            return None
        return slot

    def _file_to_air(self, slot_id: str, start: datetime) -> Path | None:
        """The render made ahead; if it failed, one more try now (the fault may be gone)."""
        timeout = max(1.0, (start + self.grace - utc_now()).total_seconds())
        future = self._render_future(slot_id, start)
        with self._futures_lock:
            self._render_futures.pop((slot_id, start.astimezone(UTC)), None)
        try:
            return future.result(timeout=timeout)
        except BroadcastError as exc:
            log.warning("render ahead of %s failed (%s): trying once more", slot_id, exc)
        return self._renders.submit(self._render_for, slot_id).result(timeout=timeout)

    def _wait_for_air(self, slot: Slot, start: datetime) -> None:
        """While an equal or higher priority program is on air, wait (up to the grace)."""
        deadline = start + self.grace
        while True:
            current = self.player.current
            if current is None or current.done or slot.priority > current.priority:
                return
            remaining = (deadline - utc_now()).total_seconds()
            if remaining <= 0:
                return
            current.wait(min(remaining, 1.0))

    def _cut_at(self, entry_id: int, at: datetime) -> None:
        def cut() -> None:
            current = self.player.current
            tag = current.tag if current is not None else None
            if current is not None and isinstance(tag, _OnAirTag) and tag.entry_id == entry_id:
                log.info("maximum duration reached: fading out entry %d", entry_id)
                current.stop()
            self._stop_timers.pop(entry_id, None)

        timer = threading.Timer(max(0.0, (at - utc_now()).total_seconds()), cut)
        timer.daemon = True
        self._stop_timers[entry_id] = timer
        timer.start()

    def _on_playback_end(self, report: PlaybackReport) -> None:
        tag = report.tag
        if not isinstance(tag, _OnAirTag):
            return
        self._upcoming = None
        timer = self._stop_timers.pop(tag.entry_id, None)
        if timer is not None:
            timer.cancel()
        outcome, lateness, error = report.outcome, None, None
        if report.actual_start is not None:
            lateness = report.actual_start - tag.scheduled
            if outcome is Outcome.AIRED and lateness > ON_TIME:
                outcome = Outcome.LATE
        elif outcome is Outcome.INTERRUPTED:  # stopped before a sample was heard
            outcome, error = Outcome.SKIPPED, "Đã dừng trước giờ phát."
        try:
            self.store.as_run.finish(
                tag.entry_id,
                outcome=outcome,
                end=report.end or utc_now(),
                actual_start=report.actual_start,
                lateness=lateness,
                error=report.error.message if report.error is not None else error,
            )
        except BroadcastError:
            log.exception("could not close as-run entry %d", tag.entry_id)
        env = {"LOA_SLOT": tag.slot_id, "LOA_PROGRAM": tag.program_id, "LOA_OUTCOME": outcome}
        threading.Thread(
            target=run_hook, args=(self.settings.hook_after, env), daemon=True
        ).start()

    def _log_unplayed(
        self,
        slot_id: str,
        start: datetime,
        outcome: Outcome,
        error: str | None,
        engines: tuple[str, ...] = (),
    ) -> None:
        slot = self.store.slots.find(slot_id)
        if slot is None or self.store.as_run.find(slot_id, start) is not None:
            return
        try:
            self.store.as_run.append(
                slot_id=slot_id, program_id=slot.program_id, priority=slot.priority,
                scheduled_start=start, end=None, outcome=outcome, error=error, engines=engines,
            )
        except StoreError as exc:
            if exc.code != "duplicate_entry":
                raise
        if outcome in (Outcome.MISSED, Outcome.FAILED):
            log.error("slot %s at %s: %s (%s)", slot_id, start, outcome.value, error)

    # --- what the API asks --------------------------------------------------------------------

    def timetable(self, start: datetime, end: datetime) -> list[TimetableEntry]:
        return self.query.timetable(start, end)

    def on_air(self) -> OnAir | None:
        current = self.player.current
        if current is None or current.done or not isinstance(current.tag, _OnAirTag):
            return None
        tag = current.tag
        handle = current.handle
        actual = handle.actual_start if handle is not None else None
        if actual is None:
            return None  # armed, not yet heard
        return OnAir(
            slot_id=tag.slot_id,
            program_id=tag.program_id,
            program_title=tag.program_title,
            priority=tag.priority,
            scheduled_start=tag.scheduled,
            actual_start=actual,
            duration_seconds=tag.duration_seconds,
        )

    def upcoming(self, limit: int = 5) -> list[TimetableEntry]:
        """The next occurrences to air. "Now playing" pages poll this often, so the week
        ahead is computed at most once per ``UPCOMING_REFRESH`` (and after every change
        made through the station), not per request."""
        now = utc_now()
        with self._upcoming_lock:
            if self._upcoming is None or now - self._upcoming[0] > UPCOMING_REFRESH:
                entries = self.timetable(now, now + timedelta(days=7))
                waiting = [e for e in entries if e.status in ("planned", "rendered")]
                self._upcoming = (now, waiting)
            waiting = self._upcoming[1]
        return [e for e in waiting if e.start >= now][:limit]

    def stop(self) -> bool:
        """Stop what is on air (fading out); the log says ``interrupted``."""
        current = self.player.current
        if current is None or current.done:
            return False
        self.player.stop()
        return True

    def announce(
        self,
        program_id: str,
        priority: Priority,
        *,
        repeat: int = 1,
        every_minutes: float = 0.0,
        ordered_by: str = "",
    ) -> Announcement:
        """Airs at once (after a render) as one-off slots ``ann-<id>-<n>``, so that each
        airing is planned, logged and reported like any other occurrence."""
        self.files.render(program_id)  # errors reach the caller before anything is planned
        ident = uuid.uuid4().hex[:8]
        first = utc_now() + timedelta(seconds=ANNOUNCE_LEAD_SECONDS)
        first = first.replace(microsecond=0) + timedelta(seconds=1)
        starts = [first + timedelta(minutes=every_minutes * n) for n in range(max(1, repeat))]
        for n, at in enumerate(starts, start=1):
            local = at.astimezone(self.tz)
            self.store.slots.create(
                Slot(
                    id=f"ann-{ident}-{n}",
                    program_id=program_id,
                    time=local.time(),
                    on_date=local.date(),
                    priority=priority,
                )
            )
        log.warning(
            "announcement %s ordered by %s: %s x%d, priority %s",
            ident, ordered_by or "?", program_id, len(starts), priority.label,
        )
        self.timetable_changed()
        return Announcement(id=ident, program_id=program_id, priority=priority, starts=starts)

    def announcements(self) -> list[Announcement]:
        now = utc_now()
        current = self.player.current
        tag = current.tag if current is not None and not current.done else None
        on_air = tag.slot_id if isinstance(tag, _OnAirTag) else None
        found: dict[str, Announcement] = {}
        for slot in self.store.slots.list():
            if not slot.id.startswith("ann-") or slot.on_date is None:
                continue
            ident = slot.id.split("-")[1]
            start = datetime.combine(slot.on_date, slot.time, tzinfo=self.tz)
            if start <= now and slot.id != on_air:
                continue  # aired (or missed) already
            if ident not in found:
                found[ident] = Announcement(ident, slot.program_id, slot.priority)
            found[ident].starts.append(start)
        return [a for a in found.values() if a.starts]

    def cancel_announcement(self, announcement_id: str) -> bool:
        prefix = f"ann-{announcement_id}-"
        found = False
        with self._air_lock:
            now = utc_now()
            for slot in self.store.slots.list():
                if not slot.id.startswith(prefix):
                    continue
                found = True
                assert slot.on_date is not None
                if datetime.combine(slot.on_date, slot.time, tzinfo=self.tz) > now:
                    self.store.slots.delete(slot.id)
            current = self.player.current
            tag = current.tag if current is not None else None
            if isinstance(tag, _OnAirTag) and tag.slot_id.startswith(prefix):
                self.player.stop()
        self.timetable_changed()
        return found

    def preview_program(self, program_id: str) -> Path:
        return self.files.preview_program(program_id)

    def preview_script(self, script_id: int) -> Path:
        return self.files.preview_script(script_id)

    def health(self) -> Health:
        device: str | None = None
        device_error: str | None = None
        try:
            from broadcast.playout.sounddevice_sink import resolve_device

            device = resolve_device(self.settings.audio_device).name
        except PlayoutError as exc:
            device_error = exc.message
        try:
            check_connection(self.store.engine)
            database = True
        except BroadcastError:
            database = False
        engines: dict[str, bool] = {}
        for name, breaker in self.renderer.chain().breakers.items():
            engines[name] = breaker.state != "open"
        if "espeak" in engines:
            engines["espeak"] = engines["espeak"] and shutil.which("espeak-ng") is not None
        return Health(
            scheduler_running=self.jobs is not None and self.jobs.running,
            sound_device=device,
            sound_device_error=device_error,
            database=database,
            engines=engines,
        )


def _message(exc: BaseException) -> str:
    return exc.message if isinstance(exc, BroadcastError) else f"Lỗi nội bộ: {exc!r}"


def _down_error(outcome: Outcome) -> str | None:
    if outcome is Outcome.MISSED:
        return "Trạm phát không chạy khi đến giờ phát (quá thời gian cho phép phát trễ)."
    return None


def _busy_error() -> str:
    return "Đến giờ phát nhưng sóng bận quá thời gian cho phép phát trễ."
