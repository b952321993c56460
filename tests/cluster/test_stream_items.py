"""Relay and live speech on the speaker clusters, without sound: the station's plans and
commands on the manual clock, the sample-to-instant arithmetic, what the as-run says."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import soundfile

from broadcast.clock import ManualClock
from broadcast.cluster import protocol as p
from broadcast.cluster.hub import ClusterHub
from broadcast.cluster.stream_airing import (
    MIN_SECONDS,
    heard_at,
    plausible,
    stream_details,
    stream_window,
)
from broadcast.programs import Program, Segment
from broadcast.relay.feeder import stream_offset
from broadcast.scheduling.model import AiringKey, Priority, Slot
from broadcast.settings import Settings
from broadcast.station.live_desk import LiveView
from broadcast.station.timetable_query import TimetableQuery
from broadcast.station.timetable_service import TimetableService
from broadcast.store.store import Store, open_store

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T0 = datetime(2031, 3, 4, 5, 0, tzinfo=TZ)
RELAY_AT = T0 + timedelta(minutes=30)
URL = "http://127.0.0.1:8000/loa.ogg"


@dataclass
class FakeBus:
    """The broker as the hub sees it: what was published, decoded."""

    connected: bool = True
    sent: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    def publish(self, topic: str, payload: bytes, *, retain: bool = False) -> bool:
        self.sent.append((topic, json.loads(payload)))
        return True

    def to(self, cluster: str, leaf: str) -> list[dict[str, Any]]:
        return [m for t, m in self.sent if t == p.cluster_topic(cluster, leaf)]


@dataclass
class Station:
    hub: ClusterHub
    bus: FakeBus
    store: Store
    clock: ManualClock
    fallback: Path


@pytest.fixture
def station(tmp_path: Path) -> Iterator[Station]:
    settings = Settings(
        data_dir=tmp_path, load_example_timetable=False,
        icecast_url="http://source:pw@127.0.0.1:8000", icecast_mount="/loa.ogg",
        cluster_delay_seconds=3.0,
    )
    clock = ManualClock(T0)
    store = open_store(settings.db_url, clock=clock)
    fallback = tmp_path / "fallback.wav"
    soundfile.write(str(fallback), np.zeros(4800, dtype=np.float32), 48_000)
    timetable = TimetableService(store, clock, TZ)

    def render(program_id: str) -> Any:
        return SimpleNamespace(wav_path=fallback, duration_seconds=1800.0)

    hub = ClusterHub(settings, store, clock=clock, tz=TZ, timetable=timetable,
                     query=TimetableQuery(store, None, TZ),  # type: ignore[arg-type]
                     render=render)
    hub.load()
    for cluster in ("thon-1", "thon-2"):
        hub.create(cluster, cluster)
    store.programs.create(Program("vov1", "Tiếp sóng VOV1", "tiep-song",
                                  (Segment.relay("http://vov.vn/vov1.mp3", 1800),)))
    store.programs.create(Program("ban-tin", "Bản tin", "cds", (Segment.silence(1.0),)))
    bus = FakeBus()
    hub.bus = bus  # type: ignore[assignment]
    yield Station(hub, bus, store, clock, fallback)
    store.close()


def relay_slot(store: Store, *, clusters: frozenset[str] | None = None,
               max_minutes: int | None = None) -> Slot:
    return store.slots.create(Slot(
        "vov-0530", "vov1", time(5, 30), on_date=RELAY_AT.date(), clusters=clusters,
        max_duration=None if max_minutes is None else timedelta(minutes=max_minutes),
    ))


def plan_items(bus: FakeBus, cluster: str) -> list[p.Item]:
    message = bus.to(cluster, "plan")[-1]
    return list(p.Plan.from_message(message).items)


def test_a_relay_reaches_the_clusters_it_airs_on_as_a_stream_item(station: Station) -> None:
    relay_slot(station.store, clusters=frozenset({"thon-1", "local"}), max_minutes=20)
    station.hub.replan()
    (item,) = plan_items(station.bus, "thon-1")
    assert item.kind == "stream" and item.slot == "vov-0530"
    assert item.start == RELAY_AT
    assert item.stream == p.StreamRef(URL, 3.0)
    assert item.max_duration == 20 * 60, "the slot's maximum cuts the relay's 30 minutes"
    # The relay's render is its fallback: the cluster holds it like any item's audio.
    assert item.audio is not None and item.audio.sha256 == station.hub.audio.add(
        station.fallback)[0]
    assert item.error is None
    assert plan_items(station.bus, "thon-2") == [], "not a cluster of this relay"


def test_without_a_published_stream_the_relay_item_says_why(station: Station) -> None:
    station.hub.stream = None
    relay_slot(station.store)
    station.hub.replan()
    (item,) = plan_items(station.bus, "thon-2")
    assert item.kind == "stream" and item.stream is None
    assert item.error is not None and "BROADCAST_ICECAST_URL" in item.error
    health = station.hub.health()
    assert not health.ok and "BROADCAST_ICECAST_URL" in health.detail


def live(entry: int, ended: datetime | None = None) -> LiveView:
    return LiveView(entry, Priority.EMERGENCY, "lanh-dao", "mic", T0, T0, ended)


def test_live_speech_goes_to_every_cluster_at_once_and_ends_where_it_ended(
    station: Station,
) -> None:
    relay_slot(station.store)  # a relay program exists: its fallback covers live too
    station.hub.tell_live(live(7))
    for cluster in ("thon-1", "thon-2"):
        (command,) = station.bus.to(cluster, "command")
        assert command["type"] == "announce"
        item = p.Item.from_json(command["item"])
        assert item.live == 7 and item.kind == "stream" and item.start == T0
        assert item.stream == p.StreamRef(URL, 3.0) and item.priority == "emergency"
        assert item.max_duration is None and item.audio is not None
        assert item.ident == f"live:7@{T0.isoformat()}"
    ended = T0 + timedelta(seconds=95.25)
    station.hub.tell_live(live(7, ended))
    for cluster in ("thon-1", "thon-2"):
        stop = station.bus.to(cluster, "command")[-1]
        assert stop["type"] == "stop" and stop["live"] == 7 and stop["at"] == ended.timestamp()
    station.hub.tell_live(live(7, ended))  # told twice: no second stop
    assert len(station.bus.to("thon-1", "command")) == 2


def test_a_relay_that_ends_early_at_the_station_ends_on_its_clusters(station: Station) -> None:
    relay_slot(station.store, clusters=frozenset({"thon-2", "local"}))
    key = AiringKey.of_slot("vov-0530", RELAY_AT)
    started = RELAY_AT + timedelta(milliseconds=4)
    station.hub.end_relay(key, started, started + timedelta(seconds=1800))  # its length
    assert station.bus.sent == []
    cut = started + timedelta(seconds=600)
    station.hub.end_relay(key, started, cut)  # interrupted at 10 minutes
    (stop,) = station.bus.to("thon-2", "command")
    assert stop == {"v": 1, "type": "stop", "slot": "vov-0530",
                    "start": RELAY_AT.isoformat(), "at": cut.timestamp()}
    assert station.bus.to("thon-1", "command") == []


def stream_item(**changes: Any) -> p.Item:
    fields: dict[str, Any] = dict(
        start=RELAY_AT, program="vov1", priority="normal", slot="vov-0530", kind="stream",
        stream=p.StreamRef(URL, 3.0), max_duration=1800.0, topic="tiep-song",
    )
    fields.update(changes)
    return p.Item(**fields)


def test_a_cluster_plays_the_stream_from_its_instant_behind_the_station() -> None:
    item = stream_item()
    window = stream_window(item, RELAY_AT - timedelta(seconds=10))
    assert window is not None and not window.joined_late
    assert window.play_at == RELAY_AT + timedelta(seconds=3)
    assert window.seconds == 1800.0
    # An agent that comes late (restarted, plan received late) joins where the stream is.
    late = stream_window(item, RELAY_AT + timedelta(seconds=600))
    assert late is not None and late.joined_late
    assert late.play_at == RELAY_AT + timedelta(seconds=602)
    assert late.seconds == pytest.approx(1800 + 3 - 602)
    assert stream_window(item, RELAY_AT + timedelta(seconds=1802)) is None
    assert stream_window(item, RELAY_AT + timedelta(seconds=1801 - MIN_SECONDS)) is not None
    # Live speech has no length: a stop ends it.
    open_ended = stream_window(stream_item(max_duration=None, slot=None, live=3), RELAY_AT)
    assert open_ended is not None and open_ended.seconds >= 3600


@pytest.mark.parametrize("epoch", [1_900_000_000.0, 1_900_000_000.123456, 1_900_012_345.987])
@pytest.mark.parametrize("delay", [3.0, 2.5])
def test_each_stream_sample_is_heard_delay_after_the_station_heard_it(
    epoch: float, delay: float
) -> None:
    rate = 48_000
    play_at = epoch + 4321.0104  # the cluster's first sample (station clock)
    offset = stream_offset(play_at, delay, epoch, rate)
    for n in (0, 1, rate * 4321, rate * 4321 + 17, rate * 9000 + 12345):
        k = n - offset  # where the feeder puts sample n in the cluster's output
        heard = play_at + k / rate  # the engine hears output sample k then
        assert heard == pytest.approx(heard_at(epoch, n, rate, delay), abs=0.6 / rate)
        assert heard_at(epoch, n, rate, delay) == pytest.approx(epoch + n / rate + delay)


def test_an_epoch_that_does_not_fit_the_connection_is_refused() -> None:
    rate, now = 48_000, 1_900_000_000.0
    epoch = now - 7200  # the stream began two hours ago
    assert plausible(epoch, 7200 * rate - 5 * rate, rate, now)  # its burst: 5 s back
    assert not plausible(epoch, 3 * rate, rate, now), "a new stream read with an old epoch"
    assert not plausible(now - 2, 7200 * rate, rate, now), "an old stream with a new epoch"


class FakeFeeder:
    url = URL
    rate = 1000

    def __init__(self, events: list[dict[str, Any]]) -> None:
        self.events = events

    def report(self) -> dict[str, Any] | None:
        return next((e for e in reversed(self.events) if e.get("event") == "done"), None)


def test_the_as_run_of_a_stream_item_has_its_gaps_and_counts_the_stream_heard() -> None:
    gap = {"start_sample": 12_000, "seconds": 8.5, "reason": "ended",
           "message": "Nguồn tiếp sóng ngắt kết nối: Connection reset"}
    feeder = FakeFeeder([{"event": "done", "samples": 40_000, "relayed_samples": 31_500,
                          "gaps": [gap], "reason": "completed"}])
    start = RELAY_AT + timedelta(seconds=3)
    details, note = stream_details(stream_item(), feeder, start,  # type: ignore[arg-type]
                                   start + timedelta(seconds=40), TZ, has_fallback=True)
    (logged,) = details["gaps"]
    assert logged["from"] == (start + timedelta(seconds=12)).astimezone(TZ).isoformat()
    assert logged["seconds"] == 8.5 and logged["reason"] == "ended"
    assert details["relay"] == {"url": URL, "delay_seconds": 3.0, "relayed_seconds": 31.5,
                                "fallback_seconds": 8.5}
    assert note is not None and "gián đoạn 1 lần" in note and "dự phòng" in note
    # Live speech: counted as live, and an outage without fallback audio says so.
    details, note = stream_details(stream_item(slot=None, live=4), feeder,  # type: ignore[arg-type]
                                   start, start + timedelta(seconds=40), TZ,
                                   has_fallback=False)
    assert "relay" not in details and details["live"] == {"entry": 4}
    assert details["stream"]["relayed_seconds"] == 31.5
    assert note is not None and "im lặng" in note
    quiet = FakeFeeder([{"event": "done", "samples": 40_000, "relayed_samples": 40_000,
                         "gaps": [], "reason": "completed"}])
    assert stream_details(stream_item(), quiet, start,  # type: ignore[arg-type]
                          start + timedelta(seconds=40), TZ, has_fallback=True)[1] is None


def test_a_cluster_s_entries_for_a_stream_are_stored_once_with_their_details(
    station: Station,
) -> None:
    hub, store = station.hub, station.store
    start = RELAY_AT + timedelta(seconds=3, milliseconds=6)
    relay = p.AsRunReport(1, stream_item(), "aired", start, start + timedelta(seconds=1800),
                          note="Luồng phát của đài bị gián đoạn 1 lần",
                          details={"relay": {"url": URL, "relayed_seconds": 1790.0,
                                             "fallback_seconds": 10.0}, "gaps": []})
    spoken = p.AsRunReport(2, stream_item(slot=None, live=9, start=T0, program="live",
                                          max_duration=None, topic="truc-tiep"),
                           "aired", T0 + timedelta(seconds=3), T0 + timedelta(seconds=60),
                           details={"live": {"entry": 9}, "gaps": []})
    assert hub.ingest("thon-1", [relay, spoken]) == [1, 2]
    assert hub.ingest("thon-1", [relay, spoken]) == [1, 2]  # sent again: stored once
    entries = {e.program_id: e for e in store.as_run.query(cluster="thon-1")}
    assert sorted(entries) == ["live", "vov1"]
    assert entries["vov1"].lateness == timedelta(milliseconds=6), "measured from start + delay"
    assert entries["vov1"].details is not None
    assert entries["vov1"].details["relay"]["relayed_seconds"] == 1790.0
    assert entries["vov1"].note == "Luồng phát của đài bị gián đoạn 1 lần"
    rows = store.as_run.airtime_report(timezone=TZ, cluster="thon-1")
    sources = {(r.topic, r.source): r.minutes for r in rows}
    assert sources[("tiep-song", "relay")] == pytest.approx(1790 / 60, abs=0.01)
    assert ("truc-tiep", "live") in sources
