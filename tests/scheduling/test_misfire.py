from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from broadcast.scheduling.misfire import (
    DEFAULT_GRACE,
    ON_TIME_TOLERANCE,
    classify_start,
    missed_while_down,
)
from broadcast.scheduling.model import Adjustment, AdjustmentKind, Outcome
from tests.scheduling.helpers import MONDAY, VN, at, once, weekly

DUE = at(MONDAY, 6)
GRACE = timedelta(minutes=5)
US = timedelta(microseconds=1)


def test_defaults() -> None:
    assert timedelta(minutes=5) == DEFAULT_GRACE
    assert timedelta(seconds=1) == ON_TIME_TOLERANCE


def test_on_time_and_early_play_as_aired() -> None:
    for now in (DUE, DUE - timedelta(seconds=3), DUE + ON_TIME_TOLERANCE):
        decision = classify_start(DUE, now, GRACE)
        assert decision.play and decision.outcome is Outcome.AIRED
        assert decision.lateness == now - DUE


def test_just_past_the_tolerance_is_late() -> None:
    decision = classify_start(DUE, DUE + ON_TIME_TOLERANCE + US, GRACE)
    assert decision.play and decision.outcome is Outcome.LATE
    assert decision.lateness == ON_TIME_TOLERANCE + US


def test_exactly_at_grace_still_plays_late() -> None:
    decision = classify_start(DUE, DUE + GRACE, GRACE)
    assert decision.play
    assert decision.outcome is Outcome.LATE
    assert decision.lateness == GRACE


def test_one_microsecond_past_grace_is_missed() -> None:
    decision = classify_start(DUE, DUE + GRACE + US, GRACE)
    assert not decision.play
    assert decision.outcome is Outcome.MISSED
    assert decision.lateness == GRACE + US


def test_lateness_is_real_time_across_zones_and_dst() -> None:
    assert classify_start(DUE, DUE.astimezone(UTC) + timedelta(minutes=2), GRACE).lateness \
        == timedelta(minutes=2)
    berlin = ZoneInfo("Europe/Berlin")
    # 01:59 CET to 03:01 CEST is two minutes of real time.
    due = datetime(2026, 3, 29, 1, 59, tzinfo=berlin)
    decision = classify_start(due, datetime(2026, 3, 29, 3, 1, tzinfo=berlin), GRACE)
    assert decision.lateness == timedelta(minutes=2)
    assert decision.outcome is Outcome.LATE


def test_missed_while_down_classifies_every_due_occurrence() -> None:
    morning = weekly("sang", 6, days=tuple(range(7)))
    column = weekly("cds", 6, 10, days=(0,))
    skipped = weekly("bo", 6, 12, days=(0,))
    later = weekly("sau", 7, days=(0,))
    skip = Adjustment("bo", at(MONDAY, 6, 12), AdjustmentKind.SKIP)
    last_seen = at(MONDAY, 5, 30)
    now = at(MONDAY, 6, 14)
    result = missed_while_down([morning, column, skipped, later], [skip], last_seen, now, VN,
                               GRACE)
    assert [(o.slot_id, outcome) for o, outcome in result] == [
        ("sang", Outcome.MISSED),  # 14 minutes late
        ("cds", Outcome.LATE),  # 4 minutes late: still plays
        ("bo", Outcome.SKIPPED),  # logged, not played
    ]


def test_missed_while_down_over_several_days_never_drops_any() -> None:
    morning = weekly("sang", 6, days=tuple(range(7)))
    result = missed_while_down([morning], [], at(MONDAY, 7), at(MONDAY + timedelta(days=3), 6, 1),
                               VN, GRACE)
    assert [(o.start, outcome) for o, outcome in result] == [
        (at(MONDAY + timedelta(days=1), 6), Outcome.MISSED),
        (at(MONDAY + timedelta(days=2), 6), Outcome.MISSED),
        (at(MONDAY + timedelta(days=3), 6), Outcome.LATE),
    ]


def test_missed_while_down_bounds() -> None:
    slot = once("x", MONDAY, 6)
    # due exactly at last_seen: the running station handled it
    assert missed_while_down([slot], [], DUE, DUE + timedelta(minutes=1), VN, GRACE) == []
    # due exactly at now: on time
    result = missed_while_down([slot], [], DUE - timedelta(hours=1), DUE, VN, GRACE)
    assert [outcome for _, outcome in result] == [Outcome.AIRED]
    # exactly at the grace edge, and one microsecond past it
    result = missed_while_down([slot], [], DUE - US, DUE + GRACE, VN, GRACE)
    assert [outcome for _, outcome in result] == [Outcome.LATE]
    result = missed_while_down([slot], [], DUE - US, DUE + GRACE + US, VN, GRACE)
    assert [outcome for _, outcome in result] == [Outcome.MISSED]


def test_missed_while_down_sees_moved_occurrences_at_their_new_time() -> None:
    slot = weekly("cds", 6, 10, days=(0,))
    move = Adjustment("cds", at(MONDAY, 6, 10), AdjustmentKind.MOVE, at(MONDAY, 9))
    result = missed_while_down([slot], [move], at(MONDAY, 6), at(MONDAY, 9, 2), VN, GRACE)
    assert [(o.start, o.original_start, outcome) for o, outcome in result] == [
        (at(MONDAY, 9), at(MONDAY, 6, 10), Outcome.LATE)
    ]


def test_naive_datetimes_are_refused_by_name() -> None:
    # A naive datetime would be read in the machine's zone, not the station's: refused.
    naive = datetime(2026, 8, 3, 6)
    with pytest.raises(ValueError, match="scheduled must be timezone-aware"):
        classify_start(naive, DUE, GRACE)
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        classify_start(DUE, naive, GRACE)
    with pytest.raises(ValueError, match="last_seen must be timezone-aware"):
        missed_while_down([], [], naive, DUE, VN, GRACE)
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        missed_while_down([], [], DUE, naive, VN, GRACE)


def test_a_decision_is_an_immutable_value() -> None:
    decision = classify_start(DUE, DUE, GRACE)
    assert decision == classify_start(DUE, DUE, GRACE)
    assert len({decision, classify_start(DUE, DUE, GRACE)}) == 1
    with pytest.raises(FrozenInstanceError):
        decision.play = False  # type: ignore[misc]
