"""The relay feeder: one process per relay airing, apart from the audio engine.

    python -m broadcast.relay --url URL --seconds S --fifo PATH --fallback WAV [--rate HZ]

It connects to the upstream at once (the station starts it about 15 s before the slot),
decodes it with ffmpeg (:mod:`broadcast.relay.ffmpeg`), levels it (:mod:`broadcast.relay.agc`)
and writes exactly ``S`` seconds of float32 mono PCM into ``PATH``, a FIFO the audio engine
reads as a ``stream`` voice (so the slot ends at its end). What goes out is decided by
:class:`broadcast.relay.switch.RelaySwitch`: the upstream, or the fallback when it fails.
A lost upstream is retried with backoff (0.5 s, 1 s, 2 s, then every 2 s) until the slot
ends.

Reports on stdout, one JSON object a line: ``{"event": "connected", "at"}``,
``{"event": "lost", "at", "reason", "message"}``, ``{"event": "gap_start", ...gap}``,
``{"event": "gap_end", ...gap}`` (gap: ``start_sample``, ``seconds``, ``reason``,
``message``; samples count from the first sample written, heard at the slot's instant) and
last ``{"event": "done", "samples", "relayed_samples", "gaps": [...], "reason"}`` where
``reason`` is ``completed`` or ``reader_gone`` (the engine stopped reading: the airing was
stopped).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import os
import select
import signal
import sys
import threading
import time
from typing import Any

import numpy as np
import soundfile

from broadcast.relay.agc import SlowAgc
from broadcast.relay.ffmpeg import Decoder
from broadcast.relay.switch import RelaySwitch

log = logging.getLogger("broadcast.relay")

BLOCK_SECONDS = 0.02  # 960 samples at 48 kHz: 3840 bytes, one atomic pipe write
STALL_SECONDS = 3.0
BACKOFF_SECONDS = (0.5, 1.0, 2.0)
STABLE_SECONDS = 5.0  # a connection that delivered this much resets the backoff
# Writing starts this long before the slot: the engine's buffer must hold the first samples
# at the instant; it fills up to its size (0.5 s) afterwards.
WRITE_AHEAD_SECONDS = 1.0


class Reporter:
    def __init__(self, stream: Any) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def send(self, **message: Any) -> None:
        line = json.dumps(message, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            try:
                self._stream.write(line)
                self._stream.flush()
            except (OSError, ValueError):
                pass


class Upstream:
    """Keeps a connection to the upstream open, feeding the switch; retries when it fails."""

    def __init__(
        self, url: str, rate: int, switch: RelaySwitch, lock: threading.Lock,
        report: Reporter, agc: SlowAgc, *, stall_seconds: float = STALL_SECONDS,
        backoff: tuple[float, ...] = BACKOFF_SECONDS,
    ) -> None:
        self.url = url
        self.rate = rate
        self.switch = switch
        self.lock = lock
        self.report = report
        self.agc = agc
        self.stall_seconds = stall_seconds
        self.backoff = backoff
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="upstream", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        failures = 0
        while not self.stop.is_set():
            received = self._connect_once()
            if self.stop.is_set():
                return
            failures = 0 if received >= STABLE_SECONDS * self.rate else failures + 1
            delay = self.backoff[min(failures, len(self.backoff)) - 1] if failures else 0.2
            self.stop.wait(delay)

    def _connect_once(self) -> int:
        """One connection, until it ends; returns the samples it delivered."""
        try:
            decoder = Decoder(self.url, self.rate)
        except OSError as exc:
            self._lost("connect_failed", str(exc))
            return 0
        received = 0
        carry = b""
        last_data = time.monotonic()
        try:
            while not self.stop.is_set():
                ready, _, _ = select.select([decoder.fd], [], [], 0.1)
                data = decoder.read() if ready else None
                if data is None:
                    if time.monotonic() - last_data > self.stall_seconds:
                        self._lost("stalled", f"không có dữ liệu quá {self.stall_seconds:g} giây")
                        return received
                    continue
                if not data:
                    decoder.proc.wait(timeout=2)
                    detail = decoder.last_error()
                    self._lost("ended" if received else "connect_failed", detail)
                    return received
                last_data = time.monotonic()
                data = carry + data
                usable = len(data) // 4 * 4
                carry = data[usable:]
                raw = np.frombuffer(data[:usable], dtype="<f4")
                if not len(raw):
                    continue
                if received == 0:
                    with self.lock:
                        self.switch.up()
                    self.report.send(event="connected", at=time.time())
                received += len(raw)
                rms = float(np.sqrt(np.mean(raw.astype(np.float64) ** 2)))
                levelled = self.agc.process(raw)
                with self.lock:
                    self.switch.push(levelled, rms)
        finally:
            decoder.stop()
        return received

    def _lost(self, reason: str, detail: str) -> None:
        with self.lock:
            self.switch.lost(reason, detail)
        self.report.send(event="lost", at=time.time(), reason=reason, message=detail)


def open_fifo(path: str, timeout: float) -> int:
    """Open the FIFO's write end once the engine has opened its read end (or raise)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as exc:
            if exc.errno != errno.ENXIO or time.monotonic() > deadline:
                raise
            time.sleep(0.02)
            continue
        os.set_blocking(fd, True)
        return fd


