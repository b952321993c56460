"""Speaker clusters: the clusters table (tokens kept as hashes), and where a slot or an
announcement airs (``clusters``: a JSON list of cluster ids; NULL means every cluster).

Revision ID: clusters_0001
Revises: 0002_typed_identities
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from broadcast.store.types import UTCDateTime

revision = "clusters_0001"
down_revision = "0002_typed_identities"
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
    with op.batch_alter_table("slots") as batch:
        batch.add_column(sa.Column("clusters", sa.JSON(), nullable=True))
    with op.batch_alter_table("announcements") as batch:
        batch.add_column(sa.Column("clusters", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("announcements") as batch:
        batch.drop_column("clusters")
    with op.batch_alter_table("slots") as batch:
        batch.drop_column("clusters")
    op.drop_index(op.f("ix_clusters_zone"), table_name="clusters")
    op.drop_table("clusters")
