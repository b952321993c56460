"""Shared builders for the pure scheduling tests."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from broadcast.scheduling.model import Priority, Slot

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
# Monday 3 August 2026.
MONDAY = date(2026, 8, 3)


def at(day: date, hh: int, mm: int = 0, ss: int = 0, tz: ZoneInfo = VN) -> datetime:
    return datetime.combine(day, time(hh, mm, ss), tzinfo=tz)


def weekly(
    slot_id: str,
    hh: int,
    mm: int = 0,
    days: tuple[int, ...] = (MON, WED, FRI),
    minutes: float | None = 10,
    priority: Priority = Priority.NORMAL,
    **extra: object,
) -> Slot:
    return Slot(
        id=slot_id,
        program_id=f"p-{slot_id}",
        time=time(hh, mm),
        days=frozenset(days),
        priority=priority,
        max_duration=None if minutes is None else timedelta(minutes=minutes),
        **extra,  # type: ignore[arg-type]
    )


def once(
    slot_id: str,
    day: date,
    hh: int,
    mm: int = 0,
    minutes: float | None = 10,
    priority: Priority = Priority.NORMAL,
) -> Slot:
    return Slot(
        id=slot_id,
        program_id=f"p-{slot_id}",
        time=time(hh, mm),
        on_date=day,
        priority=priority,
        max_duration=None if minutes is None else timedelta(minutes=minutes),
    )
