"""Live input to output latency through the audio engine (the microphone heard on the loudspeaker).

    .venv/bin/python bench/live_latency.py [--clicks 12] [--latencies 0.25,0.05,0.02]

A virtual microphone (a null sink ``loa_mic`` on the virtual loudspeaker's server; the engine
reads its monitor as its input through PULSE_SOURCE) gets a click every second from pacat.
For each output buffer size asked of the engine (``--latency``, the engine's default 0.25 s
first, as the baseline), an engine is started, its live input voice put on air, and both the
microphone's monitor and the loudspeaker's monitor are recorded (tests/soundpath.py). The
latency of a click is when the loudspeaker played it minus when the microphone heard it.
Printed per buffer size: p50 and max latency over the clicks, the ratio to the baseline, and
the engine's output underflows. Target: <= 50 ms.
"""

from __future__ import annotations

import argparse
import atexit
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.engine.conftest import RawEngine, engine_env  # noqa: E402
from tests.soundpath import Recording, VirtualSpeaker, onset  # noqa: E402

RATE = 48_000
MIC = "loa_mic"


def click_second() -> bytes:
    x = np.zeros(RATE, dtype="<f4")
    n = int(0.01 * RATE)
    x[:n] = 0.5 * np.sin(2 * np.pi * 1000 * np.arange(n) / RATE)
    return x.tobytes()


def clicks(rec: Recording, start: float, end: float) -> list[float]:
    """Instants of the clicks heard in [start, end)."""
    out = []
    i = rec.index_at(start)
    stop = rec.index_at(end)
    while True:
        k = onset(rec.samples[:stop], 0.1, i)
        if k is None:
            return out
        out.append(rec.time_of(k))
        i = k + int(0.5 * RATE)


def measure(
    speaker: VirtualSpeaker, latency: float, blocksize: int, seconds: int
) -> tuple[list[float], int]:
    env = engine_env(speaker)
    env["PULSE_SOURCE"] = f"{MIC}.monitor"
    engine = RawEngine(["--latency", str(latency), "--blocksize", str(blocksize)], env=env)
    engine.wait_for(lambda m: True, 30)
    mic = VirtualSpeaker(speaker.directory, speaker.env, sink_name=MIC)
    try:
        engine.request("open", timeout=15)
        engine.request("input", id="live", timeout=15)
        engine.request("play", id="live")
        with speaker.recorder() as out_rec, mic.recorder() as in_rec:
            begin = time.time()
            time.sleep(seconds + 1.0)
            end = time.time()
        engine.request("stop", id="live", fade=0.0)
        status = engine.request("status")
    finally:
        engine.stop()
    heard_in = clicks(in_rec.recording, begin + 0.5, end - 0.6)  # type: ignore[arg-type]
    heard_out = clicks(out_rec.recording, begin + 0.5, end)  # type: ignore[arg-type]
    latencies = []
    for t in heard_in:
        after = [u - t for u in heard_out if 0 <= u - t < 0.9]
        if after:
            latencies.append(min(after))
    return latencies, int(status.get("underflows") or 0)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clicks", type=int, default=12)
    parser.add_argument("--latencies", default="0.25:1024,0.05:256,0.02:256,0.01:128",
                        help="output buffer seconds:callback frames, the first is the baseline")
    parser.add_argument("--dir", default=None)
    args = parser.parse_args()
    speaker = VirtualSpeaker.start(args.dir)
    speaker.activate()
    speaker.keep_warm()
    atexit.register(speaker.let_cool)
    if f"{MIC}\t" not in speaker.pactl("list", "short", "sinks"):
        speaker.pactl("load-module", "module-null-sink", f"sink_name={MIC}", "rate=48000",
                      "channels=1")
    voice = subprocess.Popen(
        ["pacat", f"--device={MIC}", "--raw", "--format=float32le", "--rate=48000",
         "--channels=1", "--latency-msec=20"],
        stdin=subprocess.PIPE, env=speaker.subprocess_env(),
    )
    second = click_second()

    def speak() -> None:
        try:
            while voice.poll() is None:
                assert voice.stdin is not None
                voice.stdin.write(second)
                voice.stdin.flush()
        except (BrokenPipeError, ValueError):
            pass

    threading.Thread(target=speak, daemon=True).start()
    baseline = None
    print("live input -> output latency through the engine (virtual loudspeaker)")
    print(f"{'buffer/block':>16} {'clicks':>7} {'p50 ms':>8} {'max ms':>8} {'x base':>7} "
          f"{'underflows':>10}")
    try:
        for item in args.latencies.split(","):
            latency, blocksize = float(item.split(":")[0]), int(item.split(":")[1])
            found, underflows = measure(speaker, latency, blocksize, args.clicks)
            label = f"{latency * 1000:.0f} ms/{blocksize}"
            if not found:
                print(f"{label:>16} {0:>7}  (no click heard)")
                continue
            p50 = float(np.median(found)) * 1000
            worst = max(found) * 1000
            baseline = baseline or p50
            print(f"{label:>16} {len(found):>7} {p50:>8.1f} {worst:>8.1f} "
                  f"{p50 / baseline:>7.2f} {underflows:>10}")
    finally:
        voice.kill()
    print("target: <= 50 ms input to output")


if __name__ == "__main__":
    main()
