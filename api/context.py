"""What every request handler reaches through ``request.app.state.loa``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import Request

from api.login_brake import LoginBrake
from api.sessions import ResponseCache, SessionStore, UserCache
from broadcast.settings import Settings
from broadcast.station.control import StationControl
from broadcast.station.timetable_service import TimetableService
from broadcast.store.store import Store

DeviceLister = Callable[[], list[Any]]


@dataclass
class AppContext:
    settings: Settings
    store: Store
    station: StationControl
    sessions: SessionStore
    throttle: LoginBrake
    list_devices: DeviceLister
    tz: ZoneInfo
    users: UserCache = field(default_factory=UserCache)
    # The speaker clusters' hub (broadcast.cluster.hub.ClusterHub), when the station runs one.
    clusters: Any = None
    timetable_cache: ResponseCache = field(default_factory=lambda: ResponseCache(ttl=1.0))

    @property
    def timetable(self) -> TimetableService:
        """Every change to the timetable goes through the station's timetable service."""
        return self.station.timetable

    def now(self) -> datetime:
        return self.station.clock.now()


async def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.loa
    return ctx
