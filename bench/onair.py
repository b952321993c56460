"""On-air timing through the virtual loudspeaker, and the station at scale.

1. Timing: a real `broadcast serve` airs >= 20 one-off occurrences of a short program; the
   null sink's monitor is recorded and each occurrence's onset located by correlation with
   the rendered file. Prints p50/p99/max of (onset - scheduled instant). Target: p99 within
   +/-20 ms. For scale (DESIGN.md): Liquidsoap driven the LibreTime way ~ +272 ms p50.
2. Scale: a database with 10,000 slots laid out as a busy station's (``realistic_slots``):
   server start time (target <= 3 s) and the week's timetable query through the API (target
   <= 200 ms), against GET /api/health in the same run as the baseline.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import soundfile  # noqa: E402

from tests.e2e.station_server import TOKEN, TZ, StationServer, whole_second_ahead  # noqa: E402
from tests.soundpath import VirtualSpeaker, best_alignment  # noqa: E402

OCCURRENCES = 20
SPACING_SECONDS = 6


def timing(speaker: VirtualSpeaker) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = StationServer(Path(tmp), speaker).start()
        try:
            program = server.approved_program("Đo thời gian", "Xin chào bà con.", jingle=True)
            first = whole_second_ahead(10)
            starts = [first + timedelta(seconds=SPACING_SECONDS * n) for n in range(OCCURRENCES)]
            slots = [server.one_off_slot(program, starts[0])]
            # Once rendered, the program's length is known and the slots do not clash.
            length = soundfile.info(str(server.wait_for_render(program))).duration
            assert length < SPACING_SECONDS - 1, f"program too long: {length:.1f} s"
            slots += [server.one_off_slot(program, at) for at in starts[1:]]
            with speaker.recorder() as rec:
                for slot in slots:
                    server.wait_for_outcome(slot, timeout=SPACING_SECONDS * OCCURRENCES + 60)
            ref, _ = soundfile.read(str(server.rendered_file(program)), dtype="float32")
            head = ref[: 48_000]
            offsets = []
            for at in starts:
                begin = rec.recording.index_at(at.timestamp() - 1.0)
                window = rec.recording.samples[begin : begin + 3 * 48_000]
                score, lag = best_alignment(window, head)
                if score < 0.9:
                    print(f"  {at:%H:%M:%S}: not found (ncc {score:.2f})")
                    continue
                offsets.append((rec.recording.time_of(begin + lag) - at.timestamp()) * 1000)
        finally:
            server.stop()
    offsets.sort()
    p99 = float(np.percentile(offsets, 99))
    print(f"on-air onset over {len(offsets)}/{OCCURRENCES} occurrences: "
          f"p50 {statistics.median(offsets):+.1f} ms, p99 {p99:+.1f} ms, "
          f"max |{max(abs(o) for o in offsets):.1f}| ms   target: p99 within +/-20 ms")
    print("  for scale (DESIGN.md, same rig): Liquidsoap/LibreTime p50 +272 ms, max +298 ms")


def realistic_slots() -> list:
    """10,000 slots laid out the way a busy station's would be: 2,000 weekly slots on two to
    four weekdays and 8,000 one-offs over the coming year, at times from 05:00 to 22:00 (each
    on its own 6-second cell of the day, so none clash), across 100 programs."""
    import random

    from broadcast.scheduling.model import Slot

    rng = random.Random(57)
    cells = list(range((22 - 5) * 3600 // 6))
    rng.shuffle(cells)
    today = datetime.now(TZ).date()
    slots = []
    for n in range(10_000):
        seconds = 5 * 3600 + cells[n] * 6
        at = dtime(seconds // 3600, seconds % 3600 // 60, seconds % 60)
        program = f"p{n % 100}"
        if n < 2_000:
            days = frozenset(rng.sample(range(7), rng.randint(2, 4)))
            slots.append(Slot(id=f"s{n}", program_id=program, time=at, days=days,
                              max_duration=timedelta(seconds=5)))
        else:
            day = today + timedelta(days=rng.randrange(365))
            slots.append(Slot(id=f"s{n}", program_id=program, time=at, on_date=day,
                              max_duration=timedelta(seconds=5)))
    return slots


def scale(speaker: VirtualSpeaker) -> None:
    from broadcast.programs import Program, Segment
    from broadcast.store.store import open_store

    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        store = open_store(f"sqlite:///{data / 'loa.db'}")
        programs = [Program(id=f"p{n}", title=f"Chương trình {n}", topic="thu-nghiem",
                            segments=(Segment.silence(1.0),)) for n in range(100)]
        slots = realistic_slots()
        store.replace_timetable(programs, slots, [], now=datetime.now(UTC))
        store.close()
        server = StationServer(data, speaker)
        started = time.perf_counter()
        server.start()
        start_s = time.perf_counter() - started
        try:
            import httpx

            client = httpx.Client(base_url=server.base_url, timeout=30,
                                  headers={"Authorization": f"Bearer {TOKEN}"})

            def timed(path: str, n: int = 20) -> float:
                samples = []
                for _ in range(n):
                    t0 = time.perf_counter()
                    client.get(path).raise_for_status()
                    samples.append(time.perf_counter() - t0)
                return statistics.median(samples) * 1000

            today = datetime.now(TZ).date()
            weeks = []  # a different week each time: no answer comes from the API's cache
            for k in range(20):
                first = today + timedelta(days=k)
                weeks.append(f"/api/timetable?from={first}&to={first + timedelta(days=6)}")
            week_ms = statistics.median(timed(path, 1) for path in weeks)
            week_occurrences = len(client.get(weeks[0]).json())
            health_ms = timed("/api/health")
        finally:
            server.stop()
    print(f"10,000 slots (2,000 weekly, 8,000 one-offs over a year, 05:00-22:00; "
          f"{week_occurrences} airings in a week): server start {start_s:.2f} s "
          f"(target <= 3 s); week timetable {week_ms:.1f} ms (target <= 200 ms), "
          f"/api/health {health_ms:.1f} ms (ratio {week_ms / health_ms:.1f}x)")


if __name__ == "__main__":
    virtual = VirtualSpeaker.start()
    if "--scale-only" not in sys.argv:
        timing(virtual)
    scale(virtual)
