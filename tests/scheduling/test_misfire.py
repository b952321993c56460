from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from broadcast.scheduling.misfire import (
    DEFAULT_GRACE,
    ON_TIME_TOLERANCE,
    classify_start,
)
from broadcast.scheduling.model import Outcome
from tests.scheduling.helpers import MONDAY, at

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


def test_naive_datetimes_are_refused_by_name() -> None:
    # A naive datetime would be read in the machine's zone, not the station's: refused.
    naive = datetime(2026, 8, 3, 6)
    with pytest.raises(ValueError, match="scheduled must be timezone-aware"):
        classify_start(naive, DUE, GRACE)
    with pytest.raises(ValueError, match="now must be timezone-aware"):
        classify_start(DUE, naive, GRACE)


def test_a_decision_is_an_immutable_value() -> None:
    decision = classify_start(DUE, DUE, GRACE)
    assert decision == classify_start(DUE, DUE, GRACE)
    assert len({decision, classify_start(DUE, DUE, GRACE)}) == 1
    with pytest.raises(FrozenInstanceError):
        decision.play = False  # type: ignore[misc]
