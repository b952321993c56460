"""Password login and the session cookie; used by POST /api/session and by the web pages."""

from __future__ import annotations

import math
import secrets
from datetime import UTC, datetime, timedelta

from fastapi import Request, Response

from api.context import AppContext
from api.errors import ApiError
from api.login_brake import DEVICE_COOKIE
from api.sessions import SESSION_COOKIE, BrowserSession
from broadcast.store.users import User


def login(ctx: AppContext, name: str, password: str, *, source: str, device: str | None) -> User:
    """The user if the name and password match; 401 if not, 429 while the brake says wait
    (``api.login_brake``: per source address, per name, per known device)."""
    with ctx.throttle.checking:
        now = ctx.now()
        wait = ctx.throttle.wait(name, source, device, now)
        if wait > timedelta(0):
            seconds = max(1, math.ceil(wait.total_seconds()))
            raise ApiError(
                429,
                f"Đăng nhập sai nhiều lần; hãy chờ {_duration(seconds)} rồi thử lại.",
                code="too_many_attempts",
                headers={"Retry-After": str(seconds)},
                retry_after_seconds=seconds,
            )
        user = ctx.store.users.verify_password(name, password)
        if user is None:
            ctx.throttle.failed(name, source, device, now)
            raise ApiError(401, "Sai tên đăng nhập hoặc mật khẩu.", code="bad_credentials")
    return user


def _duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds} giây"
    return f"{math.ceil(seconds / 60)} phút"


def source_of(request: Request) -> str:
    """The address the request came from (the proxy's, behind a reverse proxy)."""
    return request.client.host if request.client is not None else "unknown"


def remember_device(
    ctx: AppContext, user: User, request: Request, response: Response, device: str | None
) -> None:
    """After a successful login: this browser is known for this user from now on (it gets a
    ``loa_device`` cookie if it has none), so others' failures never keep it out."""
    if not device or len(device) > 200:
        device = secrets.token_urlsafe(32)
        response.set_cookie(
            DEVICE_COOKIE,
            device,
            max_age=DEVICE_COOKIE_MAX_AGE,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/api/session",
        )
    ctx.throttle.succeeded(user.name, device)


DEVICE_COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest a browser keeps a cookie


def set_session_cookie(response: Response, request: Request, session: BrowserSession) -> None:
    """``loa_session``: HttpOnly (no script reads it), SameSite=Strict (no cross-site sends),
    Secure when served over HTTPS."""
    remaining = int((session.expires_at - datetime.now(UTC)).total_seconds())
    response.set_cookie(
        SESSION_COOKIE,
        session.id,
        max_age=max(remaining, 0),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        path="/",
    )


def start_session(
    ctx: AppContext, user: User, request: Request, response: Response
) -> BrowserSession:
    session = ctx.sessions.create(user.name)
    set_session_cookie(response, request, session)
    return session


def end_session(ctx: AppContext, session_id: str | None, response: Response) -> None:
    if session_id:
        ctx.sessions.delete(session_id)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
