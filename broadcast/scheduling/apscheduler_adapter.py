"""The only APScheduler user: one-shot jobs kept in the station's database.

Jobs name their function by text reference (``module:function``) and carry only plain
arguments, so they survive a restart in the SQLAlchemy job store. A job that fires later
than the grace window is reported through ``on_missed`` (with its id, which must say what
the job was for) instead of being dropped silently.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_MISSED, JobExecutionEvent
from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import ConflictingIdError, JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy.engine import Engine

log = logging.getLogger(__name__)

PERSISTENT = "default"
VOLATILE = "volatile"


class JobScheduler:
    """One-shot persistent jobs plus in-memory periodic jobs, on a background thread."""

    def __init__(
        self,
        engine: Engine,
        tz: ZoneInfo,
        grace: timedelta,
        on_missed: Callable[[str], None],
        workers: int = 8,
    ) -> None:
        self._on_missed = on_missed
        self._scheduler = BackgroundScheduler(
            jobstores={
                PERSISTENT: SQLAlchemyJobStore(engine=engine, tablename="apscheduler_jobs"),
                VOLATILE: MemoryJobStore(),
            },
            executors={"default": ThreadPoolExecutor(workers)},
            job_defaults={
                "misfire_grace_time": int(grace.total_seconds()),
                "coalesce": False,
                "max_instances": 1,
            },
            timezone=tz,
        )
        self._scheduler.add_listener(self._on_event, EVENT_JOB_MISSED | EVENT_JOB_ERROR)

    def start(self) -> None:
        self._scheduler.start()

    def shutdown(self) -> None:
        if self._scheduler.running:
            self._scheduler.shutdown(wait=False)

    @property
    def running(self) -> bool:
        return bool(self._scheduler.running)

    def add_once(self, job_id: str, run_at: datetime, func_ref: str, **kwargs: Any) -> bool:
        """Add a persistent one-shot job unless one with this id exists; True if added."""
        try:
            self._scheduler.add_job(
                func_ref,
                trigger="date",
                run_date=run_at,
                id=job_id,
                kwargs=kwargs,
                jobstore=PERSISTENT,
                replace_existing=False,
            )
        except ConflictingIdError:
            return False
        return True

    def add_periodic(self, job_id: str, seconds: float, func: Callable[[], None]) -> None:
        """A periodic job that lives only as long as this process (planner, heartbeat)."""
        self._scheduler.add_job(
            func,
            trigger="interval",
            seconds=seconds,
            id=job_id,
            jobstore=VOLATILE,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    def remove(self, job_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            self._scheduler.remove_job(job_id)

    def job_ids(self, prefix: str = "") -> list[str]:
        return [job.id for job in self._scheduler.get_jobs() if job.id.startswith(prefix)]

    def _on_event(self, event: JobExecutionEvent) -> None:
        if event.code == EVENT_JOB_MISSED:
            # The job is gone by now: its id says what it was for.
            self._on_missed(event.job_id)
        elif event.exception is not None:
            log.error("job %s failed: %r", event.job_id, event.exception)
