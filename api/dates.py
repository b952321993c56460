"""Local calendar dates and months from query strings -> aware instants of the station."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from api.errors import ApiError
from broadcast.scheduling.localtime import local_instant


def day_start(day: date, tz: ZoneInfo) -> datetime:
    return local_instant(day, time(0, 0), tz)


def date_range(
    start: date | None,
    end: date | None,
    *,
    today: date,
    tz: ZoneInfo,
    default_days: int,
    max_days: int,
) -> tuple[datetime, datetime]:
    """[start 00:00, end + 1 day 00:00) local; ``end`` is inclusive."""
    first = start or today
    last = end or (first + timedelta(days=default_days - 1))
    if last < first:
        raise ApiError(422, "Ngày kết thúc (to) trước ngày bắt đầu (from).", code="bad_range")
    if (last - first).days + 1 > max_days:
        raise ApiError(
            422, f"Khoảng thời gian quá dài; tối đa {max_days} ngày.", code="range_too_long"
        )
    return day_start(first, tz), day_start(last + timedelta(days=1), tz)


def parse_month(text: str) -> tuple[int, int]:
    year, month = (int(p) for p in text.split("-"))
    return year, month


def month_start(year: int, month: int, tz: ZoneInfo) -> datetime:
    return day_start(date(year, month, 1), tz)


def next_month(year: int, month: int) -> tuple[int, int]:
    return (year + 1, 1) if month == 12 else (year, month + 1)
