"""The text of a .docx: body paragraphs and tables in document order. The python-docx adapter."""

from __future__ import annotations

import io
import zipfile

import docx
from docx.table import Table
from docx.text.paragraph import Paragraph

from broadcast.errors import ScriptInputError

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Zip bombs: refuse a package that unpacks to more than this many times its own size,
# beyond a floor that any normal document fits in.
_UNPACKED_RATIO = 20
_UNPACKED_FLOOR = 50 * 1024 * 1024


def _invalid(filename: str, detail: str) -> ScriptInputError:
    return ScriptInputError(
        f"Tệp «{filename}» không đọc được như tài liệu Word .docx: {detail}",
        code="script_docx_invalid",
    )


def docx_text(data: bytes, filename: str) -> str:
    """Return the text of a .docx (paragraphs and table rows, one per line)."""
    if data.startswith(_OLE2):
        raise _invalid(
            filename,
            "đây là tệp Word đời cũ (.doc) bị đổi đuôi. Hãy mở bằng Word, chọn Lưu thành "
            "(Save As) kiểu «Word Document (.docx)» rồi tải lên lại.",
        )
    if not data.startswith(b"PK\x03\x04"):
        raise _invalid(filename, "nội dung không phải tài liệu Word (không phải tệp nén .docx).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            names = set(package.namelist())
            unpacked = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise _invalid(filename, "tệp nén bị hỏng hoặc chưa tải lên hết.") from None
    if "word/document.xml" not in names:
        raise _invalid(filename, "tệp nén này không chứa tài liệu Word (có thể là .xlsx, .pptx).")
    if unpacked > max(_UNPACKED_FLOOR, _UNPACKED_RATIO * len(data)):
        raise _invalid(filename, "nội dung giải nén lớn bất thường.")
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises many kinds (KeyError, lxml errors...)
        raise _invalid(filename, f"cấu trúc tài liệu bị hỏng ({type(exc).__name__}).") from None
    lines: list[str] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.extend(_table_lines(block))
    return "\n".join(lines)


def _table_lines(table: Table) -> list[str]:
    lines = []
    for row in table.rows:
        cells: list[str] = []
        seen: set[int] = set()
        for cell in row.cells:
            if id(cell._tc) in seen:  # a merged cell is listed once per grid column
                continue
            seen.add(id(cell._tc))
            text = " ".join(cell.text.split())
            if text:
                cells.append(text)
        if cells:
            lines.append(", ".join(cells))
    return lines
