"""A whole timetable checked at once: unique ids, references between its parts, each slot and
adjustment well formed, then no clash. The one place these rules live: the YAML import and the
timetable service both call ``validate_timetable``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.errors import ScheduleError
from broadcast.programs import Program
from broadcast.scheduling.conflicts import SlotClash, find_conflicts
from broadcast.scheduling.model import Adjustment, Slot
from broadcast.scheduling.validation import TimetableError, validate_adjustment, validate_slot
from broadcast.scheduling.wording import local_moment_text


def _first_duplicate(values: Iterable[Any]) -> Any:
    seen: set[Any] = set()
    for value in values:
        if value in seen:
            return value
        seen.add(value)
    return None


def validate_timetable(
    programs: Sequence[Program],
    slots: Sequence[Slot],
    adjustments: Sequence[Adjustment],
    tz: ZoneInfo,
    *,
    durations: Mapping[str, timedelta] | None = None,
    now: datetime | None = None,
) -> None:
    """Refuse a timetable whose parts do not fit together, naming the first problem
    (``TimetableError``), or whose slots clash (``SlotClash`` naming the first clash).

    ``durations``: known program lengths for the clash check of slots without a maximum
    duration; ``now``: only clashes not over by then count (default: every clash)."""
    if (dup := _first_duplicate(p.id for p in programs)) is not None:
        raise TimetableError(f"Mã chương trình '{dup}' bị trùng.", code="duplicate_id", where=dup)
    if (dup := _first_duplicate(s.id for s in slots)) is not None:
        raise TimetableError(f"Mã khung '{dup}' bị trùng.", code="duplicate_id", where=dup)
    program_ids = {p.id for p in programs}
    by_id: dict[str, Slot] = {}
    for slot in slots:
        try:
            validate_slot(slot)
        except ScheduleError as exc:
            raise TimetableError(exc.message, code=exc.code, where=slot.id) from exc
        if slot.program_id not in program_ids:
            raise TimetableError(
                f"Khung '{slot.id}': không có chương trình '{slot.program_id}' trong lịch.",
                code="unknown_program", where=slot.id,
            )
        by_id[slot.id] = slot
    seen: set[tuple[str, datetime]] = set()
    for adjustment in adjustments:
        adjusted = by_id.get(adjustment.slot_id)
        if adjusted is None:
            raise TimetableError(
                f"Điều chỉnh cho khung '{adjustment.slot_id}' không có trong lịch.",
                code="unknown_slot", where=adjustment.slot_id,
            )
        try:
            validate_adjustment(adjustment, adjusted, tz)
        except ScheduleError as exc:
            raise TimetableError(exc.message, code=exc.code, where=adjusted.id) from exc
        occurrence = (adjusted.id, adjustment.original_start.astimezone(tz))
        if occurrence in seen:
            raise TimetableError(
                f"Khung '{adjusted.id}': lần phát {local_moment_text(occurrence[1], tz)} được điều "
                "chỉnh hai lần.",
                code="duplicate_adjustment", where=adjusted.id,
            )
        seen.add(occurrence)
    clashes = find_conflicts(slots, adjustments, tz, durations or {}, now)
    if clashes:
        first = clashes[0]
        more = f" (và {len(clashes) - 1} chỗ trùng khác)" if len(clashes) > 1 else ""
        raise SlotClash(
            f"Lịch bị từ chối, không nhập gì: {first.message(tz)}{more}",
            slot_id=first.slot_id, other_slot_id=first.other_slot_id, clash_at=first.at,
        )
