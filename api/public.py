"""What anyone may read without a login: the podcast feeds, the published MP3s, and the "Nghe
lại" pages (list, one page per programme with Open Graph tags, an embeddable player).

Read-only (GET and HEAD), rate-limited per client address, and only ever about items that are
``published`` and within the retention: a withdrawn, expired, failed or never-published item
answers 404 exactly like one that does not exist. Absolute addresses start with
``BROADCAST_PUBLIC_URL`` (else the address the request came to).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from api.context import AppContext
from api.errors import ApiError
from api.ratelimit import RateLimiter, retry_after
from api.sessions import ResponseCache
from broadcast.publishing.feed import Channel, FeedItem, rss
from broadcast.publishing.policy import PublishPolicy
from broadcast.publishing.publisher import Publisher
from broadcast.publishing.wording import (
    column_name,
    day_title,
    duration_text,
    excerpt,
    paragraphs,
)
from broadcast.settings import Settings
from broadcast.store.publications import Publication

log = logging.getLogger(__name__)

_HERE = Path(__file__).parent
DEFAULT_COVER = _HERE / "static" / "public" / "cover.png"
PAGE_SIZE = 20
FEED_SIZE = 100
FEED_TTL_SECONDS = 30.0
LIST_PATH = "/nghe-lai"

_COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}
# No script at all on the public pages; images may come from the station's configured address.
_PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' https: data:; media-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# The embeddable player may be framed by any site (no frame-ancestors at all: "*" would still
# refuse a page opened from a file or about:blank).
_EMBED_CSP = _PAGE_CSP.replace("; frame-ancestors 'none'", "")
PAGE_CACHE = "public, max-age=60"
AUDIO_CACHE = "public, max-age=300"


# --- what the routes share ------------------------------------------------------------------


@dataclass
class PublicSite:
    """The public side's own state, kept on ``app.state.public``."""

    settings: Settings
    publisher: Publisher
    limiter: RateLimiter
    templates: Jinja2Templates
    tz: ZoneInfo
    # Feeds are polled by every subscriber's app: each is built at most once per TTL, and
    # again at once after anything was published, withdrawn or expired.
    feeds: ResponseCache = field(default_factory=lambda: ResponseCache(ttl=FEED_TTL_SECONDS))

    @property
    def policy(self) -> PublishPolicy:
        return self.publisher.policy

    def base_url(self, request: Request) -> str:
        return self.settings.public_url or str(request.base_url).rstrip("/")

    def image_url(self, base: str) -> str:
        image = self.settings.public_image
        if image and image.startswith(("https://", "http://")):
            return image
        return f"{base}/feeds/cover.{_cover_extension(self.settings)}"

    def column(self, topic: str) -> str:
        return column_name(topic, self.publisher.store.columns.names())


def _site(request: Request) -> PublicSite:
    site: PublicSite = request.app.state.public
    return site


