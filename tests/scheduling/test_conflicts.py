from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from broadcast.errors import ScheduleConflict, ScheduleError
from broadcast.scheduling.conflicts import (
    DEFAULT_CONFLICT_DURATION,
    Clash,
    SlotClash,
    check_slot,
    conflict_duration,
    find_conflicts,
)
from broadcast.scheduling.model import Adjustment, AdjustmentKind, Priority, Slot
from broadcast.scheduling.recurrence import expand
from tests.scheduling.helpers import FRI, MON, MONDAY, SAT, SUN, THU, TUE, VN, WED, at, once, weekly

NOW = at(MONDAY, 0)  # Monday 3 August 2026, midnight
DAILY = tuple(range(7))


def clash_of(new: Slot, existing: list[Slot], adjustments: list[Adjustment] | None = None,
             durations: dict[str, timedelta] | None = None, now: datetime = NOW,
             tz: ZoneInfo = VN) -> SlotClash | None:
    try:
        check_slot(new, existing, adjustments or [], tz, durations, now)
    except SlotClash as exc:
        return exc
    return None


def test_weekly_slots_on_a_shared_weekday_clash() -> None:
    existing = weekly("sang-246", 6, 0, days=(MON, WED, FRI), minutes=15)
    new = weekly("moi", 6, 10, days=(TUE, FRI), minutes=10)
    exc = clash_of(new, [existing])
    assert exc is not None
    assert isinstance(exc, ScheduleConflict)
    assert exc.code == "schedule_conflict"
    assert exc.other_slot_id == "sang-246"
    assert exc.slot_id == "moi"
    assert exc.clash_at == at(MONDAY + timedelta(days=4), 6, 10)  # Friday 7 August
    assert exc.message == (
        "Khung 'moi' trùng giờ với khung 'sang-246' lúc 06:10 thứ Sáu 07/08/2026."
    )
    assert unicodedata.is_normalized("NFC", exc.message)


def test_message_names_the_other_slot_and_the_local_time() -> None:
    existing = weekly("sang-246", 6, 0, days=(MON, WED, FRI), minutes=10)
    new = weekly("cds", 5, 55, days=(MON,), minutes=10)
    exc = clash_of(new, [existing])
    assert exc is not None
    assert "trùng giờ với khung 'sang-246' lúc 06:00 thứ Hai 03/08/2026" in exc.message


def test_weekly_slots_on_different_days_do_not_clash() -> None:
    assert clash_of(weekly("a", 6, days=(TUE, THU)), [weekly("b", 6, days=(MON, WED))]) is None


def test_back_to_back_slots_do_not_clash() -> None:
    assert clash_of(weekly("a", 6, 10, minutes=5), [weekly("b", 6, 0, minutes=10)]) is None
    assert clash_of(weekly("a", 6, 9, minutes=5), [weekly("b", 6, 0, minutes=10)]) is not None


def test_disjoint_validity_ranges_do_not_clash() -> None:
    summer = weekly("he", 6, days=DAILY, valid_until=MONDAY + timedelta(days=30))
    autumn = weekly("thu", 6, days=DAILY, valid_from=MONDAY + timedelta(days=31))
    assert clash_of(autumn, [summer]) is None
    overlapping = weekly("thu", 6, days=DAILY, valid_from=MONDAY + timedelta(days=30))
    exc = clash_of(overlapping, [summer])
    assert exc is not None and exc.clash_at == at(MONDAY + timedelta(days=30), 6)


def test_validity_overlap_without_a_shared_weekday_does_not_clash() -> None:
    # Both valid only on Mon 3 .. Tue 4 August: one airs Mondays, the other Tuesdays.
    a = weekly("a", 6, days=(MON,), valid_from=MONDAY, valid_until=MONDAY + timedelta(days=1))
    b = weekly("b", 6, days=(TUE, WED), valid_until=MONDAY + timedelta(days=1))
    assert clash_of(a, [b]) is None


def test_clash_found_far_in_the_future_without_sampling() -> None:
    far = MONDAY + timedelta(days=3000)
    a = weekly("a", 6, days=(MON,), valid_from=far)
    b = weekly("b", 6, 5, days=(MON,))
    exc = clash_of(a, [b])
    assert exc is not None
    first_monday = far + timedelta(days=(7 - far.weekday()) % 7)
    assert exc.clash_at == at(first_monday, 6, 5)


