"""Columns (chuyên mục): one managed list. A column's id is the ASCII slug kept in every
``topic`` field (scripts, programs, the as-run log); its name is what the operator reads."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Names of the columns the shipped examples use, and of the one announcements typed in the
# emergency form fall under.
KNOWN_NAMES: dict[str, str] = {
    "thong-tin-chung": "Thông tin chung",
    "chuyen-doi-so": "Chuyển đổi số",
    "thong-bao-khan": "Thông báo khẩn",
}
EMERGENCY_COLUMN = "thong-bao-khan"

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Column:
    id: str
    name: str


def column_id(text: str) -> str:
    """The slug of a column name: ``Chuyển đổi số`` -> ``chuyen-doi-so`` ("" for no letters)."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    return _NOT_SLUG.sub("-", plain).strip("-")[:90].strip("-")


def is_slug(text: str) -> bool:
    return bool(_SLUG.match(text))


def default_name(text: str) -> str:
    """A readable name for a topic value found in old data: the known name of a slug, a
    slug with its dashes as spaces (capitalised), or the text itself."""
    text = unicodedata.normalize("NFC", text).strip()
    if text in KNOWN_NAMES:
        return KNOWN_NAMES[text]
    if is_slug(text):
        words = text.replace("-", " ")
        return words[:1].upper() + words[1:]
    return text
