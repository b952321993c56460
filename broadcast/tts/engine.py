"""The speech-engine protocol every text-to-speech implementation follows.

An engine turns one normalized sentence into audio bytes. Engines know nothing about
caching, fallback or scripts: the chain (``chain.py``) does that, and talks to engines only
through :class:`SpeechEngine`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

from broadcast.errors import TTSError

AudioFormat = Literal["wav", "mp3"]


@dataclass(frozen=True)
class SynthesizedAudio:
    """The audio of one sentence, as the engine produced it (a whole WAV or MP3 file)."""

    data: bytes
    format: AudioFormat

    def __post_init__(self) -> None:
        if not self.data:
            raise TTSError("Bộ đọc trả về âm thanh rỗng", code="empty_audio")
        if self.format not in ("wav", "mp3"):
            raise TTSError(f"Định dạng âm thanh không hỗ trợ: {self.format}", code="bad_format")


class SpeechEngine(Protocol):
    """A voice that reads Vietnamese sentences aloud.

    - ``name``: short stable identifier ("gtts", "espeak", "fake"); it names the engine in
      settings, logs, as-run records and error messages, and is part of the cache key.
    - ``identity()``: the voice and every parameter that changes the sound (language, voice,
      rate, pitch, engine version...). Two engines with the same ``name`` and ``identity()``
      must produce interchangeable audio for the same sentence: it is part of the cache key.
    - ``synthesize(sentence)``: speak one sentence (already normalized, non-empty) and return
      the whole audio file. Raises :class:`broadcast.errors.TTSError` (with a Vietnamese
      message and a stable code) on any failure; never returns partial audio. Must be safe to
      call from several threads at once (the chain synthesizes in a small pool).
    """

    name: str

    def identity(self) -> str:
        """Voice and parameters of this engine, part of the sentence-cache key."""
        ...

    def synthesize(self, sentence: str) -> SynthesizedAudio:
        """Speak ``sentence``; raise ``TTSError`` if this engine cannot."""
        ...


class SynthesisError(TTSError):
    """An engine failed to speak a sentence.

    ``attempts`` is how many tries the engine made before giving up (gTTS retries on its
    own); the circuit breaker counts each of them as a failure.
    """

    def __init__(self, message: str, *, code: str, attempts: int = 1) -> None:
        super().__init__(message, code=code)
        self.attempts = attempts
