"""The station runtime with its real scheduler and store, a fake voice and a file sink:
what each occurrence leaves in the as-run log, and how failures and restarts are handled."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcast.errors import RenderError
from broadcast.playout.file_sink import FileSink
from broadcast.playout.player import Player
from broadcast.programs import Program, Segment
from broadcast.scheduling.model import Adjustment, AdjustmentKind, Priority, Slot
from broadcast.settings import Settings
from broadcast.station.runtime import Station
from broadcast.store.asrun import AsRunEntry
from broadcast.store.store import Store, open_store

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        data_dir=tmp_path,
        engines=["fake"],
        grace_seconds=4.0,
        hook_lead_seconds=0.0,
        load_example_timetable=False,
    )


@pytest.fixture
def store(settings: Settings) -> Iterator[Store]:
    store = open_store(settings.db_url)
    yield store
    store.close()


def make_station(settings: Settings, store: Store, tmp_path: Path) -> tuple[Station, FileSink]:
    sink = FileSink(tmp_path / "played")
    return Station(settings, store, Player(sink)), sink


def add_program(store: Store, program_id: str = "tin", text: str = "Xin chào bà con.") -> None:
    script = store.scripts.create(title="Tin", text=text, topic="thu-nghiem")
    store.scripts.approve(script.id, by="tester")
    store.programs.create(
        Program(id=program_id, title="Bản tin", topic="thu-nghiem",
                segments=(Segment("jingle", "intro"), Segment("script", str(script.id))))
    )


def break_rendering(station: Station, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every render from now on fails (``monkeypatch.undo()`` mends it)."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RenderError("Hỏng giọng đọc.", code="render_failed")

    monkeypatch.setattr(station.renderer, "render_program", broken)


def one_off(slot_id: str, program_id: str, at: datetime) -> Slot:
    local = at.astimezone(TZ)
    return Slot(id=slot_id, program_id=program_id, time=local.time(), on_date=local.date())


def whole_second(seconds_ahead: float) -> datetime:
    return (datetime.now(UTC) + timedelta(seconds=seconds_ahead)).replace(microsecond=0)


def wait_for_entry(store: Store, slot_id: str, timeout: float = 20.0) -> AsRunEntry:
    deadline = time.time() + timeout
    while time.time() < deadline:
        for entry in store.as_run.query(slot_id=slot_id):
            if entry.outcome is not None:
                return entry
        time.sleep(0.05)
    raise AssertionError(f"no finished as-run entry for {slot_id}")


def test_an_occurrence_airs_at_its_time_and_is_logged(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    add_program(store)
    at = whole_second(3)
    store.slots.create(one_off("thu", "tin", at))
    station, sink = make_station(settings, store, tmp_path)
    station.startup()
    try:
        entry = wait_for_entry(store, "thu")
    finally:
        station.shutdown()
    assert entry.outcome.value == "aired"
    assert entry.engines == ("fake",)
    assert entry.actual_start == at  # the file sink is an ideal device
    assert entry.end is not None and entry.end > at
    assert len(sink.played) == 1


def test_a_failed_render_airs_the_last_good_render(
    settings: Settings, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_program(store)
    station, sink = make_station(settings, store, tmp_path)
    good = station.files.render("tin")
    break_rendering(station, monkeypatch)
    store.scripts.update(1, text="Bài đã sửa.")  # new content must be rendered again
    store.scripts.approve(1, by="tester")
    store.slots.create(one_off("thu", "tin", whole_second(3)))
    station.startup()
    try:
        entry = wait_for_entry(store, "thu")
    finally:
        station.shutdown()
    assert entry.outcome.value == "aired"
    assert sink.played[0].handle.source.path == good.wav_path
    failures = [r for r in store.renders.list("tin") if not r.ok]
    assert failures and "Hỏng giọng đọc" in (failures[0].error or "")


def test_a_render_failure_with_nothing_to_fall_back_on_is_logged_failed(
    settings: Settings, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_program(store)
    station, sink = make_station(settings, store, tmp_path)
    break_rendering(station, monkeypatch)
    store.slots.create(one_off("thu", "tin", whole_second(3)))
    store.slots.create(one_off("sau", "tin", whole_second(5)))
    station.startup()
    try:
        first = wait_for_entry(store, "thu")
        monkeypatch.undo()  # the engine is back: the next slot still airs
        second = wait_for_entry(store, "sau")
    finally:
        station.shutdown()
    assert first.outcome.value == "failed"
    assert first.error is not None and "Hỏng giọng đọc" in first.error
    assert second.outcome.value == "aired"
    assert not sink.played[:-1]


def test_a_skipped_occurrence_is_logged_skipped_and_not_played(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    add_program(store)
    at = whole_second(3)
    slot = one_off("thu", "tin", at)
    store.slots.create(slot)
    store.adjustments.put(Adjustment("thu", at.astimezone(TZ), AdjustmentKind.SKIP))
    station, sink = make_station(settings, store, tmp_path)
    station.startup()
    try:
        entry = wait_for_entry(store, "thu")
    finally:
        station.shutdown()
    assert entry.outcome.value == "skipped"
    assert sink.played == []


def test_after_a_restart_what_fell_due_is_missed_or_played_late(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    add_program(store)
    store.slots.create(one_off("dau", "tin", whole_second(2)))
    station, _ = make_station(settings, store, tmp_path)
    station.startup()
    try:
        wait_for_entry(store, "dau")
    finally:
        station.shutdown()  # the station is down from here
    down_at = datetime.now(UTC)
    store.slots.create(one_off("som", "tin", down_at + timedelta(seconds=1)))
    store.slots.create(one_off("muon", "tin", down_at + timedelta(seconds=5)))
    while datetime.now(UTC) < down_at + timedelta(seconds=7):
        time.sleep(0.05)
    station, sink = make_station(settings, store, tmp_path)
    station.startup()
    try:
        missed = wait_for_entry(store, "som")
        late = wait_for_entry(store, "muon")
    finally:
        station.shutdown()
    assert missed.outcome.value == "missed"  # 6 s late, grace 4 s
    assert late.outcome.value == "late"  # 2 s late: still plays
    assert late.lateness is not None and late.lateness > timedelta(seconds=1)
    assert len(sink.played) == 1


def test_a_second_station_on_the_same_database_refuses_to_start(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    first, _ = make_station(settings, store, tmp_path)
    first.startup()
    try:
        second_store = open_store(settings.db_url)
        second = Station(settings, second_store, Player(FileSink(tmp_path / "b")))
        second._lock.pid = 1  # another live process (pid 1 always runs)
        with pytest.raises(Exception) as caught:
            second.startup()
        assert getattr(caught.value, "code", None) == "station_locked"
        second_store.close()
    finally:
        first.shutdown()


def test_amplifier_hooks_run_around_a_broadcast_and_a_failing_one_does_not_stop_it(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    marks = tmp_path / "hooks.log"
    hooked = settings.model_copy(
        update={
            "hook_before": f"sh -c 'echo before $LOA_SLOT >> {marks}; exit 3'",
            "hook_after": f"sh -c 'echo after $LOA_SLOT $LOA_OUTCOME >> {marks}'",
        }
    )
    add_program(store)
    store.slots.create(one_off("thu", "tin", whole_second(3)))
    station, sink = make_station(hooked, store, tmp_path)
    station.startup()
    try:
        entry = wait_for_entry(store, "thu")
        deadline = time.time() + 5
        while "after" not in (marks.read_text() if marks.exists() else ""):
            assert time.time() < deadline, "the after hook did not run"
            time.sleep(0.05)
    finally:
        station.shutdown()
    assert entry.outcome.value == "aired"  # the before hook failed (exit 3): aired anyway
    assert marks.read_text().splitlines() == ["before thu", "after thu aired"]


def test_a_missing_device_fails_the_occurrence_and_the_next_one_airs(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    add_program(store)
    store.slots.create(one_off("mot", "tin", whole_second(3)))
    store.slots.create(one_off("hai", "tin", whole_second(7)))
    sink = FileSink(tmp_path / "played", name="Loa ngoài trời", missing=True)
    station = Station(settings, store, Player(sink))
    station.startup()
    try:
        first = wait_for_entry(store, "mot")
        sink.missing = False  # the operator plugs the sound card back in
        second = wait_for_entry(store, "hai")
    finally:
        station.shutdown()
    assert first.outcome.value == "failed"
    assert first.error is not None and "Loa ngoài trời" in first.error
    assert second.outcome.value == "aired"


def test_an_announcement_cancelled_at_once_never_airs(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    add_program(store)
    station, sink = make_station(settings, store, tmp_path)
    station.startup()
    try:
        announcement = station.announce("tin", Priority.EMERGENCY)
        assert station.cancel_announcement(announcement.id)
        time.sleep((announcement.starts[0] - datetime.now(UTC)).total_seconds() + 2)
        entries = store.as_run.query(program_id="tin")
    finally:
        station.shutdown()
    # Either the air job saw the slot gone (no entry) or the armed playback was stopped
    # before a sample was heard (skipped, no airtime): never aired.
    assert all(e.outcome is not None and e.outcome.value == "skipped" for e in entries), entries
    assert all(e.actual_start is None for e in entries)
    assert store.as_run.airtime_report(timezone="Asia/Ho_Chi_Minh") == []


def test_a_skip_made_after_planning_is_honoured(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    add_program(store)
    at = whole_second(6)
    store.slots.create(one_off("thu", "tin", at))
    station, sink = make_station(settings, store, tmp_path)
    station.startup()  # the air job is planned now
    try:
        store.adjustments.put(Adjustment("thu", at.astimezone(TZ), AdjustmentKind.SKIP))
        entry = wait_for_entry(store, "thu")  # no timetable_changed(): the job must notice
    finally:
        station.shutdown()
    assert entry.outcome.value == "skipped"
    assert sink.played == []


def test_announcements_to_come_are_listed_until_cancelled(
    settings: Settings, store: Store, tmp_path: Path
) -> None:
    add_program(store)
    station, _ = make_station(settings, store, tmp_path)
    station.startup()
    try:
        ordered = station.announce("tin", Priority.EMERGENCY, repeat=3, every_minutes=30)
        [listed] = station.announcements()
        assert listed.id == ordered.id and listed.priority is Priority.EMERGENCY
        assert listed.starts == ordered.starts  # none aired yet (the first is seconds away)
        assert station.cancel_announcement(ordered.id)
        assert station.announcements() == []
    finally:
        station.shutdown()
