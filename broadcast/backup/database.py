"""The database part of a backup: a consistent snapshot of a serving station (SQLite's
online backup API; ``pg_dump`` for PostgreSQL) and putting one back, never half-way."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import Connection, Engine, inspect, text
from sqlalchemy.engine import URL, make_url

from broadcast.backup.contents import StoredProgram
from broadcast.backup.manifest import DatabaseInfo
from broadcast.errors import BackupError, StoreError
from broadcast.store.db import alembic_config, create_engine_for, current_revision, migrate
from broadcast.store.lock import LockInfo, StationLock, pid_running
from broadcast.store.sqlite_copy import copy_database, integrity_problems, sqlite_file

PG_DUMP_TIMEOUT_SECONDS = 1800
LOCK_STALE_AFTER = timedelta(seconds=30)

Prepare = Callable[[Connection], None]


def backend(url: str) -> str:
    return "sqlite" if sqlite_file(url) is not None else make_url(url).get_backend_name()


def snapshot(url: str, folder: Path) -> tuple[DatabaseInfo, Path]:
    """Write a consistent copy of the database into ``folder``; the station may keep
    serving meanwhile."""
    engine = create_engine_for(url)
    try:
        revision = _revision(engine)
        path = sqlite_file(engine)
        if path is not None:
            if not path.exists():
                raise BackupError(
                    f"Không tìm thấy cơ sở dữ liệu {path}: chưa có gì để sao lưu.",
                    code="backup_no_database",
                )
            target = folder / "loa.db"
            copy_database(path, target)
            problems = integrity_problems(target)
            if problems:
                raise BackupError(
                    f"Cơ sở dữ liệu {path} bị hỏng ({problems[0]}); không tạo bản sao lưu "
                    "từ dữ liệu hỏng.",
                    code="database_corrupt",
                )
            return DatabaseInfo("sqlite", "database/loa.db", revision), target
        if engine.dialect.name == "postgresql":
            with engine.connect() as conn:
                schema = conn.execute(text("SELECT current_schema()")).scalar()
            if not schema:
                raise BackupError("Không xác định được lược đồ PostgreSQL đang dùng.",
                                  code="backup_failed")
            target = folder / "loa.sql"
            _pg_dump(engine.url, str(schema), target)
            return DatabaseInfo("postgresql", "database/loa.sql", revision, str(schema)), target
        raise BackupError(f"Không sao lưu được loại cơ sở dữ liệu {engine.dialect.name}.",
                          code="backup_failed")
    finally:
        engine.dispose()


def _revision(engine: Engine) -> str | None:
    try:
        return current_revision(engine)
    except Exception as exc:
        raise BackupError(f"Không đọc được cơ sở dữ liệu: {exc}", code="db_unreachable") from exc


def conninfo(url: URL) -> tuple[str, dict[str, str]]:
    """A libpq connection string without the password, and the environment carrying it."""
    def quote(value: object) -> str:
        return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"

    parts = {"host": url.host, "port": url.port, "user": url.username, "dbname": url.database}
    options = url.query.get("options")
    if options:
        parts["options"] = options if isinstance(options, str) else " ".join(options)
    text_ = " ".join(f"{k}={quote(v)}" for k, v in parts.items() if v is not None)
    env = {"PGPASSWORD": url.password} if url.password else {}
    return text_, {k: str(v) for k, v in env.items()}


def _pg_dump(url: URL, schema: str, target: Path) -> None:
    program = shutil.which("pg_dump")
    if program is None:
        raise BackupError(
            "Không có pg_dump để sao lưu PostgreSQL: apt-get install postgresql-client.",
            code="pg_dump_missing",
        )
    dsn, env = conninfo(url)
    result = subprocess.run(
        [program, "--format=plain", "--no-owner", "--no-privileges", "--inserts",
         "--rows-per-insert=100", f"--schema={schema}", f"--file={target}", f"--dbname={dsn}"],
        env={**os.environ, **env}, capture_output=True, text=True,
        timeout=PG_DUMP_TIMEOUT_SECONDS,
    )
    if result.returncode != 0:
        raise BackupError(
            f"pg_dump thất bại: {result.stderr.strip().splitlines()[-1:]}", code="backup_failed"
        )


def stored_programs(url: str) -> list[StoredProgram]:
    """Programs with their segments as stored, by plain SQL on columns every schema has
    had: a backup taken by a newer Loa before its first start (during an update) must read
    a database the older one wrote."""
    engine = create_engine_for(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, segments, bed FROM programs")).all()
    except Exception as exc:
        raise BackupError(f"Không đọc được danh sách chương trình: {exc}",
                          code="backup_failed") from exc
    finally:
        engine.dispose()
    found = []
    for program_id, segments, bed in rows:
        data = json.loads(segments) if isinstance(segments, str) else segments
        items = [s for s in data if isinstance(s, dict)] if isinstance(data, list) else []
        found.append(StoredProgram(str(program_id), items, bed))
    return found


# --- putting a database back -----------------------------------------------------------------


def running_holder(url: str, now: datetime) -> LockInfo | None:
    """The station serving this database now, if any (a fresh heartbeat of a live process)."""
    if backend(url) == "sqlite" and not sqlite_file(url).exists():  # type: ignore[union-attr]
        return None
    engine = create_engine_for(url)
    try:
        if "station_lock" not in inspect(engine).get_table_names():
            return None
        holder = StationLock(engine).holder()
    except StoreError:
        raise
    except Exception:
        return None
    finally:
        engine.dispose()
    if holder is None or holder.heartbeat_at < now - LOCK_STALE_AFTER:
        return None
    import socket

    if holder.host == socket.gethostname() and not pid_running(holder.pid):
        return None
    return holder


def prepare_sqlite(staged: Path, prepare: Prepare) -> None:
    """Check the staged SQLite copy, bring it to this version's schema and adapt it."""
    problems = integrity_problems(staged)
    if problems:
        raise BackupError(f"Cơ sở dữ liệu trong bản sao lưu bị hỏng: {problems[0]}",
                          code="backup_corrupt")
    engine = create_engine_for(f"sqlite:///{staged}")
    try:
        migrate(engine)
        with engine.begin() as conn:
            prepare(conn)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
    finally:
        engine.dispose()
    for suffix in ("-wal", "-shm", ".before-upgrade"):
        staged.with_name(staged.name + suffix).unlink(missing_ok=True)


