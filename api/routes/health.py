"""Health (no login needed) and the sound devices."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter

from api import schemas
from api.auth import READERS, Principal, requires
from api.routes.common import AUTH_ERRORS, Ctx, errors
from broadcast.errors import PlayoutError

router = APIRouter(prefix="/api", tags=["health"])


@router.get("/health", response_model=schemas.HealthOut)
def health(ctx: Ctx) -> schemas.HealthOut:
    """Scheduler, sound output, speech engines, database, disk and speaker clusters, each as
    its part reports it; ``degraded`` if any of them cannot do its job. No login needed, so
    monitoring can poll it."""
    report = ctx.station.health()
    components = list(report.components)
    if ctx.clusters is not None:
        components.append(ctx.clusters.health())
    ok = report.ok and all(c.ok for c in components)
    return schemas.HealthOut(
        status="ok" if ok else "degraded",
        scheduler_running=report.scheduler_running,
        sound_device=report.sound_device,
        sound_device_error=report.sound_device_error,
        database=report.database,
        engines=dict(report.engines),
        components=[
            schemas.ComponentHealthOut(name=c.name, ok=c.ok, detail=c.detail)
            for c in components
        ],
    )


@router.get(
    "/devices", response_model=list[schemas.DeviceOut], responses={**AUTH_ERRORS, **errors(503)}
)
def devices(ctx: Ctx, who: Annotated[Principal, requires(READERS)]) -> list[schemas.DeviceOut]:
    """The output sound devices PortAudio sees (503 when the sound system is missing)."""
    try:
        found = ctx.list_devices()
    except OSError as exc:
        raise PlayoutError(
            f"Không dùng được hệ thống âm thanh: {exc}", code="sound_unavailable"
        ) from exc
    return [schemas.DeviceOut(**dataclasses.asdict(d)) for d in found]
