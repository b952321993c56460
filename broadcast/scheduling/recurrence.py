"""Expanding slots into occurrences: pure functions of the slots, adjustments and a range.

Rules:
- an occurrence belongs to the range when its (possibly moved) start lies in ``[start, end)``;
- a paused slot yields nothing, not even moved occurrences;
- a recurring slot airs on its ``days`` between ``valid_from`` and ``valid_until`` (inclusive
  local dates, each optional); a one-off slot airs once on ``on_date``;
- a ``skip`` adjustment keeps the occurrence with ``skipped=True`` (the timetable shows it, the
  as-run log writes it); a ``move`` adjustment takes the occurrence away from its regular start
  and puts it at ``new_start``;
- an adjustment whose ``original_start`` is not a regular occurrence of its slot (the slot was
  edited since) is stale and ignored; when several adjustments name the same occurrence, the
  last one wins;
- duration: the smaller of the program's known duration and the slot's ``max_duration``,
  ``None`` when neither is known.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import UTC, date, datetime, timedelta
from operator import attrgetter
from zoneinfo import ZoneInfo

from broadcast.scheduling.localtime import (
    has_offset_change,
    local_instant,
    offset_change_days,
    require_aware,
)
from broadcast.scheduling.model import Adjustment, AdjustmentKind, Occurrence, Slot

_ONE_DAY = timedelta(days=1)
_TWO_DAYS = timedelta(days=2)

AdjustmentIndex = dict[tuple[str, datetime], Adjustment]

_OCCURRENCE_FIELDS = ("slot_id", "program_id", "priority", "start", "original_start", "duration",
                      "skipped")
# A week of 10,000 daily slots is 70,000 occurrences: the frozen dataclass __init__ (one
# object.__setattr__ per field) is then most of the cost; filling __dict__ is 3x faster.
# Guarded, so a change to Occurrence's fields falls back to the constructor.
_FAST_OCCURRENCE = (
    tuple(f.name for f in fields(Occurrence)) == _OCCURRENCE_FIELDS
    and not hasattr(Occurrence, "__slots__")
    and not hasattr(Occurrence, "__post_init__")
)


def _occurrence(slot: Slot, start: datetime, original_start: datetime,
                duration: timedelta | None, skipped: bool) -> Occurrence:
    if not _FAST_OCCURRENCE:
        return Occurrence(slot.id, slot.program_id, slot.priority, start, original_start,
                          duration, skipped)
    occ: Occurrence = object.__new__(Occurrence)
    occ.__dict__.update(slot_id=slot.id, program_id=slot.program_id, priority=slot.priority,
                        start=start, original_start=original_start, duration=duration,
                        skipped=skipped)
    return occ


def occurrence_duration(
    slot: Slot, durations: Mapping[str, timedelta] | None = None
) -> timedelta | None:
    """min(program duration if known, slot.max_duration if set); None if neither is known."""
    program = durations.get(slot.program_id) if durations else None
    if program is None:
        return slot.max_duration
    if slot.max_duration is None:
        return program
    return min(program, slot.max_duration)


def airs_on(slot: Slot, day: date) -> bool:
    """Whether the slot has a regular occurrence on local date ``day`` (paused or not)."""
    if slot.on_date is not None:
        return day == slot.on_date
    if day.weekday() not in slot.days:
        return False
    if slot.valid_from is not None and day < slot.valid_from:
        return False
    return not (slot.valid_until is not None and day > slot.valid_until)


def regular_start(slot: Slot, day: date, tz: ZoneInfo) -> datetime:
    """The aware start of the slot's regular occurrence on local date ``day``."""
    return local_instant(day, slot.time, tz)


def is_regular_occurrence(slot: Slot, when: datetime, tz: ZoneInfo) -> bool:
    """Whether ``when`` is the start of one of the slot's regular occurrences."""
    require_aware(when, "when")
    day = when.astimezone(tz).date()
    return airs_on(slot, day) and regular_start(slot, day, tz) == when


