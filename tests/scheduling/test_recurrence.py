from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from broadcast.scheduling.model import Adjustment, AdjustmentKind, Priority, Slot
from broadcast.scheduling.recurrence import (
    expand,
    is_regular_occurrence,
    occurrence_duration,
)
from tests.scheduling.helpers import FRI, MON, MONDAY, SAT, SUN, VN, WED, at, once, weekly

WEEK = timedelta(days=7)


def starts(occurrences):
    return [(o.slot_id, o.start.astimezone(VN).strftime("%a %d/%m %H:%M")) for o in occurrences]


def test_recurring_slot_over_several_weeks_airs_on_its_days_only() -> None:
    slot = weekly("cds", 6, 10, days=(MON, WED, FRI))
    occ = expand([slot], [], at(MONDAY, 0), at(MONDAY, 0) + 3 * WEEK, VN)
    assert len(occ) == 9
    assert {o.start.weekday() for o in occ} == {MON, WED, FRI}
    assert all(o.start.timetz() == time(6, 10, tzinfo=VN) for o in occ)
    assert occ[0].start == at(MONDAY, 6, 10)
    assert occ[-1].start == at(MONDAY + timedelta(days=18), 6, 10)
    assert [o.start for o in occ] == sorted(o.start for o in occ)
    assert all(o.start == o.original_start and not o.skipped for o in occ)


def test_daily_slots_sorted_across_slots() -> None:
    morning = weekly("sang", 6, days=tuple(range(7)))
    evening = weekly("chieu", 17, days=tuple(range(7)))
    occ = expand([evening, morning], [], at(MONDAY, 0), at(MONDAY, 0) + 2 * WEEK, VN)
    assert len(occ) == 28
    assert [o.slot_id for o in occ[:4]] == ["sang", "chieu", "sang", "chieu"]


def test_range_is_half_open_on_the_start_instant() -> None:
    slot = weekly("sang", 6, days=tuple(range(7)))
    occ = expand([slot], [], at(MONDAY, 6), at(MONDAY + timedelta(days=1), 6), VN)
    assert starts(occ) == [("sang", "Mon 03/08 06:00")]


def test_range_given_in_utc_is_read_in_the_station_zone() -> None:
    slot = weekly("sang", 6, days=(MON,))
    # 06:00 in Hanoi is 23:00 UTC the day before.
    occ = expand([slot], [], datetime(2026, 8, 2, 22, tzinfo=UTC),
                 datetime(2026, 8, 2, 23, 30, tzinfo=UTC), VN)
    assert [o.start for o in occ] == [at(MONDAY, 6)]


def test_validity_range_is_inclusive_on_both_ends() -> None:
    slot = weekly("mua-mua", 6, days=tuple(range(7)), valid_from=MONDAY + timedelta(days=2),
                  valid_until=MONDAY + timedelta(days=4))
    occ = expand([slot], [], at(MONDAY, 0), at(MONDAY, 0) + 2 * WEEK, VN)
    assert [o.start.date() for o in occ] == [MONDAY + timedelta(days=d) for d in (2, 3, 4)]


def test_open_ended_validity() -> None:
    starts_later = weekly("a", 6, days=(MON,), valid_from=MONDAY + WEEK)
    ends_early = weekly("b", 7, days=(MON,), valid_until=MONDAY + WEEK)
    occ = expand([starts_later, ends_early], [], at(MONDAY, 0), at(MONDAY, 0) + 3 * WEEK, VN)
    assert [o.start.date() for o in occ if o.slot_id == "a"] == [MONDAY + WEEK, MONDAY + 2 * WEEK]
    assert [o.start.date() for o in occ if o.slot_id == "b"] == [MONDAY, MONDAY + WEEK]


def test_paused_slot_yields_nothing_even_when_moved() -> None:
    slot = weekly("nghi", 6, days=tuple(range(7)), paused=True)
    move = Adjustment("nghi", at(MONDAY, 6), AdjustmentKind.MOVE, at(MONDAY, 8))
    assert expand([slot], [move], at(MONDAY, 0), at(MONDAY, 0) + WEEK, VN) == []


