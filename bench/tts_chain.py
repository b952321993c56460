"""Prints cold/warm timings of the TTS chain on a ~12,000-character script (not a test).

Run: .venv/bin/python bench/tts_chain.py
"""

from __future__ import annotations

import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from broadcast.text.sentences import split_sentences  # noqa: E402
from broadcast.tts.cache import SentenceCache  # noqa: E402
from broadcast.tts.chain import EngineChain  # noqa: E402
from broadcast.tts.espeak_engine import EspeakEngine  # noqa: E402
from broadcast.tts.gtts_engine import GttsEngine  # noqa: E402

TOPICS = [
    "Bà con nộp hồ sơ trên Cổng dịch vụ công quốc gia",
    "Tổ công nghệ số cộng đồng sẽ đến từng thôn",
    "Không cung cấp mã xác thực cho người lạ gọi điện",
    "Bình dân học vụ số giúp người dân dùng điện thoại",
    "Nghị quyết năm mươi bảy coi khoa học là đột phá",
]


def make_script(target_chars: int = 12_000, salt: str = "") -> list[str]:
    sentences: list[str] = []
    i = 0
    while sum(len(s) + 1 for s in sentences) < target_chars:
        sentences.append(f"{TOPICS[i % len(TOPICS)]}, bản tin {salt}số {i + 1}.")
        i += 1
    return split_sentences(" ".join(sentences))


def timed(label: str, fn) -> float:  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - start
    print(f"{label:<62} {elapsed * 1000:8.1f} ms")
    return elapsed


def main() -> None:
    logging.basicConfig(level=logging.ERROR)
    script = make_script()
    print(f"script: {len(script)} sentences, {sum(len(s) for s in script)} characters")
    engine = EspeakEngine()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        baseline = timed(
            "espeak-ng direct, serial, no cache (baseline)",
            lambda: [engine.synthesize(s) for s in make_script(salt="a ")],
        )
        for workers in (1, 2, 3):
            chain = EngineChain([engine], SentenceCache(root / f"w{workers}"), workers=workers)
            cold = timed(
                f"chain [espeak], workers={workers}, cold", lambda c=chain: c.speak_script(script)
            )
            print(f"{'':<62} ratio to baseline {cold / baseline:.2f}")
        warm = timed(
            "chain [espeak], workers=2, warm (all cached)", lambda: chain.speak_script(script)
        )
        del warm
        # Offline: gTTS cannot resolve its host (no Internet on this machine).
        gtts = GttsEngine()  # default settings: 2 retries, 1 s backoff, 10 s timeout
        offline = EngineChain([gtts, engine], SentenceCache(root / "offline"), workers=2)
        for k in range(1, 5):
            timed(
                f"chain [gtts, espeak] offline, script {k}, cold",
                lambda k=k: offline.speak_script(make_script(salt=f"off{k} ")),
            )
            breaker = offline.breakers["gtts"]
            print(f"{'':<62} gtts breaker {breaker.state}, {breaker.consecutive_failures} fails")
        alone = EngineChain([engine], SentenceCache(root / "alone"), workers=2)
        timed(
            "chain [espeak] alone, same kind of script, cold (reference)",
            lambda: alone.speak_script(make_script(salt="ref ")),
        )


if __name__ == "__main__":
    main()
