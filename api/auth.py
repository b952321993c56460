"""Who is calling, and may they: bearer tokens, session cookies with CSRF, role checks.

Every API route declares who may call it with ``requires(...)`` (a FastAPI dependency); the
role groups below are the one place that says what each role may do. Health and login are the
only routes without it (``tests/api/test_route_auth.py`` holds every route to that).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer

from api.context import AppContext, get_context
from api.errors import ApiError
from api.sessions import CSRF_HEADER, SESSION_COOKIE, BrowserSession
from broadcast.store.users import Role, User

# --- the role table -------------------------------------------------------------------------
ANY_ROLE: frozenset[Role] = frozenset(Role)
# Reads, and on-air control (stop, announce an approved script): everybody.
READERS = ANY_ROLE
ON_AIR = ANY_ROLE
# Scripts, programs, media, slots and airtime adjustments.
EDITORS: frozenset[Role] = frozenset({Role.ADMIN, Role.APPROVER, Role.EDITOR})
# Approving scripts, and announcing text that nobody approved yet.
APPROVERS: frozenset[Role] = frozenset({Role.ADMIN, Role.APPROVER})
# Accounts.
ADMINS: frozenset[Role] = frozenset({Role.ADMIN})
# Opening the microphone: the approver and the operator at the station (and the admin).
LIVE: frozenset[Role] = frozenset({Role.ADMIN, Role.APPROVER, Role.OPERATOR})

_MUTATING = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_bearer = HTTPBearer(auto_error=False, description="Mã truy cập (bearer token)")
_cookie = APIKeyCookie(
    name=SESSION_COOKIE, auto_error=False, description="Phiên đăng nhập của trang web"
)


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    name: str
    role: Role
    via: Literal["token", "session"]
    session: BrowserSession | None = None

    def may(self, roles: frozenset[Role]) -> bool:
        return self.role in roles


def unauthenticated() -> ApiError:
    return ApiError(
        401,
        "Chưa đăng nhập hoặc mã truy cập không hợp lệ.",
        code="unauthenticated",
        headers={"WWW-Authenticate": "Bearer"},
    )


def forbidden(detail: str = "") -> ApiError:
    message = "Tài khoản của bạn không có quyền làm việc này"
    return ApiError(403, f"{message}{': ' + detail if detail else ''}.", code="forbidden")


class _NotCached(Exception):
    """The user is not in the cache and the caller asked not to reach the database."""


def _user_for_token(ctx: AppContext, token: str, cached_only: bool) -> User | None:
    key = ctx.users.token_key(token)
    user = ctx.users.get(key)
    if user is None:
        if cached_only:
            raise _NotCached
        user = ctx.store.users.user_for_token(token)
        if user is not None:
            ctx.users.put(key, user)
    return user


def _user_named(ctx: AppContext, name: str, cached_only: bool) -> User | None:
    key = ctx.users.name_key(name)
    user = ctx.users.get(key)
    if user is None:
        if cached_only:
            raise _NotCached
        user = ctx.store.users.find(name)
        if user is not None:
            ctx.users.put(key, user)
    return user


def _principal(
    request: Request,
    ctx: AppContext,
    bearer: HTTPAuthorizationCredentials | None,
    session_id: str | None,
    cached_only: bool = False,
) -> Principal:
    if bearer is not None:
        user = _user_for_token(ctx, bearer.credentials, cached_only)
        if user is None:
            raise unauthenticated()
        return Principal(user.name, user.role, "token")
    if request.headers.get("authorization"):
        raise unauthenticated()  # present but not "Bearer <token>"
    if session_id:
        session = ctx.sessions.get(session_id)
        found = None if session is None else _user_named(ctx, session.user_name, cached_only)
        if session is None or found is None or found.disabled:
            raise unauthenticated()
        if request.method in _MUTATING:
            sent = request.headers.get(CSRF_HEADER, "")
            if not hmac.compare_digest(sent.encode(), session.csrf_token.encode()):
                raise ApiError(
                    403,
                    "Thiếu hoặc sai mã chống giả mạo (CSRF); hãy tải lại trang rồi thử lại.",
                    code="csrf_failed",
                )
        return Principal(found.name, found.role, "session", session)
    raise unauthenticated()


def requires(*groups: frozenset[Role] | Role) -> Any:
    """A dependency that authenticates the caller and admits only the given roles.

    Use as a parameter default: ``who: Principal = requires(EDITORS)``. The allowed roles are
    kept on the dependency (``allowed_roles``) for the route table test.
    """
    allowed: frozenset[Role] = frozenset().union(
        *(g if isinstance(g, frozenset) else {g} for g in groups)
    )
    if not allowed:
        raise ValueError("requires() needs at least one role")

    async def check(
        request: Request,
        ctx: Annotated[AppContext, Depends(get_context)],
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        session_id: Annotated[str | None, Depends(_cookie)],
    ) -> Principal:
        try:
            principal = _principal(request, ctx, bearer, session_id, cached_only=True)
        except _NotCached:  # the database is reached off the event loop
            principal = await run_in_threadpool(_principal, request, ctx, bearer, session_id)
        if not principal.may(allowed):
            raise forbidden()
        return principal

    check.allowed_roles = allowed  # type: ignore[attr-defined]
    check.__name__ = "requires_" + "_".join(sorted(r.value for r in allowed))
    return Depends(check)


def allowed_roles_of(dependency: Callable[..., Any]) -> frozenset[Role] | None:
    roles = getattr(dependency, "allowed_roles", None)
    return roles if isinstance(roles, frozenset) else None
