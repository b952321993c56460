"""The columns (chuyên mục): one list, by position, each with a Vietnamese name."""

from __future__ import annotations

import unicodedata
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from broadcast.columns import KNOWN_NAMES, Column, column_id, default_name, is_slug
from broadcast.errors import StoreError
from broadcast.store.base import Repository
from broadcast.store.models import AsRunRow, ColumnRow, ProgramRow, ScriptRow


def _column(row: ColumnRow) -> Column:
    return Column(id=row.id, name=row.name)


def column_not_found(ident: str) -> StoreError:
    return StoreError(f"Không có chuyên mục «{ident}».", code="not_found")


def _clean_name(name: str) -> str:
    name = " ".join(unicodedata.normalize("NFC", name).split())
    if not name or not any(ch.isalnum() for ch in name):
        raise StoreError("Tên chuyên mục không được để trống.", code="invalid_value")
    if len(name) > 200:
        raise StoreError("Tên chuyên mục quá dài (tối đa 200 ký tự).", code="invalid_value")
    return name


class ColumnRepo(Repository):
    def list(self) -> list[Column]:
        with self._session() as session:
            rows = session.scalars(select(ColumnRow).order_by(ColumnRow.position, ColumnRow.name))
            return [_column(r) for r in rows]

    def names(self) -> dict[str, str]:
        """Column id -> name, for showing topics."""
        return {c.id: c.name for c in self.list()}

    def find(self, ident: str) -> Column | None:
        with self._session() as session:
            row = session.get(ColumnRow, ident)
            return None if row is None else _column(row)

    def get(self, ident: str) -> Column:
        found = self.find(ident)
        if found is None:
            raise column_not_found(ident)
        return found

    def create(self, name: str, *, now: datetime | None = None) -> Column:
        """A new column named ``name`` (its id is the name's slug); ``duplicate_id`` if a
        column with that name or slug exists."""
        name = _clean_name(name)
        with self._session() as session:
            return self._create(name, now, session=session)

    def resolve(self, text: str, *, now: datetime | None = None) -> str:
        """The id of the column ``text`` names (an id, or a name in any case), creating the
        column if there is none yet ("" stays "": no column)."""
        try:
            return self._resolve_once(text, now)
        except StoreError as exc:
            if exc.code not in ("duplicate_id", "conflict"):  # our look, or the unique index
                raise
            # A parallel request (three editors posting to a new column at once) created it
            # between our look and our insert: it is there now.
            return self._resolve_once(text, now)

    def _resolve_once(self, text: str, now: datetime | None) -> str:
        text = " ".join(unicodedata.normalize("NFC", text or "").split())
        if not text:
            return ""
        with self._session() as session:
            row = session.get(ColumnRow, text)
            if row is None:
                row = session.scalars(
                    select(ColumnRow).where(func.lower(ColumnRow.name) == text.lower())
                ).first()
            if row is None:
                ident = column_id(text)
                if not ident:
                    raise StoreError(
                        f"Tên chuyên mục «{text}» không có chữ nào.", code="invalid_value"
                    )
                row = session.get(ColumnRow, ident)
            if row is not None:
                return row.id
            name = KNOWN_NAMES.get(text) or (default_name(text) if is_slug(text) else text)
            return self._create(_clean_name(name), session=session, now=now).id

    def rename(self, ident: str, name: str) -> Column:
        name = _clean_name(name)
        with self._session() as session:
            row = session.get(ColumnRow, ident)
            if row is None:
                raise column_not_found(ident)
            other = session.scalars(
                select(ColumnRow).where(func.lower(ColumnRow.name) == name.lower(),
                                        ColumnRow.id != ident)
            ).first()
            if other is not None:
                raise StoreError(f"Đã có chuyên mục «{other.name}».", code="duplicate_id")
            row.name = name
            return _column(row)

    def delete(self, ident: str) -> None:
        """Refused (``column_in_use``) while a script, a program or the log names it."""
        with self._session() as session:
            row = session.get(ColumnRow, ident)
            if row is None:
                raise column_not_found(ident)
            used = [
                what for what, model in (("bài viết", ScriptRow), ("chương trình", ProgramRow),
                                         ("nhật ký phát sóng", AsRunRow))
                if session.scalar(select(func.count()).select_from(model)
                                  .where(model.topic == ident))
            ]
            if used:
                raise StoreError(
                    f"Chuyên mục «{row.name}» đang được dùng trong {', '.join(used)}: "
                    "không xoá được (có thể đổi tên).",
                    code="column_in_use",
                )
            session.delete(row)

    def _create(
        self, name: str, now: datetime | None = None, *, session: Session | None = None
    ) -> Column:
        if session is None:
            with self._session() as own:
                return self._create(name, now, session=own)
        ident = column_id(name)
        if not ident:
            raise StoreError(f"Tên chuyên mục «{name}» không có chữ nào.", code="invalid_value")
        clash = session.scalars(
            select(ColumnRow).where(or_(ColumnRow.id == ident,
                                        func.lower(ColumnRow.name) == name.lower()))
        ).first()
        if clash is not None:
            raise StoreError(f"Đã có chuyên mục «{clash.name}».", code="duplicate_id")
        position = int(session.scalar(select(func.coalesce(func.max(ColumnRow.position), -1)))
                       or 0) + 1
        row = ColumnRow(id=ident, name=name, position=position, created_at=self._now(now))
        session.add(row)
        session.flush()
        return _column(row)
