"""How the timetable names days and instants to the operator (Vietnamese)."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

WEEKDAY_NAMES_VI: tuple[str, ...] = (
    "thứ Hai",
    "thứ Ba",
    "thứ Tư",
    "thứ Năm",
    "thứ Sáu",
    "thứ Bảy",
    "Chủ nhật",
)


def clock_text(at: time) -> str:
    """``06:00``, or ``06:00:30`` when there are seconds."""
    if at.second or at.microsecond:
        return f"{at.hour:02d}:{at.minute:02d}:{at.second:02d}"
    return f"{at.hour:02d}:{at.minute:02d}"


def local_moment_text(when: datetime, tz: ZoneInfo) -> str:
    """``06:00 thứ Hai 03/08/2026``, in the station's local time."""
    local = when.astimezone(tz)
    return (
        f"{clock_text(local.timetz())} {WEEKDAY_NAMES_VI[local.weekday()]} "
        f"{local.day:02d}/{local.month:02d}/{local.year:04d}"
    )
