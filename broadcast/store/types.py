"""Column types: aware datetimes stored as UTC on every backend."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator

from broadcast.errors import StoreError


class UTCDateTime(TypeDecorator[datetime]):
    """An instant: takes aware datetimes only, stores UTC, returns aware UTC datetimes.

    PostgreSQL keeps it as ``timestamptz``; SQLite as naive UTC text (fixed width, so text
    order is time order and range queries work).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> Any:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise StoreError(
                f"Thời điểm {value.isoformat()} thiếu múi giờ: hãy dùng datetime có múi giờ",
                code="naive_datetime",
            )
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)
