"""The timetable: programs, slots and per-occurrence adjustments, and swapping it whole."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from broadcast.clock import Clock
from broadcast.errors import StoreError
from broadcast.programs import Program, Segment
from broadcast.scheduling.model import WEEKDAYS, Adjustment, AdjustmentKind, Priority, Slot
from broadcast.store.base import Repository, SessionSource, translate
from broadcast.store.models import AdjustmentRow, ProgramRow, SlotRow, TimetableRevisionRow

# --- conversions -------------------------------------------------------------------------


def segments_to_json(segments: Iterable[Segment]) -> list[dict[str, Any]]:
    return [s.to_json() for s in segments]


def segments_from_json(data: Iterable[dict[str, Any]]) -> tuple[Segment, ...]:
    return tuple(Segment.from_json(d) for d in data)


def _program(row: ProgramRow) -> Program:
    return Program(
        id=row.id,
        title=row.title,
        topic=row.topic,
        segments=segments_from_json(row.segments),
        bed=row.bed,
    )


def _program_values(program: Program, now: datetime) -> dict[str, Any]:
    return {
        "id": program.id,
        "title": program.title,
        "topic": program.topic,
        "segments": segments_to_json(program.segments),
        "bed": program.bed,
        "created_at": now,
        "updated_at": now,
    }


def days_to_text(days: Iterable[int]) -> str:
    return ",".join(WEEKDAYS[d] for d in sorted(set(days)))


@functools.lru_cache(maxsize=256)
def days_from_text(text: str) -> frozenset[int]:
    return frozenset(WEEKDAYS.index(name) for name in text.split(",") if name)


_PRIORITIES = {p.label: p for p in Priority}


def _priority(label: str) -> Priority:
    found = _PRIORITIES.get(label)
    return Priority.parse(label) if found is None else found


def _slot(row: Any) -> Slot:
    """From an ORM row or a Core row (same column names)."""
    seconds = row.max_duration_seconds
    return Slot(
        id=row.id,
        program_id=row.program_id,
        time=row.time,
        days=days_from_text(row.days),
        on_date=row.on_date,
        priority=_priority(row.priority),
        max_duration=None if seconds is None else timedelta(seconds=seconds),
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        paused=bool(row.paused),
        clusters=clusters_from_json(row.clusters),
    )


def clusters_from_json(value: Any) -> frozenset[str] | None:
    """The stored choice of clusters: a JSON list of ids, or NULL for every cluster."""
    return None if value is None else frozenset(str(c) for c in value)


def clusters_to_json(clusters: frozenset[str] | None) -> list[str] | None:
    return None if clusters is None else sorted(clusters)


def _slot_values(slot: Slot, now: datetime) -> dict[str, Any]:
    return {
        "id": slot.id,
        "program_id": slot.program_id,
        "time": slot.time,
        "days": days_to_text(slot.days),
        "on_date": slot.on_date,
        "priority": Priority.parse(slot.priority).label,
        "max_duration_seconds": (
            None if slot.max_duration is None else slot.max_duration.total_seconds()
        ),
        "valid_from": slot.valid_from,
        "valid_until": slot.valid_until,
        "paused": slot.paused,
        "updated_at": now,
        "clusters": clusters_to_json(slot.clusters),
    }


def _adjustment(row: Any) -> Adjustment:
    return Adjustment(
        slot_id=row.slot_id,
        original_start=row.original_start,
        kind=AdjustmentKind(row.kind),
        new_start=row.new_start,
    )


def _adjustment_values(adjustment: Adjustment) -> dict[str, Any]:
    if adjustment.kind == AdjustmentKind.MOVE and adjustment.new_start is None:
        raise StoreError(
            f"Dời buổi phát {adjustment.original_start.isoformat()} của khung {adjustment.slot_id}"
            " nhưng không có giờ mới",
            code="invalid_value",
        )
    return {
        "slot_id": adjustment.slot_id,
        "original_start": adjustment.original_start,
        "kind": AdjustmentKind(adjustment.kind).value,
        "new_start": adjustment.new_start if adjustment.kind == AdjustmentKind.MOVE else None,
    }


def program_not_found(program_id: str) -> StoreError:
    return StoreError(f"Không tìm thấy chương trình {program_id!r}", code="not_found")


def slot_not_found(slot_id: str) -> StoreError:
    return StoreError(f"Không tìm thấy khung giờ phát {slot_id!r}", code="not_found")


def _next_position(session: Session, row: type[ProgramRow] | type[SlotRow]) -> int:
    """New programs and slots go after the existing ones."""
    return int(session.scalar(select(func.coalesce(func.max(row.position), -1))) or 0) + 1


def mark_changed(session: Session) -> None:
    """Raise the timetable's revision, in the same transaction as the change."""
    session.execute(
        update(TimetableRevisionRow).values(revision=TimetableRevisionRow.revision + 1)
    )


def read_revision(session: Session) -> int:
    return int(session.scalar(select(TimetableRevisionRow.revision)) or 0)


# --- repositories ------------------------------------------------------------------------


