"""A stream item on a speaker cluster: the station's published output (a relay, live speech),
heard ``delay`` seconds after the station, in step on every cluster.

The station publishes what its loudspeakers play to Icecast; sample ``n`` of that stream was
heard at the station at ``epoch + n / rate`` (``epoch``: ``GET /api/agent/stream``; ``n``:
the Ogg granule position). A cluster plays it at ``epoch + n / rate + delay`` on the station's
clock. The agent does it with the station's own relay feeder (``python -m broadcast.relay``)
in its aligned mode: ffmpeg decodes the stream with its timestamps, each sample goes to its
place in the output, whose first sample the audio engine starts at the window's instant
(turned into the agent's clock by the measured offset). What the feeder cannot fill from the
stream (it failed, stalled, or the station's publisher restarted) is the fallback: the
relay's fallback audio, the same as the station's, or silence when the station sent none;
the feeder comes back to the stream by itself. Each connection's epoch is asked from the
station and checked against the agent's clock before the feeder may use it.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.cluster import protocol as p
from broadcast.cluster.clocksync import StationClock
from broadcast.cluster.station_link import StationLink
from broadcast.errors import ClusterError
from broadcast.playout.stream_source import PcmStreamSource
from broadcast.station.relay_desk import DONE_WAIT_SECONDS, Feeder, relay_details

log = logging.getLogger(__name__)

JOIN_LEAD_SECONDS = 2.0  # joining late: the first sample is heard this long after deciding
MIN_SECONDS = 0.5  # less than this left of a stream item: not worth starting
LIVE_MAX_SECONDS = 4 * 3600.0  # a live item without a length: this at most (a stop ends it)
# A connection's first sample must have been heard at the station within these bounds of
# now (Icecast's burst on connect reaches some seconds back; a few minutes for silence).
BURST_BOUND_SECONDS = 300.0
AHEAD_BOUND_SECONDS = 2.0
EPOCH_TRIES = 3
EPOCH_RETRY_SECONDS = 0.3


@dataclass(frozen=True)
class StreamWindow:
    """Where a stream item is heard on a cluster (station clock)."""

    play_at: datetime  # its first sample
    seconds: float
    joined_late: bool  # after its planned instant (the agent came late to it)


def stream_window(
    item: p.Item, now: datetime, *, lead: float = JOIN_LEAD_SECONDS
) -> StreamWindow | None:
    """From ``start + delay`` (or, when that is too close or past, ``now + lead``) to
    ``start + delay + max_duration``; None when less than ``MIN_SECONDS`` of it is left."""
    begin = item.start + timedelta(seconds=item.delay)
    length = item.max_duration if item.max_duration is not None else LIVE_MAX_SECONDS
    end = begin + timedelta(seconds=length)
    play_at = max(begin, now + timedelta(seconds=lead))
    seconds = (end - play_at).total_seconds()
    if seconds < MIN_SECONDS:
        return None
    return StreamWindow(play_at, seconds, play_at > begin)


def heard_at(epoch: float, index: int, rate: int, delay: float) -> float:
    """When a cluster plays sample ``index`` of the published stream (station clock)."""
    return epoch + index / rate + delay


def plausible(epoch: float, first_index: int, rate: int, now: float) -> bool:
    """Whether a connection whose first sample is ``first_index`` can be reading the stream
    whose sample 0 the station heard at ``epoch`` (an epoch of another stream puts it hours
    away: the publisher restarted between the connection and the question)."""
    played = epoch + first_index / rate
    return now - BURST_BOUND_SECONDS <= played <= now + AHEAD_BOUND_SECONDS


class StreamAiring:
    """One stream item on the cluster's air: its aligned feeder and what it reports."""

    def __init__(
        self,
        item: p.Item,
        window: StreamWindow,
        *,
        link: StationLink,
        clock: StationClock,
        rate: int,
        fallback: Path | None,
        fifo: Path,
        on_gap: Callable[[StreamAiring, bool], None] | None = None,
    ) -> None:
        assert item.stream is not None
        self.item = item
        self.window = window
        self.link = link
        self.clock = clock
        self.rate = rate
        self.has_fallback = fallback is not None
        self.on_gap = on_gap
        self.gap: dict[str, Any] | None = None  # the outage going on, if any
        self.lost = False  # ended here because the stream stayed lost (live)
        self.epochs: dict[int, float | None] = {}  # what each connection was told
        self._last_epoch: float | None = None
        fifo.unlink(missing_ok=True)
        os.mkfifo(fifo, 0o600)
        self.feeder = Feeder(
            item.ident, clock.to_local(window.play_at), item.stream.url, window.seconds,
            fallback, fifo, rate, align=(window.play_at.timestamp(), item.delay),
            on_event=self._on_event,
        )

    def source(self) -> PcmStreamSource:
        return PcmStreamSource(self.feeder.fifo, stream_rate=self.rate, open_timeout=None)

    def _on_event(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "connected" and "connection" in event:
            threading.Thread(
                target=self._tell, args=(int(event["connection"]), int(event["first_index"])),
                name="stream-epoch", daemon=True,
            ).start()
        elif kind == "gap_start":
            self.gap = event
            log.warning("%s: the station's stream is not heard (%s): fallback",
                        self.item.ident, event.get("message"))
            if self.on_gap is not None:
                self.on_gap(self, True)
        elif kind == "gap_end":
            self.gap = None
            log.info("%s: back on the station's stream", self.item.ident)
            if self.on_gap is not None:
                self.on_gap(self, False)

    def _tell(self, connection: int, first_index: int) -> None:
        """Ask the station for the epoch of the stream this connection reads; tell the
        feeder (None if no answer fits the connection: it drops it and tries again)."""
        epoch = None
        for attempt in range(EPOCH_TRIES):
            try:
                info = self.link.stream_info()
            except ClusterError as exc:
                log.info("stream epoch not asked: %s", exc.message)
                break
            found = info.get("epoch_of_sample_zero")
            now = self.clock.now().timestamp()
            if info.get("published") and isinstance(found, int | float) and plausible(
                float(found), first_index, self.rate, now
            ):
                epoch = float(found)
                break
            if attempt + 1 < EPOCH_TRIES:
                threading.Event().wait(EPOCH_RETRY_SECONDS)
        if epoch is None and self._last_epoch is not None and plausible(
            self._last_epoch, first_index, self.rate, self.clock.now().timestamp()
        ):
            epoch = self._last_epoch  # the station does not answer; the stream is the same
        if epoch is not None:
            self._last_epoch = epoch
        self.epochs[connection] = epoch
        self.feeder.tell(connection, epoch)

    def finish(
        self, actual_start: datetime | None, end: datetime | None, tz: ZoneInfo
    ) -> tuple[dict[str, Any], str | None]:
        """Stop the feeder; the as-run ``details`` and ``note`` of what was heard."""
        self.feeder.done.wait(DONE_WAIT_SECONDS)
        self.feeder.stop()
        return stream_details(self.item, self.feeder, actual_start, end, tz,
                              has_fallback=self.has_fallback)

    def stop(self) -> None:
        self.feeder.stop()


def stream_details(
    item: p.Item,
    feeder: Feeder,
    actual_start: datetime | None,
    end: datetime | None,
    tz: ZoneInfo,
    *,
    has_fallback: bool,
) -> tuple[dict[str, Any], str | None]:
    """The as-run ``details`` of a stream item (as the station's relay entries: each gap and
    the seconds heard of the stream, counted as relay or live airtime) and a note."""
    details, _ = relay_details(feeder, actual_start, end, tz)
    heard = details.pop("relay")
    stream = {"url": heard["url"], "delay_seconds": item.delay,
              "relayed_seconds": heard["relayed_seconds"],
              "fallback_seconds": heard["fallback_seconds"]}
    if item.live is not None:
        details["live"] = {"entry": item.live}
        details["stream"] = stream
    else:
        details["relay"] = stream
    return details, stream_note(details["gaps"], stream["relayed_seconds"], has_fallback)


def stream_note(
    gaps: list[dict[str, Any]], heard_seconds: float | None, has_fallback: bool
) -> str | None:
    """What the operator reads about a stream item's outages (None: there was none)."""
    if not gaps:
        return None
    cover = ("đã phát âm thanh dự phòng thay thế" if has_fallback
             else "cụm loa im lặng (không có âm thanh dự phòng)")
    if heard_seconds is not None and heard_seconds < 0.5:
        return (f"Cụm loa không nhận được luồng phát của đài suốt buổi "
                f"({gaps[0]['message']}); {cover}.")
    total = sum(float(g["seconds"]) for g in gaps)
    return (f"Luồng phát của đài bị gián đoạn {len(gaps)} lần, tổng {total:.1f} giây "
            f"({gaps[0]['message']}); {cover} trong lúc gián đoạn.")
