"""The only APScheduler user: the station's ``Timer`` on APScheduler 3 for the real station.

Jobs live in memory: they are derived from the timetable, so the station plans them again at
every start (and recovers what fell due while it was down from the as-run log). A late job is
never dropped (no misfire grace here): the job applies the misfire rule itself.
"""

from __future__ import annotations

import contextlib
import itertools
import logging
import threading
from collections.abc import Callable, Hashable
from datetime import datetime
from zoneinfo import ZoneInfo

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler

log = logging.getLogger(__name__)

Job = Callable[[], None]


class APTimer:
    """Implements ``broadcast.scheduling.timer.Timer`` with a BackgroundScheduler."""

    def __init__(self, tz: ZoneInfo, *, workers: int = 8) -> None:
        self._scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(workers)},
            job_defaults={"misfire_grace_time": None, "coalesce": False, "max_instances": 1},
            timezone=tz,
        )
        self._ids: dict[Hashable, str] = {}  # our key -> APScheduler's job id
        self._seq = itertools.count()
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    def at(self, key: Hashable, when: datetime, job: Job) -> bool:
        with self._lock:
            if key in self._ids:
                return False
            ident = f"job-{next(self._seq)}"
            self._ids[key] = ident

        def run() -> None:
            with self._lock:
                if self._ids.get(key) == ident:
                    del self._ids[key]
            job()

        self._scheduler.add_job(run, trigger="date", run_date=when, id=ident)
        return True

    def cancel(self, key: Hashable) -> None:
        with self._lock:
            ident = self._ids.pop(key, None)
        if ident is not None:
            with contextlib.suppress(JobLookupError):
                self._scheduler.remove_job(ident)

    def pending(self) -> set[Hashable]:
        with self._lock:
            return set(self._ids)

    def every(self, seconds: float, job: Job) -> None:
        self._scheduler.add_job(
            job, trigger="interval", seconds=seconds, id=f"every-{next(self._seq)}",
            coalesce=True,
        )
