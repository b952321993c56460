"""The station's side of the speaker clusters.

- **Registry**: clusters are added and removed here (a token shown once; the broker's
  password and ACL files rewritten, the broker told to reload them).
- **Plans**: after every change of the timetable (and every ``REFRESH`` as the window
  slides), each cluster's airings for the next ``cluster_plan_hours`` are rendered (so that
  the cluster can fetch their audio ahead) and published as the cluster's retained plan when
  it changed. The station's own output is the cluster ``local``: it airs through the
  station's runtime, not through here.
- **Commands**: an announcement's airings go out at once as ``announce`` commands, with the
  audio, to every cluster it is for (before the plans, which may need renders); a cancelled
  one is followed by a ``stop``.
- **Relay and live**: a relay is a ``stream`` item of the plans (the station's published
  output, ``stream``); a live broadcast goes to every cluster as an ``announce`` command of a
  ``stream`` item when it starts, and a ``stop`` with the instant it ended; a relay that ends
  early at the station (interrupted, stopped) gets a ``stop`` too.
- **Reports**: each cluster's retained status (heartbeat; last will "offline") is kept in
  memory; its as-run entries are stored in the as-run log (``cluster`` = its id; the unique
  key per cluster and airing makes a re-sent entry harmless) and acknowledged by seq.

Nothing here blocks the air: MQTT callbacks hand work to three threads (plans, commands,
as-run ingestion).
Without ``BROADCAST_MQTT_URL`` the registry still works and health says what is missing.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.clock import Clock, from_epoch
from broadcast.cluster import broker_files as bf
from broadcast.cluster import protocol as p
from broadcast.cluster.audio_index import AudioIndex
from broadcast.cluster.mqtt_bus import Bus, parse_mqtt_url
from broadcast.cluster.plans import item_of, live_item, plans_for
from broadcast.errors import BroadcastError, ClusterError, PlayoutError, StoreError
from broadcast.scheduling.model import AiringKey, Outcome, Priority
from broadcast.settings import Settings
from broadcast.station.control import ComponentHealth
from broadcast.station.icecast_output import icecast_target
from broadcast.station.live_desk import LiveView
from broadcast.station.planner import Airing
from broadcast.station.timetable_query import TimetableQuery
from broadcast.station.timetable_service import TimetableService
from broadcast.store.asrun import AIRED_OUTCOMES, LOCAL
from broadcast.store.clusters import ClusterRecord
from broadcast.store.renders import RenderRecord
from broadcast.store.store import Store

log = logging.getLogger(__name__)

REFRESH = timedelta(minutes=10)
COMMAND_WINDOW = timedelta(minutes=10)  # announcements starting this soon go as commands
ANNOUNCEMENT_LOOKBACK = timedelta(seconds=5)
HEARTBEAT_SECONDS = 30.0
STALE_HEARTBEATS = 3  # a cluster silent for this many heartbeats is shown offline

Render = Callable[[str], RenderRecord]


@dataclass(frozen=True)
class ClusterView:
    """A cluster as the operator sees it (``GET /api/clusters``)."""

    id: str
    name: str
    zone: str
    online: bool
    last_seen: datetime | None
    in_sync: bool
    clock_offset_ms: float | None
    last_aired: dict[str, Any] | None
    plan_version: str | None = None  # what the cluster holds
    plan_current: str | None = None  # what the station publishes for it
    device: str | None = None
    device_ok: bool | None = None
    disk_free_mb: float | None = None
    errors: tuple[str, ...] = ()  # Vietnamese, what keeps it from airing as planned


@dataclass
class _Seen:
    status: dict[str, Any]
    received_at: datetime


class ClusterHub:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        *,
        clock: Clock,
        tz: ZoneInfo,
        timetable: TimetableService,
        query: TimetableQuery,
        render: Render,
        stream_url: str | None = None,
        live: Any = None,
        relays: Any = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.clock = clock
        self.tz = tz
        self.timetable = timetable
        self.query = query
        self.render = render
        self.audio = AudioIndex()
        self.bus: Bus | None = None
        self._tokens: dict[str, str] = {}  # sha256 of a token -> cluster id
        self._records: dict[str, ClusterRecord] = {}
        self._seen: dict[str, _Seen] = {}
        self._published: dict[str, str] = {}  # cluster -> plan version published
        # announcement -> (cluster, airing start) told
        self._commanded: dict[int, set[tuple[str, datetime]]] = {}
        self._stopped: set[int] = set()
        self._lock = threading.Lock()
        self._dirty = threading.Event()
        self._urgent = threading.Event()  # announcements: commands go out before any render
        self._command_lock = threading.Lock()
        self._force = threading.Event()  # re-publish every plan (a new connection)
        self._stop = threading.Event()
        self._incoming: queue.SimpleQueue[tuple[str, list[p.AsRunReport]] | None] = (
            queue.SimpleQueue()
        )
        self._threads: list[threading.Thread] = []
        self._plans: dict[str, p.Plan] = {}
        self.stream = published_stream(settings, stream_url)
        self._live_source = live  # LiveDesk (add_listener), if the station has one
        self._relays = relays  # RelayDesk (add_listener), if the station has one
        self._live_told: dict[int, set[str]] = {}  # live entry -> clusters told
        self._live_lock = threading.Lock()

    @classmethod
    def for_station(cls, station: Any) -> ClusterHub:
        """The hub of a running ``broadcast.station.runtime.Station``."""
        output = getattr(station, "stream_out", None)
        return cls(
            station.settings, station.store, clock=station.clock, tz=station.tz,
            timetable=station.timetable, query=station.query, render=station.files.render,
            stream_url=getattr(output, "url", None), live=getattr(station, "live", None),
            relays=getattr(station, "relays", None),
        )

    # --- life cycle -----------------------------------------------------------------------

    @property
    def configured(self) -> bool:
        return bool(self.settings.mqtt_url)

    def load(self) -> None:
        """Read the registry (done by ``start``; alone, for a hub that plans nothing)."""
        self._load_registry()

    def start(self) -> None:
        self._load_registry()
        self.timetable.add_listener(self._dirty.set)
        self.timetable.add_listener(self._urgent.set)
        if self._live_source is not None:
            self._live_source.add_listener(self.live_changed)
        if self._relays is not None:
            self._relays.add_listener(self.relay_ended)
        if self.configured:
            self._write_broker_files()
            self._start_bus()
        for target, name in ((self._plan_loop, "cluster-plans"),
                             (self._command_loop, "cluster-commands"),
                             (self._ingest_loop, "cluster-asrun")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        self._dirty.set()

    def stop(self) -> None:
        self._stop.set()
        self._dirty.set()
        self._urgent.set()
        self._incoming.put(None)
        if self.bus is not None:
            self.bus.stop(
                (p.station_status_topic(), p.encode("station", online=False, at=time.time()))
            )
        for thread in self._threads:
            thread.join(timeout=5)

    def _start_bus(self) -> None:
        assert self.settings.mqtt_url
        address = parse_mqtt_url(self.settings.mqtt_url)
        password = address.password or self._station_password()
        self.bus = Bus(
            address, client_id=p.STATION_USER, username=address.username or p.STATION_USER,
            password=password, clean_session=False,
            will=(p.station_status_topic(), p.encode("station", online=False)),
            on_connection=self._connection_changed, max_inflight=1000,
        )
        self.bus.subscribe(f"{p.ROOT}/clusters/+/status", self._on_status)
        self.bus.subscribe(f"{p.ROOT}/clusters/+/asrun", self._on_asrun)
        self.bus.start()

    def _station_password(self) -> str:
        if self.settings.mqtt_station_password:
            return self.settings.mqtt_station_password
        return bf.station_password(self.settings.data_dir / "mqtt-station.secret")

    def _connection_changed(self, connected: bool) -> None:
        if connected and self.bus is not None:
            self.bus.publish(
                p.station_status_topic(), p.encode("station", online=True, at=time.time()),
                retain=True,
            )
            self._force.set()
            self._dirty.set()

    # --- registry -------------------------------------------------------------------------

    def _load_registry(self) -> None:
        records = self.store.clusters.list()
        with self._lock:
            self._records = {r.id: r for r in records}
            self._tokens = {r.token_hash: r.id for r in records}

    def create(self, cluster_id: str, name: str, zone: str = "") -> tuple[ClusterRecord, str]:
        """Add a cluster; returns it and its token (shown once, never stored)."""
        if cluster_id in p.RESERVED_IDS:
            raise ClusterError(
                f"Mã «{cluster_id}» dành riêng cho hệ thống; hãy chọn mã khác.",
                code="reserved_id",
            )
        token = bf.new_token()
        record = self.store.clusters.create(
            cluster_id=cluster_id, name=name, zone=zone, token_hash=bf.token_hash(token),
            broker_hash=bf.broker_hash(token),
        )
        self._registry_changed()
        log.info("speaker cluster %s (%s) added", cluster_id, name)
        return record, token

    def delete(self, cluster_id: str) -> None:
        """Refused (``cluster_in_use``) while slots name it."""
        users = sorted(
            s.id for s in self.store.slots.list()
            if s.clusters is not None and cluster_id in s.clusters
        )
        if users:
            raise ClusterError(
                f"Cụm loa «{cluster_id}» còn có trong khung giờ {', '.join(users)}: hãy bỏ "
                "cụm loa khỏi các khung giờ đó trước.",
                code="cluster_in_use", slots=users,
            )
        self.store.clusters.delete(cluster_id)
        with self._lock:
            self._seen.pop(cluster_id, None)
            self._published.pop(cluster_id, None)
        self._registry_changed()
        if self.bus is not None:  # forget its retained messages
            for leaf in ("plan", "status"):
                self.bus.publish(p.cluster_topic(cluster_id, leaf), b"", retain=True)
        log.info("speaker cluster %s removed", cluster_id)

    def _registry_changed(self) -> None:
        self._load_registry()
        if self.configured:
            self._write_broker_files()
        self._dirty.set()

    def _write_broker_files(self) -> None:
        settings = self.settings
        data = settings.data_dir / "mosquitto"
        password_file = settings.mqtt_password_file or data / "passwd"
        acl_file = settings.mqtt_acl_file or data / "acl"
        with self._lock:
            clusters = [(r.id, r.broker_hash) for r in self._records.values()]
        try:
            bf.write_broker_files(
                Path(password_file), Path(acl_file),
                bf.broker_hash(self._station_password()), clusters,
            )
        except OSError as exc:
            log.error("cannot write the broker's files: %s", exc)
            return
        bf.reload_broker(settings.mqtt_reload_command)

    def cluster_for_token(self, token: str) -> str | None:
        with self._lock:
            return self._tokens.get(bf.token_hash(token))

    def ids(self) -> list[str]:
        with self._lock:
            return sorted(self._records)

    def audio_path(self, sha256: str) -> Path | None:
        return self.audio.path_of(sha256)

    # --- planning -------------------------------------------------------------------------

    def _plan_loop(self) -> None:
        while not self._stop.is_set():
            self._dirty.wait(REFRESH.total_seconds())
            if self._stop.is_set():
                return
            self._dirty.clear()
            try:
                self.replan()
            except Exception:  # the next change or refresh tries again
                log.exception("planning the clusters failed")

    def _command_loop(self) -> None:
        """Announcements go out as soon as they are ordered, even while the plans are being
        rendered on the other thread."""
        while not self._stop.is_set():
            self._urgent.wait()
            self._urgent.clear()
            if self._stop.is_set():
                return
            try:
                now = self.clock.now()
                airings = self.query.airings(
                    now - ANNOUNCEMENT_LOOKBACK, now + COMMAND_WINDOW, cluster=None
                )
                if any(a.key.announcement_id is not None for a in airings):
                    programs = {pr.id: pr for pr in self.store.programs.list()}
                    self._command_announcements(airings, self.ids(), programs, now)
            except Exception:
                log.exception("sending announcements to the clusters failed")

    def replan(self) -> None:
        """Commands for announcements about to air, then each cluster's plan."""
        now = self.clock.now()
        until = now + timedelta(hours=self.settings.cluster_plan_hours)
        airings = self.query.airings(now - ANNOUNCEMENT_LOOKBACK, until, cluster=None)
        clusters = self.ids()
        programs = {pr.id: pr for pr in self.store.programs.list()}
        self._command_announcements(airings, clusters, programs, now)
        upcoming = [a for a in airings if a.start > now or a.key.announcement_id is not None]
        wanted = {a.program_id for a in upcoming if not a.skipped and any(
            a.airs_on(c) for c in clusters)}
        audio, errors = self._audio_of(wanted)
        plans = plans_for(
            clusters, upcoming, programs, audio, errors, self.tz, issued_at=now, until=until,
            stream=self.stream,
        )
        force = self._force.is_set()
        self._force.clear()
        if self.bus is None or not self.bus.connected:
            self._force.set()  # publish everything once connected
            with self._lock:
                self._plans = plans
            return
        items_json: dict[int, str] = {}  # clusters that air the same share the items' JSON
        for cluster, plan in plans.items():
            with self._lock:
                same = self._published.get(cluster) == plan.version
            if same and not force:
                continue
            shared = items_json.get(id(plan.items))
            if shared is None:
                shared = items_json[id(plan.items)] = plan.items_json()
            payload = plan.to_payload(shared)
            if self.bus.publish(p.cluster_topic(cluster, "plan"), payload, retain=True):
                with self._lock:
                    self._published[cluster] = plan.version
            else:
                self._force.set()
        with self._lock:
            self._plans = plans

    def current_version(self, cluster: str) -> str | None:
        with self._lock:
            plan = self._plans.get(cluster)
        return None if plan is None else plan.version

    def _audio_of(self, program_ids: Iterable[str]) -> tuple[dict[str, p.AudioRef], dict[str, str]]:
        audio: dict[str, p.AudioRef] = {}
        errors: dict[str, str] = {}
        for program_id in sorted(program_ids):
            try:
                record = self.render(program_id)
            except BroadcastError as exc:
                fallback = self.store.renders.last_good(program_id)
                if fallback is None or fallback.wav_path is None:
                    errors[program_id] = exc.message
                    continue
                record = fallback
            if record.wav_path is None or not Path(record.wav_path).is_file():
                errors[program_id] = "Không có tệp âm thanh của chương trình."
                continue
            sha, size = self.audio.add(Path(record.wav_path))
            audio[program_id] = p.AudioRef(sha, size, record.duration_seconds)
        return audio, errors

    def _command_announcements(
        self,
        airings: list[Airing],
        clusters: list[str],
        programs: dict[str, Any],
        now: datetime,
    ) -> None:
        if self.bus is None:
            return
        with self._command_lock:
            self._command_locked(airings, clusters, programs, now)

    def _command_locked(
        self,
        airings: list[Airing],
        clusters: list[str],
        programs: dict[str, Any],
        now: datetime,
    ) -> None:
        assert self.bus is not None
        soon = [
            a for a in airings
            if a.key.announcement_id is not None and a.start > now - ANNOUNCEMENT_LOOKBACK
            and a.start <= now + COMMAND_WINDOW
        ]
        for airing in soon:
            announcement_id = airing.key.announcement_id
            assert announcement_id is not None
            targets = [c for c in clusters if airing.airs_on(c)]
            with self._lock:
                told = self._commanded.setdefault(announcement_id, set())
                todo = [c for c in targets if (c, airing.start) not in told]
            if not todo:
                continue
            audio, errors = self._audio_of([airing.program_id])
            item = item_of(airing, programs, audio, errors, self.tz, self.stream)
            payload = p.encode("announce", item=item.to_json(), sent_at=time.time())
            for cluster in todo:
                if self.bus.publish(p.cluster_topic(cluster, "command"), payload):
                    with self._lock:
                        told.add((cluster, airing.start))
            log.warning("announcement %d sent to %d clusters", announcement_id, len(todo))
        self._stop_cancelled(now)

    def _stop_cancelled(self, now: datetime) -> None:
        assert self.bus is not None
        with self._lock:
            told = {a: {c for c, _ in s} for a, s in self._commanded.items()}
        if not told:
            return
        for announcement in self.store.announcements.list(airing_since=now - timedelta(hours=1)):
            if announcement.id not in told or announcement.cancelled_at is None:
                continue
            if announcement.id in self._stopped:
                continue
            payload = p.encode("stop", announcement=announcement.id)
            for cluster in told[announcement.id]:
                self.bus.publish(p.cluster_topic(cluster, "command"), payload)
            self._stopped.add(announcement.id)

    # --- relay and live -------------------------------------------------------------------

    def live_changed(self, view: LiveView) -> None:
        """A live broadcast started or ended at the station (the live desk's listener)."""
        threading.Thread(target=self.tell_live, args=(view,), name="cluster-live",
                         daemon=True).start()

    def tell_live(self, view: LiveView) -> None:
        """Send a live broadcast to every cluster (started) or end it there (ended)."""
        if self.bus is None:
            return
        with self._live_lock:
            if view.ended_at is None:
                clusters = self.ids()
                if not clusters:
                    return
                item = live_item(view.entry_id, view.ordered_at, view.priority, self.stream,
                                 self._live_fallback(), self.tz)
                payload = p.encode("announce", item=item.to_json(), sent_at=time.time())
                told = {c for c in clusters
                        if self.bus.publish(p.cluster_topic(c, "command"), payload)}
                self._live_told[view.entry_id] = told
                log.warning("live broadcast %d sent to %d clusters", view.entry_id, len(told))
                return
            told = self._live_told.pop(view.entry_id, set())
        stop = p.encode("stop", live=view.entry_id, at=view.ended_at.timestamp())
        for cluster in sorted(told):
            self.bus.publish(p.cluster_topic(cluster, "command"), stop)

    def _live_fallback(self) -> p.AudioRef | None:
        """What covers an outage of the stream during live speech on a cluster: the relay's
        fallback (the configured fallback program, or the render of a relay program: the
        notice and the jingle); None (silence) when the station has neither."""
        wanted = self.settings.fallback_program
        if not wanted:
            wanted = next((pr.id for pr in self.store.programs.list() if pr.relay is not None),
                          None)
        if not wanted:
            return None
        audio, errors = self._audio_of([wanted])
        if wanted in errors:
            log.warning("no fallback audio for live speech on the clusters: %s", errors[wanted])
        return audio.get(wanted)

    def relay_ended(
        self, key: AiringKey, actual_start: datetime | None, end: datetime | None
    ) -> None:
        """A relay airing ended at the station (the relay desk's listener)."""
        if self.bus is None or key.slot_id is None or end is None:
            return
        threading.Thread(target=self.end_relay, args=(key, actual_start, end),
                         name="cluster-relay-end", daemon=True).start()

    def end_relay(self, key: AiringKey, actual_start: datetime | None, end: datetime) -> None:
        """If the relay ended before its length (interrupted, stopped), end it on the
        clusters at the same point of the stream."""
        if self.bus is None:
            return
        found = self.query.airings(key.start - timedelta(seconds=1),
                                   key.start + timedelta(seconds=1), cluster=None)
        airing = next((a for a in found if a.key == key), None)
        program = None if airing is None else self.store.programs.find(airing.program_id)
        relay = None if program is None else program.relay
        if airing is None or relay is None or relay.seconds is None:
            return
        length = relay.seconds
        if airing.max_duration is not None:
            length = min(length, airing.max_duration.total_seconds())
        planned_end = (actual_start or airing.start) + timedelta(seconds=length)
        if end >= planned_end - timedelta(seconds=1):
            return  # it ran its length: the clusters end theirs by themselves
        stop = p.encode("stop", slot=key.slot_id, start=airing.start.astimezone(self.tz)
                        .isoformat(), at=end.timestamp())
        for cluster in self.ids():
            if airing.airs_on(cluster):
                self.bus.publish(p.cluster_topic(cluster, "command"), stop)
        log.info("relay %s ended early at the station: ended on the clusters", key)

    # --- what the clusters report ---------------------------------------------------------

    def _on_status(self, topic: str, payload: bytes) -> None:
        where = p.cluster_of_topic(topic)
        if where is None or not payload:
            return
        try:
            status = p.decode(payload, "status")
        except ClusterError as exc:
            log.warning("bad status from %s: %s", where[0], exc)
            return
        with self._lock:
            if where[0] in self._records:
                self._seen[where[0]] = _Seen(status, self.clock.now())

    def _on_asrun(self, topic: str, payload: bytes) -> None:
        where = p.cluster_of_topic(topic)
        if where is None:
            return
        try:
            message = p.decode(payload, "asrun")
            reports = [p.AsRunReport.from_json(e) for e in message.get("entries") or []]
        except ClusterError as exc:
            log.warning("bad as-run message from %s: %s", where[0], exc)
            return
        self._incoming.put((where[0], reports))

    def _ingest_loop(self) -> None:
        while True:
            work = self._incoming.get()
            if work is None:
                return
            cluster, reports = work
            try:
                done = self.ingest(cluster, reports)
            except Exception:
                log.exception("storing as-run entries of %s failed", cluster)
                continue
            if done and self.bus is not None:
                self.bus.publish(p.cluster_topic(cluster, "ack"), p.encode("ack", seqs=done))

    def ingest(self, cluster: str, reports: list[p.AsRunReport]) -> list[int]:
        """Store a cluster's as-run entries; the seqs stored (or already there)."""
        with self._lock:
            known = cluster in self._records
        if not known:
            return []
        done: list[int] = []
        for report in reports:
            item = report.item
            lateness = None
            if report.actual_start is not None:
                lateness = report.actual_start - item.start - timedelta(seconds=item.delay)
            details = dict(report.details or {})
            if item.audio is not None:
                details["audio_sha256"] = item.audio.sha256
            if item.live is not None and self._logged_live(cluster, item):
                done.append(report.seq)
                continue
            try:
                outcome = Outcome(report.outcome)
                self.store.as_run.append(
                    slot_id=item.slot, announcement_id=item.announcement, cluster=cluster,
                    program_id=item.program, priority=Priority.parse(item.priority),
                    scheduled_start=item.start, actual_start=report.actual_start,
                    end=report.end, outcome=outcome, error=report.error, lateness=lateness,
                    topic=item.topic, program_title=item.title, note=report.note,
                    details=details or None,
                )
            except StoreError as exc:
                if exc.code != "duplicate_entry":
                    log.error("as-run entry %d of %s not stored: %s", report.seq, cluster, exc)
                    continue
            except (ValueError, KeyError) as exc:
                log.error("as-run entry %d of %s is not valid: %s", report.seq, cluster, exc)
            done.append(report.seq)
        return done

    def _logged_live(self, cluster: str, item: p.Item) -> bool:
        """Whether this cluster's entry of a live broadcast is in the log already (a live
        entry has no airing key for the log's own check)."""
        return any(
            (e.details or {}).get("live", {}).get("entry") == item.live
            for e in self.store.as_run.query(
                since=item.start, until=item.start + timedelta(microseconds=1),
                program_id=item.program, cluster=cluster,
            )
        )

    # --- what the operator sees -----------------------------------------------------------

    def views(self) -> list[ClusterView]:
        now = self.clock.now()
        connected = self.bus is not None and self.bus.connected
        with self._lock:
            records = sorted(self._records.values(), key=lambda r: r.id)
            seen = dict(self._seen)
        out = [self._local_view()]
        for record in records:
            out.append(self._view(record, seen.get(record.id), now, connected))
        return out

    def _relays_planned(self) -> bool:
        with self._lock:
            plans = list(self._plans.values())
        return any(i.kind == "stream" for plan in plans for i in plan.items)

    def _local_view(self) -> ClusterView:
        newest = self.store.as_run.query(
            cluster=LOCAL, outcome=AIRED_OUTCOMES, newest_first=True, limit=1
        )
        last = None
        if newest:
            e = newest[0]
            last = {
                "program": e.program_id, "title": e.program_title,
                "scheduled_start": e.scheduled_start.astimezone(self.tz).isoformat(),
                "outcome": None if e.outcome is None else e.outcome.value,
            }
        return ClusterView(
            id=LOCAL, name="Loa tại đài", zone="", online=True, last_seen=self.clock.now(),
            in_sync=True, clock_offset_ms=0.0, last_aired=last,
        )

    def _view(
        self, record: ClusterRecord, seen: _Seen | None, now: datetime, connected: bool
    ) -> ClusterView:
        if seen is None:
            return ClusterView(
                record.id, record.name, record.zone, online=False, last_seen=None,
                in_sync=False, clock_offset_ms=None, last_aired=None,
                plan_current=self.current_version(record.id),
                errors=("Cụm loa chưa từng kết nối.",),
            )
        status = seen.status
        at = status.get("at")
        last_seen = from_epoch(float(at)) if isinstance(at, int | float) else seen.received_at
        stale = now - seen.received_at > timedelta(
            seconds=HEARTBEAT_SECONDS * STALE_HEARTBEATS
        ) and now - last_seen > timedelta(seconds=HEARTBEAT_SECONDS * STALE_HEARTBEATS)
        online = bool(status.get("online")) and connected and not stale
        errors = [str(e) for e in status.get("errors") or []]
        held = status.get("plan_version")
        current = self.current_version(record.id)
        in_sync = (
            held is not None and held == current and not status.get("audio_missing")
            and not status.get("audio_errors")
        )
        if current is not None and held != current:
            errors.append("Cụm loa chưa nhận lịch phát mới nhất.")
        offset = status.get("clock_offset_ms")
        disk = status.get("disk_free_mb")
        return ClusterView(
            record.id, record.name, record.zone, online=online,
            last_seen=last_seen.astimezone(self.tz), in_sync=bool(in_sync),
            clock_offset_ms=None if offset is None else float(offset),
            last_aired=status.get("last_aired"), plan_version=held, plan_current=current,
            device=status.get("device"), device_ok=status.get("device_ok"),
            disk_free_mb=None if disk is None else float(disk), errors=tuple(errors),
        )

    def health(self) -> ComponentHealth:
        count = len(self.ids())
        if count and self.stream is None and self._relays_planned():
            return ComponentHealth(
                "clusters", False,
                "Có chương trình tiếp sóng nhưng đài chưa phát luồng cho các cụm loa "
                "(BROADCAST_ICECAST_URL): các cụm loa sẽ không tiếp sóng được.",
            )
        if not self.configured:
            if count:
                return ComponentHealth(
                    "clusters", False,
                    f"Có {count} cụm loa nhưng chưa cấu hình máy chủ MQTT (BROADCAST_MQTT_URL): "
                    "các cụm loa không nhận được lịch phát.",
                )
            return ComponentHealth("clusters", True, "Chưa có cụm loa nào.")
        assert self.bus is not None
        if not self.bus.connected:
            why = self.bus.refused or self.bus.last_error or "không trả lời"
            detail = f"Không kết nối được máy chủ MQTT {self.bus.address.text}: {why}."
            return ComponentHealth("clusters", count == 0, detail)
        views = self.views()[1:]
        online = sum(1 for v in views if v.online)
        synced = sum(1 for v in views if v.in_sync)
        return ComponentHealth(
            "clusters", True,
            f"Máy chủ MQTT {self.bus.address.text}: {online}/{count} cụm loa trực tuyến, "
            f"{synced}/{count} đã đồng bộ lịch phát.",
        )


def published_stream(settings: Settings, url: str | None = None) -> p.StreamRef | None:
    """The stream the clusters play relays and live speech from (the station's output
    published to ``BROADCAST_ICECAST_URL``), or None when the station publishes none."""
    if url is None and settings.icecast_url:
        try:
            url = icecast_target(settings.icecast_url, settings.icecast_mount)[1]
        except PlayoutError as exc:
            log.error("%s", exc.message)
            return None
    if url is None:
        return None
    return p.StreamRef(url, settings.cluster_delay_seconds)
