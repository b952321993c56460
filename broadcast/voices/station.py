"""What the render needs from the station's database about voices: the API keys saved through
the web page, the readings approvers confirmed, the default voice of each column."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass

from broadcast.errors import StoreError
from broadcast.settings import Settings
from broadcast.store.store import Store
from broadcast.text.lexicon import Lexicon, station_lexicon, with_readings
from broadcast.tts.cloud import SettingsKeys


class StoredKeys:
    """API keys: the one saved through the web page (database) first, else the settings'.

    Read at each request, so a key saved while the station runs is used at once; a database
    that cannot be reached leaves the settings' key in use."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self._settings = SettingsKeys(settings)
        self._store = store

    def key(self, provider: str) -> str | None:
        try:
            saved = self._store.voice_keys.key(provider)
        except StoreError:
            saved = None
        return saved or self._settings.key(provider)

    def source(self, provider: str) -> str | None:
        """"database", "settings" or None: where the key in use comes from."""
        try:
            if self._store.voice_keys.key(provider):
                return "database"
        except StoreError:
            pass
        return "settings" if self._settings.key(provider) else None


@dataclass(frozen=True)
class StationLexicon:
    """The lexicon renders use, and a fingerprint that changes whenever it does."""

    lexicon: Lexicon
    fingerprint: str


class LexiconSource:
    """The lexicon renders use: shipped lexicon, the station's file (``BROADCAST_LEXICON_PATH``)
    and the readings approvers confirmed in the database, in that order of precedence.

    The file is parsed again only when it changes and the merge is redone only when the
    approved readings change; the database is asked each time (one small query), so an
    approval counts from the next render on."""

    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self._file: tuple[object, Lexicon] | None = None
        self._merged: tuple[object, StationLexicon] | None = None
        self._lock = threading.Lock()

    def current(self) -> StationLexicon:
        readings = self.store.lexicon.approved_readings()
        base = self._base()
        key = (id(base), tuple(sorted(readings.items())))
        with self._lock:
            if self._merged is not None and self._merged[0] == key:
                return self._merged[1]
        blob = json.dumps(sorted(readings.items()), ensure_ascii=False).encode("utf-8")
        merged = StationLexicon(with_readings(base, readings), hashlib.sha256(blob).hexdigest())
        with self._lock:
            self._merged = (key, merged)
        return merged

    def _base(self) -> Lexicon:
        path = self.settings.local_lexicon
        try:
            st = path.stat()
            stamp: object = (st.st_size, st.st_mtime_ns)
        except OSError:
            stamp = None
        with self._lock:
            if self._file is not None and self._file[0] == stamp:
                return self._file[1]
        lexicon = station_lexicon(self.settings)
        with self._lock:
            self._file = (stamp, lexicon)
        return lexicon


def current_lexicon(settings: Settings, store: Store) -> StationLexicon:
    """The lexicon renders use now (see :class:`LexiconSource`), without caching."""
    return LexiconSource(settings, store).current()


def voice_for_script(engine: str | None, topic: str, store: Store) -> str | None:
    """The voice a script asks for: its own, else its column's default, else None (the
    chain's first voice)."""
    if engine:
        return engine
    if not topic:
        return None
    return store.topic_voices.voice_for(topic)
