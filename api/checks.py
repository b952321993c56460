"""Checks of a program sent to the API: every script, jingle and audio file it names exists."""

from __future__ import annotations

from api.context import AppContext
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
    scripts = [_script(ctx, script_id, program) for script_id in program.script_ids]
    if program.relay is not None and (len(program.segments) != 1 or program.bed):
        raise ApiError(
            422,
            f"Chương trình tiếp sóng «{program.title}» chỉ gồm đúng một phần tiếp sóng "
            "(không ghép với tin bài, nhạc hiệu hay nhạc nền).",
            code="relay_alone",
        )
    for segment in program.segments:
        if (
            segment.kind == "jingle"
            and segment.name is not None
            and segment.name not in DEFAULT_JINGLES
            and media_file(ctx.settings, "jingle", segment.name) is None
        ):
            raise ApiError(
                422,
                f"Không có nhạc hiệu «{segment.name}».",
                code="unknown_jingle",
                name=segment.name,
            )
    audio_refs = [s.path for s in program.segments if s.kind == "audio" and s.path is not None]
    for ref in [*audio_refs, *([program.bed] if program.bed else [])]:
        if not (ctx.settings.media_path / ref).is_file():
            name = audio_name(ref)
            raise ApiError(422, f"Không có tệp âm thanh «{name}».", code="unknown_audio", name=name)
    return scripts
