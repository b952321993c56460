"""The as-run log, in the shape of ``broadcast log --json``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query
from fastapi.responses import FileResponse

from api import schemas
from api.auth import READERS, Principal, requires
from api.date_bounds import StationDate
from api.dates import day_start
from api.errors import ApiError
from api.routes.common import AUTH_ERRORS, Ctx, errors
from broadcast.scheduling.model import Outcome
from broadcast.station.log_format import entry_to_json

FromDate = Annotated[StationDate | None, Query(alias="from", description="first local date")]
ToDate = Annotated[StationDate | None, Query(description="last local date (inclusive)")]

router = APIRouter(prefix="/api", tags=["log"], responses=AUTH_ERRORS)


@router.get("/log", response_model=list[schemas.LogEntryOut])
def as_run_log(
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
    from_: FromDate = None,
    to: ToDate = None,
    slot: Annotated[str | None, Query(max_length=64)] = None,
    program: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Annotated[Outcome | None, Query()] = None,
    topic: Annotated[str | None, Query(max_length=100)] = None,
    cluster: Annotated[
        str | None, Query(max_length=64, description='where it aired; "local": the station')
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[dict[str, Any]]:
    """Newest first."""
    entries = ctx.store.as_run.query(
        since=None if from_ is None else day_start(from_, ctx.tz),
        until=None if to is None else day_start(to + dt.timedelta(days=1), ctx.tz),
        slot_id=slot,
        program_id=program,
        outcome=outcome,
        topic=topic,
        cluster=cluster,
        limit=limit,
        newest_first=True,
    )
    names = ctx.store.columns.names()
    return [
        {**entry_to_json(e, ctx.tz), "topic_name": names.get(e.topic, e.topic)}
        for e in entries
    ]


@router.get(
    "/log/{entry_id}/audio",
    response_class=FileResponse,
    responses={
        200: {"content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}}},
        **errors(404),
    },
)
def aired_audio(
    entry_id: Annotated[int, Path(ge=1, le=2**62)],
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
) -> FileResponse:
    """Listen back to what aired: the render that was played for this log entry."""
    entry = ctx.store.as_run.get(entry_id)
    if entry.render_id is None:
        raise ApiError(
            404, "Buổi phát này không có tệp âm thanh (không được phát).", code="no_audio"
        )
    path = ctx.station.render_audio(entry.render_id)
    return FileResponse(path, media_type="audio/mpeg", filename=f"da-phat-{entry_id}.mp3")