def test_one_off_slot_airs_once() -> None:
    slot = once("bao", MONDAY + timedelta(days=9), 14, 30)
    occ = expand([slot], [], at(MONDAY, 0), at(MONDAY, 0) + 3 * WEEK, VN)
    assert starts(occ) == [("bao", "Wed 12/08 14:30")]
    assert expand([slot], [], at(MONDAY, 0), at(MONDAY, 0) + WEEK, VN) == []


def test_recurring_slot_without_days_yields_nothing() -> None:
    slot = Slot("rong", "p", time(6))
    assert expand([slot], [], at(MONDAY, 0), at(MONDAY, 0) + WEEK, VN) == []


def test_weekend_only() -> None:
    slot = weekly("cuoi-tuan", 8, days=(SAT, SUN))
    occ = expand([slot], [], at(MONDAY, 0), at(MONDAY, 0) + WEEK, VN)
    assert starts(occ) == [("cuoi-tuan", "Sat 08/08 08:00"), ("cuoi-tuan", "Sun 09/08 08:00")]


def test_skip_keeps_the_occurrence_marked_skipped() -> None:
    slot = weekly("cds", 6, 10)
    skip = Adjustment("cds", at(MONDAY + timedelta(days=2), 6, 10), AdjustmentKind.SKIP)
    occ = expand([slot], [skip], at(MONDAY, 0), at(MONDAY, 0) + WEEK, VN)
    assert [(o.start.weekday(), o.skipped) for o in occ] == [(MON, False), (WED, True),
                                                            (FRI, False)]


def test_adjustment_in_another_zone_names_the_same_occurrence() -> None:
    slot = weekly("cds", 6, 10)
    skip = Adjustment("cds", at(MONDAY, 6, 10).astimezone(UTC), AdjustmentKind.SKIP)
    occ = expand([slot], [skip], at(MONDAY, 0), at(MONDAY, 0) + WEEK, VN)
    assert [o.skipped for o in occ] == [True, False, False]


def test_move_one_occurrence_leaves_the_others() -> None:
    slot = weekly("cds", 6, 10)
    wednesday = MONDAY + timedelta(days=2)
    move = Adjustment("cds", at(wednesday, 6, 10), AdjustmentKind.MOVE, at(wednesday, 19, 30))
    occ = expand([slot], [move], at(MONDAY, 0), at(MONDAY, 0) + 2 * WEEK, VN)
    assert starts(occ) == [
        ("cds", "Mon 03/08 06:10"),
        ("cds", "Wed 05/08 19:30"),
        ("cds", "Fri 07/08 06:10"),
        ("cds", "Mon 10/08 06:10"),
        ("cds", "Wed 12/08 06:10"),
        ("cds", "Fri 14/08 06:10"),
    ]
    moved = occ[1]
    assert moved.original_start == at(wednesday, 6, 10)
    assert not moved.skipped


def test_move_into_another_range_appears_there_only() -> None:
    slot = weekly("cds", 6, 10)
    friday = MONDAY + timedelta(days=4)
    move = Adjustment("cds", at(friday, 6, 10), AdjustmentKind.MOVE, at(MONDAY + WEEK, 9))
    first_week = expand([slot], [move], at(MONDAY, 0), at(MONDAY, 0) + WEEK, VN)
    second_week = expand([slot], [move], at(MONDAY, 0) + WEEK, at(MONDAY, 0) + 2 * WEEK, VN)
    assert [o.start.weekday() for o in first_week] == [MON, WED]
    assert starts(second_week)[:2] == [("cds", "Mon 10/08 06:10"), ("cds", "Mon 10/08 09:00")]


