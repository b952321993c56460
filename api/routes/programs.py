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
from api.errors import ApiError
from api.media_files import audio_ref
from api.routes.common import AUTH_ERRORS, Ctx, errors
from broadcast.programs import Program

router = APIRouter(prefix="/api/programs", tags=["programs"], responses=AUTH_ERRORS)

ProgramId = Annotated[str, Path(min_length=1, max_length=64)]


def _program(ctx: AppContext, program_id: str, body: schemas.ProgramIn) -> Program:
    def ref(name: str) -> str:
        return audio_ref(ctx.settings, name)

    segments = tuple(segment_in(s, ref) for s in body.segments)
    current = ctx.store.programs.find(program_id) if program_id else None
    known_files = {
        s.path for s in (current.segments if current is not None else ()) if s.path is not None
    }
    for segment in segments:
        if segment.kind == "script" and segment.path is not None and (
            segment.path not in known_files
        ):
            raise ApiError(
                422, "Chỉ giữ được tệp bài đã có sẵn trong chương trình; hãy dùng bài viết.",
                code="unknown_file",
            )
        if segment.column is not None and ctx.store.columns.find(segment.column) is None:
            raise ApiError(
                422, f"Không có chuyên mục «{segment.column}».", code="unknown_column",
                column=segment.column,
            )
    return Program(
        id=program_id,
        title=nfc(body.title),
        topic=ctx.store.columns.resolve(body.topic),
        segments=segments,
        bed=None if body.bed is None else ref(body.bed),
    )


@router.get("", response_model=list[schemas.ProgramOut])
def list_programs(
    ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> list[schemas.ProgramOut]:
    names = ctx.store.columns.names()
    return [program_out(p, names) for p in ctx.store.programs.list()]


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
    return program_out(created, ctx.store.columns.names())


@router.get("/{program_id}", response_model=schemas.ProgramOut, responses=errors(404))
def get_program(
    program_id: ProgramId, ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> schemas.ProgramOut:
    return program_out(ctx.store.programs.get(program_id), ctx.store.columns.names())


@router.put("/{program_id}", response_model=schemas.ProgramOut, responses=errors(404))
def update_program(
    program_id: ProgramId,
    body: schemas.ProgramIn,
    ctx: Ctx,
    who: Annotated[Principal, requires(EDITORS)],
) -> schemas.ProgramOut:
    """Replace the program's title, topic and segments (slots airing it keep airing it; a
    script that is not approved may not be added while it has slots)."""
    ctx.store.programs.get(program_id)  # 404 before the references are judged
    program = _program(ctx, program_id, body)
    check_references(ctx, program)
    return program_out(ctx.timetable.replace_program(program), ctx.store.columns.names())


@router.post(
    "/{program_id}/import-scripts", response_model=schemas.ProgramOut, responses=errors(404)
)
def import_scripts(
    program_id: ProgramId, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.ProgramOut:
    """Turn the program's script files (from an imported timetable) into stored scripts,
    approved as the files were aired, to be edited in the web page like any other script."""
    program = ctx.timetable.import_script_files(
        program_id, max_script_bytes=ctx.settings.script_max_bytes
    )
    return program_out(program, ctx.store.columns.names())


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
