"""The one clock of the station: every place that reads the time or waits for an instant gets
a :class:`Clock` passed in. ``SystemClock`` is the wall clock; ``ManualClock`` moves only when a
test moves it, so the runtime is tested without sleeping.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Where the station reads the time and waits for an instant."""

    def now(self) -> datetime:
        """The current instant, timezone-aware (UTC)."""
        ...

    def wait_until(self, deadline: datetime, interrupt: threading.Event) -> bool:
        """Block until ``deadline`` or until ``interrupt`` is set.

        Returns True if ``interrupt`` was set before the deadline.
        """
        ...


class SystemClock:
    """The wall clock (UTC instants)."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def wait_until(self, deadline: datetime, interrupt: threading.Event) -> bool:
        while True:
            remaining = deadline.timestamp() - time.time()
            if remaining <= 0:
                return interrupt.is_set()
            if interrupt.wait(min(remaining, 0.5)):
                return True


class ManualClock:
    """A clock that moves only when told to (``advance``/``set``); thread-safe.

    It knows which threads are waiting on it, so a test can move time only once every
    worker of the station is idle or waiting for a later instant (see ``waiting_threads``).
    """

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start.astimezone(UTC)
        self._changed = threading.Condition()
        # thread ident -> what it waits for, innermost last: (deadline, interrupt)
        self._waiting: dict[int, list[tuple[datetime, threading.Event]]] = {}

    def now(self) -> datetime:
        with self._changed:
            return self._now

    def advance(self, seconds: float) -> datetime:
        with self._changed:
            self._now += timedelta(seconds=seconds)
            self._changed.notify_all()
            return self._now

    def set(self, instant: datetime) -> None:
        with self._changed:
            self._now = instant.astimezone(UTC)
            self._changed.notify_all()

    def waiting_threads(self) -> frozenset[int]:
        """Idents of the threads blocked in ``wait_until`` for an instant still ahead.

        A thread whose deadline has come (or whose interrupt is set) is about to run again,
        even if it has not woken yet: it is not counted, so a test does not move time on
        past it."""
        with self._changed:
            return frozenset(
                ident for ident, waits in self._waiting.items()
                if waits[-1][0] > self._now and not waits[-1][1].is_set()
            )

    def wait_until(self, deadline: datetime, interrupt: threading.Event) -> bool:
        me = threading.get_ident()
        with self._changed:
            waits = self._waiting.setdefault(me, [])
            waits.append((deadline, interrupt))
            try:
                while self._now < deadline:
                    if interrupt.is_set():
                        return True
                    # A short real-time wait so that `interrupt` is noticed without a notify.
                    self._changed.wait(0.005)
            finally:
                waits.pop()
                if not waits:
                    del self._waiting[me]
        return interrupt.is_set()


def to_epoch(instant: datetime) -> float:
    """Seconds since the epoch; a naive datetime is taken as the machine's local time."""
    return instant.timestamp()


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
