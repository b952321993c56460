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

**Aligned** (``--align-at P --delay D``): a speaker cluster playing the station's published
stream, sample ``n`` at ``epoch + n / rate + D`` (station clock), where ``epoch`` is when the
station heard the stream's sample 0 (``GET /api/agent/stream``); output sample 0 is heard at
``P``. The decoder is ``timed`` (it says which stream sample each decoded one is), the switch
``aligned``, with no levelling (the station's output is levelled already) and no silence
watch. Each connection is reported ``{"event": "connected", "at", "connection",
"first_index"}``; its samples wait until the parent answers on stdin with the epoch of the
stream it connected to, one JSON line ``{"connection": c, "epoch": E}`` (``null``: no
epoch fits it: the connection is dropped and made again with the backoff). A stream a new
epoch begins on (the station's publisher restarted) comes in a new connection.
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
EPOCH_WAIT_SECONDS = 5.0  # aligned: a connection whose epoch is not told by then is dropped
TIMESTAMP_WAIT_SECONDS = 2.0  # aligned: decoded audio without its timestamp this long: dropped
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


class Alignment:
    """Aligned mode: where each connection's stream samples go in the output (see the
    module's doc). ``offset(c)``: output sample = stream index - offset."""

    REFUSED = object()

    def __init__(self, align_at: float, delay: float, rate: int) -> None:
        self.align_at = align_at
        self.delay = delay
        self.rate = rate
        self._offsets: dict[int, object] = {}
        self._changed = threading.Condition()

    def tell(self, connection: int, epoch: float | None) -> None:
        """The epoch of the stream that ``connection`` reads (None: none fits it)."""
        with self._changed:
            self._offsets[connection] = (
                self.REFUSED if epoch is None else stream_offset(
                    self.align_at, self.delay, epoch, self.rate)
            )
            self._changed.notify_all()

    def offset(self, connection: int) -> object:
        """The connection's offset (int), ``REFUSED``, or None while not told."""
        with self._changed:
            return self._offsets.get(connection)

    def read_control(self, stream: Any) -> None:
        """Read the parent's answers (JSON lines) until its end of the pipe closes."""
        for line in stream:
            try:
                message = json.loads(line)
                connection = int(message["connection"])
                epoch = message.get("epoch")
                self.tell(connection, None if epoch is None else float(epoch))
            except (ValueError, KeyError, TypeError):
                log.warning("control line not understood: %r", line[:200])


def stream_offset(align_at: float, delay: float, epoch: float, rate: int) -> int:
    """Output sample ``k`` (heard at ``align_at + k / rate``) plays stream sample
    ``k + offset``: the one the station heard ``delay`` earlier, at ``epoch + n / rate``."""
    return round((align_at - delay - epoch) * rate)


class Upstream:
    """Keeps a connection to the upstream open, feeding the switch; retries when it fails."""

    def __init__(
        self, url: str, rate: int, switch: RelaySwitch, lock: threading.Lock,
        report: Reporter, agc: SlowAgc | None, *, stall_seconds: float = STALL_SECONDS,
        backoff: tuple[float, ...] = BACKOFF_SECONDS, alignment: Alignment | None = None,
    ) -> None:
        self.url = url
        self.rate = rate
        self.switch = switch
        self.lock = lock
        self.report = report
        self.agc = agc
        self.stall_seconds = stall_seconds
        self.backoff = backoff
        self.alignment = alignment
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="upstream", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def _run(self) -> None:
        failures = 0
        while not self.stop.is_set():
            try:
                received = self._connect_once()
            except Exception as exc:  # ffmpeg missing, a decoder that would not exit, a bug
                log.exception("the upstream connection failed")
                self._lost("connect_failed", f"{exc}")  # the fallback covers; we retry
                received = 0
            if self.stop.is_set():
                return
            failures = 0 if received >= STABLE_SECONDS * self.rate else failures + 1
            delay = self.backoff[min(failures, len(self.backoff)) - 1] if failures else 0.2
            self.stop.wait(delay)

    def _connect_once(self) -> int:
        """One connection, until it ends; returns the samples it delivered."""
        try:
            decoder = Decoder(self.url, self.rate, timed=self.alignment is not None)
        except OSError as exc:
            self._lost("connect_failed", str(exc))
            return 0
        self.connections += 1
        received = 0
        carry = b""
        last_data = time.monotonic()
        placed = _Placement(self, decoder, self.connections) if self.alignment else None
        try:
            while not self.stop.is_set():
                ready, _, _ = select.select([decoder.fd], [], [], 0.1)
                data = decoder.read() if ready else None
                if data is None:
                    if time.monotonic() - last_data > self.stall_seconds:
                        self._lost("stalled", f"không có dữ liệu quá {self.stall_seconds:g} giây")
                        return received
                    if placed is not None and not placed.flush():
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
                if placed is not None:
                    placed.add(raw, received)
                    received += len(raw)
                    if not placed.flush():
                        return received
                    continue
                if received == 0:
                    with self.lock:
                        self.switch.up()
                    self.report.send(event="connected", at=time.time())
                received += len(raw)
                rms = float(np.sqrt(np.mean(raw.astype(np.float64) ** 2)))
                levelled = raw if self.agc is None else self.agc.process(raw)
                with self.lock:
                    self.switch.push(levelled, rms)
        finally:
            decoder.stop()
        return received

    def _lost(self, reason: str, detail: str) -> None:
        with self.lock:
            self.switch.lost(reason, detail)
        self.report.send(event="lost", at=time.time(), reason=reason, message=detail)


class _Placement:
    """Aligned mode, one connection: its samples wait for their timestamp and for the
    epoch of their stream, then go to their place in the output."""

    def __init__(self, upstream: Upstream, decoder: Decoder, connection: int) -> None:
        self.upstream = upstream
        self.decoder = decoder
        self.connection = connection
        self.pending: list[tuple[int, np.ndarray]] = []  # (received before, samples)
        self.since = time.monotonic()
        self.announced = False
        self.up = False
        self.keep = int(upstream.rate * 30)  # at most this much waits for its place

    def add(self, raw: np.ndarray, received_before: int) -> None:
        self.pending.append((received_before, raw))
        while self.pending and received_before + len(raw) - self.pending[0][0] > self.keep:
            self.pending.pop(0)

    def flush(self) -> bool:
        """Place what can be placed; False when the connection must be dropped."""
        up = self.upstream
        alignment = up.alignment
        assert alignment is not None
        timeline = self.decoder.timeline
        assert timeline is not None
        if timeline.discontinuity:
            up._lost("ended", "luồng bị gián đoạn (dấu thời gian không liền nhau)")
            return False
        first = timeline.first_index
        if first is None:
            if self.pending and time.monotonic() - self.since > TIMESTAMP_WAIT_SECONDS:
                up._lost("connect_failed", "luồng không có dấu thời gian (Ogg)")
                return False
            return True
        if not self.announced:
            self.announced = True
            self.since = time.monotonic()
            up.report.send(event="connected", at=time.time(), connection=self.connection,
                           first_index=first)
        offset = alignment.offset(self.connection)
        if offset is None:
            if time.monotonic() - self.since > EPOCH_WAIT_SECONDS:
                up._lost("connect_failed", "không biết luồng bắt đầu lúc nào (không hỏi được đài)")
                return False
            return True
        if offset is Alignment.REFUSED:
            up._lost("connect_failed", "luồng không khớp với đồng hồ của đài")
            return False
        assert isinstance(offset, int)
        with up.lock:
            while self.pending:
                received_before, raw = self.pending[0]
                pieces = timeline.pieces(received_before, len(raw))
                if pieces is None:
                    break  # its frames are not reported yet
                if not self.up:
                    self.up = True
                    up.switch.up()
                for start, length, index in pieces:
                    up.switch.push(raw[start : start + length], None, at=index - offset)
                self.pending.pop(0)
        return True


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


def feed(args: argparse.Namespace, report: Reporter, control: Any = None) -> int:
    rate = args.rate
    aligned = args.align_at is not None
    fallback = (load_fallback(args.fallback, rate) if args.fallback
                else np.zeros(rate, dtype=np.float32))
    switch = RelaySwitch(
        rate, fallback, stall_grace=args.stall_grace,
        silence_limit=0.0 if aligned else args.silence_limit, aligned=aligned,
    )
    lock = threading.Lock()
    alignment = None
    if aligned:
        alignment = Alignment(args.align_at, args.delay, rate)
        if control is not None:
            threading.Thread(target=alignment.read_control, args=(control,), name="control",
                             daemon=True).start()
    agc = None if aligned else SlowAgc(rate, target_lufs=args.target_lufs)
    upstream = Upstream(args.url, rate, switch, lock, report, agc, alignment=alignment)
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
    parser.add_argument("--fallback", default=None,
                        help="fallback audio file (looped; none: silence)")
    parser.add_argument("--rate", type=int, default=48_000)
    parser.add_argument("--start", type=float, default=None,
                        help="the slot's instant (epoch seconds): writing begins just before")
    parser.add_argument("--target-lufs", type=float, default=-16.0)
    parser.add_argument("--stall-grace", type=float, default=1.5)
    parser.add_argument("--silence-limit", type=float, default=10.0)
    parser.add_argument("--open-timeout", type=float, default=120.0,
                        help="give up if the engine has not opened the FIFO by then (s)")
    parser.add_argument("--align-at", type=float, default=None,
                        help="aligned: the station-clock instant output sample 0 is heard at")
    parser.add_argument("--delay", type=float, default=0.0,
                        help="aligned: seconds after the station the stream is heard")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format="%(asctime)s relay[%(process)d] %(levelname)s: %(message)s")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    report = Reporter(sys.stdout)
    return feed(args, report, control=sys.stdin if args.align_at is not None else None)
