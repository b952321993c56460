"""Speaker clusters (cụm loa): add one (its token shown once), list their state, remove one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, status

from api import schemas
from api.auth import ADMINS, READERS, Principal, requires
from api.context import AppContext
from api.convert import nfc
from api.errors import ApiError
from api.routes.common import AUTH_ERRORS, Ctx, errors

router = APIRouter(prefix="/api/clusters", tags=["clusters"], responses=AUTH_ERRORS)

ClusterIdPath = Annotated[str, Path(pattern=schemas.CLUSTER_ID_PATTERN)]


def hub_of(ctx: AppContext) -> Any:
    if ctx.clusters is None:
        raise ApiError(
            503, "Dịch vụ cụm loa không chạy trên đài này.", code="clusters_unavailable"
        )
    return ctx.clusters


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=schemas.ClusterCreated,
    responses=errors(409, 503),
)
def create_cluster(
    body: schemas.ClusterIn, ctx: Ctx, who: Annotated[Principal, requires(ADMINS)]
) -> schemas.ClusterCreated:
    """The token is shown only in this answer: give it to the cluster's agent
    (``broadcast agent --token``); it is its HTTP token and its MQTT password."""
    record, token = hub_of(ctx).create(body.id, nfc(body.name), nfc(body.zone))
    return schemas.ClusterCreated(id=record.id, name=record.name, zone=record.zone, token=token)


@router.get("", response_model=list[schemas.ClusterOut], responses=errors(503))
def list_clusters(
    ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> list[schemas.ClusterOut]:
    """Each cluster at a glance, the station's own output (``local``) first. ``in_sync``: it
    holds the current plan and all the audio it needs for the next 24 hours."""
    return [
        schemas.ClusterOut(
            id=v.id, name=v.name, zone=v.zone, online=v.online, last_seen=v.last_seen,
            in_sync=v.in_sync, clock_offset_ms=v.clock_offset_ms, last_aired=v.last_aired,
            plan_version=v.plan_version, plan_current=v.plan_current, device=v.device,
            device_ok=v.device_ok, disk_free_mb=v.disk_free_mb, errors=list(v.errors),
        )
        for v in hub_of(ctx).views()
    ]


@router.delete("/{cluster_id}", response_model=schemas.Done, responses=errors(404, 409, 503))
def delete_cluster(
    cluster_id: ClusterIdPath, ctx: Ctx, who: Annotated[Principal, requires(ADMINS)]
) -> schemas.Done:
    """Its token stops working at once (station and broker); refused while slots name it."""
    hub_of(ctx).delete(cluster_id)
    return schemas.Done()
