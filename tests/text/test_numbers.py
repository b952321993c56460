"""Number reading: fixed examples and hypothesis properties up to 10^12.

The properties read each number back with a strict parser of the announcer's grammar, so
a reading passes only if it has the right structure (linh, mười/mươi, mốt/tư/lăm, "không
trăm" inside a number) and the right value.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from broadcast.text.normalize import normalize_for_speech
from broadcast.text.numbers import (
    month_name,
    read_decimal,
    read_digits,
    read_fraction_digits,
    read_integer,
    read_number_text,
    read_ordinal,
    roman_to_int,
)

DIGITS = {
    "không": 0, "một": 1, "hai": 2, "ba": 3, "bốn": 4,
    "năm": 5, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9,
}
VOCABULARY = set(DIGITS) | {"mười", "mươi", "trăm", "linh", "mốt", "tư", "lăm", "nghìn",
                            "triệu", "tỷ"}


class Malformed(ValueError):
    pass


def _expect(condition: bool, words: list[str]) -> None:
    if not condition:
        raise Malformed(" ".join(words))


def _units_after_tens(word: str, tens: int, words: list[str]) -> int:
    if tens == 1:
        allowed = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "lăm": 5, "sáu": 6, "bảy": 7,
                   "tám": 8, "chín": 9}
    else:
        allowed = {"mốt": 1, "hai": 2, "ba": 3, "tư": 4, "lăm": 5, "sáu": 6, "bảy": 7,
                   "tám": 8, "chín": 9}
    _expect(word in allowed, words)
    return allowed[word]


def parse_triple(words: list[str], inner: bool) -> int:
    """0 < value < 1000; ``inner`` groups (after a larger one) must say their hundreds."""
    _expect(bool(words), words)
    value, rest, has_hundreds = 0, words, False
    if len(words) >= 2 and words[1] == "trăm":
        _expect(words[0] in DIGITS, words)
        value, rest, has_hundreds = DIGITS[words[0]] * 100, words[2:], True
    _expect(has_hundreds or not inner, words)
    if not rest:
        _expect(value > 0, words)
        return value
    if rest[0] == "linh":
        _expect(has_hundreds and len(rest) == 2 and DIGITS.get(rest[1], 0) > 0, words)
        return value + DIGITS[rest[1]]
    if rest[0] == "mười":
        _expect(len(rest) <= 2, words)
        return value + 10 + (_units_after_tens(rest[1], 1, words) if len(rest) == 2 else 0)
    if len(rest) >= 2 and rest[1] == "mươi":
        _expect(DIGITS.get(rest[0], 0) >= 2 and len(rest) <= 3, words)
        tens = DIGITS[rest[0]]
        units = _units_after_tens(rest[2], tens, words) if len(rest) == 3 else 0
        return value + tens * 10 + units
    _expect(len(rest) == 1 and not has_hundreds and DIGITS.get(rest[0], 0) > 0, words)
    return DIGITS[rest[0]]


def parse_below_billion(words: list[str], inner: bool) -> int:
    total, seen = 0, inner
    for name, size in (("triệu", 1_000_000), ("nghìn", 1_000)):
        if name in words:
            cut = words.index(name)
            total += parse_triple(words[:cut], seen) * size
            words, seen = words[cut + 1:], True
    if words:
        total += parse_triple(words, seen)
    return total


def parse_reading(reading: str) -> int:
    words = reading.split()
    if words == ["không"]:
        return 0
    if "tỷ" in words:
        cut = len(words) - 1 - words[::-1].index("tỷ")
        high = parse_reading(" ".join(words[:cut]))
        _expect(high > 0, words)
        rest = words[cut + 1:]
        return high * 1_000_000_000 + (parse_below_billion(rest, True) if rest else 0)
    return parse_below_billion(words, False)


def with_thousand_dots(n: int) -> str:
    return f"{n:,}".replace(",", ".")


@pytest.mark.parametrize(
    ("n", "reading"),
    [
        (0, "không"),
        (10, "mười"),
        (15, "mười lăm"),
        (21, "hai mươi mốt"),
        (24, "hai mươi tư"),
        (25, "hai mươi lăm"),
        (14, "mười bốn"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (1010, "một nghìn không trăm mười"),
        (2025, "hai nghìn không trăm hai mươi lăm"),
        (1_005_000, "một triệu không trăm linh năm nghìn"),
        (1_000_005, "một triệu không trăm linh năm"),
        (10**9, "một tỷ"),
        (10**12, "một nghìn tỷ"),
        (2_000_000_050, "hai tỷ không trăm năm mươi"),
    ],
)
def test_known_readings(n: int, reading: str) -> None:
    assert read_integer(n) == reading


def test_small_helpers() -> None:
    assert read_digits("0912") == "không chín một hai"
    assert read_number_text("08") == "tám"
    assert read_number_text("0123") == "không một hai ba"
    assert read_decimal("85", "5") == "tám mươi lăm phẩy năm"
    assert read_decimal("1.234", "05") == "một nghìn hai trăm ba mươi tư phẩy không năm"
    assert read_ordinal(1) == "nhất"
    assert read_ordinal(4) == "tư"
    assert read_ordinal(14) == "mười bốn"
    assert roman_to_int("XIV") == 14
    assert roman_to_int("IIII") is None
    assert roman_to_int("") is None


def test_parser_rejects_wrong_structure() -> None:
    for wrong in ("một trăm năm", "hai mươi một", "mười năm", "một nghìn linh năm",
                  "hai mươi bốn", "một triệu năm nghìn", "một trăm không năm"):
        with pytest.raises(Malformed):
            parse_reading(wrong)


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_every_integer_reads_back(n: int) -> None:
    reading = read_integer(n)
    assert not re.search(r"\d", reading)
    assert set(reading.split()) <= VOCABULARY
    assert parse_reading(reading) == n


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=999).map(lambda k: k * 1_000_000_000 + 5))
def test_billions_keep_inner_zero_groups(n: int) -> None:
    assert parse_reading(read_integer(n)) == n


@settings(max_examples=300, deadline=None)
@given(st.integers(min_value=0, max_value=10**12))
def test_amounts_in_a_sentence_leave_no_digit(n: int) -> None:
    text = normalize_for_speech(f"Tổng kinh phí là {with_thousand_dots(n)} đồng.")
    assert not re.search(r"\d", text)
    assert text.startswith("Tổng kinh phí là ") and text.endswith(" đồng.")
    assert parse_reading(text[len("Tổng kinh phí là "):-len(" đồng.")]) == n


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=0, max_value=10**6), st.integers(min_value=0, max_value=99))
def test_decimals_leave_no_digit(whole: int, frac: int) -> None:
    text = normalize_for_speech(f"Tỷ lệ {with_thousand_dots(whole)},{frac}% dân số.")
    assert not re.search(r"\d", text)
    head, _, tail = text.removeprefix("Tỷ lệ ").partition(" phẩy ")
    assert parse_reading(head) == whole
    assert tail.endswith(" phần trăm dân số.")


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("I", 1), ("IV", 4), ("V", 5), ("IX", 9), ("XIV", 14), ("XL", 40), ("XLIX", 49),
        ("L", 50), ("LX", 60), ("LXXXVIII", 88), ("XC", 90), ("C", 100), ("CD", 400),
        ("D", 500), ("DCCC", 800), ("CM", 900), ("M", 1000), ("MCMXCIV", 1994),
        ("MMXXV", 2025), ("MMMCMXCIX", 3999),
    ],
)
def test_roman_numerals_with_every_letter(token: str, value: int) -> None:
    assert roman_to_int(token) == value


@pytest.mark.parametrize("token", ["IIII", "VV", "LL", "DD", "IC", "XM", "MMMM", "iv", "XIV."])
def test_non_canonical_roman_numerals_are_not_numbers(token: str) -> None:
    assert roman_to_int(token) is None


def test_negative_integers_are_read_with_am() -> None:
    assert read_integer(-5) == "âm năm"
    assert read_integer(-1) == "âm một"
    assert read_integer(-2025) == "âm hai nghìn không trăm hai mươi lăm"


def test_the_longest_amount_and_the_shortest_code() -> None:
    eighteen = "1" + "0" * 17  # 10^17: still an amount
    assert read_number_text(eighteen) == "một trăm triệu tỷ"
    assert read_number_text("1" + "0" * 18) == " ".join(["một"] + ["không"] * 18)
    assert read_number_text("012") == "mười hai"  # short: a leading zero is not read
    assert read_number_text("0") == "không"


def test_fraction_digits() -> None:
    assert read_fraction_digits("5") == "năm"
    assert read_fraction_digits("50") == "năm mươi"
    assert read_fraction_digits("05") == "không năm"
    assert read_fraction_digits("125") == "một hai năm"


def test_month_names_and_ordinals() -> None:
    assert month_name(4) == "tư"
    assert month_name(1) == "một"
    assert month_name(12) == "mười hai"
    assert read_ordinal(2) == "hai"