def test_one_off_against_recurring() -> None:
    recurring = weekly("sang", 6, days=DAILY, minutes=10)
    clashing = once("hop-dan", MONDAY + timedelta(days=10), 6, 5)
    fine = once("hop-dan", MONDAY + timedelta(days=10), 6, 10)
    exc = clash_of(clashing, [recurring])
    assert exc is not None and exc.clash_at == at(MONDAY + timedelta(days=10), 6, 5)
    assert clash_of(fine, [recurring]) is None
    # and the other way round: a recurring slot against an existing one-off
    exc = clash_of(recurring, [clashing])
    assert exc is not None and exc.other_slot_id == "hop-dan"


def test_one_off_outside_the_validity_range_does_not_clash() -> None:
    recurring = weekly("sang", 6, days=DAILY, valid_until=MONDAY + timedelta(days=5))
    assert clash_of(once("x", MONDAY + timedelta(days=6), 6), [recurring]) is None
    assert clash_of(once("x", MONDAY + timedelta(days=5), 6), [recurring]) is not None


def test_occurrence_crossing_midnight_clashes_with_the_next_morning() -> None:
    night = weekly("dem", 23, 50, days=(SUN,), minutes=30)  # until 00:20 Monday
    monday_early = weekly("sang-som", 0, 10, days=(MON,), minutes=10)
    tuesday_early = weekly("sang-som", 0, 10, days=(TUE,), minutes=10)
    # Sunday 2 August 23:50 runs into Monday 3 August, still on air at NOW (Monday 00:00).
    exc = clash_of(monday_early, [night])
    assert exc is not None
    assert exc.clash_at == at(MONDAY, 0, 10)
    assert "00:10 thứ Hai 03/08/2026" in exc.message
    exc = clash_of(monday_early, [night], now=at(MONDAY, 0, 20))
    assert exc is not None and exc.clash_at == at(MONDAY + timedelta(days=7), 0, 10)
    assert clash_of(tuesday_early, [night]) is None


def test_saturday_night_across_the_week_boundary_found_by_find_conflicts() -> None:
    night = weekly("dem", 23, 30, days=(SUN,), minutes=60)
    early = once("som", MONDAY + timedelta(days=7), 0, 15)
    late_sat = weekly("khuya", 23, 50, days=(SAT,), minutes=5)
    clashes = find_conflicts([night, early, late_sat], [], VN, now=NOW)
    assert clashes == [Clash("som", "dem", at(MONDAY + timedelta(days=7), 0, 15))]


def test_multi_day_overlap_of_a_long_slot() -> None:
    long = weekly("dai", 20, days=(FRI,), minutes=20 * 60)  # Friday 20:00 to Saturday 16:00
    assert clash_of(weekly("x", 15, 59, days=(SAT,)), [long]) is not None
    assert clash_of(weekly("x", 16, 0, days=(SAT,)), [long]) is None


def test_different_priorities_never_clash() -> None:
    normal = weekly("thuong", 6, days=DAILY)
    emergency = weekly("khan", 6, days=DAILY, priority=Priority.EMERGENCY)
    assert clash_of(emergency, [normal]) is None
    assert find_conflicts([normal, emergency], [], VN, now=NOW) == []


def test_paused_slots_do_not_clash() -> None:
    paused = weekly("nghi", 6, days=DAILY, paused=True)
    assert clash_of(weekly("a", 6, days=DAILY), [paused]) is None
    assert clash_of(weekly("a", 6, days=DAILY, paused=True), [weekly("b", 6)]) is None


def test_an_older_version_of_the_same_slot_is_ignored() -> None:
    old = weekly("sang", 6, days=DAILY)
    edited = weekly("sang", 6, 5, days=DAILY)
    assert clash_of(edited, [old]) is None


def test_clashes_already_over_do_not_count() -> None:
    past = once("cu", MONDAY, 6)
    new = weekly("moi", 6, days=(MON,), valid_until=MONDAY + timedelta(days=6))
    assert clash_of(new, [past], now=at(MONDAY, 6, 10)) is None
    # but one still on air at `now` does
    exc = clash_of(new, [past], now=at(MONDAY, 6, 5))
    assert exc is not None and exc.clash_at == at(MONDAY, 6)


