"""The timetable: occurrences between two local dates with their status."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query, Response
from fastapi.concurrency import run_in_threadpool
from pydantic import TypeAdapter

from api import schemas
from api.auth import READERS, Principal, requires
from api.context import AppContext
from api.convert import entry_out
from api.date_bounds import StationDate
from api.dates import date_range
from api.routes.common import AUTH_ERRORS, Ctx

FromDate = Annotated[StationDate | None, Query(alias="from", description="first local date")]
ToDate = Annotated[StationDate | None, Query(description="last local date (inclusive)")]

router = APIRouter(prefix="/api", tags=["timetable"], responses=AUTH_ERRORS)

MAX_TIMETABLE_DAYS = 93
_ENTRIES = TypeAdapter(list[schemas.TimetableEntryOut])


def _render(ctx: AppContext, start: dt.datetime, end: dt.datetime) -> bytes:
    entries = ctx.station.timetable_entries(start, end)
    names = ctx.store.columns.names()
    body = _ENTRIES.dump_json([entry_out(e, ctx.tz, names) for e in entries])
    ctx.timetable_cache.put((start, end), body)
    return body


@router.get("/timetable", response_model=list[schemas.TimetableEntryOut])
async def timetable(
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
    from_: FromDate = None,
    to: ToDate = None,
) -> Response:
    """Default: today and the six days after it. Statuses may be up to a second old (the
    answer is shared by the clients asking within that second)."""
    today = ctx.now().astimezone(ctx.tz).date()
    start, end = date_range(
        from_, to, today=today, tz=ctx.tz, default_days=7, max_days=MAX_TIMETABLE_DAYS
    )
    body = ctx.timetable_cache.get((start, end))
    if body is None:  # the station may read the database: off the event loop
        body = await run_in_threadpool(_render, ctx, start, end)
    return Response(content=body, media_type="application/json")


@router.get("/timetable/warnings", response_model=list[schemas.TimetableEntryOut])
def timetable_warnings(
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
    hours: Annotated[int, Query(ge=1, le=24 * 14)] = 48,
) -> list[schemas.TimetableEntryOut]:
    """Airings of the next ``hours`` that will not air as planned (an edit waiting for
    approval, no bulletin of the day...), each with its ``warning`` and the script to
    approve (``warning_script_id``)."""
    now = ctx.now()
    entries = ctx.station.timetable_entries(now, now + dt.timedelta(hours=hours))
    names = ctx.store.columns.names()
    return [entry_out(e, ctx.tz, names) for e in entries if e.warning and e.start > now]
