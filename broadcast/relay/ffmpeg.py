"""The one module that runs ffmpeg for the relay: decode an upstream stream to PCM, test a
URL, encode the station's output for Icecast.

ffmpeg reads Icecast/Shoutcast (MP3, AAC, Ogg) and HLS playlists alike; it always runs as a
child process, never inside the audio engine. Decoded audio comes out of its stdout as raw
float32 little-endian mono samples at the station's rate.

A decoder ``timed`` also says where in its stream the first sample it wrote belongs: ffmpeg
keeps the stream's own timestamps (``-copyts``; for Ogg, the granule positions: a sample's
index from the stream's start) and reports every decoded frame (``ashowinfo``) on stderr. A
speaker cluster uses it to play the station's published stream in step (sample ``n`` at
``epoch_of_sample_zero + n / rate + delay``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections import deque
from dataclasses import dataclass
from urllib.parse import urlsplit

from broadcast.errors import PlayoutError
from broadcast.relay.timeline import StreamTimeline
from broadcast.urls import without_password

log = logging.getLogger("broadcast.relay")

FFMPEG = "ffmpeg"
RW_TIMEOUT_SECONDS = 5.0  # ffmpeg's own network timeout (our stall watch is stricter)
# An Ogg page at least this often (µs): the published stream reaches the clusters about
# 0.3 s after the station played it, instead of 1 to 3 s with ffmpeg's default of 1 s.
PUBLISH_PAGE_MICROSECONDS = 100_000
# One line per decoded frame from ``ashowinfo`` (ffmpeg's words): its timestamp in the
# stream's time base (1/rate for audio), its rate and its number of samples.
_FRAME = re.compile(rb"\bn:\s*\d+\s+pts:\s*(-?\d+)\s.*?\brate:\s*(\d+)\s+nb_samples:\s*(\d+)")
_LEVEL = re.compile(rb"\[(panic|fatal|error|warning)\]\s*")


def require_ffmpeg() -> str:
    path = shutil.which(FFMPEG)
    if path is None:
        raise PlayoutError(
            "Không tìm thấy ffmpeg nên không thể tiếp sóng. Hãy cài gói ffmpeg "
            "(Debian/Ubuntu: sudo apt-get install ffmpeg).",
            code="ffmpeg_missing",
        )
    return path


def check_url(url: str) -> str:
    """A relay URL must be http(s) with a host; returns it stripped."""
    url = url.strip()
    parts = urlsplit(url)
    control = any(ord(ch) < 32 or ord(ch) == 127 for ch in url)
    if control or parts.scheme not in ("http", "https") or not parts.hostname:
        raise PlayoutError(
            f"Địa chỉ tiếp sóng '{url}' không hợp lệ; cần dạng http://máy-chủ/đường-dẫn.",
            code="relay_url_invalid",
        )
    return url


def decode_command(url: str, rate: int, *, timed: bool = False) -> list[str]:
    """ffmpeg decoding ``url`` to raw mono float32 at ``rate`` on stdout, starting fast;
    ``timed``: keeping the stream's timestamps and reporting each frame on stderr."""
    loglevel = ["-nostats", "-loglevel", "level+info"] if timed else ["-loglevel", "error"]
    args = [
        require_ffmpeg(), "-nostdin", "-hide_banner", *loglevel,
        # Small probes: a live stream gives little at once, and a default probe of an MP3
        # stream waits for 128 KiB (8 s at 128 kbit/s) before the first sample.
        "-fflags", "nobuffer", "-formatprobesize", "16384", "-probesize", "32768",
        "-analyzeduration", "500000",
        "-rw_timeout", str(int(RW_TIMEOUT_SECONDS * 1e6)),
    ]
    if url.split("?")[0].endswith(".m3u8"):
        args += ["-live_start_index", "-1"]  # HLS: the newest segment, not the oldest
    if timed:
        args += ["-copyts"]
    args += ["-i", url, "-vn"]
    if timed:
        args += ["-af", "ashowinfo"]
    args += ["-ac", "1", "-ar", str(rate), "-f", "f32le", "-flush_packets", "1", "pipe:1"]
    return args


