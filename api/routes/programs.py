"""Programs: ordered segments (scripts, jingles, audio files, silence)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status
from fastapi.responses import FileResponse

from api import schemas
from api.auth import EDITORS, READERS, Principal, requires
from api.checks import check_references
from api.context import AppContext
from api.convert import nfc, program_out, segment_in, slugify
from api.media_files import audio_ref
from api.routes.common import AUTH_ERRORS, Ctx, errors
from broadcast.programs import Program

router = APIRouter(prefix="/api/programs", tags=["programs"], responses=AUTH_ERRORS)

ProgramId = Annotated[str, Path(min_length=1, max_length=64)]


def _program(ctx: AppContext, program_id: str, body: schemas.ProgramIn) -> Program:
    def ref(name: str) -> str:
        return audio_ref(ctx.settings, name)

    return Program(
        id=program_id,
        title=nfc(body.title),
        topic=nfc(body.topic),
        segments=tuple(segment_in(s, ref) for s in body.segments),
        bed=None if body.bed is None else ref(body.bed),
    )


@router.get("", response_model=list[schemas.ProgramOut])
def list_programs(
    ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> list[schemas.ProgramOut]:
    return [program_out(p) for p in ctx.store.programs.list()]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ProgramOut,
    responses=errors(409),
)
def create_program(
    body: schemas.ProgramIn, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.ProgramOut:
    """The id is made from the title (``Bản tin sáng`` -> ``ban-tin-sang``, then ``-2``...)."""
    draft = _program(ctx, "", body)
    check_references(ctx, draft)
    created = ctx.timetable.create_program(
        draft, id_base=slugify(draft.title, fallback="chuong-trinh")
    )
    return program_out(created)


@router.get("/{program_id}", response_model=schemas.ProgramOut, responses=errors(404))
def get_program(
    program_id: ProgramId, ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> schemas.ProgramOut:
    return program_out(ctx.store.programs.get(program_id))


@router.put("/{program_id}", response_model=schemas.ProgramOut, responses=errors(404))
def update_program(
    program_id: ProgramId,
    body: schemas.ProgramIn,
    ctx: Ctx,
    who: Annotated[Principal, requires(EDITORS)],
) -> schemas.ProgramOut:
    """Replace the program's title, topic and segments (slots airing it keep airing it; a
    script that is not approved may not be added while it has slots)."""
    program = _program(ctx, program_id, body)
    ctx.store.programs.get(program_id)  # 404 before the references are judged
    check_references(ctx, program)
    return program_out(ctx.timetable.replace_program(program))


@router.delete("/{program_id}", response_model=schemas.Done, responses=errors(404, 409))
def delete_program(
    program_id: ProgramId, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.Done:
    ctx.timetable.delete_program(program_id)
    return schemas.Done()


@router.get(
    "/{program_id}/audio",
    response_class=FileResponse,
    responses={
        200: {"content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}}},
        **errors(404, 502, 503),
    },
)
def program_audio(
    program_id: ProgramId, ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> FileResponse:
    ctx.store.programs.get(program_id)
    path = ctx.station.preview_program(program_id)
    return FileResponse(path, media_type="audio/mpeg", filename=f"{program_id}.mp3")
