from __future__ import annotations

import unicodedata
from dataclasses import FrozenInstanceError
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
WEEK_DAYS = timedelta(days=7)


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


# --- moved and stale occurrences in check_slot; durations of zero ---


def test_check_slot_finds_a_moved_occurrence_clashing_with_its_own_slot() -> None:
    cds = weekly("cds", 6, 10, days=(MON, TUE))
    later = Adjustment("cds", at(MONDAY + timedelta(days=7), 6, 10), AdjustmentKind.MOVE,
                       at(MONDAY + timedelta(days=8), 6, 12))
    sooner = Adjustment("cds", at(MONDAY, 6, 10), AdjustmentKind.MOVE,
                        at(MONDAY + timedelta(days=1), 6, 15))
    # alone, and beside its older version; the earliest of the two clashes is named
    for existing in ([], [cds]):
        exc = clash_of(cds, existing, [later, sooner])
        assert exc is not None
        assert exc.slot_id == exc.other_slot_id == "cds"
        assert exc.clash_at == at(MONDAY + timedelta(days=1), 6, 15)
        assert "chính khung này" in exc.message
    # moved next to its own Tuesday occurrence, not onto it: no clash
    beside = Adjustment("cds", at(MONDAY, 6, 10), AdjustmentKind.MOVE,
                        at(MONDAY + timedelta(days=1), 6, 20))
    assert clash_of(cds, [], [beside]) is None


def test_check_slot_reports_the_earliest_clash_with_several_slots() -> None:
    new = weekly("moi", 6, days=DAILY)
    far = once("xa", MONDAY + timedelta(days=30), 6, 5)
    near = once("gan", MONDAY + timedelta(days=3), 6, 5)
    middle = once("giua", MONDAY + timedelta(days=10), 6, 5)
    exc = clash_of(new, [far, near, middle])
    assert exc is not None and exc.other_slot_id == "gan"
    assert exc.clash_at == at(MONDAY + timedelta(days=3), 6, 5)


def test_stale_and_overridden_adjustments_do_not_clash() -> None:
    cds = weekly("cds", 6, 10, days=(MON,))
    evening = weekly("toi", 19, days=DAILY)
    tuesday_evening = at(MONDAY + timedelta(days=1), 19, 5)
    # 06:00 is not an occurrence of the 06:10 slot: the move is stale and moves nothing
    stale = Adjustment("cds", at(MONDAY, 6), AdjustmentKind.MOVE, tuesday_evening)
    move = Adjustment("cds", at(MONDAY, 6, 10), AdjustmentKind.MOVE, tuesday_evening)
    skip = Adjustment("cds", at(MONDAY, 6, 10), AdjustmentKind.SKIP)
    assert clash_of(cds, [evening], [stale]) is None
    assert clash_of(evening, [cds], [stale]) is None
    assert find_conflicts([cds, evening], [stale], VN, now=NOW) == []
    # a move overridden by a later skip of the same occurrence: nothing airs at either time
    assert clash_of(cds, [evening], [move, skip]) is None
    assert find_conflicts([cds, evening], [move, skip], VN, now=NOW) == []
    morning = once("sang", MONDAY, 6, 5)
    assert clash_of(morning, [cds], [move, skip]) is None
    # the other way round the move wins, and clashes at its new time
    exc = clash_of(cds, [evening], [skip, move])
    assert exc is not None and exc.clash_at == tuesday_evening
    assert find_conflicts([cds, evening], [skip, move], VN, now=NOW) == [
        Clash("toi", "cds", tuesday_evening)]
    # a valid move after a stale one still counts
    exc = clash_of(cds, [evening], [stale, move])
    assert exc is not None and exc.clash_at == tuesday_evening


def test_known_durations_of_zero_or_less_fall_back_to_one_minute() -> None:
    free = weekly("b", 6, minutes=None)
    for known in (timedelta(0), timedelta(minutes=-3)):
        assert conflict_duration(free, {"p-b": known}) == DEFAULT_CONFLICT_DURATION
    assert conflict_duration(free, {"p-b": timedelta(microseconds=1)}) == \
        timedelta(microseconds=1)
    assert conflict_duration(free, {"p-khac": timedelta(minutes=3)}) == DEFAULT_CONFLICT_DURATION
    assert conflict_duration(free, {}) == DEFAULT_CONFLICT_DURATION
    # a max_duration of zero says nothing: the program's duration counts
    zero_cap = weekly("c", 6, minutes=0)
    assert conflict_duration(zero_cap, {"p-c": timedelta(minutes=3)}) == timedelta(minutes=3)
    assert conflict_duration(zero_cap, None) == DEFAULT_CONFLICT_DURATION
    half_past = Slot("d", "p-d", time(6, 0, 30), days=frozenset({MON}),
                     max_duration=timedelta(minutes=5))
    assert clash_of(half_past, [free], durations={"p-b": timedelta(0)}) is not None
    assert clash_of(weekly("d", 6, 1), [free], durations={"p-b": timedelta(0)}) is None