def test_skipped_occurrence_does_not_clash() -> None:
    recurring = weekly("sang", 6, days=DAILY)
    special = once("dac-biet", MONDAY + timedelta(days=2), 6)
    skip = Adjustment("sang", at(MONDAY + timedelta(days=2), 6), AdjustmentKind.SKIP)
    assert clash_of(special, [recurring], [skip]) is None
    assert clash_of(special, [recurring]) is not None


def test_moved_occurrence_clashes_at_its_new_time_only() -> None:
    cds = weekly("cds", 6, 10, days=(MON,))
    afternoon = weekly("chieu", 17, days=DAILY, minutes=15)
    move_into = Adjustment("cds", at(MONDAY + timedelta(days=7), 6, 10), AdjustmentKind.MOVE,
                           at(MONDAY + timedelta(days=7), 17, 5))
    exc = clash_of(afternoon, [cds], [move_into])
    assert exc is not None and exc.clash_at == at(MONDAY + timedelta(days=7), 17, 5)
    # the regular place it left is free for a one-off
    clashes = find_conflicts([cds, afternoon, once("x", MONDAY + timedelta(days=7), 6, 12)],
                             [move_into], VN, now=NOW)
    assert [(c.slot_id, c.other_slot_id) for c in clashes] == [("chieu", "cds")]


def test_moved_occurrence_onto_its_own_slot() -> None:
    cds = weekly("cds", 6, 10, days=(MON, TUE))
    move = Adjustment("cds", at(MONDAY, 6, 10), AdjustmentKind.MOVE,
                      at(MONDAY + timedelta(days=1), 6, 15))
    clashes = find_conflicts([cds], [move], VN, now=NOW)
    assert clashes == [Clash("cds", "cds", at(MONDAY + timedelta(days=1), 6, 15))]
    assert "chính khung này" in clashes[0].message(VN)


def test_unknown_duration_uses_max_duration_then_program_then_one_minute() -> None:
    capped = weekly("a", 6, minutes=10)
    free = weekly("b", 6, minutes=None)
    assert conflict_duration(capped, {"p-a": timedelta(minutes=3)}) == timedelta(minutes=10)
    assert conflict_duration(free, {"p-b": timedelta(minutes=3)}) == timedelta(minutes=3)
    assert conflict_duration(free, None) == DEFAULT_CONFLICT_DURATION == timedelta(minutes=1)
    assert clash_of(weekly("c", 6, 1), [free]) is None
    assert clash_of(weekly("c", 6, 2), [free], durations={"p-b": timedelta(minutes=3)})


def test_malformed_new_slot_is_refused() -> None:
    with pytest.raises(ScheduleError) as err:
        check_slot(Slot("x", "p", time(6)), [], [], VN, None, NOW)
    assert err.value.code == "missing_days"
    with pytest.raises(ScheduleError) as err:
        check_slot(weekly("x", 6, valid_from=MONDAY, valid_until=MONDAY - timedelta(days=1)),
                   [], [], VN, None, NOW)
    assert err.value.code == "bad_range"


def test_check_slot_reports_the_earliest_of_several_clashes() -> None:
    later = once("sau", MONDAY + timedelta(days=20), 6)
    sooner = once("truoc", MONDAY + timedelta(days=9), 6)
    exc = clash_of(weekly("moi", 6, days=DAILY), [later, sooner])
    assert exc is not None and exc.other_slot_id == "truoc"


def test_find_conflicts_lists_every_clashing_pair_once() -> None:
    a = weekly("a", 6, days=DAILY)
    b = weekly("b", 6, 5, days=(MON,))
    c = once("c", MONDAY + timedelta(days=1), 6, 5)
    d = once("d", MONDAY + timedelta(days=1), 6, 9)
    e = weekly("e", 12, days=DAILY)
    clashes = find_conflicts([a, b, c, d, e], [], VN, now=NOW)
    assert [(x.slot_id, x.other_slot_id, x.at) for x in clashes] == [
        ("b", "a", at(MONDAY, 6, 5)),
        ("c", "a", at(MONDAY + timedelta(days=1), 6, 5)),
        ("d", "a", at(MONDAY + timedelta(days=1), 6, 9)),
        ("d", "c", at(MONDAY + timedelta(days=1), 6, 9)),
    ]


