"""The station runtime on the manual clock, with its real store and timer logic, a fake voice
and a file sink: what each airing leaves in the as-run log, and how failures, restarts and
changes are handled. Nothing here waits for wall-clock time to pass."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from pathlib import Path

import pytest

from broadcast.errors import RenderError, ScheduleError
from broadcast.scheduling.model import Adjustment, AdjustmentKind, Outcome, Priority
from broadcast.settings import Settings
from tests.station.rig import TZ, Rig


def break_rendering(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every render from now on fails (``monkeypatch.undo()`` mends it)."""

    def broken(*args: object, **kwargs: object) -> None:
        raise RenderError("Hỏng giọng đọc.", code="render_failed")

    monkeypatch.setattr(rig.station.renderer, "render_program", broken)


def test_an_occurrence_airs_at_its_time_and_is_logged(rig: Rig) -> None:
    rig.add_program()
    at = rig.at(10)
    rig.one_off("thu", "tin", at)
    rig.station.startup()
    entry = rig.wait_for_entry("thu")
    assert entry.outcome is Outcome.AIRED
    assert entry.engines == ("fake",)
    assert entry.actual_start == at  # the file sink is an ideal device
    assert entry.end is not None and entry.end > at
    assert entry.render_id is not None and entry.note is None
    assert len(rig.sink.played) == 1


