"""Columns (chuyên mục) as one managed list, bulletins of the day, disabled accounts.

- ``columns``: every topic value found in scripts, programs and the as-run log becomes a column;
  values that are one column written two ways (``Chuyển đổi số`` and ``chuyen-doi-so``) are
  merged, and every ``topic`` field is rewritten to the column's id (its slug);
- ``scripts.air_date``: the local date a bulletin of the day airs on;
- ``users.disabled``: an account that may no longer log in.

Revision ID: 0006_columns_bulletins
Revises: 0005_alerts
Create Date: 2026-11-30
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

from broadcast.columns import KNOWN_NAMES, column_id, default_name, is_slug
from broadcast.store.types import UTCDateTime

revision = "0006_columns_bulletins"
down_revision = "0005_alerts"
branch_labels = None
depends_on = None

_TOPIC_TABLES = ("scripts", "script_revisions", "programs", "as_run")


def upgrade() -> None:
    columns = op.create_table(
        "columns",
        sa.Column("id", sa.String(100), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_columns")),
        sa.UniqueConstraint("name", name=op.f("uq_columns_name")),
    )
    # Columns added in place: a table rebuild on SQLite (batch mode) would drop the old
    # table and cascade the deletion to script revisions and user tokens.
    op.add_column("scripts", sa.Column("air_date", sa.Date(), nullable=True))
    op.create_index(op.f("ix_scripts_air_date"), "scripts", ["air_date"])
    op.add_column(
        "users",
        sa.Column("disabled", sa.Boolean(), nullable=False, server_default=sa.text("false")),
    )

    bind = op.get_bind()
    found: list[str] = []
    for table in _TOPIC_TABLES:
        t = sa.table(table, sa.column("topic", sa.String))
        for (topic,) in bind.execute(sa.select(t.c.topic).distinct()):
            if topic and topic.strip() and topic not in found:
                found.append(topic)
    names: dict[str, str] = {}  # column id -> name
    rewrite: dict[str, str] = {}  # old topic value -> column id
    # Known slugs first, then the names people typed, so a typed name wins over a bare slug.
    for topic in sorted(found, key=lambda t: (t not in KNOWN_NAMES, is_slug(t))):
        ident = column_id(topic)
        if not ident:
            continue
        rewrite[topic] = ident
        names.setdefault(ident, default_name(topic))
    now = datetime.now(UTC)
    taken: set[str] = set()
    rows = []
    for n, (ident, name) in enumerate(sorted(names.items(), key=lambda kv: kv[1])):
        while name in taken:
            name += " (2)"
        taken.add(name)
        rows.append({"id": ident, "name": name, "position": n, "created_at": now})
    if rows:
        op.bulk_insert(columns, rows)
    for table in _TOPIC_TABLES:
        t = sa.table(table, sa.column("topic", sa.String))
        for old, new in rewrite.items():
            if old != new:
                bind.execute(sa.update(t).where(t.c.topic == old).values(topic=new))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled")
    with op.batch_alter_table("scripts") as batch:
        batch.drop_index(op.f("ix_scripts_air_date"))
        batch.drop_column("air_date")
    op.drop_table("columns")
