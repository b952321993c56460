"""Onset accuracy through the audio engine process vs the in-process sink, same run.

    .venv/bin/python bench/engine_onset.py [--runs 20] [--busy-runs 8] [--dir DIR]

Each run schedules a noise burst a little ahead, through ``EngineSink`` (a separate engine
process, commands over a pipe) and, alternately, through an in-process
``SounddeviceSink`` (the baseline: today's station), and finds where the virtual
loudspeaker played it (recorded on its monitor, see tests/soundpath.py). The station side
(both sinks) runs in a child process; this process only records, so that its time stamps
are not delayed by the station's load. Printed per sink:
the heard onset minus the scheduled instant (p50, p99, max), how many were not found or
not intact, and device underflows.

Then the same with the station process busy: threads that hold the GIL in long C calls
(json.loads of a 47 MB document, as a parser does with an inflated upload) and in Python
loops. Programmes are handed over 2.5 s ahead there, as the station does (it arms a slot
seconds before air), so that what is measured is the output, not how late the busy
process sends its commands; a start whose command still left the station after its instant
is counted apart (the station was late, not the output). Printed in addition: gaps in the
recorded programmes (runs of >= 5 ms of silence inside a 2 s noise burst) and the longest
one. The engine's output does not share the station's GIL; the in-process sink's does.
"""

from __future__ import annotations

import argparse
import atexit
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.soundpath import Recording, VirtualSpeaker, best_alignment  # noqa: E402

RATE = 48_000
GAP_SECONDS = 0.005


def burst(seed: int, seconds: float) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(int(seconds * RATE)) * 0.25
    return np.clip(x, -0.9, 0.9).astype(np.float32)


@dataclass
class Trial:
    scheduled: float
    signal: np.ndarray
    handle: Any


@dataclass
class Result:
    name: str
    offsets: list[float | None] = field(default_factory=list)  # ms, None: not found
    scores: list[float] = field(default_factory=list)
    gaps: list[float] = field(default_factory=list)  # seconds of each gap found
    underflows: int = 0
    late_handovers: list[float] = field(default_factory=list)  # s after the instant


def locate(rec: Recording, scheduled: float, reference: np.ndarray) -> tuple[float | None, float]:
    """(heard onset minus scheduled in ms, correlation) by aligning the whole program."""
    begin = rec.index_at(scheduled - 0.3)
    window = rec.samples[begin : begin + len(reference) + int(0.8 * RATE)]
    score, lag = best_alignment(window, reference)
    if score < 0.5:
        return None, score
    return (rec.time_of(begin + lag) - scheduled) * 1000, score


def gaps_in(rec: Recording, start: float, seconds: float) -> list[float]:
    """Runs of silence of at least GAP_SECONDS inside [start, start + seconds]."""
    x = rec.samples[rec.index_at(start + 0.01) : rec.index_at(start + seconds - 0.01)]
    quiet = np.abs(x) < 1e-4
    found, run = [], 0
    for q in quiet:  # noqa: B007 - a plain loop is clear and fast enough for 2 s
        run = run + 1 if q else 0
        if run == int(GAP_SECONDS * RATE):
            found.append(0.0)
        if run >= int(GAP_SECONDS * RATE):
            found[-1] = run / RATE
    return found


def schedule(sink: Any, tmp: Path, name: str, signal: np.ndarray, lead: float) -> Trial:
    from broadcast.playout.source import ProgramSource

    path = tmp / f"{name}.wav"
    soundfile.write(str(path), signal, RATE, subtype="FLOAT")
    scheduled = time.time() + lead + 0.1 * np.random.default_rng(len(name)).random()
    handle = sink.start_at(ProgramSource(path), datetime.fromtimestamp(scheduled, UTC))
    return Trial(scheduled, signal, handle)


def station(args: argparse.Namespace) -> None:
    """The station side, in a process of its own: both sinks (and the busy threads)."""
    from broadcast.engine.client import EngineProcess, EngineSink
    from broadcast.playout.sounddevice_sink import SounddeviceSink

    tmp = Path(args.dir) / "programs"
    engine = EngineProcess(
        ["--device", "pulse", "--rate", str(RATE)], state_path=tmp / "engine-state.json"
    )
    engine_sink = EngineSink(engine, device="pulse")
    engine.start()
    if not engine.wait_ready(30):
        raise SystemExit("the engine did not start")
    engine_sink.open()
    local_sink = SounddeviceSink("pulse", samplerate=RATE)
    local_sink.open()
    sinks = {"engine process (EngineSink)": engine_sink, "in-process SounddeviceSink": local_sink}
    hogs = Hogs() if args.busy else None
    try:
        if hogs is not None:
            hogs.start()
        for n in range(args.runs):
            for k, (name, sink) in enumerate(sinks.items()):  # alternate: same conditions
                seed = args.seed + 10 * n + k
                trial = schedule(
                    sink, tmp, f"{args.seed}-{k}-{n}", burst(seed, args.seconds), args.lead
                )
                handed_over = time.time()  # start_at returned: the engine has the command
                trial.handle.wait(args.lead + args.seconds + 5)
                line = {
                    "sink": name, "seed": seed, "scheduled": trial.scheduled,
                    "late_handover": max(0.0, handed_over - trial.scheduled),
                    "underflows": trial.handle.underflows,
                    "reason": str(trial.handle.end_reason),
                }
                print(json.dumps(line), flush=True)
                time.sleep(0.15)
    finally:
        if hogs is not None:
            hogs.stop()
        local_sink.close()
        engine_sink.close()


