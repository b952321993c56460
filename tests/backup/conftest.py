"""Two stations' databases of the same kind (SQLite files, or two PostgreSQL schemas on
the real server), for backing up one and restoring onto the other."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from broadcast.store.db import create_engine_for
from tests.store.conftest import PG_SERVER_TIMEZONE, postgres_url  # noqa: F401 - fixture


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """(URL of station A, URL of station B); SQLite files live in each data folder."""
    if request.param == "sqlite":
        yield (f"sqlite:///{tmp_path / 'a' / 'loa.db'}", f"sqlite:///{tmp_path / 'b' / 'loa.db'}")
        return
    base = request.getfixturevalue("postgres_url")
    admin = create_engine_for(base)
    schemas = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    with admin.begin() as conn:
        for schema in schemas:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    urls = tuple(
        make_url(base).update_query_dict(
            {"options": f"-csearch_path={s} -ctimezone={PG_SERVER_TIMEZONE}"}
        ).render_as_string(hide_password=False)
        for s in schemas
    )
    try:
        yield urls  # type: ignore[misc]
    finally:
        with admin.begin() as conn:
            for schema in schemas:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
