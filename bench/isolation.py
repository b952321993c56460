"""Isolation of what is on air from the work of the API (issue 8).

A real `broadcast serve` (from ``--checkout``, default this one) airs a continuous tone on the
virtual loudspeaker while, through its HTTP API, ``--clients`` clients poll the timetable,
``--editors`` editors each post a long script (~11,000 characters) and ask for its reading
preview and its MP3, and one editor uploads a .docx whose XML inflates to ~38 MB. The
loudspeaker's output is recorded; the figures are what a listener would hear:

- the onset of the tone against its scheduled instant;
- the dropouts in the tone (1 ms resolution): how many last more than 5 ms, and the longest;
- the tone's length as heard against its length in the file;
- what the API did meanwhile (requests, errors, p99 latency of the timetable polls).

Target: no dropout longer than 5 ms, onset within ±20 ms. Run it against the code before the
audio engine moved out of the station process (a checkout with its own .venv) for the
"before" figures.

    .venv/bin/python bench/isolation.py [--checkout /path/to/older/checkout] [--seconds 40]
"""

from __future__ import annotations

import argparse
import asyncio
import atexit
import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import numpy as np
import soundfile

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.soundpath import Recording, VirtualSpeaker, dropouts, onset  # noqa: E402

TOKEN = "loa_isolation_bench_token_0123456789"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")
RATE = 48_000
TONE_HZ = 440.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def tone_wav(seconds: float) -> bytes:
    t = np.arange(int(seconds * RATE)) / RATE
    samples = (0.3 * np.sin(2 * np.pi * TONE_HZ * t)).astype(np.float32)
    out = io.BytesIO()
    soundfile.write(out, samples, RATE, format="WAV", subtype="PCM_16")
    return out.getvalue()


def long_text() -> str:
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "scripts").glob("*.txt"))]
    body = "\n\n".join(texts)
    while len(body) < 11_000:
        body += "\n\n" + body
    return body[:11_000]


def inflating_docx(megabytes: int = 38) -> bytes:
    """A small .docx whose document.xml inflates to about ``megabytes`` MB of paragraphs."""
    paragraph = "<w:p><w:r><w:t>Kính thưa bà con nhân dân trong xã. </w:t></w:r></w:p>"
    repeat = megabytes * 2**20 // len(paragraph.encode())
    document = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paragraph * repeat}</w:body></w:document>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as docx:
        docx.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.'
            'org/package/2006/content-types"><Default Extension="xml" ContentType="application/'
            'xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package'
            '.relationships+xml"/><Override PartName="/word/document.xml" ContentType="applicati'
            'on/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        docx.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxml'
            'formats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schem'
            'as.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="wo'
            'rd/document.xml"/></Relationships>',
        )
        docx.writestr("word/document.xml", document)
    return out.getvalue()


class Station:
    def __init__(self, checkout: Path, data_dir: Path, speaker: VirtualSpeaker) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = speaker.subprocess_env()
        env.update(
            BROADCAST_DATA_DIR=str(data_dir),
            BROADCAST_ENGINES='["espeak"]',
            BROADCAST_BOOTSTRAP_TOKEN=TOKEN,
            BROADCAST_LOAD_EXAMPLE_TIMETABLE="false",
            BROADCAST_PORT=str(self.port),
            PYTHONPATH=str(checkout),
        )
        self.log = open(data_dir / "server.log", "wb")  # noqa: SIM115 - kept by the process
        self.process = subprocess.Popen(
            [str(checkout / ".venv" / "bin" / "python"), "-m", "broadcast.cli", "serve"],
            env=env, cwd=data_dir, stdout=self.log, stderr=subprocess.STDOUT,
        )
        self.headers = {"Authorization": f"Bearer {TOKEN}"}
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                if httpx.get(f"{self.base}/api/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("the station did not start")

    def ok(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        response = httpx.request(method, self.base + path, headers=self.headers, timeout=120,
                                 **kwargs)  # type: ignore[arg-type]
        if response.status_code >= 300:
            raise RuntimeError(f"{method} {path}: {response.status_code} {response.text}")
        return response

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()


def schedule_tone(station: Station, data_dir: Path, seconds: float,
                  lead: float = 12.0) -> tuple[datetime, float]:
    """Put a ``seconds``-long tone on the timetable ``lead`` seconds from now, rendered
    already; returns its instant and its length as rendered (with the station's mix)."""
    station.ok("POST", "/api/media", data={"kind": "audio", "name": "tone"},
               files={"file": ("tone.wav", tone_wav(seconds), "audio/wav")})
    program = station.ok("POST", "/api/programs", json={
        "title": "Tone", "segments": [{"type": "audio", "name": "tone"}]}).json()
    station.ok("GET", f"/api/programs/{program['id']}/audio")  # renders it now
    at = (datetime.now(TZ) + timedelta(seconds=lead)).replace(microsecond=0)
    station.ok("POST", "/api/slots", json={
        "program_id": program["id"], "time": at.strftime("%H:%M:%S"),
        "date": at.date().isoformat()})
    rendered = sorted((data_dir / "audio_cache" / "programs").glob("*.wav"))[-1]
    return at, soundfile.info(str(rendered)).duration


@dataclass(frozen=True)
class ToneHeard:
    """What the recording says of a scheduled tone: onset against its instant, dropouts."""

    onset_ms: float
    long_dropouts: int  # longer than 5 ms
    dropouts: int
    longest_ms: float
    heard_seconds: float

    @staticmethod
    def of(recording: Recording, at: datetime, length: float) -> ToneHeard | None:
        start = recording.index_at(at.timestamp() - 1.0)
        first = onset(recording.samples, 0.05, start)
        if first is None:
            return None
        heard_at = recording.time_of(first)
        end = recording.index_at(heard_at + length - 0.01)
        holes = dropouts(recording.samples[first:end], RATE)
        after = np.abs(recording.samples[end:]) >= 0.05
        tail = int(np.flatnonzero(after)[-1]) + 1 if np.any(after) else 0
        return ToneHeard(
            onset_ms=1000 * (heard_at - at.timestamp()),
            long_dropouts=sum(g.seconds > 0.005 for g in holes),
            dropouts=len(holes),
            longest_ms=1000 * max((g.seconds for g in holes), default=0.0),
            heard_seconds=(end - first + tail) / RATE,
        )


async def poll_timetable(base: str, seconds: float, latencies: list[float],
                         errors: list[int]) -> None:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"},
                                 timeout=60) as client:
        stop_at = time.perf_counter() + seconds
        next_at = time.perf_counter()
        while time.perf_counter() < stop_at:
            await asyncio.sleep(max(0.0, next_at - time.perf_counter()))
            planned, next_at = next_at, next_at + 0.5
            try:
                response = await client.get("/api/timetable")
                errors.append(response.status_code >= 400)
            except httpx.HTTPError:
                errors.append(True)
            latencies.append(time.perf_counter() - planned)  # queueing counts


async def edit(base: str, text: str, results: list[str], editor: int) -> None:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"},
                                 timeout=300) as client:
        created = await client.post("/api/scripts", json={
            "title": f"Bài dài số {editor}", "text": text, "topic": "thu-nghiem"})
        if created.status_code != 201:
            results.append(f"{created.status_code} {created.json().get('code')}")
            return
        script = created.json()["id"]
        preview = await client.get(f"/api/scripts/{script}/preview")
        audio = await client.get(f"/api/scripts/{script}/audio")
        results.append(f"{created.status_code}/{preview.status_code}/{audio.status_code}")


