"""Browser sessions (server-side, in memory) and in-memory caches of the API.

The brake on password guessing is ``api.login_brake.LoginBrake``."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from broadcast.store.users import User

__all__ = ["ResponseCache", "SessionStore", "UserCache"]

SESSION_COOKIE = "loa_session"
CSRF_HEADER = "X-CSRF-Token"
SESSION_LIFETIME = timedelta(hours=12)


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class BrowserSession:
    id: str
    user_name: str
    csrf_token: str
    expires_at: datetime


class SessionStore:
    """Sessions by id. The role is not kept here: it is read from the store on every request,
    so a changed role or a deleted user takes effect at once."""

    def __init__(self, lifetime: timedelta = SESSION_LIFETIME) -> None:
        self._lifetime = lifetime
        self._sessions: dict[str, BrowserSession] = {}
        self._lock = threading.Lock()

    def create(self, user_name: str, *, now: datetime | None = None) -> BrowserSession:
        now = now or _now()
        session = BrowserSession(
            id=secrets.token_urlsafe(32),
            user_name=user_name,
            csrf_token=secrets.token_urlsafe(32),
            expires_at=now + self._lifetime,
        )
        with self._lock:
            self._drop_expired(now)
            self._sessions[session.id] = session
        return session

    def get(self, session_id: str, *, now: datetime | None = None) -> BrowserSession | None:
        now = now or _now()
        with self._lock:
            session = self._sessions.get(session_id)
            if session is None:
                return None
            if session.expires_at <= now:
                del self._sessions[session_id]
                return None
            return session

    def delete(self, session_id: str) -> None:
        with self._lock:
            self._sessions.pop(session_id, None)

    def delete_user(self, user_name: str, *, keep: str | None = None) -> int:
        """End every session of a user (after a password change), except ``keep``."""
        with self._lock:
            doomed = [
                sid for sid, s in self._sessions.items() if s.user_name == user_name and sid != keep
            ]
            for sid in doomed:
                del self._sessions[sid]
            return len(doomed)

    def _drop_expired(self, now: datetime) -> None:
        for sid in [sid for sid, s in self._sessions.items() if s.expires_at <= now]:
            del self._sessions[sid]


class UserCache:
    """Users recently found by token or by name, so that most requests need no database
    round trip. Entries live ``ttl`` seconds and every account change made through the API
    clears the cache; a change made elsewhere (the CLI) applies within ``ttl``."""

    def __init__(self, ttl: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._users: dict[str, tuple[User, float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def token_key(token: str) -> str:
        # Plaintext tokens are not kept in memory longer than the request.
        return "token:" + hashlib.sha256(token.encode("utf-8")).hexdigest()

    @staticmethod
    def name_key(name: str) -> str:
        return "name:" + name

    def get(self, key: str) -> User | None:
        with self._lock:
            found = self._users.get(key)
            if found is None:
                return None
            if found[1] <= self._clock():
                del self._users[key]
                return None
            return found[0]

    def put(self, key: str, user: User) -> None:
        with self._lock:
            if len(self._users) > 10_000:
                self._users.clear()
            self._users[key] = (user, self._clock() + self._ttl)

    def clear(self) -> None:
        with self._lock:
            self._users.clear()


class ResponseCache:
    """Serialized responses kept ``ttl`` seconds (the week timetable, polled by every open
    page): many clients asking at once cost one computation per second."""

    def __init__(self, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._clock = clock
        self._bodies: dict[object, tuple[bytes, float]] = {}
        self._lock = threading.Lock()

    def get(self, key: object) -> bytes | None:
        with self._lock:
            found = self._bodies.get(key)
            if found is None or found[1] <= self._clock():
                return None
            return found[0]

    def put(self, key: object, body: bytes) -> None:
        with self._lock:
            if len(self._bodies) > 64:
                self._bodies.clear()
            self._bodies[key] = (body, self._clock() + self._ttl)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()
