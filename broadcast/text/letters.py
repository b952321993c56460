"""Letters as Vietnamese reads them (unknown acronyms) and the shape of a syllable."""

from __future__ import annotations

import re
import unicodedata

from broadcast.text.numbers import DIGIT_WORDS

LETTER_NAMES: dict[str, str] = {
    "a": "a",
    "ă": "á",
    "â": "ớ",
    "b": "bê",
    "c": "xê",
    "d": "dê",
    "đ": "đê",
    "e": "e",
    "ê": "ê",
    "f": "ép",
    "g": "gờ",
    "h": "hát",
    "i": "i",
    "j": "giê",
    "k": "ca",
    "l": "e lờ",
    "m": "em",
    "n": "en",
    "o": "o",
    "ô": "ô",
    "ơ": "ơ",
    "p": "pê",
    "q": "quy",
    "r": "e rờ",
    "s": "ét",
    "t": "tê",
    "u": "u",
    "ư": "ư",
    "v": "vê",
    "w": "vê kép",
    "x": "ích",
    "y": "i",
    "z": "dét",
}

# Tone marks (not the vowel-shaping marks: circumflex, breve, horn).
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}

_SYLLABLE = re.compile(
    r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnprstvx])?"
    r"(?:[aăâeêioôơuưy]{1,3})"
    r"(?:ch|ng|nh|[cmnpt])?"
)


def strip_tones(word: str) -> str:
    """``word`` without its tone mark (ấ -> â): what the syllable shape depends on."""
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONE_MARKS))


def is_vietnamese_syllable(word: str) -> bool:
    """Whether ``word`` (any case) is shaped like one Vietnamese syllable (MỤC yes, UBND no)."""
    return bool(_SYLLABLE.fullmatch(strip_tones(word.lower())))


def spell(token: str) -> str:
    """Read a token letter by letter, digits as digits: "VTV" -> "vê tê vê"."""
    words: list[str] = []
    for ch in strip_tones(token.lower()):
        if ch in LETTER_NAMES:
            words.append(LETTER_NAMES[ch])
        elif ch.isdigit() and ch.isascii():
            words.append(DIGIT_WORDS[int(ch)])
    return " ".join(words)
