"""The editors' own recordings of scripts: one of the whole script, or one per sentence.

Each row keeps the text that was recorded (and its sha256), so a script edited afterwards
shows which recordings no longer match; deciding what to air is in
``broadcast.voices.recordings``.
"""

from __future__ import annotations

import builtins
import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from broadcast.store.base import Repository
from broadcast.store.models import ScriptRow
from broadcast.store.scripts import script_not_found
from broadcast.store.voice_models import WHOLE_SCRIPT, ScriptRecordingRow


def text_digest(text: str) -> str:
    """The sha256 of ``text`` as recorded: NFC, whitespace collapsed."""
    flat = " ".join(unicodedata.normalize("NFC", text).split())
    return hashlib.sha256(flat.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Recording:
    id: int
    script_id: int
    sentence: int | None  # None: the whole script; else the sentence's 0-based position
    recorded_text: str
    text_sha256: str
    path: Path  # relative to the media folder
    duration_seconds: float
    original_name: str
    processing: dict[str, Any]
    created_by: str | None
    created_at: datetime


def _recording(row: ScriptRecordingRow) -> Recording:
    return Recording(
        id=row.id,
        script_id=row.script_id,
        sentence=None if row.sentence == WHOLE_SCRIPT else row.sentence,
        recorded_text=row.recorded_text,
        text_sha256=row.text_sha256,
        path=Path(row.path),
        duration_seconds=row.duration_seconds,
        original_name=row.original_name,
        processing=dict(row.processing or {}),
        created_by=row.created_by,
        created_at=row.created_at,
    )


class RecordingRepo(Repository):
    def save(
        self,
        *,
        script_id: int,
        sentence: int | None,
        recorded_text: str,
        path: Path,
        duration_seconds: float,
        original_name: str = "",
        processing: dict[str, Any] | None = None,
        by: str | None = None,
        now: datetime | None = None,
    ) -> tuple[Recording, Path | None]:
        """Store a recording, replacing the one of the same script and sentence; returns it
        and the file of the replaced one (for the caller to delete), if any."""
        slot = WHOLE_SCRIPT if sentence is None else sentence
        with self._session() as session:
            if session.get(ScriptRow, script_id) is None:
                raise script_not_found(script_id)
            old = session.scalars(
                select(ScriptRecordingRow).where(
                    ScriptRecordingRow.script_id == script_id,
                    ScriptRecordingRow.sentence == slot,
                )
            ).one_or_none()
            replaced = None
            if old is not None:
                replaced = Path(old.path)
                session.delete(old)
                session.flush()
            row = ScriptRecordingRow(
                script_id=script_id,
                sentence=slot,
                text_sha256=text_digest(recorded_text),
                recorded_text=recorded_text,
                path=str(path),
                duration_seconds=duration_seconds,
                original_name=original_name,
                processing=dict(processing or {}),
                created_by=by,
                created_at=self._now(now),
            )
            session.add(row)
            session.flush()
            return _recording(row), replaced

    def list(self, script_id: int) -> builtins.list[Recording]:
        """The script's recordings: the whole one first, then by sentence."""
        query = (
            select(ScriptRecordingRow)
            .where(ScriptRecordingRow.script_id == script_id)
            .order_by(ScriptRecordingRow.sentence)
        )
        with self._session() as session:
            return [_recording(row) for row in session.scalars(query)]

    def get(self, script_id: int, sentence: int | None) -> Recording | None:
        slot = WHOLE_SCRIPT if sentence is None else sentence
        query = select(ScriptRecordingRow).where(
            ScriptRecordingRow.script_id == script_id, ScriptRecordingRow.sentence == slot
        )
        with self._session() as session:
            row = session.scalars(query).one_or_none()
            return None if row is None else _recording(row)

    def delete(self, script_id: int, sentence: int | None) -> Path | None:
        """Forget a recording; returns its file (for the caller to delete), or None."""
        slot = WHOLE_SCRIPT if sentence is None else sentence
        with self._session() as session:
            row = session.scalars(
                select(ScriptRecordingRow).where(
                    ScriptRecordingRow.script_id == script_id,
                    ScriptRecordingRow.sentence == slot,
                )
            ).one_or_none()
            if row is None:
                return None
            path = Path(row.path)
            session.delete(row)
            return path

    def paths(self, script_id: int) -> builtins.list[Path]:
        return [r.path for r in self.list(script_id)]
