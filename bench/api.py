"""API latency benchmark: p50/p99 and requests per second of the week timetable
(GET /api/timetable) and of "now playing" (GET /api/now) with 50 concurrent clients on
loopback, against GET /api/health as the baseline, in the same run.

The server is a real uvicorn process running the real app (``api.app.create_app``) over a
SQLite store; the clients are one asyncio process with a minimal keep-alive HTTP/1.1 client
(httpx was tried: it spends more CPU per request than the server, on the same two cores).
Target: p99 under 50 ms with the
scheduler running and a broadcast playing: ``--station real`` runs the real station on the
virtual loudspeaker with a long program on air and reports the stream's underflows. By
default the station is a fake one (tests/api);
``--station package.module:factory`` uses another (``factory(settings, store)`` returning a
StationControl, e.g. the real station, started), so the same figures can be taken with the
station playing.

    .venv/bin/python bench/api.py [--duration 20] [--clients 50] [--station fake]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKEN = "loa_bench-token-0123456789abcdef"
ENDPOINTS = (
    ("health (baseline)", "/api/health"),
    ("timetable (week)", "/api/timetable"),
    ("now playing", "/api/now"),
)


# --- the server side (runs in the subprocess) ---------------------------------------------


def fake_station(settings: Any, store: Any) -> Any:
    """The tests' fake station with a realistic week: 12 broadcasts a day."""
    from broadcast.scheduling.model import Priority
    from broadcast.station.control import OnAir, TimetableEntry
    from tests.api.fake_station import FakeStation

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    entries = [
        TimetableEntry(
            slot_id=f"slot-{hour}",
            program_id=f"chuong-trinh-{hour}",
            program_title=f"Bản tin {hour} giờ",
            topic="Chuyển đổi số",
            priority=Priority.NORMAL,
            start=now + timedelta(days=day, hours=hour),
            original_start=now + timedelta(days=day, hours=hour),
            duration_seconds=600.0,
            status="planned",
        )
        for day in range(7)
        for hour in range(0, 24, 2)
    ]
    station = FakeStation(Path(settings.data_dir) / "previews", entries=entries)
    station.playing = OnAir(
        slot_id="slot-0",
        program_id="chuong-trinh-0",
        program_title="Bản tin sáng",
        priority=Priority.NORMAL,
        scheduled_start=now,
        actual_start=now,
        duration_seconds=600.0,
    )
    return station


UNDERFLOW_LOG = "playback-reports.jsonl"


def real_station(settings: Any, store: Any) -> Any:
    """The real station, started, on the sound output (the virtual loudspeaker in this
    bench), with a long program on air while the clients load the API. Each playback's
    underflow counts go to ``UNDERFLOW_LOG`` in the data dir."""
    from broadcast.playout.player import PlaybackReport, Player
    from broadcast.playout.sounddevice_sink import sink_from_settings
    from broadcast.programs import Program, Segment
    from broadcast.scheduling.model import Priority
    from broadcast.script_input import load_script
    from broadcast.station.runtime import Station

    settings = settings.model_copy(update={"engines": ["espeak"]})
    player = Player(sink_from_settings(settings))
    reports = Path(settings.data_dir) / UNDERFLOW_LOG

    def record(report: PlaybackReport) -> None:
        with reports.open("a") as out:
            out.write(json.dumps({"outcome": report.outcome.value, "underflows": report.underflows,
                                  "underruns": report.underruns}) + "\n")

    player.add_listener(record)
    station = Station(settings, store, player)
    station.startup()
    files = sorted((ROOT / "scripts").glob("*.txt"))
    text = "\n".join(load_script(path, 2_000_000).text for path in files)
    script = store.scripts.create(title="Bench", text=text, topic="chuyen-doi-so")
    store.scripts.approve(script.id, by="bench")
    store.programs.create(Program(id="bench", title="Bench", topic="chuyen-doi-so",
                                  segments=(Segment.stored_script(script.id),)))
    station.announce("bench", Priority.NORMAL)
    deadline = time.time() + 30
    while station.on_air() is None and time.time() < deadline:
        time.sleep(0.1)
    if station.on_air() is None:
        raise RuntimeError("the bench program did not go on air")
    return station


def load_factory(spec: str) -> Any:
    if spec == "fake":
        return fake_station
    if spec == "real":
        return real_station
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


def serve(port: int, data_dir: Path, station_spec: str) -> None:
    import uvicorn

    from api.app import create_app
    from api.bootstrap import ensure_admin
    from broadcast.settings import Settings
    from broadcast.store.store import open_store

    settings = Settings(data_dir=data_dir, load_example_timetable=False, bootstrap_token=TOKEN)
    store = open_store(settings.db_url)
    ensure_admin(store, settings)
    station = load_factory(station_spec)(settings, store)
    app = create_app(settings, store, station)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


# --- the client side ----------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_ready(base: str, timeout: float = 30.0) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get("/api/health")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)
    raise RuntimeError("the server did not start")


