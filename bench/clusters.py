"""Speaker clusters at scale: 1,000 simulated clusters against one station and one broker.

A real `broadcast serve` and a real private Mosquitto; the clusters are light paho clients
in this one process (one thread, paho's external-loop interface: ``socket()``,
``want_write()``, ``loop_read/loop_write/loop_misc``), with no audio. Prints:

- the time for a plan change to reach every cluster (a slot added through the API, until
  the last cluster has the new plan; target <= 5 s), with and without a render in it;
- the station's CPU (its process's user + system time over wall time) while the clusters
  send a heartbeat every 30 s, against the same station with the clusters connected and
  silent, measured in the same run (target < 10 % of one core);
- the as-run ingestion rate (entries sent by every cluster at once, until the station has
  acknowledged them all).

    .venv/bin/python bench/clusters.py [--clusters 1000] [--window 60]
"""

from __future__ import annotations

import argparse
import json
import os
import selectors
import signal
import socket
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from broadcast.cluster import protocol as p  # noqa: E402

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
TOKEN = "loa_bench_admin_token_0123456789abcdef"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Clusters:
    """``n`` light clients on one selector loop."""

    def __init__(self, ids: list[str], tokens: dict[str, str], port: int) -> None:
        self.ids = ids
        self.sel = selectors.DefaultSelector()
        self.clients: dict[str, paho.Client] = {}
        self.plans: dict[str, tuple[str, float]] = {}  # cluster -> (version, received at)
        self.acked = 0
        for cid in ids:
            c = paho.Client(CallbackAPIVersion.VERSION2, client_id=f"bench-{cid}",
                            clean_session=True)
            c.username_pw_set(cid, tokens[cid])
            c.user_data_set(cid)
            c.on_connect = self._on_connect
            c.on_message = self._on_message
            c.connect("127.0.0.1", port, keepalive=120)
            self.sel.register(c.socket(), selectors.EVENT_READ, c)
            self.clients[cid] = c

    def _on_connect(self, c, cid, flags, reason, props) -> None:  # noqa: ANN001
        c.subscribe(p.cluster_topic(cid, "plan"), qos=1)
        c.subscribe(p.cluster_topic(cid, "ack"), qos=1)

    def _on_message(self, c, cid, message) -> None:  # noqa: ANN001
        if message.topic.endswith("/plan") and message.payload:
            version = json.loads(message.payload)["version"]
            self.plans[cid] = (version, time.time())
        elif message.topic.endswith("/ack"):
            self.acked += len(json.loads(message.payload)["seqs"])

    def pump(self, seconds: float) -> None:
        end = time.time() + seconds
        while True:
            for c in self.clients.values():
                sock = c.socket()
                if sock is None:
                    continue
                events = selectors.EVENT_READ | (selectors.EVENT_WRITE if c.want_write() else 0)
                self.sel.modify(sock, events, c)
            timeout = max(0.0, min(0.05, end - time.time()))
            for key, mask in self.sel.select(timeout):
                c = key.data
                if mask & selectors.EVENT_READ:
                    c.loop_read()
                if mask & selectors.EVENT_WRITE:
                    c.loop_write()
            if time.time() >= end:
                break
        for c in self.clients.values():
            c.loop_misc()

    def pump_until(self, done, timeout: float) -> bool:  # noqa: ANN001
        end = time.time() + timeout
        while time.time() < end:
            if done():
                return True
            self.pump(0.05)
        return done()

    def status(self, cid: str) -> bytes:
        version = self.plans.get(cid, ("", 0.0))[0]
        return p.encode(
            "status", cluster=cid, online=True, at=time.time(), plan_version=version,
            plan_until=time.time() + 86_400, items_ahead=3, audio_missing=0, audio_errors=[],
            errors=[], last_aired=None, on_air=None, device="default", device_ok=True,
            disk_free_mb=20_000.0, clock_offset_ms=0.4, clock_delay_ms=1.1,
            clock_measured_at=time.time(), outbox=0,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clusters", type=int, default=1000)
    parser.add_argument("--window", type=float, default=60.0, help="heartbeat window, s")
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="loa-bench-clusters-"))
    port = free_port()
    broker_dir = base / "broker"
    subprocess.run(["bash", str(ROOT / "tools" / "start-mosquitto.sh"), "start",
                    str(broker_dir), str(port)], check=True, capture_output=True)
    http_port = free_port()
    env = dict(os.environ)
    env.update(
        BROADCAST_DATA_DIR=str(base / "station"), BROADCAST_ENGINES='["espeak"]',
        BROADCAST_BOOTSTRAP_TOKEN=TOKEN, BROADCAST_LOAD_EXAMPLE_TIMETABLE="false",
        BROADCAST_PORT=str(http_port), BROADCAST_MQTT_URL=f"mqtt://127.0.0.1:{port}",
        BROADCAST_MQTT_PASSWORD_FILE=str(broker_dir / "passwd"),
        BROADCAST_MQTT_ACL_FILE=str(broker_dir / "acl"),
        BROADCAST_MQTT_RELOAD_COMMAND=f'sh -c "kill -HUP $(cat {broker_dir}/mosquitto.pid)"',
        BROADCAST_AUDIO_DEVICE="bench-no-such-device",
    )
    (base / "station").mkdir()
    log = open(base / "station.log", "wb")  # noqa: SIM115
    station = subprocess.Popen([sys.executable, "-m", "broadcast.cli", "serve"], env=env,
                               stdout=log, stderr=subprocess.STDOUT, cwd=base)
    url = f"http://127.0.0.1:{http_port}"
    api = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    try:
        for _ in range(300):
            try:
                if api.get("/api/health").status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        ids = [f"thon-{n:04d}" for n in range(1, args.clusters + 1)]
        t0 = time.time()
        tokens = {}
        for cid in ids:
            r = api.post("/api/clusters", json={"id": cid, "name": cid, "zone": "z"})
            r.raise_for_status()
            tokens[cid] = r.json()["token"]
        print(f"{len(ids)} clusters added through the API in {time.time() - t0:.1f} s")
        time.sleep(1.0)  # the broker reads its files again
        sim = Clusters(ids, tokens, port)
        sim.pump_until(lambda: len(sim.plans) == len(ids), 60)
        print(f"{len(sim.plans)} clusters connected, each with its plan")

        script = api.post("/api/scripts", json={"title": "Tin", "text": "Kính thưa bà con.",
                                                 "topic": "cds"}).json()
        api.post(f"/api/scripts/{script['id']}/approve").raise_for_status()
        program = api.post("/api/programs", json={
            "title": "Tin", "segments": [{"type": "script", "script_id": script["id"]}]}).json()

        def change(hours: int) -> float:
            before = {c: v for c, (v, _) in sim.plans.items()}
            at = (datetime.now(TZ) + timedelta(hours=hours)).replace(second=0, microsecond=0)
            start = time.time()
            api.post("/api/slots", json={"program_id": program["id"],
                                         "time": at.strftime("%H:%M:%S"),
                                         "date": at.date().isoformat()}).raise_for_status()
            ok = sim.pump_until(lambda: all(sim.plans[c][0] != before.get(c) for c in ids), 60)
            assert ok, "not every cluster got the new plan"
            return max(sim.plans[c][1] for c in ids) - start

        first = change(2)
        second = change(3)
        print(f"plan change to all {len(ids)} clusters: {first:.2f} s with the program's "
              f"first render, {second:.2f} s without (target <= 5 s)")

        pid = station.pid
        sim.pump(2.0)
        c0, w0 = cpu_seconds(pid), time.time()
        sim.pump(args.window / 2)
        idle = (cpu_seconds(pid) - c0) / (time.time() - w0)
        period = 30.0
        offsets = {cid: i * period / len(ids) for i, cid in enumerate(ids)}
        next_beat = {cid: time.time() + offsets[cid] for cid in ids}
        c0, w0 = cpu_seconds(pid), time.time()
        beats = 0
        while time.time() - w0 < args.window:
            now = time.time()
            for cid in ids:
                if next_beat[cid] <= now:
                    sim.clients[cid].publish(p.cluster_topic(cid, "status"), sim.status(cid),
                                             qos=1, retain=True)
                    next_beat[cid] += period
                    beats += 1
            sim.pump(0.05)
        busy = (cpu_seconds(pid) - c0) / (time.time() - w0)
        print(f"station CPU: {busy * 100:.2f} % of one core with {beats} heartbeats in "
              f"{args.window:.0f} s ({len(ids)} clusters, every 30 s); {idle * 100:.2f} % with "
              f"the clusters silent (ratio {busy / max(idle, 1e-9):.1f}x; target < 10 %)")

        per = 5
        sent_at = time.time()
        for n, cid in enumerate(ids):
            reports = []
            for k in range(per):
                start = datetime.now(TZ).replace(microsecond=0) - timedelta(hours=k + 1)
                item = p.Item(start=start, program=program["id"], priority="normal",
                              slot=f"bench-{n}-{k}", title="Tin", topic="cds")
                reports.append(p.AsRunReport(k + 1, item, "aired", start,
                                             start + timedelta(seconds=30)))
            sim.clients[cid].publish(p.cluster_topic(cid, "asrun"),
                                     p.asrun_payload(cid, reports), qos=1)
        total = per * len(ids)
        ok = sim.pump_until(lambda: sim.acked >= total, 300)
        took = time.time() - sent_at
        print(f"as-run ingestion: {sim.acked}/{total} entries stored and acknowledged in "
              f"{took:.1f} s ({sim.acked / took:.0f} entries/s, SQLite)" + ("" if ok else " !"))
    finally:
        station.send_signal(signal.SIGINT)
        try:
            station.wait(timeout=20)
        except subprocess.TimeoutExpired:
            station.kill()
        subprocess.run(["bash", str(ROOT / "tools" / "start-mosquitto.sh"), "stop",
                        str(broker_dir), str(port)], capture_output=True)


if __name__ == "__main__":
    main()
