"""Administrative-unit prefixes in addresses: "P. Trần Phú", "Q.5", "TX. Sơn Tây", "TT. Chũ".

A one- or two-letter prefix with a dot reads as the unit it names when a place name (a
capitalized word) or a number follows it. The same letters mean something else before a
title ("P. Giám đốc" is phó giám đốc, "Q. Chủ tịch" is quyền chủ tịch) or before an organ
("TT. HĐND" is thường trực hội đồng nhân dân); anything else (an initial at the end of a
name: "Nguyễn Văn P.") is left to the rest of the normalizer.
"""

from __future__ import annotations

import re
from collections.abc import Container

PLACE_PREFIXES: dict[str, str] = {
    "P": "phường",
    "Ph": "phường",
    "Q": "quận",
    "TX": "thị xã",
    "Tx": "thị xã",
    "TP": "thành phố",
    "Tp": "thành phố",
    "TT": "thị trấn",
    "Tt": "thị trấn",
    "H": "huyện",
    "X": "xã",
}

# Before a title the same letters abbreviate a rank, not a place.
TITLE_PREFIXES: dict[str, str] = {"P": "phó", "Q": "quyền"}
TITLE_WORDS: frozenset[str] = frozenset(
    {
        "chủ", "giám", "trưởng", "chánh", "hiệu", "tổng", "bí", "viện", "thủ", "cục", "vụ",
        "chỉ", "phó",
    }
)

# "TT" before an organ of the commune: the standing body (thường trực) of it.
ORGAN_PREFIXES: dict[str, str] = {"TT": "thường trực"}
ORGAN_WORDS: frozenset[str] = frozenset(
    {"đảng", "huyện", "tỉnh", "thành", "hđnd", "ubnd", "mttq", "ubmttq", "đu", "hu", "tu"}
)

_NEXT_WORD = re.compile(r"\s*([^\W_]+)")


def read_unit_prefix(prefix: str, following: str, organs: Container[str] = ()) -> str | None:
    """The reading of ``prefix`` (the letters before the dot) given the text after the dot.

    ``organs`` are acronyms known to name an organ ("HĐND", "UBND"): "TT. HĐND" is the
    standing body of the council, not a town. Returns None when the prefix is not an
    administrative unit here.
    """
    nxt = _NEXT_WORD.match(following)
    if nxt is None:
        return None
    word = nxt.group(1)
    lowered = word.lower()
    if prefix in ORGAN_PREFIXES and (word in organs or lowered in ORGAN_WORDS):
        return ORGAN_PREFIXES[prefix]
    if lowered in TITLE_WORDS:
        return TITLE_PREFIXES.get(prefix)
    reading = PLACE_PREFIXES.get(prefix)
    if reading is None:
        return None
    if word[0].isdigit() or word[0].isupper():
        return reading
    return None


def read_organ_prefix(prefix: str, following: str, organs: Container[str] = ()) -> str | None:
    """"TT Đảng ủy", "TT HĐND" without a dot: the standing body of an organ, else None."""
    if prefix not in ORGAN_PREFIXES:
        return None
    nxt = _NEXT_WORD.match(following)
    if nxt is None:
        return None
    word = nxt.group(1)
    if word in organs or (word[0].isupper() and word.lower() in ORGAN_WORDS):
        return ORGAN_PREFIXES[prefix]
    return None
