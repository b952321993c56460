"""API benchmark (issue 8): the capacity of the API apart from its latency at a paced load.

For each endpoint - GET /api/health (the baseline), GET /api/timetable (the week) and
GET /api/now (now playing) - two figures, on loopback, in the same run:

- capacity: requests per second when saturated (``--clients`` clients, each sending its next
  request as soon as the last is answered);
- latency: p50/p99 at a paced load (``--rate`` requests per second in all, spread over the
  clients, like browsers polling), each request timed from when it was *meant* to be sent, so
  the time a request waits behind others counts.

``--station fake`` (default): a uvicorn process running the real app over SQLite with the
tests' fake station and a week of 12 broadcasts a day. ``--station real``: a real
``broadcast serve`` (scheduler, audio engine process, the virtual loudspeaker) with the same
week on its timetable and a continuous tone on air during the whole load; the loudspeaker's
output is recorded and the tone's gaps counted at 1 ms resolution - what a listener hears,
not the sound library's underflow flag.

Target: p99 under 50 ms at the paced load with the station playing, and no gap in the tone.

    .venv/bin/python bench/api.py [--station fake|real] [--seconds 10] [--clients 50] [--rate 100]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import os
import random
import resource
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The real station (bench/isolation.py) is started with this token as its admin's.
TOKEN = "loa_isolation_bench_token_0123456789"
ENDPOINTS = (
    ("health (baseline)", "/api/health"),
    ("timetable (week)", "/api/timetable"),
    ("now playing", "/api/now"),
)
BROADCASTS_A_DAY = 12


# --- the fake station's server (runs in a subprocess) --------------------------------------


def fake_station(settings: Any, store: Any) -> Any:
    """The tests' fake station with a realistic week and a program on air."""
    from broadcast.scheduling.model import Priority
    from broadcast.station.control import OnAir, TimetableEntry
    from tests.api.fake_station import FakeStation

    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    entries = [
        TimetableEntry(
            slot_id=f"slot-{hour}", announcement_id=None, program_id=f"chuong-trinh-{hour}",
            program_title=f"Bản tin {hour} giờ", topic="Chuyển đổi số",
            priority=Priority.NORMAL, start=now + timedelta(days=day, hours=hour),
            original_start=now + timedelta(days=day, hours=hour), duration_seconds=600.0,
            status="planned",
        )
        for day in range(7)
        for hour in range(0, 24, 24 // BROADCASTS_A_DAY)
    ]
    station = FakeStation(Path(settings.data_dir) / "previews", store, entries=entries)
    station.playing = OnAir(
        slot_id="slot-0", announcement_id=None, program_id="chuong-trinh-0",
        program_title="Bản tin sáng", priority=Priority.NORMAL, scheduled_start=now,
        actual_start=now, duration_seconds=600.0,
    )
    return station


def serve_fake(port: int, data_dir: Path) -> None:
    import uvicorn

    from api.app import create_app
    from api.bootstrap import ensure_admin
    from broadcast.settings import Settings
    from broadcast.store.store import open_store

    settings = Settings(data_dir=data_dir, load_example_timetable=False, bootstrap_token=TOKEN)
    store = open_store(settings.db_url)
    ensure_admin(store, settings)
    app = create_app(settings, store, fake_station(settings, store))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def fake_server() -> Iterator[tuple[str, int]]:
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="loa-bench-api-") as data_dir:
        server = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(port), "--data-dir", data_dir],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        try:
            yield f"http://127.0.0.1:{port}", server.pid
        finally:
            server.terminate()
            server.wait(timeout=10)


# --- the load ------------------------------------------------------------------------------


async def wait_ready(base: str, timeout: float = 60.0) -> None:
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

    async def get(self, path: str) -> int:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {self.host}\r\n"
            f"Authorization: Bearer {TOKEN}\r\n\r\n".encode()
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


async def load(base: str, path: str, clients: int, seconds: float,
               interval: float | None) -> dict[str, Any]:
    """``interval`` None: each client sends as soon as it is answered (saturation); else
    every ``interval`` seconds, each request timed from its planned send."""
    host, port = base.removeprefix("http://").split(":")
    latencies: list[float] = []
    statuses: Counter[int | str] = Counter()
    stop_at = time.perf_counter() + seconds

    async def worker() -> None:
        connection = _Connection(host, int(port))
        planned = time.perf_counter() + random.uniform(0, interval or 0.0)
        try:
            while planned < stop_at:
                if interval is None:
                    planned = time.perf_counter()
                else:
                    await asyncio.sleep(max(0.0, planned - time.perf_counter()))
                try:
                    statuses[await connection.get(path)] += 1
                except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
                    statuses[type(exc).__name__] += 1
                    connection.close()
                    connection = _Connection(host, int(port))
                latencies.append(time.perf_counter() - planned)  # queueing counts
                if interval is not None:
                    planned += interval
        finally:
            connection.close()

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(clients)))
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    errors = {str(status): n for status, n in statuses.items() if status != 200}
    return {"requests": len(latencies), "errors": errors, "rps": len(latencies) / elapsed,
            "p50_ms": cuts[49] * 1000, "p99_ms": cuts[98] * 1000}


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def bench(base: str, server_pid: int, args: argparse.Namespace) -> dict[str, Any]:
    await wait_ready(base)
    interval = args.clients / args.rate
    results: dict[str, Any] = {}
    for label, path in ENDPOINTS:
        await load(base, path, args.clients, 2.0, None)  # warm up
        capacity = await load(base, path, args.clients, args.seconds, None)
        server_before, client_before = process_cpu_seconds(server_pid), own_cpu_seconds()
        paced = await load(base, path, args.clients, args.seconds, interval)
        requests = max(paced["requests"], 1)
        paced["server_cpu_ms"] = (process_cpu_seconds(server_pid) - server_before) * 1000 / requests
        paced["client_cpu_ms"] = (own_cpu_seconds() - client_before) * 1000 / requests
        results[label] = {"capacity": capacity, "paced": paced}
    return results


