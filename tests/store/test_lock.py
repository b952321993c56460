from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, delete, insert, update

from broadcast.clock import ManualClock
from broadcast.errors import StoreError
from broadcast.store import LockKeeper, StationLock, acquire_or_raise, create_engine_for
from broadcast.store.lock import pid_running
from broadcast.store.models import StationLockRow

T0 = datetime(2025, 8, 1, 1, 0, tzinfo=UTC)
LOCK_TABLE = StationLockRow.__table__


def test_the_first_owner_holds_while_it_heartbeats(engine: Engine) -> None:
    first = StationLock(engine, "tram-1")
    second = StationLock(engine, "tram-2")
    assert first.acquire(T0)
    assert first.acquire(T0 + timedelta(seconds=1))  # re-acquiring our own lock is fine
    for seconds in (10, 20, 30, 40, 50):
        now = T0 + timedelta(seconds=seconds)
        assert first.heartbeat(now)
        assert not second.acquire(now)
    holder = first.holder()
    assert holder is not None
    assert (holder.owner_id, holder.acquired_at, holder.heartbeat_at) == (
        "tram-1",
        T0,
        T0 + timedelta(seconds=50),
    )
    assert not second.heartbeat(T0 + timedelta(seconds=55))


def test_a_stale_lock_is_taken_over_and_the_old_owner_learns_it(engine: Engine) -> None:
    first = StationLock(engine, "tram-1", stale_after=timedelta(seconds=30))
    second = StationLock(engine, "tram-2", stale_after=timedelta(seconds=30))
    assert first.acquire(T0)
    assert not second.acquire(T0 + timedelta(seconds=29))
    assert second.acquire(T0 + timedelta(seconds=31))
    holder = second.holder()
    assert holder is not None and holder.owner_id == "tram-2"
    assert holder.acquired_at == T0 + timedelta(seconds=31)
    assert not first.heartbeat(T0 + timedelta(seconds=32))
    assert not first.acquire(T0 + timedelta(seconds=32))


def test_release_lets_the_next_one_in(engine: Engine) -> None:
    first = StationLock(engine, "tram-1")
    second = StationLock(engine, "tram-2")
    assert first.acquire(T0)
    second.release()  # not ours: no effect
    assert first.holder() is not None
    first.release()
    assert first.holder() is None
    assert second.acquire(T0 + timedelta(seconds=1))


def test_a_second_station_is_refused_with_the_holder_named(engine: Engine) -> None:
    running = StationLock(engine, "tram-1", host="may-chu-xa", pid=4242)
    acquire_or_raise(running, T0)
    with pytest.raises(StoreError) as caught:
        acquire_or_raise(StationLock(engine, "tram-2", host="may-khac"), T0 + timedelta(seconds=5))
    assert caught.value.code == "station_locked"
    assert "may-chu-xa" in caught.value.message and "4242" in caught.value.message


def test_a_crashed_holder_on_this_host_is_replaced_at_once(engine: Engine) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not pid_running(child.pid)
    crashed = StationLock(engine, "crashed", pid=child.pid)
    assert crashed.acquire(T0)
    successor = StationLock(engine, "successor")
    assert successor.acquire(T0 + timedelta(seconds=1))
    holder = successor.holder()
    assert holder is not None and holder.owner_id == "successor"


def test_a_live_holder_on_this_host_is_not_replaced(engine: Engine) -> None:
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert StationLock(engine, "alive", pid=child.pid).acquire(T0)
        assert not StationLock(engine, "other").acquire(T0 + timedelta(seconds=1))
    finally:
        child.kill()
        child.wait()


def test_a_zombie_does_not_count_as_running() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=10)
        while pid_running(child.pid) and datetime.now(UTC) < deadline:
            threading.Event().wait(0.01)
        assert not pid_running(child.pid)  # exited, not yet reaped
    finally:
        child.wait()


def _contend(locks: list[StationLock], now: datetime) -> list[bool]:
    """Both locks acquire at the same moment, each from its own thread."""
    barrier = threading.Barrier(len(locks))
    results: dict[int, bool] = {}
    errors: list[BaseException] = []

    def contend(index: int) -> None:
        try:
            barrier.wait()
            results[index] = locks[index].acquire(now)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(len(locks))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    return [results[i] for i in range(len(locks))]


