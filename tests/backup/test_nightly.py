"""The nightly backup: when it is due (a pure rule), retention, and a failure reported as an
alert condition until a run succeeds again."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from broadcast.backup import nightly as nightly_module
from broadcast.backup import read_manifest
from broadcast.backup.nightly import NightlyBackup, due, expired
from broadcast.settings import Settings
from broadcast.store.store import open_store

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
AT = time(2, 30)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 11, day, hour, minute, tzinfo=TZ)


@pytest.mark.parametrize(
    ("now", "last_run", "expected"),
    [
        (local(21, 2, 29), local(20, 2, 30), False),  # not yet time today
        (local(21, 2, 30), local(20, 2, 30), True),  # time today, last run yesterday
        (local(21, 2, 31), local(21, 2, 30), False),  # already ran today
        (local(21, 9, 0), local(19, 2, 30), True),  # the station was off at 02:30
        (local(21, 1, 0), local(19, 2, 30), True),  # yesterday's run was missed
        (local(21, 1, 0), local(20, 2, 35), False),  # yesterday's ran; today's not due
        (local(21, 9, 0), None, True),  # never ran
    ],
)
def test_due(now: datetime, last_run: datetime | None, expected: bool) -> None:
    assert due(now.astimezone(UTC), AT, TZ, last_run) is expected


def test_expired_keeps_recent_ones_the_newest_always_and_ignores_other_files() -> None:
    names = [
        "loa-backup-20251101-023000.tar.gz",
        "loa-backup-20251110-023000.tar.gz",
        "loa-backup-20251120-023000.tar.gz",
        "loa-backup-20251121-023000.tar.gz",
        "ghi-chu.txt",
        "loa-backup-tay.tar.gz",
    ]
    assert expired(names, local(21, 3), 7, TZ) == [
        "loa-backup-20251101-023000.tar.gz", "loa-backup-20251110-023000.tar.gz"
    ]
    only_old = ["loa-backup-20240101-023000.tar.gz"]
    assert expired(only_old, local(21, 3), 7, TZ) == []  # the last backup is never deleted


def test_the_nightly_backup_runs_once_a_night_and_prunes(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, backup_time=AT, backup_keep_days=2,
                        engines=["fake"], load_example_timetable=False)
    store = open_store(settings.db_url)
    try:
        nightly = NightlyBackup(settings, store)
        backups = settings.backups_path
        backups.mkdir()
        (backups / "loa-backup-20251101-023000.tar.gz").write_bytes(b"an old one")
        (backups / "ghi-chu.txt").write_text("giữ lại", encoding="utf-8")
        assert nightly.run_if_due(local(21, 2, 0).astimezone(UTC)) is not None  # yesterday's
        first = nightly.run_if_due(local(21, 2, 31).astimezone(UTC))
        assert first is not None and first.path.name == "loa-backup-20251121-023100.tar.gz"
        assert read_manifest(first.path).database.kind == "sqlite"
        assert nightly.run_if_due(local(21, 3, 0).astimezone(UTC)) is None
        assert NightlyBackup(settings, store).run_if_due(local(21, 4).astimezone(UTC)) is None
        second = nightly.run_if_due(local(22, 2, 30).astimezone(UTC))
        assert second is not None
        left = sorted(p.name for p in backups.iterdir())
        assert "loa-backup-20251101-023000.tar.gz" not in left  # older than two days
        assert "ghi-chu.txt" in left and first.path.name in left and second.path.name in left
    finally:
        store.close()


def test_a_failed_nightly_backup_is_an_alert_condition_until_one_succeeds(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "khong-ghi-duoc"
    blocked.write_text("a file where the backup folder should be", encoding="utf-8")
    settings = Settings(data_dir=tmp_path / "data", backup_time=AT, backup_dir=blocked,
                        engines=["fake"], load_example_timetable=False)
    store = open_store(settings.db_url)
    try:
        nightly = NightlyBackup(settings, store)
        now = local(21, 2, 30).astimezone(UTC)
        assert nightly.conditions(now)[0].active is False
        assert nightly.run_if_due(now) is None
        [failed] = nightly.conditions(now)
        assert failed.active and failed.kind == "backup_failed"
        assert "Sao lưu hằng đêm không thành công" in failed.summary
        # A restart does not forget it (the error is kept in the database).
        assert NightlyBackup(settings, store).conditions(now)[0].active
        # Retried after an hour, not before.
        blocked.unlink()
        assert nightly.run_if_due(now + timedelta(minutes=30)) is None
        assert nightly.run_if_due(now + timedelta(minutes=61)) is not None
        assert nightly.conditions(now)[0].active is False
    finally:
        store.close()


def test_a_database_error_during_the_nightly_backup_is_an_alert_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = Settings(data_dir=tmp_path / "data", backup_time=AT, engines=["fake"],
                        load_example_timetable=False)
    store = open_store(settings.db_url)
    try:
        nightly = NightlyBackup(settings, store)

        def locked(*args: object, **kwargs: object) -> None:
            raise sqlite3.OperationalError("database is locked")

        monkeypatch.setattr(nightly_module, "create_backup", locked)
        now = local(21, 2, 30).astimezone(UTC)
        assert nightly.run_if_due(now) is None
        [failed] = nightly.conditions(now)
        assert failed.active and "database is locked" in failed.detail
        assert nightly.run_if_due(now + timedelta(minutes=5)) is None  # waits an hour
    finally:
        store.close()
