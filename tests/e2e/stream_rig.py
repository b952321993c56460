"""A relay heard on a speaker cluster, with real processes: a private Icecast (the upstream
radio, fed pink noise by ffmpeg, and the station's published output), a private Mosquitto, a
`broadcast serve` station and one `broadcast agent`, each on its own virtual loudspeaker,
recorded at once. The station's publisher is frozen for a few seconds in the middle (SIGSTOP:
the published stream stalls, Icecast drops it, the station starts a new one when it thaws),
so the cluster must cover the stall with its fallback and come back to the stream.

Shared by tests/e2e/test_cluster_stream.py and bench/cluster_stream.py (which prints the
station-to-cluster offset)."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from tests.e2e.cluster_rig import AgentProcess, Broker, wait_until
from tests.e2e.station_server import StationServer, whole_second_ahead
from tests.relay.upstream import Icecast
from tests.soundpath import Recording, VirtualSpeaker, best_alignment

RATE = 48_000
CLUSTER = "thon-1"
NOISE = "anoisesrc=color=pink:amplitude=0.5:sample_rate=44100:seed=7"
AHEAD = 15  # the slot is this far ahead of its creation: the agent starts and syncs meanwhile
SECONDS = 14  # the relay's length
STALL_AFTER = 4.0  # the station's publisher freezes this long into the relay...
STALL_FOR = 4.0  # ...for this long
WINDOW = 0.25  # seconds per compared window


@dataclass
class StreamRun:
    station: StationServer
    agent: AgentProcess
    station_rec: Recording
    agent_rec: Recording
    start: float  # the slot's instant (epoch seconds)
    delay: float  # how long after the station the cluster should be heard
    stalled: float  # when the publisher was frozen
    resumed: float  # when it was thawed
    published: dict[str, Any]  # GET /api/stream during the relay
    entry: dict[str, Any]  # the cluster's as-run entry of the relay

    @property
    def end(self) -> float:
        """When the cluster's relay ends (its last sample, agent's loudspeaker)."""
        return self.start + self.delay + SECONDS

    def offset_at(
        self, station_at: float, seconds: float = 2.0, *, heard: Recording | None = None,
        after: tuple[float, float] | None = None,
    ) -> tuple[float, float]:
        """(ncc, seconds): where the station's sound of [station_at, +seconds) is heard on
        the cluster (or in ``heard``, searched ``after`` = (from, to) seconds later), as the
        time between the two loudspeakers."""
        heard = heard or self.agent_rec
        low, high = after or (self.delay - 1.0, self.delay + 1.0)
        first = self.station_rec.index_at(station_at)
        ref = self.station_rec.samples[first : first + int(seconds * RATE)]
        search_from = heard.index_at(station_at + low)
        search = heard.samples[search_from : search_from + len(ref) + int((high - low) * RATE)]
        score, lag = best_alignment(search, ref)
        return score, heard.time_of(search_from + lag) - self.station_rec.time_of(first)

    def kinds(self, offset: float, start: float, end: float) -> list[tuple[float, str]]:
        """(instant on the cluster, kind) per window of the cluster's recording in
        [start, end): ``silent``, ``stream`` (the station's sound ``offset`` earlier) or
        ``other`` (neither: the fallback)."""
        out = []
        t = start
        slack = 0.01
        while t + WINDOW <= end:
            heard = self.agent_rec.between(t, t + WINDOW)
            if len(heard) == 0 or float(np.sqrt(np.mean(heard**2))) < 2e-3:
                out.append((t, "silent"))
            else:
                station = self.station_rec.between(t - offset - slack, t - offset + WINDOW + slack)
                score, _ = best_alignment(station, heard)
                out.append((t, "stream" if score > 0.6 else "other"))
            t += WINDOW
        return out


def publisher_pid(station_pid: int, mount: str) -> int:
    """The station's Icecast encoder (an ffmpeg child of the station sending to ``mount``)."""
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            parent = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        if parent == station_pid and "libvorbis" in cmd and mount in cmd:
            return int(proc.name)
    raise AssertionError(f"no encoder publishing {mount}")


@contextmanager
def stream_run(base: Path) -> Iterator[StreamRun]:
    """Start everything, relay once (with the stall), stop everything; yields the run."""
    tag = uuid.uuid4().hex[:8]
    upstream_mount, published_mount = f"/vov-{tag}.ogg", f"/loa-{tag}.ogg"
    icecast = Icecast.start()
    broker = Broker(base / "broker").start()
    station_speaker = VirtualSpeaker.start(base / "pa-station")
    agent_speaker = VirtualSpeaker.start(base / "pa-agent")
    (base / "station").mkdir()
    station = StationServer(base / "station", station_speaker, extra_env={
        **broker.station_env(),
        "BROADCAST_ICECAST_URL": icecast.base, "BROADCAST_ICECAST_MOUNT": published_mount,
    })
    agent: AgentProcess | None = None
    try:
        station_speaker.keep_warm()
        agent_speaker.keep_warm()
        icecast.feed_tone(upstream_mount, codec="ogg", sound=NOISE)
        station.start()
        created = station.ok("POST", "/api/clusters", json={"id": CLUSTER, "name": "Thôn 1"})
        agent = AgentProcess(CLUSTER, created["token"], base / CLUSTER, agent_speaker, station,
                             broker).start()
        program = station.ok("POST", "/api/programs", json={
            "title": "Tiếp sóng VOV1", "topic": "tiep-song-vov",
            "segments": [{"type": "relay", "url": icecast.listen(upstream_mount),
                          "seconds": SECONDS}]})
        at = whole_second_ahead(AHEAD)
        slot = station.one_off_slot(program["id"], at)
        t0 = at.timestamp()

        def synced() -> bool:
            view = next(c for c in station.ok("GET", "/api/clusters") if c["id"] == CLUSTER)
            return bool(view["online"] and view["in_sync"])

        wait_until(synced, AHEAD - 8, "the cluster online and in sync", step=0.3)
        with station_speaker.recorder() as station_recorder, \
                agent_speaker.recorder() as agent_recorder:
            _sleep_until(t0 + STALL_AFTER)
            published = station.ok("GET", "/api/stream")
            frozen = publisher_pid(station.process.pid, published_mount)  # type: ignore[union-attr]
            os.kill(frozen, signal.SIGSTOP)
            stalled = time.time()
            _sleep_until(stalled + STALL_FOR)
            os.kill(frozen, signal.SIGCONT)
            resumed = time.time()
            _sleep_until(t0 + published["delay_seconds"] + SECONDS + 1.5)
        entries = wait_until(
            lambda: station.ok("GET", "/api/log", params={"cluster": CLUSTER, "slot": slot}),
            15, "the cluster's as-run entry",
        )
        yield StreamRun(station, agent, station_recorder.recording,  # type: ignore[arg-type]
                        agent_recorder.recording, t0,  # type: ignore[arg-type]
                        float(published["delay_seconds"]), stalled, resumed, published,
                        entries[0])
    except Exception:
        print(f"--- agent:\n{agent.log() if agent else ''}\n--- station:\n{station.log()}")
        raise
    finally:
        if agent is not None:
            agent.stop()
        station.stop()
        broker.stop()
        icecast.stop_sources()
        agent_speaker.stop()
        station_speaker.stop()


def _sleep_until(when: float) -> None:
    time.sleep(max(0.0, when - time.time()))
