from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, Table, inspect, text

from broadcast.errors import StoreError
from broadcast.store import (
    check_connection,
    create_engine_for,
    current_revision,
    head_revision,
    migrate,
)
from broadcast.store.db import alembic_config, include_object
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
    "alerts",
    "ops_marks",
}


def _diffs(engine) -> list:
    with engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "include_object": include_object}
        )
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


def test_apscheduler_table_in_the_same_database_is_left_alone(db_url: str) -> None:
    engine = create_engine_for(db_url)
    try:
        jobs = Table("apscheduler_jobs", MetaData(), Column("id", Integer, primary_key=True))
        jobs.create(engine)
        migrate(engine)
        assert _diffs(engine) == []
        assert "apscheduler_jobs" in inspect(engine).get_table_names()
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
