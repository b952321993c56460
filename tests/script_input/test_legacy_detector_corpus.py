"""The legacy-encoding detector on thousands of real sentences: genuine Unicode Vietnamese is
never refused, and the same sentences typed in TCVN3 or VNI are.

The corpus is every sentence of the shipped scripts, of a real commune plan
(``samples/ke-hoach-103-hat-mon.txt``), and both sides (written and read) of the text
normalization cases and of the held-out set.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from broadcast.errors import ScriptInputError
from broadcast.script_input import parse_script
from broadcast.text.sentences import split_sentences
from tests.script_input.legacy_encoders import to_tcvn3, to_vni

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 2_000_000


@functools.cache
def real_sentences() -> tuple[str, ...]:
    found: list[str] = []
    texts = sorted((ROOT / "scripts").glob("*.txt")) + [
        Path(__file__).parent / "samples" / "ke-hoach-103-hat-mon.txt"
    ]
    for path in texts:
        found += split_sentences(path.read_text(encoding="utf-8"))
    for case in yaml.safe_load((ROOT / "tests/text/cases.yaml").read_text(encoding="utf-8")):
        found += [case["in"], case["out"]]
    for path in sorted((ROOT / "tests/text/heldout").glob("*.yaml")):
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            found += [case["text"], case["reading"]]
    unique = {s.strip() for s in found if any(ch.isalpha() for ch in s)}
    return tuple(sorted(unique))


def _vietnamese(sentence: str) -> bool:
    return any(not ch.isascii() and ch.isalpha() for ch in sentence)


def _refusal(data: bytes) -> ScriptInputError | None:
    try:
        parse_script(data, "bai.txt", LIMIT)
    except ScriptInputError as exc:
        return exc
    return None


def test_the_corpus_is_a_few_thousand_sentences() -> None:
    sentences = real_sentences()
    assert len(sentences) >= 1400
    assert sum(map(_vietnamese, sentences)) >= 1400


@pytest.mark.parametrize(
    "text", ["Xin chào bà con trong xã.", "Bà và xã cùng làm.", "Quý III/2025 hoàn thành."]
)
def test_unicode_that_reads_the_same_in_vni_is_accepted(text: str) -> None:
    # Every letter here is also a cp1252 byte, and VNI reads those bytes back unchanged:
    # no word is evidence for VNI.
    assert parse_script(text.encode("utf-8"), "bai.txt", LIMIT).text == text


def test_no_real_sentence_is_taken_for_a_legacy_encoding() -> None:
    variants = [v for s in real_sentences() for v in (s, s.upper(), s.lower())]
    assert len(variants) > 4000
    refused = [
        (v, error.code)
        for v in variants
        if (error := _refusal(v.encode("utf-8"))) is not None
        and error.code == "script_legacy_encoding"
    ]
    assert refused == [], f"{len(refused)} refused, e.g. {refused[:10]}"


def test_no_short_fragment_of_a_real_sentence_is_taken_for_a_legacy_encoding() -> None:
    # Short texts (a title, a one-line notice) carry the least evidence: every run of one to
    # three words of the corpus, as written and in capitals.
    fragments: set[str] = set()
    for sentence in real_sentences():
        words = sentence.split()
        for n in (1, 2, 3):
            fragments.update(" ".join(words[i : i + n]) for i in range(len(words) - n + 1))
    fragments = {f for f in fragments if _vietnamese(f)}
    assert len(fragments) > 10_000
    refused = [
        v
        for f in sorted(fragments)
        for v in (f, f.upper())
        if (error := _refusal(v.encode("utf-8"))) is not None
        and error.code == "script_legacy_encoding"
    ]
    assert refused == [], f"{len(refused)} refused, e.g. {refused[:10]}"


def _lenient(encode: Callable[[str], bytes]) -> Callable[[str], bytes]:
    """The legacy encoder for Vietnamese letters; other characters (“ ” – °) as a legacy
    font stores them: their cp1252 byte, else a space."""

    def encode_text(text: str) -> bytes:
        out = bytearray()
        for ch in text:
            try:
                out += encode(ch)
            except (KeyError, ValueError):
                out += ch.encode("cp1252", errors="replace").replace(b"?", b" ")
        return bytes(out)

    return encode_text


LEGACY = {"TCVN3": _lenient(to_tcvn3), "VNI": _lenient(to_vni)}


@pytest.mark.parametrize("name", sorted(LEGACY))
def test_legacy_bytes_of_every_sentence_are_refused(name: str) -> None:
    sentences = [s for s in real_sentences() if _vietnamese(s)]
    accepted, named = [], 0
    for sentence in sentences:
        error = _refusal(LEGACY[name](sentence))
        if error is None:
            accepted.append(sentence)
        elif error.code == "script_legacy_encoding" and name in error.message:
            named += 1
    assert accepted == []
    assert named / len(sentences) >= 0.99


@pytest.mark.parametrize("name", sorted(LEGACY))
def test_legacy_font_text_saved_as_unicode_is_refused(name: str) -> None:
    # A document typed with a .VnTime or VNI-Times font and saved as UTF-8 or .docx: each
    # legacy byte became the Latin-1 character of the same code ("ViÖt Nam").
    sentences = [s for s in real_sentences() if _vietnamese(s)]
    refused = 0
    for sentence in sentences:
        garbled = LEGACY[name](sentence).decode("cp1252", errors="replace")
        error = _refusal(garbled.encode("utf-8"))
        if error is not None and error.code == "script_legacy_encoding":
            refused += 1
    # The rest are a few words long and read as Vietnamese either way ("Cã mÆt lóc").
    assert refused / len(sentences) >= 0.98
