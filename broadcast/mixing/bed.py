"""Music bed: looped or trimmed under a speech part, at a fixed level under the speech.

The bed's level is set once per speech part: its integrated loudness is placed ``duck_db``
under the speech's own integrated loudness (constant through sentence pauses, so it does
not pump), with short fades at the part's edges. A bed longer than ``MAX_BED_SECONDS`` is
used only up to that length (and looped from there), which bounds memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from broadcast.errors import RenderError
from broadcast.mixing.audio_io import read_audio
from broadcast.mixing.loudness import integrated_loudness

MAX_BED_SECONDS = 600.0
LOOP_CROSSFADE_SECONDS = 0.05
FADE_SECONDS = 0.4


@dataclass(frozen=True)
class MusicBed:
    loop: np.ndarray  # one period of the looped bed (seamless from its end to its start)
    loudness_lufs: float
    sample_rate: int

    def gain_under(self, speech_lufs: float, duck_db: float) -> float:
        """Linear gain placing the bed ``duck_db`` under speech measuring ``speech_lufs``."""
        if not np.isfinite(speech_lufs):
            return 0.0
        return float(10.0 ** ((speech_lufs - duck_db - self.loudness_lufs) / 20.0))

    def segment(self, start: int, count: int, length: int, gain: float) -> np.ndarray:
        """Samples [start, start + count) of a bed ``length`` samples long, with its fades."""
        position = np.arange(start, start + count)
        bed = self.loop[position % self.loop.shape[0]] * np.float32(gain)
        fade = min(int(FADE_SECONDS * self.sample_rate), length // 2)
        if fade > 0:
            envelope = np.minimum(1.0, np.minimum(position, length - 1 - position) / fade)
            bed *= envelope.astype(np.float32)
        return bed


def load_bed(path: Path, sample_rate: int) -> MusicBed:
    """Decode a bed file and prepare its loop; raises RenderError when it cannot be used."""
    audio = read_audio(path, sample_rate, max_seconds=MAX_BED_SECONDS)
    loudness = integrated_loudness(audio, sample_rate)
    if audio.shape[0] < sample_rate or not np.isfinite(loudness):
        raise RenderError(
            f"Nhạc nền “{Path(path).name}” quá ngắn (dưới 1 giây) hoặc không có tiếng.",
            code="bed_unusable",
        )
    fade = int(LOOP_CROSSFADE_SECONDS * sample_rate)
    loop = audio[: audio.shape[0] - fade].copy()
    ramp = np.linspace(0.0, 1.0, fade, dtype=np.float32)
    # The loop's start blends the file's tail into its head, so the wrap is continuous.
    loop[:fade] = audio[:fade] * ramp + audio[audio.shape[0] - fade :] * ramp[::-1]
    return MusicBed(loop=loop, loudness_lufs=loudness, sample_rate=sample_rate)
