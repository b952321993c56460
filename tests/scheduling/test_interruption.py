from __future__ import annotations

from datetime import timedelta

from broadcast.scheduling.interruption import (
    FADE_OUT_SECONDS,
    Action,
    decide,
    queue_order,
    start_when_free,
)
from broadcast.scheduling.model import Occurrence, Outcome, Priority
from tests.scheduling.helpers import MONDAY, at


def occ(slot_id: str, priority: Priority, hh: int, mm: int = 0, skipped: bool = False
        ) -> Occurrence:
    start = at(MONDAY, hh, mm)
    return Occurrence(slot_id, f"p-{slot_id}", priority, start, start, timedelta(minutes=10),
                      skipped)


NORMAL = occ("sang", Priority.NORMAL, 6)
PRIORITY = occ("thong-bao", Priority.PRIORITY, 6, 3)
EMERGENCY = occ("bao-lu", Priority.EMERGENCY, 6, 5)


def test_fade_is_half_a_second() -> None:
    assert FADE_OUT_SECONDS == 0.5


def test_nothing_on_air_starts() -> None:
    decision = decide(None, NORMAL)
    assert decision.action is Action.START
    assert decision.interrupted is None and decision.fade_out_seconds == 0


def test_emergency_interrupts_normal_with_a_fade() -> None:
    decision = decide(NORMAL, EMERGENCY)
    assert decision.action is Action.INTERRUPT
    assert decision.interrupted is NORMAL
    assert decision.incoming is EMERGENCY
    assert decision.fade_out_seconds == FADE_OUT_SECONDS


def test_each_level_interrupts_the_ones_below() -> None:
    assert decide(NORMAL, PRIORITY).action is Action.INTERRUPT
    assert decide(PRIORITY, EMERGENCY).action is Action.INTERRUPT


def test_lower_priority_waits_for_the_emergency_to_end() -> None:
    decision = decide(EMERGENCY, NORMAL)
    assert decision.action is Action.QUEUE
    assert decision.interrupted is None and decision.fade_out_seconds == 0


def test_equal_priority_lets_the_current_one_finish() -> None:
    overrun = occ("cds", Priority.NORMAL, 6, 10)
    assert decide(NORMAL, overrun).action is Action.QUEUE
    assert decide(EMERGENCY, occ("bao-lu-2", Priority.EMERGENCY, 6, 7)).action is Action.QUEUE


def test_skipped_occurrence_never_touches_the_air() -> None:
    skipped = occ("bo", Priority.EMERGENCY, 6, 5, skipped=True)
    assert decide(NORMAL, skipped).action is Action.SKIP
    assert decide(None, skipped).action is Action.SKIP


def test_queued_occurrence_starts_late_within_grace_else_missed() -> None:
    grace = timedelta(minutes=5)
    waited = start_when_free(NORMAL, NORMAL.start + grace, grace)
    assert waited.play and waited.outcome is Outcome.LATE
    too_long = start_when_free(NORMAL, NORMAL.start + grace + timedelta(microseconds=1), grace)
    assert not too_long.play and too_long.outcome is Outcome.MISSED


def test_queue_order_higher_priority_then_earlier() -> None:
    earlier_normal = occ("a", Priority.NORMAL, 6, 1)
    later_normal = occ("b", Priority.NORMAL, 6, 2)
    assert queue_order([later_normal, PRIORITY, earlier_normal]) == [
        PRIORITY, earlier_normal, later_normal]
