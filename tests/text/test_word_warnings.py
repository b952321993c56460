"""Which word tokens are reported to the operator, and what a bare WordContext means."""

from __future__ import annotations

import pytest

from broadcast.text.abbreviations import WordContext, read_word
from broadcast.text.letters import spell
from broadcast.text.lexicon import shipped_lexicon
from broadcast.text.normalize import normalize_with_warnings


def _codes(text: str) -> list[tuple[str, str]]:
    return [(w.code, w.token) for w in normalize_with_warnings(text).warnings]


@pytest.mark.parametrize(
    "text",
    [
        "Đường QL1A bị ngập.",  # QL from the lexicon, one letter spelled: nothing to check
        "Tổ15 họp vào tối nay.",  # a syllable and a number: nothing spelled
        "Sản xuất vụ hè-thu.",  # Vietnamese words joined by a dash
    ],
)
def test_readable_tokens_raise_no_warning(text: str) -> None:
    assert _codes(text) == []


def test_two_unknown_letters_after_a_lexicon_part_are_reported() -> None:
    assert _codes("Tuyến QL18AB.") == [("unknown_abbreviation", "QL18AB")]


def test_a_spelled_letter_without_a_lexicon_part_is_reported() -> None:
    assert _codes("Xe mang mã Y2 được ưu tiên.") == [("unknown_abbreviation", "Y2")]


def test_a_foreign_word_in_a_compound_is_reported() -> None:
    assert ("latin_word", "check") in _codes("Làm thủ tục check-in tại quầy.")


def test_a_bare_context_is_neither_line_start_nor_filing_line() -> None:
    # "KT" is "ký thay" at the start of a signature line and "kinh tế" on a filing line;
    # anywhere else it is an unknown abbreviation, spelled.
    ctx = WordContext(lexicon=shipped_lexicon())
    assert read_word("KT", ctx) == spell("KT")
    assert [w.code for w in ctx.warnings] == ["unknown_abbreviation"]