# --- edges that mutation testing showed untested (issue 12) ---


def test_slot_ids_of_a_clash_error_are_keyword_only() -> None:
    # two ids side by side are easy to swap: they are passed by name
    with pytest.raises(TypeError):
        SlotClash("m", "a", "b", NOW)  # type: ignore[misc]
    exc = SlotClash("m", slot_id="a", other_slot_id="b", clash_at=NOW)
    assert (exc.slot_id, exc.other_slot_id, exc.clash_at) == ("a", "b", NOW)


def test_seconds_of_a_slot_time_count() -> None:
    short = Slot("a", "p-a", time(6, 0, 0), days=frozenset({MON}),
                 max_duration=timedelta(seconds=20))
    after = Slot("b", "p-b", time(6, 0, 30), days=frozenset({MON}),
                 max_duration=timedelta(seconds=20))
    inside = Slot("b", "p-b", time(6, 0, 10), days=frozenset({MON}),
                  max_duration=timedelta(seconds=20))
    assert clash_of(after, [short]) is None
    exc = clash_of(inside, [short])
    assert exc is not None and exc.clash_at == datetime.combine(MONDAY, time(6, 0, 10), VN)


def test_durations_of_whole_days() -> None:
    two_days = weekly("dai", 6, days=(MON,), minutes=2 * 24 * 60)  # until Wednesday 06:00
    wednesday = MONDAY + timedelta(days=2)
    assert clash_of(weekly("x", 6, days=(WED,)), [two_days]) is None
    last_second = Slot("x", "p-x", time(5, 59, 59), days=frozenset({WED}),
                       max_duration=timedelta(minutes=1))
    exc = clash_of(last_second, [two_days])
    assert exc is not None and exc.clash_at == datetime.combine(wednesday, time(5, 59, 59), VN)


def test_a_recurring_slot_valid_for_a_single_day() -> None:
    one_day = weekly("mot-ngay", 6, days=DAILY, valid_from=MONDAY + timedelta(days=3),
                     valid_until=MONDAY + timedelta(days=3))
    exc = clash_of(one_day, [weekly("sang", 6, 5, days=DAILY)])
    assert exc is not None and exc.clash_at == at(MONDAY + timedelta(days=3), 6, 5)


def test_an_overnight_occurrence_against_a_slot_whose_range_ends_the_day_before() -> None:
    # Monday 23:50 for 30 minutes runs into Tuesday 00:00-00:20; the Tuesday 00:10 slot ends
    # on that Monday, so its last Tuesday is the one before.
    night = weekly("dem", 23, 50, days=(MON,), minutes=30, valid_from=MONDAY + WEEK_DAYS)
    early = weekly("som", 0, 10, days=(TUE,), valid_until=MONDAY + WEEK_DAYS)
    assert clash_of(night, [early]) is None
    assert clash_of(early, [night]) is None
    assert find_conflicts([night, early], [], VN, now=NOW) == []
    later = weekly("som", 0, 10, days=(TUE,), valid_until=MONDAY + WEEK_DAYS + timedelta(days=1))
    exc = clash_of(night, [later])
    assert exc is not None and exc.clash_at == at(MONDAY + WEEK_DAYS + timedelta(days=1), 0, 10)


def test_an_occurrence_over_before_now_inside_a_longer_one() -> None:
    # 06:00-06:10 every day inside a one-off 05:00-08:00: at 06:30 that overlap is over, and
    # the one-off meets no other occurrence. Either slot may be the new one.
    daily = weekly("sang", 6, days=DAILY)
    long = once("hop", MONDAY, 5, minutes=180)
    for new, existing in ((daily, long), (long, daily)):
        assert clash_of(new, [existing], now=at(MONDAY, 6, 30)) is None
        assert clash_of(new, [existing], now=at(MONDAY, 6, 10)) is None  # ends exactly now
        exc = clash_of(new, [existing], now=at(MONDAY, 6, 5))
        assert exc is not None and exc.clash_at == at(MONDAY, 6)


