"""The station's ingestion of clusters' as-run entries (each airing once, whatever is sent
again) and the agent's outbox (kept until acknowledged, through a restart)."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from broadcast.cluster import protocol as p
from broadcast.cluster.agent_store import AgentStore
from broadcast.cluster.hub import ClusterHub
from broadcast.settings import Settings
from broadcast.station.timetable_query import TimetableQuery
from broadcast.station.timetable_service import TimetableService
from broadcast.store.store import open_store

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
T = datetime(2031, 3, 4, 6, 0, tzinfo=TZ)


def report(seq: int, slot: str = "s", outcome: str = "aired") -> p.AsRunReport:
    item = p.Item(start=T, program="p", priority="normal", slot=slot, title="P", topic="cds")
    return p.AsRunReport(seq, item, outcome, T, T + timedelta(minutes=2))


def test_entries_sent_again_are_stored_once_and_acknowledged_again(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, load_example_timetable=False)
    store = open_store(settings.db_url)
    timetable = TimetableService(store, store.clock, TZ)
    hub = ClusterHub(settings, store, clock=store.clock, tz=TZ, timetable=timetable,
                     query=TimetableQuery(store, None, TZ),  # type: ignore[arg-type]
                     render=lambda program_id: None)  # type: ignore[arg-type,return-value]
    hub.load()
    hub.create("thon-1", "Thôn 1")
    assert hub.ingest("thon-1", [report(1), report(2, slot="t")]) == [1, 2]
    assert hub.ingest("thon-1", [report(1), report(2, slot="t")]) == [1, 2]  # again
    assert hub.ingest("thon-9", [report(1)]) == []  # not a cluster of this station
    entries = store.as_run.query(cluster="thon-1")
    assert sorted(e.slot_id for e in entries) == ["s", "t"]
    assert all(e.topic == "cds" and e.lateness == timedelta(0) for e in entries)
    assert store.as_run.query(cluster="local") == []
    store.close()


def test_the_outbox_keeps_reports_until_acknowledged_through_a_restart(tmp_path: Path) -> None:
    store = AgentStore(tmp_path / "agent.db")
    item = report(0).item
    first = store.queue_report(item, "aired", actual_start=T, end=T + timedelta(seconds=5))
    second = store.queue_report(item, "failed", error="Tệp hỏng")
    assert [r.seq for r in store.pending()] == [first, second]
    store.acknowledge([first])
    store.close()
    again = AgentStore(tmp_path / "agent.db")
    [left] = again.pending()
    assert left.seq == second and left.outcome == "failed" and left.error == "Tệp hỏng"
    assert again.claim(item.ident, T.timestamp())
    assert not again.claim(item.ident, T.timestamp())  # never aired twice
    again.save_clock_offset(0.012, 1.0)
    assert again.clock_offset() == (0.012, 1.0)
    again.close()
