"""Sentence-by-sentence preview for the operator: the script beside what will be read."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from broadcast.text.findings import TextWarning
from broadcast.text.lexicon import Lexicon
from broadcast.text.normalize import normalize_with_warnings
from broadcast.text.sentences import split_sentences


@dataclass
class SentencePreview:
    """One sentence of the script, its reading, and what the operator may want to fix."""

    original: str
    reading: str
    warnings: list[TextWarning] = field(default_factory=list)


def preview_script(text: str, lexicon: Lexicon | None = None) -> list[SentencePreview]:
    """Each sentence of ``text`` beside its reading, with the warnings found in it."""
    previews: list[SentencePreview] = []
    for sentence in split_sentences(unicodedata.normalize("NFC", text)):
        result = normalize_with_warnings(sentence, lexicon)
        previews.append(SentencePreview(sentence, result.text.replace("\n", " "), result.warnings))
    return previews