def _ctx(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.loa
    return ctx


async def rate_limited(request: Request) -> None:
    """The brake every public route goes through."""
    client = request.client.host if request.client is not None else "?"
    wait = _site(request).limiter.take(client)
    if wait > 0:
        raise ApiError(
            429,
            "Bạn đã mở quá nhiều trang trong thời gian ngắn; vui lòng đợi một lát rồi thử lại.",
            code="rate_limited",
            headers={"Retry-After": retry_after(wait)},
        )


router = APIRouter(include_in_schema=False, dependencies=[Depends(rate_limited)])


def _cover_extension(settings: Settings) -> str:
    image = settings.public_image
    if image and not image.startswith(("https://", "http://")):
        suffix = Path(image).suffix.lower().lstrip(".")
        if suffix in ("png", "jpg", "jpeg"):
            return "jpg" if suffix == "jpeg" else suffix
    return "png"


def _headers(cache: str, csp: str | None = None) -> dict[str, str]:
    headers = {**_COMMON_HEADERS, "Cache-Control": cache}
    if csp is not None:
        headers["Content-Security-Policy"] = csp
    return headers


def _since(request: Request) -> datetime:
    return _site(request).policy.public_since(_ctx(request).now())


def _public_item(request: Request, slug: str) -> Publication | None:
    """The item, only if it is public now."""
    item = _ctx(request).store.publications.by_slug(slug)
    return item if item is not None and item.is_public(_since(request)) else None


# --- the items as the pages show them -------------------------------------------------------


@dataclass(frozen=True)
class Part:
    title: str
    paragraphs: list[str]


@dataclass(frozen=True)
class ItemView:
    slug: str
    title: str
    program_title: str
    topic: str
    column: str
    aired_local: datetime
    when: str  # "06:00, Thứ Hai 01/12/2025"
    duration: str
    page_url: str
    audio_url: str
    embed_url: str
    column_url: str
    parts: list[Part]
    summary: str


def _view(site: PublicSite, base: str, item: Publication) -> ItemView:
    local = item.aired_at.astimezone(site.tz)
    headings = len(item.transcript) > 1
    return ItemView(
        slug=item.slug,
        title=item.title,
        program_title=item.program_title,
        topic=item.topic,
        column=site.column(item.topic),
        aired_local=local,
        when=f"{local:%H:%M}, {day_title(local.date())}",
        duration=duration_text(item.duration_seconds),
        page_url=f"{base}{LIST_PATH}/{item.slug}",
        audio_url=f"{base}/feeds/audio/{item.slug}.mp3",
        embed_url=f"{base}{LIST_PATH}/{item.slug}/nhung",
        column_url=f"{base}{LIST_PATH}?{urlencode({'chuyen-muc': item.topic})}",
        parts=[
            Part(p.title if headings else "", paragraphs(p.text)) for p in item.transcript
        ],
        summary=excerpt(item.text, 200),
    )


def _page(
    request: Request, template: str, context: dict[str, Any], *, status: int = 200,
    csp: str = _PAGE_CSP,
) -> Response:
    site = _site(request)
    base = site.base_url(request)
    common = {
        "station": site.settings.public_name,
        "station_description": site.settings.public_description,
        "image_url": site.image_url(base),
        "base": base,
        "list_url": f"{base}{LIST_PATH}",
        "all_feed_url": f"{base}/feeds/all.xml",
    }
    response = site.templates.TemplateResponse(
        request, template, {**common, **context}, status_code=status
    )
    response.headers.update(_headers(PAGE_CACHE if status == 200 else "no-store", csp))
    return response


def _not_found(request: Request) -> Response:
    return _page(
        request, "public/not_found.html",
        {"title": "Không tìm thấy chương trình"}, status=404,
    )


# --- pages ----------------------------------------------------------------------------------


@router.api_route(LIST_PATH, methods=["GET", "HEAD"], response_class=HTMLResponse)
def listen_again(
    request: Request,
    topic: Annotated[str | None, Query(alias="chuyen-muc", max_length=100)] = None,
    day: Annotated[str | None, Query(alias="ngay", max_length=20)] = None,
    page: Annotated[int, Query(alias="trang", ge=1, le=10_000)] = 1,
) -> Response:
    """Programmes by column and date, newest first, each with its player and full text."""
    site, ctx = _site(request), _ctx(request)
    base = site.base_url(request)
    since = _since(request)
    topics_public = ctx.store.publications.public_topics(since=since)
    error = None
    aired_from = aired_until = None
    chosen_day: date | None = None
    if day:
        try:
            chosen_day = date.fromisoformat(day)
        except ValueError:
            error = f"Ngày “{day}” không hợp lệ; hãy chọn ngày theo dạng năm-tháng-ngày."
        else:
            aired_from = datetime.combine(chosen_day, datetime.min.time(), tzinfo=site.tz)
            aired_until = aired_from + timedelta(days=1)
    topic = topic or None
    topics = [topic] if topic else None
    total = ctx.store.publications.count_public(
        since=since, topics=topics, aired_from=aired_from, aired_until=aired_until
    )
    items = ctx.store.publications.public(
        since=since, topics=topics, aired_from=aired_from, aired_until=aired_until,
        limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE,
    )
    views = [_view(site, base, i) for i in items]
    days: list[tuple[str, list[ItemView]]] = []
    for view in views:
        title = day_title(view.aired_local.date())
        if not days or days[-1][0] != title:
            days.append((title, []))
        days[-1][1].append(view)

    def link(**changes: Any) -> str:
        query = {"chuyen-muc": topic, "ngay": day if chosen_day else None, "trang": page}
        query.update(changes)
        kept = {k: v for k, v in query.items() if v not in (None, "", 1)}
        return f"{LIST_PATH}?{urlencode(kept)}" if kept else LIST_PATH

    pages = max(1, -(-total // PAGE_SIZE))
    columns = [
        {"topic": t, "name": site.column(t), "url": link(**{"chuyen-muc": t, "trang": None}),
         "feed_url": f"{base}/feeds/{t}.xml", "current": t == topic}
        for t in topics_public
    ]
    heading = "Nghe lại"
    if topic:
        heading = f"Nghe lại: {site.column(topic)}"
    return _page(
        request, "public/list.html",
        {
            "title": heading,
            "heading": heading,
            "days": days,
            "columns": columns,
            "all_url": link(**{"chuyen-muc": None, "trang": None}),
            "all_days_url": link(ngay=None, trang=None),
            "topic": topic,
            "topic_feed_url": f"{base}/feeds/{topic}.xml" if topic in topics_public else None,
            "day_value": chosen_day.isoformat() if chosen_day else "",
            "day_title": day_title(chosen_day) if chosen_day else "",
            "error": error,
            "total": total,
            "page": page,
            "pages": pages,
            "previous_url": link(trang=page - 1) if page > 1 else None,
            "next_url": link(trang=page + 1) if page < pages else None,
            "canonical": f"{base}{link()}",
        },
        status=422 if error else 200,
    )


@router.api_route(LIST_PATH + "/{slug}", methods=["GET", "HEAD"], response_class=HTMLResponse)
def programme_page(request: Request, slug: str) -> Response:
    """One programme: player, full text, Open Graph tags for links shared on Zalo/Facebook,
    and the code to embed its player."""
    item = _public_item(request, slug)
    if item is None:
        return _not_found(request)
    site = _site(request)
    view = _view(site, site.base_url(request), item)
    return _page(
        request, "public/item.html",
        {"title": item.title, "item": view, "default_cover": not site.settings.public_image},
    )


@router.api_route(
    LIST_PATH + "/{slug}/nhung", methods=["GET", "HEAD"], response_class=HTMLResponse
)
def embedded_player(request: Request, slug: str) -> Response:
    """A small player page for an <iframe> on the commune's website."""
    item = _public_item(request, slug)
    if item is None:
        return _not_found(request)
    site = _site(request)
    view = _view(site, site.base_url(request), item)
    return _page(request, "public/embed.html", {"title": item.title, "item": view},
                 csp=_EMBED_CSP)


# --- feeds and files ------------------------------------------------------------------------


def _feed(request: Request, topic: str | None) -> Response:
    site = _site(request)
    base = site.base_url(request)
    key = (topic, base)
    body = site.feeds.get(key)
    if body is None:
        body = _feed_body(request, site, base, topic)
        site.feeds.put(key, body)
    return Response(
        body, media_type="application/rss+xml; charset=utf-8", headers=_headers(PAGE_CACHE)
    )


def _feed_body(request: Request, site: PublicSite, base: str, topic: str | None) -> bytes:
    ctx = _ctx(request)
    since = _since(request)
    items = ctx.store.publications.public(
        since=since, topics=None if topic is None else [topic], limit=FEED_SIZE
    )
    name = site.settings.public_name
    if topic is None:
        title, link, feed_url = name, f"{base}{LIST_PATH}", f"{base}/feeds/all.xml"
        description = site.settings.public_description
    else:
        column = site.column(topic)
        title = f"{column} — {name}"
        link = f"{base}{LIST_PATH}?{urlencode({'chuyen-muc': topic})}"
        feed_url = f"{base}/feeds/{topic}.xml"
        description = f"Chuyên mục “{column}”. {site.settings.public_description}"
    author = site.settings.public_author or name
    channel = Channel(
        title=title, description=description, link=link, feed_url=feed_url,
        image_url=site.image_url(base), author=author, owner_name=author,
        owner_email=site.settings.public_owner_email, category=site.settings.public_category,
    )
    feed_items = [
        FeedItem(
            guid=f"urn:uuid:{i.guid}",
            title=i.title,
            link=f"{base}{LIST_PATH}/{i.slug}",
            published=i.aired_at.astimezone(site.tz),
            audio_url=f"{base}/feeds/audio/{i.slug}.mp3",
            audio_bytes=i.audio_bytes or 0,
            duration_seconds=i.duration_seconds or 0.0,
            transcript=i.transcript,
            column=site.column(i.topic),
            transcript_url=f"{base}{LIST_PATH}/{i.slug}",
        )
        for i in items
    ]
    return rss(channel, feed_items, built=ctx.now().astimezone(site.tz))


@router.api_route("/feeds/all.xml", methods=["GET", "HEAD"])
def feed_all(request: Request) -> Response:
    """Every published column in one podcast feed."""
    return _feed(request, None)


@router.api_route("/feeds/audio/{slug}.mp3", methods=["GET", "HEAD"])
def audio(request: Request, slug: str) -> Response:
    item = _public_item(request, slug)
    path = None if item is None else _site(request).publisher.audio_path(item)
    if item is None or path is None:
        raise ApiError(404, "Không tìm thấy tệp âm thanh này.", code="not_found")
    return FileResponse(
        path, media_type="audio/mpeg", filename=f"{item.slug}.mp3",
        content_disposition_type="inline", headers=_headers(AUDIO_CACHE),
    )


@router.api_route("/feeds/cover.{extension}", methods=["GET", "HEAD"])
def cover(request: Request, extension: str) -> Response:
    """The station's image (podcast cover, link previews)."""
    settings = _site(request).settings
    if extension != _cover_extension(settings):
        raise ApiError(404, "Không tìm thấy ảnh này.", code="not_found")
    path = DEFAULT_COVER
    image = settings.public_image
    if image and not image.startswith(("https://", "http://")):
        configured = Path(image)
        if not configured.is_absolute():
            configured = settings.data_dir / configured
        if configured.is_file():
            path = configured
        else:
            log.warning("the station's public image %s is missing: using the default", image)
            path = DEFAULT_COVER
    media = "image/png" if path.suffix.lower() == ".png" else "image/jpeg"
    return FileResponse(path, media_type=media, headers=_headers("public, max-age=3600"))


@router.api_route("/feeds/{topic}.xml", methods=["GET", "HEAD"])
def feed_column(request: Request, topic: str) -> Response:
    """One column's podcast feed (a column that is published, or has items still public)."""
    site, ctx = _site(request), _ctx(request)
    listed = topic in site.policy.topics
    if not listed and topic not in ctx.store.publications.public_topics(since=_since(request)):
        raise ApiError(404, "Chuyên mục này không được xuất bản.", code="not_found")
    return _feed(request, topic)


def install(app: FastAPI, settings: Settings, publisher: Publisher) -> None:
    """Add the public routes to the app (called by ``create_app``)."""
    site = PublicSite(
        settings=settings,
        publisher=publisher,
        limiter=RateLimiter(settings.public_requests_per_minute),
        templates=Jinja2Templates(directory=str(_HERE / "templates")),
        tz=ZoneInfo(settings.timezone),
    )
    publisher.add_listener(site.feeds.clear)
    app.state.public = site
    app.include_router(router)
