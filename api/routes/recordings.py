"""The editor's own voice ("Tự đọc"): a recording of a whole script, or of each sentence,
uploaded (the page records it in the browser); Loa trims it, removes rumble, levels it, and
airs it in place of text-to-speech while it matches the script's text."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse

from api import voice_schemas as vs
from api.auth import EDITORS, READERS, Principal, requires
from api.context import AppContext
from api.errors import ApiError
from api.routes.common import AUTH_ERRORS, Ctx, errors
from api.routes.scripts import ScriptId
from api.uploads import multipart_body, read_upload
from broadcast.mixing.recording import process_recording
from broadcast.store.recordings import Recording, text_digest
from broadcast.voices.recordings import RecordingPlan, plan_recordings, script_sentences

router = APIRouter(prefix="/api/scripts", tags=["recordings"], responses=AUTH_ERRORS)

RECORDINGS_FOLDER = "recordings"
SentenceNumber = Annotated[int | None, Query(ge=1, le=10_000)]


def _folder(ctx: AppContext) -> Path:
    return ctx.settings.media_path / RECORDINGS_FOLDER


def _recording_out(rec: Recording, current: bool) -> vs.RecordingOut:
    return vs.RecordingOut(
        sentence=None if rec.sentence is None else rec.sentence + 1,
        recorded_text=rec.recorded_text,
        current=current,
        duration_seconds=round(rec.duration_seconds, 3),
        original_name=rec.original_name,
        processing=rec.processing,
        created_by=rec.created_by,
        created_at=rec.created_at,
    )


def _status(ctx: AppContext, script_id: int) -> vs.RecordingsOut:
    record = ctx.store.scripts.get(script_id)
    recordings = ctx.store.recordings.list(script_id)
    plan: RecordingPlan = plan_recordings(record.text, recordings, ctx.settings.media_path)
    current = {state.recording.id: state.current for state in plan.states}
    recorded = {r.text_sha256 for r in recordings if r.sentence is not None}
    whole = next((r for r in recordings if r.sentence is None), None)
    return vs.RecordingsOut(
        script_id=script_id,
        airs=plan.kind,  # type: ignore[arg-type]
        note=plan.note,
        whole=None if whole is None else _recording_out(whole, current.get(whole.id, False)),
        sentences=[
            vs.SentenceRecordingOut(number=i + 1, text=s, recorded=text_digest(s) in recorded)
            for i, s in enumerate(script_sentences(record.text))
        ],
        recordings=[_recording_out(r, current.get(r.id, False)) for r in recordings],
    )


@router.get(
    "/{script_id}/recordings", response_model=vs.RecordingsOut, responses=errors(404)
)
def recordings_of(
    script_id: ScriptId, ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> vs.RecordingsOut:
    """The script's recordings, whether each still matches the text, the sentences to record
    (the prompter's text), and what the next render airs (and why a voice reads, if so)."""
    return _status(ctx, script_id)


_UPLOAD_FIELDS: dict[str, dict[str, Any]] = {
    "sentence": {
        "type": "string",
        "pattern": "^[0-9]{1,5}$",
        "description": "Số thứ tự câu (từ 1); bỏ trống: bản thu cả bài",
    },
}


@router.post(
    "/{script_id}/recordings",
    status_code=status.HTTP_201_CREATED,
    response_model=vs.RecordingsOut,
    responses=errors(404, 413),
    openapi_extra=multipart_body(_UPLOAD_FIELDS, []),
)
async def upload_recording(
    script_id: ScriptId,
    request: Request,
    ctx: Ctx,
    who: Annotated[Principal, requires(EDITORS)],
) -> vs.RecordingsOut:
    """A recording (WebM/Opus from the browser, OGG, MP3, M4A or WAV) of the whole script, or
    of sentence ``sentence`` (as numbered by ``GET …/recordings``). It replaces the previous
    recording of the same part."""
    record = ctx.store.scripts.get(script_id)
    upload = await read_upload(request, max_file_bytes=ctx.settings.upload_max_bytes)
    number_field = upload.fields.get("sentence", "").strip()
    sentence: int | None = None
    recorded_text = record.text
    if number_field:
        if not number_field.isdigit() or int(number_field) < 1:
            raise ApiError(422, "Số thứ tự câu không hợp lệ.", code="invalid_request")
        sentences = script_sentences(record.text)
        if int(number_field) > len(sentences):
            raise ApiError(
                422,
                f"Bài chỉ có {len(sentences)} câu, không có câu {number_field}.",
                code="sentence_out_of_range",
            )
        sentence = int(number_field) - 1
        recorded_text = sentences[sentence]
    folder = _folder(ctx)
    part = "ca-bai" if sentence is None else f"cau-{sentence + 1}"
    name = f"tin-bai-{script_id}-{part}-{uuid.uuid4().hex[:8]}.wav"
    processed = folder / name
    stats = await run_in_threadpool(
        _process, folder, upload.data, processed, ctx.settings.sample_rate,
        ctx.settings.loudness_target_lufs,
    )
    try:
        _, replaced = ctx.store.recordings.save(
            script_id=script_id,
            sentence=sentence,
            recorded_text=recorded_text,
            path=Path(RECORDINGS_FOLDER) / name,
            duration_seconds=float(stats["duration_seconds"]),
            original_name=upload.display_name,
            processing=stats,
            by=who.name,
        )
    except BaseException:
        processed.unlink(missing_ok=True)
        raise
    if replaced is not None:
        (ctx.settings.media_path / replaced).unlink(missing_ok=True)
    ctx.timetable.changed()
    return _status(ctx, script_id)


def _process(
    folder: Path, data: bytes, out: Path, sample_rate: int, target: float
) -> dict[str, Any]:
    folder.mkdir(parents=True, exist_ok=True)
    fd, incoming = tempfile.mkstemp(prefix=".upload-", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        # Speech levelled a little under the programme target: the mixer sets the final level.
        result = process_recording(
            Path(incoming), out, sample_rate=sample_rate, target_lufs=target - 2.0
        )
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(incoming)
    return result.as_dict()


@router.get(
    "/{script_id}/recordings/audio",
    response_class=FileResponse,
    responses={
        200: {"content": {"audio/wav": {"schema": {"type": "string", "format": "binary"}}}},
        **errors(404),
    },
)
def recording_audio(
    script_id: ScriptId,
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
    sentence: SentenceNumber = None,
) -> FileResponse:
    """The processed recording (as it will air) of the whole script or of one sentence."""
    ctx.store.scripts.get(script_id)
    rec = ctx.store.recordings.get(script_id, None if sentence is None else sentence - 1)
    path = None if rec is None else ctx.settings.media_path / rec.path
    if path is None or not path.is_file():
        raise ApiError(404, "Chưa có bản thu này.", code="not_found")
    part = "ca-bai" if sentence is None else f"cau-{sentence}"
    return FileResponse(path, media_type="audio/wav", filename=f"tin-bai-{script_id}-{part}.wav")


@router.delete(
    "/{script_id}/recordings", response_model=vs.RecordingsOut, responses=errors(404)
)
def delete_recording(
    script_id: ScriptId,
    ctx: Ctx,
    who: Annotated[Principal, requires(EDITORS)],
    sentence: SentenceNumber = None,
) -> vs.RecordingsOut:
    """Remove the recording of the whole script (no ``sentence``) or of one sentence."""
    ctx.store.scripts.get(script_id)
    path = ctx.store.recordings.delete(script_id, None if sentence is None else sentence - 1)
    if path is None:
        raise ApiError(404, "Chưa có bản thu này.", code="not_found")
    (ctx.settings.media_path / path).unlink(missing_ok=True)
    ctx.timetable.changed()
    return _status(ctx, script_id)
