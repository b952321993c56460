"""Repositories of the upkeep tables: alert state (with what was delivered to whom) and
named marks kept between runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from broadcast.store.base import Repository
from broadcast.store.ops_models import AlertRow, OpsMarkRow

PHASES = ("open", "close")


@dataclass(frozen=True)
class AlertRecord:
    id: int
    key: str
    kind: str
    summary: str
    detail: str
    opened_at: datetime
    closed_at: datetime | None
    close_summary: str | None
    deliveries: Mapping[str, Mapping[str, str]]  # phase -> notifier -> ISO time sent

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    def delivered(self, phase: str, notifier: str) -> bool:
        return notifier in self.deliveries.get(phase, {})


@dataclass(frozen=True)
class NewAlert:
    key: str
    kind: str
    summary: str
    detail: str = ""
    recovery: str | None = None  # set: it cleared already (recorded as opened and closed)


@dataclass(frozen=True)
class ClearedAlert:
    key: str
    recovery: str


def _record(row: AlertRow) -> AlertRecord:
    return AlertRecord(
        id=row.id, key=row.key, kind=row.kind, summary=row.summary, detail=row.detail,
        opened_at=row.opened_at, closed_at=row.closed_at, close_summary=row.close_summary,
        deliveries={k: dict(v) for k, v in (row.deliveries or {}).items()},
    )


class AlertRepo(Repository):
    def known(self, keys: Iterable[str] = ()) -> list[AlertRecord]:
        """Every open alert, and every alert (open or closed) with one of ``keys``."""
        wanted = sorted(set(keys))
        condition: ColumnElement[bool] = AlertRow.closed_at.is_(None)
        if wanted:
            condition = or_(condition, AlertRow.key.in_(wanted))
        with self._session() as session:
            rows = session.scalars(select(AlertRow).where(condition).order_by(AlertRow.id))
            return [_record(r) for r in rows]

    def recent(self, limit: int = 50) -> list[AlertRecord]:
        """Open alerts first, then the most recently opened."""
        query = select(AlertRow).order_by(AlertRow.opened_at.desc(), AlertRow.id.desc())
        with self._session() as session:
            rows = [_record(r) for r in session.scalars(query.limit(limit))]
        return sorted(rows, key=lambda r: not r.is_open)

    def apply(
        self,
        opened: Sequence[NewAlert],
        cleared: Sequence[ClearedAlert],
        now: datetime,
        marks: Mapping[str, Any] | None = None,
    ) -> None:
        """Record alerts that opened and cleared, and the given marks, in one transaction."""
        with self._session() as session:
            for item in cleared:
                for row in session.scalars(
                    select(AlertRow).where(AlertRow.key == item.key, AlertRow.closed_at.is_(None))
                ):
                    row.closed_at = now
                    row.close_summary = item.recovery
            for new in opened:
                cleared_now = new.recovery is not None
                session.add(AlertRow(
                    key=new.key, kind=new.kind, summary=new.summary, detail=new.detail,
                    opened_at=now, closed_at=now if cleared_now else None,
                    close_summary=new.recovery, deliveries={},
                ))
            for name, value in (marks or {}).items():
                _set_mark(session, name, value, now)

    def undelivered(self, notifier: str, since: datetime) -> list[tuple[AlertRecord, str]]:
        """(alert, phase) not yet delivered by ``notifier`` that happened at or after
        ``since`` (older ones are not sent any more: news that old would only confuse)."""
        query = select(AlertRow).where(
            or_(AlertRow.opened_at >= since, AlertRow.closed_at >= since)
        ).order_by(AlertRow.id)
        found: list[tuple[AlertRecord, str]] = []
        with self._session() as session:
            for row in session.scalars(query):
                record = _record(row)
                if record.opened_at >= since and not record.delivered("open", notifier):
                    found.append((record, "open"))
                if (
                    record.closed_at is not None and record.closed_at >= since
                    and not record.delivered("close", notifier)
                ):
                    found.append((record, "close"))
        return found

    def mark_delivered(
        self, items: Iterable[tuple[int, str]], notifier: str, now: datetime
    ) -> None:
        with self._session() as session:
            for alert_id, phase in items:
                row = session.get(AlertRow, alert_id)
                if row is None:
                    continue
                deliveries = {k: dict(v) for k, v in (row.deliveries or {}).items()}
                deliveries.setdefault(phase, {})[notifier] = now.isoformat()
                row.deliveries = deliveries


class MarkRepo(Repository):
    def get(self, name: str, default: Any = None) -> Any:
        with self._session() as session:
            row = session.get(OpsMarkRow, name)
            return default if row is None else row.value

    def set(self, name: str, value: Any, now: datetime) -> None:
        with self._session() as session:
            _set_mark(session, name, value, now)


def _set_mark(session: Session, name: str, value: Any, now: datetime) -> None:
    row = session.get(OpsMarkRow, name)
    if row is None:
        session.add(OpsMarkRow(name=name, value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now
