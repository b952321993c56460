"""The station lock: one scheduler per database, as a row in the database (not a PID file).

The holder writes a heartbeat; another process may take the lock over only when the
heartbeat is older than ``stale_after``, or at once when the holder is a process on the same
host that no longer runs (a crash, ``kill -9``). Taking the lock is one conditional UPDATE
(or the INSERT of the single row), so two contenders can never both win, on SQLite as on
PostgreSQL.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Engine, Table, case, delete, insert, literal, or_, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from broadcast.clock import Clock, SystemClock
from broadcast.errors import StoreError
from broadcast.store.db import unreachable
from broadcast.store.models import StationLockRow
from broadcast.store.types import UTCDateTime

log = logging.getLogger(__name__)

_LOCK = cast(Table, StationLockRow.__table__)
_ROW_ID = 1


@dataclass(frozen=True)
class LockInfo:
    owner_id: str
    host: str
    pid: int
    acquired_at: datetime
    heartbeat_at: datetime


def pid_running(pid: int) -> bool:
    """Whether a process with this id runs on this host (a zombie does not count)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        state = stat.rsplit(")", 1)[1].split()[0]
        return state not in ("Z", "X")
    except (OSError, IndexError):
        return True


class StationLock:
    def __init__(
        self,
        engine: Engine,
        owner_id: str | None = None,
        *,
        stale_after: timedelta = timedelta(seconds=30),
        host: str | None = None,
        pid: int | None = None,
    ) -> None:
        self.engine = engine
        self.host = host or socket.gethostname()
        self.pid = os.getpid() if pid is None else pid
        self.owner_id = owner_id or f"{self.host}:{self.pid}:{uuid.uuid4().hex[:8]}"
        self.stale_after = stale_after

    def acquire(self, now: datetime) -> bool:
        """Take the lock, or keep it if already ours. False if another live holder has it."""
        try:
            ours_or_stale = or_(
                _LOCK.c.owner_id == self.owner_id,
                _LOCK.c.heartbeat_at < now - self.stale_after,
            )
            if self._take(now, ours_or_stale):
                return True
            if self._insert(now):
                return True
            holder = self.holder()
            if (
                holder is not None
                and holder.host == self.host
                and holder.pid != self.pid
                and not pid_running(holder.pid)
            ):
                log.warning(
                    "station lock: taking over from %s (pid %d no longer runs)",
                    holder.owner_id,
                    holder.pid,
                )
                return self._take(now, _LOCK.c.owner_id == holder.owner_id)
            return False
        except DBAPIError as exc:
            raise unreachable(self.engine, exc) from exc

    def heartbeat(self, now: datetime) -> bool:
        """Refresh our heartbeat. False means the lock is no longer ours: stop scheduling."""
        try:
            with self.engine.begin() as conn:
                result = conn.execute(
                    update(_LOCK)
                    .where(_LOCK.c.id == _ROW_ID, _LOCK.c.owner_id == self.owner_id)
                    .values(heartbeat_at=now)
                )
                return result.rowcount == 1
        except DBAPIError as exc:
            raise unreachable(self.engine, exc) from exc

    def release(self) -> None:
        """Give the lock up (only if it is ours)."""
        with self.engine.begin() as conn:
            conn.execute(
                delete(_LOCK).where(_LOCK.c.id == _ROW_ID, _LOCK.c.owner_id == self.owner_id)
            )

    def holder(self) -> LockInfo | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(_LOCK).where(_LOCK.c.id == _ROW_ID)).one_or_none()
        if row is None:
            return None
        return LockInfo(row.owner_id, row.host, row.pid, row.acquired_at, row.heartbeat_at)

    def _take(self, now: datetime, condition: Any) -> bool:
        kept_since = case(
            (_LOCK.c.owner_id == self.owner_id, _LOCK.c.acquired_at),
            else_=literal(now, UTCDateTime()),
        )
        with self.engine.begin() as conn:
            result = conn.execute(
                update(_LOCK)
                .where(_LOCK.c.id == _ROW_ID, condition)
                .values(
                    owner_id=self.owner_id,
                    host=self.host,
                    pid=self.pid,
                    acquired_at=kept_since,
                    heartbeat_at=now,
                )
            )
            return result.rowcount == 1

    def _insert(self, now: datetime) -> bool:
        try:
            with self.engine.begin() as conn:
                conn.execute(
                    insert(_LOCK).values(
                        id=_ROW_ID,
                        owner_id=self.owner_id,
                        host=self.host,
                        pid=self.pid,
                        acquired_at=now,
                        heartbeat_at=now,
                    )
                )
            return True
        except IntegrityError:
            return False


def locked_message(holder: LockInfo | None) -> str:
    if holder is None:
        return "Không giành được khoá trạm phát: một tiến trình khác vừa giữ nó."
    return (
        "Cơ sở dữ liệu này đang được một bộ lập lịch khác điều khiển: máy "
        f"{holder.host}, tiến trình {holder.pid} (nhịp gần nhất lúc "
        f"{holder.heartbeat_at.isoformat(timespec='seconds')}). Không khởi động bộ lập lịch "
        "thứ hai; hãy dừng tiến trình kia hoặc dùng cơ sở dữ liệu khác."
    )


def acquire_or_raise(lock: StationLock, now: datetime) -> None:
    """Take the station lock or raise ``StoreError(code="station_locked")`` naming the
    holder's host and process id."""
    if not lock.acquire(now):
        raise StoreError(locked_message(lock.holder()), code="station_locked")


class LockKeeper:
    """A daemon thread that keeps the heartbeat going while the scheduler runs.

    ``on_lost`` is called (once, from the thread) if the lock turns out to be someone
    else's: the scheduler must stop playing then.
    """

    def __init__(
        self,
        lock: StationLock,
        *,
        interval: float = 10.0,
        on_lost: Callable[[], None] | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.lock = lock
        self.interval = interval
        self.on_lost = on_lost
        self.clock: Clock = clock or SystemClock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.lost = False

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="station-lock", daemon=True)
        self._thread.start()

    def stop(self, *, release: bool = True) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.interval + 5)
        if release and not self.lost:
            try:
                self.lock.release()
            except DBAPIError:
                log.exception("station lock: could not release")

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                if self.lock.heartbeat(self.clock.now()):
                    continue
            except StoreError:
                log.exception("station lock: heartbeat failed; retrying")
                continue
            self.lost = True
            log.error("station lock: lost to %s", self.lock.holder())
            if self.on_lost is not None:
                self.on_lost()
            return
