from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from broadcast.errors import StoreError
from broadcast.programs import Program
from broadcast.scheduling.model import AiringKey, Outcome, Priority
from broadcast.store import AirtimeRow, Store

HCM = ZoneInfo("Asia/Ho_Chi_Minh")


def local(*args: int) -> datetime:
    return datetime(*args, tzinfo=HCM)


def _aired(
    store: Store,
    slot: str | None,
    program: str,
    start: datetime,
    minutes: float,
    outcome: Outcome = Outcome.AIRED,
    topic: str | None = None,
):
    return store.as_run.append(
        slot_id=slot,
        program_id=program,
        priority=Priority.NORMAL,
        scheduled_start=start,
        actual_start=start,
        end=start + timedelta(minutes=minutes),
        outcome=outcome,
        topic=topic,
    )


def test_an_entry_is_appended_on_air_and_finished(store: Store) -> None:
    store.programs.create(Program(id="cds", title="Chuyển đổi số", topic="chuyen-doi-so"))
    start = local(2025, 8, 1, 6, 0)
    entry = store.as_run.append(
        slot_id="sang",
        program_id="cds",
        priority="priority",
        scheduled_start=start,
        actual_start=start + timedelta(milliseconds=7),
        lateness=timedelta(milliseconds=7),
        engines=["gtts"],
    )
    assert entry.outcome is None
    assert (entry.topic, entry.program_title) == ("chuyen-doi-so", "Chuyển đổi số")
    assert store.as_run.unfinished() == [entry]
    done = store.as_run.finish(
        entry.id, outcome=Outcome.INTERRUPTED, end=start + timedelta(minutes=3), error="khẩn cấp"
    )
    assert done.outcome is Outcome.INTERRUPTED
    assert done.priority is Priority.PRIORITY
    assert done.engines == ("gtts",)
    assert done.lateness == timedelta(milliseconds=7)
    assert done.aired_duration == timedelta(minutes=3) - timedelta(milliseconds=7)
    assert store.as_run.get(entry.id) == done
    assert store.as_run.unfinished() == []
    assert store.as_run.find(AiringKey.of_slot("sang", start)) == done
    assert store.as_run.find(AiringKey.of_slot("sang", start + timedelta(days=1))) is None


def test_one_occurrence_is_logged_once(store: Store) -> None:
    start = local(2025, 8, 1, 6, 0)
    _aired(store, "sang", "cds", start, 5)
    with pytest.raises(StoreError) as caught:
        store.as_run.append(
            slot_id="sang",
            program_id="cds",
            priority=Priority.NORMAL,
            scheduled_start=start.astimezone(UTC),
            outcome=Outcome.MISSED,
        )
    assert caught.value.code == "duplicate_entry"
    # Announcements have no slot and may repeat.
    for _ in range(2):
        store.as_run.append(
            program_id="bao",
            priority=Priority.EMERGENCY,
            scheduled_start=start,
            outcome=Outcome.AIRED,
        )
    assert len(store.as_run.query(program_id="bao")) == 2


def test_the_topic_snapshot_survives_the_program(store: Store) -> None:
    store.programs.create(Program(id="cds", title="CĐS", topic="chuyen-doi-so"))
    entry = _aired(store, "sang", "cds", local(2025, 8, 1, 6, 0), 5)
    store.programs.upsert(Program(id="cds", title="Khác", topic="khac"))
    store.programs.delete("cds")
    assert store.as_run.get(entry.id).topic == "chuyen-doi-so"


def test_finishing_a_missing_entry_is_not_found(store: Store) -> None:
    with pytest.raises(StoreError) as caught:
        store.as_run.finish(12345, outcome=Outcome.AIRED)
    assert caught.value.code == "not_found"


