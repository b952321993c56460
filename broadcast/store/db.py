"""Engine, migrations and sessions: the one place that knows how to reach the database.

SQLite (the default, a file in the data directory) and PostgreSQL (``postgresql+psycopg://``)
go through the same code; only connection set-up differs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from alembic.util.exc import CommandError
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from broadcast.errors import StoreError
from broadcast.store.sqlite_copy import copy_database, overwrite_database, sqlite_file

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


def alembic_config(
    engine: Engine | None = None, migrations_dir: Path = MIGRATIONS_DIR
) -> Config:
    """An Alembic configuration pointing at the shipped migrations; no alembic.ini needed."""
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    config.set_main_option("path_separator", "os")
    if engine is not None:
        config.set_main_option("sqlalchemy.url", describe(engine).replace("%", "%%"))
    return config


def migrate(
    engine: Engine, revision: str = "head", *, migrations_dir: Path = MIGRATIONS_DIR
) -> None:
    """Bring the schema to ``revision`` (default: the newest). Safe to call at every start;
    on PostgreSQL an advisory lock keeps two starting processes from migrating at once.

    A migration that fails leaves the data as it was: PostgreSQL runs every step in one
    transaction (its DDL is transactional); SQLite's Python driver commits DDL as it goes,
    so a SQLite file is first copied with the online backup API, and the copy is put back
    if a step fails. The copy of the last upgrade stays beside the database
    (``<name>.before-upgrade``) until the next one."""
    config = alembic_config(engine, migrations_dir)
    snapshot = _snapshot_before_upgrade(engine, config, revision)
    try:
        _upgrade(engine, config, revision)
    except BaseException as exc:
        if snapshot is not None:
            engine.dispose()
            overwrite_database(snapshot, snapshot.with_name(snapshot.name[: -len(_BEFORE)]))
        if isinstance(exc, StoreError) and exc.code == "migration_failed":
            raise StoreError(
                f"{exc.message} Dữ liệu được giữ nguyên như trước khi nâng cấp; hãy quay về "
                "phiên bản trước hoặc báo cho người bảo trì.",
                code="migration_failed",
            ) from exc
        raise


_BEFORE = ".before-upgrade"


def _snapshot_before_upgrade(engine: Engine, config: Config, revision: str) -> Path | None:
    """For a SQLite file with migrations to run: a consistent copy of it, else None."""
    path = sqlite_file(engine)
    if path is None or not path.exists() or revision != "head":
        return None
    try:
        current = current_revision(engine)
    except OperationalError as exc:
        raise unreachable(engine, exc) from exc
    heads = ScriptDirectory.from_config(config).get_heads()
    if current in heads:
        return None
    snapshot = path.with_name(path.name + _BEFORE)
    copy_database(path, snapshot, journal_mode=None)
    return snapshot


def _upgrade(engine: Engine, config: Config, revision: str) -> None:
    try:
        conn = engine.connect()
    except DBAPIError as exc:
        raise unreachable(engine, exc) from exc
    with conn:
        postgres = engine.dialect.name == "postgresql"
        if postgres:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _MIGRATION_ADVISORY_LOCK})
            conn.commit()
        try:
            config.attributes["connection"] = conn
            command.upgrade(config, revision)
            conn.commit()
        except CommandError as exc:
            # Typically a database migrated by a newer Loa than this one.
            raise StoreError(
                f"Không nâng cấp được lược đồ cơ sở dữ liệu {describe(engine)}: {exc}",
                code="schema_unknown",
            ) from exc
        except DBAPIError as exc:
            if exc.connection_invalidated:
                raise unreachable(engine, exc) from exc
            raise migration_failed(engine, exc) from exc
        except StoreError:
            raise
        except Exception as exc:  # a migration step that fails in Python
            raise migration_failed(engine, exc) from exc
        finally:
            if postgres:
                conn.rollback()
                conn.execute(
                    text("SELECT pg_advisory_unlock(:k)"), {"k": _MIGRATION_ADVISORY_LOCK}
                )
                conn.commit()


def migration_failed(engine: Engine, exc: BaseException) -> StoreError:
    reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0] if str(exc) else repr(exc)
    return StoreError(
        f"Nâng cấp lược đồ cơ sở dữ liệu {describe(engine)} thất bại: {reason}.",
        code="migration_failed",
    )


def head_revision(migrations_dir: Path = MIGRATIONS_DIR) -> str:
    """The newest schema revision this version of Loa knows."""
    head = ScriptDirectory.from_config(alembic_config(None, migrations_dir)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    """The schema revision the database is at (``None`` for an empty database)."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions whose objects stay readable after commit (repositories return plain data)."""
    return sessionmaker(bind=engine, expire_on_commit=False)
