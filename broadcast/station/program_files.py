"""Rendered program files of the station: one file per program content, reused while the
content is unchanged, each attempt recorded so the last good render can stand in."""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from pathlib import Path
from typing import Any

from broadcast.errors import BroadcastError, RenderError
from broadcast.programs import Program, Segment
from broadcast.render import Renderer, RenderResult
from broadcast.script_input import Script, load_script
from broadcast.settings import Settings
from broadcast.station import relay_files
from broadcast.station.relay_files import fallback_program
from broadcast.store.renders import RenderRecord
from broadcast.store.store import Store

log = logging.getLogger(__name__)


class ProgramFiles:
    """Resolves program segments and renders programs to ``<cache>/programs/``."""

    def __init__(self, settings: Settings, store: Store, renderer: Renderer) -> None:
        self.settings = settings
        self.store = store
        self.renderer = renderer
        self.folder = settings.cache_dir / "programs"
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
        record = self.store.scripts.get(script_id)
        if require_approved and not record.approved:
            raise RenderError(
                f"Bài '{record.title}' (số {record.id}) chưa được duyệt nên chưa thể phát.",
                code="script_not_approved",
            )
        return Script(
            title=record.title,
            text=record.text,
            topic=record.topic,
            voice=record.voice,
            engine=record.engine,
            source=f"script:{record.id}",
        )

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

    def content_hash(self, program: Program, *, require_approved: bool = True) -> str:
        """Changes whenever anything that is heard would change."""
        s = self.settings
        parts: list[Any] = [
            s.engines, s.espeak_voice, s.espeak_rate, s.espeak_pitch, s.loudness_target_lufs,
            s.true_peak_max_dbtp, s.sample_rate, s.bed_duck_db, _stamp(s.local_lexicon),
        ]
        if program.relay is not None:  # what is rendered is the relay's fallback
            fallback = fallback_program(self.settings, self.store.programs.get)
            parts.append(relay_files.identity(program, [
                self._segment_identity(s, require_approved) for s in fallback.segments
            ] + [fallback.bed and ("bed", _stamp(self.audio(fallback.bed)))]))
            program = fallback
        for segment in program.segments:
            parts.append(self._segment_identity(segment, require_approved))
        if program.bed:
            parts.append(("bed", _stamp(self.audio(program.bed))))
        blob = json.dumps(parts, ensure_ascii=False, default=str).encode("utf-8")
        return hashlib.sha256(blob).hexdigest()

    def _segment_identity(self, segment: Segment, require_approved: bool) -> Any:
        if segment.kind == "script" and segment.path == relay_files.NOTICE_REF:
            return ("notice", relay_files.NOTICE)
        if segment.kind == "script":
            script = self.script(segment, require_approved=require_approved)
            return ("script", script.text, script.voice, script.engine)
        if segment.kind == "audio":
            assert segment.path is not None
            return ("audio", _stamp(self.audio(segment.path)))
        if segment.kind == "jingle":
            files = sorted(self.settings.jingles_path.glob(f"{segment.name}.*"))
            return ("jingle", segment.name, [_stamp(p) for p in files])
        return ("silence", segment.seconds)

    def render(self, program_id: str) -> RenderRecord:
        """The good render of the program's current content, rendering it if needed.

        A failure is recorded and raised; the caller may fall back to ``last_good``."""
        program = self.store.programs.get(program_id)
        with self._lock_for(program_id):
            try:
                digest = self.content_hash(program)
                revisions = {
                    script_id: self.store.scripts.get(script_id).revision
                    for script_id in program.script_ids
                }
                found = self.store.renders.find_good(program_id, digest)
                if found is not None and found.wav_path and Path(found.wav_path).is_file():
                    return found
                out = self.folder / f"{_safe(program_id)}-{digest[:16]}.wav"
                if program.relay is not None:
                    result = relay_files.render_relay(
                        self.renderer, program,
                        fallback_program(self.settings, self.store.programs.get), out,
                        load_script=self.script, resolve_audio=self.audio,
                    )
                else:
                    result = self.renderer.render_program(
                        program, out, load_script=self.script, resolve_audio=self.audio
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

    def preview_program(self, program_id: str) -> Path:
        record = self.render(program_id)
        assert record.wav_path is not None
        return self._mp3_beside(Path(record.wav_path))

    def preview_script(self, script_id: int) -> Path:
        script = self.stored_script(script_id, require_approved=False)
        digest = hashlib.sha256(
            json.dumps([script.text, script.voice, script.engine, self.settings.engines],
                       ensure_ascii=False).encode("utf-8")
        ).hexdigest()[:16]
        out = self.settings.cache_dir / "previews" / f"script-{script_id}-{digest}.mp3"
        if not out.is_file():
            self.renderer.render_script(script, out)
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


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:60]


__all__ = ["ProgramFiles", "RenderResult"]