class Decoder:
    """One ffmpeg decoding one upstream connection. ``fd`` is its stdout (non-blocking).

    ``timed``: ``timeline`` says which stream sample (at ``rate``, from the stream's start)
    each sample written on stdout is, from the frames ffmpeg reports."""

    def __init__(self, url: str, rate: int, *, timed: bool = False) -> None:
        self.url = url
        self.rate = rate
        self.timed = timed
        self.timeline = StreamTimeline(rate) if timed else None
        self._errors: deque[str] = deque(maxlen=5)
        self.proc = subprocess.Popen(
            decode_command(url, rate, timed=timed), stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
        assert self.proc.stdout is not None
        self.fd = self.proc.stdout.fileno()
        os.set_blocking(self.fd, False)
        self._stderr = threading.Thread(target=self._read_errors, daemon=True)
        self._stderr.start()

    def _read_errors(self) -> None:
        assert self.proc.stderr is not None
        for raw in self.proc.stderr:
            if self.timed:
                frame = _FRAME.search(raw)
                if frame is not None and self.timeline is not None:
                    self.timeline.frame(int(frame[1]), int(frame[2]), int(frame[3]))
                    continue
                level = _LEVEL.search(raw)
                if level is None:
                    continue  # ffmpeg's account of the streams (info)
                raw = raw[: level.start()] + raw[level.end() :]
            line = raw.decode("utf-8", "replace").strip()
            if line:
                self._errors.append(line)

    def read(self, size: int = 65_536) -> bytes | None:
        """What is ready (b"" at the end of the stream, None when nothing is ready yet)."""
        try:
            return os.read(self.fd, size)
        except BlockingIOError:
            return None

    def last_error(self) -> str:
        """ffmpeg's last complaint, for the operator (its own words, in English)."""
        self._stderr.join(timeout=0.5)
        return self._errors[-1] if self._errors else ""

    def stop(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=5)
        if self.proc.stdout is not None:
            self.proc.stdout.close()


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    seconds: float  # audio decoded
    error: str | None = None  # ffmpeg's words when not ok


def probe(
    url: str, *, rate: int = 48_000, seconds: float = 1.0, timeout: float = 8.0
) -> ProbeResult:
    """Connect to ``url`` and decode ``seconds`` of audio, within ``timeout`` (a test
    connection before a relay is saved)."""
    url = check_url(url)
    decoder = Decoder(url, rate)
    wanted = int(seconds * rate) * 4
    got = 0
    deadline = time.monotonic() + timeout
    try:
        while got < wanted and time.monotonic() < deadline:
            data = decoder.read()
            if data is None:
                time.sleep(0.02)
                continue
            if not data:
                break
            got += len(data)
    finally:
        decoder.stop()
    decoded = got / 4 / rate
    if got >= wanted:
        return ProbeResult(True, decoded)
    error = decoder.last_error() or (
        "không nhận được âm thanh trong thời gian chờ" if got == 0 else "luồng dừng quá sớm"
    )
    return ProbeResult(False, decoded, error)


def encode_command(
    source_fifo: str, rate: int, target: str, *, bitrate_kbps: int = 64
) -> list[str]:
    """ffmpeg encoding raw mono float32 from ``source_fifo`` to Ogg Vorbis at ``target``
    (``icecast://source:PASSWORD@host:port/mount``), in short pages sent at once."""
    return [
        require_ffmpeg(), "-nostdin", "-hide_banner", "-loglevel", "error",
        "-f", "f32le", "-ar", str(rate), "-ac", "1", "-i", source_fifo,
        "-c:a", "libvorbis", "-b:a", f"{bitrate_kbps}k",
        "-content_type", "application/ogg", "-page_duration", str(PUBLISH_PAGE_MICROSECONDS),
        "-flush_packets", "1", "-f", "ogg", target,
    ]


def start_encoder(source_fifo: str, rate: int, target: str) -> subprocess.Popen[bytes]:
    """The encoder publishing to Icecast; what it says on stderr (why it stopped: a refused
    password, a mount in use) goes to the log, and its pipe is read so it never blocks."""
    proc = subprocess.Popen(
        encode_command(source_fifo, rate, target), stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
    )
    threading.Thread(target=_log_encoder_errors, args=(proc,), name="encoder-stderr",
                     daemon=True).start()
    return proc


def _log_encoder_errors(proc: subprocess.Popen[bytes]) -> None:
    assert proc.stderr is not None
    with proc.stderr:
        for raw in proc.stderr:
            line = without_password(raw.decode("utf-8", "replace").strip())
            if line:  # ffmpeg names the target URL, source password included
                log.warning("Icecast encoder: %s", line)
