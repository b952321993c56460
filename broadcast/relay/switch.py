"""The relay's switch: what goes on air, sample by sample, between the upstream radio and the
station's fallback. Pure logic: no clock, no threads, no I/O.

The upstream side ``push``es levelled samples as they arrive and says when the connection is
``up`` or ``lost``; the output side asks for the ``next_block`` at the pace the audio engine
takes it (the output is real time, so output samples are the clock). The rules:

- Upstream audio is played with a small, bounded delay: its queue is kept near
  ``target_latency`` (older samples are dropped when it grows past ``max_latency``, e.g. the
  burst an Icecast server sends on connect).
- Upstream queue empty while connected (a stall): silence for at most ``stall_grace``, then
  the fallback. Connection lost (it ended, or failed to connect): the fallback as soon as
  what was received has been played. Upstream sending silence for ``silence_limit``: the
  fallback.
- In fallback, the fallback audio (a spoken notice and the jingle bed) plays from its start
  and loops; the switch returns to the upstream when it is connected, has ``return_level``
  queued and is not silent, with a ``crossfade``.
- Every stretch not relayed is a :class:`Gap` (where it began in output samples, how long,
  why). The slot's length is the caller's business: it stops asking for blocks.

**Aligned mode** (``aligned=True``, a speaker cluster playing the station's published
stream): each pushed block says at which output sample it must be heard (``at``), because
every cluster must play the same stream sample at the same instant. Nothing is trimmed to a
latency: what comes too late for its place is dropped, what comes early waits for its place,
and a place with nothing for it is a stall (silence, then the fallback after
``stall_grace``). The return from the fallback waits until the queue holds its place again.
The silence watch is off (``silence_limit`` 0): the station's own silence is faithful.
"""

from __future__ import annotations

import enum
from collections import deque
from dataclasses import dataclass, field

import numpy as np

REASON_MESSAGES = {
    "connect_failed": "Không kết nối được nguồn tiếp sóng",
    "ended": "Nguồn tiếp sóng ngắt kết nối",
    "stalled": "Nguồn tiếp sóng ngừng gửi dữ liệu",
    "silence": "Nguồn tiếp sóng chỉ phát im lặng",
}


class State(enum.StrEnum):
    UPSTREAM = "upstream"
    STARVING = "starving"  # upstream queue ran dry; silence while waiting a little
    FALLBACK = "fallback"
    RETURNING = "returning"  # crossfading from the fallback back to the upstream


@dataclass
class Gap:
    """A stretch of the output that was not the upstream radio."""

    start: int  # output sample where it began
    reason: str  # stable code: connect_failed, ended, stalled, silence
    message: str  # Vietnamese, with the detail (e.g. ffmpeg's words)
    samples: int | None = None  # None while it lasts

    def as_json(self, rate: int) -> dict[str, object]:
        return {
            "start_sample": self.start,
            "seconds": None if self.samples is None else round(self.samples / rate, 3),
            "reason": self.reason,
            "message": self.message,
        }


class SampleQueue:
    """FIFO of float32 samples kept as a list of arrays. ``head`` counts the samples taken
    out so far (in aligned mode: the output sample where the oldest queued one belongs)."""

    def __init__(self) -> None:
        self._parts: deque[np.ndarray] = deque()
        self.size = 0
        self.head = 0

    @property
    def end(self) -> int:
        """Where the sample after the newest queued one belongs."""
        return self.head + self.size

    def push(self, samples: np.ndarray) -> None:
        if len(samples):
            self._parts.append(np.asarray(samples, dtype=np.float32))
            self.size += len(samples)

    def pop_into(self, out: np.ndarray) -> int:
        filled = 0
        while filled < len(out) and self._parts:
            part = self._parts[0]
            take = min(len(part), len(out) - filled)
            out[filled : filled + take] = part[:take]
            filled += take
            if take == len(part):
                self._parts.popleft()
            else:
                self._parts[0] = part[take:]
        self.size -= filled
        self.head += filled
        return filled

    def drop(self, n: int) -> None:
        """Drop the ``n`` oldest samples."""
        n = min(n, self.size)
        self.head += n
        while n > 0:
            part = self._parts[0]
            if len(part) <= n:
                self._parts.popleft()
                self.size -= len(part)
                n -= len(part)
            else:
                self._parts[0] = part[n:]
                self.size -= n
                n = 0

    def clear(self) -> None:
        self.head += self.size
        self._parts.clear()
        self.size = 0