def load_fallback(path: str, rate: int) -> np.ndarray:
    data, file_rate = soundfile.read(path, dtype="float32", always_2d=True)
    mono = data.mean(axis=1).astype(np.float32)
    if file_rate != rate:
        from broadcast.playout.resample import StreamResampler

        resampler = StreamResampler(file_rate, rate)
        mono = np.concatenate([resampler.push(mono), resampler.flush()])
    return mono


def feed(args: argparse.Namespace, report: Reporter) -> int:
    rate = args.rate
    switch = RelaySwitch(
        rate, load_fallback(args.fallback, rate), stall_grace=args.stall_grace,
        silence_limit=args.silence_limit,
    )
    lock = threading.Lock()
    agc = SlowAgc(rate, target_lufs=args.target_lufs)
    upstream = Upstream(args.url, rate, switch, lock, report, agc)
    upstream.start()
    report.send(event="ready", pid=os.getpid())
    total = int(round(args.seconds * rate))
    block = int(BLOCK_SECONDS * rate)
    written = 0
    reason = "completed"
    try:
        fd = open_fifo(args.fifo, args.open_timeout)
        if args.start is not None:
            # Written just ahead of the slot, so that the first sample heard at its instant is
            # the upstream as it is then (not as it was when the engine opened the FIFO).
            lead = args.start - WRITE_AHEAD_SECONDS - time.time()
            if lead > 0:
                time.sleep(lead)
    except OSError as exc:
        upstream.stop.set()
        report.send(event="done", samples=0, relayed_samples=0, gaps=[], reason="no_reader",
                    message=str(exc))
        return 3
    try:
        while written < total:
            n = min(block, total - written)
            with lock:
                out = switch.next_block(n)
                events = switch.drain_events()
            for kind, gap in events:
                report.send(event=kind, **gap.as_json(rate))
            try:
                os.write(fd, out.astype("<f4", copy=False).tobytes())
            except BrokenPipeError:
                reason = "reader_gone"
                break
            written += n
    finally:
        upstream.stop.set()
        with contextlib.suppress(OSError):
            os.close(fd)
    with lock:
        gaps = switch.finish()
        for kind, gap in switch.drain_events():
            report.send(event=kind, **gap.as_json(rate))
        relayed = switch.relayed
    report.send(
        event="done", samples=written, relayed_samples=relayed, reason=reason,
        gaps=[g.as_json(rate) for g in gaps],
    )
    upstream.thread.join(timeout=3)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m broadcast.relay",
        description="Loa's relay feeder: an upstream radio stream to the audio engine's FIFO.",
    )
    parser.add_argument("--url", required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--fifo", required=True)
    parser.add_argument("--fallback", required=True, help="fallback audio file (looped)")
    parser.add_argument("--rate", type=int, default=48_000)
    parser.add_argument("--start", type=float, default=None,
                        help="the slot's instant (epoch seconds): writing begins just before")
    parser.add_argument("--target-lufs", type=float, default=-16.0)
    parser.add_argument("--stall-grace", type=float, default=1.5)
    parser.add_argument("--silence-limit", type=float, default=10.0)
    parser.add_argument("--open-timeout", type=float, default=120.0,
                        help="give up if the engine has not opened the FIFO by then (s)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s relay[%(process)d] %(levelname)s: %(message)s")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    report = Reporter(sys.stdout)
    return feed(args, report)
