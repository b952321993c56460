"""Updating Loa keeps the station's data: a database left by the previous version (schema
0001_initial, as Loa 0.1.0 wrote it) is migrated on start, and a migration that fails
leaves the database exactly as it was, on SQLite and on PostgreSQL."""

from __future__ import annotations

import hashlib
import shutil
from datetime import UTC, datetime, time
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Engine,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    Time,
    insert,
    inspect,
    select,
    text,
)

from broadcast.errors import StoreError
from broadcast.programs import Segment
from broadcast.scheduling.model import Outcome
from broadcast.store import create_engine_for, current_revision, head_revision, migrate
from broadcast.store.db import MIGRATIONS_DIR
from broadcast.store.sqlite_copy import sqlite_file
from broadcast.store.store import open_store
from broadcast.store.types import UTCDateTime

PREVIOUS = "0001_initial"  # the schema of Loa 0.1.0
T0 = datetime(2025, 11, 20, 23, 0, tzinfo=UTC)  # 06:00 in Hà Nội
TOKEN = "loa_previous_version_token_0123456789"

# The tables as Loa 0.1.0 created them (only the columns this test fills in).
OLD = MetaData()
SCRIPTS = Table(
    "scripts", OLD,
    Column("id", Integer, primary_key=True), Column("title", String(300)),
    Column("topic", String(100)), Column("text", Text), Column("status", String(20)),
    Column("revision", Integer), Column("approved_by", String(100)),
    Column("approved_at", UTCDateTime()), Column("approved_revision", Integer),
    Column("created_at", UTCDateTime()), Column("updated_at", UTCDateTime()),
)
PROGRAMS = Table(
    "programs", OLD,
    Column("id", String(100), primary_key=True), Column("title", String(300)),
    Column("topic", String(100)), Column("segments", JSON), Column("position", Integer),
    Column("created_at", UTCDateTime()), Column("updated_at", UTCDateTime()),
)
SLOTS = Table(
    "slots", OLD,
    Column("id", String(100), primary_key=True), Column("program_id", String(100)),
    Column("time", Time()), Column("days", String(40)), Column("on_date", Date()),
    Column("priority", String(20)), Column("paused", Boolean), Column("position", Integer),
    Column("updated_at", UTCDateTime()),
)
AS_RUN = Table(
    "as_run", OLD,
    Column("id", Integer, primary_key=True), Column("slot_id", String(100)),
    Column("program_id", String(100)), Column("priority", String(20)),
    Column("scheduled_start", UTCDateTime()), Column("actual_start", UTCDateTime()),
    Column("end", UTCDateTime()), Column("outcome", String(20)), Column("engines", JSON),
    Column("error", Text), Column("lateness_seconds", Float), Column("topic", String(100)),
    Column("program_title", String(300)),
)
USERS = Table(
    "users", OLD,
    Column("id", Integer, primary_key=True), Column("name", String(100)),
    Column("role", String(20)), Column("password_hash", String(300)),
    Column("created_at", UTCDateTime()),
)
TOKENS = Table(
    "user_tokens", OLD,
    Column("id", Integer, primary_key=True), Column("user_id", Integer),
    Column("token_hash", String(64)), Column("label", String(100)),
    Column("created_at", UTCDateTime()),
)


def previous_version_database(url: str) -> None:
    """A database as Loa 0.1.0 left it: its schema, a station's worth of data."""
    engine = create_engine_for(url)
    try:
        migrate(engine, PREVIOUS)
        with engine.begin() as conn:
            conn.execute(insert(SCRIPTS).values(
                id=1, title="Bản tin sáng", topic="thong-tin-chung",
                text="Kính thưa bà con. Lịch tiêm phòng cho gia súc vào thứ bảy.",
                status="approved", revision=2, approved_by="lan", approved_at=T0,
                approved_revision=2, created_at=T0, updated_at=T0,
            ))
            conn.execute(insert(PROGRAMS).values(
                id="ban-tin-sang", title="Bản tin buổi sáng", topic="thong-tin-chung",
                segments=[{"kind": "jingle", "ref": "intro", "seconds": 0.0},
                          {"kind": "script", "ref": "1", "seconds": 0.0}],
                position=0, created_at=T0, updated_at=T0,
            ))
            conn.execute(insert(SLOTS).values(
                id="sang", program_id="ban-tin-sang", time=time(6, 0), days="mon,wed,fri",
                on_date=None, priority="normal", paused=False, position=0, updated_at=T0,
            ))
            conn.execute(insert(AS_RUN).values(
                id=1, slot_id="sang", program_id="ban-tin-sang", priority="normal",
                scheduled_start=T0, actual_start=T0, end=T0.replace(minute=4),
                outcome="aired", engines=["gtts"], error=None, lateness_seconds=0.004,
                topic="thong-tin-chung", program_title="Bản tin buổi sáng",
            ))
            conn.execute(insert(USERS).values(
                id=1, name="admin", role="admin", password_hash=None, created_at=T0
            ))
            conn.execute(insert(TOKENS).values(
                id=1, user_id=1, token_hash=hashlib.sha256(TOKEN.encode()).hexdigest(),
                label="bootstrap", created_at=T0,
            ))
        assert current_revision(engine) == PREVIOUS
    finally:
        engine.dispose()


