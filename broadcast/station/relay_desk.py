"""Relays on the station's side: a feeder process per relay airing, started ahead of the slot,
its stream handed to the output, and what it reports turned into the as-run log's gaps.

The runner (``runtime.Station``) calls four hooks: ``plan`` (each planning round: connect
the relays due soon, about 15 s ahead), ``source_for`` (at air time: the stream to play for
a relay airing, None for any other program), ``finished`` (when the playback has ended: the
log's ``details`` and ``note``) and ``close``.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.errors import PlayoutError
from broadcast.playout.stream_source import PcmStreamSource
from broadcast.programs import Program
from broadcast.scheduling.model import AiringKey
from broadcast.scheduling.timer import Timer
from broadcast.settings import Settings
from broadcast.station.planner import Airing

log = logging.getLogger(__name__)

PACKAGE_ROOT = Path(__file__).resolve().parents[2]
DONE_WAIT_SECONDS = 1.5  # for the feeder's last report after the engine heard the end
ORPHAN_SECONDS = 120.0  # a feeder no airing claimed is stopped this long after its slot


class Feeder:
    """One ``python -m broadcast.relay`` process and what it has reported.

    ``label`` names the airing in the logs; ``start`` is when its first sample is heard
    (on this machine's clock). ``align``: (the station-clock instant of the first sample,
    the delay) for a speaker cluster playing the station's published stream in step (the
    feeder's aligned mode: ``tell`` it the epoch of each connection's stream);
    ``on_event`` gets each report (on the reading thread)."""

    def __init__(
        self,
        label: str,
        start: datetime,
        url: str,
        seconds: float,
        fallback: Path | None,
        fifo: Path,
        rate: int,
        *,
        align: tuple[float, float] | None = None,
        on_event: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self.label = label
        self.start = start
        self.url = url
        self.seconds = seconds
        self.rate = rate
        self.fifo = fifo
        self.events: list[dict[str, Any]] = []
        self.done = threading.Event()
        self.claimed = False
        self.on_event = on_event
        self._stdin_lock = threading.Lock()
        env = dict(os.environ)
        path = env.get("PYTHONPATH")
        env["PYTHONPATH"] = str(PACKAGE_ROOT) + (os.pathsep + path if path else "")
        args = [sys.executable, "-m", "broadcast.relay", "--url", url, "--seconds", str(seconds),
                "--fifo", str(fifo), "--rate", str(rate), "--start", str(start.timestamp())]
        if fallback is not None:
            args += ["--fallback", str(fallback)]
        if align is not None:
            args += ["--align-at", repr(align[0]), "--delay", repr(align[1])]
        self.proc = subprocess.Popen(
            args, stdin=subprocess.PIPE if align is not None else subprocess.DEVNULL,
            stdout=subprocess.PIPE, env=env, start_new_session=True,
        )
        threading.Thread(target=self._read, name=f"relay-{self.proc.pid}", daemon=True).start()
        log.info("relay of %s for %s connecting (feeder pid %d)", url, label, self.proc.pid)

    def tell(self, connection: int, epoch: float | None) -> None:
        """Aligned mode: the epoch of the stream the feeder's ``connection`` reads."""
        line = json.dumps({"connection": connection, "epoch": epoch}) + "\n"
        with self._stdin_lock:
            try:
                assert self.proc.stdin is not None
                self.proc.stdin.write(line.encode())
                self.proc.stdin.flush()
            except (OSError, ValueError):
                pass  # it has ended

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for raw in self.proc.stdout:
            try:
                event = json.loads(raw)
            except ValueError:
                continue
            self.events.append(event)
            if self.on_event is not None:
                try:
                    self.on_event(event)
                except Exception:
                    log.exception("relay %s: handling %s failed", self.url, event.get("event"))
            kind = event.get("event")
            if kind in ("lost", "gap_start"):
                log.warning("relay %s: %s %s", self.url, kind, event.get("message"))
            elif kind == "connected":
                log.info("relay %s: connected", self.url)
        self.done.set()

    def report(self) -> dict[str, Any] | None:
        return next((e for e in reversed(self.events) if e.get("event") == "done"), None)

    def stop(self) -> None:
        if self.proc.stdin is not None:
            with self._stdin_lock, contextlib.suppress(OSError):
                self.proc.stdin.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.fifo.unlink(missing_ok=True)


