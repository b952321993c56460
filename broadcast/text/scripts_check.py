"""Letters from other alphabets inside Vietnamese text ("Мọi" with a Cyrillic М).

Such words come from a wrong keyboard layout or from text pasted out of another document;
they look right on screen but every voice reads them wrongly, so they are reported.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from broadcast.text.findings import TextWarning, mixed_script

# Unicode name prefixes of the alphabets a Vietnamese script may meet by accident, and how
# the warning names them.
_SCRIPT_NAMES: dict[str, str] = {
    "CYRILLIC": "chữ Kirin (Nga)",
    "GREEK": "chữ Hy Lạp",
    "CJK": "chữ Hán",
    "HIRAGANA": "chữ Nhật",
    "KATAKANA": "chữ Nhật",
    "HANGUL": "chữ Hàn",
    "THAI": "chữ Thái",
    "LAO": "chữ Lào",
    "KHMER": "chữ Khmer",
    "ARABIC": "chữ Ả Rập",
    "HEBREW": "chữ Do Thái",
    "ARMENIAN": "chữ Armenia",
    "GEORGIAN": "chữ Gruzia",
    "FULLWIDTH LATIN": "chữ Latin toàn khổ",
}


@lru_cache(maxsize=4096)
def _script_of(ch: str) -> str | None:
    name = unicodedata.name(ch, "")
    for prefix, label in _SCRIPT_NAMES.items():
        if name.startswith(prefix):
            return label
    return None


def foreign_scripts(token: str) -> list[str]:
    """The other alphabets whose letters appear in ``token``, in order of appearance."""
    found: list[str] = []
    for ch in token:
        if ch.isascii() or not ch.isalpha():
            continue
        label = _script_of(ch)
        if label is not None and label not in found:
            found.append(label)
    return found


def mixed_script_warning(token: str) -> TextWarning:
    return mixed_script(token, ", ".join(foreign_scripts(token)))
