"""Speaker clusters: the clusters table (tokens kept as hashes), and where a slot or an
announcement airs (``clusters``: a JSON list of cluster ids; NULL means every cluster).

Revision ID: 0008_clusters
Revises: 0007_publications
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from broadcast.store.types import UTCDateTime

revision = "0008_clusters"
down_revision = "0007_publications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "clusters",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("zone", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("broker_hash", sa.String(300), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clusters")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_clusters_token_hash")),
    )
    op.create_index(op.f("ix_clusters_zone"), "clusters", ["zone"])
    # Added in place: a table rebuild on SQLite would cascade-delete the slots' adjustments.
    op.add_column("slots", sa.Column("clusters", sa.JSON(), nullable=True))
    op.add_column("announcements", sa.Column("clusters", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.drop_column("clusters")
    with op.batch_alter_table("slots") as batch:
        batch.drop_column("clusters")
    op.drop_index(op.f("ix_clusters_zone"), table_name="clusters")
    op.drop_table("clusters")
