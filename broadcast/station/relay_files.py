"""The fallback audio of a relay program, rendered like any program ahead of air time.

A relay program has nothing to render but what covers an outage of its upstream: the
station's fallback program (``BROADCAST_FALLBACK_PROGRAM``), or by default a short spoken
notice read with the station's voice followed by the station's jingle, which the relay
feeder loops for as long as the outage lasts. Its render record carries the relay's length
as the program's duration, so the timetable knows how long the relay holds the air.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from broadcast.errors import RenderError
from broadcast.programs import Program, Segment
from broadcast.render import Renderer, RenderResult
from broadcast.script_input import Script
from broadcast.settings import Settings

NOTICE = (
    "Chương trình tiếp sóng tạm thời gián đoạn. "
    "Kính mời quý vị và các bạn chờ trong giây lát, chương trình sẽ được tiếp tục."
)
NOTICE_REF = "<relay-notice>"  # the script "file" of the default fallback's notice


def default_fallback(settings: Settings) -> Program:
    """The notice, a breath, the station's jingle, a breath: looped by the feeder."""
    return Program(
        id="_relay_fallback",
        title="Thông báo gián đoạn tiếp sóng",
        segments=(
            Segment.script_file(NOTICE_REF),
            Segment.silence(0.6),
            Segment.jingle(settings.fallback_jingle),
            Segment.silence(0.6),
        ),
    )


def fallback_program(settings: Settings, get_program: Callable[[str], Program]) -> Program:
    """The program that covers an outage (the configured one, or the default notice)."""
    if not settings.fallback_program:
        return default_fallback(settings)
    program = get_program(settings.fallback_program)
    if program.relay is not None:
        raise RenderError(
            f"Chương trình dự phòng '{program.id}' lại là một chương trình tiếp sóng; hãy "
            "chọn một chương trình được dựng sẵn (BROADCAST_FALLBACK_PROGRAM).",
            code="fallback_is_relay",
        )
    return program


def notice_script() -> Script:
    return Script(title="Thông báo gián đoạn tiếp sóng", text=NOTICE, topic="",
                  source=NOTICE_REF)


def render_relay(
    renderer: Renderer,
    program: Program,
    fallback: Program,
    out: Path,
    *,
    load_script: Callable[[Segment], Script],
    resolve_audio: Callable[[str], Path],
) -> RenderResult:
    """Render ``fallback`` to ``out`` as the relay program's file; its duration is the
    relay's."""
    relay = program.relay
    assert relay is not None

    def script_for(segment: Segment) -> Script:
        if segment.path == NOTICE_REF and segment.script_id is None:
            return notice_script()
        return load_script(segment)

    result = renderer.render_program(
        fallback, out, load_script=script_for, resolve_audio=resolve_audio
    )
    result.duration_seconds = relay.seconds
    return result


def identity(program: Program, fallback_parts: Any) -> Any:
    relay = program.relay
    assert relay is not None
    return ("relay", relay.url, relay.seconds, fallback_parts)