def test_query_filters(store: Store) -> None:
    a = _aired(store, "sang", "cds", local(2025, 8, 1, 6, 0), 5, topic="cds")
    b = _aired(store, "chieu", "tin", local(2025, 8, 1, 17, 0), 10, Outcome.LATE, topic="tin")
    c = store.as_run.append(
        slot_id="sang",
        program_id="cds",
        priority=Priority.NORMAL,
        scheduled_start=local(2025, 8, 2, 6, 0),
        outcome=Outcome.MISSED,
        topic="cds",
    )
    d = _aired(store, "chieu", "tin", local(2025, 8, 2, 17, 0), 10, Outcome.FAILED, topic="tin")
    q = store.as_run.query
    assert q() == [a, b, c, d]
    assert q(since=local(2025, 8, 1, 12, 0), until=local(2025, 8, 2, 12, 0)) == [b, c]
    assert q(until=local(2025, 8, 1, 17, 0)) == [a]  # until is exclusive
    assert q(slot_id="sang") == [a, c]
    assert q(program_id="tin") == [b, d]
    assert q(outcome=Outcome.MISSED) == [c]
    assert q(outcome="late") == [b]
    assert q(outcome=[Outcome.AIRED, Outcome.FAILED]) == [a, d]
    assert q(topic="tin", outcome=Outcome.FAILED) == [d]
    assert q(newest_first=True, limit=2) == [d, c]
    assert q(limit=2, offset=1) == [b, c]


def test_monthly_airtime_per_topic_uses_local_month_boundaries(store: Store) -> None:
    # 31 July 23:30 local is still July; 1 August 00:30 local is 31 July 17:30 UTC.
    _aired(store, "s1", "cds", local(2025, 7, 31, 23, 30), 10, topic="chuyen-doi-so")
    _aired(store, "s2", "cds", local(2025, 8, 1, 0, 30), 15, topic="chuyen-doi-so")
    _aired(store, "s3", "cds", local(2025, 8, 15, 6, 0), 5, Outcome.LATE, topic="chuyen-doi-so")
    _aired(
        store,
        "s4",
        "cds",
        local(2025, 8, 16, 6, 0),
        2.5,
        Outcome.INTERRUPTED,
        topic="chuyen-doi-so",
    )
    _aired(store, "s5", "tin", local(2025, 8, 16, 17, 0), 20, topic="thoi-su")
    # These did not go out: no airtime.
    _aired(store, "s6", "cds", local(2025, 8, 17, 6, 0), 9, Outcome.FAILED, topic="chuyen-doi-so")
    store.as_run.append(
        slot_id="s7",
        program_id="cds",
        priority=Priority.NORMAL,
        scheduled_start=local(2025, 8, 18, 6, 0),
        outcome=Outcome.MISSED,
        topic="chuyen-doi-so",
    )
    store.as_run.append(  # still on air
        slot_id="s8",
        program_id="cds",
        priority=Priority.NORMAL,
        scheduled_start=local(2025, 8, 19, 6, 0),
        actual_start=local(2025, 8, 19, 6, 0),
        topic="chuyen-doi-so",
    )
    report = store.as_run.airtime_report(timezone="Asia/Ho_Chi_Minh")
    assert report == [
        AirtimeRow(month="2025-07", topic="chuyen-doi-so", minutes=10.0, broadcasts=1),
        AirtimeRow(month="2025-08", topic="chuyen-doi-so", minutes=22.5, broadcasts=3),
        AirtimeRow(month="2025-08", topic="thoi-su", minutes=20.0, broadcasts=1),
    ]
    # The same log read in UTC puts the 00:30 broadcast in July: the zone matters.
    utc_report = store.as_run.airtime_report(timezone=ZoneInfo("UTC"), topic="chuyen-doi-so")
    assert utc_report[0] == AirtimeRow("2025-07", "chuyen-doi-so", 25.0, 2)
    august_only = store.as_run.airtime_report(
        timezone=HCM, since=local(2025, 8, 1), until=local(2025, 9, 1), topic="chuyen-doi-so"
    )
    assert august_only == [AirtimeRow("2025-08", "chuyen-doi-so", 22.5, 3)]