class ProgramRepo(Repository):
    def list(self) -> list[Program]:
        with self._session() as session:
            rows = session.scalars(select(ProgramRow).order_by(ProgramRow.position, ProgramRow.id))
            return [_program(r) for r in rows]

    def get(self, program_id: str) -> Program:
        with self._session() as session:
            row = session.get(ProgramRow, program_id)
            if row is None:
                raise program_not_found(program_id)
            return _program(row)

    def find(self, program_id: str) -> Program | None:
        with self._session() as session:
            row = session.get(ProgramRow, program_id)
            return None if row is None else _program(row)

    def create(self, program: Program, *, now: datetime | None = None) -> Program:
        """Add a new program; ``duplicate_id`` if the id is taken."""
        with self._session() as session:
            if session.get(ProgramRow, program.id) is not None:
                raise StoreError(f"Mã chương trình {program.id!r} đã có", code="duplicate_id")
            session.add(
                ProgramRow(**_program_values(program, self._now(now)),
                           position=_next_position(session, ProgramRow))
            )
            mark_changed(session)
            return program

    def upsert(self, program: Program, *, now: datetime | None = None) -> Program:
        now = self._now(now)
        with self._session() as session:
            row = session.get(ProgramRow, program.id)
            if row is None:
                session.add(ProgramRow(**_program_values(program, now),
                                       position=_next_position(session, ProgramRow)))
            else:
                row.title = program.title
                row.topic = program.topic
                row.segments = segments_to_json(program.segments)
                row.bed = program.bed
                row.updated_at = now
            mark_changed(session)
            return program

    def delete(self, program_id: str) -> None:
        """Delete a program; refused (``program_in_use``) while slots still air it."""
        with self._session() as session:
            row = session.get(ProgramRow, program_id)
            if row is None:
                raise program_not_found(program_id)
            query = select(SlotRow.id).where(SlotRow.program_id == program_id)
            slots = [str(s) for s in session.scalars(query)]
            if slots:
                raise StoreError(
                    f"Chương trình {program_id!r} đang có khung giờ phát "
                    f"{', '.join(sorted(slots))}: hãy xoá các khung giờ đó trước",
                    code="program_in_use",
                )
            session.delete(row)
            mark_changed(session)

    def unique_id(self, base: str) -> str:
        """``base`` if free, else ``base-2``, ``base-3``... (for programs created by the API)."""
        with self._session() as session:
            taken = set(
                session.scalars(
                    select(ProgramRow.id).where(
                        (ProgramRow.id == base) | ProgramRow.id.startswith(f"{base}-")
                    )
                )
            )
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        return candidate


class SlotRepo(Repository):
    def __init__(self, source: SessionSource, clock: Clock | None = None) -> None:
        super().__init__(source, clock)
        # (timetable revision, every slot): reading thousands of slots is most of the cost of
        # a week's timetable, and slots change rarely.
        self._all: tuple[int, list[Slot]] | None = None

    def list(self, *, program_id: str | None = None, include_paused: bool = True) -> list[Slot]:
        # Core rows of the needed columns, not ORM objects: there may be thousands of slots.
        columns = [c for c in SlotRow.__table__.columns if c.name != "updated_at"]
        query = select(*columns).order_by(SlotRow.position, SlotRow.id)
        if program_id is not None:
            query = query.where(SlotRow.program_id == program_id)
        if not include_paused:
            query = query.where(SlotRow.paused.is_(False))
        everything = program_id is None and include_paused
        with self._session() as session:
            if not everything:
                return [_slot(row) for row in session.execute(query)]
            revision = read_revision(session)
            cached = self._all
            if cached is not None and cached[0] == revision:
                return list(cached[1])
            slots = [_slot(row) for row in session.execute(query)]
        if not isinstance(self._source, Session):  # a caller's open transaction may roll back
            self._all = (revision, slots)
        return list(slots)

    def get(self, slot_id: str) -> Slot:
        with self._session() as session:
            row = session.get(SlotRow, slot_id)
            if row is None:
                raise slot_not_found(slot_id)
            return _slot(row)

    def find(self, slot_id: str) -> Slot | None:
        with self._session() as session:
            row = session.get(SlotRow, slot_id)
            return None if row is None else _slot(row)

    def create(self, slot: Slot, *, now: datetime | None = None) -> Slot:
        """Add a new slot; ``duplicate_id`` if the id is taken, ``not_found`` if its program
        does not exist. Conflicts between slots are the scheduling layer's check."""
        with self._session() as session:
            if session.get(SlotRow, slot.id) is not None:
                raise StoreError(f"Mã khung giờ {slot.id!r} đã có", code="duplicate_id")
            self._require_program(session, slot.program_id)
            session.add(SlotRow(**_slot_values(slot, self._now(now)),
                                position=_next_position(session, SlotRow)))
            mark_changed(session)
            return slot

    def upsert(self, slot: Slot, *, now: datetime | None = None) -> Slot:
        now = self._now(now)
        with self._session() as session:
            self._require_program(session, slot.program_id)
            values = _slot_values(slot, now)
            row = session.get(SlotRow, slot.id)
            if row is None:
                session.add(SlotRow(**values, position=_next_position(session, SlotRow)))
            else:
                for key, value in values.items():
                    setattr(row, key, value)
            mark_changed(session)
            return slot

    def delete(self, slot_id: str) -> None:
        """Delete a slot and its adjustments."""
        with self._session() as session:
            row = session.get(SlotRow, slot_id)
            if row is None:
                raise slot_not_found(slot_id)
            session.execute(delete(AdjustmentRow).where(AdjustmentRow.slot_id == slot_id))
            session.delete(row)
            mark_changed(session)

    def set_paused(self, slot_id: str, paused: bool, *, now: datetime | None = None) -> Slot:
        with self._session() as session:
            row = session.get(SlotRow, slot_id)
            if row is None:
                raise slot_not_found(slot_id)
            row.paused = paused
            row.updated_at = self._now(now)
            mark_changed(session)
            return _slot(row)

    def pause(self, slot_id: str, *, now: datetime | None = None) -> Slot:
        return self.set_paused(slot_id, True, now=now)

    def resume(self, slot_id: str, *, now: datetime | None = None) -> Slot:
        return self.set_paused(slot_id, False, now=now)

    def count(self) -> int:
        with self._session() as session:
            return int(session.scalar(select(func.count()).select_from(SlotRow)) or 0)

    @staticmethod
    def _require_program(session: Session, program_id: str) -> None:
        if session.get(ProgramRow, program_id) is None:
            raise program_not_found(program_id)


