"""``broadcast agent``: a village's speaker cluster, airing the station's timetable in step.

The agent holds its plan (the station's retained ``plan`` message, kept in its own SQLite
store) and the audio of every airing in it (fetched from the station by sha256, verified,
cached), so that it airs from what it already has: a network cut silences nothing that was
planned, and an agent restarted during a cut airs from its store. Each airing is handed to
the audio engine (its own ``python -m broadcast.engine`` process, as at the station) at
``start - LEAD``, to be heard from the sample whose output time is the airing's instant: the
instant is on the station's clock, turned into the agent's by the measured offset
(``clocksync``). Finished airings go to the as-run outbox, sent when the link is up and
deleted only once the station acknowledges them. A heartbeat (retained ``status``; the last
will says "offline") reports the plan version held, what audio is missing or refused, the
sound device, the disk, the clock offset and the last airing.

Relays and live speech: an item of ``kind: "stream"`` is the station's published output,
played ``delay_seconds`` behind the station so that every cluster is heard in step
(:mod:`broadcast.cluster.stream_airing`: the relay's feeder process in its aligned mode feeds
the engine's ``stream`` voice). A stream that fails or stalls is covered by the relay's
fallback audio (held like any item's audio) and rejoined when it returns; the as-run entry
says what was heard (``details``: the gaps, ``note``). A live broadcast comes as a command
and ends with a ``stop`` at the point of the stream where it ended at the station; one whose
stream is lost for ``LIVE_LOST_SECONDS`` is ended here (nothing says how long it lasts).
"""

from __future__ import annotations

import heapq
import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.clock import SystemClock, from_epoch
from broadcast.cluster import clocksync
from broadcast.cluster import protocol as p
from broadcast.cluster.agent_store import AgentStore
from broadcast.cluster.mqtt_bus import Bus, parse_mqtt_url
from broadcast.cluster.station_link import StationLink
from broadcast.cluster.stream_airing import StreamAiring, stream_window
from broadcast.errors import ClusterError, PlayoutError
from broadcast.playout.player import PlaybackReport, Player
from broadcast.playout.sink import Sink
from broadcast.scheduling.interruption import takes_the_air
from broadcast.scheduling.misfire import classify_start
from broadcast.scheduling.model import Outcome, Priority
from broadcast.scheduling.timer import ClockTimer
from broadcast.settings import Settings

log = logging.getLogger(__name__)

LEAD = timedelta(seconds=3)  # hand an airing to the engine this long before its instant
ON_TIME = timedelta(seconds=1)
CLOCK_INTERVAL = 60.0  # seconds between clock measurements
CLOCK_SAMPLES = 8  # exchanges per measurement; up to CLOCK_SAMPLES_MAX while none is quick
CLOCK_SAMPLES_MAX = 40
CLOCK_KEEP_SECONDS = 900.0  # a quick measurement stays this long against slower ones
RESEND_SECONDS = 15.0  # re-send unacknowledged as-run entries this often
DOWNLOAD_RETRY_SECONDS = 5.0
LOOP_RESTART_SECONDS = 5.0  # after an unexpected error in one of the agent's loops
BAD_RETRY_SECONDS = 120.0  # a refused file is fetched again this long after
STREAM_AHEAD = timedelta(seconds=10)  # a stream item connects this long before it is heard
STREAM_END_FADE = 0.05  # a stream item ended by the station: the station's own fade is in it
LIVE_LOST_SECONDS = 30.0


@dataclass(frozen=True)
class _OnAir:
    item: p.Item
    stream: StreamAiring | None = None


