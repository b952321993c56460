"""Render benchmark: cold and warm render of a ~12,000-character script with espeak-ng and
Loa's jingles, against the plain pipeline a user would script for the same job, run in the
same run (espeak-ng on the whole text, ffmpeg concat with the same jingles, two-pass
``loudnorm`` to -16 LUFS; its output measured with Loa's meter); and the peak memory of
rendering 10-, 30- and 60-minute programs made of distinct sentences, framed by jingles.

Targets on a 2-core machine: cold <= 5 s, warm <= 1.5 s, peak memory for a 60-minute
program under 1 GiB.

    .venv/bin/python bench/render.py
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


def script_texts() -> list[str]:
    return [load_script(p, 2_000_000).text for p in sorted((ROOT / "scripts").glob("*.txt"))]


def long_script() -> Script:
    texts = script_texts()
    body = ""
    while len(body) < TARGET_CHARS:
        body += "\n\n".join(texts) + "\n\n"
    # Cut at a paragraph boundary near the target.
    cut = body.rfind("\n", 0, TARGET_CHARS)
    return Script(title="bench", text=body[: cut if cut > 0 else TARGET_CHARS])


def distinct_script(characters: int) -> Script:
    """About ``characters`` of text in which no two sentences are the same (each paragraph of
    the shipped scripts, numbered), so no sentence's audio is shared."""
    from broadcast.text.sentences import split_sentences

    sentences = [s for text in script_texts() for s in split_sentences(text)]
    lines: list[str] = []
    size, n = 0, 0
    while size < characters:
        sentence = sentences[n % len(sentences)]
        n += 1
        lines.append(f"Mục {n}. {sentence}")
        size += len(lines[-1]) + 1
    return Script(title="bench", text="\n".join(lines))


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


def plain_pipeline(text: Path, intro: Path, outro: Path, out: Path) -> float:
    """What a user would script: espeak-ng on the whole text, ffmpeg concat with the jingles,
    two-pass loudnorm to -16 LUFS. Returns its wall time."""
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
    """Integrated loudness (LUFS) and true peak (dBTP) of a WAV file, by Loa's meter."""
    from broadcast.mixing.loudness import measure_wav

    return measure_wav(path)


def memory_child(characters: int, data_dir: str) -> None:
    """Run in a subprocess: render a program of distinct sentences with jingles (cold: each
    sentence synthesized) and print its length and this process's peak RSS."""
    settings = Settings(data_dir=Path(data_dir), engines=["espeak"])
    out = Path(data_dir) / f"mem-{characters}.wav"
    result = Renderer(settings).render_script(distinct_script(characters), out,
                                              intro="intro", outro="outro")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    print(json.dumps({"minutes": result.duration_seconds / 60, "sentences": result.sentences,
                      "peak_bytes": peak}))


def main() -> None:
    script = long_script()
    print(f"script: {len(script.text)} characters")
    with tempfile.TemporaryDirectory() as data_dir:
        folder = Path(data_dir)
        settings = Settings(data_dir=folder, engines=["espeak"])
        out = folder / "out.wav"

        started = time.perf_counter()
        cold = Renderer(settings).render_script(script, out, intro="intro", outro="outro")
        cold_s = time.perf_counter() - started

        started = time.perf_counter()
        warm = Renderer(settings).render_script(script, out, intro="intro", outro="outro")
        warm_s = time.perf_counter() - started

        text = folder / "bench.txt"
        text.write_text(script.text, encoding="utf-8")
        intro, outro = write_jingles(folder)
        baseline_s = plain_pipeline(text, intro, outro, folder / "baseline.wav")
        plain = measure(folder / "baseline.wav")

        print(f"program: {warm.duration_seconds / 60:.1f} min, {warm.sentences} sentences, "
              f"{warm.integrated_lufs:.2f} LUFS, {warm.true_peak_dbtp:.2f} dBTP")
        print(f"cold render (espeak-ng): {cold_s:6.2f} s   target <= 5 s   "
              f"({cold.synthesized} synthesized)")
        print(f"warm render (cached):    {warm_s:6.2f} s   target <= 1.5 s  "
              f"({warm.duration_seconds / warm_s:.0f}x real time, {warm.cache_hits} hits)")
        print(f"espeak-ng + ffmpeg concat + two-pass loudnorm: {baseline_s:6.2f} s, output "
              f"{plain[0]:.2f} LUFS {plain[1]:.2f} dBTP; cold/baseline = "
              f"{cold_s / baseline_s:.2f}, warm/baseline = {warm_s / baseline_s:.3f}")

        per_minute = len(script.text) / (warm.duration_seconds / 60)
        for minutes in (10, 30, 60):
            characters = int(minutes * per_minute)
            child = subprocess.run(
                [sys.executable, __file__, "--memory", str(characters), data_dir],
                check=True, capture_output=True, text=True,
            )
            figures = json.loads(child.stdout.strip().splitlines()[-1])
            per_minute = characters / figures["minutes"]  # numbered sentences read longer
            print(f"peak memory, {figures['minutes']:4.1f}-minute program "
                  f"({figures['sentences']} distinct sentences, jingles): "
                  f"{figures['peak_bytes'] / 2**20:7.1f} MiB   target < 1024 MiB")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--memory":
        memory_child(int(sys.argv[2]), sys.argv[3])
    else:
        main()
