"""Scripts (tin bài) with their revisions and approval."""

from __future__ import annotations

import builtins
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final, Literal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from broadcast.errors import StoreError
from broadcast.store.base import Repository
from broadcast.store.models import ProgramRow, ScriptRevisionRow, ScriptRow

ScriptStatus = Literal["draft", "approved"]


class _Unset(enum.Enum):
    UNSET = "unset"


UNSET: Final = _Unset.UNSET


@dataclass(frozen=True)
class ScriptRecord:
    id: int
    title: str
    topic: str
    text: str
    voice: str | None
    engine: str | None
    status: ScriptStatus
    revision: int
    approved_by: str | None
    approved_at: datetime | None
    approved_revision: int | None
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    air_date: date | None = None  # a bulletin of the day: the date it airs on

    @property
    def approved(self) -> bool:
        return self.status == "approved"


@dataclass(frozen=True)
class ScriptRevision:
    script_id: int
    number: int
    title: str
    topic: str
    text: str
    voice: str | None
    engine: str | None
    edited_by: str | None
    created_at: datetime
    approved_by: str | None
    approved_at: datetime | None


def _record(row: ScriptRow) -> ScriptRecord:
    status: ScriptStatus = "approved" if row.status == "approved" else "draft"
    return ScriptRecord(
        id=row.id,
        title=row.title,
        topic=row.topic,
        text=row.text,
        voice=row.voice,
        engine=row.engine,
        status=status,
        revision=row.revision,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
        approved_revision=row.approved_revision,
        created_by=row.created_by,
        created_at=row.created_at,
        updated_at=row.updated_at,
        air_date=row.air_date,
    )


def _revision(row: ScriptRevisionRow) -> ScriptRevision:
    return ScriptRevision(
        script_id=row.script_id,
        number=row.number,
        title=row.title,
        topic=row.topic,
        text=row.text,
        voice=row.voice,
        engine=row.engine,
        edited_by=row.edited_by,
        created_at=row.created_at,
        approved_by=row.approved_by,
        approved_at=row.approved_at,
    )


class RevisionChanged(StoreError):
    """The approver read another revision than the current one."""

    def __init__(self, script_id: int, *, read: int, current: int) -> None:
        edited = "được sửa" if current > read else "thay đổi"
        super().__init__(
            f"Tin bài số {script_id} đã {edited} sau khi bạn đọc: bạn đọc bản sửa số {read}, "
            f"bản hiện tại là số {current}. Hãy đọc lại bản hiện tại rồi mới duyệt.",
            code="revision_changed",
        )
        self.current_revision = current
        self.read_revision = read


def script_not_found(script_id: int) -> StoreError:
    return StoreError(f"Không tìm thấy tin bài số {script_id}", code="not_found")


