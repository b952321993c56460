"""Timers: run a function at an instant, keyed so that planning again never duplicates a job.

``Timer`` is what the station's runner needs. ``ClockTimer`` follows an injected ``Clock``, so
with a ``ManualClock`` the runtime is tested without sleeping; ``apscheduler_adapter.APTimer``
is the same on APScheduler for the real station. Both run jobs on a pool of worker threads
and never drop a late job: the job itself decides what lateness means (the misfire rule).
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
from collections.abc import Callable, Hashable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Protocol

from broadcast.clock import Clock

log = logging.getLogger(__name__)

Job = Callable[[], None]


class Timer(Protocol):
    """One-shot jobs keyed by any hashable value, plus periodic jobs."""

    @property
    def running(self) -> bool: ...

    def start(self) -> None: ...

    def shutdown(self) -> None:
        """Stop running jobs (jobs already running finish on their own)."""
        ...

    def at(self, key: Hashable, when: datetime, job: Job) -> bool:
        """Run ``job`` at ``when`` (at once if past) unless a job with ``key`` is waiting;
        True if added."""
        ...

    def cancel(self, key: Hashable) -> None:
        """Forget the waiting job ``key`` (no error if there is none)."""
        ...

    def pending(self) -> set[Hashable]:
        """The keys of the jobs still waiting to run."""
        ...

    def every(self, seconds: float, job: Job) -> None:
        """Run ``job`` every ``seconds`` from now on (never two at once)."""
        ...


class ClockTimer:
    """A timer on an injected clock: one thread waits for the next due job and hands it to a
    pool of workers.

    ``quiet()`` says whether nothing is due and every started job waits on the clock (or has
    finished), which is when a test may move a ``ManualClock`` on."""

    def __init__(self, clock: Clock, *, workers: int = 8, name: str = "timer") -> None:
        self.clock = clock
        self._name = name
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix=f"{name}-job")
        self._heap: list[tuple[datetime, int, Hashable]] = []
        self._waiting: dict[Hashable, tuple[datetime, int, Job]] = {}
        self._seq = itertools.count()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        # Jobs handed to the pool and not finished: sequence number -> worker thread ident
        # (None until a worker has picked it up).
        self._active: dict[int, int | None] = {}

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._stop.is_set()

    def start(self) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def at(self, key: Hashable, when: datetime, job: Job) -> bool:
        with self._lock:
            if key in self._waiting:
                return False
            seq = next(self._seq)
            self._waiting[key] = (when, seq, job)
            heapq.heappush(self._heap, (when, seq, key))
        self._wake.set()
        return True

    def cancel(self, key: Hashable) -> None:
        with self._lock:
            self._waiting.pop(key, None)  # its heap entry is skipped when it comes up

    def pending(self) -> set[Hashable]:
        with self._lock:
            return set(self._waiting)

    def every(self, seconds: float, job: Job) -> None:
        period = timedelta(seconds=seconds)
        key = ("every", next(self._seq))

        def run_and_again() -> None:
            try:
                job()
            finally:
                if self.running:
                    self.at(key, self.clock.now() + period, run_and_again)

        self.at(key, self.clock.now() + period, run_and_again)

    def quiet(self, waiting_threads: frozenset[int]) -> bool:
        """Nothing due is left undispatched, and every dispatched job has finished or is
        blocked in the clock (``waiting_threads``: the clock's waiters)."""
        now = self.clock.now()
        with self._lock:
            due = any(
                when <= now and self._waiting.get(key, (None, -1))[1] == seq
                for when, seq, key in self._heap
            )
            active = list(self._active.values())
        return not due and all(t is not None and t in waiting_threads for t in active)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            due = self._pop_due()
            for seq, job in due:
                self._dispatch(seq, job)
            if due:
                continue
            with self._lock:
                upcoming = self._heap[0][0] if self._heap else None
            if upcoming is None:
                self._wake.wait(0.5)
            else:
                self.clock.wait_until(upcoming, self._wake)

    def _pop_due(self) -> list[tuple[int, Job]]:
        now = self.clock.now()
        out: list[tuple[int, Job]] = []
        with self._lock:
            while self._heap and self._heap[0][0] <= now:
                _, seq, key = heapq.heappop(self._heap)
                entry = self._waiting.get(key)
                if entry is None or entry[1] != seq:
                    continue  # cancelled, or replaced by a newer job with the same key
                del self._waiting[key]
                self._active[seq] = None
                out.append((seq, entry[2]))
        return out

    def _dispatch(self, seq: int, job: Job) -> None:
        def work() -> None:
            with self._lock:
                self._active[seq] = threading.get_ident()
            try:
                job()
            except Exception:  # a failing job must not stop the timer
                log.exception("timer job failed")
            finally:
                with self._lock:
                    self._active.pop(seq, None)

        try:
            self._pool.submit(work)
        except RuntimeError:  # shut down meanwhile
            with self._lock:
                self._active.pop(seq, None)