@dataclass
class RelaySwitch:
    rate: int
    fallback: np.ndarray  # mono float32 at ``rate``, looped
    target_latency: float = 0.75
    max_latency: float = 2.0
    return_level: float = 0.5
    stall_grace: float = 1.5
    silence_limit: float = 10.0
    silence_dbfs: float = -55.0
    crossfade: float = 0.5
    fade: float = 0.02
    aligned: bool = False  # each pushed block says where it belongs (see the module's doc)
    max_ahead: float = 60.0  # aligned: what belongs further ahead than this is not kept
    state: State = State.FALLBACK
    gaps: list[Gap] = field(default_factory=list)
    connected: bool = False
    sample: int = 0  # output samples handed out so far
    relayed: int = 0  # of which upstream audio
    events: list[tuple[str, Gap]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.fallback = np.asarray(self.fallback, dtype=np.float32)
        if len(self.fallback) == 0:
            self.fallback = np.zeros(self.rate, dtype=np.float32)
        self.queue = SampleQueue()
        self._started = False
        self._fallback_pos = 0
        self._fade_in = 0  # samples of fade-in left on the upstream
        self._xf_done = 0
        self._starve_start = 0
        self._silent_run = 0  # consecutive silent upstream samples received
        self._loud_run = 0
        self._lost: tuple[str, str] = ("connect_failed", REASON_MESSAGES["connect_failed"])
        self._silence_threshold = float(10.0 ** (self.silence_dbfs / 20.0))
        self._ever_up = False

    # --- the upstream side ------------------------------------------------------------------

    def up(self) -> None:
        """The upstream (re)connected and sends audio."""
        self.connected = True

    def lost(self, reason: str, detail: str = "") -> None:
        """The upstream connection ended (``ended``), could not be made
        (``connect_failed``) or stalled (``stalled``)."""
        was_up, self.connected = self.connected, False
        if not was_up and self._ever_up:
            return  # a failed retry: the outage keeps the cause it began with
        self._ever_up = self._ever_up or was_up
        base = REASON_MESSAGES.get(reason, reason)
        self._lost = (reason, f"{base}: {detail}" if detail else base)

    def push(
        self, samples: np.ndarray, raw_rms: float | None = None, at: int | None = None
    ) -> None:
        """Levelled upstream samples; ``raw_rms`` is their level before levelling (for the
        silence watch; default: measured on ``samples``). Aligned mode: ``at`` is the output
        sample where the first of them must be heard."""
        samples = np.asarray(samples, dtype=np.float32)
        if len(samples) == 0:
            return
        if raw_rms is None:
            raw_rms = float(np.sqrt(np.mean(samples.astype(np.float64) ** 2)))
        if raw_rms < self._silence_threshold:
            self._silent_run += len(samples)
            self._loud_run = 0
        else:
            self._loud_run += len(samples)
            self._silent_run = 0
        if self.aligned:
            if at is None:
                raise ValueError("aligned mode: every pushed block says where it belongs")
            self._push_at(samples, at)
            return
        self.queue.push(samples)
        keep = 2 * int(self.max_latency * self.rate)  # bounded; next_block trims finer
        if self.state is State.FALLBACK:
            keep = int(self.target_latency * self.rate)
        if self.queue.size > keep:
            self.queue.drop(self.queue.size - keep)

    def _push_at(self, samples: np.ndarray, at: int) -> None:
        queue = self.queue
        floor = max(self.sample, queue.end if queue.size else self.sample)
        if at < floor:  # too late for its place, or already queued (a reconnection's burst)
            samples = samples[floor - at :]
            at = floor
        limit = self.sample + int(self.max_ahead * self.rate)
        if at >= limit or not len(samples):
            return
        samples = samples[: limit - at]
        if queue.size and at > queue.end:  # a hole: nothing will ever come for it
            hole = at - queue.end
            if hole <= self.stall_grace * self.rate:
                queue.push(np.zeros(hole, dtype=np.float32))  # heard as a short stall
            else:
                queue.clear()  # the output stalls there, then plays the fallback
        if not queue.size:
            queue.head = at
        queue.push(samples)

    def _align(self, at: int) -> bool:
        """Aligned mode: drop what belongs before output sample ``at``; whether the queue
        holds ``at`` itself now."""
        queue = self.queue
        if queue.size and queue.head < at:
            queue.drop(at - queue.head)
        return queue.size > 0 and queue.head == at

    # --- the output side ----------------------------------------------------------------------

    def next_block(self, n: int) -> np.ndarray:
        """The next ``n`` output samples."""
        out = np.zeros(n, dtype=np.float32)
        if not self._started:
            self._started = True
            if self.aligned and self.connected:
                self.state = State.UPSTREAM  # its first place may be on its way: a stall
            elif not self.aligned and self.connected and self.queue.size >= n:
                self._trim_to_target()
                self.state = State.UPSTREAM
            else:
                self._enter_fallback(0, *self._lost)
        pos = 0
        guard = 0
        while pos < n:
            guard += 1
            if guard > 16:  # every branch advances or changes state; never spin
                break
            if self.state is State.UPSTREAM:
                pos = self._play_upstream(out, pos)
            elif self.state is State.STARVING:
                pos = self._starve(out, pos)
            elif self.state is State.FALLBACK:
                pos = self._play_fallback(out, pos)
            else:
                pos = self._return(out, pos)
        self.sample += n
        return out

    def finish(self) -> list[Gap]:
        """Close the gap still open (the slot ended during it); return every gap."""
        for gap in self.gaps:
            if gap.samples is None:
                gap.samples = self.sample - gap.start
                self.events.append(("gap_end", gap))
        return self.gaps

    def drain_events(self) -> list[tuple[str, Gap]]:
        events, self.events = self.events, []
        return events

    # --- states -------------------------------------------------------------------------------

    def _play_upstream(self, out: np.ndarray, pos: int) -> int:
        if self.aligned:
            at = self.sample + pos
            if not self._align(at):
                if not self.connected:
                    self._enter_fallback(at, *self._lost)
                else:
                    self.state = State.STARVING
                    self._starve_start = at
                return pos
        elif self._silence_watch and self._silent_run >= self.silence_limit * self.rate:
            self._enter_fallback(self.sample + pos, "silence", self._silence_message())
            return pos
        elif self.queue.size > self.max_latency * self.rate:
            self._trim_to_target()
            self._fade_in = int(self.fade * self.rate)
        want = out[pos:]
        got = self.queue.pop_into(want)
        if self._fade_in and got:
            k = min(self._fade_in, got)
            done = int(self.fade * self.rate) - self._fade_in
            ramp = (np.arange(done + 1, done + k + 1, dtype=np.float32)
                    / np.float32(self.fade * self.rate))
            want[:k] *= np.minimum(ramp, 1.0)
            self._fade_in -= k
        self.relayed += got
        pos += got
        if pos < len(out):  # the queue ran dry
            if not self.connected:
                self._enter_fallback(self.sample + pos, *self._lost)
            else:
                self.state = State.STARVING
                self._starve_start = self.sample + pos
        return pos

    def _starve(self, out: np.ndarray, pos: int) -> int:
        now = self.sample + pos
        if not self.connected:
            self._enter_fallback(self._starve_start, *self._lost)
            return pos
        if self.aligned:
            ready = self._align(now)
        else:
            ready = self.queue.size >= min(self.return_level, self.target_latency) * self.rate
        if ready:
            self.state = State.UPSTREAM
            self._fade_in = int(self.fade * self.rate)
            return pos
        left = int(self.stall_grace * self.rate) - (now - self._starve_start)
        if left <= 0:
            self._enter_fallback(
                self._starve_start, "stalled",
                f"{REASON_MESSAGES['stalled']} quá {self.stall_grace:g} giây",
            )
            return pos
        step = min(left, len(out) - pos)
        if self.aligned and self.queue.size:  # resume exactly where the queue begins
            step = min(step, self.queue.head - now)
        return pos + step  # silence (out is zeros)

    def _play_fallback(self, out: np.ndarray, pos: int) -> int:
        if self._can_return(self.sample + pos):
            self._trim_to_target()
            self.state = State.RETURNING
            self._xf_done = 0
            return pos
        self._fallback_into(out[pos:])
        return len(out)

    def _return(self, out: np.ndarray, pos: int) -> int:
        total = max(1, int(self.crossfade * self.rate))
        k = min(len(out) - pos, total - self._xf_done)
        up = np.zeros(k, dtype=np.float32)
        got = self.queue.pop_into(up)
        if got < k:  # dry again before the crossfade ended: stay on the fallback
            self.state = State.FALLBACK
            self._fallback_into(out[pos:])
            return len(out)
        fb = np.zeros(k, dtype=np.float32)
        self._fallback_into(fb)
        ramp = np.arange(self._xf_done + 1, self._xf_done + k + 1, dtype=np.float32) / total
        out[pos : pos + k] = fb * (1.0 - ramp) + up * ramp
        self._xf_done += k
        self.relayed += k
        if self._xf_done >= total:
            self.state = State.UPSTREAM
            gap = next((g for g in reversed(self.gaps) if g.samples is None), None)
            if gap is not None:
                gap.samples = self.sample + pos + k - gap.start
                self.events.append(("gap_end", gap))
        return pos + k

    # --- helpers --------------------------------------------------------------------------------

    def _enter_fallback(self, at: int, reason: str, message: str) -> None:
        self.state = State.FALLBACK
        self._fallback_pos = 0
        gap = Gap(start=at, reason=reason, message=message)
        self.gaps.append(gap)
        self.events.append(("gap_start", gap))
        keep = int(self.target_latency * self.rate)
        if not self.aligned and self.queue.size > keep:
            self.queue.drop(self.queue.size - keep)

    def _can_return(self, at: int) -> bool:
        if self.aligned and not self._align(at):
            return False
        if not self.connected or self.queue.size < self.return_level * self.rate:
            return False
        if not self._silence_watch:
            return True
        if self._silent_run > 0:
            return False
        return self._loud_run >= self.return_level * self.rate

    @property
    def _silence_watch(self) -> bool:
        return self.silence_limit > 0

    def _trim_to_target(self) -> None:
        if self.aligned:
            return  # the queue is already where the output is
        keep = int(self.target_latency * self.rate)
        if self.queue.size > keep:
            self.queue.drop(self.queue.size - keep)

    def _fallback_into(self, out: np.ndarray) -> None:
        n = len(out)
        filled = 0
        fb = self.fallback
        start_pos = self._fallback_pos
        while filled < n:
            take = min(n - filled, len(fb) - self._fallback_pos)
            out[filled : filled + take] = fb[self._fallback_pos : self._fallback_pos + take]
            filled += take
            self._fallback_pos = (self._fallback_pos + take) % len(fb)
        fade = int(self.fade * self.rate)
        if start_pos < fade and self.state is State.FALLBACK:  # fade in a fresh fallback
            k = min(n, fade - start_pos)
            out[:k] *= np.arange(start_pos + 1, start_pos + k + 1, dtype=np.float32) / fade

    def _silence_message(self) -> str:
        return f"{REASON_MESSAGES['silence']} quá {self.silence_limit:g} giây"