def test_stale_adjustment_is_ignored() -> None:
    slot = weekly("cds", 6, 10)
    # 06:00 is not an occurrence of a 06:10 slot (the slot was edited after the move was made).
    stale = Adjustment("cds", at(MONDAY, 6), AdjustmentKind.MOVE, at(MONDAY, 20))
    tuesday = Adjustment("cds", at(MONDAY + timedelta(days=1), 6, 10), AdjustmentKind.SKIP)
    occ = expand([slot], [stale, tuesday], at(MONDAY, 0), at(MONDAY, 0) + WEEK, VN)
    assert [o.start for o in occ] == [at(MONDAY + timedelta(days=d), 6, 10) for d in (0, 2, 4)]
    assert not any(o.skipped for o in occ)


def test_last_adjustment_of_an_occurrence_wins() -> None:
    slot = weekly("cds", 6, 10, days=(MON,))
    skip = Adjustment("cds", at(MONDAY, 6, 10), AdjustmentKind.SKIP)
    move = Adjustment("cds", at(MONDAY, 6, 10), AdjustmentKind.MOVE, at(MONDAY, 7))
    occ = expand([slot], [skip, move], at(MONDAY, 0), at(MONDAY, 0) + WEEK, VN)
    assert [(o.start, o.skipped) for o in occ] == [(at(MONDAY, 7), False)]
    occ = expand([slot], [move, skip], at(MONDAY, 0), at(MONDAY, 0) + WEEK, VN)
    assert [(o.start, o.skipped) for o in occ] == [(at(MONDAY, 6, 10), True)]


def test_duration_is_the_smaller_known_value() -> None:
    capped = weekly("a", 6, minutes=10)
    uncapped = weekly("b", 7, minutes=None)
    durations = {"p-a": timedelta(minutes=4), "p-b": timedelta(minutes=30)}
    assert occurrence_duration(capped, durations) == timedelta(minutes=4)
    assert occurrence_duration(capped, {"p-a": timedelta(minutes=40)}) == timedelta(minutes=10)
    assert occurrence_duration(capped, None) == timedelta(minutes=10)
    assert occurrence_duration(uncapped, durations) == timedelta(minutes=30)
    assert occurrence_duration(uncapped, None) is None
    occ = expand([capped, uncapped], [], at(MONDAY, 0), at(MONDAY, 12), VN, durations)
    assert [(o.slot_id, o.duration, o.end) for o in occ] == [
        ("a", timedelta(minutes=4), at(MONDAY, 6, 4)),
        ("b", timedelta(minutes=30), at(MONDAY, 7, 30)),
    ]


def test_priority_is_carried_and_ties_put_the_higher_first() -> None:
    normal = weekly("thuong", 6, days=(MON,))
    urgent = weekly("khan", 6, days=(MON,), priority=Priority.EMERGENCY)
    occ = expand([normal, urgent], [], at(MONDAY, 0), at(MONDAY, 12), VN)
    assert [(o.slot_id, o.priority) for o in occ] == [("khan", Priority.EMERGENCY),
                                                      ("thuong", Priority.NORMAL)]


def test_naive_range_is_refused() -> None:
    with pytest.raises(ValueError):
        expand([], [], datetime(2026, 8, 3), datetime(2026, 8, 4), VN)


def test_is_regular_occurrence() -> None:
    slot = weekly("cds", 6, 10, days=(MON,), valid_until=MONDAY + WEEK)
    assert is_regular_occurrence(slot, at(MONDAY, 6, 10), VN)
    assert not is_regular_occurrence(slot, at(MONDAY, 6, 11), VN)
    assert not is_regular_occurrence(slot, at(MONDAY + timedelta(days=1), 6, 10), VN)
    assert not is_regular_occurrence(slot, at(MONDAY + 2 * WEEK, 6, 10), VN)


# --- zones with daylight saving time (the zone is configurable) ---

BERLIN = ZoneInfo("Europe/Berlin")
SPRING = date(2026, 3, 29)  # 02:00 -> 03:00 in Berlin
AUTUMN = date(2026, 10, 25)  # 03:00 -> 02:00 in Berlin


