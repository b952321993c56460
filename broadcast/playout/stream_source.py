"""A live PCM stream read from a named pipe (FIFO), ready for an audio callback.

The producer (the relay feeder, another process) writes raw samples into the FIFO:
float32 little-endian, mono, at ``stream_rate`` Hz. A reader thread moves them into a small
ring buffer, resampled to the sink's rate if needed and with the gain applied; the audio
callback only copies from memory. The stream has no known length: it ends when the
producer closes its end and the ring has been played out. If the producer falls behind,
the callback plays silence and counts an underrun, exactly as for a program file.

The ring is kept small (``buffer_seconds``): whatever is queued here is heard that much
later, and a relay that switches to its fallback must be heard switching at once.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import select
import stat
import threading
from pathlib import Path

import numpy as np

from broadcast.errors import PlayoutError
from broadcast.playout.resample import StreamResampler
from broadcast.playout.source import ProgramSource, RingBuffer

log = logging.getLogger(__name__)

SAMPLE_BYTES = 4  # float32
PIPE_BYTES = 16_384  # the FIFO's own buffer: about 85 ms at 48 kHz
F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
POLL_SECONDS = 0.05


class PcmStreamSource(ProgramSource):
    """Raw float32 mono samples from a FIFO, as a source of unknown length.

    ``prepare(rate)`` opens the FIFO without waiting for a writer and starts the reader
    thread. ``open_timeout``: a producer that has not opened its end by then ends the
    stream (``stream_unreadable``); ``None`` waits for it as long as the stream lives.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        stream_rate: int | None = None,
        gain_db: float = 0.0,
        buffer_seconds: float = 0.5,
        open_timeout: float | None = 30.0,
    ) -> None:
        super().__init__(path, gain_db=gain_db, buffer_seconds=buffer_seconds)
        self.stream_rate = stream_rate
        self.open_timeout = open_timeout
        self.writer_seen = threading.Event()  # the producer has opened its end
        self._fd: int | None = None

    def prepare(self, rate: int, *, prime_timeout: float = 0.0) -> None:
        """Open the FIFO for output at ``rate`` Hz (idempotent). ``prime_timeout``: wait up to
        that long for the first samples (0: do not wait; a late producer is heard late)."""
        if self._thread is not None:
            if rate != self.rate:
                raise PlayoutError(
                    "Nguồn phát trực tiếp đã được chuẩn bị cho tần số lấy mẫu khác.",
                    code="source_rate_mismatch",
                )
            return
        try:
            if not stat.S_ISFIFO(os.stat(self.path).st_mode):
                raise PlayoutError(
                    f"'{self.path}' không phải là ống dẫn dữ liệu (FIFO).",
                    code="stream_unreadable",
                )
            # Non-blocking: opening the read end never waits for the producer.
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except FileNotFoundError as exc:
            raise PlayoutError(
                f"Không tìm thấy ống dẫn dữ liệu '{self.path}'.", code="stream_unreadable"
            ) from exc
        except OSError as exc:
            raise PlayoutError(
                f"Không mở được ống dẫn dữ liệu '{self.path}': {exc.strerror}",
                code="stream_unreadable",
            ) from exc
        with contextlib.suppress(OSError):  # the default size only adds a little latency
            fcntl.fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES)
        self._fd = fd
        self.rate = rate
        self.file_rate = self.stream_rate or rate
        self.duration_seconds = None
        self._ring = RingBuffer(max(int(self.buffer_seconds * rate), 2048))
        self._thread = threading.Thread(
            target=self._fill, name=f"stream-reader:{self.path.name}", daemon=True
        )
        self._thread.start()
        if prime_timeout > 0:
            self._primed.wait(prime_timeout)

    def _fill(self) -> None:
        assert self._ring is not None and self.rate is not None and self.file_rate is not None
        assert self._fd is not None
        fd, ring = self._fd, self._ring
        gain = np.float32(10.0 ** (self.gain_db / 20.0))
        resampler = StreamResampler(self.file_rate, self.rate)
        carry = b""
        waited = 0.0
        try:
            while not self._stop.is_set():
                ready, _, _ = select.select([fd], [], [], POLL_SECONDS)
                if not ready:
                    if not self.writer_seen.is_set():
                        waited += POLL_SECONDS
                        if self.open_timeout is not None and waited >= self.open_timeout:
                            self.error = PlayoutError(
                                f"Không có dữ liệu nào được đưa vào '{self.path}'.",
                                code="stream_unreadable",
                            )
                            return
                    continue
                try:
                    data = os.read(fd, 65_536)
                except BlockingIOError:
                    continue
                except OSError as exc:
                    if exc.errno == errno.EINTR:
                        continue
                    raise
                if not data:
                    if self.writer_seen.is_set():
                        return  # the producer closed its end: the stream is over
                    # No writer yet: a FIFO reads as EOF until one opens it.
                    self._stop.wait(POLL_SECONDS)
                    waited += POLL_SECONDS
                    if self.open_timeout is not None and waited >= self.open_timeout:
                        self.error = PlayoutError(
                            f"Không có dữ liệu nào được đưa vào '{self.path}'.",
                            code="stream_unreadable",
                        )
                        return
                    continue
                self.writer_seen.set()
                data = carry + data
                usable = len(data) // SAMPLE_BYTES * SAMPLE_BYTES
                carry = data[usable:]
                samples = np.frombuffer(data[:usable], dtype="<f4")
                out = resampler.push(samples)
                if gain != 1.0:
                    out = out * gain
                if not self._put(ring, out):
                    return
            return
        except OSError as exc:
            self.error = PlayoutError(
                f"Lỗi khi đọc ống dẫn dữ liệu '{self.path}': {exc}", code="stream_unreadable"
            )
            log.error("%s", self.error)
        finally:
            if self.error is None and not self._stop.is_set():
                tail = resampler.flush()
                if len(tail):
                    self._put(ring, tail * gain if gain != 1.0 else tail)
            self._eof.set()
            self._primed.set()
            with contextlib.suppress(OSError):
                os.close(fd)
