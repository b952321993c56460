"""Render benchmark: cold and warm render of a ~12,000-character script with espeak-ng,
against a plain ffmpeg pipeline (concat + loudnorm) doing the same job in the same run,
and peak memory for 10-, 30- and 60-minute programs.

Targets on a 2-core machine: cold <= 5 s, warm <= 1.5 s (>= 400x real time),
peak memory for a 60-minute program under 1 GiB.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from broadcast.render import Renderer  # noqa: E402
from broadcast.script_input import Script, load_script  # noqa: E402
from broadcast.settings import Settings  # noqa: E402

TARGET_CHARS = 12_000


def long_script() -> Script:
    texts = [load_script(p, 2_000_000).text for p in sorted((ROOT / "scripts").glob("*.txt"))]
    body = ""
    while len(body) < TARGET_CHARS:
        body += "\n\n".join(texts) + "\n\n"
    # Cut at a paragraph boundary near the target.
    cut = body.rfind("\n", 0, TARGET_CHARS)
    return Script(title="bench", text=body[: cut if cut > 0 else TARGET_CHARS])


def ffmpeg_baseline(clips: list[Path], out: Path, pause: float) -> float:
    """The same job done the plain way: concatenate the clips, loudnorm to -16 LUFS."""
    with tempfile.TemporaryDirectory() as tmp:
        listing = Path(tmp) / "list.txt"
        silence = Path(tmp) / "pause.wav"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i",
             "anullsrc=r=22050:cl=mono", "-t", str(pause), silence],
            check=True,
        )
        lines = []
        for clip in clips:
            lines.append(f"file '{clip}'")
            lines.append(f"file '{silence}'")
        listing.write_text("\n".join(lines))
        started = time.perf_counter()
        subprocess.run(
            ["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing),
             "-af", "loudnorm=I=-16:TP=-1:LRA=11", "-ar", "48000", "-ac", "1", str(out)],
            check=True,
        )
        return time.perf_counter() - started


def memory_child(minutes: int, data_dir: str) -> None:
    """Run in a subprocess: render a program of about ``minutes`` and print peak RSS."""
    settings = Settings(data_dir=Path(data_dir), engines=["espeak"])
    renderer = Renderer(settings)
    script = long_script()
    speech = renderer.speak(script)
    from broadcast.mixing.program import SpeechPart, render_program

    # Repeat the script's clips until the program is ``minutes`` long.
    clips: list[Path] = []
    total = 0.0
    while total < minutes * 60:
        for clip in speech.clips:
            clips.append(clip)
            total += _duration(clip) + 0.35
            if total >= minutes * 60:
                break
    parts = [SpeechPart(clips)]
    stats = render_program(
        parts, Path(data_dir) / f"mem-{minutes}.wav", sample_rate=48_000, target_lufs=-16.0,
        true_peak_max=-1.0, jingles_dir=settings.jingles_path,
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"minutes": stats.duration_seconds / 60, "peak_bytes": peak}))


def _duration(path: Path) -> float:
    import soundfile

    return float(soundfile.info(str(path)).duration)


def main() -> None:
    script = long_script()
    print(f"script: {len(script.text)} characters")
    with tempfile.TemporaryDirectory() as data_dir:
        settings = Settings(data_dir=Path(data_dir), engines=["espeak"])
        out = Path(data_dir) / "out.wav"

        started = time.perf_counter()
        cold = Renderer(settings).render_script(script, out, intro="intro", outro="outro")
        cold_s = time.perf_counter() - started

        started = time.perf_counter()
        warm = Renderer(settings).render_script(script, out, intro="intro", outro="outro")
        warm_s = time.perf_counter() - started

        clips = Renderer(settings).speak(script).clips
        baseline_s = ffmpeg_baseline(list(clips), Path(data_dir) / "ffmpeg.wav", 0.35)

        speech_minutes = warm.duration_seconds / 60
        print(f"program: {speech_minutes:.1f} min, {warm.sentences} sentences, "
              f"{warm.integrated_lufs:.2f} LUFS, {warm.true_peak_dbtp:.2f} dBTP")
        print(f"cold render (espeak-ng): {cold_s:6.2f} s   target <= 5 s   "
              f"({cold.synthesized} synthesized)")
        print(f"warm render (cached):    {warm_s:6.2f} s   target <= 1.5 s  "
              f"({warm.duration_seconds / warm_s:.0f}x real time, {warm.cache_hits} hits)")
        print(f"ffmpeg concat+loudnorm:  {baseline_s:6.2f} s   "
              f"warm/ffmpeg = {warm_s / baseline_s:.2f}, cold/ffmpeg = {cold_s / baseline_s:.2f}")

        for minutes in (10, 30, 60):
            child = subprocess.run(
                [sys.executable, __file__, "--memory", str(minutes), data_dir],
                check=True, capture_output=True, text=True,
            )
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            print(f"peak memory, {figures['minutes']:4.1f}-minute program: "
                  f"{figures['peak_bytes'] / 2**20:7.1f} MiB   target < 1024 MiB")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--memory":
        memory_child(int(sys.argv[2]), sys.argv[3])
    else:
        main()
