"""Speaker clusters end to end: a real station, a real Mosquitto broker and three real
`broadcast agent` processes, each with its own audio engine on its own virtual loudspeaker,
recorded at once. One set-up serves every check (the processes take seconds to start)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile

from tests.e2e.cluster_rig import AgentProcess, Broker, wait_until
from tests.e2e.station_server import StationServer, whole_second_ahead
from tests.soundpath import Recorder, VirtualSpeaker, best_alignment

pytestmark = pytest.mark.soundpath

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


def onset(recorder: Recorder, ref: np.ndarray, after: float) -> tuple[float, float]:
    """(correlation, epoch seconds) where the first 2 s of ``ref`` were heard after ``after``."""
    recording = recorder.recording
    assert recording is not None
    start = recording.index_at(after)
    score, lag = best_alignment(recording.samples[start:], ref[: 2 * 48_000])
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
        assert abs(when - at.timestamp()) <= TOLERANCE, (
            f"{cluster} heard {(when - at.timestamp()) * 1000:+.1f} ms from the schedule"
        )
    spread = max(heard.values()) - min(heard.values())
    assert spread <= TOLERANCE, f"onsets spread over {spread * 1000:.1f} ms: {heard}"
    # Each cluster's as-run entry reaches the station's log, under its own name.
    for cluster in CLUSTERS:
        found = wait_until(lambda c=cluster: rig.entries(c, slot=slot), 15, f"as-run of {cluster}")
        assert [e["outcome"] for e in found] == ["aired"]
        assert found[0]["cluster"] == cluster
