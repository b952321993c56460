"""The fallback chain: one voice per script, the sentence cache, a breaker per engine.

Rules (issue 2):
- A script is spoken by ONE engine. The first engine (in order) that can speak every
  sentence wins; if it fails on any sentence the whole script falls back to the next one.
  Sentences a failed engine did speak stay in the cache for the next render.
- An engine that keeps failing is skipped for a cool-down (circuit breaker), so an
  unreachable gTTS does not cost a timeout per sentence or per script.
- Cache misses are synthesized in a small thread pool; the first miss runs alone first, as
  a probe, so a broken engine fails once instead of once per worker.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_EXCEPTION, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from broadcast.errors import BroadcastError, TTSError
from broadcast.tts.breaker import CircuitBreaker
from broadcast.tts.cache import SentenceCache
from broadcast.tts.cloud import KeySource, RequestPolicy, SettingsKeys
from broadcast.tts.engine import SpeechEngine, SynthesisError

if TYPE_CHECKING:
    from broadcast.settings import Settings

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class EngineAttempt:
    """One engine's turn at a script: ``ok``, or why not (Vietnamese ``error`` + ``code``)."""

    engine: str
    ok: bool
    error: str | None = None
    code: str | None = None


@dataclass
class ScriptSpeech:
    """A spoken script: the one ``engine`` that spoke it and its clips in sentence order."""

    engine: str
    clips: list[Path]
    cache_hits: int
    synthesized: int
    attempts: list[EngineAttempt] = field(default_factory=list)


