"""Optional YAML front matter at the top of a script, between two ``---`` lines."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import yaml

from broadcast.errors import ScriptInputError


@dataclass(frozen=True)
class FrontMatter:
    title: str | None = None
    topic: str | None = None
    voice: str | None = None
    engine: str | None = None


# Accepted spellings of each key (compared NFC, lowercase, spaces and hyphens as "_").
_KEYS: dict[str, str] = {
    "title": "title", "tieu_de": "title", "tiêu_đề": "title",
    "topic": "topic", "column": "topic", "chuyen_muc": "topic", "chuyên_mục": "topic",
    "voice": "voice", "giong": "voice", "giọng": "voice",
    "engine": "engine",
}  # fmt: skip
_ENGINE_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_FENCE = "---"
_CLOSERS = ("---", "...")


def _error(filename: str, detail: str) -> ScriptInputError:
    return ScriptInputError(
        f"Phần thông tin đầu tệp (front matter) của «{filename}» không hợp lệ: {detail}",
        code="script_front_matter_invalid",
    )


def split_front_matter(text: str, filename: str) -> tuple[FrontMatter, str]:
    """Return the front matter of ``text`` (empty when there is none) and the body after it."""
    lines = text.split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None or lines[first].strip() != _FENCE:
        return FrontMatter(), text
    close = next((i for i in range(first + 1, len(lines)) if lines[i].strip() in _CLOSERS), None)
    if close is None:
        raise _error(filename, "có dòng «---» mở đầu nhưng thiếu dòng «---» đóng lại.")
    block = "\n".join(lines[first + 1 : close])
    body = "\n".join(lines[close + 1 :])
    return _parse(block, filename, first_line=first + 2), body


def _parse(block: str, filename: str, first_line: int) -> FrontMatter:
    try:
        data = yaml.safe_load(block) if block.strip() else {}
    except yaml.YAMLError as exc:
        data = _plain_lines(block)
        if data is None:
            mark = getattr(exc, "problem_mark", None)
            where = f" (dòng {first_line + mark.line})" if mark is not None else ""
            raise _error(filename, f"không đọc được YAML{where}.") from None
    if not isinstance(data, dict):
        raise _error(filename, "phải là các dòng dạng «khoá: giá trị», ví dụ «title: Tên bài».")
    values: dict[str, str] = {}
    unknown: list[str] = []
    for raw_key, raw_value in data.items():
        key = _KEYS.get(_key(raw_key))
        if key is None:
            unknown.append(str(raw_key))
            continue
        if key in values:
            raise _error(filename, f"khoá «{raw_key}» lặp lại ý của một khoá đã có.")
        value = _value(raw_key, raw_value, filename)
        if value:
            values[key] = value
    if unknown:
        names = ", ".join(f"«{k}»" for k in unknown)
        raise _error(
            filename,
            f"khoá không được hỗ trợ: {names}. Các khoá dùng được: title (tiêu đề), "
            f"topic (hoặc column, chuyen_muc: chuyên mục), voice (giọng đọc), engine.",
        )
    engine = values.get("engine")
    if engine is not None:
        engine = engine.lower()
        if not _ENGINE_NAME.match(engine):
            raise _error(filename, f"tên engine «{engine}» không hợp lệ (ví dụ: gtts, espeak).")
    return FrontMatter(
        title=values.get("title"),
        topic=values.get("topic"),
        voice=values.get("voice"),
        engine=engine,
    )


_PLAIN_LINE = re.compile(r"^(\w[\w -]*?)\s*:\s*(.*?)\s*$")


def _plain_lines(block: str) -> dict[str, str] | None:
    """Read ``key: value`` lines without YAML's rules, or None if the block is not that.

    Titles often hold a colon ("Nghị quyết 57: ý nghĩa"), which YAML refuses unquoted.
    """
    values: dict[str, str] = {}
    for line in block.split("\n"):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        match = _PLAIN_LINE.match(line)
        if match is None:
            return None
        value = match.group(2)
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[match.group(1)] = value
    return values


def _key(raw: object) -> str:
    text = unicodedata.normalize("NFC", str(raw)).strip().lower()
    return re.sub(r"[\s-]+", "_", text)


def _value(key: object, value: object, filename: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float | date):
        raise _error(filename, f"giá trị của «{key}» phải là một dòng chữ.")
    return unicodedata.normalize("NFC", str(value)).strip()
