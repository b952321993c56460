"""The publishing job: every programme that aired whole, in a published column, becomes a
public MP3 with its transcript; items past the retention expire; an editor can withdraw one.

``job()`` is what the station runs periodically (``Station.timer.every``). Each as-run entry
is handled once: published, or recorded ``failed`` with the reason (for the editors' list), so
a missing render is not tried again every minute. The files live in
``Settings.published_path``; only files of ``published`` items are kept there.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.clock import Clock
from broadcast.errors import BroadcastError, StoreError
from broadcast.publishing import mp3
from broadcast.publishing.policy import PUBLISHED_OUTCOMES, PublishPolicy, refusal
from broadcast.publishing.transcript import transcript_of
from broadcast.publishing.wording import column_name, item_slug, item_title
from broadcast.script_input import load_script
from broadcast.settings import Settings
from broadcast.store.asrun import LOCAL, AsRunEntry
from broadcast.store.publications import Publication, TranscriptPart
from broadcast.store.store import Store

log = logging.getLogger(__name__)

# At most this many new items per run: a backlog (publishing just switched on) is worked off
# over a few minutes instead of in one long burst of encoding.
BATCH = 10
# A file in the published folder that no published item names, older than this, is removed.
ORPHAN_AGE = timedelta(hours=1)


@dataclass(frozen=True)
class RunReport:
    published: list[Publication]
    failed: list[Publication]
    expired: list[Publication]


class Publisher:
    def __init__(self, settings: Settings, store: Store, clock: Clock | None = None) -> None:
        self.settings = settings
        self.store = store
        self.clock: Clock = clock or store.clock
        self.tz = ZoneInfo(settings.timezone)
        self.policy = PublishPolicy.from_settings(settings)
        self.folder = settings.published_path
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], None]] = []

    def add_listener(self, listener: Callable[[], None]) -> None:
        """Called after anything public changed (published, withdrawn, expired)."""
        self._listeners.append(listener)

    def _changed(self) -> None:
        for listener in self._listeners:
            listener()

    # --- the periodic job ---------------------------------------------------------------------

    def run(self) -> RunReport:
        """Publish what aired since the last run, expire what is past the retention."""
        with self._lock:
            now = self.clock.now()
            published, failed = self._publish_new(now)
            expired = self._expire(now)
        if published or expired:
            self._changed()
        return RunReport(published, failed, expired)

    def job(self) -> None:
        """The station's periodic job (``Timer.every``): ``run``, and say what it did."""
        report = self.run()
        if report.published or report.failed or report.expired:
            log.info(
                "publishing: %d published, %d failed, %d expired",
                len(report.published), len(report.failed), len(report.expired),
            )

    def pending(self, now: datetime) -> list[AsRunEntry]:
        """The entries that should be published and are not yet, newest first."""
        if not self.policy.enabled:
            return []
        since = self.policy.public_since(now)
        entries = self.store.as_run.query(
            since=since, outcome=PUBLISHED_OUTCOMES, cluster=LOCAL, newest_first=True
        )
        # Entries are looked up by when they were scheduled; their publication by when they
        # aired (late by up to the grace): a day of margin covers both.
        handled = self.store.publications.as_run_ids(since - timedelta(days=1))
        return [
            e for e in entries
            if e.id not in handled and refusal(e, self.policy) is None
            and e.actual_start is not None and e.actual_start >= since
        ]

    def _publish_new(self, now: datetime) -> tuple[list[Publication], list[Publication]]:
        published: list[Publication] = []
        failed: list[Publication] = []
        for entry in self.pending(now)[:BATCH]:
            try:
                item = self.publish(entry)
            except StoreError as exc:
                if exc.code == "duplicate_entry":
                    continue
                raise
            (published if item.status == "published" else failed).append(item)
        return published, failed

    # --- one entry ------------------------------------------------------------------------------

    def publish(self, entry: AsRunEntry) -> Publication:
        """Make the MP3 and the transcript of one aired entry and record the publication
        (``failed``, with the reason, when the MP3 cannot be made)."""
        assert entry.actual_start is not None and entry.render_id is not None
        aired_local = entry.actual_start.astimezone(self.tz)
        program = self.store.programs.find(entry.program_id)
        program_title = entry.program_title or (program.title if program else entry.program_id)
        title = item_title(program_title, aired_local)
        common: dict[str, Any] = {
            "as_run_id": entry.id,
            "slug": item_slug(entry.program_id, aired_local),
            "topic": entry.topic,
            "program_id": entry.program_id,
            "program_title": program_title,
            "title": title,
            "aired_at": entry.actual_start,
            "announcement": entry.announcement_id is not None,
            "aired_seconds": (
                None if entry.aired_duration is None else entry.aired_duration.total_seconds()
            ),
            "render_id": entry.render_id,
        }
        render = self.store.renders.get(entry.render_id)
        if render is None or render.wav_path is None:
            return self._failed(common, "Không còn bản dựng đã phát trong cơ sở dữ liệu.")
        transcript = transcript_of(
            render, program, self.store.scripts.revision, self._script_file
        )
        name = f"{entry.id}-{uuid.uuid4().hex[:12]}.mp3"
        tags = {
            "title": title,
            "artist": self.settings.public_name,
            "album_artist": self.settings.public_name,
            "album": column_name(entry.topic, self.store.columns.names()),
            "date": aired_local.date().isoformat(),
            "genre": "Speech",
            "publisher": self.settings.public_name,
            "comment": f"Đã phát lúc {aired_local:%H:%M} ngày {aired_local:%d/%m/%Y}",
            "language": "vie",
        }
        try:
            made = mp3.encode_mp3(
                render.wav_path, self.folder / name,
                bitrate_kbps=self.settings.publish_bitrate_kbps, tags=tags,
            )
        except BroadcastError as exc:
            log.error("publishing as-run entry %d failed: %s", entry.id, exc)
            return self._failed(common, exc.message, transcript=transcript)
        try:
            item = self.store.publications.add(
                status="published",
                audio_file=name,
                audio_bytes=made.size_bytes,
                duration_seconds=made.duration_seconds,
                transcript=transcript,
                **common,
            )
        except BaseException:
            made.path.unlink(missing_ok=True)
            raise
        log.info("published %s (%s, %.1f s)", item.slug, item.title, made.duration_seconds)
        return item

    def _failed(
        self,
        common: dict[str, Any],
        reason: str,
        *,
        transcript: Sequence[TranscriptPart] = (),
    ) -> Publication:
        return self.store.publications.add(
            status="failed", error=reason, transcript=transcript, **common
        )

    def _script_file(self, ref: str) -> tuple[str, str]:
        path = Path(ref)
        if not path.is_absolute():
            path = self.settings.data_dir / path
        script = load_script(path, self.settings.script_max_bytes)
        return script.title, script.text

    # --- taking things down ---------------------------------------------------------------------

    def withdraw(self, publication_id: int, *, by: str, reason: str = "") -> Publication:
        """Take an item down at once: it leaves the feeds and the pages, its MP3 is deleted."""
        item = self.store.publications.withdraw(publication_id, by=by, reason=reason)
        self._delete(item)
        self._changed()
        log.info("publication %s withdrawn by %s", item.slug, by)
        return item

    def _expire(self, now: datetime) -> list[Publication]:
        expired = self.store.publications.expire(before=self.policy.public_since(now))
        for item in expired:
            self._delete(item)
        self._remove_orphans(now)
        return expired

    def _delete(self, item: Publication) -> None:
        if item.audio_file:
            (self.folder / item.audio_file).unlink(missing_ok=True)

    def _remove_orphans(self, now: datetime) -> None:
        if not self.folder.is_dir():
            return
        keep = self.store.publications.audio_files()
        cutoff = (now - ORPHAN_AGE).timestamp()
        for path in self.folder.iterdir():
            try:
                old = path.stat().st_mtime < cutoff
            except FileNotFoundError:
                continue
            if path.is_file() and path.name not in keep and old:
                path.unlink(missing_ok=True)

    def audio_path(self, item: Publication) -> Path | None:
        """The MP3 of a published item, if it is there."""
        if item.status != "published" or not item.audio_file:
            return None
        path = self.folder / item.audio_file
        return path if path.is_file() else None
