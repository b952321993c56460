"""What every request handler reaches through ``request.app.state.loa``."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request

from api.sessions import LoginThrottle, ResponseCache, SessionStore, UserCache
from broadcast.settings import Settings
from broadcast.station.control import StationControl
from broadcast.store.store import Store

DeviceLister = Callable[[], list[Any]]
Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppContext:
    settings: Settings
    store: Store
    station: StationControl
    sessions: SessionStore
    throttle: LoginThrottle
    list_devices: DeviceLister
    tz: ZoneInfo
    clock: Clock = system_clock
    users: UserCache = field(default_factory=UserCache)
    # Check-then-write of the timetable (conflict check, then insert) runs under this lock so
    # that two requests cannot both pass the check and create clashing slots.
    timetable_lock: threading.Lock = field(default_factory=threading.Lock)

    timetable_cache: ResponseCache = field(default_factory=lambda: ResponseCache(ttl=1.0))

    def now(self) -> datetime:
        return self.clock()

    def timetable_changed(self) -> None:
        """After any change made through the API: forget cached timetables, tell the
        station to plan again."""
        self.timetable_cache.clear()
        self.station.timetable_changed()


async def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.loa
    return ctx
