"""Micro-benchmark of the mixing layer: assembly speed and peak memory.

    .venv/bin/python bench/mixing.py            # 11-minute speech program + RSS 10/30/60 min
    .venv/bin/python bench/mixing.py --quick    # speed only

Speech clips are made once with espeak-ng (Vietnamese voice, 22050 Hz int16 WAV, like the TTS
cache) in a temporary folder. The baseline is ffmpeg doing the same work (concat of the clips +
two-pass-free loudnorm filter, one process), timed in the same run, so the ratio is what counts
on a shared machine. The render uses worker threads, so its CPU time (all threads, which
another load on the machine barely changes) is printed next to its wall time.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SAMPLE_TEXT = (
    "người dân xã chúng ta cần biết cách sử dụng dịch vụ công trực tuyến để làm thủ tục hành "
    "chính nhanh chóng thuận tiện tiết kiệm thời gian và chi phí đi lại đồng thời cảnh giác với "
    "các thủ đoạn lừa đảo qua mạng như giả danh cơ quan công an yêu cầu chuyển tiền chuyển đổi "
    "số là nhiệm vụ quan trọng của cả hệ thống chính trị bình dân học vụ số giúp mọi người"
)
WORDS = SAMPLE_TEXT.split(" ")


def make_clips(folder: Path, count: int = 200) -> list[Path]:
    rng = random.Random(3)
    clips = []
    for i in range(count):
        path = folder / f"clip{i:03d}.wav"
        if not path.exists():
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(7, 15))) + "."
            subprocess.run(["espeak-ng", "-v", "vi", "-s", "150", "-w", str(path), text],
                           check=True)
        clips.append(path)
    return clips


def render_once(clips: list[Path], out: Path, jingles: Path) -> tuple[float, dict]:
    from broadcast.mixing import JinglePart, SpeechPart, render_program

    parts = [JinglePart("intro"), SpeechPart(clips), JinglePart("outro")]
    c0 = time.process_time()
    t0 = time.perf_counter()
    stats = render_program(parts, out, jingles_dir=jingles)
    elapsed = time.perf_counter() - t0
    return elapsed, {"duration": stats.duration_seconds, "lufs": stats.integrated_lufs,
                     "tp": stats.true_peak_dbtp, "passes": stats.output_passes,
                     "cpu": time.process_time() - c0}


def ffmpeg_baseline(clips: list[Path], out: Path) -> float:
    listing = out.with_suffix(".txt")
    listing.write_text("".join(f"file '{c}'\n" for c in clips))
    t0 = time.perf_counter()
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "concat", "-safe", "0", "-i",
                    str(listing), "-af", "loudnorm=I=-16:TP=-1", "-ar", "48000", "-ac", "1",
                    str(out)], check=True)
    return time.perf_counter() - t0


def rss_child(minutes: float, folder: Path) -> None:
    """In a fresh process: render a program of ``minutes`` and print peak RSS (MiB)."""
    from broadcast.mixing import JinglePart, SpeechPart, render_program

    clips = sorted(folder.glob("clip*.wav"))
    per_clip = 3.75  # seconds incl. pause, roughly
    n = int(minutes * 60 / per_clip)
    program = [clips[i % len(clips)] for i in range(n)]
    t0 = time.perf_counter()
    stats = render_program([JinglePart("intro"), SpeechPart(program), JinglePart("outro")],
                           folder / f"rss_{minutes}.wav", jingles_dir=folder / "jingles")
    elapsed = time.perf_counter() - t0
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"minutes": stats.duration_seconds / 60, "peak_rss_mib": peak_kib / 1024,
                      "seconds": elapsed, "lufs": stats.integrated_lufs,
                      "tp": stats.true_peak_dbtp}))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--rss-child", type=float)
    parser.add_argument("--folder", type=Path)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.rss_child:
        rss_child(args.rss_child, args.folder)
        return
    with tempfile.TemporaryDirectory(prefix="loa-bench-") as tmp:
        folder = Path(tmp)
        clips = make_clips(folder)
        jingles = folder / "jingles"
        render_once(clips, folder / "warmup.wav", jingles)
        times, cpu = [], []
        for _ in range(args.repeat):
            elapsed, info = render_once(clips, folder / "program.wav", jingles)
            times.append(elapsed)
            cpu.append(info["cpu"])
        base = ffmpeg_baseline(clips, folder / "ffmpeg.wav")
        best = min(times)
        print(f"speech program: {info['duration'] / 60:.2f} min from {len(clips)} clips; "
              f"render best {best:.3f} s (runs: {', '.join(f'{t:.3f}' for t in times)}); "
              f"{info['duration'] / best:.0f}x real time; {info['lufs']:.2f} LUFS, "
              f"{info['tp']:.2f} dBTP, {info['passes']} output pass(es); "
              f"CPU time (all threads) best {min(cpu):.3f} s")
        print(f"ffmpeg concat+loudnorm baseline: {base:.3f} s; ratio ffmpeg/ours {base / best:.1f}")
        if args.quick:
            return
        for minutes in (10, 30, 60):
            out = subprocess.run([sys.executable, __file__, "--rss-child", str(minutes),
                                  "--folder", str(folder)], capture_output=True, text=True,
                                 check=True)
            row = json.loads(out.stdout.strip().splitlines()[-1])
            print(f"{row['minutes']:.1f}-minute program: peak RSS {row['peak_rss_mib']:.0f} MiB, "
                  f"render {row['seconds']:.2f} s, {row['lufs']:.2f} LUFS, {row['tp']:.2f} dBTP")


if __name__ == "__main__":
    main()
