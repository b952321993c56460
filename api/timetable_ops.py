"""Changing the timetable safely: check, then write, under the app's timetable lock."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from api.checks import require_approved
from api.context import AppContext
from api.errors import ApiError
from broadcast.scheduling.conflicts import check_slot
from broadcast.scheduling.model import Adjustment, Slot
from broadcast.scheduling.validation import validate_adjustment, validate_slot

# Adjustments of occurrences that ended long ago cannot clash any more.
_ADJUSTMENT_LOOKBACK = timedelta(days=2)


def _durations(ctx: AppContext, slots: Sequence[Slot]) -> dict[str, timedelta]:
    """Known program lengths (last good render) for slots that reserve no maximum."""
    durations: dict[str, timedelta] = {}
    for program_id in {s.program_id for s in slots if s.max_duration is None}:
        record = ctx.store.renders.last_good(program_id)
        if record is not None and record.duration_seconds:
            durations[program_id] = timedelta(seconds=record.duration_seconds)
    return durations


def _check_conflicts(
    ctx: AppContext, slot: Slot, now: datetime, extra: Adjustment | None = None
) -> None:
    existing = ctx.store.slots.list()
    adjustments = ctx.store.adjustments.list(since=now - _ADJUSTMENT_LOOKBACK)
    if extra is not None:
        adjustments = [
            a
            for a in adjustments
            if not (a.slot_id == extra.slot_id and a.original_start == extra.original_start)
        ] + [extra]
    relevant = [s for s in existing if s.priority == slot.priority] + [slot]
    check_slot(slot, existing, adjustments, ctx.tz, _durations(ctx, relevant), now)


def save_slot(ctx: AppContext, slot: Slot, *, create: bool) -> Slot:
    """Validate the slot, its program (exists, scripts approved) and its clashes; then store
    it and tell the station. ``create=False`` replaces an existing slot (404 if missing)."""
    validate_slot(slot)
    now = ctx.now()
    with ctx.timetable_lock:
        if not create:
            ctx.store.slots.get(slot.id)
        program = ctx.store.programs.find(slot.program_id)
        if program is None:
            raise ApiError(
                422,
                f"Không có chương trình «{slot.program_id}».",
                code="unknown_program",
                program_id=slot.program_id,
            )
        require_approved(ctx, program)
        _check_conflicts(ctx, slot, now)
        saved = (
            ctx.store.slots.create(slot, now=now)
            if create
            else ctx.store.slots.upsert(slot, now=now)
        )
    ctx.timetable_changed()
    return saved


def new_slot_id(ctx: AppContext, program_id: str, at: str) -> str:
    base = f"{program_id[:50]}-{at.replace(':', '')[:4]}"
    candidate, n = base, 1
    while ctx.store.slots.find(candidate) is not None:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def set_paused(ctx: AppContext, slot_id: str, paused: bool) -> Slot:
    now = ctx.now()
    with ctx.timetable_lock:
        slot = ctx.store.slots.get(slot_id)
        if not paused and slot.paused:
            # Resuming puts it back on air: the same checks as a new slot.
            active = dataclasses.replace(slot, paused=False)
            program = ctx.store.programs.get(slot.program_id)
            require_approved(ctx, program)
            _check_conflicts(ctx, active, now)
        saved = ctx.store.slots.set_paused(slot_id, paused, now=now)
    ctx.timetable_changed()
    return saved


def utc(value: datetime) -> datetime:
    return value.astimezone(UTC)


def put_adjustment(ctx: AppContext, adjustment: Adjustment) -> Adjustment:
    now = ctx.now()
    with ctx.timetable_lock:
        slot = ctx.store.slots.get(adjustment.slot_id)
        validate_adjustment(adjustment, slot, ctx.tz)
        if adjustment.new_start is not None:
            _check_conflicts(ctx, slot, now, extra=adjustment)
        saved = ctx.store.adjustments.put(adjustment)
    ctx.timetable_changed()
    return saved


def delete_adjustment(ctx: AppContext, slot_id: str, original_start: datetime) -> None:
    with ctx.timetable_lock:
        ctx.store.slots.get(slot_id)
        if not ctx.store.adjustments.delete(slot_id, utc(original_start)):
            raise ApiError(404, "Lần phát này không có điều chỉnh nào để huỷ.", code="not_found")
    ctx.timetable_changed()
