"""On air: what plays now and next, stop, emergency and priority announcements."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api import schemas
from api.auth import APPROVERS, ON_AIR, READERS, Principal, forbidden, requires
from api.context import AppContext
from api.convert import entry_out, nfc, on_air_out, priority_name
from api.errors import ApiError
from api.routes.common import AUTH_ERRORS, Ctx, errors
from broadcast.columns import EMERGENCY_COLUMN
from broadcast.programs import Program, Segment
from broadcast.scheduling.model import Priority
from broadcast.store.scripts import ScriptRecord

router = APIRouter(prefix="/api", tags=["on air"], responses=AUTH_ERRORS)

UPCOMING = 5


@router.get("/now", response_model=schemas.NowOut)
def now_playing(ctx: Ctx, who: Annotated[Principal, requires(READERS)]) -> schemas.NowOut:
    playing = ctx.station.on_air()
    names = ctx.store.columns.names()
    return schemas.NowOut(
        on_air=None if playing is None else on_air_out(playing, ctx.tz),
        next=[entry_out(e, ctx.tz, names) for e in ctx.station.upcoming(UPCOMING)],
    )


@router.post("/onair/stop", response_model=schemas.StopOut, responses=errors(503))
def stop(ctx: Ctx, who: Annotated[Principal, requires(ON_AIR)]) -> schemas.StopOut:
    stopped = ctx.station.stop()
    ctx.timetable_cache.clear()  # the status of what was on air changes
    return schemas.StopOut(stopped=stopped)


def _script_for(ctx: AppContext, body: schemas.AnnouncementIn, who: Principal) -> ScriptRecord:
    if body.script_id is not None:
        script = ctx.store.scripts.get(body.script_id)
        if not script.approved:
            raise ApiError(
                422,
                f"Tin bài «{script.title}» chưa được duyệt, không phát được.",
                code="script_not_approved",
                script_id=script.id,
            )
        return script
    # Typed text goes on air without a separate review: only an approver may order it, and
    # the script is recorded as approved by them.
    if not who.may(APPROVERS):
        raise forbidden("chỉ lãnh đạo duyệt mới được phát thông báo soạn trực tiếp")
    assert body.text is not None
    text = nfc(body.text)
    if not any(ch.isalnum() for ch in text):
        raise ApiError(422, "Thông báo không có chữ nào để đọc.", code="script_empty")
    title = nfc(body.title or "") or "Thông báo khẩn cấp"
    # Typed announcements count under their own column unless another is chosen.
    topic = ctx.store.columns.resolve(nfc(body.topic) or EMERGENCY_COLUMN)
    script = ctx.store.scripts.create(title=title, text=text, topic=topic, by=who.name)
    return ctx.store.scripts.approve(script.id, by=who.name)


def _program_for(ctx: AppContext, script: ScriptRecord) -> Program:
    # Straight speech, no jingle: an announcement must start at once.
    title = script.title
    if not title.startswith("Thông báo"):
        title = f"Thông báo: {title}"
    program = Program(
        id=f"thong-bao-tin-{script.id}",
        title=title,
        topic=script.topic,
        segments=(Segment.stored_script(script.id),),
    )
    if ctx.store.programs.find(program.id) is None:
        return ctx.timetable.create_program(program, id_base=program.id)
    return ctx.timetable.replace_program(program)


@router.post(
    "/announcements",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.AnnouncementOut,
    responses=errors(404, 502, 503),
)
def announce(
    body: schemas.AnnouncementIn, ctx: Ctx, who: Annotated[Principal, requires(ON_AIR)]
) -> schemas.AnnouncementOut:
    """Play now (interrupting lower priorities), ``repeat`` times ``every_minutes`` apart,
    on every speaker cluster, or on ``clusters`` (``"local"``: the station's own output), or
    on the clusters of a ``zone``. Everybody may announce an approved script; typed text
    needs an approver."""
    clusters = _targets(ctx, body)
    script = _script_for(ctx, body, who)
    program = _program_for(ctx, script)
    announcement = ctx.station.announce(
        program.id,
        Priority.parse(body.priority),
        repeat=body.repeat,
        every_minutes=body.every_minutes,
        ordered_by=who.name,
        clusters=clusters,
    )
    return schemas.AnnouncementOut(
        id=announcement.id,
        program_id=announcement.program_id,
        script_id=script.id,
        priority=priority_name(announcement.priority),
        starts=[s.astimezone(ctx.tz) for s in announcement.starts],
        clusters=None if clusters is None else sorted(clusters),
    )


def _targets(ctx: AppContext, body: schemas.AnnouncementIn) -> frozenset[str] | None:
    """Where an announcement airs: the clusters listed, those of a zone, or everywhere."""
    if body.clusters is not None:
        return frozenset(body.clusters)
    if body.zone is None:
        return None
    zone = nfc(body.zone)
    found = frozenset(c.id for c in ctx.store.clusters.list() if c.zone == zone)
    if not found:
        raise ApiError(
            422, f"Không có cụm loa nào thuộc khu vực «{zone}».", code="unknown_zone", zone=zone
        )
    return found


@router.get("/announcements", response_model=list[schemas.ActiveAnnouncementOut])
def list_announcements(
    ctx: Ctx, who: Annotated[Principal, requires(READERS)]
) -> list[schemas.ActiveAnnouncementOut]:
    """Announcements on air or still to come, so any device can see and cancel them."""
    out = []
    for announcement in ctx.station.announcements():
        program = ctx.store.programs.find(announcement.program_id)
        out.append(
            schemas.ActiveAnnouncementOut(
                id=announcement.id,
                program_id=announcement.program_id,
                title=program.title if program is not None else announcement.program_id,
                priority=priority_name(announcement.priority),
                starts=[s.astimezone(ctx.tz) for s in announcement.starts],
            )
        )
    return out


@router.delete(
    "/announcements/{announcement_id}", response_model=schemas.CancelOut,
    responses=errors(404, 503),
)
def cancel_announcement(
    announcement_id: Annotated[int, Path(ge=1, le=2**62)],
    ctx: Ctx,
    who: Annotated[Principal, requires(ON_AIR)],
) -> schemas.CancelOut:
    """Cancel the repeats not aired yet (and stop it if it is playing)."""
    cancelled = ctx.station.cancel_announcement(announcement_id)
    return schemas.CancelOut(cancelled=cancelled)
