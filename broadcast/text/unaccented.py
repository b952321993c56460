"""Vietnamese written without diacritics, as in web addresses and app names, read as words.

"dichvucong" -> "dịch vụ công", "bacninh" -> "bắc ninh", "baohiemxahoi" -> "bảo hiểm xã hội".
The letters are cut into known words: the fewest pieces win (a whole name beats its
syllables), then the reading seen most often. The known words are the readings of the
shipped lexicon (administrative phrases) and ``vietnamese_words.txt`` (place names, the words
of public-service and news sites). Letters that cannot be cut entirely into known words give
None: the caller decides (spell them, or keep them and warn).
"""

from __future__ import annotations

import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType

WORDS_PATH = Path(__file__).with_name("vietnamese_words.txt")
MAX_SYLLABLES = 5
# A phrase listed on its own counts more than the same letters met inside a longer reading.
_LISTED_WEIGHT = 5


def strip_diacritics(text: str) -> str:
    """``text`` without tone and vowel marks, đ as d: what an address writes."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@dataclass(frozen=True)
class Vocabulary:
    """Unaccented lowercase letters (no spaces) -> the Vietnamese words they spell."""

    readings: Mapping[str, str]
    longest: int


def build_vocabulary(listed: Iterable[str], seen: Iterable[str] = ()) -> Vocabulary:
    """Words and names ``listed`` on purpose, and readings ``seen`` elsewhere (the lexicon).

    Every run of up to ``MAX_SYLLABLES`` syllables of each phrase becomes an entry, so "công
    dân" is known from "căn cước công dân".
    """
    counts: dict[str, Counter[str]] = defaultdict(Counter)

    def add(phrase: str, weight: int) -> None:
        syllables = unicodedata.normalize("NFC", phrase).lower().split()
        for size in range(1, min(MAX_SYLLABLES, len(syllables)) + 1):
            for start in range(len(syllables) - size + 1):
                gram = syllables[start:start + size]
                key = strip_diacritics("".join(gram))
                if key.isascii() and key.isalpha():
                    bonus = weight if size == len(syllables) else 1
                    counts[key][" ".join(gram)] += bonus

    for phrase in listed:
        add(phrase, _LISTED_WEIGHT)
    for phrase in seen:
        add(phrase, 1)
    readings = {
        key: min(found.items(), key=lambda item: (-item[1], item[0]))[0]
        for key, found in counts.items()
    }
    longest = max((len(key) for key in readings), default=0)
    return Vocabulary(MappingProxyType(readings), longest)


def _listed_words(path: Path = WORDS_PATH) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


@lru_cache(maxsize=1)
def default_vocabulary() -> Vocabulary:
    """The word list and the readings of the shipped lexicon (read once)."""
    from broadcast.text.lexicon import shipped_lexicon

    lexicon = shipped_lexicon()
    seen = [*lexicon.abbreviations.values(), *lexicon.issuers.values(),
            *lexicon.document_types.values()]
    return build_vocabulary(_listed_words(), seen)


def restore(letters: str, vocabulary: Vocabulary | None = None) -> str | None:
    """The Vietnamese words ``letters`` (ASCII, any case, no spaces) spell, or None."""
    vocab = vocabulary if vocabulary is not None else default_vocabulary()
    word = letters.lower()
    if not word or not word.isascii() or not word.isalpha():
        return None
    size = len(word)
    # best[i]: (pieces, readings) of the cut of word[:i] into the fewest known words; among
    # equal cuts the one whose last word is longest (met first) stays.
    best: list[tuple[int, list[str]] | None] = [None] * (size + 1)
    best[0] = (0, [])
    for end in range(1, size + 1):
        for start in range(max(0, end - vocab.longest), end):
            before = best[start]
            if before is None:
                continue
            reading = vocab.readings.get(word[start:end])
            if reading is None:
                continue
            candidate = (before[0] + 1, [*before[1], reading])
            current = best[end]
            if current is None or candidate[0] < current[0]:
                best[end] = candidate
    found = best[size]
    return None if found is None else " ".join(found[1])


def split_syllables(letters: str, max_syllable: int = 7) -> list[str] | None:
    """``letters`` cut into the fewest pieces that are each shaped like a Vietnamese syllable
    ("tanlap" -> ["tan", "lap"]), or None. The tones stay unknown: a last resort."""
    from broadcast.text.letters import is_vietnamese_syllable

    word = letters.lower()
    if not word.isascii() or not word.isalpha():
        return None
    best: list[list[str] | None] = [None] * (len(word) + 1)
    best[0] = []
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - max_syllable), end):
            before = best[start]
            piece = word[start:end]
            if before is None or not is_vietnamese_syllable(piece):
                continue
            current = best[end]
            if current is None or len(before) + 1 < len(current):
                best[end] = [*before, piece]
    return best[len(word)]
