"""Accounts: users with a role, bearer tokens (stored hashed), passwords (scrypt)."""

from __future__ import annotations

import builtins
import enum
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from broadcast.errors import StoreError
from broadcast.store.base import Repository
from broadcast.store.models import TokenRow, UserRow
from broadcast.store.passwords import hash_password, hash_token, new_token, verify_password

# A token's last use is written at most this often (no write on every request).
LAST_USED_RESOLUTION = timedelta(seconds=60)
MIN_PASSWORD_LENGTH = 8


class Role(enum.StrEnum):
    ADMIN = "admin"
    APPROVER = "approver"
    EDITOR = "editor"
    OPERATOR = "operator"


@dataclass(frozen=True)
class User:
    id: int
    name: str
    role: Role
    has_password: bool
    created_at: datetime
    disabled: bool = False


@dataclass(frozen=True)
class TokenInfo:
    id: int
    user_name: str
    label: str
    created_at: datetime
    last_used_at: datetime | None


def name_key(name: str) -> str:
    """How names are compared: NFC, trimmed, case-folded ("ADMIN" is "admin")."""
    return unicodedata.normalize("NFC", name).strip().casefold()


def _user(row: UserRow) -> User:
    return User(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        has_password=bool(row.password_hash),
        created_at=row.created_at,
        disabled=bool(row.disabled),
    )


def parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        names = ", ".join(r.value for r in Role)
        raise StoreError(
            f"Vai trò {role!r} không hợp lệ (chọn một trong: {names})", code="invalid_role"
        ) from None


def user_not_found(name: str) -> StoreError:
    return StoreError(f"Không có người dùng {name!r}", code="not_found")