def test_one_offs_listed_out_of_time_order() -> None:
    first = once("a", MONDAY, 6, minutes=30)
    far = once("b", MONDAY + timedelta(days=9), 6)
    inside_first = once("c", MONDAY, 6, 5, minutes=5)
    assert find_conflicts([first, far, inside_first], [], VN, now=NOW) == [
        Clash("c", "a", at(MONDAY, 6, 5))]


def test_the_exact_horizon_is_a_year_and_a_day() -> None:
    # Spring 2027 in Berlin: 28 March. Seen as real instants from 366 days before, not from
    # 367 (the wall clock then decides, and 01:45 + 30 min does not reach 03:00 on it).
    a = once("a", date(2027, 3, 28), 1, 45, minutes=30)
    b = once("b", date(2027, 3, 28), 3, 0)
    exc = clash_of(b, [a], now=datetime(2026, 3, 27, 12, tzinfo=BERLIN), tz=BERLIN)
    assert exc is not None and exc.clash_at.astimezone(UTC) == datetime(2027, 3, 28, 1, tzinfo=UTC)
    assert clash_of(b, [a], now=datetime(2026, 3, 26, 12, tzinfo=BERLIN), tz=BERLIN) is None


def test_a_saturday_night_into_the_spring_change() -> None:
    # Saturday 23:30 CET + 3 h ends at 03:30 CEST on Sunday: it meets Sunday's 03:10, although
    # on the wall clock (23:30 + 3 h = 02:30) it would not. Only on that one Sunday.
    night = weekly("dem", 23, 30, days=(SAT,), minutes=180)
    sunday = weekly("cn", 3, 10, days=(SUN,))
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for new, existing in ((sunday, night), (night, sunday)):
        exc = clash_of(new, [existing], now=now, tz=BERLIN)
        assert exc is not None and exc.clash_at == berlin(SPRING, 3, 10)
    assert find_conflicts([night, sunday], [], BERLIN, now=now) == [
        Clash("cn", "dem", berlin(SPRING, 3, 10))]


@pytest.mark.parametrize("late_is_recurring", [False, True])
def test_a_clash_across_midnight_two_days_after_a_change(late_is_recurring: bool) -> None:
    # Tuesday 31 March (two days after the spring change) 23:50 for 30 min meets Wednesday's
    # 00:10: one day is still looked at in real time, the next is not.
    tuesday, wednesday = SPRING + timedelta(days=2), SPRING + timedelta(days=3)
    late = (weekly("khuya", 23, 50, days=DAILY, minutes=30) if late_is_recurring
            else once("khuya", tuesday, 23, 50, minutes=30))
    early = once("som", wednesday, 0, 10)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for new, existing in ((early, late), (late, early)):
        exc = clash_of(new, [existing], now=now, tz=BERLIN)
        assert exc is not None and exc.clash_at == berlin(wednesday, 0, 10)
    late_first = once("khuya", tuesday, 23, 50, minutes=30)
    assert [(c.slot_id, c.other_slot_id, c.at) for c in
            find_conflicts([late_first, early], [], BERLIN, now=now)] == [
        ("som", "khuya", berlin(wednesday, 0, 10))]


def test_a_clash_on_a_change_day_that_is_over_does_not_count() -> None:
    # 01:45 CET + 30 min and 03:00 CEST + 10 min overlap from 03:00 to 03:10 CEST.
    a = once("a", SPRING, 1, 45, minutes=30)
    b = once("b", SPRING, 3, 0)
    exc = clash_of(b, [a], now=berlin(SPRING, 3, 9), tz=BERLIN)
    assert exc is not None and exc.clash_at == berlin(SPRING, 3)
    assert clash_of(b, [a], now=berlin(SPRING, 3, 10), tz=BERLIN) is None  # ends exactly now
    assert clash_of(b, [a], now=berlin(SPRING, 3, 20), tz=BERLIN) is None
    assert find_conflicts([a, b], [], BERLIN, now=berlin(SPRING, 3, 10)) == []


def test_just_after_a_fall_back_the_night_is_still_seen_in_real_time() -> None:
    # 01:30 CEST + 3 h ends at 03:30 CET (04:30 on the wall clock): it does not reach 04:00.
    a = once("a", AUTUMN, 1, 30, minutes=180)
    b = once("b", AUTUMN, 4, 0)
    now = datetime(2026, 10, 25, 2, 45, tzinfo=UTC)  # 03:45 CET, the change behind it
    assert clash_of(b, [a], now=now, tz=BERLIN) is None
    assert find_conflicts([a, b], [], BERLIN, now=now) == []