def test_wall_time_is_kept_across_a_dst_change() -> None:
    slot = weekly("sang", 6, days=tuple(range(7)))
    start = datetime(2026, 3, 27, tzinfo=BERLIN)
    occ = expand([slot], [], start, start + timedelta(days=4), BERLIN)
    assert [o.start.astimezone(BERLIN).hour for o in occ] == [6, 6, 6, 6]
    gaps = {b.start.astimezone(UTC) - a.start.astimezone(UTC)
            for a, b in zip(occ, occ[1:], strict=False)}
    assert gaps == {timedelta(hours=24), timedelta(hours=23)}


def test_time_in_the_spring_gap_airs_just_after_it() -> None:
    slot = weekly("dem", 2, 30, days=(SUN,))
    occ = expand([slot], [], datetime(2026, 3, 28, tzinfo=BERLIN),
                 datetime(2026, 3, 30, tzinfo=BERLIN), BERLIN)
    assert len(occ) == 1
    assert occ[0].start.astimezone(UTC) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert occ[0].start.astimezone(BERLIN).strftime("%H:%M") == "03:30"
    assert is_regular_occurrence(slot, occ[0].start, BERLIN)


def test_ambiguous_autumn_time_airs_once_at_its_first_instance() -> None:
    slot = weekly("dem", 2, 30, days=(SUN,))
    occ = expand([slot], [], datetime(2026, 10, 24, tzinfo=BERLIN),
                 datetime(2026, 10, 26, tzinfo=BERLIN), BERLIN)
    assert len(occ) == 1
    assert occ[0].start.astimezone(UTC) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_occurrences_sorted_by_instant_across_the_autumn_fold() -> None:
    first = weekly("a", 2, 45, days=(SUN,))
    # Moved to 02:15 of the second (winter) instance: later than 02:45 of the first.
    other = weekly("b", 4, days=(SUN,))
    second_instance = datetime(2026, 10, 25, 2, 15, fold=1, tzinfo=BERLIN)
    move = Adjustment("b", datetime(2026, 10, 25, 4, tzinfo=BERLIN), AdjustmentKind.MOVE,
                      second_instance)
    occ = expand([first, other], [move], datetime(2026, 10, 25, tzinfo=BERLIN),
                 datetime(2026, 10, 26, tzinfo=BERLIN), BERLIN)
    assert [o.slot_id for o in occ] == ["a", "b"]
    assert occ[0].start.astimezone(UTC) < occ[1].start.astimezone(UTC)


# --- edges: the first and last valid dates, several adjustments, ties, empty ranges ---


def test_adjustments_on_and_before_the_first_valid_date() -> None:
    first = MONDAY + timedelta(days=2)
    slot = weekly("mua-mua", 6, days=tuple(range(7)), valid_from=first)
    assert is_regular_occurrence(slot, at(first, 6), VN)
    assert not is_regular_occurrence(slot, at(first - timedelta(days=1), 6), VN)
    on_first = Adjustment("mua-mua", at(first, 6), AdjustmentKind.SKIP)
    before = Adjustment("mua-mua", at(first - timedelta(days=1), 6), AdjustmentKind.MOVE,
                        at(first + timedelta(days=1), 9))
    occ = expand([slot], [on_first, before], at(MONDAY, 0), at(first, 0) + timedelta(days=2), VN)
    # the skip on the first date applies; the move of a day before it is stale
    assert [(o.start, o.skipped) for o in occ] == [
        (at(first, 6), True),
        (at(first + timedelta(days=1), 6), False),
    ]
    moved = Adjustment("mua-mua", at(first, 6), AdjustmentKind.MOVE, at(first, 9))
    occ = expand([slot], [moved], at(MONDAY, 0), at(first, 12), VN)
    assert [(o.start, o.original_start) for o in occ] == [(at(first, 9), at(first, 6))]


