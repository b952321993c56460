"""Which sample of a stream each decoded sample is, from the decoder's frame timestamps.

A decoder writes samples one after the other; its frames say where they are in the stream
(``pts``, counted from the stream's start). The two agree but for small slips where the
container's timestamps are re-read: Ogg gives a page's packets timestamps counted back from
its granule position, and a listener joining in the middle (Icecast's burst) gets a first
page whose packets sit a few hundred samples off the next page's exact granule. A slip is a
new anchor (what follows is placed by its own timestamp); a jump larger than ``max_jump``
means the samples no longer follow one stream (``discontinuity``). Pure: no clock, no I/O.
"""

from __future__ import annotations

import threading

MAX_JUMP_SECONDS = 0.5


class StreamTimeline:
    """Output samples (counted from the first written, at ``rate``) to stream indexes."""

    def __init__(self, rate: int, *, max_jump_seconds: float = MAX_JUMP_SECONDS) -> None:
        self.rate = rate
        self.max_jump = int(max_jump_seconds * rate)
        self.discontinuity = False
        self.slips = 0  # small slips re-anchored
        self._anchors: list[tuple[int, int]] = []  # (output sample, its stream index)
        self._covered = 0  # output samples the frames so far account for
        self._lock = threading.Lock()

    @property
    def first_index(self) -> int | None:
        """The stream index of the first output sample (None before the first frame)."""
        with self._lock:
            return self._anchors[0][1] if self._anchors else None

    @property
    def covered(self) -> int:
        with self._lock:
            return self._covered

    def frame(self, pts: int, frame_rate: int, samples: int) -> None:
        """A decoded frame: at ``pts`` (in ``1 / frame_rate``), ``samples`` long."""
        scale = self.rate / frame_rate if frame_rate else 1.0
        index = round(pts * scale)
        length = round((pts + samples) * scale) - index
        with self._lock:
            if not self._anchors:
                self._anchors.append((0, index))
            else:
                count, start = self._anchors[-1]
                expected = start + self._covered - count
                if index != expected:
                    if abs(index - expected) > self.max_jump:
                        self.discontinuity = True
                    else:
                        self.slips += 1
                        self._anchors.append((self._covered, index))
            self._covered += length

    def pieces(self, start: int, n: int) -> list[tuple[int, int, int]] | None:
        """Output samples ``[start, start + n)`` as (offset in them, length, stream index)
        runs; None while the frames do not account for all of them yet."""
        with self._lock:
            if not self._anchors or start + n > self._covered:
                return None
            anchors = list(self._anchors)
        out: list[tuple[int, int, int]] = []
        end = start + n
        for i, (count, index) in enumerate(anchors):
            until = anchors[i + 1][0] if i + 1 < len(anchors) else end
            lo, hi = max(start, count), min(end, until)
            if lo < hi:
                out.append((lo - start, hi - lo, index + lo - count))
        return out
