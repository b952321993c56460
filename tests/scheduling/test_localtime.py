from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from broadcast.scheduling.localtime import (
    has_offset_change,
    local_instant,
    offset_change_days,
    require_aware,
)
from tests.scheduling.helpers import MONDAY, VN

BERLIN = ZoneInfo("Europe/Berlin")
SPRING = date(2026, 3, 29)  # 02:00 CET -> 03:00 CEST
AUTUMN = date(2026, 10, 25)  # 03:00 CEST -> 02:00 CET


def test_local_instant_on_an_ordinary_day() -> None:
    instant = local_instant(MONDAY, time(6, 10), VN)
    assert instant == datetime(2026, 8, 2, 23, 10, tzinfo=UTC)
    assert instant.astimezone(VN).time() == time(6, 10)


def test_a_wall_time_in_the_spring_gap_airs_as_far_past_it() -> None:
    instant = local_instant(SPRING, time(2, 30), BERLIN)
    assert instant == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert instant.strftime("%H:%M %Z") == "03:30 CEST"
    # the same day, outside the gap: as written
    assert local_instant(SPRING, time(1, 30), BERLIN) == datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    assert local_instant(SPRING, time(3, 30), BERLIN) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def test_a_wall_time_that_exists_twice_airs_at_its_first_instance() -> None:
    instant = local_instant(AUTUMN, time(2, 30), BERLIN)
    # (an ambiguous time never equals an instant of another zone: compare in UTC)
    assert instant.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert instant.strftime("%H:%M %Z") == "02:30 CEST"


def test_has_offset_change() -> None:
    assert has_offset_change(SPRING, BERLIN)
    assert has_offset_change(AUTUMN, BERLIN)
    assert not has_offset_change(SPRING - timedelta(days=1), BERLIN)
    assert not has_offset_change(SPRING + timedelta(days=1), BERLIN)
    assert not has_offset_change(SPRING, VN)


def test_offset_change_days_are_inclusive_of_both_ends() -> None:
    assert offset_change_days(BERLIN, date(2026, 1, 1), date(2026, 12, 31)) == {SPRING, AUTUMN}
    assert offset_change_days(BERLIN, SPRING, SPRING) == {SPRING}
    assert offset_change_days(BERLIN, AUTUMN, AUTUMN) == {AUTUMN}
    assert offset_change_days(BERLIN, SPRING - timedelta(days=3), AUTUMN) == {SPRING, AUTUMN}
    assert offset_change_days(BERLIN, SPRING + timedelta(days=1),
                              AUTUMN - timedelta(days=1)) == frozenset()
    assert offset_change_days(BERLIN, AUTUMN, SPRING) == frozenset()
    assert offset_change_days(VN, date(2026, 1, 1), date(2026, 12, 31)) == frozenset()
    # Nuuk springs forward late on Saturday evening: that Saturday is the day of the change
    nuuk = ZoneInfo("America/Nuuk")
    assert offset_change_days(nuuk, date(2026, 3, 1), date(2026, 4, 30)) == {date(2026, 3, 28)}


class _Unknown(tzinfo):
    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None


def test_require_aware_names_the_value() -> None:
    require_aware(datetime(2026, 8, 3, 6, tzinfo=VN), "now")
    with pytest.raises(ValueError, match="^start must be timezone-aware"):
        require_aware(datetime(2026, 8, 3, 6), "start")
    with pytest.raises(ValueError, match="^now must be timezone-aware"):
        require_aware(datetime(2026, 8, 3, 6, tzinfo=_Unknown()), "now")


def test_a_change_at_midnight_belongs_to_the_day_it_starts() -> None:
    # Cairo springs forward from 00:00 to 01:00 on Friday 24 April 2026: that day has the gap
    # (its 00:30 airs at 01:30), not the Thursday before.
    cairo = ZoneInfo("Africa/Cairo")
    assert offset_change_days(cairo, date(2026, 4, 1), date(2026, 5, 31)) == {date(2026, 4, 24)}
    assert has_offset_change(date(2026, 4, 24), cairo)
    assert not has_offset_change(date(2026, 4, 23), cairo)
    assert local_instant(date(2026, 4, 24), time(0, 30), cairo).strftime("%H:%M") == "01:30"
    # St John's fell back at 00:01 (until 2011): 29 October 2000 is the day of the change
    st_johns = ZoneInfo("America/St_Johns")
    assert offset_change_days(st_johns, date(2000, 10, 1), date(2000, 11, 30)) \
        == {date(2000, 10, 29)}
