"""The station's decisions as pure functions of the timetable, the as-run log and now."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, timedelta

import pytest

from broadcast.scheduling.model import (
    Adjustment,
    AdjustmentKind,
    AiringKey,
    Announcement,
    Outcome,
    Priority,
)
from broadcast.station.planner import (
    Airing,
    Job,
    JobKind,
    airings,
    down_window,
    jobs_for,
    recovery,
)
from tests.scheduling.helpers import MONDAY, VN, at, once, weekly

GRACE = timedelta(minutes=5)
US = timedelta(microseconds=1)
RENDER_AHEAD = timedelta(minutes=10)
LEAD = timedelta(seconds=3)


def recovered(slots, adjustments, last_seen, now, announcements=()):  # type: ignore[no-untyped-def]
    start, end = down_window(last_seen, now)
    due = airings(slots, adjustments, list(announcements), start, end, VN)
    return recovery(due, set(), now, GRACE)


# --- what airs --------------------------------------------------------------------------


def test_announcements_air_beside_slots_and_a_cancelled_repeat_does_not() -> None:
    sang = weekly("sang", 6, days=(0,))
    storm = Announcement(
        7, "bao", Priority.EMERGENCY, at(MONDAY, 6), repeat=3, every=timedelta(minutes=30),
        cancelled_at=at(MONDAY, 6, 45),
    )
    found = airings([sang], [], [storm], at(MONDAY, 5), at(MONDAY, 8), VN)
    assert [(a.key, a.priority) for a in found] == [
        (AiringKey.of_slot("sang", at(MONDAY, 6)), Priority.NORMAL),  # slots first at a tie
        (AiringKey.of_announcement(7, at(MONDAY, 6)), Priority.EMERGENCY),
        (AiringKey.of_announcement(7, at(MONDAY, 6, 30)), Priority.EMERGENCY),
    ]  # the 07:00 repeat came after the cancellation


def test_an_airing_carries_the_slots_maximum_and_the_programs_known_length() -> None:
    capped = weekly("sang", 6, days=(0,), minutes=10)
    [airing] = airings([capped], [], [], at(MONDAY, 5), at(MONDAY, 7), VN,
                       {"p-sang": timedelta(minutes=4)})
    assert airing.max_duration == timedelta(minutes=10)
    assert airing.duration == timedelta(minutes=4)
    assert not airing.moved and not airing.skipped


def test_a_moved_occurrence_is_keyed_by_where_it_airs() -> None:
    cds = weekly("cds", 6, 10, days=(0,))
    move = Adjustment("cds", at(MONDAY, 6, 10), AdjustmentKind.MOVE, at(MONDAY, 9))
    [airing] = airings([cds], [move], [], at(MONDAY, 5), at(MONDAY, 10), VN)
    assert airing.key == AiringKey.of_slot("cds", at(MONDAY, 9))
    assert airing.moved and airing.original_start == at(MONDAY, 6, 10)


def test_keys_of_one_instant_in_two_zones_are_one_key() -> None:
    local = at(MONDAY, 6)
    in_utc = local.astimezone(UTC)
    assert AiringKey.of_slot("a", local) == AiringKey.of_slot("a", in_utc)
    assert len({AiringKey.of_slot("a", local), AiringKey.of_slot("a", in_utc)}) == 1
    assert AiringKey.of_slot("a", local) != AiringKey.of_announcement(1, local)


def test_an_announcement_airs_from_the_range_start_up_to_but_not_at_its_end() -> None:
    storm = Announcement(5, "bao", Priority.EMERGENCY, at(MONDAY, 6), repeat=3,
                         every=timedelta(minutes=30))
    found = airings([], [], [storm], at(MONDAY, 6), at(MONDAY, 7), VN)
    assert [a.start for a in found] == [at(MONDAY, 6), at(MONDAY, 6, 30)]  # not the 07:00


def test_an_airing_airs_on_its_chosen_clusters_or_on_all() -> None:
    start = at(MONDAY, 6)
    everywhere = Airing(AiringKey.of_slot("a", start), "p", Priority.NORMAL, start, start)
    north = Airing(AiringKey.of_slot("b", start), "p", Priority.NORMAL, start, start,
                   clusters=frozenset({"thon-1", "local"}))
    assert everywhere.airs_on("thon-2") and everywhere.airs_on("local")
    assert north.airs_on("thon-1") and north.airs_on("local")
    assert not north.airs_on("thon-2")


# --- which jobs -------------------------------------------------------------------------


def airing(slot_id: str, start, skipped: bool = False) -> Airing:  # type: ignore[no-untyped-def]
    return Airing(AiringKey.of_slot(slot_id, start), "p", Priority.NORMAL, start, start,
                  skipped=skipped)


def test_an_airing_is_rendered_ahead_and_aired_at_its_lead() -> None:
    start = at(MONDAY, 6)
    jobs = jobs_for([airing("sang", start)], set(), at(MONDAY, 5), render_ahead=RENDER_AHEAD,
                    lead=LEAD)
    assert [(j.kind, j.at) for j in jobs] == [
        (JobKind.RENDER, start - RENDER_AHEAD), (JobKind.AIR, start - LEAD)]


def test_jobs_already_late_run_now_and_a_skip_is_logged_at_its_time() -> None:
    start = at(MONDAY, 6)
    now = start - timedelta(seconds=1)
    jobs = jobs_for([airing("sang", start), airing("bo", start, skipped=True)], set(), now,
                    render_ahead=RENDER_AHEAD, lead=LEAD)
    assert [(j.kind, j.airing.key.slot_id, j.at) for j in jobs] == [
        (JobKind.RENDER, "sang", now), (JobKind.AIR, "sang", now), (JobKind.SKIP, "bo", start)]


def test_an_airing_the_log_has_needs_no_job() -> None:
    start = at(MONDAY, 6)
    logged = {AiringKey.of_slot("sang", start)}
    assert jobs_for([airing("sang", start)], logged, at(MONDAY, 5), render_ahead=RENDER_AHEAD,
                    lead=LEAD) == []


def test_airings_after_a_logged_or_skipped_one_still_get_their_jobs() -> None:
    start = at(MONDAY, 6)
    upcoming = [airing("sang", start), airing("bo", start, skipped=True),
                airing("cds", start + timedelta(minutes=10))]
    jobs = jobs_for(upcoming, {AiringKey.of_slot("sang", start)}, at(MONDAY, 5),
                    render_ahead=RENDER_AHEAD, lead=LEAD)
    assert [j.key for j in jobs] == [
        (JobKind.SKIP, upcoming[1].key), (JobKind.RENDER, upcoming[2].key),
        (JobKind.AIR, upcoming[2].key)]


def test_airings_and_jobs_are_values_that_cannot_be_changed_once_made() -> None:
    # The runner keeps jobs in sets and dicts and hands the same airing to several jobs.
    start = at(MONDAY, 6)
    one = airing("sang", start)
    job = Job(JobKind.AIR, one, start)
    assert len({one, airing("sang", start)}) == 1
    assert len({job, Job(JobKind.AIR, airing("sang", start), start)}) == 1
    with pytest.raises(FrozenInstanceError):
        one.start = start + timedelta(hours=1)  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        job.at = start  # type: ignore[misc]


# --- what a restart recovers ------------------------------------------------------------


def test_every_airing_due_while_down_is_classified() -> None:
    morning = weekly("sang", 6, days=tuple(range(7)))
    column = weekly("cds", 6, 10, days=(0,))
    skipped = weekly("bo", 6, 12, days=(0,))
    later = weekly("sau", 7, days=(0,))
    skip = Adjustment("bo", at(MONDAY, 6, 12), AdjustmentKind.SKIP)
    result = recovered([morning, column, skipped, later], [skip], at(MONDAY, 5, 30),
                       at(MONDAY, 6, 14))
    assert [(a.key.slot_id, outcome) for a, outcome in result] == [
        ("sang", Outcome.MISSED),  # 14 minutes late
        ("cds", Outcome.LATE),  # 4 minutes late: still plays
        ("bo", Outcome.SKIPPED),  # logged, not played
    ]


def test_several_days_down_never_drop_an_airing() -> None:
    morning = weekly("sang", 6, days=tuple(range(7)))
    result = recovered([morning], [], at(MONDAY, 7), at(MONDAY + timedelta(days=3), 6, 1))
    assert [(a.start, outcome) for a, outcome in result] == [
        (at(MONDAY + timedelta(days=1), 6), Outcome.MISSED),
        (at(MONDAY + timedelta(days=2), 6), Outcome.MISSED),
        (at(MONDAY + timedelta(days=3), 6), Outcome.LATE),
    ]


def test_the_down_window_bounds() -> None:
    slot = once("x", MONDAY, 6)
    due = at(MONDAY, 6)
    # due exactly at last_seen: the running station handled it
    assert recovered([slot], [], due, due + timedelta(minutes=1)) == []
    # due exactly at now: on time
    assert [o for _, o in recovered([slot], [], due - timedelta(hours=1), due)] == [
        Outcome.AIRED]
    # exactly at the grace edge, and one microsecond past it
    assert [o for _, o in recovered([slot], [], due - US, due + GRACE)] == [Outcome.LATE]
    assert [o for _, o in recovered([slot], [], due - US, due + GRACE + US)] == [Outcome.MISSED]


def test_a_moved_occurrence_is_recovered_at_its_new_time() -> None:
    slot = weekly("cds", 6, 10, days=(0,))
    move = Adjustment("cds", at(MONDAY, 6, 10), AdjustmentKind.MOVE, at(MONDAY, 9))
    result = recovered([slot], [move], at(MONDAY, 6), at(MONDAY, 9, 2))
    assert [(a.start, a.original_start, o) for a, o in result] == [
        (at(MONDAY, 9), at(MONDAY, 6, 10), Outcome.LATE)]


def test_an_announcement_due_while_down_is_recovered_and_a_logged_one_is_not() -> None:
    storm = Announcement(3, "bao", Priority.EMERGENCY, at(MONDAY, 6), repeat=2,
                         every=timedelta(minutes=2))
    start, end = down_window(at(MONDAY, 5), at(MONDAY, 6, 3))
    due = airings([], [], [storm], start, end, VN)
    logged = {AiringKey.of_announcement(3, at(MONDAY, 6))}
    assert [(a.key, o) for a, o in recovery(due, logged, at(MONDAY, 6, 3), GRACE)] == [
        (AiringKey.of_announcement(3, at(MONDAY, 6, 2)), Outcome.LATE)]
