from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Column, Integer, MetaData, Table, inspect, text

from broadcast.errors import StoreError
from broadcast.programs import Segment
from broadcast.scheduling.model import AiringKey, Priority
from broadcast.store import (
    Store,
    check_connection,
    create_engine_for,
    current_revision,
    head_revision,
    migrate,
)
from broadcast.store.db import alembic_config
from broadcast.store.models import Base

TABLES = {
    "scripts",
    "script_revisions",
    "programs",
    "slots",
    "adjustments",
    "renders",
    "as_run",
    "users",
    "user_tokens",
    "station_lock",
    "announcements",
    "lexicon_entries",
    "script_recordings",
    "topic_voices",
    "voice_keys",
    "alerts",
    "ops_marks",
    "publications",
}
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()


def _diffs(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_migrate_from_empty_creates_every_table_and_matches_the_models(db_url: str) -> None:
    engine = create_engine_for(db_url)
    try:
        assert current_revision(engine) is None
        migrate(engine)
        assert current_revision(engine) == head_revision()
        assert set(inspect(engine).get_table_names()) >= TABLES
        assert _diffs(engine) == []
    finally:
        engine.dispose()


def test_migrate_twice_is_harmless_and_downgrade_upgrade_round_trips(db_url: str) -> None:
    engine = create_engine_for(db_url)
    try:
        migrate(engine)
        migrate(engine)
        with engine.connect() as conn:
            config = alembic_config(engine)
            config.attributes["connection"] = conn
            command.downgrade(config, "base")
            conn.commit()
        assert not TABLES & set(inspect(engine).get_table_names())
        migrate(engine)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_the_old_persistent_job_table_is_dropped(db_url: str) -> None:
    """Jobs are derived from the timetable and live in memory: the table APScheduler's
    job store kept in the station database goes."""
    engine = create_engine_for(db_url)
    try:
        jobs = Table("apscheduler_jobs", MetaData(), Column("id", Integer, primary_key=True))
        jobs.create(engine)
        migrate(engine)
        assert _diffs(engine) == []
        assert "apscheduler_jobs" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_untyped_segments_and_announcement_slots_are_migrated(db_url: str) -> None:
    """A database of the first version: segments with a string ``ref``, announcements stored as
    one-off slots ``ann-<id>-<n>`` with their log entries."""
    engine = create_engine_for(db_url)
    try:
        migrate(engine, "0001_initial")
        now = datetime(2026, 11, 1, tzinfo=UTC)
        old_segments = [
            {"kind": "jingle", "ref": "intro", "seconds": 0.0},
            {"kind": "script", "ref": "7", "seconds": 0.0},
            {"kind": "script", "ref": "/srv/loa/scripts/sang.txt", "seconds": 0.0},
            {"kind": "audio", "ref": "audio/bai-hat.mp3", "seconds": 0.0},
            {"kind": "silence", "ref": "", "seconds": 1.5},
        ]
        with engine.begin() as conn:
            programs = Table("programs", MetaData(), autoload_with=conn)
            conn.execute(programs.insert(), [
                {"id": p, "title": p, "topic": "", "segments": old_segments if p == "tin" else
                 [{"kind": "script", "ref": "8", "seconds": 0.0}], "bed": None, "position": n,
                 "created_at": now, "updated_at": now}
                for n, p in enumerate(("tin", "bao"))
            ])
            slots = Table("slots", MetaData(), autoload_with=conn)
            rows = [("sang", "tin", time(6), "mon", None, "normal")] + [
                (f"ann-0a1b2c3d-{n}", "bao", time(9, 30 * (n - 1)), "", date(2026, 11, 2),
                 "emergency") for n in (1, 2)
            ]
            conn.execute(slots.insert(), [
                {"id": i, "program_id": p, "time": t, "days": d, "on_date": on, "priority": pr,
                 "max_duration_seconds": None, "valid_from": None, "valid_until": None,
                 "paused": False, "position": n, "updated_at": now}
                for n, (i, p, t, d, on, pr) in enumerate(rows)
            ])
            as_run = Table("as_run", MetaData(), autoload_with=conn)
            conn.execute(as_run.insert(), {
                "slot_id": "ann-0a1b2c3d-1", "program_id": "bao", "priority": "emergency",
                "scheduled_start": datetime(2026, 11, 2, 2, 0, tzinfo=UTC),
                "actual_start": datetime(2026, 11, 2, 2, 0, tzinfo=UTC),
                "end": datetime(2026, 11, 2, 2, 1, tzinfo=UTC), "outcome": "aired",
                "engines": [], "error": None, "lateness_seconds": None, "topic": "",
                "program_title": "bao",
            })
        migrate(engine)
        store = Store.from_engine(engine)
        assert store.programs.get("tin").segments == (
            Segment.jingle("intro"),
            Segment.stored_script(7),
            Segment.script_file("/srv/loa/scripts/sang.txt"),
            Segment.audio_file("audio/bai-hat.mp3"),
            Segment.silence(1.5),
        )
        assert [s.id for s in store.slots.list()] == ["sang"]
        [announcement] = store.announcements.list()
        assert announcement.program_id == "bao"
        assert announcement.priority is Priority.EMERGENCY
        assert announcement.repeat == 2 and announcement.every == timedelta(minutes=30)
        assert announcement.first_start == datetime(2026, 11, 2, 2, 0, tzinfo=UTC)  # 09:00 +07
        [entry] = store.as_run.query()
        assert entry.slot_id is None and entry.announcement_id == announcement.id
        assert store.as_run.find(AiringKey.of_announcement(announcement.id, entry.scheduled_start))
        assert _diffs(engine) == []
        # And back: the first version's shape again.
        with engine.connect() as conn:
            config = alembic_config(engine)
            config.attributes["connection"] = conn
            command.downgrade(config, "0001_initial")
            conn.commit()
        with engine.connect() as conn:
            programs = Table("programs", MetaData(), Column("id"), Column("segments", JSON))
            segments = dict(conn.execute(programs.select()).all())
        assert segments["tin"] == old_segments
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path) -> None:
    engine = create_engine_for(f"sqlite:///{tmp_path / 'sub' / 'loa.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() == 30000
        assert (tmp_path / "sub" / "loa.db").exists()
    finally:
        engine.dispose()


def test_plain_postgresql_url_means_psycopg() -> None:
    engine = create_engine_for("postgresql://u:p@127.0.0.1:1/x")
    assert engine.dialect.driver == "psycopg"


def test_unreachable_server_is_a_store_error_without_the_password() -> None:
    engine = create_engine_for("postgresql+psycopg://loa:secret@127.0.0.1:1/nowhere")
    with pytest.raises(StoreError) as caught:
        check_connection(engine)
    assert caught.value.code == "db_unreachable"
    assert "secret" not in caught.value.message
    assert "127.0.0.1" in caught.value.message
    with pytest.raises(StoreError) as caught_migrate:
        migrate(engine)
    assert caught_migrate.value.code == "db_unreachable"


def test_unknown_database_kind_is_refused() -> None:
    with pytest.raises(StoreError) as caught:
        create_engine_for("mysql://u:p@localhost/x")
    assert caught.value.code == "db_url_invalid"


def test_a_database_from_a_newer_version_is_reported(db_url: str) -> None:
    engine = create_engine_for(db_url)
    try:
        migrate(engine)
        with engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
        with pytest.raises(StoreError) as caught:
            migrate(engine)
        assert caught.value.code == "schema_unknown"
    finally:
        engine.dispose()


def test_users_differing_only_by_case_are_told_apart_by_the_upgrade(
    db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    from datetime import UTC, datetime

    from broadcast.store import Store

    engine = create_engine_for(db_url)
    try:
        migrate(engine, "0001_initial")
        created = datetime(2025, 1, 1, tzinfo=UTC)
        with engine.begin() as conn:
            for name in ("admin", "ADMIN", "Admin", "lan"):
                conn.execute(
                    text(
                        "INSERT INTO users (name, role, password_hash, created_at) "
                        "VALUES (:name, 'editor', NULL, :at)"
                    ),
                    {"name": name, "at": created},
                )
            ids = dict(conn.execute(text("SELECT name, id FROM users")).all())
            conn.execute(
                text(
                    "INSERT INTO user_tokens (user_id, token_hash, label, created_at) "
                    "VALUES (:user, :hash, '', :at)"
                ),
                {"user": ids["ADMIN"], "hash": "a" * 64, "at": created},
            )
        with caplog.at_level("WARNING"):
            migrate(engine)
        assert _diffs(engine) == []
        with engine.connect() as conn:
            rows = dict(conn.execute(text("SELECT id, name FROM users")).all())
        # The oldest keeps its name; the others get a numbered suffix; nobody is lost.
        assert rows == {
            ids["admin"]: "admin",
            ids["ADMIN"]: "ADMIN-2",
            ids["Admin"]: "Admin-3",
            ids["lan"]: "lan",
        }
        assert "'ADMIN-2'" in caplog.text and "'Admin-3'" in caplog.text
        store = Store.from_engine(engine)
        assert [t.user_name for t in store.users.tokens("admin-2")] == ["ADMIN-2"]
        assert store.users.get("LAN").name == "lan"
    finally:
        engine.dispose()