def index_adjustments(
    slots: Iterable[Slot], adjustments: Iterable[Adjustment], tz: ZoneInfo
) -> AdjustmentIndex:
    """Valid adjustments keyed by (slot id, original start in UTC); stale ones dropped."""
    by_id = {slot.id: slot for slot in slots}
    index: AdjustmentIndex = {}
    for adj in adjustments:
        slot = by_id.get(adj.slot_id)
        if slot is None or not is_regular_occurrence(slot, adj.original_start, tz):
            continue
        if adj.kind is AdjustmentKind.MOVE and adj.new_start is None:
            continue
        index[(adj.slot_id, adj.original_start.astimezone(UTC))] = adj
    return index


def expand(
    slots: Sequence[Slot],
    adjustments: Sequence[Adjustment],
    start: datetime,
    end: datetime,
    tz: ZoneInfo,
    durations: Mapping[str, timedelta] | None = None,
) -> list[Occurrence]:
    """Occurrences whose start lies in ``[start, end)``, sorted by start.

    Ties keep the order (slot time, higher priority first, slot id).
    """
    require_aware(start, "start")
    require_aware(end, "end")
    if end <= start:
        return []
    index = index_adjustments(slots, adjustments, tz)
    moved_away = {key for key, adj in index.items() if adj.kind is AdjustmentKind.MOVE}
    skipped = {key for key, adj in index.items() if adj.kind is AdjustmentKind.SKIP}

    active = [s for s in slots if not s.paused]
    active.sort(key=lambda s: (s.time, -s.priority, s.id))
    weekly: list[list[tuple[Slot, timedelta | None]]] = [[] for _ in range(7)]
    one_off: dict[date, list[tuple[Slot, timedelta | None]]] = {}
    for slot in active:
        entry = (slot, occurrence_duration(slot, durations))
        if slot.on_date is not None:
            one_off.setdefault(slot.on_date, []).append(entry)
        else:
            for weekday in slot.days:
                weekly[weekday].append(entry)

    # One day of margin on each side: a normalized gap time can cross a date boundary.
    first = start.astimezone(tz).date() - _ONE_DAY
    last = end.astimezone(tz).date() + _ONE_DAY
    out: list[Occurrence] = []
    # Days by ordinal: a loop with no step of its own cannot stall.
    for ordinal in range(first.toordinal(), last.toordinal() + 1):
        day = date.fromordinal(ordinal)
        normalize = has_offset_change(day, tz)
        # Only the first and last local days can hold starts outside [start, end).
        bounded = day <= first + _TWO_DAYS or day >= last - _TWO_DAYS
        todays = weekly[day.weekday()]
        extra = one_off.get(day)
        if extra:
            todays = sorted(todays + extra, key=lambda e: (e[0].time, -e[0].priority, e[0].id))
        for slot, duration in todays:
            if slot.on_date is None and (
                (slot.valid_from is not None and day < slot.valid_from)
                or (slot.valid_until is not None and day > slot.valid_until)
            ):
                continue
            at = datetime.combine(day, slot.time, tzinfo=tz)
            if normalize:
                at = at.astimezone(UTC).astimezone(tz)
            if bounded and (at < start or at >= end):
                continue
            if index:
                key = (slot.id, at.astimezone(UTC))
                if key in moved_away:
                    continue
                is_skipped = key in skipped
            else:
                is_skipped = False
            out.append(_occurrence(slot, at, at, duration, is_skipped))

    if moved_away:
        by_id = {slot.id: slot for slot in active}
        for key in moved_away:
            adj = index[key]
            moved_slot = by_id.get(adj.slot_id)
            assert adj.new_start is not None
            if moved_slot is None or not (start <= adj.new_start < end):
                continue
            out.append(_occurrence(moved_slot, adj.new_start.astimezone(tz),
                                   adj.original_start.astimezone(tz),
                                   occurrence_duration(moved_slot, durations), False))
    if offset_change_days(tz, first, last):
        # Same-zone datetimes compare on the wall clock; across a fold only instants order.
        out.sort(key=lambda o: o.start.timestamp())
    else:
        out.sort(key=attrgetter("start"))
    return out
