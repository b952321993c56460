"""The NTP-style offset: exact for symmetric paths, bounded by half the delay otherwise."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import FrozenInstanceError, astuple
from datetime import UTC, datetime, timedelta

import pytest

from broadcast.cluster.clocksync import Exchange, StationClock, best, keeps, measure


def exchange(skew: float, there: float, back: float, processing: float = 0.001,
             t1: float = 1000.0) -> Exchange:
    """The agent's clock reads ``skew`` s behind the station's."""
    t2 = t1 + skew + there
    t3 = t2 + processing
    t4 = t3 - skew + back
    return Exchange(t1, t2, t3, t4)


@pytest.mark.parametrize("skew", [0.0, 0.250, -3.7, 42.0])
def test_symmetric_paths_give_the_exact_offset(skew: float) -> None:
    e = exchange(skew, 0.020, 0.020)
    assert e.offset == pytest.approx(skew, abs=1e-9)
    assert e.delay == pytest.approx(0.040, abs=1e-9)


def test_asymmetry_errs_by_at_most_half_the_delay_and_the_quickest_exchange_wins() -> None:
    slow = exchange(0.5, 0.150, 0.010)
    assert abs(slow.offset - 0.5) <= slow.delay / 2
    quick = exchange(0.5, 0.003, 0.002)
    chosen = best([slow, quick, exchange(0.5, 0.080, 0.090)])
    assert chosen is quick
    assert chosen.offset == pytest.approx(0.5, abs=0.003)
    assert best([]) is None


def test_the_station_clock_maps_station_instants_to_local_ones() -> None:
    clock = StationClock(offset=0.250)  # the station is 250 ms ahead of this machine
    at = datetime(2031, 1, 1, 6, 0, tzinfo=UTC)
    assert clock.to_local(at) == at - timedelta(milliseconds=250)
    assert clock.to_station(clock.to_local(at)) == at
    local_now = datetime.now(UTC)
    assert abs((clock.now() - local_now).total_seconds() - 0.250) < 0.05


def test_a_new_clock_reads_this_machines_time_and_an_exchange_is_a_value() -> None:
    assert StationClock().offset == 0.0
    exchange_ = exchange(0.5, 0.010, 0.010)
    assert len({exchange_, Exchange(*astuple(exchange_))}) == 1
    with pytest.raises(FrozenInstanceError):
        exchange_.t1 = 0.0  # type: ignore[misc]


def test_an_exchange_without_any_delay_is_usable() -> None:
    # On one machine (or a very fast network) t4 - t1 == t3 - t2: delay 0 is the best there is.
    instant = Exchange(1000.0, 1000.5, 1000.5, 1000.0)
    assert instant.delay == 0.0
    assert best([instant, exchange(0.5, 0.010, 0.010)]) is instant
    backwards = Exchange(1000.0, 1000.5, 1000.6, 1000.0)  # a clock stepped back mid-exchange
    assert best([backwards]) is None


def _scripted(exchanges: list[Exchange]) -> tuple[Callable[[], Exchange], list[Exchange]]:
    made: list[Exchange] = []

    def next_exchange() -> Exchange:
        made.append(exchanges[len(made)])
        return made[-1]

    return next_exchange, made


def test_a_measurement_stops_at_its_minimum_once_an_exchange_was_quick() -> None:
    quick = exchange(0.5, 0.002, 0.002)
    quicker = exchange(0.5, 0.001, 0.001)
    source, made = _scripted([exchange(0.5, 0.040, 0.001)] * 3 + [quick] + [quicker] * 10)
    assert measure(source, at_least=4, at_most=12) is quick
    assert len(made) == 4


def test_while_no_exchange_is_quick_more_are_made_up_to_the_most() -> None:
    # A starved station: every answer waited 30-60 ms on the way there, then one did not.
    slow = [exchange(0.5, 0.030 + 0.001 * n, 0.001) for n in range(30)]
    quick = exchange(0.5, 0.003, 0.002)
    source, made = _scripted(slow[:9] + [quick] + slow[9:])
    chosen = measure(source, at_least=8, at_most=20)
    assert chosen is quick and len(made) == 10
    assert chosen.offset == pytest.approx(0.5, abs=0.003)
    source, made = _scripted(slow)
    chosen = measure(source, at_least=8, at_most=20)
    assert len(made) == 20  # never quick: the most, and the quickest of them
    assert chosen is slow[0]
    assert abs(chosen.offset - 0.5) <= chosen.delay / 2


def test_a_much_slower_measurement_does_not_replace_a_recent_quick_one() -> None:
    current = exchange(0.5, 0.002, 0.002)  # delay 4 ms (+1 ms processing aside)
    slower = exchange(0.52, 0.080, 0.002)
    assert keeps(current, 60.0, slower, max_age=900.0)
    assert not keeps(current, 901.0, slower, max_age=900.0)  # too old: clocks drift
    assert not keeps(None, 0.0, slower, max_age=900.0)
    assert keeps(current, 900.0, slower, max_age=900.0)  # at the limit: still young enough
    bound = 2 * current.delay + 0.005
    similar = Exchange(0.0, 0.5, 0.5, bound)  # exactly at the bound: not "much slower"
    assert similar.delay == bound
    assert not keeps(current, 60.0, similar, max_age=900.0)
    between = Exchange(0.0, 0.5, 0.5, 3 * current.delay + 0.005 - 0.001)  # over 2x, under 3x
    assert keeps(current, 60.0, between, max_age=900.0)
    assert not keeps(current, 60.0, exchange(0.5, 0.001, 0.001), max_age=900.0)


def test_an_exchange_exactly_as_quick_as_asked_ends_the_measurement() -> None:
    edge = Exchange(0.0, 0.5, 0.5, 0.010)
    source, made = _scripted([edge] + [exchange(0.5, 0.001, 0.001)] * 5)
    assert measure(source, at_least=1, at_most=6, quick=edge.delay) is edge
    assert len(made) == 1


class _Interrupt(threading.Event):
    """An interrupt whose wait returns at once: records each wait's timeout and runs
    ``during_wait`` instead of sleeping."""

    def __init__(self, *, interrupted: bool, during_wait: Callable[[], None] = lambda: None):
        super().__init__()
        self.interrupted = interrupted
        self.during_wait = during_wait
        self.timeouts: list[float | None] = []

    def wait(self, timeout: float | None = None) -> bool:
        self.timeouts.append(timeout)
        self.during_wait()
        return self.interrupted


def test_waiting_for_a_station_instant_already_past_returns_at_once() -> None:
    clock = StationClock(offset=1000.0)  # the station's clock is 1000 s ahead of this machine
    passed = datetime.now(UTC) + timedelta(seconds=500)  # 500 s ago on the station's clock
    quiet, interrupted = _Interrupt(interrupted=False), _Interrupt(interrupted=True)
    assert clock.wait_until(passed, quiet) is False
    assert quiet.timeouts == []
    just_passed = datetime.now(UTC) + timedelta(seconds=1000 - 0.5)
    assert clock.wait_until(just_passed, quiet) is False
    assert quiet.timeouts == []
    interrupted.set()
    assert clock.wait_until(passed, interrupted) is True  # says it was interrupted anyway


def test_waiting_is_cut_into_half_seconds_and_follows_a_new_offset() -> None:
    clock = StationClock(offset=0.0)
    deadline = datetime.now(UTC) + timedelta(hours=1)
    # The interrupt comes while waiting: the wait ends at once and says so.
    interrupt = _Interrupt(interrupted=True)
    assert clock.wait_until(deadline, interrupt) is True
    assert interrupt.timeouts == [0.5]
    # A resync finds the station two hours ahead during the first half second: the deadline
    # has passed on the station's clock, so the wait ends after that step, not interrupted.
    resync = _Interrupt(interrupted=False, during_wait=lambda: clock.set_offset(7200.0))
    assert clock.wait_until(deadline, resync) is False
    assert resync.timeouts == [0.5]
    assert clock.offset == 7200.0
    # A deadline less than a second ahead is still waited for (at most what is left of it).
    clock.set_offset(0.0)
    near = _Interrupt(interrupted=True)
    assert clock.wait_until(datetime.now(UTC) + timedelta(seconds=0.9), near) is True
    assert len(near.timeouts) == 1 and 0 < (near.timeouts[0] or 0) <= 0.5