class _Connection:
    """A minimal keep-alive HTTP/1.1 GET client: the load generator must cost far less CPU
    than the server it measures (httpx costs ~3 ms of CPU per request, more than the API)."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str, token: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Authorization: Bearer {token}\r\n\r\n".encode()
        )
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        await self.reader.readexactly(length)
        return status

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()


async def load(
    base: str, path: str, clients: int, seconds: float, interval: float = 0.0
) -> dict[str, Any]:
    """Each client sends its next request as soon as the last is answered (``interval`` 0:
    saturation) or every ``interval`` seconds (a paced load, like browsers polling)."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        nonlocal errors
        connection = _Connection(host, int(port))
        next_at = time.perf_counter() + random.uniform(0, interval)
        try:
            while time.perf_counter() < stop_at:
                if interval:
                    await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
                    next_at += interval
                started = time.perf_counter()
                try:
                    ok = await connection.get(path, TOKEN) == 200
                except (OSError, asyncio.IncompleteReadError, ValueError):
                    ok = False
                    connection.close()
                    connection = _Connection(host, int(port))
                latencies.append(time.perf_counter() - started)
                errors += not ok
        finally:
            connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": cuts[49] * 1000,
        "p99_ms": cuts[98] * 1000,
    }


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def bench(
    base: str, clients: int, seconds: float, server_pid: int, interval: float
) -> dict[str, dict[str, Any]]:
    await wait_ready(base)
    results = {}
    for label, path in ENDPOINTS:
        await load(base, path, clients, min(2.0, seconds))  # warm up
        server_before, client_before = process_cpu_seconds(server_pid), own_cpu_seconds()
        result = await load(base, path, clients, seconds, interval)
        requests = max(result["requests"], 1)
        result["server_cpu_ms_per_request"] = (
            (process_cpu_seconds(server_pid) - server_before) * 1000 / requests
        )
        result["client_cpu_ms_per_request"] = (own_cpu_seconds() - client_before) * 1000 / requests
        results[label] = result
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per endpoint")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument(
        "--interval",
        type=float,
        default=0.0,
        help="seconds between one client's requests (0: as fast as answered)",
    )
    parser.add_argument(
        "--station", default="fake", help="fake, real (playing), or package.module:factory"
    )
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the server subprocess
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve, args.data_dir, args.station)
        return

    port = free_port()
    playback: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="loa-bench-api-") as data_dir:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        if args.station == "real":
            from tests.soundpath import VirtualSpeaker

            env = VirtualSpeaker.start().subprocess_env(env)
        server = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                str(port),
                "--data-dir",
                data_dir,
                "--station",
                args.station,
            ],
            env=env,
        )
        try:
            results = asyncio.run(
                bench(
                    f"http://127.0.0.1:{port}",
                    args.clients,
                    args.duration,
                    server.pid,
                    args.interval,
                )
            )
            if args.station == "real":  # end the broadcast so the player reports on it
                import httpx

                httpx.post(f"http://127.0.0.1:{port}/api/onair/stop",
                           headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
                time.sleep(2.0)
                log = Path(data_dir) / UNDERFLOW_LOG
                if log.exists():
                    playback = [json.loads(line) for line in log.read_text().splitlines()]
        finally:
            server.terminate()
            server.wait(timeout=10)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    base = results[ENDPOINTS[0][0]]
    pace = (
        f"one request every {args.interval:g} s each" if args.interval else "as fast as answered"
    )
    print(
        f"{args.clients} concurrent clients, {args.duration:g} s per endpoint, {pace}, "
        f"station: {args.station}, {os.cpu_count()} CPUs (clients and server share them)"
    )
    print(
        f"{'endpoint':<20}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'p99/base':>10}{'errors':>8}"
        f"{'server CPU ms/req':>19}{'client CPU ms/req':>19}"
    )
    for label, r in results.items():
        ratio = r["p99_ms"] / base["p99_ms"] if base["p99_ms"] else float("nan")
        print(
            f"{label:<20}{r['rps']:>9.0f}{r['p50_ms']:>9.1f}{r['p99_ms']:>9.1f}"
            f"{ratio:>10.2f}{r['errors']:>8}{r['server_cpu_ms_per_request']:>19.2f}"
            f"{r['client_cpu_ms_per_request']:>19.2f}"
        )
    if args.station == "real":
        if not playback:
            print("broadcast during the load: NO playback report (did it play?)")
        for report in playback:
            print(f"broadcast during the load: {report['outcome']}, "
                  f"{report['underflows']} stream underflows, {report['underruns']} buffer "
                  "underruns (target: 0)")
    worst = max(r["p99_ms"] for label, r in results.items() if label != ENDPOINTS[0][0])
    print(f"target p99 < 50 ms: {'met' if worst < 50 else 'NOT met'} (worst {worst:.1f} ms)")


if __name__ == "__main__":
    main()
