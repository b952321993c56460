"""Scripts: create (JSON or file), read, edit (new revision), delete, approve, preview."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from api import schemas
from api.auth import APPROVERS, EDITORS, READERS, Principal, requires
from api.context import AppContext
from api.convert import nfc, revision_out, script_out
from api.date_bounds import EARLIEST, LATEST, OUT_OF_RANGE, RANGE_TEXT, date_schema
from api.errors import ApiError
from api.filetypes import script_parse_name
from api.reading import preview_text
from api.routes.common import AUTH_ERRORS, Ctx, errors
from api.uploads import Upload, multipart_body, read_upload
from broadcast.script_input import parse_script
from broadcast.store.scripts import UNSET, ScriptStatus
from broadcast.voices.station import current_lexicon

ScriptId = Annotated[int, Path(ge=1, le=2**62)]

router = APIRouter(prefix="/api/scripts", tags=["scripts"], responses=AUTH_ERRORS)


def _checked_text(ctx: AppContext, text: str) -> str:
    text = nfc(text)
    size = len(text.encode("utf-8"))
    limit = ctx.settings.script_max_bytes
    if size > limit:
        raise ApiError(
            413,
            f"Tin bài quá dài ({size:,} byte); tối đa {limit:,} byte.".replace(",", "."),
            code="script_too_large",
        )
    if not any(ch.isalnum() for ch in text):
        raise ApiError(422, "Tin bài không có chữ nào để đọc.", code="script_empty")
    return text


@router.get("", response_model=list[schemas.ScriptOut])
def list_scripts(
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
    status_: Annotated[ScriptStatus | None, Query(alias="status")] = None,
    topic: Annotated[str | None, Query(max_length=100)] = None,
) -> list[schemas.ScriptOut]:
    names = ctx.store.columns.names()
    records = ctx.store.scripts.list(topic=topic, status=status_)
    return [script_out(r, ctx.tz, names) for r in records]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ScriptOut,
    responses=errors(413),
)
def create_script(
    body: schemas.ScriptCreate, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.ScriptOut:
    text = _checked_text(ctx, body.text)
    record = ctx.store.scripts.create(
        title=nfc(body.title),
        text=text,
        topic=ctx.store.columns.resolve(body.topic),
        voice=body.voice,
        engine=body.engine,
        by=who.name,
        air_date=body.air_date,
    )
    if body.air_date is not None:
        ctx.timetable.changed()  # a bulletin of the day changes what its slots air
    return script_out(record, ctx.tz, ctx.store.columns.names())


_UPLOAD_FIELDS: dict[str, dict[str, Any]] = {
    "title": {"type": "string", "maxLength": 200},
    "topic": {"type": "string", "maxLength": 100},
    "air_date": date_schema("date", "the day this script is its column's bulletin"),
}


@router.post(
    "/upload",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.ScriptOut,
    responses=errors(413),
    openapi_extra=multipart_body(_UPLOAD_FIELDS, []),
)
async def upload_script(
    request: Request, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.ScriptOut:
    """A .txt, .md or .docx file (judged by its content). Front matter in the file may give
    the title and topic; the form fields override them."""
    upload = await read_upload(request, max_file_bytes=ctx.settings.upload_max_bytes)
    # Reading a .docx is CPU work and the store is blocking I/O: both off the event loop.
    return await run_in_threadpool(_store_upload, ctx, upload, who)


def _store_upload(ctx: AppContext, upload: Upload, who: Principal) -> schemas.ScriptOut:
    parse_name = script_parse_name(upload.data, upload.display_name)
    script = parse_script(upload.data, parse_name, ctx.settings.script_max_bytes)
    given_title = nfc(upload.fields.get("title", ""))
    title = given_title or script.title
    topic = nfc(upload.fields.get("topic", "")) or script.topic
    if len(title) > 200 or len(topic) > 100:
        raise ApiError(422, "Tiêu đề hoặc chuyên mục quá dài.", code="invalid_request")
    air_date = _date_field(upload.fields.get("air_date", ""))
    record = ctx.store.scripts.create(
        title=title,
        text=script.text,
        topic=ctx.store.columns.resolve(topic),
        voice=script.voice,
        engine=script.engine,
        by=who.name,
        air_date=air_date,
    )
    if air_date is not None:
        ctx.timetable.changed()
    out = script_out(record, ctx.tz, ctx.store.columns.names())
    source = "given" if given_title else script.title_source
    return out.model_copy(update={"title_source": source})


def _date_field(value: str) -> dt.date | None:
    if not value.strip():
        return None
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ApiError(
            422, "Ngày phát (air_date) phải có dạng YYYY-MM-DD.", code="invalid_request"
        ) from None
    if not EARLIEST <= day <= LATEST:
        raise ApiError(
            422, f"Ngày phát {day:%d/%m/%Y} nằm ngoài khoảng cho phép ({RANGE_TEXT}).",
            code=OUT_OF_RANGE,
        )
    return day


@router.get("/{script_id}", response_model=schemas.ScriptOut, responses=errors(404))
def get_script(
    script_id: ScriptId, ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> schemas.ScriptOut:
    """With ``approved_text``: while an edit waits for approval, the text that was approved
    (what airs meanwhile), for the approver to compare."""
    record = ctx.store.scripts.get(script_id)
    out = script_out(record, ctx.tz, ctx.store.columns.names())
    if not record.approved:
        approved = ctx.store.scripts.last_approved_revision(script_id)
        if approved is not None:
            out = out.model_copy(update={"approved_text": approved.text})
    return out


@router.put("/{script_id}", response_model=schemas.ScriptOut, responses=errors(404, 413))
def update_script(
    script_id: ScriptId,
    body: schemas.ScriptUpdate,
    ctx: Ctx,
    who: Annotated[Principal, requires(EDITORS)],
) -> schemas.ScriptOut:
    """Saves a new revision; an approved script whose content changes goes back to draft."""
    given = body.model_fields_set
    changes: dict[str, Any] = {}
    if "title" in given and body.title is not None:
        changes["title"] = nfc(body.title)
    if "topic" in given and body.topic is not None:
        changes["topic"] = ctx.store.columns.resolve(body.topic)
    if "text" in given and body.text is not None:
        changes["text"] = _checked_text(ctx, body.text)
    for name in ("voice", "engine"):
        if name in given:
            changes[name] = getattr(body, name)
    record = ctx.store.scripts.update(
        script_id,
        title=changes.get("title", UNSET),
        text=changes.get("text", UNSET),
        topic=changes.get("topic", UNSET),
        voice=changes.get("voice", UNSET),
        engine=changes.get("engine", UNSET),
        air_date=body.air_date if "air_date" in given else UNSET,
        by=who.name,
    )
    ctx.timetable.changed()  # what a slot airs may have changed (or lost approval)
    return script_out(record, ctx.tz, ctx.store.columns.names())


@router.delete("/{script_id}", response_model=schemas.Done, responses=errors(404, 409))
def delete_script(
    script_id: ScriptId, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> schemas.Done:
    ctx.store.scripts.delete(script_id)
    return schemas.Done()


@router.get(
    "/{script_id}/revisions", response_model=list[schemas.RevisionOut], responses=errors(404)
)
def list_revisions(
    script_id: ScriptId, ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> list[schemas.RevisionOut]:
    return [revision_out(r, ctx.tz) for r in ctx.store.scripts.revisions(script_id)]


@router.post(
    "/{script_id}/approve", response_model=schemas.ScriptOut, responses=errors(404, 409)
)
def approve_script(
    script_id: ScriptId,
    ctx: Ctx,
    who: Annotated[Principal, requires(APPROVERS)],
    body: Annotated[schemas.ApproveIn | None, Body()] = None,
) -> schemas.ScriptOut:
    """Approve the current revision. With ``{"revision": N}`` (the web page always sends the
    revision shown to the approver), 409 ``revision_changed`` if the script was edited since."""
    revision = None if body is None else body.revision
    record = ctx.store.scripts.approve(script_id, by=who.name, revision=revision)
    ctx.timetable.changed()
    return script_out(record, ctx.tz, ctx.store.columns.names())


@router.get("/{script_id}/preview", response_model=schemas.PreviewOut, responses=errors(404))
def preview_script(
    script_id: ScriptId, ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> schemas.PreviewOut:
    record = ctx.store.scripts.get(script_id)
    return preview_text(record.text, current_lexicon(ctx.settings, ctx.store).lexicon)


@router.get(
    "/{script_id}/audio",
    response_class=FileResponse,
    responses={
        200: {"content": {"audio/mpeg": {"schema": {"type": "string", "format": "binary"}}}},
        **errors(404, 502, 503),
    },
)
def script_audio(
    script_id: ScriptId, ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> FileResponse:
    ctx.store.scripts.get(script_id)
    path = ctx.station.preview_script(script_id)
    return FileResponse(path, media_type="audio/mpeg", filename=f"tin-bai-{script_id}.mp3")