class RelayDesk:
    """Starts, hands over and accounts for the relay feeders of the station."""

    def __init__(
        self,
        settings: Settings,
        timer: Timer,
        *,
        find_program: Callable[[str], Program | None],
        resolve: Callable[[AiringKey], Airing | None],
        render: Callable[[str], Any],
        rate: Callable[[], int],
        now: Callable[[], datetime],
    ) -> None:
        self.settings = settings
        self.timer = timer
        self.find_program = find_program
        self.resolve = resolve
        self.render = render  # program id -> its render record (the fallback file)
        self.rate = rate
        self.now = now
        self.tz = ZoneInfo(settings.timezone)
        self.ahead = timedelta(seconds=settings.relay_connect_ahead_seconds)
        self._feeders: dict[AiringKey, Feeder] = {}
        self._listeners: list[Callable[[AiringKey, datetime | None, datetime | None], None]] = []
        self._lock = threading.Lock()
        self._dir: Path | None = None
        self._seq = 0

    def add_listener(
        self, listener: Callable[[AiringKey, datetime | None, datetime | None], None]
    ) -> None:
        """``listener(key, actual_start, end)`` when a relay airing has ended (e.g. the speaker
        clusters end theirs where the station's ended)."""
        self._listeners.append(listener)

    # --- hooks ------------------------------------------------------------------------------

    def plan(self, upcoming: Sequence[Airing], now: datetime) -> None:
        """Connect each relay airing ahead of its slot; stop feeders nobody claimed."""
        for airing in upcoming:
            if airing.skipped or self.relay_of(airing.program_id) is None:
                continue
            if airing.key in self._feeders:
                continue
            self.timer.at(("relay", airing.key), max(airing.start - self.ahead, now),
                          partial(self._connect_job, airing.key))
        self._reap(now)

    def source_for(self, airing: Airing, wav_path: Path | None) -> PcmStreamSource | None:
        """The stream to put on air for a relay airing (None: not a relay)."""
        relay = self.relay_of(airing.program_id)
        if relay is None:
            return None
        with self._lock:
            feeder = self._feeders.get(airing.key)
            if feeder is not None and feeder.proc.poll() is not None:
                feeder = None  # it gave up (e.g. nobody opened its FIFO in time)
            if feeder is None:
                if wav_path is None:
                    raise PlayoutError("Chưa có âm thanh dự phòng cho buổi tiếp sóng.",
                                       code="relay_no_fallback")
                feeder = self._spawn(airing, wav_path)
            feeder.claimed = True
        return PcmStreamSource(feeder.fifo, stream_rate=feeder.rate, open_timeout=None)

    def finished(
        self, key: AiringKey, actual_start: datetime | None, end: datetime | None
    ) -> tuple[dict[str, Any] | None, str | None]:
        """The ``details`` and ``note`` of a relay airing's log entry (None, None if it was
        no relay)."""
        with self._lock:
            feeder = self._feeders.pop(key, None)
        if feeder is None:
            return None, None
        for listener in list(self._listeners):
            try:
                listener(key, actual_start, end)
            except Exception:
                log.exception("a relay listener failed")
        feeder.done.wait(DONE_WAIT_SECONDS)
        feeder.stop()
        return relay_details(feeder, actual_start, end, self.tz)

    def close(self) -> None:
        with self._lock:
            feeders = list(self._feeders.values())
            self._feeders.clear()
        for feeder in feeders:
            feeder.stop()
        if self._dir is not None:
            shutil.rmtree(self._dir, ignore_errors=True)

    # --- helpers ------------------------------------------------------------------------------

    def relay_of(self, program_id: str) -> Any:
        program = self.find_program(program_id)
        return None if program is None else program.relay

    def _connect_job(self, key: AiringKey) -> None:
        airing = self.resolve(key)
        if airing is None or airing.skipped:
            return
        try:
            record = self.render(airing.program_id)
        except Exception:  # the air job reports render failures; here: connect without
            log.exception("relay %s: no fallback render before connecting", key)
            return
        with self._lock:
            if key in self._feeders:
                return
            self._spawn(airing, Path(record.wav_path))

    def _spawn(self, airing: Airing, fallback: Path) -> Feeder:
        relay = self.relay_of(airing.program_id)
        assert relay is not None and relay.url is not None
        if self._dir is None:
            self._dir = Path(tempfile.mkdtemp(prefix="loa-relay-"))
        self._seq += 1
        fifo = self._dir / f"relay-{self._seq}.pcm"
        fifo.unlink(missing_ok=True)
        os.mkfifo(fifo, 0o600)
        feeder = Feeder(str(airing.key), airing.start, relay.url, relay.seconds, fallback, fifo,
                        self.rate())
        self._feeders[airing.key] = feeder
        return feeder

    def _reap(self, now: datetime) -> None:
        limit = timedelta(seconds=self.settings.grace_seconds + ORPHAN_SECONDS)
        with self._lock:
            stale = [k for k, f in self._feeders.items()
                     if not f.claimed and now - f.start > limit]
            feeders = [self._feeders.pop(k) for k in stale]
        for feeder in feeders:
            log.warning("relay for %s was never aired: stopping its feeder", feeder.label)
            feeder.stop()


