"""The unit prefixes of addresses and the letters of other alphabets, each function by itself
(the readings in context are in test_names_and_addresses.py)."""

from __future__ import annotations

import pytest

from broadcast.text.findings import MIXED_SCRIPT
from broadcast.text.places import read_organ_prefix, read_unit_prefix
from broadcast.text.scripts_check import foreign_scripts, mixed_script_warning

UNIT_PREFIXES = [
    # A place name or a number after the dot: the unit.
    ("P", " Khương Mai", (), "phường"),
    ("P", "12", (), "phường"),
    ("P", "12A", (), "phường"),  # a number, by its first character
    ("P", " a1", (), None),
    ("TX", " Sơn Tây", (), "thị xã"),
    # "TX" is not an organ prefix: a capitalized organ word after it is still a place.
    ("TX", " Đảng", (), "thị xã"),
    # A lowercase word after the dot is no place name; nor is nothing at all.
    ("P", " và", (), None),
    ("P", "", (), None),
    ("P", " ...", (), None),
    # Letters that name no unit.
    ("Z", " Hà Nội", (), None),
    # Before a title: the rank it abbreviates, if those letters have one.
    ("P", " Giám đốc", (), "phó"),
    ("Q", " chủ tịch", (), "quyền"),
    ("TX", " Chủ tịch", (), None),
    # "TT" before an organ: known from the word list, or from the lexicon's organs alone.
    ("TT", " HĐND", (), "thường trực"),
    ("TT", " Đảng ủy", (), "thường trực"),
    ("TT", " BCĐ", ("BCĐ",), "thường trực"),
    ("TT", " Chũ", (), "thị trấn"),
]


@pytest.mark.parametrize(("prefix", "following", "organs", "expected"), UNIT_PREFIXES)
def test_unit_prefix(prefix: str, following: str, organs: tuple[str, ...],
                     expected: str | None) -> None:
    assert read_unit_prefix(prefix, following, organs) == expected


ORGAN_PREFIXES = [
    ("TT", " Đảng ủy", (), "thường trực"),
    ("TT", " UBND", (), "thường trực"),
    ("TT", " BCĐ", ("BCĐ",), "thường trực"),
    # An organ word written in lowercase, or a capitalized word that is no organ: not "TT".
    ("TT", " đảng", (), None),
    ("TT", " Hùng Sơn", (), None),
    ("TT", "", (), None),
    # Only "TT" abbreviates a standing body.
    ("TX", " UBND", (), None),
    ("P", " Đảng ủy", (), None),
]


@pytest.mark.parametrize(("prefix", "following", "organs", "expected"), ORGAN_PREFIXES)
def test_organ_prefix_without_a_dot(prefix: str, following: str, organs: tuple[str, ...],
                                    expected: str | None) -> None:
    assert read_organ_prefix(prefix, following, organs) == expected


def test_foreign_scripts_in_order_of_appearance_each_once() -> None:
    # Latin letters with Vietnamese marks, digits and a dash are no other alphabet.
    assert foreign_scripts("Người–2026") == []
    assert foreign_scripts("Hà") == []
    assert foreign_scripts("Hà\u037e") == []  # a Greek question mark is no letter
    # Cyrillic М and о, Greek α, then Cyrillic again.
    assert foreign_scripts("Мọiαо") == ["chữ Kirin (Nga)", "chữ Hy Lạp"]
    assert foreign_scripts("ＡＢ") == ["chữ Latin toàn khổ"]
    assert foreign_scripts("漢") == ["chữ Hán"]


def test_the_mixed_script_warning_names_every_alphabet_found() -> None:
    warning = mixed_script_warning("Мọiα")
    assert warning.code == MIXED_SCRIPT and warning.token == "Мọiα"
    assert "(chữ Kirin (Nga), chữ Hy Lạp)" in warning.message
