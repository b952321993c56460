"""From a script or a program description to a broadcast-ready program file.

Ties the layers together: script text -> normalization -> sentences -> engine chain (cached
per sentence) -> mixing at broadcast loudness. Knows no HTTP and no scheduler.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from broadcast.errors import RenderError
from broadcast.mixing.program import (
    AudioPart,
    JinglePart,
    SilencePart,
    SpeechPart,
    render_preview_mp3,
    render_program,
)
from broadcast.mixing.program import (
    Part as MixPart,
)
from broadcast.programs import Program, Segment
from broadcast.script_input import Script
from broadcast.settings import Settings
from broadcast.text.lexicon import Lexicon, station_lexicon
from broadcast.text.normalize import normalize_for_speech
from broadcast.text.sentences import split_sentences
from broadcast.tts.chain import EngineAttempt, EngineChain, ScriptSpeech, build_chain
from broadcast.tts.cloud import KeySource, SettingsKeys

# The "engine" an as-run entry names when the editor's own recording aired.
RECORDING_ENGINE = "recording"

Progress = Callable[[int, int], None]


@dataclass
class RenderResult:
    """What one render produced, for the CLI, the as-run log and the store."""

    path: Path
    duration_seconds: float
    integrated_lufs: float
    true_peak_dbtp: float
    engines: list[str] = field(default_factory=list)
    cache_hits: int = 0
    synthesized: int = 0
    sentences: int = 0
    segment_starts: list[tuple[str, float]] = field(default_factory=list)


class Renderer:
    """Renders scripts and programs with one settings object and one set of engine chains."""

    def __init__(
        self,
        settings: Settings,
        lexicon: Lexicon | None = None,
        *,
        keys: KeySource | None = None,
    ) -> None:
        self.settings = settings
        self.lexicon = lexicon if lexicon is not None else station_lexicon(settings)
        # Where the cloud voices find their API keys (the station passes the database's).
        self.keys: KeySource = keys if keys is not None else SettingsKeys(settings)
        # One chain per engine order, so each chain keeps its circuit breakers between renders.
        self._chains: dict[tuple[str, ...], EngineChain] = {}

    def chain(self, engine: str | None = None, *, fallback: bool = True) -> EngineChain:
        """The chain with ``engine`` first; without ``fallback``, that engine alone (a voice
        sample must be that voice or nothing)."""
        names = list(self.settings.engines)
        if engine:
            names = [engine] + [n for n in names if n != engine] if fallback else [engine]
        key = tuple(names)
        if key not in self._chains:
            self._chains[key] = build_chain(self.settings, key, keys=self.keys)
        return self._chains[key]

    def sentences(self, script: Script, lexicon: Lexicon | None = None) -> list[str]:
        return split_sentences(normalize_for_speech(script.text, lexicon or self.lexicon))

    def speak(
        self,
        script: Script,
        engine: str | None = None,
        progress: Progress | None = None,
        *,
        lexicon: Lexicon | None = None,
    ) -> ScriptSpeech:
        """The script's audio: the editor's own recording when it has one (``recording``),
        else one voice of the chain (``engine`` or the script's own voice first)."""
        if script.recording:
            clips = list(script.recording)
            if progress:
                progress(len(clips), len(clips))
            return ScriptSpeech(
                RECORDING_ENGINE, clips, 0, 0, [EngineAttempt(RECORDING_ENGINE, True)]
            )
        sentences = self.sentences(script, lexicon)
        if not sentences:
            raise RenderError(
                f"Bài '{script.title}' không có câu nào để đọc.", code="script_not_speakable"
            )
        return self.chain(engine or script.engine).speak_script(sentences, progress=progress)

    def render_sample(self, voice: str, out: Path, text: str | None = None) -> RenderResult:
        """A sample sentence read by ``voice`` alone (no fallback), at broadcast loudness."""
        sample = text or self.settings.voice_sample_text
        sentences = self.sentences(Script(title="Nghe thử", text=sample))
        if not sentences:
            raise RenderError("Câu nghe thử không có chữ nào để đọc.", code="sample_empty")
        speech = self.chain(voice, fallback=False).speak_script(sentences)
        return self._mix([SpeechPart(list(speech.clips))], out, None, [speech])

    def render_script(
        self,
        script: Script,
        out: Path,
        *,
        engine: str | None = None,
        intro: str | None = None,
        outro: str | None = None,
        bed: Path | None = None,
        progress: Progress | None = None,
        lexicon: Lexicon | None = None,
    ) -> RenderResult:
        """Render one script, optionally framed by jingles, to ``out`` (.wav or .mp3)."""
        speech = self.speak(script, engine, progress, lexicon=lexicon)
        parts: list[MixPart] = []
        if intro:
            parts.append(JinglePart(intro))
        parts.append(SpeechPart(list(speech.clips)))
        if outro:
            parts.append(JinglePart(outro))
        return self._mix(parts, out, bed, [speech])

    def render_program(
        self,
        program: Program,
        out: Path,
        *,
        load_script: Callable[[Segment], Script],
        resolve_audio: Callable[[str], Path],
        progress: Progress | None = None,
        lexicon: Lexicon | None = None,
    ) -> RenderResult:
        """Render a program description; ``load_script`` reads a script segment's script,
        ``resolve_audio`` finds an audio path; ``lexicon`` (default: the renderer's) is the one
        the scripts are read with."""
        parts: list[MixPart] = []
        speeches: list[ScriptSpeech] = []
        for segment in program.segments:
            if segment.kind == "jingle":
                assert segment.name is not None
                parts.append(JinglePart(segment.name))
            elif segment.kind == "silence":
                parts.append(SilencePart(segment.seconds))
            elif segment.kind == "audio":
                assert segment.path is not None
                parts.append(AudioPart(resolve_audio(segment.path)))
            else:
                speech = self.speak(load_script(segment), progress=progress, lexicon=lexicon)
                speeches.append(speech)
                parts.append(SpeechPart(list(speech.clips)))
        bed = resolve_audio(program.bed) if program.bed else None
        return self._mix(parts, out, bed, speeches)

    def _mix(
        self, parts: Sequence[MixPart], out: Path, bed: Path | None, speeches: list[ScriptSpeech]
    ) -> RenderResult:
        suffix = out.suffix.lower()
        if suffix not in (".wav", ".mp3"):
            raise RenderError(
                f"Tệp kết quả phải có đuôi .wav hoặc .mp3, không phải '{out.name}'.",
                code="output_type_unsupported",
            )
        out.parent.mkdir(parents=True, exist_ok=True)
        s = self.settings
        wav = out if suffix == ".wav" else _temp_path(out, ".wav")
        try:
            stats = render_program(
                list(parts),
                wav,
                sample_rate=s.sample_rate,
                target_lufs=s.loudness_target_lufs,
                true_peak_max=s.true_peak_max_dbtp,
                jingles_dir=s.jingles_path,
                bed=bed,
                duck_db=s.bed_duck_db,
            )
            if suffix == ".mp3":
                render_preview_mp3(wav, out)
        finally:
            if wav != out:
                wav.unlink(missing_ok=True)
        engines = list(dict.fromkeys(sp.engine for sp in speeches))
        return RenderResult(
            path=out,
            duration_seconds=stats.duration_seconds,
            integrated_lufs=stats.integrated_lufs,
            true_peak_dbtp=stats.true_peak_dbtp,
            engines=engines,
            cache_hits=sum(sp.cache_hits for sp in speeches),
            synthesized=sum(sp.synthesized for sp in speeches),
            sentences=sum(len(sp.clips) for sp in speeches),
            segment_starts=list(stats.segment_starts),
        )


def _temp_path(near: Path, suffix: str) -> Path:
    fd, name = tempfile.mkstemp(prefix=".render-", suffix=suffix, dir=near.parent)
    os.close(fd)
    return Path(name)
