"""Clocks for playout: the wall clock, and a manual one for tests of other layers."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Where playout reads the time and waits for an instant."""

    def now(self) -> datetime:
        """The current instant, timezone-aware."""
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
    """A clock that moves only when told to (``advance``/``set``); thread-safe."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start
        self._changed = threading.Condition()

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
            self._now = instant
            self._changed.notify_all()

    def wait_until(self, deadline: datetime, interrupt: threading.Event) -> bool:
        with self._changed:
            while self._now < deadline:
                if interrupt.is_set():
                    return True
                # A short real-time wait so that `interrupt` is noticed without a notify.
                self._changed.wait(0.01)
        return interrupt.is_set()


def to_epoch(instant: datetime) -> float:
    """Seconds since the epoch; a naive datetime is taken as the machine's local time."""
    return instant.timestamp()


def from_epoch(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
