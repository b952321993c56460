"""Airtime per topic per month, from the as-run log: JSON and CSV (for Excel)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api import schemas, spreadsheet
from api.auth import READERS, Principal, requires
from api.context import AppContext
from api.date_bounds import StationMonth
from api.dates import month_start, next_month, parse_month
from api.errors import ApiError
from api.routes.common import AUTH_ERRORS, Ctx
from broadcast.store.asrun import AirtimeRow

router = APIRouter(prefix="/api/reports", tags=["reports"], responses=AUTH_ERRORS)

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
    return ctx.store.as_run.airtime_report(
        timezone=ctx.tz,
        since=month_start(*start, ctx.tz),
        until=month_start(*next_month(*end), ctx.tz),
        cluster=cluster,
    )


FromMonth = Annotated[StationMonth | None, Query(alias="from", description="YYYY-MM")]
ToMonth = Annotated[StationMonth | None, Query(description="YYYY-MM (inclusive)")]
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
    names = ctx.store.columns.names()
    return [
        schemas.AirtimeRowOut(
            month=r.month, topic=r.topic, cluster=r.cluster, minutes=r.minutes,
            broadcasts=r.broadcasts, topic_name=names.get(r.topic, r.topic),
            source=r.source,  # type: ignore[arg-type]
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
    """The same report as CSV for Excel in Vietnamese: UTF-8 with a BOM, ";" between fields,
    decimal comma, Vietnamese headers and column names."""
    body = spreadsheet.airtime_csv(
        _report(ctx, from_, to, cluster), ctx.store.columns.names(), _cluster_names(ctx)
    )
    return Response(
        content=body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="thoi-luong-phat-song.csv"'},
    )


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/airtime.xlsx",
    response_class=Response,
    responses={200: {"content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}}},
)
def airtime_xlsx(
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
    from_: FromMonth = None,
    to: ToMonth = None,
    cluster: ClusterFilter = None,
) -> Response:
    """The same report as an Excel workbook (.xlsx)."""
    rows = _report(ctx, from_, to, cluster)
    span = _span_text(ctx, from_, to)
    body = spreadsheet.airtime_xlsx(
        rows, ctx.store.columns.names(), _cluster_names(ctx),
        title=f"Thời lượng phát sóng theo chuyên mục, {span}",
    )
    return Response(
        content=body,
        media_type=XLSX,
        headers={"Content-Disposition": 'attachment; filename="thoi-luong-phat-song.xlsx"'},
    )


def _cluster_names(ctx: AppContext) -> dict[str, str]:
    return {c.id: c.name for c in ctx.store.clusters.list()}


def _span_text(ctx: AppContext, first: str | None, last: str | None) -> str:
    today = ctx.now().astimezone(ctx.tz)
    end = parse_month(last) if last else (today.year, today.month)
    start = parse_month(first) if first else (end[0], 1)
    if start == end:
        return f"tháng {end[1]:02d}/{end[0]}"
    return f"từ tháng {start[1]:02d}/{start[0]} đến tháng {end[1]:02d}/{end[0]}"
