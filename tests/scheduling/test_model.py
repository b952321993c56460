"""The timetable's data types by themselves: priorities, slots, airing keys, announcements."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, time, timedelta

import pytest

from broadcast.scheduling.model import (
    Adjustment,
    AdjustmentKind,
    AiringKey,
    Announcement,
    Occurrence,
    Priority,
    Slot,
)
from tests.scheduling.helpers import MONDAY, at, once, weekly


def test_priorities_are_stored_as_0_1_2_and_read_from_their_names() -> None:
    assert [Priority.parse(n) for n in (0, 1, 2)] == [
        Priority.NORMAL, Priority.PRIORITY, Priority.EMERGENCY]
    assert Priority.parse(" Emergency ") is Priority.EMERGENCY
    assert Priority.parse(Priority.PRIORITY) is Priority.PRIORITY
    assert [p.label for p in Priority] == ["normal", "priority", "emergency"]


def test_a_slot_is_a_value_recurring_unless_it_has_a_date() -> None:
    sang = weekly("sang", 6)
    assert sang.recurring is True
    assert once("x", MONDAY, 6).recurring is False
    assert len({sang, weekly("sang", 6)}) == 1
    with pytest.raises(FrozenInstanceError):
        sang.paused = True  # type: ignore[misc]


def test_a_slot_airs_on_its_clusters_or_on_all() -> None:
    everywhere = Slot("a", "p", time(6))
    north = Slot("b", "p", time(6), clusters=frozenset({"thon-1"}))
    assert everywhere.airs_on("thon-2")
    assert north.airs_on("thon-1") and not north.airs_on("thon-2")


def test_an_adjustment_is_a_value() -> None:
    skip = Adjustment("sang", at(MONDAY, 6), AdjustmentKind.SKIP)
    assert len({skip, Adjustment("sang", at(MONDAY, 6), AdjustmentKind.SKIP)}) == 1
    with pytest.raises(FrozenInstanceError):
        skip.kind = AdjustmentKind.MOVE  # type: ignore[misc]


def test_an_airing_key_names_a_slot_or_an_announcement_at_an_aware_instant() -> None:
    start = at(MONDAY, 6)
    slot_key, announcement_key = AiringKey.of_slot("a", start), AiringKey.of_announcement(1, start)
    assert (slot_key.slot_id, slot_key.announcement_id, slot_key.start) == ("a", None, start)
    assert (announcement_key.slot_id, announcement_key.announcement_id) == (None, 1)
    assert slot_key == AiringKey.of_slot("a", start.astimezone(UTC))
    assert len({slot_key, AiringKey.of_slot("a", start.astimezone(UTC))}) == 1
    with pytest.raises(ValueError, match="exactly one"):
        AiringKey(start)
    with pytest.raises(ValueError, match="exactly one"):
        AiringKey(start, slot_id="a", announcement_id=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        AiringKey.of_slot("a", datetime(2026, 8, 3, 6))
    with pytest.raises(FrozenInstanceError):
        slot_key.slot_id = "b"  # type: ignore[misc]


def test_an_announcement_airs_once_by_default() -> None:
    start = at(MONDAY, 6)
    storm = Announcement(1, "bao", Priority.EMERGENCY, start)
    assert storm.planned_starts() == storm.starts() == [start]
    assert storm.last_start == start
    assert len({storm, Announcement(1, "bao", Priority.EMERGENCY, start)}) == 1
    with pytest.raises(FrozenInstanceError):
        storm.repeat = 2  # type: ignore[misc]


def test_repeats_and_a_cancellation_keep_what_had_started() -> None:
    start, every = at(MONDAY, 6), timedelta(minutes=30)
    storm = Announcement(1, "bao", Priority.EMERGENCY, start, repeat=3, every=every)
    planned = [start, start + every, start + 2 * every]
    assert storm.planned_starts() == storm.starts() == planned
    assert storm.last_start == start + 2 * every
    # Cancelled at the very instant of the second repeat: that one had started.
    cancelled = Announcement(1, "bao", Priority.EMERGENCY, start, repeat=3, every=every,
                             cancelled_at=start + every)
    assert cancelled.starts() == planned[:2]
    assert cancelled.planned_starts() == planned


def test_an_occurrence_is_not_skipped_and_has_no_known_end_by_default() -> None:
    start = at(MONDAY, 6)
    occurrence = Occurrence("sang", "p", Priority.NORMAL, start, start)
    assert occurrence.skipped is False and occurrence.duration is None
    assert occurrence.end is None
    assert occurrence.key == AiringKey.of_slot("sang", start)
