"""User names are case-insensitive: a ``name_key`` column (NFC, case-folded), unique.

Accounts whose names differ only by case ("admin" and "ADMIN") cannot both keep their name:
the oldest keeps it, each later one is renamed with a numbered suffix ("ADMIN-2"), and the
renaming is logged (tokens and roles stay as they were; the renamed user logs in with the
new name).

Revision ID: 0004_user_name_key
Revises: 0003_voices
Create Date: 2026-11-28
"""

from __future__ import annotations

import logging
import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0004_user_name_key"
down_revision = "0003_voices"
branch_labels = None
depends_on = None

log = logging.getLogger("broadcast.store.migrations")


def _key(name: str) -> str:
    # Frozen copy of broadcast.store.users.name_key as of this migration.
    return unicodedata.normalize("NFC", name).strip().casefold()


def upgrade() -> None:
    # Added in place, and made unique by an index: no table rebuild, which on SQLite would
    # drop the old users table and cascade the deletion to every token.
    op.add_column(
        "users", sa.Column("name_key", sa.String(100), nullable=False, server_default="")
    )
    users = sa.table(
        "users",
        sa.column("id", sa.Integer()),
        sa.column("name", sa.String()),
        sa.column("name_key", sa.String()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.name).order_by(users.c.id)).all()
    taken = {_key(name) for _, name in rows}
    seen: set[str] = set()
    for user_id, name in rows:
        key = _key(name)
        new_name = name
        if key in seen:
            number = 2
            while _key(f"{name}-{number}") in taken:
                number += 1
            new_name = f"{name}-{number}"
            key = _key(new_name)
            taken.add(key)
            log.warning(
                "user %r has the same name as an older account but for case: renamed to %r",
                name,
                new_name,
            )
        seen.add(key)
        bind.execute(
            users.update().where(users.c.id == user_id).values(name=new_name, name_key=key)
        )
    op.create_index("uq_users_name_key", "users", ["name_key"], unique=True)


def downgrade() -> None:
    op.drop_index("uq_users_name_key", table_name="users")
    op.drop_column("users", "name_key")
