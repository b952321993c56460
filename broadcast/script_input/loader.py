"""Read a script file (.txt, .md, .docx) into a Script, or say clearly why not."""

from __future__ import annotations

import dataclasses
import re
import stat
import unicodedata
from pathlib import Path, PurePath

from broadcast.errors import ScriptInputError
from broadcast.script_input.decoding import (
    SUPPORTED_HINT,
    check_not_legacy_font,
    decode_text_bytes,
)
from broadcast.script_input.front_matter import split_front_matter
from broadcast.script_input.markdown import strip_markdown
from broadcast.script_input.model import Script
from broadcast.script_input.titles import pick_title

_KINDS = {".txt": "text", ".md": "markdown", ".markdown": "markdown", ".docx": "docx"}
_KNOWN_OTHERS = {
    ".doc": "tệp Word đời cũ (.doc): hãy mở bằng Word, chọn Lưu thành (Save As) kiểu "
    "«Word Document (.docx)»",
    ".pdf": "tệp PDF chưa đọc được: hãy chép nội dung sang Word (.docx) hoặc Notepad (.txt)",
    ".rtf": "tệp RTF chưa đọc được: hãy mở bằng Word và lưu thành .docx",
    ".odt": "tệp OpenDocument (.odt) chưa đọc được: hãy lưu thành .docx",
}
_TITLE_MAX = 120
# Characters that change nothing when read aloud but break words apart for the engines.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_ODD_SPACES = re.compile(r"[\u00a0\u2000-\u200a\u202f\u205f\u3000\t\x0b\x0c]")
_BLANK_RUNS = re.compile(r"\n{3,}")
# What may not remain once line ends, odd spaces and the DOS end-of-file mark are dealt with:
# C0/C1 controls but tab and newline, DEL, lone surrogates.
_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_MD_TITLE_MARKS = re.compile(r"^\s{0,3}#{1,6}\s*")


def parse_script(data: bytes, filename: str, max_bytes: int) -> Script:
    """Turn the bytes of a script file into a Script; ``filename`` decides the format."""
    kind = _kind(filename)
    if len(data) > max_bytes:
        raise _too_large(filename, len(data), max_bytes)
    if not data.strip():
        raise ScriptInputError(f"Tệp «{filename}» rỗng, không có nội dung.", code="script_empty")
    if kind == "docx":
        from broadcast.script_input.docx_text import docx_text  # lxml, loaded when needed

        raw = docx_text(data, filename, max_bytes)
    else:
        raw = decode_text_bytes(data, filename)
    text = _clean(raw)
    check_not_legacy_font(text, filename, in_document=kind == "docx")
    _check_no_controls(text, filename)
    meta, body = split_front_matter(text, filename)
    if kind == "markdown":
        body = strip_markdown(body)
    body = _tidy(body)
    if not any(ch.isalnum() for ch in body):
        raise ScriptInputError(
            f"Kịch bản «{filename}» không có chữ nào để đọc (chỉ có dấu câu, khoảng trắng "
            f"hoặc định dạng).",
            code="script_empty",
        )
    if meta.title:
        title, source = meta.title, "given"
    else:
        title, source = pick_title(body, fallback=PurePath(filename).stem)
    return Script(
        title=title,
        title_source=source,
        text=body,
        topic=meta.topic or "",
        voice=meta.voice,
        engine=meta.engine,
        source=filename,
    )


def load_script(path: Path, max_bytes: int) -> Script:
    """Read and parse a script file, reading at most ``max_bytes + 1`` bytes of it."""
    name = path.name
    _kind(name)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise ScriptInputError(
                f"«{path}» là một thư mục, không phải tệp.", code="script_unreadable"
            )
        if stat.S_ISREG(info.st_mode) and info.st_size > max_bytes:
            raise _too_large(name, info.st_size, max_bytes)
        with path.open("rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise ScriptInputError(f"Không tìm thấy tệp «{path}».", code="script_not_found") from None
    except OSError as exc:
        raise ScriptInputError(
            f"Không đọc được tệp «{path}» ({exc.strerror or type(exc).__name__}).",
            code="script_unreadable",
        ) from None
    if len(data) > max_bytes:
        raise _too_large(name, None, max_bytes)
    return dataclasses.replace(parse_script(data, name, max_bytes), source=str(path))


def _kind(filename: str) -> str:
    suffix = PurePath(filename).suffix.lower()
    kind = _KINDS.get(suffix)
    if kind is not None:
        return kind
    known = _KNOWN_OTHERS.get(suffix)
    detail = known + "." if known else f"loại tệp «{suffix or 'không có đuôi'}» không hỗ trợ."
    raise ScriptInputError(
        f"Không dùng được tệp «{filename}» làm kịch bản: {detail} {SUPPORTED_HINT}",
        code="script_unsupported_type",
    )


def _too_large(filename: str, size: int | None, max_bytes: int) -> ScriptInputError:
    actual = f" ({_megabytes(size)})" if size is not None else ""
    return ScriptInputError(
        f"Tệp «{filename}» quá lớn{actual}; một kịch bản được tối đa {_megabytes(max_bytes)}. "
        f"Hãy kiểm tra lại tệp (có thể đã chọn nhầm tệp) hoặc chia thành nhiều bài.",
        code="script_too_large",
    )


def _megabytes(size: int) -> str:
    if size < 1024 * 1024:
        return f"{size:,} byte".replace(",", ".")
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    return _ODD_SPACES.sub(" ", text).replace("\x1a", "")


def _check_no_controls(text: str, filename: str) -> None:
    found = _CONTROLS.search(text)
    if found is None:
        return
    line = text.count("\n", 0, found.start()) + 1
    raise ScriptInputError(
        f"Kịch bản «{filename}» có ký tự điều khiển U+{ord(found.group()):04X} ở dòng {line}; "
        f"văn bản chỉ được có chữ, dấu câu, xuống dòng và tab. Hãy mở tệp, xoá ký tự đó (thường "
        f"lẫn vào khi chép từ phần mềm khác) rồi tải lên lại.",
        code="script_control_character",
    )


def _tidy(text: str) -> str:
    # Soft hyphens and zero-width marks go only now: in TCVN3 text, U+00AD is the letter "ư".
    text = text.translate(_INVISIBLE)
    lines = [line.strip() for line in text.split("\n")]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines)).strip()


def _first_line(text: str) -> str:
    for line in text.split("\n"):
        line = " ".join(_MD_TITLE_MARKS.sub("", line).split())
        if any(ch.isalnum() for ch in line):
            if len(line) <= _TITLE_MAX:
                return line
            cut = line.rfind(" ", 0, _TITLE_MAX)
            return line[: cut if cut > 0 else _TITLE_MAX] + "…"
    return ""