def _race(db_url: str, rounds: int, prepare: Callable[[Engine], None]) -> None:
    # Separate engines: like two `broadcast serve` processes, no shared connection pool.
    engines = [create_engine_for(db_url) for _ in range(2)]
    try:
        for round_ in range(rounds):
            prepare(engines[0])
            locks = [StationLock(e, f"owner-{i}-{round_}") for i, e in enumerate(engines)]
            results = _contend(locks, T0 + timedelta(minutes=5))
            assert sorted(results) == [False, True], f"round {round_}: {results}"
            holder = locks[0].holder()
            assert holder is not None
            assert holder.owner_id == locks[results.index(True)].owner_id
    finally:
        for e in engines:
            e.dispose()


def test_concurrent_acquire_on_a_free_lock_has_exactly_one_winner(
    engine: Engine, db_url: str
) -> None:
    def free(e: Engine) -> None:
        with e.begin() as conn:
            conn.execute(delete(LOCK_TABLE))

    _race(db_url, 10, free)


def test_concurrent_takeover_of_a_stale_lock_has_exactly_one_winner(
    engine: Engine, db_url: str
) -> None:
    def stale(e: Engine) -> None:
        with e.begin() as conn:
            conn.execute(delete(LOCK_TABLE))
            conn.execute(
                insert(LOCK_TABLE).values(
                    id=1,
                    owner_id="gone",
                    host="elsewhere",
                    pid=1,
                    acquired_at=T0,
                    heartbeat_at=T0,
                )
            )

    _race(db_url, 10, stale)


def test_the_keeper_heartbeats_and_reports_a_lost_lock(engine: Engine) -> None:
    lock = StationLock(engine, "tram-1")
    assert lock.acquire(T0)
    clock = ManualClock(T0)

    class Ticking:  # each reading of the time is one second after the last
        def now(self) -> datetime:
            return clock.advance(1)

    lost = threading.Event()
    keeper = LockKeeper(lock, interval=0.02, on_lost=lost.set, clock=Ticking())  # type: ignore[arg-type]
    keeper.start()
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=20)
        while datetime.now(UTC) < deadline:
            holder = lock.holder()
            if holder is not None and holder.heartbeat_at > T0 + timedelta(seconds=2):
                break
            threading.Event().wait(0.02)
        holder = lock.holder()
        assert holder is not None and holder.heartbeat_at > T0 + timedelta(seconds=2)
        with engine.begin() as conn:
            conn.execute(update(LOCK_TABLE).values(owner_id="intruder"))
        assert lost.wait(20)
        assert keeper.lost
    finally:
        keeper.stop()
    holder = lock.holder()
    assert holder is not None and holder.owner_id == "intruder"  # a lost lock is not released


def test_stopping_the_keeper_releases_the_lock(engine: Engine) -> None:
    lock = StationLock(engine, "tram-1")
    assert lock.acquire(T0)
    keeper = LockKeeper(lock, interval=0.02)
    keeper.start()
    keeper.stop()
    assert lock.holder() is None


SECOND_SERVE = """
import sys
from datetime import UTC, datetime
from broadcast.errors import StoreError
from broadcast.store import StationLock, acquire_or_raise, create_engine_for
try:
    acquire_or_raise(StationLock(create_engine_for(sys.argv[1])), datetime.now(UTC))
except StoreError as exc:
    print(exc.code, exc.message)
    sys.exit(3)
print("acquired")
"""


def test_a_second_process_on_the_same_database_is_refused(engine: Engine, db_url: str) -> None:
    import os
    from pathlib import Path

    holder = StationLock(engine, "serve-1")
    assert holder.acquire(datetime.now(UTC))
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(root)}
    done = subprocess.run(
        [sys.executable, "-c", SECOND_SERVE, db_url],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=root,
    )
    assert done.returncode == 3, done.stdout + done.stderr
    assert done.stdout.startswith("station_locked")
    assert str(os.getpid()) in done.stdout and holder.host in done.stdout
    holder.release()
    again = subprocess.run(
        [sys.executable, "-c", SECOND_SERVE, db_url],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=root,
    )
    assert again.returncode == 0 and "acquired" in again.stdout, again.stderr