_RESTRICT = re.compile(r"^\\(?:un)?restrict [A-Za-z0-9]+$", re.MULTILINE)


def restore_postgresql(url: str, dump: Path, source_schema: str, prepare: Prepare) -> None:
    """Replace the target schema with the dump, bring it to this version's schema and
    adapt it, in one transaction: it all happens, or nothing does."""
    sql = _RESTRICT.sub("", dump.read_text(encoding="utf-8"))
    engine = create_engine_for(url)
    try:
        with engine.connect() as conn:
            target = conn.execute(text("SELECT current_schema()")).scalar()
            conn.rollback()
            if not target:
                raise BackupError("Lược đồ PostgreSQL đích không tồn tại.", code="restore_failed")
            transaction = conn.begin()
            try:
                hold = None
                if source_schema != target and _schema_exists(conn, source_schema):
                    hold = f"loa_hold_{uuid.uuid4().hex[:10]}"
                    conn.execute(text(f'ALTER SCHEMA {_q(source_schema)} RENAME TO {_q(hold)}'))
                conn.execute(text(f"DROP SCHEMA IF EXISTS {_q(target)} CASCADE"))
                cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
                cursor.execute(sql)  # no parameters: run as the script it is
                if source_schema != target:
                    conn.execute(text(f"ALTER SCHEMA {_q(source_schema)} RENAME TO {_q(target)}"))
                if hold is not None:
                    conn.execute(text(f"ALTER SCHEMA {_q(hold)} RENAME TO {_q(source_schema)}"))
                conn.execute(text("RESET search_path"))
                _upgrade_in(conn, engine)
                prepare(conn)
                transaction.commit()
            except BaseException:
                transaction.rollback()
                raise
    except BackupError:
        raise
    except Exception as exc:
        raise BackupError(
            f"Không khôi phục được cơ sở dữ liệu PostgreSQL (không có gì bị thay đổi): {exc}",
            code="restore_failed",
        ) from exc
    finally:
        engine.dispose()


def _upgrade_in(conn: Connection, engine: Engine) -> None:
    from alembic import command

    config = alembic_config(engine)
    config.attributes["connection"] = conn
    command.upgrade(config, "head")


def _schema_exists(conn: Connection, name: str) -> bool:
    query = text("SELECT 1 FROM information_schema.schemata WHERE schema_name = :n")
    return conn.execute(query, {"n": name}).first() is not None


def _q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
