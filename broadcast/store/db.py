"""Engine, migrations and sessions: the one place that knows how to reach the database.

SQLite (the default, a file in the data directory) and PostgreSQL (``postgresql+psycopg://``)
go through the same code; only connection set-up differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from broadcast.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Any constant works: it only has to be the same for every process migrating this database.
_MIGRATION_ADVISORY_LOCK = 0x4C4F41  # "LOA"


def _normalized_url(url: str) -> Any:
    try:
        parsed = make_url(url)
    except ArgumentError as exc:
        raise StoreError(
            f"Địa chỉ cơ sở dữ liệu không hợp lệ: {url!r}", code="db_url_invalid"
        ) from exc
    # Only psycopg 3 is installed: a bare postgresql:// URL means it.
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def create_engine_for(url: str) -> Engine:
    """An engine for ``url``, set up for the station: SQLite in WAL mode with foreign keys
    and a busy timeout; PostgreSQL through psycopg 3 with a pool that survives restarts."""
    parsed = _normalized_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            parsed,
            connect_args={
                "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000,
                "check_same_thread": False,
            },
        )
        event.listen(engine, "connect", _sqlite_on_connect)
        return engine
    if backend == "postgresql":
        return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=20)
    raise StoreError(
        f"Không hỗ trợ loại cơ sở dữ liệu {backend!r}: dùng sqlite hoặc postgresql",
        code="db_url_invalid",
    )


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
    finally:
        cursor.close()


def describe(engine: Engine) -> str:
    """The engine's URL without its password, for messages and logs."""
    return engine.url.render_as_string(hide_password=True)


def check_connection(engine: Engine) -> None:
    """Raise ``StoreError(code="db_unreachable")`` unless a trivial query succeeds."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except DBAPIError as exc:
        raise unreachable(engine, exc) from exc


def unreachable(engine: Engine, exc: BaseException) -> StoreError:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else ""
    return StoreError(
        f"Không kết nối được cơ sở dữ liệu {describe(engine)}: {reason}",
        code="db_unreachable",
    )


def alembic_config(engine: Engine | None = None) -> Config:
    """An Alembic configuration pointing at the shipped migrations; no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    if engine is not None:
        config.set_main_option("sqlalchemy.url", describe(engine).replace("%", "%%"))
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` (default: the newest). Safe to call at every start;
    on PostgreSQL an advisory lock keeps two starting processes from migrating at once."""
    config = alembic_config(engine)
    try:
        with engine.connect() as conn:
            postgres = engine.dialect.name == "postgresql"
            if postgres:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_ADVISORY_LOCK})
                conn.commit()
            try:
                config.attributes["connection"] = conn
                command.upgrade(config, revision)
                conn.commit()
            finally:
                if postgres:
                    conn.rollback()
                    conn.execute(
                        text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_ADVISORY_LOCK}
                    )
                    conn.commit()
    except OperationalError as exc:
        raise unreachable(engine, exc) from exc
    except CommandError as exc:
        # Typically a database migrated by a newer Loa than this one.
        raise StoreError(
            f"Không nâng cấp được lược đồ cơ sở dữ liệu {describe(engine)}: {exc}",
            code="schema_unknown",
        ) from exc


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (``None`` for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (repositories return plain data)."""
    return sessionmaker(bind=engine, expire_on_commit=False)