# --- the real station ----------------------------------------------------------------------


def week_of_broadcasts(station: Any, avoid: datetime) -> None:
    """12 broadcasts a day, every day, of a one-second program, away from the tone's hour."""
    from bench.isolation import tone_wav

    station.ok("POST", "/api/media", data={"kind": "audio", "name": "tin"},
               files={"file": ("tin.wav", tone_wav(1.0), "audio/wav")})
    program = station.ok("POST", "/api/programs", json={
        "title": "Bản tin", "segments": [{"type": "audio", "name": "tin"}]}).json()
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    for hour in range(0, 24, 24 // BROADCASTS_A_DAY):
        if abs(hour - avoid.hour) <= 1 or abs(hour - avoid.hour) >= 23:
            continue
        station.ok("POST", "/api/slots", json={
            "program_id": program["id"], "time": f"{hour:02d}:30", "days": days})


def run_real(args: argparse.Namespace) -> tuple[dict[str, Any], Any, float]:
    """The load against a real `broadcast serve` airing a tone; returns the figures, what the
    recording heard of the tone, and the tone's length."""
    from bench.isolation import TZ, Station, ToneHeard, schedule_tone
    from tests.soundpath import VirtualSpeaker

    load_seconds = len(ENDPOINTS) * (2.0 + 2 * args.seconds) + 10
    speaker = VirtualSpeaker.start(os.environ.get("LOA_PULSE_DIR"))
    speaker.keep_warm()
    atexit.register(speaker.let_cool)
    with tempfile.TemporaryDirectory(prefix="loa-bench-api-") as tmp:
        station = Station(ROOT, Path(tmp), speaker)
        try:
            week_of_broadcasts(station, datetime.now(TZ))
            at, length = schedule_tone(station, Path(tmp), load_seconds + 6)
            while time.time() < at.timestamp() - 3:
                time.sleep(0.1)
            with speaker.recorder() as rec:
                while time.time() < at.timestamp() + 2:
                    time.sleep(0.05)
                results = asyncio.run(bench(station.base, station.process.pid, args))
                while time.time() < at.timestamp() + length + 2:
                    time.sleep(0.1)
        finally:
            station.stop()
    assert rec.recording is not None
    return results, ToneHeard.of(rec.recording, at, length), length


# --- the report ----------------------------------------------------------------------------


def failed(result: dict[str, Any]) -> int:
    return sum(sum(result[phase]["errors"].values()) for phase in ("capacity", "paced"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--station", choices=("fake", "real"), default="fake")
    parser.add_argument("--seconds", type=float, default=10.0, help="per phase and endpoint")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--rate", type=float, default=100.0,
                        help="requests per second in all at the paced load")
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)  # the fake server
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_fake(args.serve, args.data_dir)
        return

    heard = None
    if args.station == "real":
        results, heard, tone_length = run_real(args)
    else:
        with fake_server() as (base, pid):
            results = asyncio.run(bench(base, pid, args))
    print(f"station: {args.station}; {args.clients} clients; {args.seconds:g} s per phase; "
          f"paced load {args.rate:g} requests/s in all, timed from the planned send; "
          f"{os.cpu_count()} CPUs shared by the clients and the server")
    print(f"{'endpoint':<20}{'capacity req/s':>15}{'p50 ms':>9}{'p99 ms':>9}{'p99/base':>10}"
          f"{'errors':>8}{'server CPU ms/req':>19}{'client CPU ms/req':>19}")
    base_p99 = results[ENDPOINTS[0][0]]["paced"]["p99_ms"]
    for label, r in results.items():
        paced, capacity = r["paced"], r["capacity"]
        ratio = paced["p99_ms"] / base_p99 if base_p99 else float("nan")
        print(f"{label:<20}{capacity['rps']:>15.0f}{paced['p50_ms']:>9.1f}"
              f"{paced['p99_ms']:>9.1f}{ratio:>10.2f}{failed(r):>8}"
              f"{paced['server_cpu_ms']:>19.2f}{paced['client_cpu_ms']:>19.2f}")
    for label, r in results.items():
        for phase in ("capacity", "paced"):
            if r[phase]["errors"]:
                print(f"  {label}, {phase}: answers other than 200: {r[phase]['errors']}")
    worst = max(r["paced"]["p99_ms"] for label, r in results.items()
                if label != ENDPOINTS[0][0])
    print(f"target p99 < 50 ms at {args.rate:g} req/s: {'met' if worst < 50 else 'NOT met'} "
          f"(worst {worst:.1f} ms)")
    if args.station == "real":
        if heard is None:
            print("the tone on air: NOTHING WAS HEARD")
        else:
            print(f"the tone on air ({tone_length:.0f} s, recorded from the loudspeaker): onset "
                  f"{heard.onset_ms:+.1f} ms, {heard.long_dropouts} gaps over 5 ms, longest "
                  f"{heard.longest_ms:.0f} ms ({heard.dropouts} of any length), heard "
                  f"{heard.heard_seconds:.1f} s (target: no gap over 5 ms)")


if __name__ == "__main__":
    main()
