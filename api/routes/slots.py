"""Slots and airtime adjustments: create, change, pause, skip or move one occurrence.

Thin: each route turns the request into core values and asks the timetable service."""

from __future__ import annotations

import dataclasses
from typing import Annotated

from fastapi import APIRouter, Path, Query, status

from api import schemas
from api.auth import EDITORS, READERS, Principal, requires
from api.convert import (
    adjustment_out,
    aware,
    days_in,
    parse_time,
    seconds_to_delta,
    slot_out,
)
from api.date_bounds import StationDateTime
from api.errors import ApiError
from api.routes.common import AUTH_ERRORS, Ctx, errors
from broadcast.scheduling.model import Adjustment, AdjustmentKind, Priority, Slot

router = APIRouter(prefix="/api/slots", tags=["slots"], responses=AUTH_ERRORS)

SlotId = Annotated[str, Path(min_length=1, max_length=64)]


def _slot(slot_id: str, body: schemas.SlotIn) -> Slot:
    return Slot(
        id=slot_id,
        program_id=body.program_id,
        time=parse_time(body.time),
        days=frozenset() if body.days is None else days_in(body.days),
        on_date=body.date,
        priority=Priority.parse(body.priority),
        max_duration=seconds_to_delta(body.max_duration_seconds),
        valid_from=body.valid_from,
        valid_until=body.valid_until,
        clusters=None if body.clusters is None else frozenset(body.clusters),
    )