class UserRepo(Repository):
    def create(
        self,
        name: str,
        role: Role | str,
        *,
        password: str | None = None,
        now: datetime | None = None,
    ) -> User:
        role = parse_role(role)
        name = unicodedata.normalize("NFC", name).strip()
        if not name:
            raise StoreError("Tên người dùng không được để trống", code="invalid_value")
        with self._session() as session:
            existing = self._find(session, name)
            if existing is not None:
                same = "" if existing.name == name else f" (trùng với «{existing.name}»: "
                same += "tên đăng nhập không phân biệt chữ hoa, chữ thường)" if same else ""
                raise StoreError(f"Người dùng {name!r} đã có{same}", code="duplicate_id")
            row = UserRow(
                name=name,
                name_key=name_key(name),
                role=role.value,
                password_hash=None if password is None else _checked_hash(password),
                created_at=self._now(now),
            )
            session.add(row)
            session.flush()
            return _user(row)

    def get(self, name: str) -> User:
        with self._session() as session:
            return _user(self._require(session, name))

    def find(self, name: str) -> User | None:
        with self._session() as session:
            row = self._find(session, name)
            return None if row is None else _user(row)

    def list(self) -> list[User]:
        with self._session() as session:
            return [_user(r) for r in session.scalars(select(UserRow).order_by(UserRow.name))]

    def count(self) -> int:
        with self._session() as session:
            return int(session.scalar(select(func.count()).select_from(UserRow)) or 0)

    def set_role(self, name: str, role: Role | str) -> User:
        role = parse_role(role)
        with self._session() as session:
            row = self._require(session, name)
            row.role = role.value
            return _user(row)

    def set_disabled(self, name: str, disabled: bool) -> User:
        """A disabled account can neither log in nor use its tokens (kept for the record,
        and to be enabled again)."""
        with self._session() as session:
            row = self._require(session, name)
            row.disabled = disabled
            return _user(row)

    def delete(self, name: str) -> None:
        """Delete a user and every token of theirs."""
        with self._session() as session:
            session.delete(self._require(session, name))

    # --- passwords -------------------------------------------------------------------

    def set_password(self, name: str, password: str, *, revoke_tokens: bool = False) -> int:
        """Set the password; with ``revoke_tokens``, delete every bearer token of the user in
        the same transaction. Returns how many tokens were revoked."""
        with self._session() as session:
            row = self._require(session, name)
            row.password_hash = _checked_hash(password)
            if not revoke_tokens:
                return 0
            result = session.execute(delete(TokenRow).where(TokenRow.user_id == row.id))
            return int(getattr(result, "rowcount", 0))

    def verify_password(self, name: str, password: str) -> User | None:
        """The user if the password is theirs, else None (same work for unknown names)."""
        with self._session() as session:
            row = self._find(session, name)
            stored = None if row is None else row.password_hash
            if verify_password(password, stored) and row is not None and not row.disabled:
                return _user(row)
            return None

    # --- tokens ----------------------------------------------------------------------

    def issue_token(self, name: str, *, label: str = "", now: datetime | None = None) -> str:
        """A new bearer token for the user. The plaintext is returned once; only its
        SHA-256 is stored."""
        token = new_token()
        self.add_token(name, token, label=label, now=now)
        return token

    def add_token(
        self, name: str, token: str, *, label: str = "", now: datetime | None = None
    ) -> TokenInfo:
        """Store a token chosen elsewhere (``BROADCAST_BOOTSTRAP_TOKEN``), hashed."""
        if len(token) < 16:
            raise StoreError("Mã truy cập quá ngắn (tối thiểu 16 ký tự)", code="token_too_short")
        digest = hash_token(token)
        with self._session() as session:
            user = self._require(session, name)
            existing = session.scalars(
                select(TokenRow).where(TokenRow.token_hash == digest)
            ).one_or_none()
            if existing is not None:
                if existing.user_id != user.id:
                    raise StoreError("Mã truy cập này đã được dùng", code="duplicate_token")
                row = existing
            else:
                row = TokenRow(
                    user_id=user.id, token_hash=digest, label=label, created_at=self._now(now)
                )
                session.add(row)
                session.flush()
            return TokenInfo(row.id, user.name, row.label, row.created_at, row.last_used_at)

    def user_for_token(self, token: str, *, now: datetime | None = None) -> User | None:
        """The user a bearer token belongs to, or None. Records when it was last used."""
        now = self._now(now)
        digest = hash_token(token)
        with self._session() as session:
            found = session.execute(
                select(TokenRow, UserRow)
                .join(UserRow, TokenRow.user_id == UserRow.id)
                .where(TokenRow.token_hash == digest)
            ).one_or_none()
            if found is None:
                return None
            token_row, user_row = found
            if user_row.disabled:
                return None
            last = token_row.last_used_at
            if last is None or now - last >= LAST_USED_RESOLUTION:
                token_row.last_used_at = now
            return _user(user_row)

    def tokens(self, name: str) -> builtins.list[TokenInfo]:
        with self._session() as session:
            user = self._require(session, name)
            rows = session.scalars(
                select(TokenRow).where(TokenRow.user_id == user.id).order_by(TokenRow.id)
            )
            return [TokenInfo(r.id, user.name, r.label, r.created_at, r.last_used_at) for r in rows]

    def revoke_user_token(self, name: str, token_id: int) -> bool:
        """Delete token ``token_id`` if it belongs to user ``name``; False if it does not."""
        with self._session() as session:
            user = self._require(session, name)
            result = session.execute(
                delete(TokenRow).where(TokenRow.id == token_id, TokenRow.user_id == user.id)
            )
            return bool(getattr(result, "rowcount", 0))

    def revoke_token(self, token_id: int) -> bool:
        with self._session() as session:
            result = session.execute(delete(TokenRow).where(TokenRow.id == token_id))
            return bool(getattr(result, "rowcount", 0))

    def revoke_all_tokens(self, name: str) -> int:
        with self._session() as session:
            user = self._require(session, name)
            result = session.execute(delete(TokenRow).where(TokenRow.user_id == user.id))
            return int(getattr(result, "rowcount", 0))

    @staticmethod
    def _find(session: Session, name: str) -> UserRow | None:
        key = name_key(name)
        return session.scalars(select(UserRow).where(UserRow.name_key == key)).one_or_none()

    @classmethod
    def _require(cls, session: Session, name: str) -> UserRow:
        row = cls._find(session, name)
        if row is None:
            raise user_not_found(name)
        return row


def _checked_hash(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise StoreError(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự", code="password_too_short"
        )
    return hash_password(password)
