"""Station-to-cluster offset of a relay on a speaker cluster (issue 13/14).

    .venv/bin/python bench/cluster_stream.py [--runs 1]

Runs tests/e2e/stream_rig.py: a real station relaying pink noise from a private Icecast, a
real `broadcast agent` on its own virtual loudspeaker, both recorded; the station's publisher
is frozen 4 s in the middle. The figure is where the station's sound is heard on the cluster,
measured by cross-correlation of the two recordings over 1 s windows, beside the fixed delay
(``BROADCAST_CLUSTER_DELAY_SECONDS``): every cluster should be within a few ms of it, so that
two clusters heard at once do not echo. Also printed: how soon the cluster's fallback covers
the stall and how soon the stream is back.

The figure is an offset with a target (every cluster within 20 ms of the station + delay,
the same target as a program's onset on a cluster), not a speed: there is no baseline to
divide by. A plain player of the published stream (ffmpeg | pacat, tuned in at the relay's
start) was tried as one: it played the stream many seconds late and stopped at the stall.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.stream_rig import SECONDS, STALL_AFTER, StreamRun, stream_run  # noqa: E402

WINDOW = 1.0


def offsets(run: StreamRun, start: float, end: float) -> list[tuple[float, float]]:
    """(ncc, offset) per window (half overlapping) of the station's sound in [start, end)."""
    out = []
    t = start
    while t + WINDOW <= end:
        out.append(run.offset_at(t, WINDOW))
        t += WINDOW / 2
    return out


def one_run(base: Path) -> dict[str, float]:
    with stream_run(base) as run:
        heard = run.kinds(run.delay, run.start + run.delay + 0.2, run.end - 0.2)
        cut = run.stalled + run.delay
        fallback_at = next(t for t, k in heard if t >= cut - 0.5 and k == "other")
        back_at = next(t for t, k in heard if t > fallback_at and k == "stream")
        windows = offsets(run, run.start + 0.2, run.start + STALL_AFTER - 0.2)
        windows += offsets(run, back_at - run.delay + 0.5, run.start + SECONDS - 0.2)
        good = [o - run.delay for s, o in windows if s > 0.8]
        return {
            "windows": len(windows), "matched": len(good),
            "mean_ms": statistics.fmean(good) * 1000,
            "worst_ms": max(abs(g) for g in good) * 1000,
            "fallback_s": fallback_at - cut,
            "back_s": back_at - (run.resumed + run.delay),
            "delay_s": run.delay,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    for n in range(args.runs):
        with tempfile.TemporaryDirectory(prefix="loa-bench-stream-") as tmp:
            r = one_run(Path(tmp))
        print(f"run {n + 1}: station-to-cluster offset {r['mean_ms']:+.1f} ms beside the "
              f"{r['delay_s']:g} s delay (worst {r['worst_ms']:.1f} ms over "
              f"{r['matched']}/{r['windows']} windows of {WINDOW:g} s, target <= 20 ms); "
              f"fallback {r['fallback_s']:.1f} s after the stall reached the cluster, stream "
              f"back {r['back_s']:.1f} s after the publisher's return")


if __name__ == "__main__":
    main()
