from __future__ import annotations

import threading

import pytest

from broadcast.errors import ConfigError
from broadcast.tts.breaker import CircuitBreaker
from broadcast.tts.throttle import RateLimiter
from tests.tts.helpers import FakeClock


def test_breaker_opens_after_consecutive_failures(clock: FakeClock):
    breaker = CircuitBreaker(failures_to_open=3, cooldown_seconds=60, clock=clock)
    breaker.record_failure()
    breaker.record_failure()
    assert breaker.state == "closed" and breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    assert not breaker.allow()
    assert breaker.seconds_until_retry() == pytest.approx(60)


def test_success_resets_the_count(clock: FakeClock):
    breaker = CircuitBreaker(failures_to_open=2, cooldown_seconds=60, clock=clock)
    breaker.record_failure()
    breaker.record_success()
    breaker.record_failure()
    assert breaker.state == "closed"


def test_retried_attempts_count_each(clock: FakeClock):
    breaker = CircuitBreaker(failures_to_open=3, cooldown_seconds=60, clock=clock)
    breaker.record_failure(count=3)
    assert breaker.state == "open"


def test_half_open_lets_one_probe_through(clock: FakeClock):
    breaker = CircuitBreaker(failures_to_open=1, cooldown_seconds=60, clock=clock)
    breaker.record_failure()
    clock.advance(59)
    assert not breaker.allow()
    clock.advance(1)
    assert breaker.state == "half_open"
    assert breaker.allow()
    assert not breaker.allow()  # only one probe at a time
    breaker.record_success()
    assert breaker.state == "closed" and breaker.allow()


def test_failed_probe_reopens_for_a_new_cooldown(clock: FakeClock):
    breaker = CircuitBreaker(failures_to_open=2, cooldown_seconds=60, clock=clock)
    breaker.record_failure(count=2)
    clock.advance(60)
    assert breaker.allow()
    breaker.record_failure()
    assert breaker.state == "open"
    clock.advance(59)
    assert not breaker.allow()
    clock.advance(1)
    assert breaker.allow()


def test_lost_probe_expires(clock: FakeClock):
    breaker = CircuitBreaker(failures_to_open=1, cooldown_seconds=10, clock=clock)
    breaker.record_failure()
    clock.advance(10)
    assert breaker.allow()
    clock.advance(10)  # the probe's caller never reported back
    assert breaker.allow()


def test_rate_limiter_spaces_requests(clock: FakeClock):
    limiter = RateLimiter(5.0, clock=clock, sleep=clock.sleep)
    starts = []
    for _ in range(4):
        limiter.acquire()
        starts.append(clock.now)
    assert [b - a for a, b in zip(starts, starts[1:], strict=False)] == pytest.approx([0.2] * 3)


def test_rate_limiter_does_not_wait_after_idle_time(clock: FakeClock):
    limiter = RateLimiter(1.0, clock=clock, sleep=clock.sleep)
    limiter.acquire()
    clock.advance(5)
    assert limiter.acquire() == 0
    assert clock.sleeps == []


def test_rate_limiter_queues_concurrent_callers_in_distinct_slots():
    waits: list[float] = []
    lock = threading.Lock()

    def no_sleep(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    limiter = RateLimiter(10.0, clock=lambda: 0.0, sleep=no_sleep)
    threads = [threading.Thread(target=limiter.acquire) for _ in range(5)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(waits) == pytest.approx([0.1, 0.2, 0.3, 0.4])


def test_rate_must_be_positive():
    with pytest.raises(ConfigError):
        RateLimiter(0)
