"""Reading numbers aloud the Northern way: integers, decimals, digit strings, Roman numerals.

Conventions (as a trained Northern announcer reads):
- "linh" for a zero tens digit after hundreds (105 -> một trăm linh năm);
- "mười" for 10-19, "mươi" for the other tens;
- "mốt" for a final 1 after "mươi" (21), "tư" for a final 4 after "mươi" (24),
  "lăm" for a final 5 after "mười"/"mươi" (15, 25);
- groups of three: nghìn, triệu, tỷ (recursively: nghìn tỷ), and an inner group below
  100 is read with "không trăm" (1.005.000 -> một triệu không trăm linh năm nghìn);
  an all-zero inner group is skipped.
"""

from __future__ import annotations

import re

DIGIT_WORDS: tuple[str, ...] = (
    "không",
    "một",
    "hai",
    "ba",
    "bốn",
    "năm",
    "sáu",
    "bảy",
    "tám",
    "chín",
)

_BILLION = 1_000_000_000
_GROUP_NAMES: tuple[tuple[int, str], ...] = ((1_000_000, "triệu"), (1_000, "nghìn"))

# Above this many digits a number is not an amount any more: read it digit by digit.
MAX_INTEGER_DIGITS = 18

_ROMAN = re.compile(r"M{0,3}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}


def _read_triple(n: int, full: bool) -> list[str]:
    """Words for 0 < n < 1000; ``full`` when the group follows a larger one."""
    hundreds, rest = divmod(n, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [DIGIT_WORDS[hundreds], "trăm"]
    if tens == 0:
        if units and words:
            words.append("linh")
    elif tens == 1:
        words.append("mười")
    else:
        words += [DIGIT_WORDS[tens], "mươi"]
    if units == 1 and tens >= 2:
        words.append("mốt")
    elif units == 4 and tens >= 2:
        words.append("tư")
    elif units == 5 and tens >= 1:
        words.append("lăm")
    elif units:
        words.append(DIGIT_WORDS[units])
    return words


def _integer_words(n: int, full: bool) -> list[str]:
    words: list[str] = []
    if n >= _BILLION:
        high, n = divmod(n, _BILLION)
        words += _integer_words(high, full) + ["tỷ"]
    for size, name in _GROUP_NAMES:
        group, n = divmod(n, size)
        if group:
            words += _read_triple(group, full or bool(words))
            words.append(name)
    if n:
        words += _read_triple(n, full or bool(words))
    return words


def read_integer(n: int) -> str:
    """Read a non-negative integer: 2025 -> "hai nghìn không trăm hai mươi lăm"."""
    if n < 0:
        return "âm " + read_integer(-n)
    if n == 0:
        return DIGIT_WORDS[0]
    return " ".join(_integer_words(n, False))


def read_digits(digits: str) -> str:
    """Read a digit string one digit at a time: "0912" -> "không chín một hai"."""
    return " ".join(DIGIT_WORDS[int(ch)] for ch in digits if ch.isdigit())


def read_number_text(digits: str) -> str:
    """Read a run of ASCII digits as an amount; leading zeros ("08") are not read.

    A long run starting with 0 (a code, an account) or a run too long to be an amount is
    read digit by digit.
    """
    if len(digits) > MAX_INTEGER_DIGITS or (digits.startswith("0") and len(digits) >= 4):
        return read_digits(digits)
    return read_integer(int(digits))


def read_fraction_digits(frac: str) -> str:
    """The part after the decimal comma: short parts as a number, others digit by digit."""
    if len(frac) <= 2 and not frac.startswith("0"):
        return read_integer(int(frac))
    return read_digits(frac)


def read_decimal(integer_part: str, frac: str) -> str:
    """85,5 -> "tám mươi lăm phẩy năm" (``integer_part`` may carry thousand dots)."""
    return f"{read_number_text(integer_part.replace('.', ''))} phẩy {read_fraction_digits(frac)}"


def read_ordinal(n: int) -> str:
    """After "thứ": 1 -> nhất, 4 -> tư, others as numbers (thứ hai, thứ mười bốn)."""
    if n == 1:
        return "nhất"
    if n == 4:
        return "tư"
    return read_integer(n)


def month_name(n: int) -> str:
    """The name after "tháng": tháng tư for 4, otherwise the number (tháng một, tháng mười hai)."""
    return "tư" if n == 4 else read_integer(n)


def roman_to_int(token: str) -> int | None:
    """Value of a canonical Roman numeral in capitals (I..MMMCMXCIX), else None."""
    if not token or not _ROMAN.fullmatch(token):
        return None
    total = 0
    for i, ch in enumerate(token):
        value = _ROMAN_VALUES[ch]
        if i + 1 < len(token) and _ROMAN_VALUES[token[i + 1]] > value:
            total -= value
        else:
            total += value
    return total
