"""What was published (podcast feeds, "Nghe lại"): the editors' list, and withdrawing an item."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Body, Path, Query, Request
from pydantic import BaseModel, Field

from api.auth import EDITORS, READERS, Principal, requires
from api.context import AppContext
from api.convert import nfc
from api.routes.common import AUTH_ERRORS, Ctx, errors
from broadcast.publishing.publisher import Publisher
from broadcast.publishing.wording import column_name
from broadcast.store.publications import Publication, PublicationStatus

PublicationId = Annotated[int, Path(ge=1, le=2**62)]

router = APIRouter(prefix="/api/publications", tags=["publishing"], responses=AUTH_ERRORS)


class TranscriptPartOut(BaseModel):
    title: str
    text: str
    script_id: int | None
    revision: int | None


class PublicationOut(BaseModel):
    id: int
    status: Literal["published", "withdrawn", "expired", "failed"]
    public: bool  # in the feeds and on the public page now
    title: str
    program: str
    program_title: str
    topic: str
    column: str  # the column's Vietnamese name
    announcement: bool
    aired_at: datetime
    aired_seconds: float | None
    duration_seconds: float | None
    audio_bytes: int | None
    as_run_id: int
    slug: str
    guid: str
    page_url: str | None  # absolute, while public
    audio_url: str | None
    error: str | None
    withdrawn_at: datetime | None
    withdrawn_by: str | None
    withdrawal_reason: str | None


class PublicationDetail(PublicationOut):
    transcript: list[TranscriptPartOut]


class WithdrawBody(BaseModel):
    reason: Annotated[str, Field(max_length=500)] = ""


def _publisher(request: Request) -> Publisher:
    """The public site's publisher (``create_app`` always installs the site), so that a
    withdrawal also clears the feeds it caches."""
    publisher: Publisher = request.app.state.public.publisher
    return publisher


def _base(request: Request, ctx: AppContext) -> str:
    return ctx.settings.public_url or str(request.base_url).rstrip("/")


def _out(item: Publication, request: Request, ctx: AppContext) -> PublicationOut:
    public = item.is_public(_publisher(request).policy.public_since(ctx.now()))
    base = _base(request, ctx)
    return PublicationOut(
        id=item.id,
        status=item.status,
        public=public,
        title=item.title,
        program=item.program_id,
        program_title=item.program_title,
        topic=item.topic,
        column=column_name(item.topic, ctx.store.columns.names()),
        announcement=item.announcement,
        aired_at=item.aired_at.astimezone(ctx.tz),
        aired_seconds=item.aired_seconds,
        duration_seconds=item.duration_seconds,
        audio_bytes=item.audio_bytes,
        as_run_id=item.as_run_id,
        slug=item.slug,
        guid=item.guid,
        page_url=f"{base}/nghe-lai/{item.slug}" if public else None,
        audio_url=f"{base}/feeds/audio/{item.slug}.mp3" if public else None,
        error=item.error,
        withdrawn_at=None if item.withdrawn_at is None else item.withdrawn_at.astimezone(ctx.tz),
        withdrawn_by=item.withdrawn_by,
        withdrawal_reason=item.withdrawal_reason,
    )


def _detail(item: Publication, request: Request, ctx: AppContext) -> PublicationDetail:
    return PublicationDetail(
        **_out(item, request, ctx).model_dump(),
        transcript=[TranscriptPartOut(**p.to_json()) for p in item.transcript],
    )


@router.get("", response_model=list[PublicationOut])
def list_publications(
    request: Request,
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
    status: Annotated[PublicationStatus | None, Query()] = None,
    topic: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> list[PublicationOut]:
    """Newest aired first, in every status (published, withdrawn, expired, failed)."""
    items = ctx.store.publications.list(status=status, topic=topic, limit=limit)
    return [_out(i, request, ctx) for i in items]


@router.get("/{publication_id}", response_model=PublicationDetail, responses=errors(404))
def get_publication(
    request: Request,
    publication_id: PublicationId,
    ctx: Ctx,
    who: Annotated[Principal, requires(READERS)],
) -> PublicationDetail:
    return _detail(ctx.store.publications.get(publication_id), request, ctx)


@router.post(
    "/{publication_id}/withdraw", response_model=PublicationDetail, responses=errors(404)
)
def withdraw_publication(
    request: Request,
    publication_id: PublicationId,
    ctx: Ctx,
    who: Annotated[Principal, requires(EDITORS)],
    body: Annotated[WithdrawBody | None, Body()] = None,
) -> PublicationDetail:
    """Take an item off the feeds and the public page at once (its MP3 is deleted)."""
    reason = nfc(body.reason.strip()) if body is not None else ""
    item = _publisher(request).withdraw(publication_id, by=who.name, reason=reason)
    return _detail(item, request, ctx)
