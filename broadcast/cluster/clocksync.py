"""One time for all: the agent's offset from the station's clock (NTP-style, pure).

One exchange gives four timestamps: t1 (agent sends), t2 (station receives), t3 (station
answers), t4 (agent receives); t1 and t4 on the agent's clock, t2 and t3 on the station's.
offset = ((t2 - t1) + (t3 - t4)) / 2 is the station's clock minus the agent's, exact when the
way there and the way back take as long; delay = (t4 - t1) - (t3 - t2) bounds the error
(|error| <= delay / 2). Of several exchanges the one with the smallest delay is kept (NTP's
clock filter); while none is quick (a busy line, a loaded machine: most exchanges wait
somewhere, one way more than the other), more are made; and a new measurement much slower
than a recent one does not replace it. Real installations discipline every clock with NTP
(chrony); the measured offset then stays within milliseconds, and the agent still corrects
by it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from broadcast.clock import from_epoch


@dataclass(frozen=True)
class Exchange:
    t1: float
    t2: float
    t3: float
    t4: float

    @property
    def offset(self) -> float:
        """Seconds to add to the agent's clock to read the station's."""
        return ((self.t2 - self.t1) + (self.t3 - self.t4)) / 2.0

    @property
    def delay(self) -> float:
        return (self.t4 - self.t1) - (self.t3 - self.t2)


def best(exchanges: Sequence[Exchange]) -> Exchange | None:
    """The exchange with the smallest round-trip delay (None if there is none)."""
    usable = [e for e in exchanges if e.delay >= 0]
    return min(usable, key=lambda e: e.delay) if usable else None


QUICK_DELAY = 0.010  # an exchange this quick bounds the error to 5 ms


def measure(exchange: Callable[[], Exchange], *, at_least: int, at_most: int,
            quick: float = QUICK_DELAY) -> Exchange | None:
    """The quickest of ``at_least`` exchanges, or of more (up to ``at_most``) while none of
    them was ``quick``."""
    exchanges: list[Exchange] = []
    for count in range(1, at_most + 1):
        exchanges.append(exchange())
        if count >= at_least:
            chosen = best(exchanges)
            if chosen is not None and chosen.delay <= quick:
                return chosen
    return best(exchanges)


def keeps(current: Exchange | None, age: float, new: Exchange, *, max_age: float) -> bool:
    """Whether the ``current`` measurement (``age`` seconds old) stays rather than ``new``: it
    does while it is younger than ``max_age`` (clocks drift) and ``new`` is much slower, its
    delay over twice the current's plus 5 ms."""
    if current is None or age > max_age:
        return False
    return new.delay > 2 * current.delay + 0.005


class StationClock:
    """The agent's clock corrected to the station's: ``now()`` reads station time. Everything
    the agent plans is in station time; the sound card is driven in local time
    (``to_local``)."""

    def __init__(self, offset: float = 0.0) -> None:
        self._offset = offset
        self._lock = threading.Lock()

    @property
    def offset(self) -> float:
        with self._lock:
            return self._offset

    def set_offset(self, offset: float) -> None:
        with self._lock:
            self._offset = offset

    def now(self) -> datetime:
        return from_epoch(time.time() + self.offset)

    def to_local(self, station_instant: datetime) -> datetime:
        """The agent's local time at which the station's clock reads ``station_instant``."""
        return (station_instant - timedelta(seconds=self.offset)).astimezone(UTC)

    def to_station(self, local_instant: datetime) -> datetime:
        return (local_instant + timedelta(seconds=self.offset)).astimezone(UTC)

    def wait_until(self, deadline: datetime, interrupt: threading.Event) -> bool:
        while True:
            remaining = deadline.timestamp() - (time.time() + self.offset)
            if remaining <= 0:
                return interrupt.is_set()
            if interrupt.wait(min(remaining, 0.5)):
                return True
