"""A fake engine for tests of other layers: a tone per sentence, no external program.

The tone's pitch comes from the sentence's hash and its length from the sentence's length,
so different sentences sound different and longer ones last longer. It can be told to fail.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Container
from dataclasses import dataclass

import numpy as np

from broadcast.tts.engine import SynthesisError, SynthesizedAudio
from broadcast.tts.wav import pcm16_mono_wav


@dataclass(frozen=True)
class FakeCall:
    sentence: str
    ok: bool


class FakeEngine:
    """Speaks each sentence as a sine tone (WAV, 16-bit mono). Records every call.

    Failure knobs: ``fail_all``; ``fail_sentences`` (those sentences fail);
    ``fail_after`` (the first N calls succeed, the rest fail); ``should_fail`` (any
    predicate on the sentence). The knobs are plain attributes: tests flip them between
    renders (e.g. an engine that recovers).
    """

    def __init__(
        self,
        name: str = "fake",
        *,
        sample_rate: int = 24_000,
        seconds_per_char: float = 0.065,
        fail_all: bool = False,
        fail_sentences: Container[str] = (),
        fail_after: int | None = None,
        should_fail: Callable[[str], bool] | None = None,
        error_code: str = "fake_failed",
        attempts_per_failure: int = 1,
    ) -> None:
        self.name = name
        self.sample_rate = sample_rate
        self.seconds_per_char = seconds_per_char
        self.fail_all = fail_all
        self.fail_sentences = fail_sentences
        self.fail_after = fail_after
        self.should_fail = should_fail
        self.error_code = error_code
        self.attempts_per_failure = attempts_per_failure
        self.calls: list[FakeCall] = []
        self._lock = threading.Lock()

    def identity(self) -> str:
        return f"fake tone sr={self.sample_rate} spc={self.seconds_per_char}"

    @property
    def spoken(self) -> list[str]:
        """Sentences this engine spoke successfully, in call order."""
        return [c.sentence for c in self.calls if c.ok]

    @staticmethod
    def frequency_for(sentence: str) -> float:
        digest = hashlib.sha256(sentence.encode("utf-8")).digest()
        return 220.0 + int.from_bytes(digest[:4], "big") % 660

    def duration_for(self, sentence: str) -> float:
        return max(0.05, len(sentence) * self.seconds_per_char)

    def _fails(self, sentence: str, call_index: int) -> bool:
        return (
            self.fail_all
            or sentence in self.fail_sentences
            or (self.fail_after is not None and call_index >= self.fail_after)
            or (self.should_fail is not None and self.should_fail(sentence))
        )

    def synthesize(self, sentence: str) -> SynthesizedAudio:
        with self._lock:
            index = len(self.calls)
            fails = self._fails(sentence, index)
            self.calls.append(FakeCall(sentence, not fails))
        if fails:
            raise SynthesisError(
                f"Giọng giả lập '{self.name}' được đặt để báo lỗi",
                code=self.error_code,
                attempts=self.attempts_per_failure,
            )
        n = int(self.duration_for(sentence) * self.sample_rate)
        t = np.arange(n) / self.sample_rate
        tone = 0.3 * np.sin(2 * np.pi * self.frequency_for(sentence) * t)
        fade = min(n // 2, int(0.005 * self.sample_rate))  # no clicks at the edges
        if fade:
            ramp = np.linspace(0.0, 1.0, fade)
            tone[:fade] *= ramp
            tone[-fade:] *= ramp[::-1]
        pcm = (tone * 32767).astype("<i2").tobytes()
        return SynthesizedAudio(pcm16_mono_wav(pcm, self.sample_rate), "wav")