class EngineChain:
    """Engines in order of preference, sharing one sentence cache."""

    def __init__(
        self,
        engines: Sequence[SpeechEngine],
        cache: SentenceCache,
        *,
        breaker_failures: int = 3,
        breaker_cooldown_seconds: float = 300.0,
        clock: Callable[[], float] = time.monotonic,
        workers: int = 2,
    ) -> None:
        if not engines:
            raise TTSError("Chưa chọn giọng đọc nào", code="no_engines")
        names = [e.name for e in engines]
        if len(set(names)) != len(names):
            raise TTSError(
                f"Một giọng đọc được khai báo hai lần: {', '.join(names)}",
                code="duplicate_engine",
            )
        self.engines = list(engines)
        self.cache = cache
        self.workers = max(1, workers)
        self.breakers = {
            e.name: CircuitBreaker(breaker_failures, breaker_cooldown_seconds, clock)
            for e in engines
        }

    @property
    def engine_names(self) -> list[str]:
        return [e.name for e in self.engines]

    def speak_script(
        self, sentences: Sequence[str], progress: Progress | None = None
    ) -> ScriptSpeech:
        """Speak every sentence with one engine; raise ``TTSError`` if no engine can.

        ``progress(done, total)`` is called from this thread; it starts over (lower
        ``done``) when the script falls back to the next engine.
        """
        if not sentences:
            raise TTSError("Kịch bản không có câu nào để đọc", code="empty_script")
        attempts: list[EngineAttempt] = []
        for engine in self.engines:
            try:
                speech = self._speak_with(engine, sentences, progress)
            except TTSError as exc:
                attempts.append(EngineAttempt(engine.name, False, exc.message, exc.code))
                log.warning("engine %s cannot speak the script: %s", engine.name, exc)
                continue
            attempts.append(EngineAttempt(engine.name, True))
            speech.attempts = attempts
            return speech
        reasons = "; ".join(f"{a.engine}: {a.error}" for a in attempts)
        raise TTSError(
            f"Không giọng đọc nào đọc được kịch bản — {reasons}", code="all_engines_failed"
        )

    def _speak_with(
        self, engine: SpeechEngine, sentences: Sequence[str], progress: Progress | None
    ) -> ScriptSpeech:
        identity = engine.identity()
        keys = [self.cache.key(engine.name, identity, s) for s in sentences]
        clips: list[Path | None] = [self.cache.get(k) for k in keys]
        hits = sum(1 for c in clips if c is not None)
        # Identical sentences share one key: synthesize each key once.
        first_index: dict[str, int] = {}
        for i, (key, clip) in enumerate(zip(keys, clips, strict=True)):
            if clip is None:
                first_index.setdefault(key, i)
        todo = list(first_index.values())
        total = len(sentences)
        done = hits
        if progress:
            progress(done, total)
        if todo:
            breaker = self.breakers[engine.name]
            if not breaker.allow():
                wait_s = breaker.seconds_until_retry()
                raise TTSError(
                    f"Tạm bỏ qua giọng '{engine.name}' sau nhiều lần lỗi liên tiếp "
                    f"(thử lại sau {wait_s:.0f} giây)",
                    code="engine_circuit_open",
                )
            # The probe: one sentence alone before the pool starts.
            clips[todo[0]] = self._synthesize_one(
                engine, breaker, sentences[todo[0]], keys[todo[0]]
            )
            done += self._count(keys, todo[0])
            if progress:
                progress(done, total)
            rest = todo[1:]
            if rest:
                done = self._synthesize_pool(
                    engine, breaker, sentences, keys, rest, clips, done, progress
                )
            by_key = {keys[i]: clips[i] for i in todo}
            clips = [c if c is not None else by_key[k] for c, k in zip(clips, keys, strict=True)]
        final = [c for c in clips if c is not None]
        assert len(final) == total
        return ScriptSpeech(engine.name, final, hits, len(todo))

    @staticmethod
    def _count(keys: list[str], index: int) -> int:
        """How many sentences the clip at ``index`` stands for (repeated sentences)."""
        return keys.count(keys[index])

    def _synthesize_pool(
        self,
        engine: SpeechEngine,
        breaker: CircuitBreaker,
        sentences: Sequence[str],
        keys: list[str],
        indexes: list[int],
        clips: list[Path | None],
        done: int,
        progress: Progress | None,
    ) -> int:
        pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix=f"tts-{engine.name}")
        try:
            futures: dict[Future[Path], int] = {
                pool.submit(self._synthesize_one, engine, breaker, sentences[i], keys[i]): i
                for i in indexes
            }
            pending: set[Future[Path]] = set(futures)
            while pending:
                finished, pending = wait(pending, return_when=FIRST_EXCEPTION)
                for future in finished:
                    # Raises the engine's error: the rest are cancelled in ``finally``.
                    clips[futures[future]] = future.result()
                    done += self._count(keys, futures[future])
                    if progress:
                        progress(done, len(sentences))
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
        return done

    def _synthesize_one(
        self, engine: SpeechEngine, breaker: CircuitBreaker, sentence: str, key: str
    ) -> Path:
        try:
            audio = engine.synthesize(sentence)
        except SynthesisError as exc:
            breaker.record_failure(exc.attempts)
            raise
        except BroadcastError as exc:
            breaker.record_failure()
            raise TTSError(exc.message, code=exc.code) from exc
        except Exception as exc:  # a bug in an engine must not silence the station
            breaker.record_failure()
            log.exception("engine %s crashed on a sentence", engine.name)
            raise TTSError(
                f"Giọng '{engine.name}' gặp lỗi không lường trước: {exc!r}", code="engine_crashed"
            ) from exc
        breaker.record_success()
        return self.cache.put(key, audio)


ENGINE_NAMES = ("gtts", "espeak", "fake", "fpt", "zalo", "piper")
# Engines whose name may carry a voice: "fpt:leminh", "zalo:4".
VOICE_VARIANTS = frozenset({"fpt", "zalo"})


def split_voice_id(name: str) -> tuple[str, str | None]:
    """("fpt", "leminh") for "fpt:leminh", ("espeak", None) for "espeak"."""
    provider, _, variant = name.strip().lower().partition(":")
    return provider, (variant or None)


