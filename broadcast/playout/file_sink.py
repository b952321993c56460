"""A sink that writes what would be heard to WAV files, one per playback.

Timing follows a :class:`Clock`: a block is "played" when the clock reaches its end, so
with a ``ManualClock`` tests of other layers (scheduler, player, as-run log) drive air
time explicitly, and with the ``SystemClock`` it runs in real time. A start scheduled
for ``when`` is taken to be heard exactly at ``when`` (an ideal device). Faults can be
injected: a missing device, or a device that fails after some seconds of audio (the
playback then ends CUT, or FAILED if nothing had been heard).
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import soundfile

from broadcast.clock import Clock, SystemClock
from broadcast.errors import PlayoutError
from broadcast.playout.sink import EndReason, PlaybackHandle, SinkHealth
from broadcast.playout.source import ProgramSource

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FilePlayback:
    handle: PlaybackHandle
    path: Path


class FileSink:
    """Writes each playback to ``out_dir/NNNN-<program>.wav`` (mono, float32)."""

    def __init__(
        self,
        out_dir: str | Path,
        *,
        rate: int = 48_000,
        clock: Clock | None = None,
        name: str = "file",
        block_seconds: float = 0.1,
        missing: bool = False,
        fail_after_seconds: float | None = None,
    ) -> None:
        self.out_dir = Path(out_dir)
        self._rate = rate
        self.clock: Clock = clock or SystemClock()
        self._name = name
        self.block_frames = max(1, int(block_seconds * rate))
        self.missing = missing
        self.fail_after_seconds = fail_after_seconds
        self.played: list[FilePlayback] = []
        self._seq = itertools.count(1)
        # handle id -> (stop event, [(fade seconds, instant the stop was asked)])
        self._stops: dict[int, tuple[threading.Event, list[tuple[float, datetime]]]] = {}
        self._opened = False
        self._threads: list[threading.Thread] = []

    @property
    def name(self) -> str:
        return self._name

    @property
    def rate(self) -> int:
        return self._rate

    @property
    def output_latency(self) -> float:
        return 0.0

    def open(self) -> None:
        if self.missing:
            raise PlayoutError(
                f"Không tìm thấy thiết bị âm thanh '{self._name}'.", code="device_not_found"
            )
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._opened = True

    def start_at(
        self, source: ProgramSource, when: datetime | None = None, *, ref: str | None = None
    ) -> PlaybackHandle:
        self.open()
        source.prepare(self._rate)
        stop = threading.Event()
        fade: list[tuple[float, datetime]] = []
        handle = PlaybackHandle(
            source, device=self._name, scheduled=when, request_stop=self._request_stop, ref=ref
        )
        self._stops[id(handle)] = (stop, fade)
        path = self.out_dir / f"{next(self._seq):04d}-{source.path.stem}.wav"
        self.played.append(FilePlayback(handle, path))
        thread = threading.Thread(
            target=self._run, args=(handle, when, path, stop, fade), daemon=True,
            name=f"file-sink:{path.name}",
        )
        thread.start()
        self._threads = [t for t in self._threads if t.is_alive()] + [thread]
        return handle

    def playing_threads(self) -> frozenset[int]:
        """Idents of the threads still writing a playback: with a ``ManualClock``, time may
        move on only while each of them waits on the clock."""
        return frozenset(t.ident for t in self._threads if t.is_alive() and t.ident is not None)

    def health(self) -> SinkHealth:
        if self.missing:
            return SinkHealth(False, None, f"Không tìm thấy thiết bị âm thanh '{self._name}'.")
        return SinkHealth(True, self._name)

    def close(self) -> None:
        for stop, _ in self._stops.values():
            stop.set()
        self._opened = False

    def _request_stop(
        self, handle: PlaybackHandle, fade_seconds: float, at: datetime | None
    ) -> None:
        entry = self._stops.get(id(handle))
        if entry is not None:
            entry[1].append((fade_seconds, max(at or self.clock.now(), self.clock.now())))
            entry[0].set()

    def _run(
        self,
        handle: PlaybackHandle,
        when: datetime | None,
        path: Path,
        stop: threading.Event,
        fade: list[tuple[float, datetime]],
    ) -> None:
        try:
            if when is not None and self.clock.wait_until(when, stop):
                if fade and fade[0][1] > when:  # a stop for later: play until then
                    self.clock.wait_until(when, threading.Event())
                else:
                    handle.finish(EndReason.STOPPED, self.clock.now())
                    return
            start = when if when is not None else self.clock.now()
            handle.mark_started(start)
            self._play(handle, start, path, stop, fade)
        except Exception as exc:  # report, never leave the handle hanging
            log.exception("file sink failed")
            handle.finish(
                EndReason.FAILED,
                self.clock.now(),
                PlayoutError(f"Lỗi ghi tệp âm thanh '{path}': {exc}", code="device_failed"),
            )
        finally:
            self._stops.pop(id(handle), None)

    def _play(
        self,
        handle: PlaybackHandle,
        start: datetime,
        path: Path,
        stop: threading.Event,
        fade: list[tuple[float, datetime]],
    ) -> None:
        source = handle.source
        buf = np.zeros(self.block_frames, dtype=np.float32)
        written = 0
        with soundfile.SoundFile(
            str(path), "w", samplerate=self._rate, channels=1, subtype="FLOAT"
        ) as out:
            while True:
                block_end = start + timedelta(seconds=(written + self.block_frames) / self._rate)
                stopping = self.clock.wait_until(block_end, stop)
                if stopping and fade and fade[0][1] > block_end:  # a stop for later
                    self.clock.wait_until(block_end, threading.Event())
                    stopping = False
                if stopping:
                    # What was heard up to the stop instant, then the fade.
                    fade_seconds, stopped_at = fade[0] if fade else (0.0, self.clock.now())
                    self.clock.wait_until(stopped_at, threading.Event())
                    elapsed = (stopped_at - start).total_seconds()
                    due = min(int(round(elapsed * self._rate)) - written, self.block_frames)
                    if due > 0:
                        n = _read_blocking(source, buf[:due])
                        out.write(buf[:n])
                        written += n
                    written += self._write_fade(out, source, fade_seconds)
                    end = start + timedelta(seconds=written / self._rate)
                    handle.finish(EndReason.STOPPED, end)
                    return
                if (
                    self.fail_after_seconds is not None
                    and written / self._rate >= self.fail_after_seconds
                ):
                    end = start + timedelta(seconds=written / self._rate)
                    handle.finish(
                        EndReason.CUT if written else EndReason.FAILED,  # heard, then cut
                        end,
                        PlayoutError(
                            f"Thiết bị âm thanh '{self._name}' bị lỗi khi đang phát.",
                            code="device_failed",
                        ),
                    )
                    return
                n = _read_blocking(source, buf)
                out.write(buf[:n])
                written += n
                if n < len(buf):
                    if source.error is not None:
                        handle.finish(EndReason.FAILED, self.clock.now(), source.error)
                        return
                    end = start + timedelta(seconds=written / self._rate)
                    handle.finish(EndReason.COMPLETED, end)
                    return

    def _write_fade(self, out: soundfile.SoundFile, source: ProgramSource, seconds: float) -> int:
        frames = int(seconds * self._rate)
        if frames <= 0:
            return 0
        buf = np.zeros(frames, dtype=np.float32)
        n = _read_blocking(source, buf)
        out.write(buf[:n] * np.linspace(1.0, 0.0, frames, dtype=np.float32)[:n])
        return n


def _read_blocking(source: ProgramSource, out: np.ndarray) -> int:
    """Fill ``out`` from the source, waiting for the reader thread; short only at the end."""
    filled = 0
    while filled < len(out):
        filled += source.read_into(out[filled:])
        if filled < len(out):
            if source.exhausted:
                break
            time.sleep(0.001)
    return filled
