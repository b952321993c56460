"""The NTP-style offset: exact for symmetric paths, bounded by half the delay otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from broadcast.cluster.clocksync import Exchange, StationClock, best


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
