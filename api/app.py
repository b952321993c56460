"""The app factory: the JSON API under /api, the web pages, one set of error handlers."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from fastapi import FastAPI

from api import public, web
from api.context import AppContext, DeviceLister
from api.docs import install_docs
from api.errors import install_error_handlers
from api.login_brake import LoginBrake
from api.request_guards import RequestGuards, with_url_rule
from api.routes import (
    agent,
    clusters,
    columns,
    health,
    lexicon,
    live,
    log,
    media,
    onair,
    programs,
    recordings,
    reports,
    scripts,
    session,
    slots,
    tokens,
    voices,
)
from api.routes import publications as publication_routes
from api.routes import timetable as timetable_routes
from api.sessions import SessionStore
from broadcast.publishing.publisher import Publisher
from broadcast.settings import Settings
from broadcast.station.control import StationControl
from broadcast.store.store import Store

ROUTERS = (
    health.router,
    session.router,
    tokens.router,
    scripts.router,
    columns.router,
    media.router,
    programs.router,
    slots.router,
    timetable_routes.router,
    onair.router,
    log.router,
    reports.router,
    voices.router,
    lexicon.router,
    recordings.router,
    publication_routes.router,
    live.router,
    clusters.router,
    agent.router,
)


def _real_devices() -> list[object]:
    from broadcast.playout.sounddevice_sink import list_devices  # PortAudio, loaded lazily

    return list(list_devices())


def create_app(
    settings: Settings,
    store: Store,
    station: StationControl,
    *,
    list_devices: DeviceLister | None = None,
    publisher: Publisher | None = None,
    clusters: Any = None,
) -> FastAPI:
    """Build the app around a store and a running station (no import-time singletons).
    The time is the station's clock; ``list_devices`` defaults to PortAudio's output
    devices; ``clusters``: the speaker clusters' hub, if any."""
    app = FastAPI(
        title="Loa — đài truyền thanh xã",
        version="1",
        docs_url=None,  # served from this server by api.docs, not from a CDN
        redoc_url=None,
        description=(
            "API of the Loa station: scripts, programs, timetable, on-air control, as-run log "
            "and airtime reports. Every call needs `Authorization: Bearer TOKEN` (or the web "
            "page's session cookie with `X-CSRF-Token` on changes), except `GET /api/health` "
            'and `POST /api/session`. Errors are `{"code", "message"}`.'
        ),
    )
    app.state.loa = AppContext(
        settings=settings,
        store=store,
        station=station,
        sessions=SessionStore(),
        throttle=LoginBrake(),
        list_devices=list_devices or _real_devices,
        tz=ZoneInfo(settings.timezone),
        clusters=clusters,
    )
    # Cached timetable pages are dropped whenever the timetable changes.
    station.timetable.add_listener(app.state.loa.timetable_cache.clear)
    install_error_handlers(app)
    app.add_middleware(RequestGuards)
    app.openapi = with_url_rule(app.openapi)  # type: ignore[method-assign]
    for router in ROUTERS:
        app.include_router(router)
    web.install(app)
    install_docs(app)
    public.install(app, settings, publisher or Publisher(settings, store, station.clock))
    return app
