"""The station lexicon: readings an editor proposed for words the voices misread, confirmed
(or refused) by an approver. Approved readings are used by every later render."""

from __future__ import annotations

import builtins
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from broadcast.errors import StoreError
from broadcast.store.base import Repository
from broadcast.store.voice_models import LexiconEntryRow

LexiconStatus = Literal["proposed", "approved", "rejected", "retired"]


@dataclass(frozen=True)
class LexiconEntry:
    id: int
    word: str
    reading: str
    status: LexiconStatus
    note: str | None
    script_id: int | None
    proposed_by: str | None
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None


def _entry(row: LexiconEntryRow) -> LexiconEntry:
    status: LexiconStatus = row.status  # type: ignore[assignment]
    return LexiconEntry(
        id=row.id,
        word=row.word,
        reading=row.reading,
        status=status,
        note=row.note,
        script_id=row.script_id,
        proposed_by=row.proposed_by,
        proposed_at=row.proposed_at,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
    )


def entry_not_found(entry_id: int) -> StoreError:
    return StoreError(f"Không tìm thấy đề xuất cách đọc số {entry_id}", code="not_found")


class LexiconRepo(Repository):
    def propose(
        self,
        *,
        word: str,
        reading: str,
        by: str | None,
        note: str | None = None,
        script_id: int | None = None,
        now: datetime | None = None,
    ) -> LexiconEntry:
        """A reading for ``word`` waiting for an approver."""
        with self._session() as session:
            row = LexiconEntryRow(
                word=word,
                reading=reading,
                status="proposed",
                note=note,
                script_id=script_id,
                proposed_by=by,
                proposed_at=self._now(now),
            )
            session.add(row)
            session.flush()
            return _entry(row)

    def get(self, entry_id: int) -> LexiconEntry:
        with self._session() as session:
            return _entry(self._row(session, entry_id))

    def list(self, status: LexiconStatus | None = None) -> builtins.list[LexiconEntry]:
        query = select(LexiconEntryRow).order_by(LexiconEntryRow.id)
        if status is not None:
            query = query.where(LexiconEntryRow.status == status)
        with self._session() as session:
            return [_entry(row) for row in session.scalars(query)]

    def approve(self, entry_id: int, *, by: str, now: datetime | None = None) -> LexiconEntry:
        """Confirm a proposed reading into the lexicon; the word's previous reading retires."""
        now = self._now(now)
        with self._session() as session:
            row = self._row(session, entry_id, for_update=True)
            if row.status == "approved":
                return _entry(row)
            if row.status != "proposed":
                raise StoreError(
                    f"Đề xuất số {entry_id} đã được xử lý (trạng thái: {row.status}), "
                    "không duyệt được nữa",
                    code="lexicon_entry_closed",
                )
            previous = session.scalars(
                select(LexiconEntryRow).where(
                    LexiconEntryRow.word == row.word, LexiconEntryRow.status == "approved"
                )
            )
            for old in previous:
                old.status = "retired"
                old.decided_by = by
                old.decided_at = now
            row.status = "approved"
            row.decided_by = by
            row.decided_at = now
            return _entry(row)

    def reject(self, entry_id: int, *, by: str, now: datetime | None = None) -> LexiconEntry:
        with self._session() as session:
            row = self._row(session, entry_id, for_update=True)
            if row.status != "proposed":
                raise StoreError(
                    f"Chỉ từ chối được đề xuất đang chờ duyệt (số {entry_id}: {row.status})",
                    code="lexicon_entry_closed",
                )
            row.status = "rejected"
            row.decided_by = by
            row.decided_at = self._now(now)
            return _entry(row)

    def retire(self, entry_id: int, *, by: str, now: datetime | None = None) -> LexiconEntry:
        """Take an approved reading out of use (renders go back to the default reading)."""
        with self._session() as session:
            row = self._row(session, entry_id, for_update=True)
            if row.status not in ("approved", "proposed"):
                raise StoreError(
                    f"Cách đọc số {entry_id} không còn dùng (trạng thái: {row.status})",
                    code="lexicon_entry_closed",
                )
            row.status = "retired" if row.status == "approved" else "rejected"
            row.decided_by = by
            row.decided_at = self._now(now)
            return _entry(row)

    def approved_readings(self) -> dict[str, str]:
        """Word -> reading of every approved entry (the newest wins, though there is one)."""
        query = (
            select(LexiconEntryRow.word, LexiconEntryRow.reading)
            .where(LexiconEntryRow.status == "approved")
            .order_by(LexiconEntryRow.decided_at, LexiconEntryRow.id)
        )
        with self._session() as session:
            return {word: reading for word, reading in session.execute(query)}

    def fingerprint(self) -> str:
        """Changes whenever the approved readings change (part of the render content hash)."""
        readings = sorted(self.approved_readings().items())
        blob = json.dumps(readings, ensure_ascii=False).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()

    @staticmethod
    def _row(session: Session, entry_id: int, *, for_update: bool = False) -> LexiconEntryRow:
        query = select(LexiconEntryRow).where(LexiconEntryRow.id == entry_id)
        if for_update:
            query = query.with_for_update()
        row = session.scalars(query).one_or_none()
        if row is None:
            raise entry_not_found(entry_id)
        return row
