"""Typed identities: segments name a script id or a path in separate fields; announcements get
a table of their own (they were one-off slots named ``ann-<id>-<n>``); the as-run log knows
where something aired (``cluster``), which render was played, and why it differs from the plan;
a revision counter tells readers whether the timetable changed since they last read it.

Revision ID: 0002_typed_identities
Revises: 0001_initial
Create Date: 2026-11-28
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

from broadcast.store.types import UTCDateTime

revision = "0002_typed_identities"
down_revision = "0001_initial"
branch_labels = None
depends_on = None

_ANNOUNCEMENT_SLOT = re.compile(r"ann-(?P<ident>[0-9a-f]+)-(?P<n>\d+)")

_programs = sa.table(
    "programs", sa.column("id", sa.String), sa.column("segments", sa.JSON)
)
_slots = sa.table(
    "slots",
    sa.column("id", sa.String),
    sa.column("program_id", sa.String),
    sa.column("time", sa.Time),
    sa.column("on_date", sa.Date),
    sa.column("priority", sa.String),
)
_as_run = sa.table(
    "as_run",
    sa.column("id", sa.Integer),
    sa.column("slot_id", sa.String),
    sa.column("announcement_id", sa.Integer),
)
_announcements = sa.table(
    "announcements",
    sa.column("id", sa.Integer),
    sa.column("program_id", sa.String),
    sa.column("priority", sa.String),
    sa.column("first_start", UTCDateTime()),
    sa.column("repeat", sa.Integer),
    sa.column("every_seconds", sa.Float),
    sa.column("ordered_by", sa.String),
    sa.column("created_at", UTCDateTime()),
    sa.column("cancelled_at", UTCDateTime()),
)


def typed_segment(old: dict[str, Any]) -> dict[str, Any]:
    """{"kind", "ref", "seconds"} -> the typed form (see ``broadcast.programs.Segment``)."""
    kind, ref = old["kind"], str(old.get("ref", ""))
    if kind == "silence":
        return {"kind": kind, "seconds": float(old.get("seconds", 0.0))}
    if kind == "jingle":
        return {"kind": kind, "name": ref}
    if kind == "script" and ref.isdigit():
        return {"kind": kind, "script_id": int(ref)}
    return {"kind": kind, "path": ref}


def untyped_segment(new: dict[str, Any]) -> dict[str, Any]:
    ref = new.get("name") or new.get("path") or str(new.get("script_id") or "")
    return {"kind": new["kind"], "ref": ref, "seconds": float(new.get("seconds", 0.0))}


def _rewrite_segments(convert: Any) -> None:
    bind = op.get_bind()
    for program_id, segments in bind.execute(sa.select(_programs.c.id, _programs.c.segments)):
        bind.execute(
            _programs.update()
            .where(_programs.c.id == program_id)
            .values(segments=[convert(s) for s in segments or []])
        )


def _station_zone() -> Any:
    from zoneinfo import ZoneInfo

    from broadcast.settings import load_settings

    return ZoneInfo(load_settings().timezone)


def _move_announcement_slots() -> None:
    """One-off slots ``ann-<id>-<n>`` become announcements; their log entries follow."""
    bind = op.get_bind()
    groups: dict[str, list[Any]] = defaultdict(list)
    for row in bind.execute(sa.select(_slots)):
        found = _ANNOUNCEMENT_SLOT.fullmatch(row.id)
        if found and row.on_date is not None:
            groups[found.group("ident")].append(row)
    if not groups:
        return
    tz = _station_zone()
    now = datetime.now(UTC)
    for rows in groups.values():
        rows.sort(key=lambda r: int(r.id.rsplit("-", 1)[1]))
        starts = [datetime.combine(r.on_date, r.time, tzinfo=tz).astimezone(UTC) for r in rows]
        every = (starts[1] - starts[0]).total_seconds() if len(starts) > 1 else 0.0
        announcement_id = bind.execute(
            _announcements.insert().returning(_announcements.c.id).values(
                program_id=rows[0].program_id,
                priority=rows[0].priority,
                first_start=starts[0],
                repeat=len(rows),
                every_seconds=max(every, 0.0),
                ordered_by="",
                created_at=min(starts[0] - timedelta(seconds=3), now),
                cancelled_at=None,
            )
        ).scalar_one()
        ids = [r.id for r in rows]
        bind.execute(
            _as_run.update()
            .where(_as_run.c.slot_id.in_(ids))
            .values(announcement_id=announcement_id, slot_id=None)
        )
        bind.execute(sa.delete(sa.table("adjustments", sa.column("slot_id"))).where(
            sa.column("slot_id").in_(ids)))
        bind.execute(_slots.delete().where(_slots.c.id.in_(ids)))


def upgrade() -> None:
    op.create_table(
        "timetable_revision",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_timetable_revision_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_timetable_revision")),
    )
    op.execute("INSERT INTO timetable_revision (id, revision) VALUES (1, 0)")
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("program_id", sa.String(100), nullable=False),
        sa.Column("priority", sa.String(20), nullable=False),
        sa.Column("first_start", UTCDateTime(), nullable=False),
        sa.Column("repeat", sa.Integer(), nullable=False),
        sa.Column("every_seconds", sa.Float(), nullable=False),
        sa.Column("ordered_by", sa.String(100), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("cancelled_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint("repeat >= 1", name=op.f("ck_announcements_repeat")),
        sa.CheckConstraint("every_seconds >= 0", name=op.f("ck_announcements_every_seconds")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    op.create_index(op.f("ix_announcements_first_start"), "announcements", ["first_start"])
    with op.batch_alter_table("as_run") as batch:
        batch.add_column(sa.Column("announcement_id", sa.Integer(), nullable=True))
        batch.add_column(
            sa.Column("cluster", sa.String(64), nullable=False, server_default="local")
        )
        batch.add_column(sa.Column("render_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("note", sa.Text(), nullable=True))
        batch.add_column(sa.Column("details", sa.JSON(), nullable=True))
        batch.drop_constraint("uq_as_run_occurrence", type_="unique")
        batch.create_unique_constraint(
            "uq_as_run_occurrence", ["cluster", "slot_id", "scheduled_start"]
        )
        batch.create_unique_constraint(
            "uq_as_run_announcement", ["cluster", "announcement_id", "scheduled_start"]
        )
        batch.create_index(op.f("ix_as_run_announcement_id"), ["announcement_id"])
        batch.create_index(op.f("ix_as_run_cluster"), ["cluster"])
    with op.batch_alter_table("as_run") as batch:
        batch.alter_column("cluster", server_default=None)
    with op.batch_alter_table("renders") as batch:
        batch.add_column(sa.Column("script_revisions", sa.JSON(), nullable=True))
    _rewrite_segments(typed_segment)
    _move_announcement_slots()
    # Jobs are derived from the timetable and kept in memory now; the old job table goes.
    op.execute("DROP TABLE IF EXISTS apscheduler_jobs")


def downgrade() -> None:
    _rewrite_segments(untyped_segment)
    with op.batch_alter_table("renders") as batch:
        batch.drop_column("script_revisions")
    bind = op.get_bind()
    # Announcement entries cannot become slots again; keep them readable as slot-less entries.
    bind.execute(sa.text("DELETE FROM as_run WHERE cluster <> 'local'"))
    with op.batch_alter_table("as_run") as batch:
        batch.drop_index(op.f("ix_as_run_cluster"))
        batch.drop_index(op.f("ix_as_run_announcement_id"))
        batch.drop_constraint("uq_as_run_announcement", type_="unique")
        batch.drop_constraint("uq_as_run_occurrence", type_="unique")
        batch.create_unique_constraint("uq_as_run_occurrence", ["slot_id", "scheduled_start"])
        batch.drop_column("details")
        batch.drop_column("note")
        batch.drop_column("render_id")
        batch.drop_column("cluster")
        batch.drop_column("announcement_id")
    op.drop_index(op.f("ix_announcements_first_start"), table_name="announcements")
    op.drop_table("announcements")
    op.drop_table("timetable_revision")
