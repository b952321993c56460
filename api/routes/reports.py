"""Airtime per topic per month, from the as-run log: JSON and CSV (for Excel)."""

from __future__ import annotations

import csv
import io
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api import schemas
from api.auth import READERS, Principal, requires
from api.context import AppContext
from api.dates import month_start, next_month, parse_month
from api.errors import ApiError
from api.routes.common import AUTH_ERRORS, Ctx
from broadcast.store.asrun import AirtimeRow

router = APIRouter(prefix="/api/reports", tags=["reports"], responses=AUTH_ERRORS)

MONTH_PATTERN = r"^[0-9]{4}-(0[1-9]|1[0-2])$"
MAX_MONTHS = 120


def _report(
    ctx: AppContext, first: str | None, last: str | None, cluster: str | None = None
) -> list[AirtimeRow]:
    today = ctx.now().astimezone(ctx.tz)
    end = parse_month(last) if last else (today.year, today.month)
    start = parse_month(first) if first else (end[0], 1)
    if start > end:
        raise ApiError(422, "Tháng bắt đầu (from) sau tháng kết thúc (to).", code="bad_range")
    if (end[0] - start[0]) * 12 + end[1] - start[1] >= MAX_MONTHS:
        raise ApiError(422, f"Tối đa {MAX_MONTHS} tháng.", code="range_too_long")
    if start[0] < 1 or end[0] > 9998:
        raise ApiError(422, "Năm không hợp lệ.", code="bad_range")
    return ctx.store.as_run.airtime_report(
        timezone=ctx.tz,
        since=month_start(*start, ctx.tz),
        until=month_start(*next_month(*end), ctx.tz),
        cluster=cluster,
    )


FromMonth = Annotated[str | None, Query(alias="from", pattern=MONTH_PATTERN, description="YYYY-MM")]
ToMonth = Annotated[str | None, Query(pattern=MONTH_PATTERN, description="YYYY-MM (inclusive)")]
ClusterFilter = Annotated[
    str | None, Query(max_length=64, description='only this cluster ("local": the station)')
]


@router.get("/airtime", response_model=list[schemas.AirtimeRowOut])
def airtime(
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
    from_: FromMonth = None,
    to: ToMonth = None,
    cluster: ClusterFilter = None,
) -> list[schemas.AirtimeRowOut]:
    """Minutes on air and number of broadcasts per topic per month (default: this year),
    for each speaker cluster on its own ("local": the station's own output)."""
    return [
        schemas.AirtimeRowOut(
            month=r.month, topic=r.topic, cluster=r.cluster, minutes=r.minutes,
            broadcasts=r.broadcasts,
        )
        for r in _report(ctx, from_, to, cluster)
    ]


@router.get(
    "/airtime.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}}}},
)
def airtime_csv(
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
    from_: FromMonth = None,
    to: ToMonth = None,
    cluster: ClusterFilter = None,
) -> Response:
    """The same report as CSV, UTF-8 with a BOM so that Excel shows Vietnamese correctly."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["month", "topic", "cluster", "minutes", "broadcasts"])
    for row in _report(ctx, from_, to, cluster):
        writer.writerow([row.month, row.topic, row.cluster, row.minutes, row.broadcasts])
    return Response(
        content="\ufeff" + out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="thoi-luong-phat-song.csv"'},
    )
