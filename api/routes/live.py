"""Live speech ("Phát trực tiếp"), the relay URL check, and the published stream for clusters."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, status
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from api.auth import EDITORS, LIVE, READERS, Principal, requires
from api.context import AppContext
from api.convert import local_iso
from api.errors import ApiError
from api.routes.common import AUTH_ERRORS, Ctx, errors
from api.schemas import RELAY_URL_PATTERN
from broadcast.errors import PlayoutError
from broadcast.scheduling.model import Priority
from broadcast.station.live_desk import LiveControl, LiveView

router = APIRouter(prefix="/api", tags=["live and relay"], responses=AUTH_ERRORS)


class LiveIn(BaseModel):
    priority: Literal["priority", "emergency"] = "emergency"


class LiveOut(BaseModel):
    on_air: bool
    entry_id: int | None = None
    priority: str | None = None
    ordered_by: str | None = None
    device: str | None = None
    ordered_at: str | None = None
    started_at: str | None = None
    ended_at: str | None = None
    seconds: float | None = None


class RelayCheckIn(BaseModel):
    url: Annotated[str, Field(min_length=8, max_length=2000, pattern=RELAY_URL_PATTERN)]


class RelayCheckOut(BaseModel):
    ok: bool
    seconds: float = Field(description="audio decoded during the test")
    error: str | None = None


class StreamOut(BaseModel):
    """What a speaker-cluster agent needs to air the station's live/relay output in step."""

    published: bool
    url: str | None = None
    codec: str = "vorbis"
    rate: int = 48_000
    epoch_of_sample_zero: float | None = Field(
        None, description="station clock (epoch s) at which the stream's sample 0 was heard"
    )
    delay_seconds: float = Field(description="agents play sample n at epoch + n/rate + delay")


def _live(ctx: AppContext) -> LiveControl:
    live = getattr(ctx.station, "live", None)
    if live is None:
        raise ApiError(503, "Trạm phát này không hỗ trợ phát trực tiếp.", code="live_unavailable")
    return live


def _out(ctx: AppContext, view: LiveView | None, on_air: bool) -> LiveOut:
    if view is None:
        return LiveOut(on_air=False)

    def iso(value: Any) -> str | None:
        return None if value is None else local_iso(value, ctx.tz).isoformat()

    return LiveOut(
        on_air=on_air, entry_id=view.entry_id, priority=view.priority.label,
        ordered_by=view.ordered_by, device=view.device, ordered_at=iso(view.ordered_at),
        started_at=iso(view.started_at), ended_at=iso(view.ended_at), seconds=view.seconds,
    )


@router.get("/live", response_model=LiveOut)
def live_state(ctx: Ctx, who: Annotated[Principal, requires(READERS)]) -> LiveOut:
    view = _live(ctx).current()
    return _out(ctx, view, view is not None and view.ended_at is None)


@router.post("/live", status_code=status.HTTP_201_CREATED, response_model=LiveOut,
             responses=errors(409, 503))
def live_start(
    body: LiveIn, ctx: Ctx, who: Annotated[Principal, requires(LIVE)]
) -> LiveOut:
    """Put the station's microphone / line-in on air now; it interrupts what plays."""
    view = _live(ctx).start(Priority.parse(body.priority), who.name)
    ctx.timetable_cache.clear()
    return _out(ctx, view, True)


@router.delete("/live", response_model=LiveOut, responses=errors(404))
def live_stop(ctx: Ctx, who: Annotated[Principal, requires(LIVE)]) -> LiveOut:
    """End the live broadcast; the answer has its logged duration."""
    view = _live(ctx).stop()
    if view is None:
        raise ApiError(
            404, "Không có buổi phát trực tiếp nào đang diễn ra.", code="live_not_on_air"
        )
    ctx.timetable_cache.clear()
    return _out(ctx, view, False)


@router.post("/relay/check", response_model=RelayCheckOut)
async def relay_check(
    body: RelayCheckIn, ctx: Ctx, who: Annotated[Principal, requires(EDITORS)]
) -> RelayCheckOut:
    """Test connection to a relay URL: connect and decode one second (at most 8 s)."""
    from broadcast.relay.ffmpeg import probe

    try:
        result = await run_in_threadpool(probe, body.url, rate=ctx.settings.sample_rate)
    except PlayoutError as exc:
        return RelayCheckOut(ok=False, seconds=0.0, error=exc.message)
    except (OSError, ValueError) as exc:  # a URL ffmpeg cannot even be started with
        return RelayCheckOut(ok=False, seconds=0.0, error=str(exc))
    return RelayCheckOut(ok=result.ok, seconds=round(result.seconds, 3), error=result.error)


@router.get("/stream", response_model=StreamOut)
def published_stream(ctx: Ctx, who: Annotated[Principal, requires(READERS)]) -> StreamOut:
    """The station's output as published for the speaker clusters (see README)."""
    return stream_out(ctx)


def stream_out(ctx: AppContext) -> StreamOut:
    """The published stream as it is now (also what ``/api/agent/stream`` answers)."""
    output = getattr(ctx.station, "stream_out", None)
    info = None if output is None else output.info()
    delay = ctx.settings.cluster_delay_seconds
    if info is None:
        return StreamOut(published=False, epoch_of_sample_zero=None, delay_seconds=delay)
    return StreamOut(published=True, url=info.url, rate=info.rate,
                     epoch_of_sample_zero=info.epoch_of_sample_zero, delay_seconds=delay)