class AdjustmentRepo(Repository):
    def list(
        self,
        *,
        slot_id: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> list[Adjustment]:
        """Adjustments, optionally of one slot, whose original start is in [since, until)."""
        query = select(*AdjustmentRow.__table__.columns).order_by(
            AdjustmentRow.original_start, AdjustmentRow.slot_id
        )
        if slot_id is not None:
            query = query.where(AdjustmentRow.slot_id == slot_id)
        if since is not None:
            query = query.where(AdjustmentRow.original_start >= since)
        if until is not None:
            query = query.where(AdjustmentRow.original_start < until)
        with self._session() as session:
            return [_adjustment(row) for row in session.execute(query)]

    def put(self, adjustment: Adjustment) -> Adjustment:
        """Set the adjustment of one occurrence (replacing an earlier one of it)."""
        values = _adjustment_values(adjustment)
        with self._session() as session:
            if session.get(SlotRow, adjustment.slot_id) is None:
                raise slot_not_found(adjustment.slot_id)
            row = session.get(AdjustmentRow, (adjustment.slot_id, adjustment.original_start))
            if row is None:
                session.add(AdjustmentRow(**values))
            else:
                row.kind = values["kind"]
                row.new_start = values["new_start"]
            mark_changed(session)
            return _adjustment_from_values(values)

    def delete(self, slot_id: str, original_start: datetime) -> bool:
        """Undo the adjustment of one occurrence; False if there was none."""
        with self._session() as session:
            row = session.get(AdjustmentRow, (slot_id, original_start))
            if row is None:
                return False
            session.delete(row)
            mark_changed(session)
            return True


def _adjustment_from_values(values: dict[str, Any]) -> Adjustment:
    return Adjustment(
        slot_id=values["slot_id"],
        original_start=values["original_start"],
        kind=AdjustmentKind(values["kind"]),
        new_start=values["new_start"],
    )


# --- the whole timetable at once ---------------------------------------------------------


def replace_timetable(
    source: SessionSource,
    programs: Sequence[Program],
    slots: Sequence[Slot],
    adjustments: Sequence[Adjustment] = (),
    *,
    now: datetime,
) -> None:
    """Swap the whole timetable (programs, slots, adjustments) in ONE transaction: on any
    failure the previous timetable stays exactly as it was. Scripts, renders and the as-run
    log are not touched. The caller validates it first (``scheduling.validation``)."""
    try:
        if isinstance(source, Session):
            _replace_in(source, programs, slots, adjustments, now)
        else:
            with source.begin() as session:
                _replace_in(session, programs, slots, adjustments, now)
    except StatementError as exc:
        raise translate(exc) from exc


def _replace_in(
    session: Session,
    programs: Sequence[Program],
    slots: Sequence[Slot],
    adjustments: Sequence[Adjustment],
    now: datetime,
) -> None:
    session.execute(delete(AdjustmentRow))
    session.execute(delete(SlotRow))
    session.execute(delete(ProgramRow))
    if programs:
        session.execute(
            insert(ProgramRow),
            [{**_program_values(p, now), "position": n} for n, p in enumerate(programs)],
        )
    if slots:
        session.execute(
            insert(SlotRow), [{**_slot_values(s, now), "position": n} for n, s in enumerate(slots)]
        )
    if adjustments:
        session.execute(insert(AdjustmentRow), [_adjustment_values(a) for a in adjustments])
    mark_changed(session)
    session.flush()
