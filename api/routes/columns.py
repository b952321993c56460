"""Columns (chuyên mục): the one list scripts, programs and reports use."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api import schemas
from api.auth import EDITORS, READERS, Principal, requires
from api.convert import nfc
from api.routes.common import AUTH_ERRORS, Ctx, errors

router = APIRouter(prefix="/api/columns", tags=["columns"], responses=AUTH_ERRORS)

ColumnId = Annotated[str, Path(min_length=1, max_length=100)]


@router.get("", response_model=list[schemas.ColumnOut])
def list_columns(
    ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> list[schemas.ColumnOut]:
    return [schemas.ColumnOut(id=c.id, name=c.name) for c in ctx.store.columns.list()]


@router.post(
    "", status_code=status.HTTP_201_CREATED, response_model=schemas.ColumnOut,
    responses=errors(409),
)
def create_column(
    body: schemas.ColumnIn, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.ColumnOut:
    """Its id is made from the name (``Y tế`` -> ``y-te``) and never changes."""
    column = ctx.store.columns.create(nfc(body.name))
    return schemas.ColumnOut(id=column.id, name=column.name)


@router.put("/{column_id}", response_model=schemas.ColumnOut, responses=errors(404, 409))
def rename_column(
    column_id: ColumnId,
    body: schemas.ColumnIn,
    ctx: Ctx,
    who: Annotated[Principal, requires(EDITORS)],
) -> schemas.ColumnOut:
    """A new name; scripts, programs and reports follow (they keep the id)."""
    column = ctx.store.columns.rename(column_id, nfc(body.name))
    return schemas.ColumnOut(id=column.id, name=column.name)


@router.delete("/{column_id}", response_model=schemas.Done, responses=errors(404, 409))
def delete_column(
    column_id: ColumnId, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.Done:
    """Refused while a script, a program or the log uses it."""
    ctx.store.columns.delete(column_id)
    return schemas.Done()
