"""The manual clock says which threads wait for a later instant: the station tests move time
on only when every worker does, so a thread whose instant has come must not count."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta

from broadcast.clock import ManualClock
from tests.station.rig import T0


def _wait_in_thread(clock: ManualClock, deadline: datetime,
                    interrupt: threading.Event) -> tuple[threading.Thread, threading.Event]:
    entered = threading.Event()
    released = threading.Event()

    def run() -> None:
        entered.set()
        clock.wait_until(deadline, interrupt)
        released.wait(5)  # stays alive (not waiting on the clock) until the test is done

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert entered.wait(5)
    for _ in range(500):
        if thread.ident in clock.waiting_threads():
            break
        time.sleep(0.002)
    return thread, released


def test_a_thread_waiting_for_a_later_instant_counts_as_waiting() -> None:
    clock = ManualClock(T0)
    thread, released = _wait_in_thread(clock, T0 + timedelta(seconds=5), threading.Event())
    try:
        assert thread.ident in clock.waiting_threads()
        clock.advance(4.9)
        assert thread.ident in clock.waiting_threads()
    finally:
        clock.advance(1)
        released.set()


def test_a_thread_whose_instant_has_come_no_longer_counts_even_before_it_wakes() -> None:
    clock = ManualClock(T0)
    thread, released = _wait_in_thread(clock, T0 + timedelta(seconds=5), threading.Event())
    try:
        # Holding the clock's (re-entrant) lock, the waiter cannot wake and leave meanwhile.
        with clock._changed:
            clock.advance(5)
            assert thread.ident not in clock.waiting_threads()
    finally:
        released.set()


def test_an_interrupted_waiter_no_longer_counts() -> None:
    clock = ManualClock(T0)
    interrupt = threading.Event()
    thread, released = _wait_in_thread(clock, T0 + timedelta(seconds=60), interrupt)
    try:
        assert thread.ident in clock.waiting_threads()
        interrupt.set()
        assert thread.ident not in clock.waiting_threads()
    finally:
        released.set()
