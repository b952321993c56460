"""The command line's own speed: `broadcast --help`, and a warm render of the ~12,000-character
bench script through `broadcast render` (a new process each time, imports included), against
the plain pipeline a user would script for the same job, run in the same run:
espeak-ng on the whole text, ffmpeg concat with the same jingles, two-pass loudnorm to
-16 LUFS (its output measured with Loa's meter).

Targets (issue 8): --help <= 0.3 s; warm CLI render <= 1.5 s wall and <= 0.10x the baseline.
"""

from __future__ import annotations

import json
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

from render import long_script  # noqa: E402

BROADCAST = Path(sys.executable).parent / "broadcast"


def timed(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, env=env, cwd=cwd, capture_output=True)
    return time.perf_counter() - started


def write_jingles(folder: Path) -> tuple[Path, Path]:
    """Loa's own intro and outro as WAV files, so both pipelines frame with the same sound."""
    import soundfile

    from broadcast.mixing.jingles import resolve_jingle

    paths = []
    for name in ("intro", "outro"):
        path = folder / f"{name}.wav"
        soundfile.write(str(path), resolve_jingle(name, folder / "none", 48_000), 48_000)
        paths.append(path)
    return paths[0], paths[1]


def loudnorm_pipeline(text: Path, intro: Path, outro: Path, out: Path) -> float:
    """What a user would script; returns its wall time."""
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        speech = Path(tmp) / "speech.wav"
        subprocess.run(["espeak-ng", "-v", "vi", "-s", "150", "-f", str(text), "-w", str(speech)],
                       check=True, capture_output=True)
        joined = Path(tmp) / "joined.wav"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", str(intro), "-i", str(speech), "-i", str(outro),
             "-filter_complex",
             "[0:a]aresample=48000,aformat=channel_layouts=mono[a];"
             "[1:a]aresample=48000,aformat=channel_layouts=mono[b];"
             "[2:a]aresample=48000,aformat=channel_layouts=mono[c];"
             "[a][b][c]concat=n=3:v=0:a=1", str(joined)],
            check=True, capture_output=True,
        )
        first = subprocess.run(
            ["ffmpeg", "-v", "info", "-i", str(joined), "-af",
             "loudnorm=I=-16:TP=-1:LRA=11:print_format=json", "-f", "null", "-"],
            check=True, capture_output=True, text=True,
        ).stderr
        measured = json.loads(first[first.rindex("{"):])
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-i", str(joined), "-af",
             "loudnorm=I=-16:TP=-1:LRA=11:"
             f"measured_I={measured['input_i']}:measured_TP={measured['input_tp']}:"
             f"measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}:"
             f"offset={measured['target_offset']}:linear=true",
             "-ar", "48000", "-ac", "1", str(out)],
            check=True, capture_output=True,
        )
    return time.perf_counter() - started


def measure(path: Path) -> tuple[float, float]:
    from broadcast.mixing.loudness import measure_wav

    return measure_wav(path)


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
        baseline = loudnorm_pipeline(text, intro, outro, folder / "baseline.wav")
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
