"""Test-side encoders that produce real legacy bytes, written independently of the code
under test (tables laid out by letter, not by byte) and checked against text that is
known from the wild (the national motto as it shows up when a .VnTime or VNI-Times
document is opened without its font)."""

from __future__ import annotations

import unicodedata

# TCVN3 (ABC): each row is a base letter and the codes of its six forms:
# no tone, huyền, hỏi, ngã, sắc, nặng.
_TCVN3_ROWS = {
    "a": "61 b5 b6 b7 b8 b9",
    "ă": "a8 bb bc bd be c6",
    "â": "a9 c7 c8 c9 ca cb",
    "e": "65 cc ce cf d0 d1",
    "ê": "aa d2 d3 d4 d5 d6",
    "i": "69 d7 d8 dc dd de",
    "o": "6f df e1 e2 e3 e4",
    "ô": "ab e5 e6 e7 e8 e9",
    "ơ": "ac ea eb ec ed ee",
    "u": "75 ef f1 f2 f3 f4",
    "ư": "ad f5 f6 f7 f8 f9",
    "y": "79 fa fb fc fd fe",
}
_TCVN3_CAPITALS = {"Ă": 0xA1, "Â": 0xA2, "Ê": 0xA3, "Ô": 0xA4, "Ơ": 0xA5, "Ư": 0xA6, "Đ": 0xA7}
_TONES = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]


def _tcvn3_table() -> dict[str, int]:
    table = {"đ": 0xAE, **_TCVN3_CAPITALS}
    for base, codes in _TCVN3_ROWS.items():
        for tone, code in zip(_TONES, codes.split(), strict=True):
            table[unicodedata.normalize("NFC", base + tone)] = int(code, 16)
    return table


TCVN3 = _tcvn3_table()


def to_tcvn3(text: str) -> bytes:
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        if ch.isascii():
            out.append(ord(ch))
        elif ch in TCVN3:
            out.append(TCVN3[ch])
        else:  # a capital with a tone: the .VnTimeH fonts draw the lowercase code as capital
            out.append(TCVN3[ch.lower()])
    return bytes(out)


# VNI-Windows: base letter followed by mark bytes.
_VNI_TONE = {"\u0301": 0xF9, "\u0300": 0xF8, "\u0309": 0xFB, "\u0303": 0xF5, "\u0323": 0xEF}
_VNI_CIRCUMFLEX = {None: 0xE2, "\u0301": 0xE1, "\u0300": 0xE0, "\u0309": 0xE5, "\u0303": 0xE3,
                   "\u0323": 0xE4}  # fmt: skip
_VNI_BREVE = {None: 0xEA, "\u0301": 0xE9, "\u0300": 0xE8, "\u0309": 0xFA, "\u0303": 0xFC,
              "\u0323": 0xEB}  # fmt: skip
_VNI_I = {None: 0x69, "\u0301": 0xED, "\u0300": 0xEC, "\u0309": 0xE6, "\u0303": 0xF3,
          "\u0323": 0xF2}  # fmt: skip


def _vni_letter(ch: str) -> bytes:
    capital = ch.isupper()
    parts = unicodedata.normalize("NFD", ch.lower())
    base, marks = parts[0], parts[1:]
    tone = next((m for m in marks if m in _VNI_TONE), None)
    shape = next((m for m in marks if m in "\u0302\u0306\u031b"), None)
    if ch.lower() == "đ":
        seq = [0xF1]
    elif base == "i":
        seq = [_VNI_I[tone]]
    elif base == "y" and tone == "\u0323":
        seq = [0xEE]
    elif shape == "\u0302":
        seq = [ord(base), _VNI_CIRCUMFLEX[tone]]
    elif shape == "\u0306":
        seq = [ord(base), _VNI_BREVE[tone]]
    elif shape == "\u031b":
        seq = [0xF4 if base == "o" else 0xF6] + ([_VNI_TONE[tone]] if tone else [])
    else:
        seq = [ord(base)] + ([_VNI_TONE[tone]] if tone else [])
    if capital:  # capital letters and capital mark bytes (0x20 lower)
        seq = [b - 0x20 if (0x61 <= b <= 0x7A or b >= 0xE0) else b for b in seq]
    return bytes(seq)


def to_vni(text: str) -> bytes:
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        out += ch.encode("ascii") if ch.isascii() else _vni_letter(ch)
    return bytes(out)


_TONE_MARKS = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Windows-1258 as Word writes it: precomposed where the code page has the letter,
    otherwise the letter without tone followed by a combining tone mark."""
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            bare = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
            tone = "".join(c for c in parts if c in _TONE_MARKS)
            out += bare.encode("cp1258") + tone.encode("cp1258")
    return bytes(out)