def test_is_regular_occurrence_on_the_last_valid_date() -> None:
    last = MONDAY + timedelta(days=4)
    slot = weekly("cds", 6, 10, days=tuple(range(7)), valid_until=last)
    assert is_regular_occurrence(slot, at(last, 6, 10), VN)
    assert not is_regular_occurrence(slot, at(last + timedelta(days=1), 6, 10), VN)
    one_off = once("bao", last, 14, 30)
    assert is_regular_occurrence(one_off, at(last, 14, 30), VN)
    assert not is_regular_occurrence(one_off, at(last + WEEK, 14, 30), VN)


def test_a_valid_adjustment_after_a_stale_one_still_applies() -> None:
    slot = weekly("cds", 6, 10)
    stale = Adjustment("cds", at(MONDAY, 6), AdjustmentKind.SKIP)  # 06:00 is not an occurrence
    other_slot = Adjustment("khac", at(MONDAY, 6, 10), AdjustmentKind.SKIP)  # no such slot
    valid = Adjustment("cds", at(MONDAY + timedelta(days=2), 6, 10), AdjustmentKind.SKIP)
    occ = expand([slot], [stale, other_slot, valid], at(MONDAY, 0), at(MONDAY, 0) + WEEK, VN)
    assert [o.skipped for o in occ] == [False, True, False]


def test_a_move_without_a_new_start_is_ignored() -> None:
    slot = weekly("cds", 6, 10, days=(MON,))
    broken = Adjustment("cds", at(MONDAY, 6, 10), AdjustmentKind.MOVE, None)
    skip = Adjustment("cds", at(MONDAY + WEEK, 6, 10), AdjustmentKind.SKIP)
    occ = expand([slot], [broken, skip], at(MONDAY, 0), at(MONDAY, 0) + 2 * WEEK, VN)
    assert [(o.start, o.skipped) for o in occ] == [(at(MONDAY, 6, 10), False),
                                                   (at(MONDAY + WEEK, 6, 10), True)]


def test_a_slot_after_a_moved_away_occurrence_the_same_day_still_airs() -> None:
    first = weekly("a", 6, days=(MON,))
    second = weekly("b", 7, days=(MON,))
    move = Adjustment("a", at(MONDAY, 6), AdjustmentKind.MOVE, at(MONDAY, 20))
    occ = expand([first, second], [move], at(MONDAY, 0), at(MONDAY + timedelta(days=1), 0), VN)
    assert starts(occ) == [("b", "Mon 03/08 07:00"), ("a", "Mon 03/08 20:00")]


def test_ties_between_a_one_off_and_weekly_slots() -> None:
    weekly_normal = weekly("a-thuong", 6, days=(MON,))
    one_off_urgent = once("z-khan", MONDAY, 6, priority=Priority.EMERGENCY)
    one_off_normal = once("b-thuong", MONDAY, 6)
    earlier = once("z-som", MONDAY, 5, 30)
    occ = expand([weekly_normal, one_off_normal, earlier, one_off_urgent], [], at(MONDAY, 0),
                 at(MONDAY, 12), VN)
    assert [o.slot_id for o in occ] == ["z-som", "z-khan", "a-thuong", "b-thuong"]
    # the same order when they are all weekly (no one-off that day)
    occ = expand([weekly("b-thuong", 6, days=(MON,)), weekly_normal,
                  weekly("z-khan", 6, days=(MON,), priority=Priority.EMERGENCY)], [],
                 at(MONDAY, 0), at(MONDAY, 12), VN)
    assert [o.slot_id for o in occ] == ["z-khan", "a-thuong", "b-thuong"]


def test_an_empty_or_reversed_range_yields_nothing() -> None:
    slot = weekly("sang", 6, days=tuple(range(7)))
    move = Adjustment("sang", at(MONDAY, 6), AdjustmentKind.MOVE, at(MONDAY, 8))
    assert expand([slot], [move], at(MONDAY, 6), at(MONDAY, 6), VN) == []
    assert expand([slot], [move], at(MONDAY, 8), at(MONDAY, 8), VN) == []
    assert expand([slot], [move], at(MONDAY, 9), at(MONDAY, 5), VN) == []
    assert expand([slot], [], at(MONDAY + WEEK, 0), at(MONDAY, 0), VN) == []


