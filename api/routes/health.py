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
    """Scheduler, sound device, database and engines; ``degraded`` if any of them is not
    usable. No login needed, so monitoring can poll it."""
    report = ctx.station.health()
    ok = (
        report.scheduler_running
        and report.sound_device is not None
        and report.database
        and any(report.engines.values())
    )
    return schemas.HealthOut(
        status="ok" if ok else "degraded",
        scheduler_running=report.scheduler_running,
        sound_device=report.sound_device,
        sound_device_error=report.sound_device_error,
        database=report.database,
        engines=dict(report.engines),
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
