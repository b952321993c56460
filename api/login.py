"""Password login and the session cookie; used by POST /api/session and by the web pages."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import Request, Response

from api.context import AppContext
from api.errors import ApiError
from api.sessions import SESSION_COOKIE, BrowserSession
from broadcast.store.users import User


def login(ctx: AppContext, name: str, password: str) -> User:
    """The user if the name and password match (429 after repeated failures, 401 if wrong)."""
    if ctx.throttle.blocked(name):
        raise ApiError(
            429,
            "Đăng nhập sai quá nhiều lần; hãy chờ vài phút rồi thử lại.",
            code="too_many_attempts",
        )
    user = ctx.store.users.verify_password(name, password)
    if user is None:
        ctx.throttle.failed(name)
        raise ApiError(401, "Sai tên đăng nhập hoặc mật khẩu.", code="bad_credentials")
    ctx.throttle.succeeded(name)
    return user


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
