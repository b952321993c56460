"""Is a word a well-formed Vietnamese syllable? Used to tell legacy encodings apart.

A syllable is onset + vowel cluster + coda, with at most one tone mark. The check is
orthographic, not a dictionary: it accepts every real syllable and rejects the
letter salad that text in the wrong encoding decodes to ("ViÖt", "Vieät", "Viờũt").
"""

from __future__ import annotations

import functools
import unicodedata

# Tone marks as combining characters: grave, acute, tilde, hook above, dot below.
_TONES = {"\u0300": "huyen", "\u0301": "sac", "\u0303": "nga", "\u0309": "hoi", "\u0323": "nang"}

_ONSETS = (
    "ngh", "ch", "gh", "gi", "kh", "ng", "nh", "ph", "qu", "th", "tr",
    "b", "c", "d", "đ", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "x", "",
)  # fmt: skip


def _clusters(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Vowel clusters that already end in a semivowel take no final consonant.
_OPEN_ONLY = _clusters(
    "ai ao au ay âu ây eo êu ia iu oi ôi ơi ui ưi ưu ua ưa uôi ươi ươu iêu yêu "
    "oai oay oao uây uya uyu oeo uơ"
)
_CODA_REQUIRED = _clusters("ă â iê yê uô ươ uyê oă uâ oo")
_EITHER = _clusters("a e ê i o ô ơ u ư y oa oe uê uy")
_CODAS = ("ng", "nh", "ch", "c", "m", "n", "p", "t")
_STOP_CODAS = frozenset({"c", "ch", "p", "t"})


def _split_tone(word: str) -> tuple[str, str | None, int]:
    """Return (word without tone marks, tone name, number of tone marks)."""
    tone: str | None = None
    count = 0
    kept = []
    for ch in unicodedata.normalize("NFD", word):
        if ch in _TONES:
            tone = _TONES[ch]
            count += 1
        else:
            kept.append(ch)
    return unicodedata.normalize("NFC", "".join(kept)), tone, count


# Spelling rules: "gh", "ngh", "k" only before front vowels; "c", "g", "ng" never before them.
_FRONT = ("i", "e", "ê", "y")
_ONLY_BEFORE_FRONT = frozenset({"gh", "ngh", "k"})
_NEVER_BEFORE_FRONT = frozenset({"c", "ng"})


def _onset_fits(onset: str, rhyme: str) -> bool:
    front = rhyme.startswith(_FRONT)
    if onset in _ONLY_BEFORE_FRONT:
        return front
    if onset in _NEVER_BEFORE_FRONT or onset == "g":
        return not front or (onset == "g" and rhyme.startswith("i"))
    return True


def _valid_rhyme(rhyme: str, tone: str | None) -> bool:
    coda = next((c for c in _CODAS if rhyme.endswith(c)), "")
    nucleus = rhyme[: len(rhyme) - len(coda)] if coda else rhyme
    if not nucleus:
        return False
    if coda:
        if nucleus not in _CODA_REQUIRED and nucleus not in _EITHER:
            return False
        # Syllables closed by a stop consonant only carry the sắc or nặng tone.
        return coda not in _STOP_CODAS or tone in ("sac", "nang")
    return nucleus in _OPEN_ONLY or nucleus in _EITHER


@functools.lru_cache(maxsize=8192)  # texts repeat their words
def is_vietnamese_syllable(word: str) -> bool:
    """True when ``word`` (any case, NFC or NFD) is spelled like a Vietnamese syllable."""
    bare, tone, tone_count = _split_tone(word.lower())
    if tone_count > 1 or not bare or not bare.isalpha():
        return False
    for onset in _ONSETS:
        rhyme = bare[len(onset) :]
        if bare.startswith(onset) and _onset_fits(onset, rhyme) and _valid_rhyme(rhyme, tone):
            return True
    return False
