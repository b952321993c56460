"""Rendered program files of the station: one file per program content, reused while the
content is unchanged, each attempt recorded so the last good render can stand in."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.errors import BroadcastError, RenderError
from broadcast.programs import Program, Segment
from broadcast.render import Renderer, RenderResult
from broadcast.script_input import Script, load_script
from broadcast.settings import Settings
from broadcast.station import relay_files
from broadcast.station.relay_files import fallback_program
from broadcast.store.renders import RenderRecord
from broadcast.store.store import Store
from broadcast.voices.recordings import RecordingPlan, plan_recordings
from broadcast.voices.station import LexiconSource, StationLexicon, voice_for_script

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Bulletin:
    """The bulletin a ``bulletin`` segment reads on one day, and why, if it is not that day's
    approved bulletin (``note``, for the log and the operator)."""

    script: Script
    script_id: int
    revision: int
    air_date: date
    note: str | None = None


class ProgramFiles:
    """Resolves program segments and renders programs to ``<cache>/programs/``."""

    def __init__(self, settings: Settings, store: Store, renderer: Renderer) -> None:
        self.settings = settings
        self.store = store
        self.renderer = renderer
        self.folder = settings.cache_dir / "programs"
        self._lexicon = LexiconSource(settings, store)
        self.tz = ZoneInfo(settings.timezone)
        self._locks: dict[str, threading.Lock] = {}
        self._locks_guard = threading.Lock()

    # --- resolving segment references -----------------------------------------------------

    def script(self, segment: Segment, *, require_approved: bool = True) -> Script:
        """The script a script segment reads: a stored one, or a file (relative paths are
        in the data dir)."""
        if segment.script_id is not None:
            return self.stored_script(segment.script_id, require_approved=require_approved)
        assert segment.path is not None
        return load_script(self._path(segment.path), self.settings.script_max_bytes)

    def stored_script(self, script_id: int, *, require_approved: bool = True) -> Script:
        """A stored script, read in the editor's own voice when there is a recording of it."""
        record = self.store.scripts.get(script_id)
        if require_approved and not record.approved:
            raise RenderError(
                f"Bài '{record.title}' (số {record.id}) chưa được duyệt nên chưa thể phát.",
                code="script_not_approved",
            )
        plan = self.recording_plan(record.id, record.text)
        if plan.note:
            log.warning("script %s: %s", record.id, plan.note)
        return Script(
            title=record.title,
            text=record.text,
            topic=record.topic,
            voice=record.voice,
            engine=voice_for_script(record.engine, record.topic, self.store),
            source=f"script:{record.id}",
            recording=plan.clips,
        )

    def recording_plan(self, script_id: int, text: str) -> RecordingPlan:
        """Whether the script airs in the editor's own voice, and if not, why."""
        recordings = self.store.recordings.list(script_id)
        return plan_recordings(text, recordings, self.settings.media_path)

    def lexicon(self) -> StationLexicon:
        """The lexicon renders read with now (shipped, station file, approved readings)."""
        return self._lexicon.current()

    def today(self) -> date:
        return self.store.clock.now().astimezone(self.tz).date()

    def bulletin(self, column: str, day: date) -> Bulletin:
        """The approved bulletin of ``column`` for ``day``; else the approved revision of that
        day's bulletin edited since; else the newest approved bulletin of an earlier day
        (with a note saying so); ``no_bulletin`` when the column has none at all."""
        found = self.store.columns.find(column)
        name = found.name if found is not None else column
        waiting = ""
        for record in self.store.scripts.bulletins(column, on=day):
            if record.approved:
                return Bulletin(self._script_of(record), record.id, record.revision, day)
            revision = self.store.scripts.last_approved_revision(record.id)
            if revision is not None:
                return Bulletin(
                    self._script_of(record, revision.text, revision.title), record.id,
                    revision.number, day,
                    note=(
                        f"Bản tin ngày {day:%d/%m/%Y} của chuyên mục «{name}» («{record.title}») "
                        f"đã sửa (bản {record.revision}) nhưng chưa được duyệt lại; đã phát bản "
                        f"đã duyệt trước đó (bản {revision.number})."
                    ),
                )
            waiting = waiting or f" («{record.title}» đang chờ duyệt)"
        for record in self.store.scripts.bulletins(column, before=day):
            revision = (
                None if record.approved else self.store.scripts.last_approved_revision(record.id)
            )
            if not record.approved and revision is None:
                continue
            assert record.air_date is not None
            script = (
                self._script_of(record) if revision is None
                else self._script_of(record, revision.text, revision.title)
            )
            return Bulletin(
                script, record.id, record.revision if revision is None else revision.number,
                record.air_date,
                note=(
                    f"Chưa có bản tin ngày {day:%d/%m/%Y} của chuyên mục «{name}» được duyệt"
                    f"{waiting}; đã phát bản tin gần nhất đã duyệt: ngày "
                    f"{record.air_date:%d/%m/%Y} («{script.title}»)."
                ),
            )
        raise RenderError(
            f"Chưa có bản tin nào của chuyên mục «{name}» được duyệt để phát ngày "
            f"{day:%d/%m/%Y}{waiting}.",
            code="no_bulletin", column=column,
        )

    def _script_of(
        self, record: Any, text: str | None = None, title: str | None = None
    ) -> Script:
        return Script(
            title=title or record.title,
            text=text if text is not None else record.text,
            topic=record.topic,
            voice=record.voice,
            engine=voice_for_script(record.engine, record.topic, self.store),
            source=f"script:{record.id}",
            recording=self.recording_plan(record.id, text or record.text).clips,
        )

    def substitutions(self, program_id: str, day: date) -> list[str]:
        """Why what the program airs on ``day`` differs from what was planned (bulletins of
        another day, or an older approved revision); empty when it airs as planned."""
        program = self.store.programs.find(program_id)
        if program is None:
            return []
        notes = []
        for column in program.bulletin_columns:
            try:
                note = self.bulletin(column, day).note
            except BroadcastError as exc:
                note = exc.message
            if note:
                notes.append(note)
        return notes

    def audio(self, ref: str) -> Path:
        path = Path(ref)
        if not path.is_absolute():
            path = self.settings.media_path / path
        if not path.is_file():
            raise RenderError(f"Không tìm thấy tệp âm thanh '{ref}'.", code="audio_not_found")
        return path

    def _path(self, ref: str) -> Path:
        path = Path(ref)
        return path if path.is_absolute() else self.settings.data_dir / path

    # --- rendering ------------------------------------------------------------------------

    def content_hash(
        self,
        program: Program,
        *,
        require_approved: bool = True,
        lexicon: StationLexicon | None = None,
        day: date | None = None,
    ) -> str:
        """Changes whenever anything that is heard would change (on ``day``, for a program
        with bulletins of the day; default today)."""
        loader = self._loader(day)
        s = self.settings
        station_lexicon = lexicon if lexicon is not None else self.lexicon()
        parts: list[Any] = [
            s.engines, s.espeak_voice, s.espeak_rate, s.espeak_pitch, s.loudness_target_lufs,
            s.true_peak_max_dbtp, s.sample_rate, s.bed_duck_db, _stamp(s.local_lexicon),
            station_lexicon.fingerprint, _voice_settings(s),
        ]
        if program.relay is not None:  # what is rendered is the relay's fallback
            fallback = fallback_program(self.settings, self.store.programs.get)
            parts.append(relay_files.identity(program, [
                self._segment_identity(s, require_approved, loader) for s in fallback.segments
            ] + [fallback.bed and ("bed", _stamp(self.audio(fallback.bed)))]))
            program = fallback
        for segment in program.segments:
            parts.append(self._segment_identity(segment, require_approved, loader))
        if program.bed:
            parts.append(("bed", _stamp(self.audio(program.bed))))
        blob = json.dumps(parts, ensure_ascii=False, default=str).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()

    def _loader(self, day: date | None) -> Callable[..., Script]:
        """Reads a script segment's script; a bulletin segment's is the bulletin of ``day``."""
        the_day = day or self.today()

        def load(segment: Segment, *, require_approved: bool = True) -> Script:
            if segment.kind == "bulletin":
                assert segment.column is not None
                return self.bulletin(segment.column, the_day).script
            return self.script(segment, require_approved=require_approved)

        return load

    def _segment_identity(
        self, segment: Segment, require_approved: bool, loader: Callable[..., Script]
    ) -> Any:
        if segment.kind == "script" and segment.path == relay_files.NOTICE_REF:
            return ("notice", relay_files.NOTICE)
        if segment.kind in ("script", "bulletin"):
            script = loader(segment, require_approved=require_approved)
            recording = [_stamp(p) for p in script.recording]
            return ("script", script.text, script.voice, script.engine, recording)
        if segment.kind == "audio":
            assert segment.path is not None
            return ("audio", _stamp(self.audio(segment.path)))
        if segment.kind == "jingle":
            files = sorted(self.settings.jingles_path.glob(f"{segment.name}.*"))
            return ("jingle", segment.name, [_stamp(p) for p in files])
        return ("silence", segment.seconds)

    def render(self, program_id: str, day: date | None = None) -> RenderRecord:
        """The good render of the program's current content (as it airs on ``day``, default
        today: bulletins of the day differ by day), rendering it if needed.

        A failure is recorded and raised; the caller may fall back to ``last_good``."""
        program = self.store.programs.get(program_id)
        day = day or self.today()
        loader = self._loader(day)
        with self._lock_for(program_id):
            try:
                lexicon = self.lexicon()
                digest = self.content_hash(program, lexicon=lexicon, day=day)
                revisions = {
                    script_id: self.store.scripts.get(script_id).revision
                    for script_id in program.script_ids
                }
                for column in program.bulletin_columns:
                    used = self.bulletin(column, day)
                    revisions[used.script_id] = used.revision
                found = self.store.renders.find_good(program_id, digest)
                if found is not None and found.wav_path and Path(found.wav_path).is_file():
                    return found
                out = self.folder / f"{_safe(program_id)}-{digest[:16]}.wav"
                if program.relay is not None:
                    result = relay_files.render_relay(
                        self.renderer, program,
                        fallback_program(self.settings, self.store.programs.get), out,
                        load_script=loader, resolve_audio=self.audio,
                    )
                else:
                    result = self.renderer.render_program(
                        program,
                        out,
                        load_script=loader,
                        resolve_audio=self.audio,
                        lexicon=lexicon.lexicon,
                    )
            except BroadcastError as exc:
                log.error("render of program %s failed: %s", program_id, exc)
                self.store.renders.record(
                    program_id=program_id, content_hash="", ok=False, error=str(exc)
                )
                raise
            return self.store.renders.record(
                program_id=program_id,
                content_hash=digest,
                ok=True,
                script_revisions=revisions,
                wav_path=result.path,
                duration_seconds=result.duration_seconds,
                loudness_lufs=result.integrated_lufs,
                engines=result.engines,
            )

    def preview_program(self, program_id: str, day: date | None = None) -> Path:
        record = self.render(program_id, day)
        assert record.wav_path is not None
        return self._mp3_beside(Path(record.wav_path))

    def render_audio(self, render_id: int) -> Path:
        """An MP3 of a render that was played (to listen back to what aired)."""
        record = self.store.renders.get(render_id)
        if record is None or record.wav_path is None or not Path(record.wav_path).is_file():
            raise RenderError(
                "Tệp âm thanh đã phát không còn (bộ nhớ đệm có thể đã được dọn).",
                code="render_gone",
            )
        return self._mp3_beside(Path(record.wav_path))

    def preview_script(self, script_id: int) -> Path:
        script = self.stored_script(script_id, require_approved=False)
        lexicon = self.lexicon()
        digest = hashlib.sha256(
            json.dumps(
                [script.text, script.voice, script.engine, self.settings.engines,
                 lexicon.fingerprint, [_stamp(p) for p in script.recording],
                 _voice_settings(self.settings)],
                ensure_ascii=False, default=str,
            ).encode("utf-8")
        ).hexdigest()[:16]
        out = self.settings.cache_dir / "previews" / f"script-{script_id}-{digest}.mp3"
        if not out.is_file():
            self.renderer.render_script(script, out, lexicon=lexicon.lexicon)
        return out

    def _mp3_beside(self, wav: Path) -> Path:
        mp3 = self.settings.cache_dir / "previews" / (wav.stem + ".mp3")
        if not mp3.is_file():
            from broadcast.mixing.program import render_preview_mp3

            mp3.parent.mkdir(parents=True, exist_ok=True)
            render_preview_mp3(wav, mp3)
        return mp3

    def _lock_for(self, program_id: str) -> threading.Lock:
        with self._locks_guard:
            return self._locks.setdefault(program_id, threading.Lock())


def _stamp(path: Path) -> tuple[str, int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (str(path), st.st_size, st.st_mtime_ns)


def _voice_settings(s: Settings) -> list[Any]:
    """The settings that change how the cloud and Piper voices sound (not their keys)."""
    return [
        s.fpt_voice, s.fpt_speed, s.zalo_speaker, s.zalo_speed,
        _stamp(s.piper_model) if s.piper_model else None, s.piper_speaker, s.piper_length_scale,
    ]


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:60]


__all__ = ["ProgramFiles", "RenderResult"]