def _unknown(name: str) -> TTSError:
    return TTSError(
        f"Không có giọng đọc tên '{name}' (chọn trong: {', '.join(ENGINE_NAMES)}; "
        "giọng của FPT.AI hoặc Zalo AI viết dạng fpt:leminh, zalo:4)",
        code="unknown_engine",
    )


def _make_engine(name: str, settings: Settings, keys: KeySource) -> SpeechEngine:
    provider, variant = split_voice_id(name)
    if variant is not None and provider not in VOICE_VARIANTS:
        raise _unknown(name)
    if provider == "gtts":
        from broadcast.tts.gtts_engine import GttsEngine  # gtts/requests only when used

        return GttsEngine(
            lang=settings.gtts_lang,
            tld=settings.gtts_tld,
            requests_per_second=settings.gtts_requests_per_second,
            timeout_seconds=settings.gtts_timeout_seconds,
            retries=settings.gtts_retries,
            backoff_seconds=settings.gtts_backoff_seconds,
        )
    if provider == "espeak":
        from broadcast.tts.espeak_engine import EspeakEngine

        return EspeakEngine(
            voice=settings.espeak_voice, rate=settings.espeak_rate, pitch=settings.espeak_pitch
        )
    if provider == "fake":
        from broadcast.tts.fake_engine import FakeEngine

        return FakeEngine()
    if provider == "fpt":
        from broadcast.tts.fpt_engine import FptEngine

        return FptEngine(
            voice=variant or settings.fpt_voice,
            speed=settings.fpt_speed,
            keys=keys,
            name=name,
            policy=RequestPolicy.from_settings(settings, "fpt"),
        )
    if provider == "zalo":
        from broadcast.tts.zalo_engine import ZaloEngine

        speaker = settings.zalo_speaker
        if variant is not None:
            if not variant.isdigit():
                raise _unknown(name)
            speaker = int(variant)
        return ZaloEngine(
            speaker=speaker,
            speed=settings.zalo_speed,
            keys=keys,
            name=name,
            policy=RequestPolicy.from_settings(settings, "zalo"),
        )
    if provider == "piper":
        from broadcast.tts.piper_engine import PiperEngine  # onnxruntime only when used

        if settings.piper_model is None:
            raise TTSError(
                "Chưa chọn mô hình giọng Piper: đặt BROADCAST_PIPER_MODEL=…/giong.onnx "
                "(kèm tệp giong.onnx.json)",
                code="piper_not_configured",
            )
        return PiperEngine(
            settings.piper_model,
            settings.piper_config,
            speaker=settings.piper_speaker,
            length_scale=settings.piper_length_scale,
            name=name,
        )
    raise _unknown(name)


def make_engine(name: str, settings: Settings, keys: KeySource | None = None) -> SpeechEngine:
    """One engine by its voice id ("espeak", "fpt", "fpt:leminh", "zalo:4", "piper")."""
    return _make_engine(name, settings, keys if keys is not None else SettingsKeys(settings))


def normalized_names(names: Sequence[str]) -> list[str]:
    """Voice ids as the chain uses them: trimmed, lower case, each once, in order."""
    return list(dict.fromkeys(n.strip().lower() for n in names if n.strip()))


def build_chain(
    settings: Settings,
    engine_names: Sequence[str] | None = None,
    *,
    keys: KeySource | None = None,
) -> EngineChain:
    """The chain the settings describe (``settings.engines``), or ``engine_names`` if given.
    Cloud voices read their API keys from ``keys`` (default: the settings)."""
    names = normalized_names(engine_names if engine_names is not None else settings.engines)
    source = keys if keys is not None else SettingsKeys(settings)
    engines = [_make_engine(n, settings, source) for n in names]
    return EngineChain(
        engines,
        SentenceCache(settings.cache_dir),
        breaker_failures=settings.breaker_failures,
        breaker_cooldown_seconds=settings.breaker_cooldown_seconds,
    )
