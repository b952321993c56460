"""Bearer tokens of a user: list, issue, revoke. An admin manages anyone's, every other user
only their own. The plaintext of a token is shown once, when it is issued."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, status

from api import schemas
from api.auth import ANY_ROLE, Principal, forbidden, requires
from api.errors import ApiError
from api.routes.common import AUTH_ERRORS, Ctx, errors
from broadcast.store.users import Role, TokenInfo, name_key

router = APIRouter(prefix="/api/users", tags=["session and users"], responses=AUTH_ERRORS)

UserName = Annotated[str, Path(min_length=1, max_length=100)]
TokenId = Annotated[int, Path(ge=1, le=2**62)]


def same_user(a: str, b: str) -> bool:
    return name_key(a) == name_key(b)


def may_manage(who: Principal, name: str) -> bool:
    """An admin may manage every account; everyone else only their own."""
    return who.role is Role.ADMIN or same_user(who.name, name)


def _token_out(info: TokenInfo) -> schemas.TokenOut:
    return schemas.TokenOut(
        id=info.id, label=info.label, created_at=info.created_at, last_used_at=info.last_used_at
    )


def _allowed(who: Principal, name: str) -> None:
    if not may_manage(who, name):
        raise forbidden("chỉ được quản lý mã truy cập của chính mình")


@router.get("/{name}/tokens", response_model=list[schemas.TokenOut], responses=errors(404))
def list_tokens(
    name: UserName, ctx: Ctx, who: Annotated[Principal, requires(ANY_ROLE)]
) -> list[schemas.TokenOut]:
    """When each token was made and last used (to the minute); never the tokens themselves."""
    _allowed(who, name)
    return [_token_out(t) for t in ctx.store.users.tokens(name)]


@router.post(
    "/{name}/tokens",
    status_code=status.HTTP_201_CREATED,
    response_model=schemas.TokenCreated,
    responses=errors(404),
)
def issue_token(
    name: UserName,
    body: schemas.TokenCreate,
    ctx: Ctx,
    who: Annotated[Principal, requires(ANY_ROLE)],
) -> schemas.TokenCreated:
    """A new bearer token, in this answer only (only its hash is kept)."""
    _allowed(who, name)
    user = ctx.store.users.get(name)
    token = ctx.store.users.issue_token(user.name, label=body.label.strip())
    info = ctx.store.users.tokens(user.name)[-1]
    return schemas.TokenCreated(**_token_out(info).model_dump(), token=token)


@router.delete(
    "/{name}/tokens/{token_id}", response_model=schemas.RevokedOut, responses=errors(404)
)
def revoke_token(
    name: UserName,
    token_id: TokenId,
    ctx: Ctx,
    who: Annotated[Principal, requires(ANY_ROLE)],
) -> schemas.RevokedOut:
    """Revoke one token at once (also the one making this call)."""
    _allowed(who, name)
    if not ctx.store.users.revoke_user_token(name, token_id):
        raise ApiError(
            404, f"Người dùng «{name}» không có mã truy cập số {token_id}.", code="not_found"
        )
    ctx.users.clear()  # the cache must not keep a revoked token alive
    return schemas.RevokedOut(revoked=1)


@router.delete("/{name}/tokens", response_model=schemas.RevokedOut, responses=errors(404))
def revoke_all_tokens(
    name: UserName, ctx: Ctx, who: Annotated[Principal, requires(ANY_ROLE)]
) -> schemas.RevokedOut:
    """Revoke every token of the user (also the one making this call)."""
    _allowed(who, name)
    revoked = ctx.store.users.revoke_all_tokens(name)
    ctx.users.clear()
    return schemas.RevokedOut(revoked=revoked)
