"""Rendered programs: what was rendered when, and the last good render of each program."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from broadcast.store.base import Repository
from broadcast.store.models import RenderRow


@dataclass(frozen=True)
class RenderRecord:
    id: int
    program_id: str
    content_hash: str
    wav_path: Path | None
    duration_seconds: float | None
    loudness_lufs: float | None
    engines: tuple[str, ...]
    ok: bool
    error: str | None
    created_at: datetime
    # The revision of each stored script it was made from (script id -> revision).
    script_revisions: dict[int, int] = field(default_factory=dict)


def _record(row: RenderRow) -> RenderRecord:
    return RenderRecord(
        id=row.id,
        program_id=row.program_id,
        content_hash=row.content_hash,
        wav_path=None if row.wav_path is None else Path(row.wav_path),
        duration_seconds=row.duration_seconds,
        loudness_lufs=row.loudness_lufs,
        engines=tuple(row.engines or ()),
        ok=row.ok,
        error=row.error,
        created_at=row.created_at,
        script_revisions={int(k): int(v) for k, v in (row.script_revisions or {}).items()},
    )


class RenderRepo(Repository):
    def record(
        self,
        *,
        program_id: str,
        content_hash: str,
        ok: bool,
        wav_path: Path | str | None = None,
        duration_seconds: float | None = None,
        loudness_lufs: float | None = None,
        engines: Sequence[str] = (),
        error: str | None = None,
        script_revisions: Mapping[int, int] | None = None,
        now: datetime | None = None,
    ) -> RenderRecord:
        """Record one render attempt, good (``ok=True`` with its file) or failed (its error)."""
        with self._session() as session:
            row = RenderRow(
                program_id=program_id,
                content_hash=content_hash,
                wav_path=None if wav_path is None else str(wav_path),
                duration_seconds=duration_seconds,
                loudness_lufs=loudness_lufs,
                engines=list(engines),
                ok=ok,
                error=error,
                created_at=self._now(now),
                script_revisions=(
                    None if script_revisions is None
                    else {str(k): int(v) for k, v in script_revisions.items()}
                ),
            )
            session.add(row)
            session.flush()
            return _record(row)

    def last_good(self, program_id: str) -> RenderRecord | None:
        """The newest successful render of the program (the fallback when rendering fails)."""
        query = (
            select(RenderRow)
            .where(RenderRow.program_id == program_id, RenderRow.ok.is_(True))
            .order_by(RenderRow.created_at.desc(), RenderRow.id.desc())
            .limit(1)
        )
        with self._session() as session:
            row = session.scalars(query).first()
            return None if row is None else _record(row)

    def get(self, render_id: int) -> RenderRecord | None:
        with self._session() as session:
            row = session.get(RenderRow, render_id)
            return None if row is None else _record(row)

    def find_good(self, program_id: str, content_hash: str) -> RenderRecord | None:
        """The newest successful render of exactly this content, if any (a render cache hit)."""
        query = (
            select(RenderRow)
            .where(
                RenderRow.program_id == program_id,
                RenderRow.content_hash == content_hash,
                RenderRow.ok.is_(True),
            )
            .order_by(RenderRow.created_at.desc(), RenderRow.id.desc())
            .limit(1)
        )
        with self._session() as session:
            row = session.scalars(query).first()
            return None if row is None else _record(row)

    def list(self, program_id: str | None = None, *, limit: int = 100) -> list[RenderRecord]:
        query = select(RenderRow).order_by(RenderRow.created_at.desc(), RenderRow.id.desc())
        if program_id is not None:
            query = query.where(RenderRow.program_id == program_id)
        with self._session() as session:
            return [_record(r) for r in session.scalars(query.limit(limit))]

    def newest_good(self) -> dict[str, RenderRecord]:
        """The newest successful render of every program, in one query (for planning and
        the timetable, which need it for many programs at once)."""
        query = (
            select(RenderRow)
            .where(RenderRow.ok.is_(True))
            .order_by(RenderRow.created_at, RenderRow.id)
        )
        with self._session() as session:
            return {row.program_id: _record(row) for row in session.scalars(query)}

    def good_contents(self) -> set[tuple[str, str]]:
        """(program id, content hash) of every successful render."""
        query = select(RenderRow.program_id, RenderRow.content_hash).where(RenderRow.ok.is_(True))
        with self._session() as session:
            return {(pid, digest) for pid, digest in session.execute(query)}
