"""Split text into sentences, the unit of synthesis and of the audio cache.

A sentence ends at . ! ? … or ; (with any closing quote or bracket) before a space, or at
a line break. Numbers never split ("1.500", "85,5" have no space after the mark), nor do
the dotted abbreviations that introduce a name ("TP. Hà Nội", "TM. ỦY BAN", "ThS. Hoa"),
so raw scripts split the same way as normalized text.
"""

from __future__ import annotations

import re

_END = re.compile(r"[.!?…;]+[\"”’»)\]]*(?=\s|$)|\n")
_WORD_BEFORE = re.compile(r"([^\W\d_]+)$")
# Dotted abbreviations followed by a name, not by a new sentence.
_NAME_PREFIXES = frozenset(
    {
        "TP", "Tp", "TX", "TT", "TM", "KT", "TL", "TUQ", "Q", "P", "QL", "ĐT", "TS", "ThS", "PGS",
        "GS", "BS", "KS", "Th.S", "Đ/c",
    }
)


def _is_name_prefix(text: str, dot: int) -> bool:
    if text[dot] != "." or text[dot + 1:dot + 2] != " ":
        return False
    word = _WORD_BEFORE.search(text, max(0, dot - 8), dot)
    return word is not None and word.group(1) in _NAME_PREFIXES


def split_sentences(text: str) -> list[str]:
    """Return the non-empty sentences of ``text`` in order, stripped."""
    sentences: list[str] = []
    start = 0
    for end in _END.finditer(text):
        if end.group() != "\n" and _is_name_prefix(text, end.start()):
            continue
        sentences.append(text[start:end.end()])
        start = end.end()
    sentences.append(text[start:])
    stripped = (s.strip() for s in sentences)
    return [s for s in stripped if s and any(ch.isalnum() for ch in s)]