@router.get("", response_model=list[schemas.SlotOut])
def list_slots(
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
    program_id: Annotated[str | None, Query(max_length=64)] = None,
) -> list[schemas.SlotOut]:
    return [slot_out(s) for s in ctx.store.slots.list(program_id=program_id)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.SlotOut,
    responses=errors(409),
)
def create_slot(
    body: schemas.SlotIn, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.SlotOut:
    """One-off (``date``) or recurring (``days``); 409 names the clashing slot and when."""
    slot = _slot(body.id or "new", body)
    if slot.recurring and slot.valid_from is None:
        # A new weekly slot starts today: the days before it were never its to air (and
        # must not show as missed).
        slot = dataclasses.replace(slot, valid_from=ctx.now().astimezone(ctx.tz).date())
    return slot_out(ctx.timetable.create_slot(slot, new_id=body.id is None))


@router.get("/{slot_id}", response_model=schemas.SlotOut, responses=errors(404))
def get_slot(
    slot_id: SlotId, ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> schemas.SlotOut:
    return slot_out(ctx.store.slots.get(slot_id))


@router.put("/{slot_id}", response_model=schemas.SlotOut, responses=errors(404, 409))
def replace_slot(
    slot_id: SlotId, body: schemas.SlotIn, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.SlotOut:
    if body.id is not None and body.id != slot_id:
        raise ApiError(422, "Mã khung trong dữ liệu khác mã trên địa chỉ.", code="id_mismatch")
    return slot_out(ctx.timetable.replace_slot(_slot(slot_id, body)))


@router.patch("/{slot_id}", response_model=schemas.SlotOut, responses=errors(404, 409))
def adjust_slot(
    slot_id: SlotId, body: schemas.SlotPatch, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.SlotOut:
    """Adjust airtime: move the time, change the days (or the date), the maximum duration,
    the validity, the speaker clusters; only the fields given change."""
    given = body.model_fields_set
    changes: dict[str, object] = {}
    if body.program_id is not None:
        changes["program_id"] = body.program_id
    if body.time is not None:
        changes["time"] = parse_time(body.time)
    if body.priority is not None:
        changes["priority"] = Priority.parse(body.priority)
    if body.days is not None:
        changes.update(days=days_in(body.days), on_date=None)
    if body.date is not None:
        changes.update(on_date=body.date, days=frozenset(), valid_from=None, valid_until=None)
    if "max_duration_seconds" in given:
        changes["max_duration"] = seconds_to_delta(body.max_duration_seconds)
    for name in ("valid_from", "valid_until"):
        if name in given:
            changes[name] = getattr(body, name)
    if "clusters" in given:
        changes["clusters"] = None if body.clusters is None else frozenset(body.clusters)

    def change(slot: Slot) -> Slot:
        return dataclasses.replace(slot, **changes)  # type: ignore[arg-type]

    return slot_out(ctx.timetable.update_slot(slot_id, change))


@router.delete("/{slot_id}", response_model=schemas.Done, responses=errors(404))
def delete_slot(
    slot_id: SlotId, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.Done:
    ctx.timetable.delete_slot(slot_id)
    return schemas.Done()


@router.post("/{slot_id}/pause", response_model=schemas.SlotOut, responses=errors(404))
def pause_slot(
    slot_id: SlotId, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.SlotOut:
    return slot_out(ctx.timetable.set_paused(slot_id, True))


@router.post("/{slot_id}/resume", response_model=schemas.SlotOut, responses=errors(404, 409))
def resume_slot(
    slot_id: SlotId, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.SlotOut:
    """Put a paused slot back on air (checked for clashes and approvals like a new one)."""
    return slot_out(ctx.timetable.set_paused(slot_id, False))


@router.post(
    "/{slot_id}/skip",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.AdjustmentOut,
    responses=errors(404),
)
def skip_occurrence(
    slot_id: SlotId, body: schemas.SkipIn, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.AdjustmentOut:
    adjustment = Adjustment(
        slot_id=slot_id,
        original_start=aware(body.original_start, ctx.tz),
        kind=AdjustmentKind.SKIP,
    )
    return adjustment_out(ctx.timetable.put_adjustment(adjustment), ctx.tz)


@router.post(
    "/{slot_id}/move",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.AdjustmentOut,
    responses=errors(404, 409),
)
def move_occurrence(
    slot_id: SlotId, body: schemas.MoveIn, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.AdjustmentOut:
    adjustment = Adjustment(
        slot_id=slot_id,
        original_start=aware(body.original_start, ctx.tz),
        kind=AdjustmentKind.MOVE,
        new_start=aware(body.new_start, ctx.tz),
    )
    return adjustment_out(ctx.timetable.put_adjustment(adjustment), ctx.tz)


@router.post(
    "/{slot_id}/replace",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ReplaceOut,
    responses=errors(404, 409),
)
def replace_occurrence(
    slot_id: SlotId,
    body: schemas.ReplaceIn,
    ctx: Ctx,
    who: Annotated[Principal, requires(EDITORS)],
) -> schemas.ReplaceOut:
    """Air another program instead of one occurrence: the occurrence is skipped and a one-off
    slot takes its place at the same time (e.g. a special bulletin instead of tomorrow's)."""
    skipped, slot = ctx.timetable.replace_occurrence(
        slot_id, aware(body.original_start, ctx.tz), body.program_id
    )
    return schemas.ReplaceOut(skipped=adjustment_out(skipped, ctx.tz), slot=slot_out(slot))


@router.get(
    "/{slot_id}/adjustments", response_model=list[schemas.AdjustmentOut], responses=errors(404)
)
def list_adjustments(
    slot_id: SlotId, ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> list[schemas.AdjustmentOut]:
    ctx.store.slots.get(slot_id)
    return [adjustment_out(a, ctx.tz) for a in ctx.store.adjustments.list(slot_id=slot_id)]


@router.delete("/{slot_id}/adjustments", response_model=schemas.Done, responses=errors(404))
def undo_adjustment(
    slot_id: SlotId,
    original_start: Annotated[StationDateTime, Query()],
    ctx: Ctx,
    who: Annotated[Principal, requires(EDITORS)],
) -> schemas.Done:
    """Undo the skip or move of one occurrence (``original_start`` names it)."""
    ctx.timetable.delete_adjustment(slot_id, aware(original_start, ctx.tz))
    return schemas.Done()