class Agent:
    def __init__(
        self,
        settings: Settings,
        *,
        cluster_id: str,
        station_url: str,
        token: str,
        sink: Sink,
        mqtt_url: str | None = None,
    ) -> None:
        self.settings = settings
        self.cluster_id = cluster_id
        self.data_dir = Path(settings.data_dir)
        self.store = AgentStore(self.data_dir / "agent.db")
        self.audio_dir = self.data_dir / "cluster_audio"
        saved = self.store.clock_offset()
        self.clock = clocksync.StationClock(saved[0] if saved else 0.0)
        self.clock_measured: clocksync.Exchange | None = None
        self.clock_measured_at: float | None = saved[1] if saved else None
        self.link = StationLink(station_url, token)
        self.sink = sink
        self.player = Player(sink, clock=SystemClock())
        self.player.add_listener(self._on_playback_end)
        self.timer = ClockTimer(self.clock, workers=4, name="agent")
        self.grace = timedelta(seconds=settings.grace_seconds)
        self.tz = ZoneInfo(settings.timezone)
        self.heartbeat = settings.cluster_heartbeat_seconds
        url = mqtt_url or settings.mqtt_url
        if not url:
            raise ClusterError(
                "Cần địa chỉ máy chủ MQTT (BROADCAST_MQTT_URL) để nhận lịch phát.",
                code="bad_mqtt_url",
            )
        self.bus = Bus(
            parse_mqtt_url(url), client_id=f"loa-agent-{cluster_id}", username=cluster_id,
            password=token, clean_session=False,
            will=(p.cluster_topic(cluster_id, "status"),
                  p.encode("status", cluster=cluster_id, online=False)),
            on_connection=self._connection_changed,
        )
        self.refused: ClusterError | None = None  # the station refused our token
        self.stopped = threading.Event()
        self._lock = threading.RLock()
        self._plan: p.Plan | None = None
        self._items: dict[str, p.Item] = {}
        self._scheduled: set[str] = set()
        self._audio_ready: dict[str, threading.Event] = {}
        self._downloads: list[tuple[float, str, int]] = []  # (start, sha256, size) heap
        self._queued: set[str] = set()
        self._download_wake = threading.Event()
        self._status_wake = threading.Event()
        self._flush_wake = threading.Event()
        self._bad_at: dict[str, float] = {}
        self._last_aired: dict[str, Any] | None = None
        self._threads: list[threading.Thread] = []
        self._streams: dict[str, StreamAiring] = {}  # stream items armed or on air
        self._stream_seq = 0

    # --- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Measure the clock (``cluster_token_refused`` if the station refuses the token;
        an unreachable station is fine: the agent airs from what it holds), then air."""
        try:
            self.measure_clock()
        except ClusterError as exc:
            if exc.code == "cluster_token_refused":
                raise
            log.warning("%s; airing from the plan held", exc.message)
        self._close_unfinished()
        plan = self.store.plan()
        with self._lock:
            self._plan = plan
        self.timer.start()
        self._apply()
        threading.Thread(target=self._prepare_output, name="open-output", daemon=True).start()
        self.bus.subscribe(p.cluster_topic(self.cluster_id, "plan"), self._on_plan)
        self.bus.subscribe(p.cluster_topic(self.cluster_id, "command"), self._on_command)
        self.bus.subscribe(p.cluster_topic(self.cluster_id, "ack"), self._on_ack)
        self.bus.subscribe(p.station_status_topic(), self._on_station)
        self.bus.start()
        for target, name in (
            (self._download_loop, "agent-downloads"),
            (self._clock_loop, "agent-clock"),
            (self._status_loop, "agent-status"),
            (self._flush_loop, "agent-outbox"),
        ):
            thread = threading.Thread(target=self._supervised(target, name), name=name,
                                      daemon=True)
            thread.start()
            self._threads.append(thread)
        log.info("agent of cluster %s started (clock offset %+.1f ms)", self.cluster_id,
                 self.clock.offset * 1000)

    def _supervised(self, loop: Callable[[], None], name: str) -> Callable[[], None]:
        """``loop`` run until the agent stops: an unexpected error (a SQLite error, a bug) is
        logged and the loop starts again, instead of its thread dying while the agent runs."""

        def run() -> None:
            while not self.stopped.is_set():
                try:
                    loop()
                    return  # it ended by itself: the agent stops (or its token was refused)
                except Exception:
                    log.exception("%s failed; starting it again in %g s", name,
                                  LOOP_RESTART_SECONDS)
                    self.stopped.wait(LOOP_RESTART_SECONDS)

        return run

    def stop(self) -> None:
        self.stopped.set()
        for event in (self._download_wake, self._status_wake, self._flush_wake):
            event.set()
        self.timer.shutdown()
        self.bus.stop(
            (p.cluster_topic(self.cluster_id, "status"),
             p.encode("status", cluster=self.cluster_id, online=False,
                      at=self.clock.now().timestamp()))
        )
        self.player.close()
        with self._lock:
            streams = list(self._streams.values())
        for airing in streams:
            airing.stop()
        self.link.close()
        for thread in self._threads:
            thread.join(timeout=3)
        self.store.close()

    def _prepare_output(self) -> None:
        try:
            self.player.prepare()
        except PlayoutError as exc:
            log.error("the sound output cannot be opened: %s", exc)
        self._status_wake.set()

    def _close_unfinished(self) -> None:
        """Airings a previous run armed and never closed (it died): logged interrupted."""
        for ident, _start, actual in self.store.unfinished():
            item = self._find_item(ident)
            if item is None:
                self.store.done(ident)
                continue
            started = None if actual is None else from_epoch(actual)
            self.store.queue_report(
                item, Outcome.INTERRUPTED.value if started else Outcome.FAILED.value,
                actual_start=started, end=started,
                error="Tác tử cụm loa dừng đột ngột trong khi phát.",
            )
            self.store.done(ident)

    def _find_item(self, ident: str) -> p.Item | None:
        plan = self.store.plan()
        items = list(plan.items) if plan is not None else []
        items += self.store.commands(0.0)
        return next((i for i in items if i.ident == ident), None)

    # --- the clock --------------------------------------------------------------------------

    def measure_clock(self) -> clocksync.Exchange | None:
        chosen = clocksync.measure(self.link.exchange, at_least=CLOCK_SAMPLES,
                                   at_most=CLOCK_SAMPLES_MAX)
        if chosen is None:
            return None
        age = time.time() - (self.clock_measured_at or 0.0)
        kept = self.clock_measured
        if clocksync.keeps(kept, age, chosen, max_age=CLOCK_KEEP_SECONDS):
            assert kept is not None
            log.info("clock: kept the offset measured %.0f s ago (delay %.1f ms) over a slower "
                     "one (delay %.1f ms)", age, kept.delay * 1000, chosen.delay * 1000)
            return kept
        self.clock.set_offset(chosen.offset)
        log.info("clock: %+.1f ms from the station's (round trip %.1f ms)", chosen.offset * 1000,
                 chosen.delay * 1000)
        self.clock_measured = chosen
        self.clock_measured_at = time.time()
        self.store.save_clock_offset(chosen.offset, self.clock_measured_at)
        return chosen

    def _clock_loop(self) -> None:
        while not self.stopped.wait(CLOCK_INTERVAL):
            try:
                self.measure_clock()
            except ClusterError as exc:
                if exc.code == "cluster_token_refused":
                    log.critical("%s", exc.message)
                    self.refused = exc
                    self.stopped.set()
                    return
                log.info("clock not measured: %s", exc.message)

    # --- plan and commands ----------------------------------------------------------------

    def _on_plan(self, topic: str, payload: bytes) -> None:
        if not payload:
            return
        try:
            plan = p.Plan.from_message(p.decode(payload, "plan"))
        except ClusterError as exc:
            log.error("plan refused: %s", exc)
            return
        if plan.cluster != self.cluster_id:
            return
        self.store.save_plan(payload)
        with self._lock:
            self._plan = plan
            self._bad_at.clear()  # a new plan: try refused files again
        log.info("plan %s received: %d airings", plan.version, len(plan.items))
        self._apply()

    def _on_command(self, topic: str, payload: bytes) -> None:
        try:
            message = p.decode(payload, "announce", "stop")
        except ClusterError as exc:
            log.error("command refused: %s", exc)
            return
        if message["type"] == "announce":
            try:
                item = p.Item.from_json(message["item"])
            except (ClusterError, KeyError) as exc:
                log.error("announcement refused: %s", exc)
                return
            what = f"live broadcast {item.live}" if item.live is not None else (
                f"announcement {item.announcement}")
            log.warning("%s to air at %s", what, item.start)
            self.store.add_command(item)
            self._apply()
        elif message.get("live") is not None or message.get("slot") is not None:
            self._stop_stream(message)
        else:
            announcement = int(message.get("announcement") or 0)
            self.store.drop_commands(announcement)
            self._apply()
            current = self.player.current
            tag = current.tag if current is not None else None
            if isinstance(tag, _OnAir) and tag.item.announcement == announcement:
                self.player.stop()

    def _apply(self) -> None:
        """Make the jobs and downloads match the plan and commands held."""
        now = self.clock.now()
        with self._lock:
            items = {}
            if self._plan is not None:
                items.update({i.ident: i for i in self._plan.items})
            for item in self.store.commands((now - self.grace).timestamp()):
                items[item.ident] = item
            self._items = items
            gone = self._scheduled - set(items)
        for ident in gone:
            self.timer.cancel(("air", ident))
            with self._lock:
                self._scheduled.discard(ident)
        current = self.player.current
        tag = current.tag if current is not None and not current.done else None
        if isinstance(tag, _OnAir) and tag.item.ident not in items:
            handle = current.handle if current is not None else None
            if handle is not None and handle.actual_start is None:
                self.player.stop(0.0)  # armed for an airing that no longer exists
        for ident, item in sorted(items.items(), key=lambda kv: kv[1].start):
            if item.start + self.grace < now or self.store.handled(ident):
                continue
            if item.audio is not None:
                self._want(item.audio, item.start.timestamp())
            arm = item.start - LEAD
            if item.kind == "stream":
                arm = item.start + timedelta(seconds=item.delay) - STREAM_AHEAD
            if self.timer.at(("air", ident), arm, partial(self._air, ident)):
                with self._lock:
                    self._scheduled.add(ident)
        self._status_wake.set()

    # --- audio ------------------------------------------------------------------------------

    def audio_path(self, sha256: str) -> Path:
        return self.audio_dir / f"{sha256}.wav"

    def _held(self, sha256: str) -> bool:
        state = self.store.audio_states().get(sha256)
        return state is not None and state.ok and self.audio_path(sha256).is_file()

    def _want(self, audio: p.AudioRef, start: float) -> None:
        if self._held(audio.sha256):
            return
        with self._lock:
            bad_at = self._bad_at.get(audio.sha256)
            if bad_at is not None and time.time() - bad_at < BAD_RETRY_SECONDS:
                return
            if audio.sha256 in self._queued:
                return
            self._queued.add(audio.sha256)
            self._audio_ready.setdefault(audio.sha256, threading.Event())
            heapq.heappush(self._downloads, (start, audio.sha256, audio.size))
        self._download_wake.set()

    def _download_loop(self) -> None:
        while not self.stopped.is_set():
            with self._lock:
                job = heapq.heappop(self._downloads) if self._downloads else None
            if job is None:
                self._download_wake.wait(1.0)
                self._download_wake.clear()
                continue
            start, sha, size = job
            try:
                self.link.download(sha, size, self.audio_path(sha))
            except ClusterError as exc:
                if exc.code == "audio_hash_mismatch":
                    log.error("%s", exc.message)
                    self.store.set_audio(sha, False, exc.message, time.time())
                    with self._lock:
                        self._bad_at[sha] = time.time()
                        self._queued.discard(sha)
                        ready = self._audio_ready.get(sha)
                    if ready is not None:
                        ready.set()  # whoever waits for it learns it is refused
                    self._status_wake.set()
                    continue
                if exc.code == "cluster_token_refused":
                    self.refused = exc
                    self.stopped.set()
                    return
                log.info("download of %s deferred: %s", sha[:12], exc.message)
                with self._lock:
                    heapq.heappush(self._downloads, (start, sha, size))
                self.stopped.wait(DOWNLOAD_RETRY_SECONDS)
                continue
            except Exception:  # a full disk, a proxy's odd answer: try again, never give up
                log.exception("download of %s failed; trying again", sha[:12])
                with self._lock:
                    heapq.heappush(self._downloads, (start, sha, size))
                self.stopped.wait(DOWNLOAD_RETRY_SECONDS)
                continue
            self.store.set_audio(sha, True, None, time.time())
            with self._lock:
                self._queued.discard(sha)
                self._bad_at.pop(sha, None)
                ready = self._audio_ready.get(sha)
            if ready is not None:
                ready.set()
            self._status_wake.set()

    def _audio_for(
        self, item: p.Item, deadline: datetime | None = None
    ) -> tuple[Path | None, str | None]:
        """The verified file of an item, waiting for its download up to ``deadline``
        (default: the grace); or why there is none."""
        if item.audio is None:
            return None, item.error or "Đài không gửi âm thanh cho buổi phát này."
        sha = item.audio.sha256
        deadline = deadline or item.start + self.grace
        while True:
            if self._held(sha):
                return self.audio_path(sha), None
            state = self.store.audio_states().get(sha)
            if state is not None and not state.ok:
                return None, state.error
            if self.clock.now() >= deadline or self.stopped.is_set():
                return None, "Chưa tải được âm thanh từ đài trước giờ phát."
            self._want(item.audio, item.start.timestamp())
            with self._lock:
                ready = self._audio_ready.setdefault(sha, threading.Event())
            ready.wait(0.2)

    # --- airing -----------------------------------------------------------------------------

    def _air(self, ident: str) -> None:
        with self._lock:
            self._scheduled.discard(ident)
            item = self._items.get(ident)
        if item is None or self.store.handled(ident):
            return
        if item.kind == "stream":
            self._air_stream(item)
            return
        path, why = self._audio_for(item)
        with self._lock:
            if self._items.get(ident) != item:
                return  # changed or cancelled while waiting for its audio
        if path is None:
            if self.store.claim(ident, item.start.timestamp()):
                self._report(item, Outcome.FAILED, error=why)
            return
        priority = Priority.parse(item.priority)
        self._wait_for_air(item, priority)
        decision = classify_start(item.start, self.clock.now(), self.grace)
        if not self.store.claim(ident, item.start.timestamp()):
            return
        if not decision.play:
            self._report(item, Outcome.MISSED,
                         error="Đến giờ phát nhưng cụm loa bận quá thời gian cho phép phát trễ.")
            return
        when = self.clock.to_local(item.start) if decision.outcome is Outcome.AIRED else None
        try:
            self.player.play(path, when, priority, tag=_OnAir(item), ref=ident)
        except PlayoutError as exc:
            self._report(item, Outcome.MISSED, error=exc.message)
            return
        if item.max_duration:
            cut_at = max(item.start, self.clock.now()) + timedelta(seconds=item.max_duration)
            self.timer.at(("cut", ident), cut_at, partial(self._cut, ident))

    def _air_stream(self, item: p.Item) -> None:
        """Play the station's published stream ``delay`` behind the station, from
        ``start + delay`` (or from now, joining late) for ``max_duration``; its fallback
        audio covers what the stream cannot."""
        ident = item.ident
        if item.stream is None:
            if self.store.claim(ident, item.start.timestamp()):
                self._report(item, Outcome.FAILED, error=item.error or (
                    "Đài không phát luồng cho các cụm loa (BROADCAST_ICECAST_URL)."))
            return
        heard_from = item.start + timedelta(seconds=item.delay)
        fallback = None
        if item.audio is not None:
            fallback, why = self._audio_for(item, heard_from - timedelta(seconds=1))
            if fallback is None:
                log.warning("%s: no fallback audio (%s): an outage is silence", ident, why)
        with self._lock:
            if self._items.get(ident) != item:
                return  # changed or cancelled meanwhile
        priority = Priority.parse(item.priority)
        self._wait_for_air(item, priority)
        window = stream_window(item, self.clock.now())
        if not self.store.claim(ident, item.start.timestamp()):
            return
        if window is None:
            self._report(item, Outcome.MISSED,
                         error="Luồng phát của đài đã kết thúc trước khi cụm loa phát được.")
            return
        with self._lock:
            self._stream_seq += 1
            fifo = self.data_dir / "streams" / f"stream-{self._stream_seq}.pcm"
        fifo.parent.mkdir(parents=True, exist_ok=True)
        airing = StreamAiring(
            item, window, link=self.link, clock=self.clock, rate=self.settings.sample_rate,
            fallback=fallback, fifo=fifo, on_gap=self._stream_gap,
        )
        with self._lock:
            self._streams[ident] = airing
        try:
            self.player.play(airing.feeder.fifo, self.clock.to_local(window.play_at), priority,
                             tag=_OnAir(item, airing), ref=ident, source=airing.source())
        except PlayoutError as exc:
            with self._lock:
                self._streams.pop(ident, None)
            airing.stop()
            self._report(item, Outcome.MISSED, error=exc.message)
            return
        log.info("%s: the station's stream from %s, %.1f s, %.1f s behind the station",
                 ident, window.play_at.isoformat(), window.seconds, item.delay)

    def _stream_gap(self, airing: StreamAiring, in_gap: bool) -> None:
        """A live broadcast whose stream stays lost is ended (its end cannot be known)."""
        self._status_wake.set()
        if airing.item.live is None:
            return
        key = ("live-lost", airing.item.ident)
        if in_gap:
            self.timer.at(key, self.clock.now() + timedelta(seconds=LIVE_LOST_SECONDS),
                          partial(self._live_lost, airing))
        else:
            self.timer.cancel(key)

    def _live_lost(self, airing: StreamAiring) -> None:
        current = self.player.current
        tag = current.tag if current is not None else None
        if current is not None and isinstance(tag, _OnAir) and tag.stream is airing:
            log.warning("%s: no stream for %g s: the live broadcast ends here",
                        airing.item.ident, LIVE_LOST_SECONDS)
            airing.lost = True
            current.stop(STREAM_END_FADE)

    def _stop_stream(self, message: dict[str, Any]) -> None:
        """The station ended a live broadcast or a relay early: end it at the same point
        of the stream (``at + delay``)."""
        try:
            live = None if message.get("live") is None else int(message["live"])
            slot = None if message.get("slot") is None else str(message["slot"])
            start = None if message.get("start") is None else datetime.fromisoformat(
                str(message["start"]))
            at = None if message.get("at") is None else from_epoch(float(message["at"]))
        except (TypeError, ValueError) as exc:
            log.error("stop refused: %s", exc)
            return

        def named(item: p.Item) -> bool:
            if live is not None:
                return item.live == live
            return item.slot == slot and item.start == start

        if live is not None:
            self.store.drop_command_prefix(f"live:{live}@")
            self._apply()
        current = self.player.current
        tag = current.tag if current is not None and not current.done else None
        if current is None or not isinstance(tag, _OnAir) or not named(tag.item):
            return
        end = (at or self.clock.now()) + timedelta(seconds=tag.item.delay)
        log.info("%s: ended at the station; ends here at %s", tag.item.ident, end.isoformat())
        current.stop(STREAM_END_FADE, at=self.clock.to_local(end))

    def _wait_for_air(self, item: p.Item, priority: Priority) -> None:
        deadline = item.start + self.grace
        while self.clock.now() < deadline:
            current = self.player.current
            if current is None or current.done or takes_the_air(priority, current.priority):
                return
            self.clock.wait_until(deadline, current.ended)

    def _cut(self, ident: str) -> None:
        current = self.player.current
        tag = current.tag if current is not None else None
        if current is not None and isinstance(tag, _OnAir) and tag.item.ident == ident:
            current.stop()

    def _on_playback_end(self, report: PlaybackReport) -> None:
        tag = report.tag
        if not isinstance(tag, _OnAir):
            return
        item = tag.item
        self.timer.cancel(("cut", item.ident))
        started = None if report.actual_start is None else self.clock.to_station(
            report.actual_start)
        end = None if report.end is None else self.clock.to_station(report.end)
        outcome = report.outcome
        error = None if report.error is None else report.error.message
        details = note = None
        if tag.stream is not None:
            self.timer.cancel(("live-lost", item.ident))
            with self._lock:
                self._streams.pop(item.ident, None)
            details, note = tag.stream.finish(started, end, self.tz)
            if tag.stream.lost:
                note = (note + " " if note else "") + (
                    f"Đã dừng phát trực tiếp sau {LIVE_LOST_SECONDS:g} giây không nhận được "
                    "luồng phát của đài.")
        if started is not None:
            self.store.started(item.ident, started.timestamp())
            heard_from = item.start + timedelta(seconds=item.delay)  # streams: behind
            if outcome is Outcome.AIRED and started - heard_from > ON_TIME:
                outcome = Outcome.LATE
        elif outcome is Outcome.INTERRUPTED:
            outcome, error = Outcome.SKIPPED, "Đã dừng trước giờ phát."
        self._report(item, outcome, actual_start=started, end=end, error=error, note=note,
                     details=details)
        if started is not None:
            self._last_aired = {
                "program": item.program, "title": item.title,
                "scheduled_start": item.start.isoformat(), "actual_start": started.isoformat(),
                "outcome": outcome.value,
            }
        self._status_wake.set()

    def _report(
        self,
        item: p.Item,
        outcome: Outcome,
        *,
        actual_start: datetime | None = None,
        end: datetime | None = None,
        error: str | None = None,
        note: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.store.queue_report(item, outcome.value, actual_start=actual_start, end=end,
                                error=error, note=note, details=details)
        self.store.done(item.ident)
        if outcome in (Outcome.FAILED, Outcome.MISSED):
            log.error("%s: %s (%s)", item.ident, outcome.value, error)
        else:
            log.info("%s: %s", item.ident, outcome.value)
        self._flush_wake.set()

    # --- the link ---------------------------------------------------------------------------

    def _connection_changed(self, connected: bool) -> None:
        if connected:
            self._status_wake.set()
            self._flush_wake.set()

    def _on_station(self, topic: str, payload: bytes) -> None:
        try:
            message = p.decode(payload, "station")
        except ClusterError:
            return
        if message.get("online"):
            self._flush_wake.set()  # the station is back: send what it has not stored

    def _on_ack(self, topic: str, payload: bytes) -> None:
        try:
            message = p.decode(payload, "ack")
        except ClusterError:
            return
        self.store.acknowledge([int(s) for s in message.get("seqs") or []])

    def _flush_loop(self) -> None:
        while not self.stopped.is_set():
            self._flush_wake.wait(RESEND_SECONDS)
            self._flush_wake.clear()
            if self.stopped.is_set() or not self.bus.connected:
                continue
            pending = self.store.pending()
            if pending:
                self.bus.publish(
                    p.cluster_topic(self.cluster_id, "asrun"),
                    p.asrun_payload(self.cluster_id, pending),
                )
            time.sleep(0.2)  # several reports in a row go in one message

    def _status_loop(self) -> None:
        last_prune = 0.0
        while not self.stopped.is_set():
            self._status_wake.wait(self.heartbeat)
            self._status_wake.clear()
            if self.stopped.is_set():
                return
            if self.bus.connected:
                self.bus.publish(
                    p.cluster_topic(self.cluster_id, "status"), self.status_payload(),
                    retain=True,
                )
            if time.time() - last_prune > 3600:
                last_prune = time.time()
                self.prune()
            time.sleep(0.3)  # at most a few reports a second

    def prune(self, keep: timedelta = timedelta(days=2)) -> None:
        """Forget airings and commands older than ``keep``, and cached audio that no airing
        held refers to any more (and that was not fetched within ``keep``)."""
        self.store.prune((self.clock.now() - keep).timestamp())
        with self._lock:
            wanted = {i.audio.sha256 for i in self._items.values() if i.audio is not None}
        current = self.player.current
        if current is not None and not current.done:
            wanted.add(current.path.stem)
        for path in self.audio_dir.glob("*.wav"):
            try:
                old = time.time() - path.stat().st_mtime > keep.total_seconds()
            except OSError:
                continue
            if path.stem not in wanted and old:
                path.unlink(missing_ok=True)
                self.store.forget_audio(path.stem)

    def status(self) -> dict[str, Any]:
        now = self.clock.now()
        horizon = now + timedelta(hours=24)
        with self._lock:
            plan = self._plan
            items = list(self._items.values())
        states = self.store.audio_states()
        ahead = [i for i in items if i.start >= now - self.grace]
        missing = 0
        refused: dict[str, str] = {}
        for item in ahead:
            if item.start > horizon or item.audio is None:
                continue
            state = states.get(item.audio.sha256)
            if state is not None and not state.ok:
                refused[item.audio.sha256] = state.error or ""
            elif not self._held(item.audio.sha256):
                missing += 1
        health = self.sink.health()
        try:
            free_mb = shutil.disk_usage(self.data_dir).free / 2**20
        except OSError:
            free_mb = None
        errors = list(refused.values())
        if not health.ok and health.error:
            errors.append(health.error)
        with self._lock:
            streams = list(self._streams.values())
        for airing in streams:
            if airing.gap is not None:
                errors.append(
                    "Đang phát âm thanh dự phòng: không nhận được luồng phát của đài "
                    f"({airing.gap.get('message')})."
                )
        measured = self.clock_measured
        current = self.player.current
        tag = current.tag if current is not None and not current.done else None
        return {
            "cluster": self.cluster_id,
            "online": True,
            "at": now.timestamp(),
            "plan_version": None if plan is None else plan.version,
            "plan_until": None if plan is None else plan.until,
            "items_ahead": len(ahead),
            "audio_missing": missing,
            "audio_errors": [{"sha256": s, "error": e} for s, e in sorted(refused.items())],
            "errors": errors,
            "last_aired": self._last_aired,
            "on_air": tag.item.to_json() if isinstance(tag, _OnAir) else None,
            "device": health.device,
            "device_ok": health.ok,
            "disk_free_mb": None if free_mb is None else round(free_mb, 1),
            "clock_offset_ms": round(self.clock.offset * 1000, 3),
            "clock_delay_ms": None if measured is None else round(measured.delay * 1000, 3),
            "clock_measured_at": self.clock_measured_at,
            "outbox": self.store.pending_count(),
        }

    def status_payload(self) -> bytes:
        return p.encode("status", **self.status())