async def upload_docx(base: str, results: list[str]) -> None:
    async with httpx.AsyncClient(base_url=base, headers={"Authorization": f"Bearer {TOKEN}"},
                                 timeout=300) as client:
        started = time.perf_counter()
        response = await client.post(
            "/api/scripts/upload",
            files={"file": ("bao-cao.docx", inflating_docx(), "application/octet-stream")},
        )
        results.append(f"{response.status_code} in {time.perf_counter() - started:.1f} s")


async def load(base: str, clients: int, editors: int, seconds: float) -> dict[str, object]:
    latencies: list[float] = []
    errors: list[int] = []
    edits: list[str] = []
    uploads: list[str] = []
    text = long_text()
    tasks = [poll_timetable(base, seconds, latencies, errors) for _ in range(clients)]
    tasks += [edit(base, text, edits, n + 1) for n in range(editors)]
    tasks.append(upload_docx(base, uploads))
    await asyncio.gather(*tasks)
    cuts = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else [0.0] * 99
    return {"polls": len(latencies), "errors": sum(errors), "p99_ms": cuts[98] * 1000,
            "edits": edits, "uploads": uploads}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkout", type=Path, default=ROOT)
    parser.add_argument("--seconds", type=float, default=40.0, help="length of the tone")
    parser.add_argument("--clients", type=int, default=30)
    parser.add_argument("--editors", type=int, default=3)
    args = parser.parse_args()
    speaker = VirtualSpeaker.start(os.environ.get("LOA_PULSE_DIR"))
    speaker.keep_warm()
    atexit.register(speaker.let_cool)
    with tempfile.TemporaryDirectory(prefix="loa-isolation-") as tmp:
        station = Station(args.checkout.resolve(), Path(tmp), speaker)
        try:
            at, length = schedule_tone(station, Path(tmp), args.seconds)
            while time.time() < at.timestamp() - 3:
                time.sleep(0.1)
            with speaker.recorder() as rec:
                while time.time() < at.timestamp() + 1:
                    time.sleep(0.05)
                figures = asyncio.run(load(station.base, args.clients, args.editors,
                                           seconds=max(5.0, length - 4)))
                while time.time() < at.timestamp() + length + 2:
                    time.sleep(0.1)
            recording = rec.recording
        finally:
            station.stop()
    assert recording is not None
    heard = ToneHeard.of(recording, at, length)
    if heard is None:
        print("NOTHING WAS HEARD")
        return
    print(f"checkout: {args.checkout}")
    print(f"tone: {length:.1f} s scheduled at {at:%H:%M:%S}; {args.clients} clients polling "
          f"the timetable every 0.5 s, {args.editors} editors posting "
          f"{len(long_text())}-character scripts with previews and MP3s, one 38 MB-inflating "
          ".docx upload")
    print(f"onset: {heard.onset_ms:+.1f} ms   target within ±20 ms")
    print(f"dropouts over 5 ms: {heard.long_dropouts}, longest {heard.longest_ms:.0f} ms "
          f"({heard.dropouts} of any length)   target: none over 5 ms")
    print(f"heard {heard.heard_seconds:.2f} s of the {length:.2f} s tone")
    print(f"API meanwhile: {figures['polls']} timetable polls, {figures['errors']} errors, "
          f"p99 {figures['p99_ms']:.0f} ms from the planned send; editors: "
          f"{', '.join(figures['edits'])} (script/preview/mp3); .docx: "
          f"{', '.join(figures['uploads'])}")


if __name__ == "__main__":
    main()
