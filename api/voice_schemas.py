"""Request and response bodies of the voice catalogue, the station lexicon and the editors'
own recordings (kept apart from ``schemas.py``, which the other routes share)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from api.schemas import Strict

VoiceId = Annotated[str, Field(min_length=1, max_length=50, pattern=r"^[a-z]+(:[a-z0-9_-]+)?$")]
Provider = Literal["fpt", "zalo"]


# --- voices --------------------------------------------------------------------------------


class VoiceOut(BaseModel):
    id: str
    provider: str
    label: str
    online: bool
    available: bool
    reason: str | None
    position: int | None  # place in the fallback chain (1 = first), None: not in it


class TopicVoiceOut(BaseModel):
    topic: str
    voice: str
    label: str | None
    updated_by: str | None
    updated_at: datetime | None


class CatalogueOut(BaseModel):
    voices: list[VoiceOut]
    chain: list[str]
    offline_fallback: str
    topics: list[TopicVoiceOut]


class SampleIn(Strict):
    text: Annotated[str, Field(min_length=1, max_length=300)] | None = None


class ProviderOut(BaseModel):
    provider: str
    label: str
    key_set: bool
    key_hint: str | None  # the last characters of a long key, never the key
    source: Literal["database", "settings"] | None
    updated_by: str | None
    updated_at: datetime | None


class KeyIn(Strict):
    api_key: Annotated[str, Field(min_length=8, max_length=500, pattern=r"^[\x21-\x7e]+$")]


class TopicVoiceIn(Strict):
    voice: VoiceId


# --- lexicon -------------------------------------------------------------------------------

LexiconStatus = Literal["proposed", "approved", "rejected", "retired"]
Word = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^\S+$")]
Reading = Annotated[str, Field(min_length=1, max_length=300)]


class LexiconProposal(Strict):
    word: Word
    reading: Reading
    note: Annotated[str, Field(max_length=500)] | None = None
    script_id: Annotated[int, Field(ge=1, le=2**62)] | None = None


class LexiconEntryOut(BaseModel):
    id: int
    word: str
    reading: str
    status: LexiconStatus
    note: str | None
    script_id: int | None
    proposed_by: str | None
    proposed_at: datetime
    decided_by: str | None
    decided_at: datetime | None


class LexiconTry(Strict):
    text: Annotated[str, Field(min_length=1, max_length=2000)]
    word: Word
    reading: Reading


# --- recordings ----------------------------------------------------------------------------


class RecordingOut(BaseModel):
    sentence: int | None  # 1-based; None: the whole script
    recorded_text: str
    current: bool  # matches the script's text now
    duration_seconds: float
    original_name: str
    processing: dict[str, float | int | str]
    created_by: str | None
    created_at: datetime


class SentenceRecordingOut(BaseModel):
    number: int  # 1-based
    text: str
    recorded: bool  # a recording of exactly this text exists


class RecordingsOut(BaseModel):
    script_id: int
    airs: Literal["whole", "sentences", "voice"]  # what the next render uses
    note: str | None  # why a voice reads although there are recordings
    whole: RecordingOut | None
    sentences: list[SentenceRecordingOut]
    recordings: list[RecordingOut]