def run(
    speaker: VirtualSpeaker, args: argparse.Namespace, runs: int, seconds: float, seed: int,
    lead: float, busy: bool,
) -> list[Result]:
    """Record while a station process plays; the recorder's process does nothing else."""
    command = [
        sys.executable, __file__, "--station", "--dir", args.dir, "--runs", str(runs),
        "--seconds", str(seconds), "--seed", str(seed), "--lead", str(lead),
    ] + (["--busy"] if busy else [])
    with speaker.recorder(latency_msec=20) as rec:
        child = subprocess.run(
            command, env=speaker.subprocess_env(), capture_output=True, text=True, timeout=900,
        )
        time.sleep(0.3)
    if child.returncode != 0:
        raise SystemExit(f"station process failed:\n{child.stderr[-3000:]}")
    if busy:
        print("  " + next(line for line in child.stderr.splitlines() if "busy:" in line))
    recording = rec.recording
    assert recording is not None
    results: dict[str, Result] = {}
    for line in child.stdout.splitlines():
        trial = json.loads(line)
        result = results.setdefault(trial["sink"], Result(trial["sink"]))
        signal = burst(trial["seed"], seconds)
        offset, score = locate(recording, trial["scheduled"], signal)
        result.offsets.append(offset)
        result.scores.append(score)
        result.underflows += trial["underflows"]
        if trial["late_handover"] > 0:
            result.late_handovers.append(trial["late_handover"])
        gaps = [] if offset is None else gaps_in(
            recording, trial["scheduled"] + offset / 1000, seconds
        )
        result.gaps += gaps
        if args.verbose:
            at = datetime.fromtimestamp(trial["scheduled"], UTC).strftime("%H:%M:%S.%f")[:-3]
            shown = "not found" if offset is None else f"{offset:+.1f} ms"
            print(f"    {trial['sink']:30s} {at} {shown:>12s} ncc {score:.3f} "
                  f"gaps {[round(g * 1000, 1) for g in gaps]} {trial['reason']} "
                  f"underflows {trial['underflows']}"
                  + (f", handed over {1000 * trial['late_handover']:.0f} ms after its instant"
                     if trial["late_handover"] else ""))
    return list(results.values())


def report(title: str, results: list[Result], show_gaps: bool) -> None:
    print(title)
    for r in results:
        heard = np.array([o for o in r.offsets if o is not None])
        missing = sum(1 for o in r.offsets if o is None)
        damaged = sum(1 for o, s in zip(r.offsets, r.scores, strict=True) if o is None or s < 0.99)
        if len(heard) == 0:
            print(f"  {r.name:34s} nothing found in {len(r.offsets)} runs")
            continue
        worst = float(heard[np.argmax(np.abs(heard))])
        print(
            f"  {r.name:34s} p50 {np.percentile(heard, 50):+7.1f} ms  "
            f"p99 {np.percentile(heard, 99):+7.1f} ms  max {worst:+7.1f} ms  "
            f"not found {missing}/{len(r.offsets)}, not intact {damaged}, "
            f"underflows {r.underflows}"
        )
        if show_gaps:
            longest = max(r.gaps, default=0.0) * 1000
            print(f"  {'':34s} gaps >= 5 ms: {len(r.gaps)}, longest {longest:.1f} ms")
        if r.late_handovers:
            print(
                f"  {'':34s} {len(r.late_handovers)} handed over after their instant by the "
                f"busy station (up to {1000 * max(r.late_handovers):.0f} ms): late by the "
                "station, not by the output"
            )


class Hogs:
    """Threads of the station process that hold the GIL for long stretches."""

    def __init__(self, threads: int = 3) -> None:
        self._stop = threading.Event()
        doc = json.dumps([{"t": "đoạn văn " * 8, "n": i} for i in range(220_000)])
        self._threads = [
            threading.Thread(target=self._parse, args=(doc,), daemon=True),
            *[threading.Thread(target=self._spin, daemon=True) for _ in range(threads - 1)],
        ]
        print(f"busy: json.loads of a {len(doc) / 1e6:.0f} MB document in a loop, "
              f"{threads - 1} Python loops", file=sys.stderr, flush=True)

    def start(self) -> None:
        for t in self._threads:
            t.start()

    def stop(self) -> None:
        self._stop.set()
        for t in self._threads:
            t.join()

    def _parse(self, doc: str) -> None:
        while not self._stop.is_set():
            json.loads(doc)  # one C call holding the GIL for its whole duration

    def _spin(self) -> None:
        x = 0
        while not self._stop.is_set():
            for i in range(10_000):
                x += i * i


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--busy-runs", type=int, default=8)
    parser.add_argument("--dir", default="/tmp/loa-pulse-bench-engine")
    parser.add_argument("--verbose", action="store_true", help="print every start")
    parser.add_argument("--station", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--busy", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--seconds", type=float, default=0.4, help=argparse.SUPPRESS)
    parser.add_argument("--seed", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--lead", type=float, default=0.6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.station:
        station(args)
        return
    speaker = VirtualSpeaker.start(args.dir)
    speaker.keep_warm()
    atexit.register(speaker.let_cool)
    (Path(args.dir) / "programs").mkdir(parents=True, exist_ok=True)
    print(f"{args.runs} starts each, alternating, through the virtual loudspeaker "
          f"({args.dir}); onset = heard minus scheduled")
    report("quiet station process, 0.4 s bursts handed over 0.6 s ahead:",
           run(speaker, args, args.runs, 0.4, 100, 0.6, busy=False), show_gaps=False)
    print(f"\n{args.busy_runs} starts each with the station process busy, 2 s bursts "
          "handed over 2.5 s ahead:")
    report("busy station process:",
           run(speaker, args, args.busy_runs, 2.0, 5000, 2.5, busy=True), show_gaps=True)


if __name__ == "__main__":
    main()