def test_a_clash_is_an_immutable_value() -> None:
    clash = Clash("a", "b", NOW)
    assert clash == Clash("a", "b", NOW) and len({clash, Clash("a", "b", NOW)}) == 1
    with pytest.raises(FrozenInstanceError):
        clash.at = NOW + timedelta(days=1)  # type: ignore[misc]


def test_now_counts_to_the_microsecond() -> None:
    past = once("cu", MONDAY, 6)  # 06:00-06:10
    new = weekly("moi", 6, days=(MON,), valid_until=MONDAY + timedelta(days=6))
    tick = timedelta(microseconds=1)
    exc = clash_of(new, [past], now=at(MONDAY, 6, 10) - tick)
    assert exc is not None and exc.clash_at == at(MONDAY, 6)
    assert clash_of(new, [past], now=at(MONDAY, 6, 10) + tick) is None


def test_back_to_back_across_the_spring_gap_do_not_clash() -> None:
    # 01:45 CET + 15 min ends at 02:00 CET, which is 03:00 CEST: the next one starts then.
    before = once("truoc", SPRING, 1, 45, minutes=15)
    after = once("sau", SPRING, 3, 0)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    assert clash_of(after, [before], now=now, tz=BERLIN) is None
    assert clash_of(before, [after], now=now, tz=BERLIN) is None
    assert find_conflicts([before, after], [], BERLIN, now=now) == []
    assert clash_of(once("sau", SPRING, 1, 59), [before], now=now, tz=BERLIN) is not None


def test_find_conflicts_goes_on_after_a_pair_that_does_not_clash() -> None:
    # the same weekly time in two seasons meets on the weekly clock, but never on a date
    summer = weekly("he", 6, days=DAILY, valid_until=MONDAY + timedelta(days=30))
    autumn = weekly("thu", 6, days=DAILY, valid_from=MONDAY + timedelta(days=31))
    special = once("dac-biet", MONDAY + timedelta(days=40), 6, 5)
    assert find_conflicts([summer, autumn, special], [], VN, now=NOW) == [
        Clash("dac-biet", "thu", at(MONDAY + timedelta(days=40), 6, 5))]


def test_a_slot_holding_the_air_for_over_a_week_meets_everything() -> None:
    marathon = weekly("dai", 6, days=(MON,), minutes=8 * 24 * 60, valid_until=MONDAY)
    later = weekly("sau", 20, days=(THU,))
    exc = clash_of(later, [marathon])
    assert exc is not None and exc.clash_at == at(MONDAY + timedelta(days=3), 20)
    assert find_conflicts([marathon, later], [], VN, now=NOW) == [
        Clash("sau", "dai", at(MONDAY + timedelta(days=3), 20))]


def test_an_overlap_of_one_microsecond_is_a_clash() -> None:
    hour_and_a_tick = Slot("a", "p-a", time(5), days=frozenset({MON}),
                           max_duration=timedelta(hours=1, microseconds=1))
    exc = clash_of(weekly("b", 6, days=(MON,)), [hour_and_a_tick])
    assert exc is not None and exc.clash_at == at(MONDAY, 6)
    exactly_an_hour = Slot("a", "p-a", time(5), days=frozenset({MON}),
                           max_duration=timedelta(hours=1))
    assert clash_of(weekly("b", 6, days=(MON,)), [exactly_an_hour]) is None


def test_a_change_at_midnight_lengthens_the_evening_before() -> None:
    # Cairo springs from 00:00 to 01:00 on Friday 24 April 2026: Thursday 23:30 EET + 60 min
    # ends at 01:30 EEST, past Friday's 01:00.
    cairo = ZoneInfo("Africa/Cairo")
    evening = once("toi", date(2026, 4, 23), 23, 30, minutes=60)
    friday = once("sang", date(2026, 4, 24), 1, 0)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    exc = clash_of(friday, [evening], now=now, tz=cairo)
    assert exc is not None
    assert exc.clash_at.astimezone(UTC) == datetime(2026, 4, 23, 22, tzinfo=UTC)
    # the same with only that change in view (not October's, which moves the clock by as much)
    with pytest.raises(SlotClash) as err:
        check_slot(friday, [evening], [], cairo, None, now, horizon=timedelta(days=150))
    assert err.value.clash_at.astimezone(UTC) == datetime(2026, 4, 23, 22, tzinfo=UTC)


