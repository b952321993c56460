"""A program file streamed in blocks into a ring buffer, ready for an audio callback.

A reader thread decodes, mixes down to mono, resamples to the sink's rate and applies the
output gain ahead of time; the audio callback only copies from memory and never waits on
I/O. Memory is bounded by the ring size, whatever the program's length.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import numpy as np
import soundfile

from broadcast.errors import PlayoutError
from broadcast.playout.resample import StreamResampler

log = logging.getLogger(__name__)


class RingBuffer:
    """Single-producer single-consumer float32 ring; the consumer side never blocks."""

    def __init__(self, capacity: int) -> None:
        self._data = np.zeros(capacity, dtype=np.float32)
        self._capacity = capacity
        self._read = 0  # absolute counts; index = count % capacity
        self._write = 0
        self._lock = threading.Lock()  # held only for index arithmetic and memcpy
        self._space = threading.Condition(self._lock)

    @property
    def capacity(self) -> int:
        return self._capacity

    @property
    def available(self) -> int:
        return self._write - self._read

    def write(self, samples: np.ndarray, stop: threading.Event) -> bool:
        """Append all samples, waiting for space; False if ``stop`` was set meanwhile."""
        offset = 0
        while offset < len(samples):
            with self._space:
                while self._capacity - (self._write - self._read) == 0:
                    if stop.is_set():
                        return False
                    self._space.wait(0.05)
                free = self._capacity - (self._write - self._read)
                n = min(free, len(samples) - offset)
                self._copy_in(samples[offset : offset + n])
                self._write += n
            offset += n
        return True

    def read_into(self, out: np.ndarray) -> int:
        """Copy up to ``len(out)`` samples into ``out``; return how many were copied."""
        with self._lock:
            n = min(len(out), self._write - self._read)
            start = self._read % self._capacity
            first = min(n, self._capacity - start)
            out[:first] = self._data[start : start + first]
            out[first:n] = self._data[: n - first]
            self._read += n
            self._space.notify()
        return n

    def write_nowait(self, samples: np.ndarray) -> int:
        """Append what fits without waiting (for a producer that must never block, such
        as an input callback); return how many samples were taken."""
        with self._lock:
            n = min(len(samples), self._capacity - (self._write - self._read))
            if n:
                self._copy_in(samples[:n])
                self._write += n
        return n

    def skip(self, n: int) -> int:
        """Drop up to ``n`` of the oldest samples (to catch up on a live source)."""
        with self._lock:
            n = max(0, min(n, self._write - self._read))
            self._read += n
            self._space.notify()
        return n

    def _copy_in(self, samples: np.ndarray) -> None:
        start = self._write % self._capacity
        first = min(len(samples), self._capacity - start)
        self._data[start : start + first] = samples[:first]
        self._data[: len(samples) - first] = samples[first:]


class ProgramSource:
    """A program WAV (or any libsndfile format) as a stream of mono float32 samples.

    ``prepare(rate)`` opens the file and starts the reader thread, which keeps up to
    ``buffer_seconds`` decoded ahead; it returns once the buffer is primed so that air
    time never waits on the disk. ``read_into`` is safe to call from an audio callback.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        gain_db: float = 0.0,
        buffer_seconds: float = 3.0,
        block_frames: int = 8192,
    ) -> None:
        self.path = Path(path)
        self.gain_db = gain_db
        self.buffer_seconds = buffer_seconds
        self.block_frames = block_frames
        self.rate: int | None = None
        self.file_rate: int | None = None
        self.duration_seconds: float | None = None
        self.error: PlayoutError | None = None
        self._ring: RingBuffer | None = None
        self._eof = threading.Event()
        self._stop = threading.Event()
        self._primed = threading.Event()
        self._thread: threading.Thread | None = None
        self._produced = 0
        self._consumed = 0

    def prepare(self, rate: int, *, prime_timeout: float = 5.0) -> None:
        """Open the file for output at ``rate`` Hz and fill the buffer (idempotent)."""
        if self._thread is not None:
            if rate != self.rate:
                raise PlayoutError(
                    "Nguồn chương trình đã được chuẩn bị cho tần số lấy mẫu khác.",
                    code="source_rate_mismatch",
                )
            return
        if not self.path.is_file():
            raise PlayoutError(
                f"Không tìm thấy tệp chương trình '{self.path}'.", code="program_unreadable"
            )
        try:
            info = soundfile.info(str(self.path))
        except (OSError, RuntimeError, soundfile.LibsndfileError) as exc:
            raise PlayoutError(
                f"Không đọc được tệp chương trình '{self.path}': {exc}",
                code="program_unreadable",
            ) from exc
        self.rate = rate
        self.file_rate = int(info.samplerate)
        self.duration_seconds = float(info.frames) / info.samplerate
        self._ring = RingBuffer(max(int(self.buffer_seconds * rate), 2 * self.block_frames))
        self._thread = threading.Thread(
            target=self._fill, name=f"program-reader:{self.path.name}", daemon=True
        )
        self._thread.start()
        if not self._primed.wait(prime_timeout):
            log.warning("program %s: buffer not primed after %.1f s", self.path, prime_timeout)
        if self.error is not None:
            raise self.error

    def read_into(self, out: np.ndarray) -> int:
        """Copy the next samples into ``out`` (callback-safe); return how many were copied."""
        if self._ring is None:
            return 0
        n = self._ring.read_into(out)
        self._consumed += n
        return n

    @property
    def exhausted(self) -> bool:
        """True once the whole program has been handed out."""
        return self._eof.is_set() and self._ring is not None and self._ring.available == 0

    @property
    def frames_read(self) -> int:
        return self._consumed

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)

    def _fill(self) -> None:
        assert self._ring is not None and self.rate is not None and self.file_rate is not None
        ring = self._ring
        gain = np.float32(10.0 ** (self.gain_db / 20.0))
        resampler = StreamResampler(self.file_rate, self.rate)
        try:
            with soundfile.SoundFile(str(self.path)) as f:
                for block in f.blocks(blocksize=self.block_frames, dtype="float32", always_2d=True):
                    mono = block.mean(axis=1) if block.shape[1] > 1 else block[:, 0]
                    out = resampler.push(mono)
                    if gain != 1.0:
                        out = out * gain
                    if not self._put(ring, out):
                        return
                tail = resampler.flush()
                if not self._put(ring, tail * gain if gain != 1.0 else tail):
                    return
        except (OSError, RuntimeError, soundfile.LibsndfileError) as exc:
            self.error = PlayoutError(
                f"Lỗi khi đọc tệp chương trình '{self.path}': {exc}", code="program_unreadable"
            )
            log.error("%s", self.error)
        finally:
            self._eof.set()
            self._primed.set()

    def _put(self, ring: RingBuffer, samples: np.ndarray) -> bool:
        if len(samples) == 0:
            return True
        if ring.capacity - ring.available < len(samples):
            self._primed.set()  # the ring is full: as far ahead as we go
        ok = ring.write(np.ascontiguousarray(samples, dtype=np.float32), self._stop)
        self._produced += len(samples)
        return ok
