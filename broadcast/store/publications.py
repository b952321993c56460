"""Publications: what aired, made public as an MP3 with its transcript (podcast feeds and the
"Nghe lại" page), until it expires or an editor withdraws it.

One row per as-run entry the publisher looked at and took: ``published`` (public),
``withdrawn`` (taken down by an editor), ``expired`` (past the retention), or ``failed`` (the
MP3 could not be made; kept so that it is not tried again every minute, and so that editors
see why). Only ``published`` rows within the retention are ever public.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    Index,
    Integer,
    Select,
    String,
    Text,
    func,
    select,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, Session, mapped_column

from broadcast.errors import StoreError
from broadcast.store.base import Repository
from broadcast.store.models import Base
from broadcast.store.types import UTCDateTime

PublicationStatus = Literal["published", "withdrawn", "expired", "failed"]
STATUSES: tuple[PublicationStatus, ...] = ("published", "withdrawn", "expired", "failed")


class PublicationRow(Base):
    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # The as-run entry that aired (no foreign key: like renders, the log's rows are kept).
    as_run_id: Mapped[int] = mapped_column(Integer, unique=True)
    slug: Mapped[str] = mapped_column(String(200), unique=True)  # in public addresses
    guid: Mapped[str] = mapped_column(String(64), unique=True)  # the feed item's stable id
    status: Mapped[str] = mapped_column(String(20))
    topic: Mapped[str] = mapped_column(String(100), default="", index=True)
    program_id: Mapped[str] = mapped_column(String(100))
    program_title: Mapped[str] = mapped_column(String(300), default="")
    title: Mapped[str] = mapped_column(String(400))
    announcement: Mapped[bool] = mapped_column(Boolean, default=False)
    aired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    aired_seconds: Mapped[float | None] = mapped_column(Float)  # airtime in the as-run log
    render_id: Mapped[int | None] = mapped_column(Integer)
    audio_file: Mapped[str | None] = mapped_column(String(300))  # name in the published folder
    audio_bytes: Mapped[int | None] = mapped_column(Integer)
    duration_seconds: Mapped[float | None] = mapped_column(Float)  # of the MP3
    # [{"script_id", "revision", "title", "text"}], in the order the program reads them.
    transcript: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(100))
    withdrawal_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        CheckConstraint(
            "status IN ('published', 'withdrawn', 'expired', 'failed')", name="status"
        ),
        Index("ix_publications_status_aired_at", "status", "aired_at"),
    )


@dataclass(frozen=True)
class TranscriptPart:
    """The text of one script as it aired."""

    title: str
    text: str
    script_id: int | None = None  # None: a script file, not a stored script
    revision: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "script_id": self.script_id, "revision": self.revision,
            "title": self.title, "text": self.text,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> TranscriptPart:
        return cls(
            title=str(data.get("title") or ""),
            text=str(data.get("text") or ""),
            script_id=data.get("script_id"),
            revision=data.get("revision"),
        )


@dataclass(frozen=True)
class Publication:
    id: int
    as_run_id: int
    slug: str
    guid: str
    status: PublicationStatus
    topic: str
    program_id: str
    program_title: str
    title: str
    announcement: bool
    aired_at: datetime
    aired_seconds: float | None
    render_id: int | None
    audio_file: str | None
    audio_bytes: int | None
    duration_seconds: float | None
    transcript: tuple[TranscriptPart, ...]
    error: str | None
    created_at: datetime
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawal_reason: str | None

    @property
    def text(self) -> str:
        """The whole transcript as plain text, parts separated by a blank line."""
        return "\n\n".join(p.text.strip() for p in self.transcript if p.text.strip())

    def is_public(self, since: datetime) -> bool:
        """Shown to anyone: published, and aired within the retention (``since`` on); the
        same rule as the public queries (``PublicationRepo._public``)."""
        return self.status == "published" and self.aired_at >= since


def _publication(row: PublicationRow) -> Publication:
    status: PublicationStatus = row.status if row.status in STATUSES else "failed"
    return Publication(
        id=row.id,
        as_run_id=row.as_run_id,
        slug=row.slug,
        guid=row.guid,
        status=status,
        topic=row.topic,
        program_id=row.program_id,
        program_title=row.program_title,
        title=row.title,
        announcement=row.announcement,
        aired_at=row.aired_at,
        aired_seconds=row.aired_seconds,
        render_id=row.render_id,
        audio_file=row.audio_file,
        audio_bytes=row.audio_bytes,
        duration_seconds=row.duration_seconds,
        transcript=tuple(TranscriptPart.from_json(p) for p in row.transcript or ()),
        error=row.error,
        created_at=row.created_at,
        withdrawn_at=row.withdrawn_at,
        withdrawn_by=row.withdrawn_by,
        withdrawal_reason=row.withdrawal_reason,
    )


def publication_not_found(what: int | str) -> StoreError:
    return StoreError(f"Không tìm thấy bài đã xuất bản {what}", code="not_found")


class PublicationRepo(Repository):
    def add(
        self,
        *,
        as_run_id: int,
        slug: str,
        status: PublicationStatus,
        topic: str,
        program_id: str,
        program_title: str,
        title: str,
        aired_at: datetime,
        announcement: bool = False,
        aired_seconds: float | None = None,
        render_id: int | None = None,
        audio_file: str | None = None,
        audio_bytes: int | None = None,
        duration_seconds: float | None = None,
        transcript: Sequence[TranscriptPart] = (),
        error: str | None = None,
        now: datetime | None = None,
    ) -> Publication:
        """Record what the publisher did with one as-run entry. ``slug`` is made unique by a
        suffix if taken; ``duplicate_entry`` if the entry already has a publication."""
        if status not in STATUSES:
            raise StoreError(f"Trạng thái xuất bản không hợp lệ: {status!r}", code="invalid")
        with self._session() as session:
            if session.scalar(
                select(PublicationRow.id).where(PublicationRow.as_run_id == as_run_id)
            ) is not None:
                raise _already_published(as_run_id)
            row = PublicationRow(
                as_run_id=as_run_id,
                slug=_free_slug(session, slug),
                guid=str(uuid.uuid4()),
                status=status,
                topic=topic,
                program_id=program_id,
                program_title=program_title,
                title=title,
                announcement=announcement,
                aired_at=aired_at,
                aired_seconds=aired_seconds,
                render_id=render_id,
                audio_file=audio_file,
                audio_bytes=audio_bytes,
                duration_seconds=duration_seconds,
                transcript=[p.to_json() for p in transcript],
                error=error,
                created_at=self._now(now),
            )
            session.add(row)
            try:
                session.flush()
            except IntegrityError as exc:  # added concurrently since the check above
                raise _already_published(as_run_id) from exc
            return _publication(row)

    def get(self, publication_id: int) -> Publication:
        with self._session() as session:
            row = session.get(PublicationRow, publication_id)
            if row is None:
                raise publication_not_found(publication_id)
            return _publication(row)

    def by_slug(self, slug: str) -> Publication | None:
        with self._session() as session:
            row = session.scalars(
                select(PublicationRow).where(PublicationRow.slug == slug)
            ).one_or_none()
            return None if row is None else _publication(row)

    def as_run_ids(self, since: datetime) -> set[int]:
        """The as-run entries (aired since ``since``) the publisher already handled."""
        query = select(PublicationRow.as_run_id).where(PublicationRow.aired_at >= since)
        with self._session() as session:
            return set(session.scalars(query))

    def list(
        self,
        *,
        status: PublicationStatus | None = None,
        topic: str | None = None,
        limit: int = 200,
        offset: int = 0,
    ) -> builtins.list[Publication]:
        """Every publication (any status), newest aired first: what editors see."""
        query = select(PublicationRow)
        if status is not None:
            query = query.where(PublicationRow.status == status)
        if topic is not None:
            query = query.where(PublicationRow.topic == topic)
        query = query.order_by(PublicationRow.aired_at.desc(), PublicationRow.id.desc())
        with self._session() as session:
            rows = session.scalars(query.offset(offset).limit(limit))
            return [_publication(r) for r in rows]

    def public(
        self,
        *,
        since: datetime,
        topics: Sequence[str] | None = None,
        aired_from: datetime | None = None,
        aired_until: datetime | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> builtins.list[Publication]:
        """Published items aired since ``since`` (the retention), newest first, optionally
        only of ``topics`` and aired in [aired_from, aired_until)."""
        query = self._public(since, topics, aired_from, aired_until)
        query = query.order_by(PublicationRow.aired_at.desc(), PublicationRow.id.desc())
        with self._session() as session:
            return [_publication(r) for r in session.scalars(query.offset(offset).limit(limit))]

    def count_public(
        self,
        *,
        since: datetime,
        topics: Sequence[str] | None = None,
        aired_from: datetime | None = None,
        aired_until: datetime | None = None,
    ) -> int:
        query = self._public(since, topics, aired_from, aired_until)
        counted = select(func.count()).select_from(query.subquery())
        with self._session() as session:
            return int(session.scalar(counted) or 0)

    def public_topics(self, *, since: datetime) -> builtins.list[str]:
        """The topics that have something public, sorted."""
        query = (
            select(PublicationRow.topic)
            .where(PublicationRow.status == "published", PublicationRow.aired_at >= since)
            .distinct()
        )
        with self._session() as session:
            return sorted(session.scalars(query))

    def withdraw(
        self,
        publication_id: int,
        *,
        by: str,
        reason: str = "",
        now: datetime | None = None,
    ) -> Publication:
        """Take an item down. Withdrawing a withdrawn item changes nothing."""
        with self._session() as session:
            row = session.get(PublicationRow, publication_id)
            if row is None:
                raise publication_not_found(publication_id)
            if row.status == "withdrawn":
                return _publication(row)
            row.status = "withdrawn"
            row.withdrawn_at = self._now(now)
            row.withdrawn_by = by
            row.withdrawal_reason = reason or None
            return _publication(row)

    def expire(self, *, before: datetime) -> builtins.list[Publication]:
        """Mark published items aired before ``before`` expired; returns them (so that their
        files can be deleted)."""
        query = select(PublicationRow).where(
            PublicationRow.status == "published", PublicationRow.aired_at < before
        )
        with self._session() as session:
            rows = list(session.scalars(query))
            for row in rows:
                row.status = "expired"
            return [_publication(r) for r in rows]

    def audio_files(self) -> set[str]:
        """The audio file names of published items (everything else in the folder is not
        public and may be deleted)."""
        query = select(PublicationRow.audio_file).where(
            PublicationRow.status == "published", PublicationRow.audio_file.is_not(None)
        )
        with self._session() as session:
            return {name for name in session.scalars(query) if name}

    @staticmethod
    def _public(
        since: datetime,
        topics: Sequence[str] | None,
        aired_from: datetime | None,
        aired_until: datetime | None,
    ) -> Select[Any]:
        query = select(PublicationRow).where(
            PublicationRow.status == "published", PublicationRow.aired_at >= since
        )
        if topics is not None:
            query = query.where(PublicationRow.topic.in_(list(topics)))
        if aired_from is not None:
            query = query.where(PublicationRow.aired_at >= aired_from)
        if aired_until is not None:
            query = query.where(PublicationRow.aired_at < aired_until)
        return query


def _already_published(as_run_id: int) -> StoreError:
    return StoreError(
        f"Buổi phát số {as_run_id} trong nhật ký đã được xuất bản", code="duplicate_entry"
    )


def _free_slug(session: Session, wanted: str) -> str:
    taken = set(
        session.scalars(
            select(PublicationRow.slug).where(PublicationRow.slug.like(f"{wanted}%"))
        )
    )
    if wanted not in taken:
        return wanted
    n = 2
    while f"{wanted}-{n}" in taken:
        n += 1
    return f"{wanted}-{n}"
