"""The agent's local store (SQLite in its data directory): what it must keep through a
network cut and a restart.

- the plan it holds (the last ``plan`` message) and the announcements commanded to it;
- its audio cache index (sha256 -> file, verified, or refused with the reason);
- the airings it has handled (so a restart never airs one twice);
- its as-run outbox: finished airings, numbered, kept until the station acknowledges them;
- its last measured clock offset (a restart during a cut still corrects by it).
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    insert,
    select,
    update,
)

from broadcast.cluster import protocol as p

SCHEMA_VERSION = 1
metadata = MetaData()

meta = Table("agent_meta", metadata, Column("key", String(50), primary_key=True),
             Column("value", Text, nullable=False))
commands = Table("agent_commands", metadata, Column("ident", String(200), primary_key=True),
                 Column("item", Text, nullable=False), Column("start", Float, nullable=False))
audio = Table(
    "agent_audio", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("state", String(10), nullable=False),  # ok, bad
    Column("error", Text),
    Column("updated_at", Float, nullable=False),
)
airings = Table(
    "agent_airings", metadata,
    Column("ident", String(200), primary_key=True),
    Column("state", String(10), nullable=False),  # armed, done
    Column("start", Float, nullable=False),
    Column("actual_start", Float),
)
outbox = Table(
    "agent_outbox", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("report", Text, nullable=False),
    Column("created_at", Float, nullable=False),
)


@dataclass(frozen=True)
class AudioState:
    sha256: str
    ok: bool
    error: str | None


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


class AgentStore:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.engine = create_engine(
            f"sqlite:///{path.resolve()}", connect_args={"check_same_thread": False}
        )
        event.listen(self.engine, "connect", _sqlite_pragmas)
        metadata.create_all(self.engine)
        self._lock = threading.Lock()
        with self.engine.begin() as conn:
            found = conn.execute(select(meta.c.value).where(meta.c.key == "schema")).scalar()
            if found is None:
                conn.execute(insert(meta).values(key="schema", value=str(SCHEMA_VERSION)))

    def close(self) -> None:
        self.engine.dispose()

    # --- key/value --------------------------------------------------------------------------

    def _get(self, key: str) -> str | None:
        with self.engine.connect() as conn:
            return conn.execute(select(meta.c.value).where(meta.c.key == key)).scalar()

    def _put(self, key: str, value: str) -> None:
        with self._lock, self.engine.begin() as conn:
            done = conn.execute(update(meta).where(meta.c.key == key).values(value=value))
            if done.rowcount == 0:
                conn.execute(insert(meta).values(key=key, value=value))

    def plan(self) -> p.Plan | None:
        text = self._get("plan")
        return None if text is None else p.Plan.from_message(json.loads(text))

    def save_plan(self, payload: bytes) -> None:
        self._put("plan", payload.decode("utf-8"))

    def clock_offset(self) -> tuple[float, float] | None:
        """(offset seconds, when measured: epoch) of the last measurement."""
        text = self._get("clock")
        if text is None:
            return None
        data = json.loads(text)
        return float(data["offset"]), float(data["at"])

    def save_clock_offset(self, offset: float, at: float) -> None:
        self._put("clock", json.dumps({"offset": offset, "at": at}))

    # --- commanded announcements ----------------------------------------------------------

    def add_command(self, item: p.Item) -> None:
        with self._lock, self.engine.begin() as conn:
            conn.execute(delete(commands).where(commands.c.ident == item.ident))
            conn.execute(insert(commands).values(
                ident=item.ident, item=json.dumps(item.to_json()), start=item.start.timestamp()
            ))

    def commands(self, since: float) -> list[p.Item]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(commands.c.item).where(commands.c.start >= since))
            return [p.Item.from_json(json.loads(r[0])) for r in rows]

    def drop_commands(self, announcement: int) -> None:
        self.drop_command_prefix(f"ann:{announcement}@")

    def drop_command_prefix(self, prefix: str) -> None:
        """Forget the commanded items whose ident begins with ``prefix`` (e.g. ``live:7@``)."""
        with self._lock, self.engine.begin() as conn:
            conn.execute(delete(commands).where(commands.c.ident.like(f"{prefix}%")))

    # --- audio ------------------------------------------------------------------------------

    def set_audio(self, sha256: str, ok: bool, error: str | None, now: float) -> None:
        with self._lock, self.engine.begin() as conn:
            conn.execute(delete(audio).where(audio.c.sha256 == sha256))
            conn.execute(insert(audio).values(
                sha256=sha256, state="ok" if ok else "bad", error=error, updated_at=now
            ))

    def audio_states(self) -> dict[str, AudioState]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(audio.c.sha256, audio.c.state, audio.c.error))
            return {r[0]: AudioState(r[0], r[1] == "ok", r[2]) for r in rows}

    def forget_audio(self, sha256: str) -> None:
        with self._lock, self.engine.begin() as conn:
            conn.execute(delete(audio).where(audio.c.sha256 == sha256))

    # --- airings ----------------------------------------------------------------------------

    def claim(self, ident: str, start: float) -> bool:
        """Mark an airing as handled; False if it already was (never air it twice)."""
        with self._lock, self.engine.begin() as conn:
            found = conn.execute(select(airings.c.state).where(airings.c.ident == ident)).first()
            if found is not None:
                return False
            conn.execute(insert(airings).values(ident=ident, state="armed", start=start))
            return True

    def handled(self, ident: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(
                select(airings.c.ident).where(airings.c.ident == ident)
            ).first() is not None

    def started(self, ident: str, at: float) -> None:
        with self._lock, self.engine.begin() as conn:
            conn.execute(update(airings).where(airings.c.ident == ident).values(actual_start=at))

    def done(self, ident: str) -> None:
        with self._lock, self.engine.begin() as conn:
            conn.execute(update(airings).where(airings.c.ident == ident).values(state="done"))

    def unfinished(self) -> list[tuple[str, float, float | None]]:
        """(ident, start, actual start) of airings armed by a previous run, never closed."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(airings.c.ident, airings.c.start, airings.c.actual_start)
                .where(airings.c.state == "armed")
            )
            return [(r[0], r[1], r[2]) for r in rows]

    def prune(self, before: float) -> None:
        with self._lock, self.engine.begin() as conn:
            conn.execute(delete(airings).where(airings.c.start < before))
            conn.execute(delete(commands).where(commands.c.start < before))

    # --- as-run outbox ----------------------------------------------------------------------

    def queue_report(
        self,
        item: p.Item,
        outcome: str,
        *,
        actual_start: datetime | None = None,
        end: datetime | None = None,
        error: str | None = None,
        note: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> int:
        body = {
            "item": item.to_json(), "outcome": outcome,
            "actual_start": None if actual_start is None else actual_start.isoformat(),
            "end": None if end is None else end.isoformat(), "error": error, "note": note,
            "details": details,
        }
        with self._lock, self.engine.begin() as conn:
            result = conn.execute(insert(outbox).values(
                report=json.dumps(body, ensure_ascii=False),
                created_at=datetime.now(UTC).timestamp(),
            ))
            seq = result.inserted_primary_key
            assert seq is not None
            return int(seq[0])

    def pending(self, limit: int = 100) -> list[p.AsRunReport]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(outbox.c.seq, outbox.c.report).order_by(outbox.c.seq).limit(limit)
            )
            return [p.AsRunReport.from_json({"seq": r[0], **json.loads(r[1])}) for r in rows]

    def pending_count(self) -> int:
        with self.engine.connect() as conn:
            return len(conn.execute(select(outbox.c.seq)).all())

    def acknowledge(self, seqs: list[int]) -> None:
        if not seqs:
            return
        with self._lock, self.engine.begin() as conn:
            conn.execute(delete(outbox).where(outbox.c.seq.in_(seqs)))
