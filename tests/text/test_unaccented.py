"""Unaccented letters cut into known words, the vocabulary they are cut with, and the last
resort of syllable shapes (each function by itself; in context: test_names_and_addresses.py)."""

from __future__ import annotations

from dataclasses import FrozenInstanceError
from pathlib import Path

import pytest

from broadcast.text.unaccented import _listed_words, build_vocabulary, restore, split_syllables


def test_every_run_of_up_to_five_syllables_is_a_word() -> None:
    vocabulary = build_vocabulary(["Hà Nội"])
    assert dict(vocabulary.readings) == {"ha": "hà", "noi": "nội", "hanoi": "hà nội"}
    assert vocabulary.longest == len("hanoi")
    six = build_vocabulary(["một hai ba bốn năm sáu"]).readings
    assert six["mothaibabonnam"] == "một hai ba bốn năm"
    assert six["haibabonnamsau"] == "hai ba bốn năm sáu"
    assert "mothaibabonnamsau" not in six


def test_only_letters_make_words() -> None:
    assert dict(build_vocabulary(["5 giờ", "covid-19"]).readings) == {"gio": "giờ"}
    empty = build_vocabulary([])
    assert empty.longest == 0 and restore("a", empty) is None
    with pytest.raises(FrozenInstanceError):
        empty.longest = 3  # type: ignore[misc]


@pytest.mark.parametrize(("sightings", "reading"), [(4, "nội"), (5, "nói"), (6, "nói")])
def test_a_listed_word_counts_as_five_sightings_and_ties_go_to_the_first_in_order(
        sightings: int, reading: str) -> None:
    # "nội" listed once against "nói" seen in the lexicon; at five each, "nói" sorts first.
    assert build_vocabulary(["nội"], ["nói"] * sightings).readings["noi"] == reading


def test_a_syllable_inside_a_listed_name_counts_once() -> None:
    # Once inside "Hà Nội" against once on its own: a tie, "nói" sorts first.
    assert build_vocabulary(["Hà Nội"], ["nói"]).readings["noi"] == "nói"
    # Inside two listed names, against once on its own.
    assert build_vocabulary(["Hà Nội", "Nhà Nội"], ["nói"]).readings["noi"] == "nội"


def test_the_word_list_skips_blank_lines_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "words.txt"
    path.write_text("# place names\nHà Nội\n\n   \n  # indented comment\n  Bắc Ninh  \n",
                    encoding="utf-8")
    assert _listed_words(path) == ["Hà Nội", "Bắc Ninh"]


def test_the_fewest_pieces_win_and_among_equal_cuts_the_longest_last_word() -> None:
    # Abstract words show the cut: each reads as itself.
    fewest = build_vocabulary(["a", "b", "cd", "abc", "d"])
    assert restore("abcd", fewest) == "abc d"  # not "a b cd", though "cd" is met first
    equal = build_vocabulary(["a", "bc", "ab", "c"])
    assert restore("abc", equal) == "a bc"
    assert restore("o", build_vocabulary(["ở"])) == "ở"  # a one-letter word


def test_syllable_shapes() -> None:
    assert split_syllables("nghieng") == ["nghieng"]  # seven letters, one syllable
    # No syllable has eight letters, though "ngh" + "eoa" + "nh" has the shape of one.
    assert split_syllables("ngheoanh") == ["nghe", "oanh"]
    assert split_syllables("o") == ["o"]
    assert split_syllables("tanlapthanh") == ["tan", "lap", "thanh"]
    assert split_syllables("hà") is None  # not unaccented letters
    assert split_syllables("tan-lap") is None
