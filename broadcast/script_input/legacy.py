"""Legacy Vietnamese encodings: TCVN3 (ABC), VNI and Windows-1258.

Decoders for the three, and a detector that decodes a sample with each and counts how
many of the words come out as well-formed Vietnamese syllables. Pure functions.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from broadcast.script_input.syllables import is_vietnamese_syllable


class LegacyEncoding(StrEnum):
    TCVN3 = "tcvn3"
    VNI = "vni"
    CP1258 = "cp1258"

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    LegacyEncoding.TCVN3: "TCVN3 (ABC, phông .VnTime)",
    LegacyEncoding.VNI: "VNI (phông VNI-Times)",
    LegacyEncoding.CP1258: "Windows-1258",
}

# TCVN 5712:1993 VN3, the "ABC" code of the .VnTime fonts: byte -> letter. Capitals with
# a tone have no code of their own (.VnTimeH fonts draw the lowercase codes as capitals).
_TCVN3_PAIRS = (
    "¡Ă ¢Â £Ê ¤Ô ¥Ơ ¦Ư §Đ ¨ă ©â ªê «ô ¬ơ \u00adư ®đ "
    "µà ¶ả ·ã ¸á ¹ạ »ằ ¼ẳ ½ẵ ¾ắ Æặ Çầ Èẩ Éẫ Êấ Ëậ "
    "Ìè Îẻ Ïẽ Ðé Ñẹ Òề Óể Ôễ Õế Öệ ×ì Øỉ Üĩ Ýí Þị "
    "ßò áỏ âõ ãó äọ åồ æổ çỗ èố éộ êờ ëở ìỡ íớ îợ "
    "ïù ñủ òũ óú ôụ õừ öử ÷ữ øứ ùự úỳ ûỷ üỹ ýý þỵ"
)
TCVN3_TABLE: dict[str, str] = {pair[0]: pair[1] for pair in _TCVN3_PAIRS.split()}


def _vni_table() -> dict[str, str]:
    """VNI-Windows: a base letter followed by one or two mark characters (read as cp1252)."""
    tones = {"ù": "\u0301", "ø": "\u0300", "û": "\u0309", "õ": "\u0303", "ï": "\u0323"}
    circumflex_tones = {"á": "\u0301", "à": "\u0300", "å": "\u0309", "ã": "\u0303", "ä": "\u0323"}
    breve_tones = {"é": "\u0301", "è": "\u0300", "ú": "\u0309", "ü": "\u0303", "ë": "\u0323"}
    lower: dict[str, str] = {"ô": "ơ", "ö": "ư", "ñ": "đ", "í": "í", "ì": "ì", "æ": "ỉ",
                             "ó": "ĩ", "ò": "ị", "î": "ỵ"}  # fmt: skip
    for base in "aeouy":
        for mark, tone in tones.items():
            lower[base + mark] = base + tone
    for base in "aeo":
        lower[base + "â"] = base + "\u0302"
        for mark, tone in circumflex_tones.items():
            lower[base + mark] = base + "\u0302" + tone
    lower["aê"] = "ă"
    for mark, tone in breve_tones.items():
        lower["a" + mark] = "ă" + tone
    for horn_mark, horn in (("ô", "ơ"), ("ö", "ư")):
        for mark, tone in tones.items():
            lower[horn_mark + mark] = horn + tone
    table: dict[str, str] = {}
    for seq, letter in lower.items():
        composed = unicodedata.normalize("NFC", letter)
        table[seq] = composed
        # Capitals: capital base and capital mark characters (cp1252 byte - 0x20); a
        # capital base before a lowercase mark also occurs in title-case text.
        table[seq.upper()] = composed.upper()
        if len(seq) == 2:
            table[seq[0].upper() + seq[1]] = composed.upper()
    return table


VNI_TABLE = _vni_table()
_VNI_PATTERN = re.compile("|".join(sorted(map(re.escape, VNI_TABLE), key=len, reverse=True)))


def decode_tcvn3(data: bytes) -> str:
    return "".join(TCVN3_TABLE.get(ch, ch) for ch in data.decode("latin-1"))


def decode_vni(data: bytes) -> str:
    return _VNI_PATTERN.sub(lambda m: VNI_TABLE[m.group(0)], _as_cp1252(data))


def decode_cp1258(data: bytes) -> str | None:
    """Windows-1258 text composed to NFC; None when a byte is undefined in the code page."""
    try:
        return unicodedata.normalize("NFC", data.decode("cp1258"))
    except UnicodeDecodeError:
        return None


def _cp1252_char(byte: int) -> str:
    try:
        return bytes([byte]).decode("cp1252")
    except UnicodeDecodeError:  # five bytes cp1252 leaves undefined: keep them as Latin-1
        return chr(byte)


_LATIN1_TO_CP1252 = {b: _cp1252_char(b) for b in range(0x80, 0xA0)}


def _as_cp1252(data: bytes) -> str:
    return data.decode("latin-1").translate(_LATIN1_TO_CP1252)


def unicode_to_legacy_bytes(text: str) -> bytes:
    """Bytes a legacy font would have stored for ``text`` (read as cp1252/Latin-1).

    Used on Unicode text (a .docx typed in .VnTime or VNI-Times) whose characters are really
    legacy codes. A character with no single-byte form is real Unicode: it becomes a space.
    """
    out = bytearray()
    for ch in text:
        try:
            out += ch.encode("cp1252")
        except UnicodeEncodeError:
            out.append(ord(ch) if ord(ch) <= 0xFF else 0x20)
    return bytes(out)


_WORD = re.compile(r"[^\W\d_]+")
_BYTE_WORD = re.compile(rb"[A-Za-z\x80-\xff]+")
_SAMPLE_BYTES = 64 * 1024


_DECODERS: dict[str, Callable[[bytes], str | None]] = {
    LegacyEncoding.TCVN3: decode_tcvn3,
    LegacyEncoding.VNI: decode_vni,
    LegacyEncoding.CP1258: decode_cp1258,
}


@dataclass(frozen=True)
class Verdict:
    """Each reading of a text, word by word, and how Vietnamese each reading looks."""

    readings: dict[str, list[str]]  # per encoding, the non-ASCII words as read

    @property
    def scores(self) -> dict[str, float]:
        """Per encoding, the share of Vietnamese syllables among the words readings disagree
        on ("bà" is the same in all three and tells nothing); all words if they never do."""
        columns = list(zip(*self.readings.values(), strict=True))
        informative = [i for i, words in enumerate(columns) if len(set(words)) > 1]
        chosen = informative or list(range(len(columns)))
        return {
            enc: syllable_ratio([words[i] for i in chosen]) for enc, words in self.readings.items()
        }

    def best(self) -> tuple[str, float]:
        scores = self.scores
        encoding = max(scores, key=lambda e: scores[e])
        return encoding, scores[encoding]

    def disagreements(self, a: str, b: str) -> list[tuple[str, str]]:
        """The words that readings ``a`` and ``b`` read differently, as (a's, b's) pairs."""
        return [(x, y) for x, y in zip(self.readings[a], self.readings[b], strict=True) if x != y]

    def beats(self, a: str, b: str, win: float, lose: float) -> bool:
        """On the words readings ``a`` and ``b`` disagree on, ``a`` reads at least ``win``
        of them as Vietnamese and ``b`` at most ``lose``; true when they never disagree
        (then choosing ``a`` over ``b`` changes nothing)."""
        pairs = self.disagreements(a, b)
        if not pairs:
            return True
        return (
            syllable_ratio([x for x, _ in pairs]) >= win
            and syllable_ratio([y for _, y in pairs]) <= lose
        )

    def evidence_for(self, a: str, b: str, win: float, lose: float) -> bool:
        """Positive evidence that ``a`` is the right reading and ``b`` (the text as it is)
        the wrong one: they disagree on some words, and on those ``a`` reads at least ``win``
        as Vietnamese and ``b`` at most ``lose`` as Vietnamese written normally. Never true
        when the two readings are the same: a text that reads the same either way is no
        sign of ``a``."""
        pairs = self.disagreements(a, b)
        if not pairs:
            return False
        won = syllable_ratio([x for x, _ in pairs])
        lost = written_word_ratio([y for _, y in pairs])
        return won >= win and lost <= lose


def syllable_ratio(words: list[str]) -> float:
    """Share of ``words`` that are Vietnamese syllables (0.0 for no words)."""
    if not words:
        return 0.0
    return sum(1 for w in words if is_vietnamese_syllable(w)) / len(words)


def written_word_ratio(words: list[str]) -> float:
    """Like ``syllable_ratio``, counting only words cased as people write them ("phẩm",
    "Phẩm", "PHẨM"), never "phÈm": a capital inside a word is a legacy code read as Latin-1.
    (Not for legacy readings: TCVN3 has no capitals with a tone, so "KẾ HOẠCH" typed in
    .VnTimeH reads "Kế HOạCH".)"""
    if not words:
        return 0.0
    written = [w for w in words if _cased_like_a_word(w)]
    return sum(1 for w in written if is_vietnamese_syllable(w)) / len(words)


def _cased_like_a_word(word: str) -> bool:
    return word.islower() or word.isupper() or (word[:1].isupper() and word[1:].islower())


def judge_bytes(
    data: bytes, extra: Mapping[str, Callable[[bytes], str | None]] | None = None
) -> Verdict:
    """Read the words of ``data`` (its first 64 KiB) as TCVN3, VNI and Windows-1258,
    and with the ``extra`` decoders (keyed by name) if given."""
    sample = data[:_SAMPLE_BYTES]
    tokens = [t for t in _BYTE_WORD.findall(sample) if any(b >= 0x80 for b in t)][:2000]
    decoders: dict[str, Callable[[bytes], str | None]] = {**_DECODERS, **(extra or {})}
    return Verdict(
        readings={
            name: [_single_word(decode(t)) for t in tokens] for name, decode in decoders.items()
        }
    )


def decode_cp1252(data: bytes) -> str:
    """cp1252 with the five undefined bytes kept as Latin-1: every byte decodes."""
    return _as_cp1252(data)


def _single_word(text: str | None) -> str:
    # A token that decodes to symbols or to several words is not a Vietnamese word.
    found = _WORD.findall(text) if text is not None else []
    return found[0] if len(found) == 1 and found[0] == text else "\x00"
