"""Speaker clusters end to end: a real station, a real Mosquitto broker and three real
`broadcast agent` processes, each with its own audio engine on its own virtual loudspeaker,
recorded at once. One set-up serves every check (the processes take seconds to start)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from tests.e2e.cluster_rig import AgentProcess, Broker, wait_until
from tests.e2e.station_server import StationServer, whole_second_ahead
from tests.soundpath import Recorder, VirtualSpeaker, best_alignment

# Four sound servers and seven audio processes on the machine's two cores: make test runs
# these alone, before the rest (tools/run-tests.sh); beside the other half of the suite, CI
# heard one cluster 40-55 ms late in three of five runs while its engine reported the start
# on time.
pytestmark = [pytest.mark.soundpath, pytest.mark.alone]

CLUSTERS = ("thon-1", "thon-2", "thon-3")
SHORT = "Kính thưa bà con. Đây là bản tin thử nghiệm của cụm loa."
TOLERANCE = 0.020  # seconds: each onset from the schedule, and the spread between clusters


@dataclass
class Rig:
    base: Path
    broker: Broker
    station: StationServer
    agents: dict[str, AgentProcess]

    def clusters(self) -> dict[str, dict[str, Any]]:
        return {c["id"]: c for c in self.station.ok("GET", "/api/clusters")}

    def versions(self) -> set[str | None]:
        views = self.clusters()
        return {views[c]["plan_version"] for c in CLUSTERS}

    def wait_in_sync(self, timeout: float = 40.0, *, not_version: set[str | None] = frozenset()
                     ) -> None:
        """Until every cluster is online and holds the current plan and its audio (a plan
        other than ``not_version``: the one before a change)."""
        def synced() -> bool:
            views = self.clusters()
            return all(
                views[c]["online"] and views[c]["in_sync"]
                and views[c]["plan_version"] not in not_version
                for c in CLUSTERS
            )

        try:
            wait_until(synced, timeout, "every cluster online and in sync", step=0.3)
        except AssertionError:
            raise AssertionError(f"{self.clusters()}\n{self.logs()}") from None

    def logs(self) -> str:
        return "\n".join(
            f"--- {c}:\n{a.log()}" for c, a in self.agents.items()
        ) + f"\n--- station:\n{self.station.log()}"

    def recorders(self) -> dict[str, Recorder]:
        return {c: a.speaker.recorder().start() for c, a in self.agents.items()}

    def entries(self, cluster: str, **filters: str) -> list[dict[str, Any]]:
        return list(self.station.ok("GET", "/api/log", params={"cluster": cluster, **filters}))


@pytest.fixture(scope="module")
def rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Rig]:
    base = tmp_path_factory.mktemp("clusters")
    broker = Broker(base / "broker").start()
    station_dir = base / "station"
    station_dir.mkdir()
    station_speaker = VirtualSpeaker.start(base / "pa-station")
    station = StationServer(station_dir, station_speaker, extra_env=broker.station_env())
    agents: dict[str, AgentProcess] = {}
    try:
        station.start()
        for n, cluster in enumerate(CLUSTERS, start=1):
            zone = "bac" if n < 3 else "nam"
            created = station.ok(
                "POST", "/api/clusters", json={"id": cluster, "name": f"Thôn {n}", "zone": zone}
            )
            speaker = VirtualSpeaker.start(base / f"pa-{cluster}")
            speaker.keep_warm()
            agents[cluster] = AgentProcess(
                cluster, created["token"], base / cluster, speaker, station, broker
            ).start()
        rig = Rig(base, broker, station, agents)
        rig.wait_in_sync(timeout=60)
        yield rig
    finally:
        for agent in agents.values():
            agent.stop()
        station.stop()
        broker.stop()
        for agent in agents.values():
            agent.speaker.stop()
        station_speaker.stop()


def reference(path: Path) -> np.ndarray:
    data, rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    assert rate == 48_000
    return data.mean(axis=1)


def onset(
    recorder: Recorder, ref: np.ndarray, after: float, within: float = 5.0
) -> tuple[float, float]:
    """(correlation, epoch seconds) where the first 2 s of ``ref`` were heard in the
    ``within`` seconds after ``after``."""
    recording = recorder.recording
    assert recording is not None
    start = recording.index_at(after)
    end = recording.index_at(after + within)
    score, lag = best_alignment(recording.samples[start:end], ref[: 2 * 48_000])
    return score, recording.time_of(start + lag)


def listen_until(recorders: dict[str, Recorder], until: float) -> None:
    while time.time() < until:
        time.sleep(0.1)
    for recorder in recorders.values():
        recorder.stop()


def test_a_slot_airs_in_step_on_three_clusters(rig: Rig) -> None:
    station = rig.station
    program = station.approved_program("Bản tin cụm loa", SHORT, jingle=False)
    at = whole_second_ahead(14)
    before = rig.versions()
    slot = station.one_off_slot(program, at)
    rig.wait_in_sync(timeout=12, not_version=before)
    ref = reference(station.rendered_file(program))
    recorders = rig.recorders()
    listen_until(recorders, at.timestamp() + len(ref) / 48_000 + 1.0)
    heard = {}
    for cluster, recorder in recorders.items():
        score, when = onset(recorder, ref, at.timestamp() - 2)
        assert score > 0.9, f"{cluster} did not air the program (ncc {score:.2f})"
        heard[cluster] = when
        offsets = {c: v["clock_offset_ms"] for c, v in rig.clusters().items() if c != "local"}
        assert abs(when - at.timestamp()) <= TOLERANCE, (
            f"{cluster} heard {(when - at.timestamp()) * 1000:+.1f} ms from the schedule "
            f"(the clusters' measured clock offsets, ms: {offsets})"
        )
    spread = max(heard.values()) - min(heard.values())
    print("onsets (ms from the schedule):",
          {c: round((w - at.timestamp()) * 1000, 1) for c, w in heard.items()})
    assert spread <= TOLERANCE, f"onsets spread over {spread * 1000:.1f} ms: {heard}"
    # Each cluster's as-run entry reaches the station's log, under its own name.
    for cluster in CLUSTERS:
        found = wait_until(lambda c=cluster: rig.entries(c, slot=slot), 15, f"as-run of {cluster}")
        assert [e["outcome"] for e in found] == ["aired"]
        assert found[0]["cluster"] == cluster


def test_an_emergency_is_heard_on_every_cluster_within_3_s(rig: Rig) -> None:
    recorders = rig.recorders()
    ordered = time.time()
    announcement = rig.station.ok(
        "POST", "/api/announcements",
        json={"title": "Khẩn", "text": "Thông báo khẩn. Bão số ba đang vào bờ.",
              "priority": "emergency"},
    )
    listen_until(recorders, ordered + 8)
    ref = reference(rig.station.rendered_file(announcement["program_id"]))
    heard = {}
    for cluster, recorder in recorders.items():
        score, when = onset(recorder, ref, ordered)
        assert score > 0.9, f"{cluster} did not air the announcement (ncc {score:.2f})"
        heard[cluster] = when
        assert when - ordered <= 3.0, f"{cluster} heard it {when - ordered:.2f} s after the call"
    spread = max(heard.values()) - min(heard.values())
    print("heard after the call (s):", {c: round(w - ordered, 3) for c, w in heard.items()})
    assert spread <= TOLERANCE, f"onsets spread over {spread * 1000:.1f} ms: {heard}"


def test_the_clusters_air_through_a_cut_and_report_when_it_is_over(rig: Rig) -> None:
    station, broker = rig.station, rig.broker
    program = station.approved_program("Bản tin lúc mất mạng", SHORT, jingle=False)
    first_at = whole_second_ahead(18)
    before = rig.versions()
    first = station.one_off_slot(program, first_at)
    length = len(reference(station.wait_for_render(program))) / 48_000
    second_at = first_at + timedelta(seconds=int(length) + 3)
    second = station.one_off_slot(program, second_at)
    rig.wait_in_sync(timeout=12, not_version=before)
    ref = reference(station.rendered_file(program))

    recorders = rig.recorders()
    station.kill9()
    broker.kill9()
    restarted = rig.agents["thon-2"]
    restarted.kill9()
    restarted.start()  # during the cut: it airs from its own store
    listen_until(recorders, second_at.timestamp() + length + 1.0)
    try:
        for cluster, recorder in recorders.items():
            for at in (first_at, second_at):
                score, when = onset(recorder, ref, at.timestamp() - 1.5, within=4.5)
                assert score > 0.9, f"{cluster} did not air {at:%H:%M:%S} during the cut"
                assert abs(when - at.timestamp()) <= TOLERANCE, (
                    f"{cluster} aired {at:%H:%M:%S} {(when - at.timestamp()) * 1000:+.1f} ms off"
                )
    finally:  # the cut ends whatever was heard: the tests after this one share the rig
        broker.start()
        station.start()
    back = time.time()

    def reported() -> bool:
        return all(
            len(rig.entries(c, slot=s)) >= 1 for c in CLUSTERS for s in (first, second)
        )

    wait_until(reported, 30, "the clusters' as-run entries after the cut", step=0.5)
    print(f"as-run entries of the cut in the log {time.time() - back:.1f} s after the return")
    assert time.time() - back <= 30
    time.sleep(2)  # let any duplicate arrive: there must be none
    for cluster in CLUSTERS:
        for slot in (first, second):
            found = rig.entries(cluster, slot=slot)
            assert [e["outcome"] for e in found] == ["aired"], (cluster, slot, found)
    rig.wait_in_sync(timeout=30)


def test_a_cluster_refuses_audio_that_fails_its_hash(rig: Rig) -> None:
    station = rig.station
    agent = rig.agents["thon-3"]
    agent.stop()
    program = station.approved_program("Bản tin hỏng", "Tệp này hỏng trên đường truyền.",
                                       jingle=False)
    at = whole_second_ahead(20)
    local = at.astimezone(station_tz())
    planned = rig.clusters()["thon-3"]["plan_current"]
    slot = station.ok("POST", "/api/slots", json={
        "program_id": program, "time": local.strftime("%H:%M:%S"),
        "date": local.date().isoformat(), "clusters": ["thon-3"],
    })["id"]
    path = station.wait_for_render(program)
    wait_until(lambda: rig.clusters()["thon-3"]["plan_current"] != planned, 20,
               "the new plan of thon-3")
    # Damage the station's file in place (same size and time): what it serves no longer
    # has the sha256 that the plan names.
    stat = path.stat()
    data = bytearray(path.read_bytes())
    data[-1000:] = bytes((i * 37 + 11) % 256 for i in range(1000))
    path.write_bytes(bytes(data))
    import os

    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    agent.start()

    def refused() -> dict[str, Any] | None:
        view = rig.clusters()["thon-3"]
        return view if any("mã băm" in e for e in view["errors"]) else None

    view = wait_until(refused, 30, "thon-3 reports the refused audio")
    assert view["in_sync"] is False
    assert not list((agent.data_dir / "cluster_audio").glob("*.wav.*part"))
    entry = wait_until(lambda: rig.entries("thon-3", slot=slot), 40, "the failed airing")
    assert entry[0]["outcome"] == "failed"
    assert "mã băm" in entry[0]["error"]
    assert rig.entries("thon-1", slot=slot) == []  # it was for thon-3 only


def test_a_wrong_token_is_refused_by_the_station_and_the_broker(rig: Rig) -> None:
    import httpx

    from broadcast.cluster.mqtt_bus import Bus, parse_mqtt_url

    answer = httpx.get(f"{rig.station.base_url}/api/agent/time",
                       headers={"Authorization": "Bearer loa_c_wrong"}, timeout=10)
    assert answer.status_code == 401
    assert answer.json()["code"] == "cluster_token_refused"
    intruder = Bus(parse_mqtt_url(rig.broker.url), client_id="intruder", username="thon-1",
                   password="loa_c_wrong")
    intruder.start()
    try:
        wait_until(lambda: intruder.refused, 10, "the broker's refusal")
        assert not intruder.connected
    finally:
        intruder.stop()
    # An agent started with a wrong token says so and stops.
    impostor = AgentProcess("thon-1", "loa_c_wrong", rig.base / "impostor",
                            rig.agents["thon-1"].speaker, rig.station, rig.broker).start()
    assert impostor.process is not None
    code = impostor.process.wait(timeout=60)
    assert code == 11, impostor.log()
    assert "cluster_token_refused" in impostor.log()


def station_tz():  # noqa: ANN201
    from tests.e2e.station_server import TZ

    return TZ
