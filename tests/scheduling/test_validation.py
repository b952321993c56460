"""A slot or an adjustment checked by itself (the same rules the API and the YAML import use)."""

from __future__ import annotations

from datetime import datetime, time

import pytest

from broadcast.errors import ScheduleError
from broadcast.scheduling.model import Adjustment, AdjustmentKind, Slot
from broadcast.scheduling.validation import validate_adjustment, validate_slot
from tests.scheduling.helpers import MONDAY, VN, at, weekly


def code_of(slot: Slot) -> str:
    with pytest.raises(ScheduleError) as err:
        validate_slot(slot)
    return err.value.code


@pytest.mark.parametrize(("slot", "code"), [
    (Slot("", "p", time(6), days=frozenset({0})), "bad_id"),
    (Slot(" sang", "p", time(6), days=frozenset({0})), "bad_id"),
    (Slot("sang", "p", time(6, 0, 0, 500), days=frozenset({0})), "bad_time"),
    (Slot("sang", "p", time(6, tzinfo=VN), days=frozenset({0})), "bad_time"),
    (Slot("sang", "p", time(6), days=frozenset({-1})), "unknown_weekday"),
    (Slot("sang", "p", time(6), days=frozenset({7})), "unknown_weekday"),
])
def test_malformed_slots(slot: Slot, code: str) -> None:
    assert code_of(slot) == code


def test_sunday_and_monday_are_weekdays() -> None:
    validate_slot(Slot("sang", "p", time(6), days=frozenset({0, 6})))


def adjustment_error(adjustment: Adjustment) -> ScheduleError:
    with pytest.raises(ScheduleError) as err:
        validate_adjustment(adjustment, weekly("sang", 6, days=(0,)), VN)
    return err.value


def test_an_adjustment_must_name_a_regular_occurrence_in_local_words() -> None:
    tuesday = adjustment_error(Adjustment("sang", at(MONDAY, 6).replace(day=4),
                                          AdjustmentKind.SKIP))
    assert tuesday.code == "not_an_occurrence" and "06:00 thứ Ba 04/08/2026" in tuesday.message
    naive = adjustment_error(Adjustment("sang", datetime(2026, 8, 3, 6), AdjustmentKind.SKIP))
    assert naive.code == "not_an_occurrence" and "06:00 03/08/2026" in naive.message


def test_a_move_needs_an_aware_new_start() -> None:
    start = at(MONDAY, 6)
    assert adjustment_error(Adjustment("sang", start, AdjustmentKind.MOVE)).code == \
        "bad_adjustment"
    assert adjustment_error(Adjustment("sang", start, AdjustmentKind.MOVE,
                                       datetime(2026, 8, 3, 9))).code == "bad_adjustment"
    validate_adjustment(Adjustment("sang", start, AdjustmentKind.MOVE, at(MONDAY, 9)),
                        weekly("sang", 6, days=(0,)), VN)