def test_find_conflicts_without_now_counts_past_clashes() -> None:
    a = once("a", date(2020, 1, 1), 6)
    b = once("b", date(2020, 1, 1), 6, 5)
    assert find_conflicts([a, b], [], VN, now=NOW) == []
    assert [c.slot_id for c in find_conflicts([a, b], [], VN)] == ["b"]


# --- exactness: the pattern method against brute-force expansion ---

BERLIN = ZoneInfo("Europe/Berlin")
YEAR_START = datetime(2026, 1, 1, tzinfo=UTC)


def brute_clashes(slots: list[Slot], adjustments: list[Adjustment], tz: ZoneInfo,
                  now: datetime) -> dict[frozenset[str], datetime]:
    occ = [o for o in expand(slots, adjustments, datetime(2025, 12, 20, tzinfo=UTC),
                             datetime(2027, 1, 10, tzinfo=UTC), tz) if not o.skipped]
    span = {s.id: conflict_duration(s, None) for s in slots}
    priority = {s.id: s.priority for s in slots}
    out: dict[frozenset[str], datetime] = {}
    for i, a in enumerate(occ):
        for b in occ[i + 1:]:
            if priority[a.slot_id] != priority[b.slot_id]:
                continue
            if a.slot_id == b.slot_id and a.start == a.original_start \
                    and b.start == b.original_start:
                continue
            sa, sb = a.start.astimezone(UTC), b.start.astimezone(UTC)
            ea, eb = sa + span[a.slot_id], sb + span[b.slot_id]
            if sa < eb and sb < ea and min(ea, eb) > now:
                key = frozenset((a.slot_id, b.slot_id))
                when = max(sa, sb)
                if key not in out or when < out[key]:
                    out[key] = when
    return out


@st.composite
def slot_sets(draw: st.DrawFn, count: int) -> tuple[list[Slot], list[Adjustment]]:
    slots = []
    for n in range(count):
        hh = draw(st.sampled_from([0, 1, 2, 3, 6, 12, 22, 23]))
        mm = draw(st.sampled_from([0, 15, 30, 45]))
        minutes = draw(st.sampled_from([None, 15, 30, 60, 90, 150, 24 * 60]))
        priority = draw(st.sampled_from([Priority.NORMAL, Priority.NORMAL, Priority.EMERGENCY]))
        first = draw(st.one_of(
            st.integers(0, 340).map(lambda n: date(2026, 1, 1) + timedelta(days=n)),
            st.sampled_from([date(2026, 3, 25), date(2026, 10, 21)]),  # before DST changes
        ))
        if draw(st.booleans()):
            day = draw(st.sampled_from([first, date(2026, 3, 29), date(2026, 10, 25)]))
            slot = once(f"s{n}", day, hh, mm, minutes=minutes, priority=priority)
        else:
            days = draw(st.frozensets(st.integers(0, 6), min_size=1))
            last = first + timedelta(days=draw(st.integers(0, 30)))
            slot = Slot(f"s{n}", f"p{n}", time(hh, mm), days=days, priority=priority,
                        max_duration=None if minutes is None else timedelta(minutes=minutes),
                        valid_from=first, valid_until=min(last, date(2026, 12, 31)))
        slots.append(slot)
    regular = [o for o in expand(slots, [], datetime(2026, 1, 1, tzinfo=UTC),
                                 datetime(2027, 1, 1, tzinfo=UTC), BERLIN)]
    adjustments = []
    if regular:
        for o in draw(st.lists(st.sampled_from(regular), max_size=3, unique=True)):
            if draw(st.booleans()):
                adjustments.append(Adjustment(o.slot_id, o.start, AdjustmentKind.SKIP))
            else:
                shift = timedelta(minutes=15 * draw(st.integers(-200, 200)))
                adjustments.append(Adjustment(o.slot_id, o.start, AdjustmentKind.MOVE,
                                              o.start + shift))
    return slots, adjustments


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=slot_sets(4), zone=st.sampled_from([BERLIN, VN]))
def test_find_conflicts_matches_brute_force(data, zone) -> None:
    slots, adjustments = data
    # the adjustments were drawn against Berlin wall times: re-anchor them in `zone`
    adjustments = [
        Adjustment(a.slot_id,
                   a.original_start.astimezone(BERLIN).replace(tzinfo=None).replace(tzinfo=zone),
                   a.kind, a.new_start)
        for a in adjustments
    ]
    expected = brute_clashes(slots, adjustments, zone, YEAR_START)
    found = find_conflicts(slots, adjustments, zone, now=YEAR_START)
    assert {frozenset((c.slot_id, c.other_slot_id)): c.at.astimezone(UTC)
            for c in found} == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=slot_sets(2))
