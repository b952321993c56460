from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

import broadcast.store.timetable as timetable_module
from broadcast.errors import StoreError
from broadcast.programs import Program, Segment
from broadcast.scheduling.model import Adjustment, AdjustmentKind, Priority, Slot
from broadcast.store import Store, open_store

HCM = ZoneInfo("Asia/Ho_Chi_Minh")

CDS = Program(
    id="cds-sang",
    title="Chuyên mục Chuyển đổi số",
    topic="chuyen-doi-so",
    segments=(
        Segment.jingle("intro"),
        Segment.script_file("scripts/cds-01.txt"),
        Segment.silence(1.5),
        Segment.audio_file("media/bai-hat.mp3"),
        Segment.jingle("outro"),
    ),
    bed="media/nen.mp3",
)
TIN = Program(id="tin-chieu", title="Bản tin chiều", topic="thoi-su")

SANG = Slot(
    id="sang-246",
    program_id="cds-sang",
    time=time(6, 0),
    days=frozenset({0, 2, 4}),
    priority=Priority.NORMAL,
    max_duration=timedelta(minutes=15),
    valid_from=date(2025, 8, 1),
    valid_until=date(2025, 12, 31),
)
CHIEU = Slot(id="chieu", program_id="tin-chieu", time=time(17, 0, 30), days=frozenset(range(7)))
ONCE = Slot(
    id="bao-lu",
    program_id="tin-chieu",
    time=time(9, 15),
    on_date=date(2025, 9, 2),
    priority=Priority.EMERGENCY,
)
SKIP = Adjustment("sang-246", datetime(2025, 8, 4, 6, 0, tzinfo=HCM), AdjustmentKind.SKIP)
MOVE = Adjustment(
    "chieu",
    datetime(2025, 8, 5, 17, 0, 30, tzinfo=HCM),
    AdjustmentKind.MOVE,
    datetime(2025, 8, 5, 18, 0, tzinfo=HCM),
)


def _load(store: Store) -> None:
    store.replace_timetable([CDS, TIN], [SANG, CHIEU, ONCE], [SKIP, MOVE])


def test_programs_round_trip_with_their_segments(store: Store) -> None:
    store.programs.create(CDS)
    assert store.programs.get("cds-sang") == CDS
    changed = Program(id="cds-sang", title="Mới", topic="x", segments=(Segment.jingle("intro"),))
    store.programs.upsert(changed)
    assert store.programs.list() == [changed]
    assert store.programs.find("khong-co") is None


def test_program_ids_are_unique(store: Store) -> None:
    store.programs.create(CDS)
    with pytest.raises(StoreError) as caught:
        store.programs.create(CDS)
    assert caught.value.code == "duplicate_id"
    assert store.programs.unique_id("cds-sang") == "cds-sang-2"
    assert store.programs.unique_id("moi") == "moi"


def test_slots_round_trip_every_field(store: Store) -> None:
    _load(store)
    assert store.slots.list() == [SANG, CHIEU, ONCE]  # in the order written
    assert store.slots.get("bao-lu") == ONCE
    assert store.slots.list(program_id="tin-chieu") == [CHIEU, ONCE]
    assert store.slots.count() == 3


def test_slot_upsert_pause_resume_and_delete(store: Store) -> None:
    _load(store)
    moved = Slot(id="chieu", program_id="cds-sang", time=time(16, 45), days=frozenset({5}))
    store.slots.upsert(moved)
    assert store.slots.get("chieu") == moved
    assert store.slots.pause("chieu").paused
    assert [s.id for s in store.slots.list(include_paused=False)] == ["sang-246", "bao-lu"]
    assert not store.slots.resume("chieu").paused
    store.slots.delete("chieu")
    assert store.slots.find("chieu") is None
    assert store.adjustments.list(slot_id="chieu") == []  # its adjustments went with it


def test_slot_errors(store: Store) -> None:
    _load(store)
    with pytest.raises(StoreError) as duplicate:
        store.slots.create(SANG)
    assert duplicate.value.code == "duplicate_id"
    orphan = Slot(id="x", program_id="khong-co", time=time(6), days=frozenset({0}))
    with pytest.raises(StoreError) as missing_program:
        store.slots.create(orphan)
    assert missing_program.value.code == "not_found"
    with pytest.raises(StoreError) as missing:
        store.slots.pause("khong-co")
    assert missing.value.code == "not_found"


def test_a_program_that_still_airs_cannot_be_deleted(store: Store) -> None:
    _load(store)
    with pytest.raises(StoreError) as caught:
        store.programs.delete("tin-chieu")
    assert caught.value.code == "program_in_use"
    assert "bao-lu" in caught.value.message and "chieu" in caught.value.message
    store.slots.delete("chieu")
    store.slots.delete("bao-lu")
    store.programs.delete("tin-chieu")
    assert store.programs.find("tin-chieu") is None


def test_adjustments_put_list_replace_and_delete(store: Store) -> None:
    _load(store)
    assert store.adjustments.list() == [SKIP, MOVE]
    assert store.adjustments.list(slot_id="chieu") == [MOVE]
    window = store.adjustments.list(
        since=datetime(2025, 8, 5, tzinfo=HCM), until=datetime(2025, 8, 6, tzinfo=HCM)
    )
    assert window == [MOVE]
    # Moving the skipped occurrence instead replaces its adjustment.
    moved = Adjustment(
        SKIP.slot_id,
        SKIP.original_start,
        AdjustmentKind.MOVE,
        SKIP.original_start + timedelta(hours=1),
    )
    store.adjustments.put(moved)
    assert store.adjustments.list(slot_id="sang-246") == [moved]
    assert store.adjustments.delete("sang-246", SKIP.original_start)
    assert not store.adjustments.delete("sang-246", SKIP.original_start)
    with pytest.raises(StoreError) as caught:
        store.adjustments.put(Adjustment("khong-co", SKIP.original_start, AdjustmentKind.SKIP))
    assert caught.value.code == "not_found"


