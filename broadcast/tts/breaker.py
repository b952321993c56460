"""A circuit breaker per engine: stop calling an engine that keeps failing, for a while."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Literal

BreakerState = Literal["closed", "open", "half_open"]


class CircuitBreaker:
    """Closed → (``failures_to_open`` consecutive failures) → open → (cool-down) → half-open.

    While open, :meth:`allow` says no, so the chain skips the engine without paying its
    timeouts. After ``cooldown_seconds`` one caller is let through (half-open, a probe):
    success closes the breaker, failure opens it again for a new cool-down.
    """

    def __init__(
        self,
        failures_to_open: int = 3,
        cooldown_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.failures_to_open = max(1, failures_to_open)
        self.cooldown_seconds = cooldown_seconds
        self._clock = clock
        self._failures = 0
        self._opened_at: float | None = None
        self._probe_at: float | None = None
        self._lock = threading.Lock()

    @property
    def state(self) -> BreakerState:
        with self._lock:
            return self._state_locked()

    @property
    def consecutive_failures(self) -> int:
        return self._failures

    def seconds_until_retry(self) -> float:
        """How long until a probe is allowed (0 when closed or already due)."""
        with self._lock:
            if self._opened_at is None:
                return 0.0
            return max(0.0, self._opened_at + self.cooldown_seconds - self._clock())

    def _state_locked(self) -> BreakerState:
        if self._opened_at is None:
            return "closed"
        if self._clock() - self._opened_at >= self.cooldown_seconds:
            return "half_open"
        return "open"

    def allow(self) -> bool:
        """May the engine be called now? In half-open state only one caller gets a yes."""
        with self._lock:
            state = self._state_locked()
            if state == "closed":
                return True
            # A probe whose caller never reported back expires after another cool-down.
            now = self._clock()
            if state == "half_open" and (
                self._probe_at is None or now - self._probe_at >= self.cooldown_seconds
            ):
                self._probe_at = now
                return True
            return False

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._probe_at = None

    def record_failure(self, count: int = 1) -> None:
        """Count ``count`` failed attempts (an engine that retried reports each try)."""
        with self._lock:
            self._failures += max(1, count)
            if self._opened_at is not None or self._failures >= self.failures_to_open:
                # A failed probe, or the threshold reached: (re)start the cool-down.
                self._opened_at = self._clock()
                self._probe_at = None