def test_check_slot_matches_brute_force_in_a_dst_zone(data) -> None:
    (a, b), adjustments = data
    b = Slot(**{**b.__dict__, "priority": a.priority})
    adjustments = [x for x in adjustments if x.slot_id == "s0"] + [
        x for x in adjustments if x.slot_id == "s1" and x.original_start.time() == b.time
    ]
    expected = {k: v for k, v in brute_clashes([a, b], adjustments, BERLIN, YEAR_START).items()
                if "s1" in k}
    try:
        check_slot(b, [a], adjustments, BERLIN, None, YEAR_START)
    except SlotClash as exc:
        assert expected, f"unexpected clash {exc}"
        assert exc.clash_at.astimezone(UTC) == min(expected.values())
    else:
        assert not expected


# --- zones with daylight saving time: around offset changes, real instants decide ---


def berlin(day: date, hh: int, mm: int = 0) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=BERLIN)


SPRING = date(2026, 3, 29)  # 02:00 CET -> 03:00 CEST
AUTUMN = date(2026, 10, 25)  # 03:00 CEST -> 02:00 CET


@pytest.mark.parametrize("recurring", [False, True])
def test_spring_forward_shortens_the_night(recurring: bool) -> None:
    # 01:45 + 30 min ends at 03:15 CEST: it overlaps 03:00, though the wall times do not.
    if recurring:
        a = weekly("a", 1, 45, days=(SUN,), minutes=30)
        b = weekly("b", 3, 0, days=(SUN,), minutes=10)
    else:
        a = once("a", SPRING, 1, 45, minutes=30)
        b = once("b", SPRING, 3, 0, minutes=10)
    exc = clash_of(b, [a], now=datetime(2026, 1, 1, tzinfo=UTC), tz=BERLIN)
    assert exc is not None
    assert exc.clash_at.astimezone(UTC) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)
    assert "03:00 Chủ nhật 29/03/2026" in exc.message


@pytest.mark.parametrize("recurring", [False, True])
def test_fall_back_lengthens_the_night(recurring: bool) -> None:
    # 02:10 CEST + 60 min ends at 02:10 CET: over before 03:00, though the wall times overlap.
    if recurring:  # on ordinary Sundays they do clash: let them share only the autumn one
        a = weekly("a", 2, 10, days=(SUN,), minutes=60, valid_from=AUTUMN)
        b = weekly("b", 3, 0, days=(SUN,), minutes=10, valid_until=AUTUMN)
    else:
        a = once("a", AUTUMN, 2, 10, minutes=60)
        b = once("b", AUTUMN, 3, 0, minutes=10)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert clash_of(b, [a], now=now, tz=BERLIN) is None
    assert find_conflicts([a, b], [], BERLIN, now=now) == []
    # without `now` (no horizon to look for offset changes in) the wall clock decides
    assert [c.slot_id for c in find_conflicts([a, b], [], BERLIN)] == ["b"]


# --- speaker clusters ---------------------------------------------------------------------


def test_slots_on_different_clusters_do_not_clash_and_no_choice_meets_every_cluster() -> None:
    from broadcast.scheduling.conflicts import check_slot, find_conflicts
    from broadcast.scheduling.model import Slot

    tz = ZoneInfo("Asia/Ho_Chi_Minh")
    now = datetime(2031, 1, 1, tzinfo=tz)
    north = Slot("north", "p", time(6), frozenset({0}), clusters=frozenset({"thon-1"}))
    south = Slot("south", "p", time(6), frozenset({0}), clusters=frozenset({"thon-2", "local"}))
    check_slot(south, [north], [], tz, None, now)  # no clash
    assert find_conflicts([north, south], [], tz, None, now) == []
    everywhere = Slot("all", "p", time(6), frozenset({0}))
    with pytest.raises(ScheduleConflict):
        check_slot(everywhere, [north], [], tz, None, now)
    both = Slot("both", "p", time(6), frozenset({0}), clusters=frozenset({"thon-2", "thon-3"}))
    clashes = find_conflicts([north, south, both], [], tz, None, now)
    assert [(c.slot_id, c.other_slot_id) for c in clashes] == [("both", "south")]