def relay_details(
    feeder: Feeder, actual_start: datetime | None, end: datetime | None, tz: ZoneInfo
) -> tuple[dict[str, Any], str | None]:
    """The as-run ``details`` of a relay: each gap (from, seconds, reason, message) and the
    time relayed apart from the fallback; and a note for the operator when it had gaps."""
    rate = feeder.rate
    done = feeder.report()
    gaps_raw = list(done["gaps"]) if done else [
        e for e in feeder.events if e.get("event") == "gap_end"
    ]
    if done is None:  # no final report: gaps still open end with the playback
        open_gaps = [e for e in feeder.events if e.get("event") == "gap_start"]
        closed = {g["start_sample"] for g in gaps_raw}
        gaps_raw += [dict(g, seconds=None) for g in open_gaps if g["start_sample"] not in closed]
    heard = None
    if actual_start is not None and end is not None:
        heard = max((end - actual_start).total_seconds(), 0.0)
    gaps = []
    for raw in gaps_raw:
        offset = raw["start_sample"] / rate
        seconds = raw.get("seconds")
        if seconds is None:
            seconds = max((heard or offset) - offset, 0.0)
        if heard is not None and offset >= heard:
            continue  # after the playback ended (stopped): never heard
        if heard is not None:
            seconds = min(seconds, heard - offset)
        start = actual_start + timedelta(seconds=offset) if actual_start else None
        gaps.append({
            "from": None if start is None else start.astimezone(tz).isoformat(),
            "seconds": round(float(seconds), 3),
            "reason": raw["reason"],
            "message": raw["message"],
        })
    fallback_seconds = round(sum(g["seconds"] for g in gaps), 3)
    relayed = None if heard is None else round(max(heard - fallback_seconds, 0.0), 3)
    details: dict[str, Any] = {
        "relay": {"url": feeder.url, "relayed_seconds": relayed,
                  "fallback_seconds": fallback_seconds},
        "gaps": gaps,
    }
    note = None
    if gaps:
        if relayed is not None and relayed < 0.5:
            note = (f"Không tiếp sóng được suốt buổi ({gaps[0]['message']}); "
                    "đã phát âm thanh dự phòng thay thế.")
        else:
            note = (f"Tiếp sóng gián đoạn {len(gaps)} lần, tổng {fallback_seconds:.1f} giây "
                    f"({gaps[0]['message']}); đã phát âm thanh dự phòng trong lúc gián đoạn.")
    return details, note

