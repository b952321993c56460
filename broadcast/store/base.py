"""What every repository shares: where its session comes from, and error translation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.exc import IntegrityError, OperationalError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from broadcast.clock import Clock, SystemClock
from broadcast.errors import StoreError

SessionSource = Session | sessionmaker[Session]


class Repository:
    """Base of the repositories.

    Given a ``sessionmaker``, every method runs in its own transaction and commits.
    Given a ``Session``, methods work inside the caller's transaction (they flush, the
    caller commits or rolls back), so several repositories can share one unit of work.
    Times written without an explicit ``now`` come from ``clock``.
    """

    def __init__(self, source: SessionSource, clock: Clock | None = None) -> None:
        self._source = source
        self._clock: Clock = clock or SystemClock()

    def _now(self, now: datetime | None = None) -> datetime:
        return now if now is not None else self._clock.now()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        try:
            if isinstance(self._source, Session):
                yield self._source
                self._source.flush()
            else:
                with self._source.begin() as session:
                    yield session
        except StatementError as exc:
            raise translate(exc) from exc


def translate(exc: StatementError) -> Exception:
    """Map a SQLAlchemy error to the StoreError an operator can read."""
    if isinstance(exc.orig, StoreError):
        return exc.orig
    if isinstance(exc, IntegrityError):
        return StoreError(
            "Dữ liệu xung đột với dữ liệu đã có (trùng mã hoặc tham chiếu không tồn tại)",
            code="conflict",
        )
    if isinstance(exc, OperationalError):
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig is not None else ""
        return StoreError(f"Lỗi cơ sở dữ liệu: {reason}", code="db_unreachable")
    return exc