def test_adjustment_times_come_back_aware_and_equal(store: Store) -> None:
    _load(store)
    [got] = store.adjustments.list(slot_id="chieu")
    assert got.original_start.tzinfo is not None and got.new_start is not None
    assert got.original_start == datetime(2025, 8, 5, 10, 0, 30, tzinfo=UTC)
    assert got.new_start.astimezone(HCM).hour == 18


def test_replace_timetable_swaps_everything(store: Store) -> None:
    _load(store)
    new_program = Program(
        id="moi", title="Mới", topic="t", segments=(Segment.silence(2),)
    )
    new_slot = Slot(id="moi-1", program_id="moi", time=time(7), days=frozenset({1}))
    store.replace_timetable([new_program], [new_slot], [])
    assert store.programs.list() == [new_program]
    assert store.slots.list() == [new_slot]
    assert store.adjustments.list() == []


def _assert_old_timetable(store: Store) -> None:
    assert store.programs.list() == [CDS, TIN]
    assert store.slots.list() == [SANG, CHIEU, ONCE]  # in the order written
    assert store.adjustments.list() == [SKIP, MOVE]


@pytest.mark.parametrize(
    ("programs", "slots", "adjustments", "named"),
    [
        ([CDS, CDS], [], [], "cds-sang"),
        ([CDS], [SANG, SANG], [], "sang-246"),
        ([CDS], [CHIEU], [], "tin-chieu"),
        ([CDS], [SANG], [MOVE], "chieu"),
        ([CDS], [SANG], [SKIP, SKIP], "sang-246"),
    ],
)
def test_an_inconsistent_timetable_is_refused_whole(
    store: Store, programs: list, slots: list, adjustments: list, named: str
) -> None:
    """The timetable service validates first (naming the problem, see its tests); the
    database's own keys still refuse what slips past, and nothing is half-replaced."""
    _load(store)
    with pytest.raises(StoreError) as caught:
        store.replace_timetable(programs, slots, adjustments)
    assert caught.value.code == "conflict"
    _assert_old_timetable(store)


def test_a_failure_in_the_middle_leaves_the_old_timetable(store: Store) -> None:
    """The old rows are already deleted and the new programs and slots written when the
    adjustment write fails (a naive datetime): everything must be rolled back."""
    _load(store)
    naive = Adjustment("moi-1", datetime(2025, 8, 4, 6, 0), AdjustmentKind.SKIP)
    new_program = Program(id="moi", title="Mới")
    new_slot = Slot(id="moi-1", program_id="moi", time=time(7), days=frozenset({1}))
    with pytest.raises(StoreError) as caught:
        store.replace_timetable([new_program], [new_slot], [naive])
    assert caught.value.code == "naive_datetime"
    _assert_old_timetable(store)


def test_a_crash_after_the_slots_are_written_leaves_the_old_timetable(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _load(store)
    written: list[str] = []
    real = timetable_module._slot_values

    def slot_values_then_crash(slot: Slot, now: datetime) -> dict:
        written.append(slot.id)
        return real(slot, now)

    def adjustment_crash(adjustment: Adjustment) -> dict:
        raise RuntimeError("disk full")

    monkeypatch.setattr(timetable_module, "_slot_values", slot_values_then_crash)
    monkeypatch.setattr(timetable_module, "_adjustment_values", adjustment_crash)
    with pytest.raises(RuntimeError):
        store.replace_timetable([CDS], [SANG], [SKIP])
    assert written == ["sang-246"]
    _assert_old_timetable(store)


def test_replace_timetable_inside_a_callers_transaction(store: Store) -> None:
    from broadcast.store import replace_timetable

    _load(store)
    now = datetime.now(UTC)
    with store.sessions() as session:
        replace_timetable(session, [TIN], [CHIEU], [], now=now)
        session.rollback()
    _assert_old_timetable(store)
    with store.sessions.begin() as session:
        replace_timetable(session, [TIN], [CHIEU], [], now=now)
    assert store.slots.list() == [CHIEU]


def test_a_change_made_by_another_process_is_seen_by_the_cached_slot_list(
    store: Store, db_url: str
) -> None:
    _load(store)
    assert store.slots.list() == [SANG, CHIEU, ONCE]  # read once: now cached
    other = open_store(db_url, run_migrations=False)  # another process, same database
    try:
        other.slots.delete(ONCE.id)
        later = Slot(id="toi", program_id="tin-chieu", time=time(20), days=frozenset({2}))
        other.slots.create(later)
    finally:
        other.close()
    assert store.slots.list() == [SANG, CHIEU, later]


def test_programs_and_slots_keep_the_order_they_were_written_in(store: Store) -> None:
    store.replace_timetable([TIN, CDS], [ONCE, SANG], [])
    later = Slot(id="a-cuoi", program_id="tin-chieu", time=time(20), days=frozenset({0}))
    store.slots.create(later)
    assert [p.id for p in store.programs.list()] == ["tin-chieu", "cds-sang"]
    assert [s.id for s in store.slots.list()] == ["bao-lu", "sang-246", "a-cuoi"]
