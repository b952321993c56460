"""Columns named by the editors: found by id or name, created on first use, also in parallel."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from broadcast.store.store import open_store
from tests.store.conftest import db_url, postgres_url  # noqa: F401  (SQLite and PostgreSQL)


def test_editors_posting_to_a_new_column_at_once_all_get_it(db_url: str) -> None:  # noqa: F811
    store = open_store(db_url)
    try:
        with ThreadPoolExecutor(max_workers=6) as pool:
            ids = list(pool.map(lambda _: store.columns.resolve("Thử nghiệm mới"), range(12)))
        assert set(ids) == {"thu-nghiem-moi"}
        assert [c.id for c in store.columns.list()].count("thu-nghiem-moi") == 1
    finally:
        store.close()
