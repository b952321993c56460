"""Announcements: programs ordered to air at once, possibly repeated."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from broadcast.errors import StoreError
from broadcast.scheduling.model import Announcement, Priority
from broadcast.store.base import Repository
from broadcast.store.models import AnnouncementRow
from broadcast.store.timetable import clusters_from_json, clusters_to_json, mark_changed


def _announcement(row: AnnouncementRow) -> Announcement:
    return Announcement(
        id=row.id,
        program_id=row.program_id,
        priority=Priority.parse(row.priority),
        first_start=row.first_start,
        repeat=row.repeat,
        every=timedelta(seconds=row.every_seconds),
        ordered_by=row.ordered_by,
        cancelled_at=row.cancelled_at,
        clusters=clusters_from_json(row.clusters),
    )


def announcement_not_found(announcement_id: int) -> StoreError:
    return StoreError(f"Không tìm thấy thông báo số {announcement_id}", code="not_found")


class AnnouncementRepo(Repository):
    def create(
        self,
        *,
        program_id: str,
        priority: Priority,
        first_start: datetime,
        repeat: int = 1,
        every: timedelta = timedelta(0),
        ordered_by: str = "",
        now: datetime | None = None,
        clusters: frozenset[str] | None = None,
    ) -> Announcement:
        """``clusters``: where it airs (None: every cluster)."""
        with self._session() as session:
            row = AnnouncementRow(
                program_id=program_id,
                priority=Priority.parse(priority).label,
                first_start=first_start,
                repeat=repeat,
                every_seconds=every.total_seconds(),
                ordered_by=ordered_by,
                created_at=self._now(now),
                clusters=clusters_to_json(clusters),
            )
            session.add(row)
            session.flush()
            mark_changed(session)
            return _announcement(row)

    def get(self, announcement_id: int) -> Announcement:
        with self._session() as session:
            row = session.get(AnnouncementRow, announcement_id)
            if row is None:
                raise announcement_not_found(announcement_id)
            return _announcement(row)

    def list(self, *, airing_since: datetime | None = None) -> list[Announcement]:
        """Announcements by first start; with ``airing_since``, only those whose last
        planned airing is not before it (cancelled ones included: their log stays)."""
        query = select(AnnouncementRow).order_by(AnnouncementRow.first_start, AnnouncementRow.id)
        with self._session() as session:
            found = [_announcement(r) for r in session.scalars(query)]
        if airing_since is None:
            return found
        return [a for a in found if a.last_start >= airing_since]

    def cancel(self, announcement_id: int, *, now: datetime | None = None) -> Announcement:
        """Drop the airings that have not started by ``now`` (idempotent)."""
        with self._session() as session:
            row = session.get(AnnouncementRow, announcement_id)
            if row is None:
                raise announcement_not_found(announcement_id)
            if row.cancelled_at is None:
                row.cancelled_at = self._now(now)
                mark_changed(session)
            return _announcement(row)