def test_update_from_the_previous_version_keeps_every_record(db_url: str) -> None:
    previous_version_database(db_url)
    store = open_store(db_url)  # what `broadcast serve` does at start
    try:
        assert current_revision(store.engine) == head_revision() != PREVIOUS
        script = store.scripts.get(1)
        assert (script.title, script.approved, script.revision) == ("Bản tin sáng", True, 2)
        assert store.programs.get("ban-tin-sang").segments[1] == Segment.stored_script(1)
        slot = store.slots.get("sang")
        assert slot.time == time(6, 0) and slot.program_id == "ban-tin-sang"
        [entry] = store.as_run.query()
        assert entry.outcome is Outcome.AIRED and entry.actual_start == T0
        assert entry.engines == ("gtts",)
        user = store.users.user_for_token(TOKEN)
        assert user is not None and user.name == "admin"
        [row] = store.as_run.airtime_report(timezone="Asia/Ho_Chi_Minh")
        assert (row.month, row.topic, row.minutes) == ("2025-11", "thong-tin-chung", 4.0)
        # The new version's own tables are there and usable.
        assert {"alerts", "ops_marks"} <= set(inspect(store.engine).get_table_names())
    finally:
        store.close()


FAILING_MIGRATION = '''"""A migration that changes things, then fails half-way.

Revision ID: zz_fails
Revises: {down}
"""
import sqlalchemy as sa
from alembic import op

revision = "zz_fails"
down_revision = "{down}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("half_made", sa.Column("id", sa.Integer(), primary_key=True))
    op.add_column("scripts", sa.Column("extra", sa.Text(), nullable=True))
    op.execute("UPDATE scripts SET title = 'ĐÃ BỊ SỬA'")
    op.execute("DELETE FROM as_run")
    op.execute("SELECT * FROM a_table_that_does_not_exist")


def downgrade() -> None:
    pass
'''


@pytest.fixture
def failing_migrations(tmp_path: Path) -> Path:
    """The shipped migrations plus one more that fails (a copy; the package is untouched)."""
    folder = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS_DIR, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / "zz_fails.py").write_text(
        FAILING_MIGRATION.format(down=head_revision()), encoding="utf-8"
    )
    return folder


def snapshot(engine: Engine) -> dict[str, object]:
    """Everything this test can see changing: tables, columns, rows, revision."""
    names = sorted(inspect(engine).get_table_names())
    with engine.connect() as conn:
        return {
            "revision": current_revision(engine),
            "tables": names,
            "script_columns": sorted(c["name"] for c in inspect(engine).get_columns("scripts")),
            "scripts": conn.execute(select(SCRIPTS.c.id, SCRIPTS.c.title)).all(),
            "as_run": conn.execute(select(AS_RUN.c.id, AS_RUN.c.outcome)).all(),
        }


def test_a_failing_migration_leaves_the_database_as_it_was(
    db_url: str, failing_migrations: Path
) -> None:
    previous_version_database(db_url)
    engine = create_engine_for(db_url)
    try:
        migrate(engine)  # the current version's migrations: fine
        before = snapshot(engine)
        with pytest.raises(StoreError) as caught:
            migrate(engine, migrations_dir=failing_migrations)
        assert caught.value.code == "migration_failed"
        assert "a_table_that_does_not_exist" in caught.value.message
        assert "giữ nguyên" in caught.value.message
        after = snapshot(engine)
        assert after == before
        assert "half_made" not in after["tables"]  # type: ignore[operator]
    finally:
        engine.dispose()
    path = sqlite_file(db_url)
    if path is not None:  # SQLite: the copy taken before the upgrade is kept beside it
        assert path.with_name(path.name + ".before-upgrade").exists()
        with create_engine_for(db_url).connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
    store = open_store(db_url)  # the station still starts on it
    try:
        assert store.scripts.get(1).title == "Bản tin sáng"
        assert len(store.as_run.query()) == 1
    finally:
        store.close()

