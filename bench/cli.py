"""The command line's own speed: `broadcast --help`, and a warm render of the ~12,000-character
bench script through `broadcast render` (a new process each time, imports included), against
the plain pipeline a user would script for the same job, run in the same run:
espeak-ng on the whole text, ffmpeg concat with the same jingles, two-pass loudnorm to
-16 LUFS (its output measured with Loa's meter).

Targets (issue 8): --help <= 0.3 s; warm CLI render <= 1.5 s wall and <= 0.10x the baseline.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from render import long_script, measure, plain_pipeline, write_jingles  # noqa: E402

BROADCAST = Path(sys.executable).parent / "broadcast"


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, cwd=cwd, capture_output=True)
    return time.perf_counter() - started


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        env = dict(os.environ, BROADCAST_DATA_DIR=str(folder), BROADCAST_ENGINES='["espeak"]')
        helps = [timed([str(BROADCAST), "--help"], env, folder) for _ in range(10)]
        print(f"broadcast --help:        median {statistics.median(helps):.3f} s, "
              f"max {max(helps):.3f} s   target <= 0.3 s")

        text = folder / "bench.txt"
        text.write_text(long_script().text, encoding="utf-8")
        render = [str(BROADCAST), "render", str(text), "-o", str(folder / "out.wav"),
                  "--intro", "intro", "--outro", "outro"]
        cold = timed(render, env, folder)
        warm = [timed(render, env, folder) for _ in range(3)]
        intro, outro = write_jingles(folder)
        baseline = plain_pipeline(text, intro, outro, folder / "baseline.wav")
        warm_s = statistics.median(warm)
        loa = measure(folder / "out.wav")
        plain = measure(folder / "baseline.wav")
        print(f"script: {len(text.read_text())} characters")
        print(f"broadcast render, cold:  {cold:6.2f} s")
        print(f"broadcast render, warm:  {warm_s:6.2f} s (median of 3)   target <= 1.5 s")
        print(f"espeak-ng + ffmpeg concat + two-pass loudnorm: {baseline:6.2f} s   "
              f"warm/baseline = {warm_s / baseline:.3f}   target <= 0.10")
        print(f"output loudness: Loa {loa[0]:.2f} LUFS {loa[1]:.2f} dBTP; "
              f"baseline {plain[0]:.2f} LUFS {plain[1]:.2f} dBTP")


if __name__ == "__main__":
    main()
