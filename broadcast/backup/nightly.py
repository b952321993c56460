"""The nightly backup: the station calls ``run_if_due(now)`` periodically; at the set time
of day (``BROADCAST_BACKUP_TIME``, local) it writes a backup to ``BROADCAST_BACKUP_DIR``
and deletes the ones older than ``BROADCAST_BACKUP_KEEP_DAYS`` (never the newest). A run
missed while the station was off happens at the next start. A failure is retried after
an hour and reported as an alert condition (:meth:`NightlyBackup.conditions`)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime, time, timedelta, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo

from broadcast.alerts.model import BACKUP_FAILED, Condition
from broadcast.backup.create import ARCHIVE_PREFIX, ARCHIVE_SUFFIX, BackupResult, create_backup
from broadcast.errors import BroadcastError
from broadcast.settings import Settings
from broadcast.store.store import Store
from broadcast.store.upkeep import MarkRepo

log = logging.getLogger(__name__)

LAST_RUN_MARK = "backup.nightly.last_run"
ERROR_MARK = "backup.nightly.error"
RETRY_AFTER = timedelta(hours=1)
_NAME = re.compile(
    re.escape(ARCHIVE_PREFIX) + r"(\d{8}-\d{6})" + re.escape(ARCHIVE_SUFFIX) + "$"
)


def due(now: datetime, at: time, tz: tzinfo, last_run: datetime | None) -> bool:
    """Whether the nightly backup should run now: its most recent scheduled instant has
    passed and no run happened since."""
    local = now.astimezone(tz)
    today = datetime.combine(local.date(), at, tzinfo=tz)
    latest = today if local >= today else today - timedelta(days=1)
    return last_run is None or last_run < latest


def expired(
    names: Iterable[str], now: datetime, keep_days: int, tz: tzinfo
) -> list[str]:
    """Backup file names (``loa-backup-YYYYmmdd-HHMMSS.tar.gz``) older than ``keep_days``;
    the newest is always kept, and other files are never named."""
    dated = []
    for name in names:
        match = _NAME.match(name)
        if match:
            taken = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S").replace(tzinfo=tz)
            dated.append((taken, name))
    dated.sort()
    limit = now - timedelta(days=keep_days)
    return [name for taken, name in dated[:-1] if taken < limit]


class NightlyBackup:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.marks = MarkRepo(store.sessions)
        self.tz = ZoneInfo(settings.timezone)
        self._failed_at: datetime | None = None

    @property
    def enabled(self) -> bool:
        return self.settings.backup_time is not None

    def run_if_due(self, now: datetime) -> BackupResult | None:
        at = self.settings.backup_time
        if at is None:
            return None
        last = self.marks.get(LAST_RUN_MARK)
        last_run = datetime.fromisoformat(last) if last else None
        if not due(now, at, self.tz, last_run):
            return None
        if self._failed_at is not None and now < self._failed_at + RETRY_AFTER:
            return None
        try:
            result = create_backup(self.settings, now)
        except Exception as exc:  # sqlite3 "database is locked", a pg_dump timeout, a bug…
            message = exc.message if isinstance(exc, BroadcastError) else f"{exc}"
            log.exception("nightly backup failed: %s", message)
            self._failed_at = now
            self.marks.set(ERROR_MARK, message, now)
            return None
        self._failed_at = None
        self.marks.set(LAST_RUN_MARK, now.isoformat(), now)
        self.marks.set(ERROR_MARK, None, now)
        log.info("nightly backup written: %s (%d bytes)", result.path, result.size)
        self.prune(now)
        return result

    def prune(self, now: datetime) -> list[Path]:
        folder = self.settings.backups_path
        if not folder.is_dir():
            return []
        names = [p.name for p in folder.iterdir() if p.is_file()]
        removed = []
        for name in expired(names, now, self.settings.backup_keep_days, self.tz):
            (folder / name).unlink(missing_ok=True)
            removed.append(folder / name)
        if removed:
            log.info("removed %d backups older than %d days", len(removed),
                     self.settings.backup_keep_days)
        return removed

    def conditions(self, now: datetime) -> list[Condition]:
        """For the alert monitor: whether the last nightly backup failed."""
        if not self.enabled:
            return []
        error = self.marks.get(ERROR_MARK)
        return [Condition(
            key="backup", kind=BACKUP_FAILED, active=bool(error),
            summary="Sao lưu hằng đêm không thành công",
            detail=f"Lý do: {error}. Dữ liệu của trạm phát chưa được sao lưu; thử lại sau một "
            f"giờ. Thư mục sao lưu: {self.settings.backups_path}.",
            recovery="Sao lưu hằng đêm đã thành công trở lại.",
        )]
