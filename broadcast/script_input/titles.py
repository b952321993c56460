"""A title that tells scripts apart, found in the text when the file gives none.

Broadcast scripts open with a salutation ("Kính thưa bà con nhân dân trong xã!") or the
column's banner ("CHUYÊN MỤC CHUYỂN ĐỔI SỐ"): the same words in every script, so never a
title. The first short line after them that reads like a heading is taken as the title
("heading"); failing that, the first sentence is proposed ("guessed") and the editor is asked.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

TitleSource = Literal["given", "heading", "guessed"]

TITLE_MAX = 120
_HEADING_MAX = 100
_MD_MARKS = re.compile(r"^\s{0,3}#{1,6}\s*")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_SALUTATIONS = (
    "kính thưa", "thưa", "kính gửi", "kính chào", "xin kính chào", "xin chào",
    "đài truyền thanh", "đài phát thanh", "mời bà con", "sau đây", "chuyên mục",
    "bản tin", "thông báo",
)
# Alone on a line, these open many scripts and tell none apart.
_GENERIC = ("thông báo", "bản tin", "chuyên mục", "tin tức", "kính thưa bà con")


def _plain(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def is_salutation(sentence: str) -> bool:
    """A greeting or an opening formula, the same in every script."""
    low = _plain(sentence).lower().rstrip("!.:,… ")
    if not low:
        return True
    if low.startswith(("kính thưa", "thưa ", "kính gửi", "kính chào", "xin kính chào",
                       "xin chào", "mời bà con")):
        return True
    if ("kính chào" in low or "xin chào" in low) and "bà con" in low:
        return True
    if low in _GENERIC:
        return True
    # A banner in capitals naming the column ("CHUYÊN MỤC CHUYỂN ĐỔI SỐ").
    letters = [ch for ch in sentence if ch.isalpha()]
    return bool(letters) and all(ch.isupper() for ch in letters) and low.startswith("chuyên mục")


def _cut(text: str) -> str:
    if len(text) <= TITLE_MAX:
        return text
    cut = text.rfind(" ", 0, TITLE_MAX)
    return text[: cut if cut > 0 else TITLE_MAX] + "…"


def pick_title(body: str, *, fallback: str = "") -> tuple[str, TitleSource]:
    """The title of a script's text, and whether it is a heading or only a guess."""
    first_sentence = ""
    for raw in body.split("\n"):
        line = _plain(_MD_MARKS.sub("", raw))
        if not any(ch.isalnum() for ch in line):
            continue
        sentences = [s for s in _SENTENCE_END.split(line) if s.strip()]
        useful = [s for s in sentences if not is_salutation(s)]
        if not useful:
            continue
        if (len(sentences) == 1 and len(line) <= _HEADING_MAX
                and not line.endswith((".", "!", "?", ";", ","))):
            return line.rstrip(":").strip(), "heading"
        if not first_sentence:
            first_sentence = useful[0].strip()
        break
    if first_sentence:
        return _cut(first_sentence.rstrip(".")), "guessed"
    return fallback, "guessed"
