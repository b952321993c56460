"""Onset of a scheduled program on the virtual loudspeaker: Loa's sink vs naive sounddevice.play().

    .venv/bin/python bench/playout_onset.py [--runs 20] [--dir /tmp/loa-pulse-bench]

Each run schedules a 0.4 s noise burst a little ahead and finds where the null sink
played it (recorded on its monitor, see tests/soundpath.py). Printed: the offset of the
heard onset from the scheduled instant (p50, p99, max), how many runs were silent or cut
short (correlation with the burst < 0.9) or not intact (< 0.99: head or tail lost),
and, in the same run, the baseline: a thread that sleeps until the instant and calls
sounddevice.play() (what a scheduler job would do naively). A check of the measuring
method itself is printed too: a second recorder with another chunk size must agree.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.soundpath import Recording, VirtualSpeaker, best_alignment, onset  # noqa: E402

RATE = 48_000


def burst(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return np.clip(rng.standard_normal(int(0.4 * RATE)) * 0.25, -0.9, 0.9).astype(np.float32)


def measure(rec: Recording, scheduled: float, reference: np.ndarray) -> tuple[float | None, float]:
    """(heard onset minus scheduled, in ms, or None if silent; correlation with reference)."""
    start = rec.index_at(scheduled - 0.3)
    i = onset(rec.samples, 0.02, start)
    if i is None or rec.time_of(i) > scheduled + 1.0:
        return None, 0.0
    heard = rec.time_of(i)
    # A window wide enough that a program whose head was lost still aligns (and scores low).
    window = rec.samples[max(0, i - len(reference)) : i + 2 * len(reference)]
    score, _ = best_alignment(window, reference)
    return (heard - scheduled) * 1000, score


def summarize(name: str, offsets: list[float | None], scores: list[float]) -> dict[str, float]:
    heard = np.array([o for o in offsets if o is not None])
    bad = sum(1 for o, s in zip(offsets, scores, strict=True) if o is None or s < 0.9)
    damaged = sum(1 for o, s in zip(offsets, scores, strict=True) if o is None or s < 0.99)
    if len(heard) == 0:
        print(f"{name:46s} nothing heard in {len(offsets)} runs")
        return {"p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    stats = {
        "p50": float(np.percentile(heard, 50)),
        "p99": float(np.percentile(heard, 99)),
        "max": float(heard[np.argmax(np.abs(heard))]),
        "absmax": float(np.max(np.abs(heard))),
    }
    print(
        f"{name:46s} p50 {stats['p50']:+7.1f} ms  p99 {stats['p99']:+7.1f} ms  "
        f"max {stats['max']:+7.1f} ms  silent/cut short {bad}/{len(offsets)}"
    )
    print(
        f"  content: lowest correlation with the program {min(scores):.3f}; "
        f"not intact (< 0.99) {damaged}/{len(offsets)}"
    )
    return stats


def run_sink(speaker: VirtualSpeaker, tmp: Path, runs: int) -> None:
    import soundfile

    from broadcast.playout.sounddevice_sink import SounddeviceSink
    from broadcast.playout.source import ProgramSource

    rec20 = speaker.recorder(latency_msec=20).start()
    rec60 = speaker.recorder(latency_msec=60).start()
    sink = SounddeviceSink("pulse", samplerate=RATE)
    sink.open()
    trials = []
    for n in range(runs):
        signal = burst(n)
        path = tmp / f"burst-{n}.wav"
        soundfile.write(str(path), signal, RATE, subtype="FLOAT")
        scheduled = time.time() + 0.6 + 0.1 * np.random.default_rng(n).random()
        handle = sink.start_at(ProgramSource(path), datetime.fromtimestamp(scheduled, UTC))
        handle.wait(5)
        trials.append((scheduled, signal, handle))
        time.sleep(0.1)
    time.sleep(0.3)
    recs = (rec20.stop(), rec60.stop())
    sink.close()
    offsets, scores, other, dac, underflows = [], [], [], [], 0
    for scheduled, signal, handle in trials:
        offset, score = measure(recs[0], scheduled, signal)
        offsets.append(offset)
        scores.append(score)
        other.append(measure(recs[1], scheduled, signal)[0])
        if handle.actual_start is not None:
            dac.append((handle.actual_start.timestamp() - scheduled) * 1000)
        underflows += handle.underflows
    summarize("warm stream, start at the DAC-time sample", offsets, scores)
    pairs = [(a, b) for a, b in zip(offsets, other, strict=True) if a is not None and b is not None]
    diff = np.abs([a - b for a, b in pairs])
    print(
        f"  method check: 20 ms vs 60 ms recorder agree within {diff.max():.2f} ms (max), "
        f"sink's own DAC-time report p50 {np.median(dac):+.2f} ms; device underflows {underflows}"
    )


def run_baseline(speaker: VirtualSpeaker, runs: int) -> None:
    import sounddevice as sd

    rec = speaker.recorder(latency_msec=20).start()
    trials = []
    for n in range(runs):
        signal = burst(1000 + n)
        scheduled = time.time() + 0.6 + 0.1 * np.random.default_rng(n).random()

        def job(at: float = scheduled, data: np.ndarray = signal) -> None:
            time.sleep(max(0.0, at - time.time()))
            sd.play(data, samplerate=RATE, device="pulse")

        thread = threading.Thread(target=job)
        thread.start()
        thread.join()
        trials.append((scheduled, signal))
        time.sleep(0.6)  # let the burst finish (sd.play returns at once)
    sd.stop()
    time.sleep(0.3)
    recording = rec.stop()
    offsets, scores = [], []
    for scheduled, signal in trials:
        offset, score = measure(recording, scheduled, signal)
        offsets.append(offset)
        scores.append(score)
    summarize("baseline: sounddevice.play() at the instant", offsets, scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--dir", default="/tmp/loa-pulse-bench")
    args = parser.parse_args()
    speaker = VirtualSpeaker.start(args.dir)
    speaker.activate()  # before sounddevice is imported
    tmp = Path(args.dir) / "programs"
    tmp.mkdir(parents=True, exist_ok=True)
    print(f"{args.runs} starts each through the virtual loudspeaker ({args.dir})")
    run_sink(speaker, tmp, args.runs)
    run_baseline(speaker, args.runs)


if __name__ == "__main__":
    main()
