"""Tables of the station's own upkeep: alert state and small named marks (e.g. when the
nightly backup last ran). Kept apart from :mod:`broadcast.store.models` (the programme data);
imported by :mod:`broadcast.store` so that ``Base.metadata`` always holds them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from broadcast.store.models import Base
from broadcast.store.types import UTCDateTime


class AlertRow(Base):
    """One alert: opened when a problem is seen, closed when it clears. ``deliveries``
    records, per phase ("open", "close") and notifier, when it was sent, so that a restart
    sends nothing twice."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    key: Mapped[str] = mapped_column(String(300))
    kind: Mapped[str] = mapped_column(String(60))
    summary: Mapped[str] = mapped_column(Text)
    detail: Mapped[str] = mapped_column(Text, default="")
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    close_summary: Mapped[str | None] = mapped_column(Text)
    deliveries: Mapped[dict[str, Any]] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_alerts_key_closed_at", "key", "closed_at"),
        Index("ix_alerts_opened_at", "opened_at"),
    )


class OpsMarkRow(Base):
    """A named value the upkeep jobs keep between runs (JSON)."""

    __tablename__ = "ops_marks"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[Any] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
