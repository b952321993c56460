"""Jingles and audio files: upload (checked by content), list, delete."""

from __future__ import annotations

import re
from typing import Annotated, Any, cast

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import FileResponse

from api import schemas
from api.auth import EDITORS, READERS, Principal, requires
from api.errors import ApiError
from api.filetypes import audio_type
from api.media_files import audio_name, delete_media, list_media, media_file, save_media
from api.routes.common import AUTH_ERRORS, Ctx, errors
from api.uploads import multipart_body, read_upload
from broadcast.mixing.jingles import DEFAULT_JINGLES, ensure_default_jingles
from broadcast.programs import Program

router = APIRouter(prefix="/api/media", tags=["media"], responses=AUTH_ERRORS)

_UPLOAD_FIELDS: dict[str, dict[str, Any]] = {
    "kind": {"type": "string", "enum": ["jingle", "audio"]},
    "name": {"type": "string", "pattern": schemas.NAME_PATTERN},
    "replace": {"type": "string", "enum": ["true", "false"]},
}


def _media_used(program: Program, kind: schemas.MediaKind) -> set[str]:
    if kind == "jingle":
        return {s.name for s in program.segments if s.name is not None}
    refs = [s.path for s in program.segments if s.kind == "audio" and s.path is not None]
    return {audio_name(r) for r in [*refs, *([program.bed] if program.bed else [])]}


@router.get("", response_model=list[schemas.MediaOut])
def get_media(ctx: Ctx, who: Annotated[Principal, requires(READERS)]) -> list[schemas.MediaOut]:
    return list_media(ctx.settings)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.MediaOut,
    responses=errors(409, 413, 507),
    openapi_extra=multipart_body(_UPLOAD_FIELDS, ["kind", "name"]),
)
async def upload_media(
    request: Request, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.MediaOut:
    """A WAV or MP3 file (judged by its bytes and by decoding it) stored as a jingle or an
    audio file under ``name``."""
    upload = await read_upload(request, max_file_bytes=ctx.settings.upload_max_bytes)
    kind = upload.fields.get("kind", "")
    name = upload.fields.get("name", "")
    if kind not in ("jingle", "audio"):
        raise ApiError(422, "Loại tệp (kind) phải là jingle hoặc audio.", code="invalid_request")
    if not re.match(schemas.NAME_PATTERN, name):
        raise ApiError(
            422,
            "Tên (name) chỉ gồm chữ thường không dấu, số, gạch ngang, gạch dưới; tối đa 64 ký tự.",
            code="invalid_request",
        )
    detected = audio_type(upload.data, upload.display_name)
    saved = save_media(
        ctx.settings,
        cast(schemas.MediaKind, kind),
        name,
        upload.data,
        detected,
        display_name=upload.display_name,
        replace=upload.fields.get("replace", "").lower() == "true",
    )
    ctx.timetable.changed()  # a replaced jingle changes the programs that use it
    return saved


@router.get(
    "/{kind}/{name}/audio",
    response_class=FileResponse,
    responses={
        200: {"content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}}},
        **errors(404),
    },
)
def play_media(
    kind: schemas.MediaKind,
    name: Annotated[str, Path(pattern=schemas.NAME_PATTERN)],
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
) -> FileResponse:
    """The stored file, to listen to it in the media library."""
    path = media_file(ctx.settings, kind, name)
    if path is None and kind == "jingle" and name in DEFAULT_JINGLES:
        # The built-in chimes are made by code: written once to hear them here.
        folder = ctx.settings.cache_dir / "default-jingles"
        ensure_default_jingles(folder, ctx.settings.sample_rate)
        path = folder / f"{name}.wav"
    if path is None:
        raise ApiError(404, f"Không có tệp «{name}».", code="not_found")
    media_type = "audio/mpeg" if path.suffix == ".mp3" else "audio/wav"
    return FileResponse(path, media_type=media_type, filename=path.name)


@router.delete("/{kind}/{name}", response_model=schemas.Done, responses=errors(404, 409))
def remove_media(
    kind: schemas.MediaKind,
    name: Annotated[str, Path(pattern=schemas.NAME_PATTERN)],
    ctx: Ctx,
    who: Annotated[Principal, requires(EDITORS)],
) -> schemas.Done:
    users = [p.id for p in ctx.store.programs.list() if name in _media_used(p, kind)]
    if users:
        raise ApiError(
            409,
            f"Tệp «{name}» đang được dùng trong chương trình {', '.join(users)}.",
            code="media_in_use",
        )
    delete_media(ctx.settings, kind, name)
    ctx.timetable.changed()
    return schemas.Done()
