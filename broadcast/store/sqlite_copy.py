"""Consistent copies of a SQLite database file with SQLite's online backup API.

A copy taken this way is a snapshot of one instant even while the station writes (the API
copies the pages under SQLite's own locking, restarting if a page changes underneath), so it
can be taken from a serving station. The same API copies a snapshot back over a database.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.engine import make_url

BUSY_TIMEOUT_SECONDS = 30.0
PAGES_PER_STEP = 256  # a step holds the read lock briefly; writers get in between steps


def sqlite_file(url_or_engine: str | Engine) -> Path | None:
    """The database file of a SQLite URL or engine (None for other backends, memory, URIs)."""
    url = url_or_engine.url if isinstance(url_or_engine, Engine) else make_url(url_or_engine)
    if url.get_backend_name() != "sqlite":
        return None
    database = url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database).expanduser().resolve()


def copy_database(source: Path, target: Path, *, journal_mode: str | None = "DELETE") -> None:
    """Copy the database ``source`` to ``target`` (replaced) as one consistent snapshot.

    ``journal_mode="DELETE"`` leaves the copy as one self-contained file (no -wal file),
    which is what goes into an archive."""
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        dst = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT_SECONDS)
        try:
            src.backup(dst, pages=PAGES_PER_STEP)
            if journal_mode is not None:
                dst.execute(f"PRAGMA journal_mode={journal_mode}")
            dst.commit()
        finally:
            dst.close()
    finally:
        src.close()


def overwrite_database(snapshot: Path, target: Path) -> None:
    """Put the content of ``snapshot`` back into ``target`` (in one transaction of the
    target, so a reader sees the old or the new database, never a mixture)."""
    src = sqlite3.connect(f"file:{snapshot}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        dst = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT_SECONDS)
        try:
            src.backup(dst)
            dst.commit()
            with contextlib.suppress(sqlite3.DatabaseError):
                dst.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            dst.close()
    finally:
        src.close()


def integrity_problems(path: Path) -> list[str]:
    """SQLite's own integrity check of a database file: [] when it is sound."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=BUSY_TIMEOUT_SECONDS)
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        conn.close()
    problems = [str(r[0]) for r in rows]
    return [] if problems == ["ok"] else problems
