"""Logging in from the web page (session cookie + CSRF token) and managing accounts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response, status

from api import schemas
from api.auth import ADMINS, ANY_ROLE, Principal, forbidden, requires
from api.errors import ApiError
from api.login import end_session as close_session
from api.login import login, remember_device, source_of, start_session
from api.login_brake import DEVICE_COOKIE
from api.routes.common import AUTH_ERRORS, Ctx, errors
from api.routes.tokens import may_manage, same_user

router = APIRouter(prefix="/api", tags=["session and users"])

UserName = Annotated[str, Path(min_length=1, max_length=100)]


@router.post("/session", response_model=schemas.SessionOut, responses=errors(401, 422, 429))
def create_session(
    body: schemas.LoginIn, request: Request, response: Response, ctx: Ctx
) -> schemas.SessionOut:
    """Log in with name and password: sets the ``loa_session`` cookie (HttpOnly,
    SameSite=Strict) and returns the CSRF token to send as ``X-CSRF-Token`` on changes.
    Failed logins slow down further attempts (429 with ``Retry-After``): per source address,
    per name, and per known device (the ``loa_device`` cookie), which others cannot slow."""
    device = request.cookies.get(DEVICE_COOKIE)
    user = login(ctx, body.name, body.password, source=source_of(request), device=device)
    session = start_session(ctx, user, request, response)
    remember_device(ctx, user, request, response, device)
    return schemas.SessionOut(name=user.name, role=user.role.value, csrf_token=session.csrf_token)


@router.delete("/session", response_model=schemas.Done, responses=AUTH_ERRORS)
def end_session(
    response: Response, ctx: Ctx, who: Annotated[Principal, requires(ANY_ROLE)]
) -> schemas.Done:
    close_session(ctx, None if who.session is None else who.session.id, response)
    return schemas.Done()


@router.get("/me", response_model=schemas.MeOut, responses=AUTH_ERRORS)
def me(who: Annotated[Principal, requires(ANY_ROLE)]) -> schemas.MeOut:
    return schemas.MeOut(
        name=who.name,
        role=who.role.value,
        auth=who.via,
        csrf_token=None if who.session is None else who.session.csrf_token,
    )


@router.get("/users", response_model=list[schemas.UserOut], responses=AUTH_ERRORS)
def list_users(ctx: Ctx, who: Annotated[Principal, requires(ADMINS)]) -> list[schemas.UserOut]:
    return [
        schemas.UserOut(
            name=u.name, role=u.role.value, has_password=u.has_password,
            created_at=u.created_at, disabled=u.disabled,
        )
        for u in ctx.store.users.list()
    ]


@router.patch(
    "/users/{name}", response_model=schemas.UserOut,
    responses={**AUTH_ERRORS, **errors(404, 409)},
)
def change_user(
    name: UserName,
    body: schemas.UserPatch,
    ctx: Ctx,
    who: Annotated[Principal, requires(ADMINS)],
) -> schemas.UserOut:
    """Change a role, or disable an account (its sessions end, its tokens stop working) and
    enable it again. Not one's own: an admin cannot lock themselves out."""
    if same_user(name, who.name) and (body.disabled or (body.role and body.role != who.role.value)):
        raise ApiError(
            409, "Không thể tự khoá hoặc đổi vai trò tài khoản của mình.", code="cannot_change_self"
        )
    user = ctx.store.users.get(name)
    if body.role is not None:
        user = ctx.store.users.set_role(name, body.role)
    if body.disabled is not None:
        user = ctx.store.users.set_disabled(name, body.disabled)
    ctx.users.clear()
    # Sessions carry the old role (or may not go on at all); they name the user as stored.
    ctx.sessions.delete_user(user.name)
    return schemas.UserOut(
        name=user.name, role=user.role.value, has_password=user.has_password,
        created_at=user.created_at, disabled=user.disabled,
    )


@router.post(
    "/users",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.UserCreated,
    responses={**AUTH_ERRORS, **errors(409)},
)
def create_user(
    body: schemas.UserCreate, ctx: Ctx, who: Annotated[Principal, requires(ADMINS)]
) -> schemas.UserCreated:
    """The new user's bearer token is in the answer, once; only its hash is kept."""
    user = ctx.store.users.create(body.name, body.role, password=body.password)
    ctx.users.clear()
    token = ctx.store.users.issue_token(user.name, label="api")
    return schemas.UserCreated(name=user.name, role=user.role.value, token=token)


@router.put(
    "/users/{name}/password",
    response_model=schemas.PasswordChanged,
    responses={**AUTH_ERRORS, **errors(404)},
)
def set_password(
    name: UserName,
    body: schemas.PasswordIn,
    ctx: Ctx,
    who: Annotated[Principal, requires(ANY_ROLE)],
) -> schemas.PasswordChanged:
    """An admin sets anyone's password; everyone else only their own. Other sessions of the
    user end, and every bearer token of the user is revoked (also the one making this call),
    unless ``keep_tokens`` is true."""
    if not may_manage(who, name):
        raise forbidden("chỉ được đổi mật khẩu của chính mình")
    user = ctx.store.users.get(name)
    revoked = ctx.store.users.set_password(
        user.name, body.password, revoke_tokens=not body.keep_tokens
    )
    ctx.users.clear()
    own = who.session is not None and same_user(who.name, user.name)
    ctx.sessions.delete_user(user.name, keep=who.session.id if own and who.session else None)
    return schemas.PasswordChanged(tokens_revoked=revoked)


@router.delete(
    "/users/{name}", response_model=schemas.Done, responses={**AUTH_ERRORS, **errors(404, 409)}
)
def delete_user(
    name: UserName, ctx: Ctx, who: Annotated[Principal, requires(ADMINS)]
) -> schemas.Done:
    """Delete an account with its tokens and sessions (not one's own)."""
    if same_user(name, who.name):
        raise ApiError(409, "Không thể tự xoá tài khoản của mình.", code="cannot_delete_self")
    user = ctx.store.users.get(name)
    ctx.store.users.delete(user.name)
    ctx.users.clear()
    ctx.sessions.delete_user(user.name)
    return schemas.Done()
