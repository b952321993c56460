"""Small edges of the text modules that the reading cases did not reach (found by mutation
testing): spelling with punctuation, a question after a title, a code without an issuer."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from broadcast.text.findings import TextWarning
from broadcast.text.letters import spell
from broadcast.text.normalize import normalize_for_speech
from broadcast.text.sentences import split_sentences


def test_spelling_skips_what_is_neither_a_letter_nor_a_digit() -> None:
    assert spell("A-1") == "a một"


def test_a_title_before_a_question_mark_still_ends_the_sentence() -> None:
    assert split_sentences("Ai là GS? Ông Hải.") == ["Ai là GS?", "Ông Hải."]


def test_a_title_at_the_very_start_keeps_its_name() -> None:
    assert split_sentences("ThS. Hoa giảng bài.") == ["ThS. Hoa giảng bài."]


def test_a_document_code_without_an_issuer() -> None:
    assert normalize_for_speech("Theo Quyết định số 12/QĐ, xã làm.") == (
        "Theo Quyết định số mười hai, xã làm.")


def test_a_warning_is_a_value() -> None:
    warning = TextWarning("latin_word", "online", "…")
    assert len({warning, TextWarning("latin_word", "online", "…")}) == 1
    with pytest.raises(FrozenInstanceError):
        warning.token = "x"  # type: ignore[misc]