def test_after_an_overlap_that_is_over_the_next_one_still_counts() -> None:
    # One-off from Saturday 23:00 (the night of the spring change) for 26 hours, against a
    # daily 23:30: the Saturday overlap is over at 23:45, Sunday's is still to come.
    long = once("dai", SPRING - timedelta(days=1), 23, 0, minutes=26 * 60)
    nightly = weekly("khuya", 23, 30, days=DAILY)
    now = berlin(SPRING - timedelta(days=1), 23, 45)
    assert find_conflicts([long, nightly], [], BERLIN, now=now) == [
        Clash("khuya", "dai", berlin(SPRING, 23, 30))]
    exc = clash_of(nightly, [long], now=now, tz=BERLIN)
    assert exc is not None and exc.clash_at == berlin(SPRING, 23, 30)


def test_one_offs_nested_in_a_long_one() -> None:
    all_morning = once("ca-sang", MONDAY, 0, minutes=600)  # 00:00-10:00
    first = once("mot", MONDAY, 5, minutes=60)
    second = once("hai", MONDAY, 7, minutes=60)
    assert [(c.slot_id, c.other_slot_id) for c in
            find_conflicts([all_morning, first, second], [], VN, now=NOW)] == [
        ("mot", "ca-sang"), ("hai", "ca-sang")]
    assert [(c.slot_id, c.other_slot_id) for c in
            find_conflicts([first, second, all_morning], [], VN, now=NOW)] == [
        ("ca-sang", "mot"), ("ca-sang", "hai")]


def test_a_one_off_over_a_week_long_meets_weekly_slots() -> None:
    marathon = once("dai", MONDAY, 6, minutes=8 * 24 * 60)
    later = weekly("sau", 20, days=(THU,))
    assert find_conflicts([marathon, later], [], VN, now=NOW) == [
        Clash("sau", "dai", at(MONDAY + timedelta(days=3), 20))]


def test_a_clash_from_sunday_into_monday_near_a_change() -> None:
    # The spring change is on a Sunday: Sunday 23:50 for 30 min meets Monday's 00:10, the
    # pair seen in real time, the weekdays wrapping from Sunday (6) to Monday (0).
    sunday_late = once("khuya", SPRING, 23, 50, minutes=30)
    monday_early = once("som", SPRING + timedelta(days=1), 0, 10)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for new, existing in ((sunday_late, monday_early), (monday_early, sunday_late)):
        exc = clash_of(new, [existing], now=now, tz=BERLIN)
        assert exc is not None and exc.clash_at == berlin(SPRING + timedelta(days=1), 0, 10)


def test_the_earliest_of_several_clashes_next_to_a_change() -> None:
    # Two daily slots clash every day; the days around the spring change are compared in
    # real time, and the first of them is the answer.
    first = weekly("a", 6, days=DAILY)
    second = weekly("b", 6, 5, days=DAILY)
    now = berlin(SPRING - timedelta(days=2), 0)
    exc = clash_of(second, [first], now=now, tz=BERLIN)
    assert exc is not None and exc.clash_at == berlin(SPRING - timedelta(days=2), 6, 5)


def test_after_a_slot_of_over_a_week_the_others_are_still_compared() -> None:
    marathon = weekly("dai", 6, days=(MON,), minutes=8 * 24 * 60, valid_until=MONDAY)
    a = weekly("a", 12, days=(SAT,), valid_from=MONDAY + timedelta(days=14))
    b = weekly("b", 12, 5, days=(SAT,), valid_from=MONDAY + timedelta(days=14))
    assert [(c.slot_id, c.other_slot_id) for c in
            find_conflicts([marathon, a, b], [], VN, now=NOW)] == [("b", "a")]


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


def test_a_move_to_the_same_instant_is_no_move_even_across_a_clock_change() -> None:
    # Found by test_find_conflicts_matches_brute_force: a daily 24-hour slot at 03:00 overlaps
    # its next day by an hour when the clocks go forward (a 23-hour day). Occurrences of one
    # slot never clash with each other; "moving" one to its own time must not change that.
    daily = Slot("s1", "p1", time(3, 0), days=frozenset(range(7)),
                 max_duration=timedelta(days=1),
                 valid_from=date(2026, 3, 25), valid_until=date(2026, 3, 29))
    at = datetime(2026, 3, 28, 3, 0, tzinfo=BERLIN)
    noop = Adjustment("s1", at, AdjustmentKind.MOVE, at)
    assert find_conflicts([daily], [noop], BERLIN, now=YEAR_START) == []
    really = Adjustment("s1", at, AdjustmentKind.MOVE, at + timedelta(hours=1))
    [clash] = find_conflicts([daily], [really], BERLIN, now=YEAR_START)
    assert clash.slot_id == clash.other_slot_id == "s1"