def test_a_failed_render_airs_the_last_good_render_and_the_log_says_why(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig.add_program()
    good = rig.station.files.render("tin")
    assert good.script_revisions == {1: 1}
    break_rendering(rig, monkeypatch)
    rig.store.scripts.update(1, text="Bài đã sửa.")  # new content must be rendered again
    rig.store.scripts.approve(1, by="tester")
    rig.one_off("thu", "tin", rig.at(10))
    rig.station.startup()
    entry = rig.wait_for_entry("thu")
    assert entry.outcome is Outcome.AIRED
    assert rig.sink.played[0].handle.source.path == good.wav_path
    assert entry.render_id == good.id
    assert entry.note is not None and "Hỏng giọng đọc" in entry.note
    assert "tin bài số 1 bản 1" in entry.note  # which revision aired instead
    failures = [r for r in rig.store.renders.list("tin") if not r.ok]
    assert failures and "Hỏng giọng đọc" in (failures[0].error or "")


def test_an_edited_script_not_yet_approved_again_airs_the_approved_revision_with_a_note(
    rig: Rig,
) -> None:
    rig.add_program(text="Bài đã duyệt.")
    approved = rig.station.files.render("tin")
    rig.store.scripts.update(1, text="Bài sửa, chưa duyệt.")
    rig.one_off("thu", "tin", rig.at(10))
    rig.station.startup()
    entry = rig.wait_for_entry("thu")
    assert entry.outcome is Outcome.AIRED
    assert entry.render_id == approved.id
    assert entry.note is not None and "chưa được duyệt" in entry.note


def test_a_render_failure_with_nothing_to_fall_back_on_is_logged_failed(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig.add_program()
    break_rendering(rig, monkeypatch)
    rig.one_off("thu", "tin", rig.at(10))
    rig.one_off("sau", "tin", rig.at(20))
    rig.station.startup()
    first = rig.wait_for_entry("thu")
    monkeypatch.undo()  # the engine is back: the next slot still airs
    second = rig.wait_for_entry("sau")
    assert first.outcome is Outcome.FAILED
    assert first.error is not None and "Hỏng giọng đọc" in first.error
    assert second.outcome is Outcome.AIRED
    assert len(rig.sink.played) == 1


def test_a_skipped_occurrence_is_logged_skipped_and_not_played(rig: Rig) -> None:
    rig.add_program()
    at = rig.at(10)
    rig.one_off("thu", "tin", at)
    rig.store.adjustments.put(Adjustment("thu", at.astimezone(TZ), AdjustmentKind.SKIP))
    rig.station.startup()
    entry = rig.wait_for_entry("thu")
    assert entry.outcome is Outcome.SKIPPED
    assert entry.scheduled_start == at
    assert rig.sink.played == []


def test_a_skip_made_after_planning_is_honoured(rig: Rig) -> None:
    rig.add_program()
    at = rig.at(10)
    rig.one_off("thu", "tin", at)
    rig.station.startup()  # the air job is planned now
    rig.advance(5)
    # Written behind the station's back (no notification): the air job must notice.
    rig.store.adjustments.put(Adjustment("thu", at.astimezone(TZ), AdjustmentKind.SKIP))
    entry = rig.wait_for_entry("thu")
    assert entry.outcome is Outcome.SKIPPED
    assert rig.sink.played == []


def test_a_moved_occurrence_airs_at_its_new_time_only(rig: Rig) -> None:
    rig.add_program()
    at = rig.at(60)
    rig.one_off("thu", "tin", at)
    rig.station.startup()
    moved_to = at + timedelta(seconds=30)
    rig.station.timetable.put_adjustment(
        Adjustment("thu", at, AdjustmentKind.MOVE, new_start=moved_to)
    )
    entry = rig.wait_for_entry("thu")
    assert entry.outcome is Outcome.AIRED
    assert entry.scheduled_start == moved_to and entry.actual_start == moved_to
    assert len(rig.sink.played) == 1


def test_after_a_restart_what_fell_due_is_missed_or_played_late(rig: Rig) -> None:
    rig.add_program()
    rig.one_off("dau", "tin", rig.at(10))
    rig.station.startup()
    rig.wait_for_entry("dau")
    rig.station.shutdown()  # the station is down from here
    down_at = rig.clock.now()
    rig.one_off("som", "tin", (down_at + timedelta(seconds=2)).replace(microsecond=0))
    rig.one_off("muon", "tin", (down_at + timedelta(seconds=6)).replace(microsecond=0))
    rig.clock.advance(8)
    station = rig.new_station()
    station.startup()
    missed = rig.wait_for_entry("som")
    late = rig.wait_for_entry("muon")
    assert missed.outcome is Outcome.MISSED  # 6 s late, grace 4 s
    assert late.outcome is Outcome.LATE  # 2 s late: still plays
    assert late.lateness is not None and late.lateness > timedelta(seconds=1)
    assert len(rig.sink.played) == 2  # "dau" before the restart, "muon" after


def test_a_second_station_on_the_same_database_refuses_to_start(rig: Rig) -> None:
    rig.station.startup()
    first = rig.station
    second = rig.new_station()
    second._lock.pid = 1  # another live process (pid 1 always runs)
    with pytest.raises(Exception) as caught:
        second.startup()
    assert getattr(caught.value, "code", None) == "station_locked"
    rig.station = first


def test_amplifier_hooks_run_around_a_broadcast_and_a_failing_one_does_not_stop_it(
    settings: Settings, tmp_path: Path
) -> None:
    marks = tmp_path / "hooks.log"
    hooked = settings.model_copy(
        update={
            "hook_before": f"sh -c 'echo before $LOA_SLOT >> {marks}; exit 3'",
            "hook_after": f"sh -c 'echo after $LOA_SLOT $LOA_OUTCOME >> {marks}'",
        }
    )
    rig = Rig(hooked, tmp_path)
    try:
        rig.add_program()
        rig.one_off("thu", "tin", rig.at(10))
        rig.station.startup()
        entry = rig.wait_for_entry("thu")

        def after_ran() -> bool | None:  # the after hook runs in its own thread
            return ("after" in marks.read_text()) or None if marks.exists() else None

        rig.until(after_ran, limit=30)
    finally:
        rig.close()
    assert entry.outcome is Outcome.AIRED  # the before hook failed (exit 3): aired anyway
    assert marks.read_text().splitlines() == ["before thu", "after thu aired"]


def test_a_missing_device_fails_the_occurrence_and_the_next_one_airs(rig: Rig) -> None:
    rig.add_program()
    rig.one_off("mot", "tin", rig.at(10))
    rig.one_off("hai", "tin", rig.at(20))
    rig.sink.missing = True
    rig.station.startup()
    first = rig.wait_for_entry("mot")
    assert not rig.station.health().ok  # the sink says it cannot be heard
    rig.sink.missing = False  # the operator plugs the sound card back in
    second = rig.wait_for_entry("hai")
    assert first.outcome is Outcome.FAILED
    assert first.error is not None and "Loa thử" in first.error
    assert second.outcome is Outcome.AIRED


def test_a_device_failing_mid_broadcast_ends_it_interrupted_with_what_was_heard(
    rig: Rig,
) -> None:
    rig.add_program(text="Kính thưa bà con. " * 20)
    at = rig.at(10)
    rig.one_off("thu", "tin", at)
    rig.sink.fail_after_seconds = 2.0
    rig.station.startup()
    entry = rig.wait_for_entry("thu")
    assert entry.outcome is Outcome.INTERRUPTED
    assert entry.aired_duration is not None
    assert abs(entry.aired_duration.total_seconds() - 2.0) < 0.2
    assert entry.error is not None and "Loa thử" in entry.error


def test_health_is_degraded_when_the_data_disk_is_nearly_full(
    settings: Settings, tmp_path: Path
) -> None:
    import shutil

    free_mb = shutil.disk_usage(tmp_path).free // 2**20
    for threshold, healthy in ((max(1, free_mb // 2), True), (free_mb + 1024, False)):
        rig = Rig(settings.model_copy(update={"disk_min_free_mb": threshold}), tmp_path)
        try:
            rig.station.startup()
            rig.settle()
            health = rig.station.health()
        finally:
            rig.close()
        [disk] = [c for c in health.components if c.name == "disk"]
        assert disk.ok is healthy and health.ok is healthy
        if not healthy:
            assert "sắp đầy" in disk.detail


def test_the_maximum_duration_cuts_a_long_program(rig: Rig) -> None:
    rig.add_program(text="Kính thưa bà con. " * 20)
    at = rig.at(10)
    slot = rig.one_off("thu", "tin", at)
    rig.store.slots.upsert(dataclasses.replace(slot, max_duration=timedelta(seconds=3)))
    rig.station.startup()
    entry = rig.wait_for_entry("thu")
    assert entry.outcome is Outcome.INTERRUPTED
    assert entry.aired_duration is not None
    # Cut at 3 s, then a 0.5 s fade.
    assert timedelta(seconds=3) <= entry.aired_duration <= timedelta(seconds=3.6)


def test_an_emergency_announcement_interrupts_a_normal_program(rig: Rig) -> None:
    rig.add_program("dai", text="Kính thưa bà con. " * 30)
    rig.add_program("khan", text="Thông báo khẩn.")
    at = rig.at(10)
    rig.one_off("thu", "dai", at)
    rig.station.startup()
    rig.until(lambda: rig.station.on_air())
    rig.advance(2)
    ordered = rig.station.announce("khan", Priority.EMERGENCY)
    [airing] = rig.until(lambda: [e for e in rig.announcement_entries(ordered.id)
                                  if e.outcome is not None] or None)
    normal = rig.wait_for_entry("thu")
    assert airing.outcome is Outcome.AIRED and airing.priority is Priority.EMERGENCY
    assert normal.outcome is Outcome.INTERRUPTED
    assert normal.end is not None and airing.actual_start is not None
    assert normal.end <= airing.actual_start  # faded out before the announcement began


@pytest.mark.parametrize(("grace", "outcome"), [(60.0, Outcome.LATE), (2.0, Outcome.MISSED)])
def test_a_normal_occurrence_waits_for_an_announcement_then_airs_late_or_is_missed(
    settings: Settings, tmp_path: Path, grace: float, outcome: Outcome
) -> None:
    rig = Rig(settings.model_copy(update={"grace_seconds": grace}), tmp_path)
    try:
        rig.add_program("khan", text="Thông báo khẩn. " * 6)  # longer than 2 s
        rig.add_program("tin")
        rig.station.startup()
        ordered = rig.station.announce("khan", Priority.EMERGENCY)
        rig.one_off("thu", "tin", ordered.starts[0] + timedelta(seconds=1))
        entry = rig.wait_for_entry("thu")
        [announced] = rig.until(
            lambda: [e for e in rig.announcement_entries(ordered.id) if e.outcome] or None
        )
    finally:
        rig.close()
    assert announced.outcome is Outcome.AIRED and announced.end is not None
    assert entry.outcome is outcome
    if outcome is Outcome.LATE:
        assert entry.actual_start is not None and entry.actual_start >= announced.end
    else:
        assert entry.actual_start is None


def test_an_announcement_cancelled_at_once_never_airs(rig: Rig) -> None:
    rig.add_program()
    rig.station.startup()
    announcement = rig.station.announce("tin", Priority.EMERGENCY)
    assert rig.station.cancel_announcement(announcement.id)
    rig.advance((announcement.starts[0] - rig.clock.now()).total_seconds() + 5)
    assert rig.announcement_entries(announcement.id) == []
    assert rig.sink.played == []
    assert rig.store.as_run.airtime_report(timezone="Asia/Ho_Chi_Minh") == []


def test_announcements_to_come_are_listed_until_cancelled(rig: Rig) -> None:
    rig.add_program()
    rig.station.startup()
    ordered = rig.station.announce("tin", Priority.EMERGENCY, repeat=3, every_minutes=30)
    [listed] = rig.station.announcements()
    assert listed.id == ordered.id and listed.priority is Priority.EMERGENCY
    assert listed.starts == ordered.starts  # none aired yet (the first is seconds away)
    assert rig.station.cancel_announcement(ordered.id)
    assert rig.station.announcements() == []


def test_repeats_air_each_at_their_time(rig: Rig) -> None:
    rig.add_program()
    rig.station.startup()
    ordered = rig.station.announce("tin", Priority.PRIORITY, repeat=2, every_minutes=1)
    entries = rig.until(
        lambda: [e for e in rig.announcement_entries(ordered.id) if e.outcome] or None
        if len(rig.announcement_entries(ordered.id)) == 2
        and all(e.outcome for e in rig.announcement_entries(ordered.id)) else None,
        limit=180,
    )
    assert [e.outcome for e in entries] == [Outcome.AIRED, Outcome.AIRED]
    assert [e.actual_start for e in entries] == ordered.starts


def test_a_repeat_interval_shorter_than_the_announcement_is_refused(rig: Rig) -> None:
    rig.add_program("dai", text="Kính thưa bà con. " * 60)  # longer than a minute
    rig.station.startup()
    with pytest.raises(ScheduleError) as caught:
        rig.station.announce("dai", Priority.EMERGENCY, repeat=3, every_minutes=1)
    assert caught.value.code == "repeat_shorter_than_program"
    assert rig.store.announcements.list() == []


def test_a_crash_in_one_air_job_is_logged_and_the_next_slot_airs(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig.add_program()
    rig.one_off("mot", "tin", rig.at(10))
    rig.one_off("hai", "tin", rig.at(20))
    real_prepare = rig.station.player.prepare
    calls = []

    def crash_once() -> None:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("bug")
        real_prepare()

    rig.station.startup()
    rig.settle()
    monkeypatch.setattr(rig.station.player, "prepare", crash_once)
    first = rig.wait_for_entry("mot")
    second = rig.wait_for_entry("hai")
    assert first.outcome is Outcome.FAILED and first.error == "Lỗi nội bộ khi phát."
    assert second.outcome is Outcome.AIRED


def test_a_crash_after_the_entry_is_opened_closes_it_failed_and_the_next_slot_airs(
    rig: Rig, monkeypatch: pytest.MonkeyPatch
) -> None:
    rig.add_program()
    rig.one_off("mot", "tin", rig.at(10))
    rig.one_off("hai", "tin", rig.at(20))
    real_source_for = rig.station.relays.source_for
    calls = []

    def fifo_fails_once(airing, path):  # e.g. os.mkfifo on a full /run
        calls.append(1)
        if len(calls) == 1:
            raise OSError(28, "No space left on device")
        return real_source_for(airing, path)

    rig.station.startup()
    rig.settle()
    monkeypatch.setattr(rig.station.relays, "source_for", fifo_fails_once)
    first = rig.wait_for_entry("mot")
    second = rig.wait_for_entry("hai")
    assert first.outcome is Outcome.FAILED and first.error == "Lỗi nội bộ khi phát."
    assert second.outcome is Outcome.AIRED
