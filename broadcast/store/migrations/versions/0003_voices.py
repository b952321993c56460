"""Voices: the station lexicon, editors' recordings of scripts, column voices, API keys.

Revision ID: 0003_voices
Revises: 0002_typed_identities
Create Date: 2025-11-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from broadcast.store.types import UTCDateTime

revision = "0003_voices"
down_revision = "0002_typed_identities"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "lexicon_entries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("word", sa.String(200), nullable=False),
        sa.Column("reading", sa.String(500), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("script_id", sa.Integer(), nullable=True),
        sa.Column("proposed_by", sa.String(100), nullable=True),
        sa.Column("proposed_at", UTCDateTime(), nullable=False),
        sa.Column("decided_by", sa.String(100), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('proposed', 'approved', 'rejected', 'retired')",
            name=op.f("ck_lexicon_entries_status"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lexicon_entries")),
    )
    op.create_index("ix_lexicon_entries_word_status", "lexicon_entries", ["word", "status"])
    op.create_table(
        "script_recordings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("script_id", sa.Integer(), nullable=False),
        sa.Column("sentence", sa.Integer(), nullable=False),
        sa.Column("text_sha256", sa.String(64), nullable=False),
        sa.Column("recorded_text", sa.Text(), nullable=False),
        sa.Column("path", sa.String(1000), nullable=False),
        sa.Column("duration_seconds", sa.Float(), nullable=False),
        sa.Column("original_name", sa.String(200), nullable=False),
        sa.Column("processing", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.String(100), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["script_id"],
            ["scripts.id"],
            name=op.f("fk_script_recordings_script_id_scripts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_script_recordings")),
        sa.UniqueConstraint(
            "script_id", "sentence", name=op.f("uq_script_recordings_script_id")
        ),
    )
    op.create_index(
        op.f("ix_script_recordings_script_id"), "script_recordings", ["script_id"]
    )
    op.create_table(
        "topic_voices",
        sa.Column("topic", sa.String(100), nullable=False),
        sa.Column("voice", sa.String(50), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("topic", name=op.f("pk_topic_voices")),
    )
    op.create_table(
        "voice_keys",
        sa.Column("provider", sa.String(20), nullable=False),
        sa.Column("api_key", sa.Text(), nullable=False),
        sa.Column("updated_by", sa.String(100), nullable=True),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("provider", name=op.f("pk_voice_keys")),
    )


def downgrade() -> None:
    op.drop_table("voice_keys")
    op.drop_table("topic_voices")
    op.drop_index(op.f("ix_script_recordings_script_id"), table_name="script_recordings")
    op.drop_table("script_recordings")
    op.drop_index("ix_lexicon_entries_word_status", table_name="lexicon_entries")
    op.drop_table("lexicon_entries")
