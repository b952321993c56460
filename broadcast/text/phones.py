"""Telephone numbers, read digit by digit in groups as a Vietnamese announcer reads them.

"0912 345 678" -> "không chín một hai, ba bốn năm, sáu bảy tám"; "+84912345678" -> "cộng tám
tư, chín một hai, ba bốn năm, sáu bảy tám"; "0221 3456789" -> "không hai hai một, ba bốn
năm, sáu bảy tám chín". Groups the author wrote (with spaces, dots or dashes) are kept; a
group longer than five digits is cut into groups of three, the last of four. A number
written without groups is cut after its area code (four digits; three for 024 Hà Nội and
028 Thành phố Hồ Chí Minh) or after a mobile number's first four digits.
"""

from __future__ import annotations

import re

from broadcast.text.numbers import read_digits

_SEP = r"[ .-]"
PHONE_PATTERN = (
    r"(?P<phone>(?<![\w.,+])(?:"
    r"(?:\+84" + _SEP + r"?|0)[0-9]{1,4}(?:" + _SEP + r"[0-9]{2,4}){2,3}"
    r"|(?:\+84" + _SEP + r"?|0)[0-9]{2,3}" + _SEP + r"[0-9]{7,8}"
    r"|\+84[0-9]{9,10}|0[0-9]{9,10}"
    r"|\(0[0-9]{2,3}\) ?(?:[0-9]{3,4}(?:" + _SEP + r"[0-9]{2,4}){1,2}|[0-9]{7,8})"
    r")(?![\w]))"
)

_COUNTRY = "+84"
_COUNTRY_READING = "cộng tám tư"
_GROUPS = re.compile(r"\+84|[0-9]+")
# A number starting with 0 and shorter than this is not a phone number ("01.02.2024").
_MIN_NATIONAL_DIGITS = 9
# Area codes of three digits (with the 0); the others have four.
_SHORT_AREA_CODES = frozenset({"024", "028"})


def _cut(group: str) -> list[str]:
    """A group as it is read: up to five digits at once (an old mobile prefix "01689"),
    longer ones in threes, the last of four (eight as two fours)."""
    if len(group) <= 5:
        return [group]
    if len(group) == 8:
        return [group[:4], group[4:]]
    return [group[:3], *_cut(group[3:])]


def _cut_unwritten(number: str) -> list[str]:
    """A number written without groups: the area code or mobile prefix, then the rest."""
    head = 3 if number[:3] in _SHORT_AREA_CODES and len(number) == 11 else 4
    return [number[:head], *_cut(number[head:])]


def read_phone(text: str) -> str | None:
    """The reading of a phone or hotline number, or None when ``text`` is not one."""
    groups = _GROUPS.findall(text)
    international = groups[0] == _COUNTRY
    if international:
        groups = groups[1:]
    national = ("0" if international else "") + "".join(groups)
    if national.startswith("0") and len(national) < _MIN_NATIONAL_DIGITS and "(" not in text:
        return None
    if len(groups) == 1:
        groups = _cut_unwritten(national)
        if international:
            groups[0] = groups[0][1:]
    else:
        groups = [piece for group in groups for piece in _cut(group)]
    words = [read_digits(group) for group in groups]
    if international:
        words.insert(0, _COUNTRY_READING)
    return ", ".join(words)
