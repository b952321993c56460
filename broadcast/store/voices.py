"""The station's voice choices: the default voice of each column (topic), and the API keys of
the cloud voices saved through the web page (returned masked everywhere but to the engines)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from broadcast.store.base import Repository
from broadcast.store.voice_models import TopicVoiceRow, VoiceKeyRow


@dataclass(frozen=True)
class TopicVoice:
    topic: str
    voice: str
    updated_by: str | None
    updated_at: datetime


class TopicVoiceRepo(Repository):
    def all(self) -> dict[str, TopicVoice]:
        with self._session() as session:
            rows = session.scalars(select(TopicVoiceRow).order_by(TopicVoiceRow.topic))
            return {
                row.topic: TopicVoice(row.topic, row.voice, row.updated_by, row.updated_at)
                for row in rows
            }

    def voice_for(self, topic: str) -> str | None:
        with self._session() as session:
            row = session.get(TopicVoiceRow, topic)
            return None if row is None else row.voice

    def set(
        self, topic: str, voice: str, *, by: str | None, now: datetime | None = None
    ) -> TopicVoice:
        now = self._now(now)
        with self._session() as session:
            row = session.get(TopicVoiceRow, topic)
            if row is None:
                row = TopicVoiceRow(topic=topic, voice=voice, updated_by=by, updated_at=now)
                session.add(row)
            else:
                row.voice = voice
                row.updated_by = by
                row.updated_at = now
            return TopicVoice(topic, voice, by, now)

    def delete(self, topic: str) -> bool:
        with self._session() as session:
            row = session.get(TopicVoiceRow, topic)
            if row is None:
                return False
            session.delete(row)
            return True


def mask_key(key: str | None) -> str | None:
    """What may be shown of a key once saved: its last four characters (a long key only)."""
    if not key:
        return None
    return "…" + key[-4:] if len(key) >= 16 else "…"


@dataclass(frozen=True)
class SavedKey:
    """A saved key as anyone but an engine may see it."""

    provider: str
    hint: str
    updated_by: str | None
    updated_at: datetime


class VoiceKeyRepo(Repository):
    def key(self, provider: str) -> str | None:
        """The key itself: for the engines only."""
        with self._session() as session:
            row = session.get(VoiceKeyRow, provider)
            return None if row is None else row.api_key

    def saved(self) -> dict[str, SavedKey]:
        with self._session() as session:
            return {
                row.provider: SavedKey(
                    row.provider, mask_key(row.api_key) or "", row.updated_by, row.updated_at
                )
                for row in session.scalars(select(VoiceKeyRow))
            }

    def set(
        self, provider: str, api_key: str, *, by: str | None, now: datetime | None = None
    ) -> None:
        now = self._now(now)
        with self._session() as session:
            row = session.get(VoiceKeyRow, provider)
            if row is None:
                session.add(
                    VoiceKeyRow(provider=provider, api_key=api_key, updated_by=by, updated_at=now)
                )
            else:
                row.api_key = api_key
                row.updated_by = by
                row.updated_at = now

    def delete(self, provider: str) -> bool:
        with self._session() as session:
            row = session.get(VoiceKeyRow, provider)
            if row is None:
                return False
            session.delete(row)
            return True
