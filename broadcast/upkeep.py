"""The station's periodic upkeep: alert checks and the nightly backup, in one object the
station drives. Either its scheduler calls ``tick(now)`` every ``TICK_SECONDS``, or
``start()`` runs the ticks on a thread of their own (``stop()`` at shutdown).

Kept apart from the runtime: it needs only the settings, the store and a callable that
returns the station's health report.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from broadcast.alerts.monitor import AlertMonitor
from broadcast.backup.nightly import NightlyBackup
from broadcast.clock import Clock
from broadcast.settings import Settings
from broadcast.store.store import Store

log = logging.getLogger(__name__)

TICK_SECONDS = 30.0


class Upkeep:
    def __init__(
        self,
        settings: Settings,
        store: Store,
        health: Callable[[], Any] | None,
        clock: Clock | None = None,
    ) -> None:
        self.clock: Clock = clock or store.clock
        self.backup = NightlyBackup(settings, store)
        self.alerts = AlertMonitor(settings, store, health, sources=[self.backup.conditions])
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def tick(self, now: datetime) -> None:
        """One round: the nightly backup if due, then an alert check (which also reports a
        failed backup). Never raises: the station must not stop for its upkeep."""
        try:
            self.backup.run_if_due(now)
        except Exception:
            log.exception("upkeep: nightly backup crashed")
        try:
            self.alerts.check(now)
        except Exception:
            log.exception("upkeep: alert check crashed")

    def start(self, interval: float = TICK_SECONDS) -> None:
        def loop() -> None:
            while not self._stop.is_set():
                self.tick(self.clock.now())
                self._stop.wait(interval)

        self._stop.clear()
        self._thread = threading.Thread(target=loop, name="upkeep", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
