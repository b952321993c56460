"""Markdown -> speakable text: markup removed, the words kept."""

from __future__ import annotations

import re

_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_FENCE = re.compile(r"^\s{0,3}(```|~~~)")
_RULE = re.compile(r"^\s{0,3}([-*_=])(\s*\1){2,}\s*$")
_HEADING = re.compile(r"^\s{0,3}#{1,6}(\s+|$)(.*?)(\s+#+)?\s*$")
_QUOTE = re.compile(r"^\s*(>\s?)+")
_LIST = re.compile(r"^\s*([-*+]|\d{1,3}[.)])\s+(\[[ xX]\]\s+)?")
_TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_LINK_DEFINITION = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+\S+.*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_REF_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+|[^>\s@]+@[^>\s]+)>")
_LINE_BREAK_TAG = re.compile(r"<br\s*/?>", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>")
_CODE = re.compile(r"`+([^`]+)`+")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_EM_STAR = re.compile(r"(?<![*\w])\*(?=\S)(.+?)(?<=\S)\*(?![*\w])")
_EM_UNDERSCORE = re.compile(r"(?<![_\w])_(?=\S)(.+?)(?<=\S)_(?![_\w])")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!>|~])")


def strip_markdown(text: str) -> str:
    """Return ``text`` with Markdown markup removed, keeping its line structure."""
    text = _COMMENT.sub("", text)
    lines = []
    for line in text.split("\n"):
        if _FENCE.match(line) or _RULE.match(line) or _LINK_DEFINITION.match(line):
            lines.append("")
            continue
        if _TABLE_SEPARATOR.match(line) and "-" in line and ("|" in line or ":" in line):
            lines.append("")
            continue
        heading = _HEADING.match(line)
        if heading:
            line = heading.group(2)
        line = _QUOTE.sub("", line)
        line = _LIST.sub("", line)
        if line.lstrip().startswith("|"):
            line = _table_row(line)
        lines.append(_inline(line))
    return "\n".join(lines)


def _table_row(line: str) -> str:
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    return ", ".join(c for c in cells if c)


def _inline(line: str) -> str:
    line = _IMAGE.sub("", line)
    line = _LINK.sub(r"\1", line)
    line = _REF_LINK.sub(r"\1", line)
    line = _AUTOLINK.sub(r"\1", line)
    line = _LINE_BREAK_TAG.sub("\n", line)
    line = _HTML_TAG.sub("", line)
    line = _CODE.sub(r"\1", line)
    for pattern in (_STRONG, _STRONG):  # twice: strong inside strong
        line = pattern.sub(r"\2", line)
    line = _EM_STAR.sub(r"\1", line)
    line = _EM_UNDERSCORE.sub(r"\1", line)
    line = _STRIKE.sub(r"\1", line)
    return _ESCAPE.sub(r"\1", line)
