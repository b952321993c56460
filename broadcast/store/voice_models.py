"""Tables of the station's voices: readings the editors corrected (the station lexicon), the
editors' own recordings of scripts, the default voice of each column, the cloud voices' API
keys. Same declarative base as ``models.py``; only the repositories see these classes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from broadcast.store.models import Base
from broadcast.store.types import UTCDateTime

LEXICON_STATUSES = ("proposed", "approved", "rejected", "retired")
WHOLE_SCRIPT = -1  # ScriptRecordingRow.sentence of a recording of the whole script


class LexiconEntryRow(Base):
    __tablename__ = "lexicon_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    word: Mapped[str] = mapped_column(String(200))
    reading: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="proposed")
    note: Mapped[str | None] = mapped_column(Text)
    # Where the editor met the word; no foreign key: the entry outlives the script.
    script_id: Mapped[int | None] = mapped_column(Integer)
    proposed_by: Mapped[str | None] = mapped_column(String(100))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    decided_by: Mapped[str | None] = mapped_column(String(100))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (
        CheckConstraint(
            "status IN ('proposed', 'approved', 'rejected', 'retired')", name="status"
        ),
        Index("ix_lexicon_entries_word_status", "word", "status"),
    )


class ScriptRecordingRow(Base):
    __tablename__ = "script_recordings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    script_id: Mapped[int] = mapped_column(
        ForeignKey("scripts.id", ondelete="CASCADE"), index=True
    )
    sentence: Mapped[int] = mapped_column(Integer, default=WHOLE_SCRIPT)
    # The text as it was when recorded (the script, or the one sentence), and its sha256:
    # a changed text makes the recording outdated.
    text_sha256: Mapped[str] = mapped_column(String(64))
    recorded_text: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(String(1000))  # processed WAV, relative to the media dir
    duration_seconds: Mapped[float] = mapped_column(Float)
    original_name: Mapped[str] = mapped_column(String(200), default="")
    processing: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_by: Mapped[str | None] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    __table_args__ = (UniqueConstraint("script_id", "sentence"),)


class TopicVoiceRow(Base):
    __tablename__ = "topic_voices"

    topic: Mapped[str] = mapped_column(String(100), primary_key=True)
    voice: Mapped[str] = mapped_column(String(50))
    updated_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class VoiceKeyRow(Base):
    __tablename__ = "voice_keys"

    provider: Mapped[str] = mapped_column(String(20), primary_key=True)
    api_key: Mapped[str] = mapped_column(Text)
    updated_by: Mapped[str | None] = mapped_column(String(100))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