def test_a_time_skipped_across_midnight_airs_the_next_morning() -> None:
    # Nuuk springs forward from Saturday 23:00 straight to Sunday 00:00 (28/29 March 2026):
    # Saturday's 23:30 airs at Sunday 00:30, and belongs to the ranges holding that instant.
    nuuk = ZoneInfo("America/Nuuk")
    saturday, sunday = date(2026, 3, 28), date(2026, 3, 29)

    def local(day: date, hh: int, mm: int = 0) -> datetime:
        return datetime.combine(day, time(hh, mm), tzinfo=nuuk)

    slot = weekly("khuya", 23, 30, days=(SAT,))
    aired = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)  # Sunday 00:30 local
    occ = expand([slot], [], local(sunday, 0), local(sunday, 12), nuuk)
    assert [o.start for o in occ] == [aired]
    assert occ[0].start.astimezone(nuuk).strftime("%a %H:%M") == "Sun 00:30"
    # a range of several days ending at Sunday midnight does not hold it
    assert expand([slot], [], local(saturday - 2 * WEEK, 0), local(sunday, 0), nuuk)[-1].start \
        == local(saturday - WEEK, 23, 30)
    assert expand([slot], [], local(saturday - timedelta(days=2), 0), local(sunday, 0),
                  nuuk) == []
    assert [o.start for o in expand([slot], [], local(saturday - timedelta(days=2), 0),
                                    local(sunday, 0, 31), nuuk)] == [aired]
    assert expand([slot], [], local(sunday, 0, 45), local(sunday, 12), nuuk) == []


def test_a_range_starting_mid_day_keeps_the_later_slots_of_that_day() -> None:
    early = weekly("som", 5, days=tuple(range(7)))
    late = weekly("muon", 7, days=tuple(range(7)))
    occ = expand([early, late], [], at(MONDAY, 6), at(MONDAY + timedelta(days=1), 6), VN)
    assert starts(occ) == [("muon", "Mon 03/08 07:00"), ("som", "Tue 04/08 05:00")]


def test_moved_occurrences_are_in_the_range_by_their_new_start_half_open() -> None:
    slot = weekly("cds", 6, 10, days=tuple(range(7)))
    to_start = Adjustment("cds", at(MONDAY + WEEK, 6, 10), AdjustmentKind.MOVE, at(MONDAY, 12))
    to_end = Adjustment("cds", at(MONDAY + WEEK, 6, 10) + timedelta(days=1),
                        AdjustmentKind.MOVE, at(MONDAY, 18))
    occ = expand([slot], [to_start, to_end], at(MONDAY, 12), at(MONDAY, 18), VN)
    assert [(o.start, o.original_start) for o in occ] == [(at(MONDAY, 12),
                                                           at(MONDAY + WEEK, 6, 10))]


def test_every_move_into_the_range_is_seen_whatever_else_moved() -> None:
    slot = weekly("cds", 6, 10, days=tuple(range(7)))
    day = MONDAY + WEEK
    # five occurrences moved into Monday afternoon, five moved to days outside the range
    inside = [Adjustment("cds", at(day + timedelta(days=n), 6, 10), AdjustmentKind.MOVE,
                         at(MONDAY, 13 + n)) for n in range(5)]
    outside = [Adjustment("cds", at(day + timedelta(days=n), 6, 10), AdjustmentKind.MOVE,
                          at(day + timedelta(days=n), 20)) for n in range(5, 10)]
    occ = expand([slot], outside + inside, at(MONDAY, 12), at(MONDAY, 23), VN)
    assert [o.start for o in occ] == [at(MONDAY, 13 + n) for n in range(5)]
