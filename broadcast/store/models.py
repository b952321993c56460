"""The tables, as SQLAlchemy 2 typed ORM classes. Repositories convert them to domain data;
nothing outside ``broadcast.store`` sees these classes.

APScheduler creates its own job table in the same database; it is not modelled here.
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from broadcast.store.types import UTCDateTime

# Stable constraint names, so migrations can refer to them on every backend.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class ScriptRow(Base):
    __tablename__ = "scripts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    topic: Mapped[str] = mapped_column(String(100), default="", index=True)
    text: Mapped[str] = mapped_column(Text)
    voice: Mapped[str | None] = mapped_column(String(100))
    engine: Mapped[str | None] = mapped_column(String(50))
    status: Mapped[str] = mapped_column(String(20), default="draft")
    revision: Mapped[int] = mapped_column(Integer, default=1)
    # A bulletin of the day: the local date it airs on (with its column, ``topic``).
    air_date: Mapped[date | None] = mapped_column(Date(), index=True)
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    approved_revision: Mapped[int | None] = mapped_column(Integer)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (CheckConstraint("status IN ('draft', 'approved')", name="status"),)


class ScriptRevisionRow(Base):
    __tablename__ = "script_revisions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    script_id: Mapped[int] = mapped_column(ForeignKey("scripts.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    topic: Mapped[str] = mapped_column(String(100), default="")
    text: Mapped[str] = mapped_column(Text)
    voice: Mapped[str | None] = mapped_column(String(100))
    engine: Mapped[str | None] = mapped_column(String(50))
    edited_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("script_id", "number"),)


class ColumnRow(Base):
    """A column (chuyên mục): ``id`` is the slug stored in every ``topic`` field."""

    __tablename__ = "columns"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProgramRow(Base):
    __tablename__ = "programs"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    topic: Mapped[str] = mapped_column(String(100), default="")
    segments: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    bed: Mapped[str | None] = mapped_column(String(500))
    # Order in the timetable as written (a YAML import exports back in the same order).
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SlotRow(Base):
    __tablename__ = "slots"

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    program_id: Mapped[str] = mapped_column(
        ForeignKey("programs.id", ondelete="RESTRICT"), index=True
    )
    time: Mapped[time] = mapped_column(Time())
    days: Mapped[str] = mapped_column(String(40), default="")  # "mon,wed,fri"
    on_date: Mapped[date | None] = mapped_column(Date())
    priority: Mapped[str] = mapped_column(String(20), default="normal")
    max_duration_seconds: Mapped[float | None] = mapped_column(Float)
    valid_from: Mapped[date | None] = mapped_column(Date())
    valid_until: Mapped[date | None] = mapped_column(Date())
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    position: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The speaker clusters it airs on (sorted ids); NULL: every cluster.
    clusters: Mapped[list[str] | None] = mapped_column(JSON)


class AdjustmentRow(Base):
    __tablename__ = "adjustments"

    slot_id: Mapped[str] = mapped_column(
        ForeignKey("slots.id", ondelete="CASCADE"), primary_key=True
    )
    original_start: Mapped[datetime] = mapped_column(UTCDateTime(), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    new_start: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (CheckConstraint("kind IN ('skip', 'move')", name="kind"),)


class RenderRow(Base):
    __tablename__ = "renders"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # No foreign key: renders (and the as-run log) outlive a replaced timetable.
    program_id: Mapped[str] = mapped_column(String(100))
    content_hash: Mapped[str] = mapped_column(String(128))
    wav_path: Mapped[str | None] = mapped_column(String(1000))
    duration_seconds: Mapped[float | None] = mapped_column(Float)
    loudness_lufs: Mapped[float | None] = mapped_column(Float)
    engines: Mapped[list[str]] = mapped_column(JSON)
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The revision of each stored script the render read: {"12": 3}.
    script_revisions: Mapped[dict[str, int] | None] = mapped_column(JSON)

    __table_args__ = (
        Index("ix_renders_program_ok_created", "program_id", "ok", "created_at"),
        Index("ix_renders_content_hash", "content_hash"),
    )


class AnnouncementRow(Base):
    """An announcement ordered to air at once, possibly repeated ``repeat`` times
    ``every_seconds`` apart from ``first_start``; airings after ``cancelled_at`` do not air."""

    __tablename__ = "announcements"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    program_id: Mapped[str] = mapped_column(String(100))
    priority: Mapped[str] = mapped_column(String(20))
    first_start: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    repeat: Mapped[int] = mapped_column(Integer, default=1)
    every_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    ordered_by: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    clusters: Mapped[list[str] | None] = mapped_column(JSON)  # NULL: every cluster

    __table_args__ = (
        CheckConstraint("repeat >= 1", name="repeat"),
        CheckConstraint("every_seconds >= 0", name="every_seconds"),
    )


class AsRunRow(Base):
    __tablename__ = "as_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # What aired: one occurrence of a slot, or one airing of an announcement.
    slot_id: Mapped[str | None] = mapped_column(String(100))
    announcement_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # Where it aired: "local" is the station's own output.
    cluster: Mapped[str] = mapped_column(String(64), default="local", index=True)
    program_id: Mapped[str] = mapped_column(String(100), index=True)
    priority: Mapped[str] = mapped_column(String(20))
    scheduled_start: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actual_start: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(20), index=True)  # None: on air
    engines: Mapped[list[str]] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    lateness_seconds: Mapped[float | None] = mapped_column(Float)
    topic: Mapped[str] = mapped_column(String(100), default="", index=True)
    program_title: Mapped[str] = mapped_column(String(300), default="")
    render_id: Mapped[int | None] = mapped_column(Integer)  # the render that was played
    # Why what aired differs from what was planned (e.g. the last approved render stood in).
    note: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JSON)  # e.g. relay gaps

    __table_args__ = (
        # One log entry per occurrence and place (NULLs never clash, so each kind of
        # airing is constrained by its own key).
        UniqueConstraint("cluster", "slot_id", "scheduled_start", name="uq_as_run_occurrence"),
        UniqueConstraint(
            "cluster", "announcement_id", "scheduled_start", name="uq_as_run_announcement"
        ),
    )


class ClusterRow(Base):
    """A speaker cluster (cụm loa): a village's receiver and amplifier, reached over IP. Its
    token is kept only as hashes: sha256 (the station's HTTP check) and Mosquitto's PBKDF2
    form (written to the broker's password file)."""

    __tablename__ = "clusters"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    zone: Mapped[str] = mapped_column(String(100), default="", index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    broker_hash: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # The name as compared (NFC, case-folded): "ADMIN" and "admin" are one account.
    name_key: Mapped[str] = mapped_column(String(100), server_default="")
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint("role IN ('admin', 'approver', 'editor', 'operator')", name="role"),
        Index("uq_users_name_key", "name_key", unique=True),
    )


class TokenRow(Base):
    __tablename__ = "user_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class TimetableRevisionRow(Base):
    """A counter raised by every write to programs, slots, adjustments or announcements, so
    that a process can tell cheaply whether the timetable it read is still current."""

    __tablename__ = "timetable_revision"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    revision: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)


class StationLockRow(Base):
    __tablename__ = "station_lock"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)  # always 1
    owner_id: Mapped[str] = mapped_column(String(200))
    host: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int] = mapped_column(Integer)
    acquired_at: Mapped[datetime] = mapped_column(UTCDateTime())
    heartbeat_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)
