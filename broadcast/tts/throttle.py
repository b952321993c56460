"""A request-rate limiter: at most ``requests_per_second`` request starts, evenly spaced."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from broadcast.errors import ConfigError


class RateLimiter:
    """Spaces request starts at least ``1 / requests_per_second`` seconds apart.

    Thread-safe: each caller reserves the next free slot under a lock, then sleeps outside
    it, so concurrent callers queue up in order instead of bursting.
    """

    def __init__(
        self,
        requests_per_second: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not requests_per_second > 0:
            raise ConfigError(
                f"Tốc độ gửi yêu cầu phải lớn hơn 0 (đang là {requests_per_second})",
                code="bad_rate_limit",
            )
        self.interval = 1.0 / requests_per_second
        self._clock = clock
        self._sleep = sleep
        self._next_slot: float | None = None
        self._lock = threading.Lock()

    def acquire(self) -> float:
        """Wait for the next slot; return how long this call waited (seconds)."""
        with self._lock:
            now = self._clock()
            slot = now if self._next_slot is None else max(now, self._next_slot)
            self._next_slot = slot + self.interval
        wait = slot - now
        if wait > 0:
            self._sleep(wait)
        return max(wait, 0.0)
