"""The running station: a thin runner that carries out the planner's decisions on one clock.

Flow for one airing at instant T (jobs live in a ``Timer``, keyed by kind and airing):
- ``render`` at T - render_ahead (at once if sooner): render the program, so that air time
  finds it ready (a cache hit then);
- ``air`` at T - lead: render (a cache hit, or the last good render with a note saying why the
  planned content could not air), run the amplifier hook, open the output, wait while a
  program of equal or higher priority holds the air, apply the misfire rule, claim the airing in
  the as-run log and hand the file to the player, which starts it at the sample heard at T.
  The player's end report closes the log entry;
- ``skip`` at T for a skipped occurrence: log it ``skipped``.
What airs, which jobs must exist and what a restart recovers are pure functions in
``planner``; the timetable changes only through ``self.timetable`` (the timetable service),
which tells the station to plan again. Time comes from the injected clock only.
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any, TypeGuard
from zoneinfo import ZoneInfo

from broadcast.clock import Clock
from broadcast.errors import BroadcastError, PlayoutError, StoreError
from broadcast.playout.player import PlaybackReport, Player
from broadcast.playout.sink import HeardBefore
from broadcast.render import Renderer
from broadcast.scheduling.interruption import takes_the_air
from broadcast.scheduling.misfire import classify_start
from broadcast.scheduling.model import AiringKey, Outcome, Priority
from broadcast.scheduling.timer import Timer
from broadcast.settings import Settings
from broadcast.station.control import (
    AnnouncementView,
    ComponentHealth,
    Health,
    OnAir,
    TimetableEntry,
)
from broadcast.station.hooks import run_hook
from broadcast.station.live_desk import LiveDesk, as_run_ref
from broadcast.station.planner import Airing, Job, JobKind, down_window, jobs_for, recovery
from broadcast.station.program_files import ProgramFiles
from broadcast.station.relay_desk import RelayDesk
from broadcast.station.timetable_query import TimetableQuery
from broadcast.station.timetable_service import TimetableService
from broadcast.store.db import check_connection
from broadcast.store.lock import LockKeeper, acquire_or_raise
from broadcast.store.renders import RenderRecord
from broadcast.store.store import Store

log = logging.getLogger(__name__)

PLAN_INTERVAL_SECONDS = 30.0
# The air job runs this long before T: enough to open and warm the output stream.
PREPARE_LEAD_SECONDS = 3.0
ON_TIME = timedelta(seconds=1)
UPCOMING_REFRESH = timedelta(seconds=2)
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True)
class _OnAir:
    """Passed through the player so that its end report closes the right log entry."""

    entry_id: int
    airing: Airing
    program_title: str
    duration_seconds: float | None


class Station:
    """Implements :class:`broadcast.station.control.StationControl` on the real parts."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        player: Player,
        renderer: Renderer | None = None,
        *,
        clock: Clock | None = None,
        timer: Timer | None = None,
        example_timetable: Path | None = None,
        heard_before: Callable[[str], HeardBefore | None] | None = None,
    ) -> None:
        """``heard_before(ref)``: what the output recorded, in an earlier run, of the
        playback named ``ref`` (the audio engine's state file), to close after a crash the
        log entries left on air with the airtime really heard."""
        self.settings = settings
        self.store = store
        self.player = player
        self.clock: Clock = clock or store.clock
        self.tz = ZoneInfo(settings.timezone)
        self.renderer = renderer or Renderer(settings)
        self.files = ProgramFiles(settings, store, self.renderer)
        self.query = TimetableQuery(
            store, self.files, self.tz, grace=timedelta(seconds=settings.grace_seconds)
        )
        self.timetable = TimetableService(store, self.clock, self.tz)
        self.timetable.add_listener(self._timetable_changed)
        self.grace = timedelta(seconds=settings.grace_seconds)
        self.render_ahead = timedelta(seconds=settings.render_ahead_seconds)
        self.lead = timedelta(seconds=max(PREPARE_LEAD_SECONDS, settings.hook_lead_seconds))
        self.example_timetable = example_timetable
        self._heard_before = heard_before
        if timer is None:
            from broadcast.scheduling.apscheduler_adapter import APTimer

            timer = APTimer(self.tz)
        self.timer: Timer = timer
        self.relays = RelayDesk(
            settings, timer, find_program=store.programs.find, resolve=self._resolve,
            render=self.files.render, rate=lambda: player.sink.rate, now=self.clock.now,
        )
        self.live = LiveDesk(settings, store, player, self.clock)
        self.stream_out: Any = None  # the output published for the clusters (cli serve)
        self._started = False
        self._lock = store.station_lock()
        self._keeper: LockKeeper | None = None
        self._plan_lock = threading.Lock()
        self._air_lock = threading.Lock()
        # Renders ahead take turns: they compete for the CPU with each other, not with air.
        self._render_turn = threading.Lock()
        self._rendered: set[AiringKey] = set()  # rendered ahead since the last change
        self._upcoming: tuple[datetime, list[TimetableEntry]] | None = None
        self._upcoming_lock = threading.Lock()
        self.player.add_listener(self._on_playback_end)

    # --- life cycle -----------------------------------------------------------------------

    def startup(self) -> None:
        """Take the station lock, recover from the last run, start the timer."""
        now = self.clock.now()
        previous = self._lock.holder()
        acquire_or_raise(self._lock, now)
        self._keeper = LockKeeper(self._lock, on_lost=self._lock_lost, clock=self.clock)
        self._keeper.start()
        self._load_example_if_empty()
        crashed_at = previous.heartbeat_at if previous is not None else None
        self._close_unfinished(crashed_at, now)
        last_seen = self._last_seen(crashed_at)
        self.timer.start()
        self._started = True
        if last_seen is not None:
            self._recover(last_seen, now)
        self.timer.every(PLAN_INTERVAL_SECONDS, self.plan)
        self.plan()
        # Keep the line to the amplifier open and warm from the start, so that health tells
        # at once whether the output can be heard (and a lost device is noticed).
        threading.Thread(target=self._open_output, name="open-output", daemon=True).start()
        log.info("station started (timezone %s)", self.settings.timezone)

    def _open_output(self) -> None:
        try:
            self.player.prepare()
        except PlayoutError as exc:
            log.error("the sound output cannot be opened: %s", exc)

    def shutdown(self) -> None:
        self._started = False
        self.timer.shutdown()
        self.player.close()
        self.relays.close()
        if self._keeper is not None:
            self._keeper.stop(release=True)

    def _lock_lost(self) -> None:
        log.critical("the station lock was taken by another process: stopping the scheduler")
        self._started = False
        self.timer.shutdown()

    def _load_example_if_empty(self) -> None:
        if not (self.settings.load_example_timetable and self.example_timetable):
            return
        if self.store.programs.list() or self.store.slots.count():
            return
        # The example's script files become stored scripts: the web page shows and edits them.
        self.timetable.import_file(
            self.example_timetable, max_script_bytes=self.settings.script_max_bytes,
            store_scripts=True,
        )
        log.info("empty database: loaded the example timetable %s", self.example_timetable)

    def _last_seen(self, crashed_at: datetime | None) -> datetime | None:
        """Since when airings may have gone unhandled: the newest logged airing (every
        airing the station handles is logged), or the last heartbeat of a station that
        died, whichever is earlier; None on a station that never aired."""
        marks = [crashed_at] if crashed_at is not None else []
        newest = self.store.as_run.query(newest_first=True, limit=1)
        if newest:
            marks.append(newest[0].scheduled_start)
        return min(marks) if marks else None

    def _close_unfinished(self, last_seen: datetime | None, now: datetime) -> None:
        """Entries left on air by a station that died: what the output recorded of them
        (the audio engine's state file) when it can tell, else the last sign of life."""
        restarted = (
            "Trạm phát dừng đột ngột trong khi phát; đã khởi động lại lúc "
            f"{now.astimezone(self.tz):%H:%M:%S %d/%m/%Y}."
        )
        for entry in self.store.as_run.unfinished():
            heard = self._heard_before(as_run_ref(entry.id)) if self._heard_before else None
            if heard is not None:
                completed = heard.reason == "completed"
                self.store.as_run.finish(
                    entry.id,
                    outcome=Outcome.AIRED if completed else Outcome.INTERRUPTED,
                    actual_start=heard.started,
                    end=heard.heard_until,
                    lateness=heard.started - entry.scheduled_start,
                    error=None if completed else restarted,
                )
                continue
            started = entry.actual_start or entry.scheduled_start
            end = max(last_seen or started, started)
            self.store.as_run.finish(
                entry.id,
                outcome=Outcome.INTERRUPTED,
                actual_start=started,
                end=end,
                error=restarted,
            )

    def _recover(self, last_seen: datetime, now: datetime) -> None:
        start, end = down_window(last_seen, now)
        due = self.query.airings(start, end)
        logged = self.store.as_run.logged_keys(start, end)
        for airing, outcome in recovery(due, logged, now, self.grace):
            if outcome in (Outcome.AIRED, Outcome.LATE):
                job = Job(JobKind.AIR, airing, now)
                self.timer.at(job.key, now, partial(self._run_job, job))
            else:
                self._log_unplayed(airing, outcome, _down_error(outcome))

    # --- planning ---------------------------------------------------------------------------

    def _timetable_changed(self) -> None:
        self._upcoming = None
        self._rendered.clear()  # what airs may have new content: render it ahead again
        self.plan()

    def plan(self) -> None:
        """Make sure every airing in the planning horizon has its jobs, and no job is left
        for an airing that no longer exists."""
        if not self._started or not self.timer.running:
            return
        with self._plan_lock:
            now = self.clock.now()
            horizon = now + self.render_ahead + timedelta(seconds=2 * PLAN_INTERVAL_SECONDS)
            upcoming = self.query.airings(now, horizon)
            logged = self.store.as_run.logged_keys(now, horizon)
            wanted: set[tuple[JobKind, AiringKey]] = set()
            for job in jobs_for(
                upcoming, logged, now, render_ahead=self.render_ahead, lead=self.lead
            ):
                wanted.add(job.key)
                if job.kind is JobKind.RENDER and job.airing.key in self._rendered:
                    continue
                self.timer.at(job.key, job.at, partial(self._run_job, job))
            self.relays.plan(upcoming, now)
            for key in self.timer.pending():
                # Jobs of airings already due stay: they apply the misfire rule.
                if _is_job_key(key) and key not in wanted and key[1].start > now:
                    self.timer.cancel(key)

    # --- jobs ---------------------------------------------------------------------------------

    def _run_job(self, job: Job) -> None:
        try:
            if job.kind is JobKind.RENDER:
                self._rendered.add(job.airing.key)
                self._render_ahead(job.airing)
            elif job.kind is JobKind.AIR:
                self._air(job.airing.key)
            elif job.kind is JobKind.SKIP:
                self._log_unplayed(job.airing, Outcome.SKIPPED, None)
        except Exception:  # a crash in one broadcast must not stop the next one
            log.exception("%s job for %s crashed", job.kind, job.airing.key)
            if job.kind is JobKind.AIR:
                self._log_unplayed(job.airing, Outcome.FAILED, "Lỗi nội bộ khi phát.")

    def _day(self, airing: Airing) -> date:
        """The local date an airing airs on (a bulletin of the day is that day's)."""
        return airing.start.astimezone(self.tz).date()

    def _render_ahead(self, airing: Airing) -> None:
        try:
            with self._render_turn:
                self.files.render(airing.program_id, self._day(airing))
        except BroadcastError as exc:
            log.warning("render ahead of %s failed: %s", airing.program_id, exc)

    def _resolve(self, key: AiringKey) -> Airing | None:
        """The airing as the timetable has it now (None if it no longer airs at that
        instant: deleted, paused, moved, cancelled)."""
        window = self.query.airings(key.start, key.start + _TICK)
        return next((a for a in window if a.key == key), None)

    def _file_to_air(self, airing: Airing) -> tuple[RenderRecord, str | None]:
        """The render of the program's current content, or else the last good render with
        a note saying why (for the log, and the operator). A bulletin of another day (or an
        older approved revision of the day's) is noted too."""
        day = self._day(airing)
        try:
            record = self.files.render(airing.program_id, day)
            notes = self.files.substitutions(airing.program_id, day)
            return record, " ".join(notes) or None
        except BroadcastError as exc:
            fallback = self.store.renders.last_good(airing.program_id)
            if fallback is None or fallback.wav_path is None or not fallback.wav_path.is_file():
                raise
            made = fallback.created_at.astimezone(self.tz)
            revisions = ", ".join(
                f"tin bài số {script_id} bản {revision}"
                for script_id, revision in sorted(fallback.script_revisions.items())
            )
            note = (
                f"Không phát được nội dung mới ({exc.message}); đã phát bản dựng lúc "
                f"{made:%H:%M %d/%m/%Y}" + (f" ({revisions})." if revisions else ".")
            )
            log.warning("airing the last good render of %s: %s", airing.program_id, note)
            return fallback, note

    def _air(self, key: AiringKey) -> None:
        if self.store.as_run.find(key) is not None:
            return  # already handled (e.g. by the recovery after a restart)
        airing = self._resolve(key)
        if airing is None:
            return
        if airing.skipped:
            self._log_unplayed(airing, Outcome.SKIPPED, None)
            return
        try:
            record, note = self._file_to_air(airing)
        except BroadcastError as exc:
            self._log_unplayed(airing, Outcome.FAILED, exc.message)
            return
        assert record.wav_path is not None
        env = {
            "LOA_SLOT": key.slot_id or "",
            "LOA_ANNOUNCEMENT": "" if key.announcement_id is None else str(key.announcement_id),
            "LOA_PROGRAM": airing.program_id,
            "LOA_START": airing.start.isoformat(),
        }
        run_hook(self.settings.hook_before, env, timeout=self.lead.total_seconds())
        try:
            self.player.prepare()
        except PlayoutError as exc:
            self._log_unplayed(airing, Outcome.FAILED, exc.message, record.engines)
            return
        self._wait_for_air(airing)
        decision = classify_start(airing.start, self.clock.now(), self.grace)
        if not decision.play:
            self._log_unplayed(airing, Outcome.MISSED, _busy_error(), record.engines)
            return
        when = airing.start if decision.outcome is Outcome.AIRED else None
        # Claim and arm under the lock a cancellation takes too: a change made while this
        # job was preparing is seen here, or the cancellation sees the armed playback.
        with self._air_lock:
            current = self._resolve(key)
            if current is None:
                return
            if current.skipped:
                self._log_unplayed(current, Outcome.SKIPPED, None)
                return
            program = self.store.programs.find(current.program_id)
            try:
                entry = self.store.as_run.append(
                    slot_id=key.slot_id,
                    announcement_id=key.announcement_id,
                    program_id=current.program_id,
                    priority=current.priority,
                    scheduled_start=current.start,
                    engines=record.engines,
                    render_id=record.id,
                    note=note,
                )
            except StoreError as exc:
                if exc.code == "duplicate_entry":
                    return  # another job claimed this airing first
                raise
            tag = _OnAir(
                entry.id, current, program.title if program else current.program_id,
                record.duration_seconds,
            )
            try:
                self.player.play(
                    record.wav_path, when, current.priority, tag=tag, ref=as_run_ref(entry.id),
                    source=self.relays.source_for(current, record.wav_path),
                )
            except PlayoutError as exc:  # the air was taken in the meantime
                self.store.as_run.finish(
                    entry.id, outcome=Outcome.MISSED, end=self.clock.now(), error=exc.message
                )
                return
            except Exception:  # e.g. a relay that cannot start: the entry must not stay open
                self.store.as_run.finish(
                    entry.id, outcome=Outcome.FAILED, end=self.clock.now(),
                    error="Lỗi nội bộ khi phát.",
                )
                raise
        if current.max_duration is not None:
            cut_at = (when or self.clock.now()) + current.max_duration
            self.timer.at(("cut", entry.id), cut_at, partial(self._cut, entry.id))

    def _wait_for_air(self, airing: Airing) -> None:
        """While an equal or higher priority program is on air, wait (up to the grace)."""
        deadline = airing.start + self.grace
        while self.clock.now() < deadline:
            current = self.player.current
            if current is None or current.done or takes_the_air(airing.priority, current.priority):
                return
            self.clock.wait_until(deadline, current.ended)

    def _cut(self, entry_id: int) -> None:
        current = self.player.current
        tag = current.tag if current is not None else None
        if current is not None and isinstance(tag, _OnAir) and tag.entry_id == entry_id:
            log.info("maximum duration reached: fading out entry %d", entry_id)
            current.stop()

    def _on_playback_end(self, report: PlaybackReport) -> None:
        tag = report.tag
        if not isinstance(tag, _OnAir):
            return
        self._upcoming = None
        self.timer.cancel(("cut", tag.entry_id))
        if report.actual_start is None and report.interrupted_by is not None:
            self._requeue(tag)
            return
        outcome, lateness, error = report.outcome, None, None
        if report.actual_start is not None:
            lateness = report.actual_start - tag.airing.start
            if outcome is Outcome.AIRED and lateness > ON_TIME:
                outcome = Outcome.LATE
        elif outcome is Outcome.INTERRUPTED:  # stopped before a sample was heard
            outcome, error = Outcome.SKIPPED, "Đã dừng trước giờ phát."
        details, note = self.relays.finished(tag.airing.key, report.actual_start, report.end)
        try:
            self.store.as_run.finish(
                tag.entry_id,
                outcome=outcome,
                end=report.end or self.clock.now(),
                actual_start=report.actual_start,
                lateness=lateness,
                error=report.error.message if report.error is not None else error,
                details=details,
                note=note,
            )
        except BroadcastError:
            log.exception("could not close as-run entry %d", tag.entry_id)
        env = {
            "LOA_SLOT": tag.airing.key.slot_id or "",
            "LOA_PROGRAM": tag.airing.program_id,
            "LOA_OUTCOME": outcome,
        }
        threading.Thread(
            target=run_hook, args=(self.settings.hook_after, env), daemon=True
        ).start()

    def _requeue(self, tag: _OnAir) -> None:
        """A higher priority took the air before this airing was heard: it waits for the air
        again, like any airing that finds it busy (then plays late, or is missed)."""
        self.store.as_run.release(tag.entry_id)
        job = Job(JobKind.AIR, tag.airing, self.clock.now())
        self.timer.at(job.key, job.at, partial(self._run_job, job))

    def _log_unplayed(
        self,
        airing: Airing,
        outcome: Outcome,
        error: str | None,
        engines: tuple[str, ...] = (),
    ) -> None:
        if self.store.as_run.find(airing.key) is not None:
            return
        try:
            self.store.as_run.append(
                slot_id=airing.key.slot_id, announcement_id=airing.key.announcement_id,
                program_id=airing.program_id, priority=airing.priority,
                scheduled_start=airing.start, end=None, outcome=outcome, error=error,
                engines=engines,
            )
        except StoreError as exc:
            if exc.code != "duplicate_entry":
                raise
        if outcome in (Outcome.MISSED, Outcome.FAILED):
            log.error("%s: %s (%s)", airing.key, outcome.value, error)

    # --- what the API asks --------------------------------------------------------------------

    def timetable_entries(self, start: datetime, end: datetime) -> list[TimetableEntry]:
        return self.query.timetable(start, end, now=self.clock.now())

    def on_air(self) -> OnAir | None:
        current = self.player.current
        if current is None or current.done or not isinstance(current.tag, _OnAir):
            return None
        tag = current.tag
        handle = current.handle
        actual = handle.actual_start if handle is not None else None
        if actual is None:
            return None  # armed, not yet heard
        return OnAir(
            slot_id=tag.airing.key.slot_id,
            announcement_id=tag.airing.key.announcement_id,
            program_id=tag.airing.program_id,
            program_title=tag.program_title,
            priority=tag.airing.priority,
            scheduled_start=tag.airing.start,
            actual_start=actual,
            duration_seconds=tag.duration_seconds,
        )

    def upcoming(self, limit: int = 5) -> list[TimetableEntry]:
        """The next airings. "Now playing" pages poll this often, so the week ahead is
        computed at most once per ``UPCOMING_REFRESH`` (and after every change), not per
        request."""
        now = self.clock.now()
        with self._upcoming_lock:
            if self._upcoming is None or now - self._upcoming[0] > UPCOMING_REFRESH:
                entries = self.query.timetable(now, now + timedelta(days=7), now=now)
                waiting = [e for e in entries if e.status in ("planned", "rendered")]
                self._upcoming = (now, waiting)
            waiting = self._upcoming[1]
        return [e for e in waiting if e.start >= now][:limit]

    def stop(self) -> bool:
        """Stop what is on air (fading out); the log says ``interrupted``, stopped by the
        operator."""
        current = self.player.current
        if current is None or current.done:
            return False
        self._mark_stopped(current.tag, "Người vận hành đã dừng phát.")
        self.player.stop()
        return True

    def _mark_stopped(self, tag: object, note: str) -> None:
        if isinstance(tag, _OnAir):
            try:
                self.store.as_run.annotate(
                    tag.entry_id, note=note, details={"stopped_by_operator": True}
                )
            except BroadcastError:
                log.exception("could not note the stop of entry %d", tag.entry_id)

    def announce(
        self,
        program_id: str,
        priority: Priority,
        *,
        repeat: int = 1,
        every_minutes: float = 0.0,
        ordered_by: str = "",
        clusters: frozenset[str] | None = None,
    ) -> AnnouncementView:
        """Airs at once (after a render), repeated; each airing is planned, logged and
        reported like any other. ``clusters``: where (None: everywhere)."""
        record = self.files.render(program_id)  # errors reach the caller before any plan
        duration = (
            None if record.duration_seconds is None
            else timedelta(seconds=record.duration_seconds)
        )
        announcement = self.timetable.add_announcement(
            program_id, priority, repeat=repeat, every=timedelta(minutes=every_minutes),
            ordered_by=ordered_by, duration=duration, clusters=clusters,
        )
        return AnnouncementView(
            announcement.id, program_id, priority, announcement.starts()
        )

    def announcements(self) -> list[AnnouncementView]:
        now = self.clock.now()
        current = self.player.current
        tag = current.tag if current is not None and not current.done else None
        on_air = tag.airing.key if isinstance(tag, _OnAir) else None
        out = []
        for announcement in self.store.announcements.list(airing_since=now - timedelta(days=1)):
            starts = [
                s for s in announcement.starts()
                if s > now or AiringKey.of_announcement(announcement.id, s) == on_air
            ]
            if starts:
                out.append(AnnouncementView(
                    announcement.id, announcement.program_id, announcement.priority, starts
                ))
        return out

    def cancel_announcement(self, announcement_id: int) -> bool:
        with self._air_lock:
            before = self.store.announcements.get(announcement_id)
            now = self.clock.now()
            pending = [s for s in before.starts() if s > now]
            self.timetable.cancel_announcement(announcement_id)
            current = self.player.current
            tag = current.tag if current is not None and not current.done else None
            playing = isinstance(tag, _OnAir) and tag.airing.key.announcement_id == announcement_id
            if playing:
                self._mark_stopped(tag, "Thông báo đã được huỷ trong khi phát.")
                self.player.stop()
        return bool(pending) or playing

    def preview_program(self, program_id: str) -> Path:
        return self.files.preview_program(program_id)

    def preview_script(self, script_id: int) -> Path:
        return self.files.preview_script(script_id)

    def render_audio(self, render_id: int) -> Path:
        return self.files.render_audio(render_id)

    def health(self) -> Health:
        """What each part reports of itself; ``degraded`` when any part cannot do its job."""
        scheduler = self._started and self.timer.running
        sink = self.player.sink.health()
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
        disk = _disk_health(self.settings.data_dir, self.settings.disk_min_free_mb)
        components = [
            ComponentHealth("scheduler", scheduler, "" if scheduler else "Bộ lập lịch không chạy."),
            ComponentHealth("sound", sink.ok, sink.error or (sink.device or "")),
            ComponentHealth(
                "speech", any(engines.values()),
                "" if any(engines.values()) else "Không còn giọng đọc nào dùng được.",
            ),
            ComponentHealth("store", database, "" if database else "Không kết nối được CSDL."),
            disk,
        ]
        return Health(
            scheduler_running=scheduler,
            sound_device=sink.device if sink.ok else None,
            sound_device_error=None if sink.ok else sink.error,
            database=database,
            engines=engines,
            components=components,
        )


def _is_job_key(key: object) -> TypeGuard[tuple[JobKind, AiringKey]]:
    return (
        isinstance(key, tuple) and len(key) == 2 and isinstance(key[0], JobKind)
        and isinstance(key[1], AiringKey)
    )


def _disk_health(folder: Path, min_free_mb: int) -> ComponentHealth:
    try:
        usage = shutil.disk_usage(folder)
    except OSError as exc:
        return ComponentHealth("disk", False, f"Không đọc được ổ đĩa dữ liệu: {exc.strerror}")
    free_mb = usage.free / 2**20
    if free_mb < min_free_mb:
        return ComponentHealth(
            "disk", False,
            f"Ổ đĩa dữ liệu sắp đầy: còn {free_mb:.0f} MB (cần ít nhất {min_free_mb} MB).",
        )
    return ComponentHealth("disk", True, f"Còn trống {free_mb / 1024:.1f} GB.")


def _down_error(outcome: Outcome) -> str | None:
    if outcome is Outcome.MISSED:
        return "Trạm phát không chạy khi đến giờ phát (quá thời gian cho phép phát trễ)."
    return None


def _busy_error() -> str:
    return "Đến giờ phát nhưng sóng bận quá thời gian cho phép phát trễ."
