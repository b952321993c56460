"""Checks shared by the program and slot routes: references exist, scripts are approved."""

from __future__ import annotations

from api.context import AppContext
from api.convert import script_ids
from api.errors import ApiError
from api.media_files import audio_name, media_file
from broadcast.errors import StoreError
from broadcast.mixing.jingles import DEFAULT_JINGLES
from broadcast.programs import Program
from broadcast.store.scripts import ScriptRecord


def _script(ctx: AppContext, script_id: int, program: Program) -> ScriptRecord:
    try:
        return ctx.store.scripts.get(script_id)
    except StoreError as exc:
        if exc.code != "not_found":
            raise
        raise ApiError(
            422,
            f"Chương trình «{program.title}» dùng tin bài số {script_id}, tin bài này không có.",
            code="unknown_script",
            script_id=script_id,
        ) from None


def check_references(ctx: AppContext, program: Program) -> list[ScriptRecord]:
    """Every script, jingle and audio file the program names must exist (422 otherwise);
    returns the scripts in segment order."""
    scripts = [_script(ctx, script_id, program) for script_id in script_ids(program)]
    for segment in program.segments:
        if (
            segment.kind == "jingle"
            and segment.ref not in DEFAULT_JINGLES
            and media_file(ctx.settings, "jingle", segment.ref) is None
        ):
            raise ApiError(
                422,
                f"Không có nhạc hiệu «{segment.ref}».",
                code="unknown_jingle",
                name=segment.ref,
            )
    audio_refs = [s.ref for s in program.segments if s.kind == "audio"]
    for ref in [*audio_refs, *([program.bed] if program.bed else [])]:
        if not (ctx.settings.media_path / ref).is_file():
            name = audio_name(ref)
            raise ApiError(422, f"Không có tệp âm thanh «{name}».", code="unknown_audio", name=name)
    return scripts


def require_approved(ctx: AppContext, program: Program) -> None:
    """A slot may air a program only if every script in it is approved (422 otherwise)."""
    for script_id in script_ids(program):
        script = _script(ctx, script_id, program)
        if not script.approved:
            raise ApiError(
                422,
                f"Tin bài «{script.title}» (số {script.id}) trong chương trình «{program.title}» "
                "chưa được duyệt; cần lãnh đạo duyệt trước khi xếp lịch phát.",
                code="script_not_approved",
                script_id=script.id,
            )
