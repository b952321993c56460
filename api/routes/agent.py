"""What the clusters' agents ask the station over HTTP, with their cluster token: the
clock exchange, the audio of their plans (by sha256) and the published stream's clock."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Path, Request
from fastapi.responses import FileResponse
from fastapi.routing import APIRouter
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api import schemas
from api.context import AppContext, get_context
from api.errors import ApiError
from api.routes.clusters import hub_of
from api.routes.common import errors
from api.routes.live import StreamOut, stream_out

router = APIRouter(prefix="/api/agent", tags=["agents"], responses=errors(401, 422, 503))

_bearer = HTTPBearer(auto_error=False, description="Mã truy cập của cụm loa")


def _refused() -> ApiError:
    return ApiError(
        401, "Mã truy cập của cụm loa không hợp lệ.", code="cluster_token_refused",
        headers={"WWW-Authenticate": "Bearer"},
    )


async def cluster_caller(
    request: Request,
    ctx: Annotated[AppContext, Depends(get_context)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The cluster whose token the request carries (401 otherwise)."""
    if bearer is None:
        raise _refused()
    cluster = hub_of(ctx).cluster_for_token(bearer.credentials)
    if cluster is None:
        raise _refused()
    return str(cluster)


cluster_caller.cluster_token = True  # type: ignore[attr-defined]
Cluster = Annotated[str, Depends(cluster_caller)]


@router.get("/time", response_model=schemas.ClockOut)
def clock(
    cluster: Cluster, ctx: Annotated[AppContext, Depends(get_context)]
) -> schemas.ClockOut:
    """The station's clock for the NTP-style exchange: when the request arrived and when the
    answer left (epoch seconds, station clock)."""
    received = ctx.now().timestamp()
    return schemas.ClockOut(cluster=cluster, received=received, sent=ctx.now().timestamp())


@router.get(
    "/audio/{sha256}", response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}}, **errors(404)},
)
def audio(
    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    cluster: Cluster,
    ctx: Annotated[AppContext, Depends(get_context)],
) -> FileResponse:
    """The audio file of a plan item, by the sha256 of its bytes (the agent verifies it)."""
    path = hub_of(ctx).audio_path(sha256)
    if path is None:
        raise ApiError(404, "Không có tệp âm thanh này.", code="not_found")
    return FileResponse(path, media_type="audio/wav")


@router.get("/stream", response_model=StreamOut)
def stream(
    cluster: Cluster, ctx: Annotated[AppContext, Depends(get_context)]
) -> StreamOut:
    """The stream the station publishes now (relay, live speech) and the station-clock
    instant its sample 0 was heard: a cluster plays sample ``n`` at
    ``epoch_of_sample_zero + n / rate + delay_seconds``. Asked again on every connection
    (the publisher starts a new stream, with a new sample 0, after a restart)."""
    return stream_out(ctx)
