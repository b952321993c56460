"""The operator's web page (Vietnamese): HTML shells rendered with Jinja2, whose JavaScript
reads and changes everything through the JSON API (session cookie + ``X-CSRF-Token``).

Pages that need a login redirect to ``/dang-nhap``; the page carries the session's CSRF token
in a meta tag. Page routes are left out of the OpenAPI schema: they are not part of the API.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from api.context import AppContext
from api.sessions import SESSION_COOKIE
from broadcast.store.users import Role

_HERE = Path(__file__).parent
LOGIN_PATH = "/dang-nhap"

ROLE_LABELS: dict[Role, str] = {
    Role.ADMIN: "Quản trị",
    Role.APPROVER: "Lãnh đạo duyệt",
    Role.EDITOR: "Biên tập viên",
    Role.OPERATOR: "Nhân viên vận hành",
}

# The browser may load scripts, styles and media from this server only (no inline script).
_SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; "
        "img-src 'self' data:; media-src 'self' blob:; connect-src 'self'; object-src 'none'; "
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


@dataclass(frozen=True)
class Page:
    page: str  # template name without ".html", and the key of the menu entry
    path: str
    title: str  # the heading, in Vietnamese
    label: str  # the menu entry


PAGES: tuple[Page, ...] = (
    Page("today", "/", "Hôm nay", "Hôm nay"),
    Page("timetable", "/lich", "Lịch phát sóng", "Lịch phát sóng"),
    Page("scripts", "/bai-viet", "Bài viết", "Bài viết"),
    Page("programs", "/chuong-trinh", "Chương trình", "Chương trình"),
    Page("library", "/thu-vien", "Thư viện âm thanh", "Âm thanh"),
    Page("log", "/nhat-ky", "Nhật ký phát sóng", "Nhật ký"),
    Page("report", "/bao-cao", "Báo cáo thời lượng", "Báo cáo"),
    Page("manage", "/quan-ly", "Chuyên mục và tài khoản", "Quản lý"),
    Page("voices", "/giong-doc", "Giọng đọc và cách đọc", "Giọng đọc"),
    Page("clusters", "/cum-loa", "Cụm loa", "Cụm loa"),
    Page("emergency", "/khan-cap", "Thông báo khẩn", "Thông báo khẩn"),
    Page("published", "/xuat-ban", "Đã đăng để nghe lại", "Nghe lại"),
    Page("live", "/truc-tiep", "Phát trực tiếp", "Phát trực tiếp"),
)


@dataclass(frozen=True)
class Viewer:
    name: str
    role: Role
    csrf_token: str


def current_viewer(request: Request) -> Viewer | None:
    """The logged-in user of a browser session, or None (no cookie, expired, user deleted)."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return None
    ctx: AppContext = request.app.state.loa
    session = ctx.sessions.get(session_id)
    if session is None:
        return None
    user = ctx.store.users.find(session.user_name)
    if user is None or user.disabled:
        return None
    return Viewer(user.name, user.role, session.csrf_token)


# Browsers drop tab, CR and LF anywhere in a URL ("/\t/evil.example" becomes
# "//evil.example") and read a backslash as a slash: a path holding any of them, or any other
# control character, is not taken.
_NOT_IN_NEXT = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(value: str | None) -> str:
    """Only a local path may follow the login (no open redirect to another site)."""
    if not value or not value.startswith("/") or value.startswith("//"):
        return "/"
    if _NOT_IN_NEXT.search(value):
        return "/"
    return value


def _secured(response: Response) -> Response:
    response.headers.update(_SECURITY_HEADERS)
    return response


def install(app: FastAPI) -> None:
    """Mount ``/static`` and the page routes on the app (called by ``create_app``)."""
    templates = Jinja2Templates(directory=str(_HERE / "templates"))
    app.mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static")

    def timezone_of(request: Request) -> str:
        ctx: AppContext = request.app.state.loa
        return ctx.settings.timezone

    def login_page(request: Request, next: str | None = None) -> Response:
        target = safe_next(next)
        if current_viewer(request) is not None:
            return _secured(RedirectResponse(target, status_code=303))
        context = {"timezone": timezone_of(request), "next_path": target}
        return _secured(templates.TemplateResponse(request, "login.html", context))

    app.add_api_route(
        LOGIN_PATH, login_page, methods=["GET"], response_class=HTMLResponse,
        include_in_schema=False,
    )

    def page_route(page: Page) -> Any:
        def render(request: Request) -> Response:
            viewer = current_viewer(request)
            if viewer is None:
                wanted = request.url.path
                if request.url.query:
                    wanted += "?" + request.url.query
                location = f"{LOGIN_PATH}?next={quote(wanted, safe='/')}"
                return _secured(RedirectResponse(location, status_code=303))
            context: dict[str, Any] = {
                "page": page.page,
                "title": page.title,
                "nav": PAGES,
                "user_name": viewer.name,
                "role": viewer.role.value,
                "role_label": ROLE_LABELS.get(viewer.role, viewer.role.value),
                "csrf_token": viewer.csrf_token,
                "timezone": timezone_of(request),
            }
            return _secured(templates.TemplateResponse(request, f"{page.page}.html", context))

        render.__name__ = f"page_{page.page}"
        return render

    for page in PAGES:
        app.add_api_route(
            page.path, page_route(page), methods=["GET"], response_class=HTMLResponse,
            include_in_schema=False,
        )
