"""Program assembly: jingles, music bed, loudness. The only user of pydub (audio_io)."""

from broadcast.mixing.audio_io import probe_duration, read_audio, wav_to_mp3, write_wav
from broadcast.mixing.jingles import default_jingle, ensure_default_jingles, resolve_jingle
from broadcast.mixing.loudness import integrated_loudness, measure_wav
from broadcast.mixing.program import (
    AudioPart,
    JinglePart,
    Part,
    RenderStats,
    SilencePart,
    SpeechPart,
    render_preview_mp3,
    render_program,
)
from broadcast.mixing.truepeak import true_peak_dbtp

__all__ = [
    "AudioPart",
    "JinglePart",
    "Part",
    "RenderStats",
    "SilencePart",
    "SpeechPart",
    "default_jingle",
    "ensure_default_jingles",
    "integrated_loudness",
    "measure_wav",
    "probe_duration",
    "read_audio",
    "render_preview_mp3",
    "render_program",
    "resolve_jingle",
    "true_peak_dbtp",
    "wav_to_mp3",
    "write_wav",
]
