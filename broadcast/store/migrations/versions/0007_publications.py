"""Publications: what aired, published as an MP3 with its transcript (issue 15).

Revision ID: 0007_publications
Revises: 0006_columns_bulletins
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from broadcast.store.types import UTCDateTime

revision = "0007_publications"
down_revision = "0006_columns_bulletins"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "publications",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("as_run_id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(200), nullable=False),
        sa.Column("guid", sa.String(64), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("program_id", sa.String(100), nullable=False),
        sa.Column("program_title", sa.String(300), nullable=False),
        sa.Column("title", sa.String(400), nullable=False),
        sa.Column("announcement", sa.Boolean(), nullable=False),
        sa.Column("aired_at", UTCDateTime(), nullable=False),
        sa.Column("aired_seconds", sa.Float(), nullable=True),
        sa.Column("render_id", sa.Integer(), nullable=True),
        sa.Column("audio_file", sa.String(300), nullable=True),
        sa.Column("audio_bytes", sa.Integer(), nullable=True),
        sa.Column("duration_seconds", sa.Float(), nullable=True),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("withdrawn_by", sa.String(100), nullable=True),
        sa.Column("withdrawal_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('published', 'withdrawn', 'expired', 'failed')",
            name=op.f("ck_publications_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_publications")),
        sa.UniqueConstraint("as_run_id", name=op.f("uq_publications_as_run_id")),
        sa.UniqueConstraint("slug", name=op.f("uq_publications_slug")),
        sa.UniqueConstraint("guid", name=op.f("uq_publications_guid")),
    )
    op.create_index(op.f("ix_publications_topic"), "publications", ["topic"])
    op.create_index(
        "ix_publications_status_aired_at", "publications", ["status", "aired_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_publications_status_aired_at", table_name="publications")
    op.drop_index(op.f("ix_publications_topic"), table_name="publications")
    op.drop_table("publications")
