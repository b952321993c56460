"""Every storage test runs against SQLite (a temporary file) and a real PostgreSQL server.

PostgreSQL: ``LOA_TEST_POSTGRES_URL`` if set, else the server that tools/start-postgres.sh
starts. If neither works the PostgreSQL tests fail with the reason; they never skip.
Each test gets its own PostgreSQL schema (dropped afterwards), so parallel runs do not meet.
"""

from __future__ import annotations

import os
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from broadcast.store import Store, create_engine_for, migrate

ROOT = Path(__file__).resolve().parents[2]
START_POSTGRES = ROOT / "tools" / "start-postgres.sh"
# A server time zone far from UTC and from the station's, to catch naive conversions.
PG_SERVER_TIMEZONE = "America/Sao_Paulo"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    url = os.environ.get("LOA_TEST_POSTGRES_URL")
    if url:
        return url
    try:
        done = subprocess.run(
            ["bash", str(START_POSTGRES)], capture_output=True, text=True, timeout=180
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"could not run {START_POSTGRES}: {exc}", pytrace=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        pytest.fail(
            f"PostgreSQL could not be started ({START_POSTGRES} exited {done.returncode}):\n"
            f"{done.stderr}",
            pytrace=False,
        )
    return lines[-1]


def _admin_engine(url: str) -> Engine:
    return create_engine_for(url)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database (schema) of each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'loa.db'}"
        return
    base = request.getfixturevalue("postgres_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine(base)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as exc:  # any failure: its text is the reason
        admin.dispose()
        pytest.fail(f"PostgreSQL at {base} is not usable: {exc}", pytrace=False)
    url = make_url(base).update_query_dict(
        {"options": f"-csearch_path={schema} -ctimezone={PG_SERVER_TIMEZONE}"}
    )
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    engine = create_engine_for(db_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def store(engine: Engine) -> Store:
    return Store.from_engine(engine)
