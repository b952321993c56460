from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from broadcast.errors import StoreError
from broadcast.scheduling.model import Outcome, Priority
from broadcast.store import Store

INSTANTS = [
    datetime(2025, 8, 1, 6, 0, 0, 123456, tzinfo=ZoneInfo("Asia/Ho_Chi_Minh")),
    datetime(2025, 12, 31, 23, 59, 59, tzinfo=timezone(timedelta(hours=-5))),
    datetime(2026, 3, 29, 1, 30, tzinfo=ZoneInfo("Europe/Paris")),
    datetime(2025, 1, 1, 0, 0, tzinfo=UTC),
]


@pytest.mark.parametrize("instant", INSTANTS, ids=lambda d: d.isoformat())
def test_aware_datetimes_round_trip_as_the_same_instant_in_utc(
    store: Store, instant: datetime
) -> None:
    entry = store.as_run.append(
        slot_id="s",
        program_id="p",
        priority=Priority.NORMAL,
        scheduled_start=instant,
        actual_start=instant,
        end=instant + timedelta(seconds=90),
        outcome=Outcome.AIRED,
    )
    got = store.as_run.get(entry.id)
    assert got.scheduled_start == instant
    assert got.scheduled_start.utcoffset() == timedelta(0)
    assert got.end is not None and got.end - got.scheduled_start == timedelta(seconds=90)
    # Range queries compare instants, whatever zone the bounds are given in.
    assert store.as_run.query(
        since=instant.astimezone(ZoneInfo("America/New_York")),
        until=(instant + timedelta(microseconds=1)).astimezone(ZoneInfo("Asia/Tokyo")),
    ) == [got]
    assert store.as_run.query(since=instant + timedelta(microseconds=1)) == []


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(StoreError) as caught:
        store.as_run.append(
            slot_id="s",
            program_id="p",
            priority=Priority.NORMAL,
            scheduled_start=datetime(2025, 8, 1, 6, 0),
        )
    assert caught.value.code == "naive_datetime"
    assert store.as_run.query() == []
    with pytest.raises(StoreError):
        store.scripts.create(title="t", text="x", now=datetime(2025, 8, 1))