class ScriptRepo(Repository):
    """Scripts: every edit keeps the previous text as a revision; editing an approved script
    sends it back to draft; who approved which revision, and when, is recorded."""

    def create(
        self,
        *,
        title: str,
        text: str,
        topic: str = "",
        voice: str | None = None,
        engine: str | None = None,
        by: str | None = None,
        now: datetime | None = None,
        air_date: date | None = None,
    ) -> ScriptRecord:
        now = self._now(now)
        with self._session() as session:
            row = ScriptRow(
                title=title,
                topic=topic,
                text=text,
                voice=voice,
                engine=engine,
                air_date=air_date,
                status="draft",
                revision=1,
                created_by=by,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            session.add(_revision_row(row, edited_by=by, now=now))
            return _record(row)

    def find(self, script_id: int) -> ScriptRecord | None:
        try:
            return self.get(script_id)
        except StoreError as exc:
            if exc.code != "not_found":
                raise
            return None

    def get(self, script_id: int) -> ScriptRecord:
        with self._session() as session:
            return _record(self._row(session, script_id))

    def list(
        self,
        *,
        topic: str | None = None,
        status: ScriptStatus | None = None,
        air_date: date | None = None,
    ) -> list[ScriptRecord]:
        query = select(ScriptRow).order_by(ScriptRow.id)
        if topic is not None:
            query = query.where(ScriptRow.topic == topic)
        if air_date is not None:
            query = query.where(ScriptRow.air_date == air_date)
        if status is not None:
            query = query.where(ScriptRow.status == status)
        with self._session() as session:
            return [_record(row) for row in session.scalars(query)]

    def update(
        self,
        script_id: int,
        *,
        title: str | _Unset = UNSET,
        text: str | _Unset = UNSET,
        topic: str | _Unset = UNSET,
        voice: str | None | _Unset = UNSET,
        engine: str | None | _Unset = UNSET,
        air_date: date | None | _Unset = UNSET,
        by: str | None = None,
        now: datetime | None = None,
    ) -> ScriptRecord:
        """Apply the given changes as a new revision. A change back to draft clears the
        approval; an update that changes nothing keeps the script (and approval) as it is.
        Moving a bulletin to another date (``air_date``) is not a change of what is heard:
        it keeps the approval."""
        now = self._now(now)
        with self._session() as session:
            row = self._row(session, script_id, for_update=True)
            if air_date is not UNSET:
                row.air_date = air_date
            changed = False
            for field, value in (
                ("title", title),
                ("text", text),
                ("topic", topic),
                ("voice", voice),
                ("engine", engine),
            ):
                if value is not UNSET and getattr(row, field) != value:
                    setattr(row, field, value)
                    changed = True
            if not changed:
                return _record(row)
            row.revision += 1
            row.updated_at = now
            row.status = "draft"
            row.approved_by = None
            row.approved_at = None
            row.approved_revision = None
            session.add(_revision_row(row, edited_by=by, now=now))
            return _record(row)

    def approve(
        self,
        script_id: int,
        *,
        by: str,
        revision: int | None = None,
        now: datetime | None = None,
    ) -> ScriptRecord:
        """Approve the current revision; with ``revision``, only if that is still the current
        one (what the approver read), else ``RevisionChanged``. Approving an approved script
        is a no-op."""
        now = self._now(now)
        with self._session() as session:
            row = self._row(session, script_id, for_update=True)
            if revision is not None and revision != row.revision:
                raise RevisionChanged(script_id, read=revision, current=row.revision)
            if row.status == "approved":
                return _record(row)
            row.status = "approved"
            row.approved_by = by
            row.approved_at = now
            row.approved_revision = row.revision
            approved = session.scalars(
                select(ScriptRevisionRow).where(
                    ScriptRevisionRow.script_id == script_id,
                    ScriptRevisionRow.number == row.revision,
                )
            ).one()
            approved.approved_by = by
            approved.approved_at = now
            return _record(row)

    def revisions(self, script_id: int) -> builtins.list[ScriptRevision]:
        """Every revision, oldest first (the last one is the current text)."""
        with self._session() as session:
            self._row(session, script_id)
            rows = session.scalars(
                select(ScriptRevisionRow)
                .where(ScriptRevisionRow.script_id == script_id)
                .order_by(ScriptRevisionRow.number)
            )
            return [_revision(r) for r in rows]

    def last_approved_revision(self, script_id: int) -> ScriptRevision | None:
        """The newest revision an approver approved (the current one when approved)."""
        with self._session() as session:
            row = session.scalars(
                select(ScriptRevisionRow)
                .where(ScriptRevisionRow.script_id == script_id,
                       ScriptRevisionRow.approved_at.is_not(None))
                .order_by(ScriptRevisionRow.number.desc())
                .limit(1)
            ).first()
            return None if row is None else _revision(row)

    def bulletins(
        self, topic: str, *, on: date | None = None, before: date | None = None
    ) -> builtins.list[ScriptRecord]:
        """Bulletins of a column: those for the date ``on``, or those dated before
        ``before``; newest date first, then newest script first."""
        query = select(ScriptRow).where(ScriptRow.topic == topic, ScriptRow.air_date.is_not(None))
        if on is not None:
            query = query.where(ScriptRow.air_date == on)
        if before is not None:
            query = query.where(ScriptRow.air_date < before)
        query = query.order_by(ScriptRow.air_date.desc(), ScriptRow.id.desc())
        with self._session() as session:
            return [_record(r) for r in session.scalars(query.limit(50))]

    def revision(self, script_id: int, number: int) -> ScriptRevision:
        with self._session() as session:
            row = session.scalars(
                select(ScriptRevisionRow).where(
                    ScriptRevisionRow.script_id == script_id, ScriptRevisionRow.number == number
                )
            ).one_or_none()
            if row is None:
                raise StoreError(
                    f"Tin bài số {script_id} không có phiên bản {number}", code="not_found"
                )
            return _revision(row)

    def delete(self, script_id: int) -> None:
        """Delete a script and its revisions; refused while a program still uses it."""
        with self._session() as session:
            row = self._row(session, script_id)
            users = _programs_using(session.scalars(select(ProgramRow)), script_id)
            if users:
                raise StoreError(
                    f"Tin bài số {script_id} đang được dùng trong chương trình "
                    f"{', '.join(users)}: hãy bỏ nó khỏi chương trình trước khi xoá",
                    code="script_in_use",
                )
            session.delete(row)

    def count(self) -> int:
        with self._session() as session:
            return int(session.scalar(select(func.count()).select_from(ScriptRow)) or 0)

    @staticmethod
    def _row(session: Session, script_id: int, *, for_update: bool = False) -> ScriptRow:
        query = select(ScriptRow).where(ScriptRow.id == script_id)
        if for_update:
            query = query.with_for_update()
        row = session.scalars(query).one_or_none()
        if row is None:
            raise script_not_found(script_id)
        return row


def _revision_row(row: ScriptRow, *, edited_by: str | None, now: datetime) -> ScriptRevisionRow:
    return ScriptRevisionRow(
        script_id=row.id,
        number=row.revision,
        title=row.title,
        topic=row.topic,
        text=row.text,
        voice=row.voice,
        engine=row.engine,
        edited_by=edited_by,
        created_at=now,
    )


def _programs_using(programs: Iterable[ProgramRow], script_id: int) -> list[str]:
    users: list[str] = []
    for program in programs:
        for segment in program.segments:
            if segment.get("kind") == "script" and segment.get("script_id") == script_id:
                users.append(program.id)
                break
    return users
