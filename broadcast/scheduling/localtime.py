"""Local wall time <-> aware instants in the station's zone, correct across DST changes.

Slot times are local wall times. A wall time that does not exist (the gap of a spring-forward
change) airs at the same distance past the gap (02:30 in a 02:00->03:00 gap airs at 03:30); a
wall time that exists twice (fall back) airs at its first instance. Vietnam has no DST, but the
zone is configurable.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

_MIDNIGHT = time(0, 0)


def local_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The aware instant of wall time ``at`` on ``day`` in ``tz`` (gap/fold rules above)."""
    naive = datetime.combine(day, at)
    aware = naive.replace(tzinfo=tz)
    if _changes_offset(day, tz):
        aware = aware.astimezone(UTC).astimezone(tz)
    return aware


def has_offset_change(day: date, tz: ZoneInfo) -> bool:
    """Whether the UTC offset of ``tz`` differs between ``day``'s midnight and the next one."""
    return _changes_offset(day, tz)


@lru_cache(maxsize=8192)
def _changes_offset(day: date, tz: ZoneInfo) -> bool:
    this = datetime.combine(day, _MIDNIGHT, tzinfo=tz).utcoffset()
    following = datetime.combine(day + timedelta(days=1), _MIDNIGHT, tzinfo=tz).utcoffset()
    return this != following


@lru_cache(maxsize=256)
def offset_change_days(tz: ZoneInfo, first: date, last: date) -> frozenset[date]:
    """Local dates in ``[first, last]`` during which the zone's UTC offset changes."""
    out: set[date] = set()
    previous = datetime.combine(first, _MIDNIGHT, tzinfo=tz).utcoffset()
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        following = datetime.combine(date.fromordinal(ordinal + 1), _MIDNIGHT,
                                     tzinfo=tz).utcoffset()
        if following != previous:
            out.add(date.fromordinal(ordinal))
        previous = following
    return frozenset(out)


def require_aware(value: datetime, name: str) -> None:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
