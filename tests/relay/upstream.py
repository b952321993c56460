"""The upstream radio for the relay tests: a private Icecast (tools/icecast.sh) fed by ffmpeg."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tools" / "icecast.sh"
TONE_HZ = 1250  # the upstream's sound: a tone no jingle or voice of the station holds


@dataclass
class Icecast:
    """A running private Icecast server: ``listen(mount)`` URLs and ``source(mount)`` targets."""

    base: str  # http://source:PASSWORD@127.0.0.1:PORT
    sources: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @classmethod
    def start(cls, directory: Path | None = None) -> Icecast:
        directory = directory or Path(os.environ.get("LOA_ICECAST_DIR", "/tmp/loa-icecast"))
        result = subprocess.run(["bash", str(SCRIPT), "start", str(directory)],
                                capture_output=True, text=True, timeout=30)
        if result.returncode != 0:
            raise RuntimeError(f"icecast did not start: {result.stderr or result.stdout}")
        env = dict(re.findall(r"^export (\w+)=(.*)$", result.stdout, flags=re.MULTILINE))
        return cls(env["LOA_TEST_ICECAST_URL"])

    @property
    def port(self) -> int:
        return int(self.base.rsplit(":", 1)[1])

    def listen(self, mount: str) -> str:
        return f"http://127.0.0.1:{self.port}{mount}"

    def target(self, mount: str) -> str:
        return "icecast://" + self.base.split("://", 1)[1] + mount

    def mounts(self) -> list[str]:
        status = httpx.get(f"http://127.0.0.1:{self.port}/status-json.xsl", timeout=5).json()
        sources = status.get("icestats", {}).get("source") or []
        if isinstance(sources, dict):
            sources = [sources]
        return [s["listenurl"].rsplit("/", 1)[1] for s in sources if "listenurl" in s]

    def feed_tone(self, mount: str, *, hz: int = TONE_HZ, codec: str = "mp3",
                  volume: float = 0.25, sound: str | None = None) -> subprocess.Popen[bytes]:
        """ffmpeg sending a tone (or the lavfi ``sound``) in real time to ``mount`` (the
        upstream radio)."""
        encode = {
            "mp3": ["-c:a", "libmp3lame", "-b:a", "128k", "-content_type", "audio/mpeg",
                    "-f", "mp3"],
            "ogg": ["-c:a", "libvorbis", "-b:a", "96k", "-content_type", "application/ogg",
                    "-f", "ogg"],
        }[codec]
        proc = subprocess.Popen(
            ["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi",
             "-i", sound or f"sine=f={hz}:sample_rate=44100", "-af", f"volume={volume}", *encode,
             self.target(mount)],
            stdin=subprocess.DEVNULL, start_new_session=True,
        )
        self.sources.append(proc)
        deadline = time.time() + 10
        name = mount.lstrip("/")
        while name not in self.mounts():
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"the source for {mount} did not come up")
            time.sleep(0.05)
        return proc

    def stop_sources(self) -> None:
        for proc in self.sources:
            kill(proc)
        self.sources.clear()


def kill(proc: subprocess.Popen[bytes]) -> float:
    """Kill a source at once (SIGKILL, as a crash or a cut line); returns when."""
    at = time.time()
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=5)
    return at
