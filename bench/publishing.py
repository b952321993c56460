"""Publishing benchmark: what publishing costs the station's small PC.

- Encoding a 15-minute programme to the podcast MP3 (``encode_mp3``, niced ffmpeg + ffprobe),
  against decoding the same WAV with ffmpeg to nowhere (the cheapest ffmpeg pass over it),
  measured in the same run; and how much faster than real time it is.
- Serving the public side with 500 published items in the store: /feeds/all.xml (100 items;
  built, and from its 30-second cache), /nghe-lai (20 items) and one programme page, per
  request, against GET /api/health (the cheapest route) in the same app.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from broadcast.publishing.mp3 import encode_mp3  # noqa: E402
from broadcast.store.publications import TranscriptPart  # noqa: E402

MINUTES = 15
ITEMS = 500


def programme_wav(path: Path, minutes: float) -> Path:
    rate = 48_000
    t = np.arange(int(minutes * 60 * rate)) / rate
    noise = np.random.default_rng(1).standard_normal(t.size) * 0.05
    signal = 0.3 * np.sin(2 * np.pi * 220 * t) * (0.5 + 0.5 * np.sin(2 * np.pi * 0.3 * t))
    soundfile.write(str(path), (signal + noise).astype(np.float32), rate, subtype="PCM_16")
    return path


def timed(action: object, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()  # type: ignore[operator]
        runs.append(time.perf_counter() - started)
    return min(runs)


def bench_encode(folder: Path) -> None:
    wav = programme_wav(folder / "programme.wav", MINUTES)
    tags = {"title": "Bản tin", "artist": "Đài", "album": "Chuyển đổi số", "date": "2026-12-01"}
    encode = timed(lambda: encode_mp3(wav, folder / "out.mp3", bitrate_kbps=64, tags=tags))
    decode = timed(lambda: subprocess.run(
        ["ffmpeg", "-nostdin", "-v", "error", "-i", str(wav), "-f", "null", "-"], check=True))
    size = (folder / "out.mp3").stat().st_size
    print(f"encode {MINUTES} min to MP3 64 kbps: {encode:.2f} s "
          f"({MINUTES * 60 / encode:.0f}x real time), {size / 2**20:.1f} MiB")
    print(f"  baseline ffmpeg decode to null: {decode:.2f} s; ratio {encode / decode:.1f}x")


def bench_public_routes(folder: Path) -> None:
    from fastapi.testclient import TestClient

    from tests.api.conftest import build_api

    api = build_api(folder, publish_topics=["*"], public_requests_per_minute=1_000_000)
    now = datetime.now(UTC)
    text = ("Kính thưa bà con. " * 40 + "\n\n") * 5
    for n in range(ITEMS):
        api.store.publications.add(
            as_run_id=n + 1, slug=f"muc-{n}", status="published",
            topic=("chuyen-doi-so", "thong-tin-chung")[n % 2], program_id=f"p{n}",
            program_title=f"Chương trình {n}", title=f"Chương trình {n}",
            aired_at=now - timedelta(hours=n), audio_file=f"{n}.mp3", audio_bytes=1_000_000,
            duration_seconds=600.0, transcript=[TranscriptPart("Bài", text)],
        )
    with TestClient(api.app) as client:
        def per_request(path: str, cold: bool = False) -> float:
            for _ in range(3):
                client.get(path)
            runs = []
            for _ in range(20):
                if cold:
                    api.app.state.public.feeds.clear()
                started = time.perf_counter()
                response = client.get(path)
                runs.append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)
            return statistics.median(runs)

        base = per_request("/api/health")
        print(f"public routes with {ITEMS} published items (median of 20):")
        print(f"  baseline GET /api/health: {base * 1000:.1f} ms")
        built = per_request("/feeds/all.xml", cold=True)
        print(f"  GET /feeds/all.xml, built: {built * 1000:.1f} ms ({built / base:.1f}x)")
        for path in ("/feeds/all.xml", "/nghe-lai", "/nghe-lai/muc-3"):
            cost = per_request(path)
            print(f"  GET {path}: {cost * 1000:.1f} ms ({cost / base:.1f}x the baseline)")
    api.store.close()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        bench_encode(Path(tmp))
    with tempfile.TemporaryDirectory() as tmp:
        bench_public_routes(Path(tmp))


if __name__ == "__main__":
    main()
