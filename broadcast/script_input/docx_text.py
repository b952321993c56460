"""The text of a .docx: body paragraphs and tables in document order. The lxml adapter.

The main document part is inflated and parsed as a stream, so that neither a zip bomb nor
a document holding megabytes of markup can take the memory of the station: the inflated
XML is counted while it is read (a zip header may lie about sizes) and the text while it is
collected, and reading stops at the first limit passed. Entities are never expanded: an
entity reference (XXE, "billion laughs") is dropped and the text around it kept.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from collections.abc import Iterator
from typing import IO

from lxml import etree

from broadcast.errors import ScriptInputError

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Zip bombs: refuse a package that says it unpacks to more than this many times its own
# size, beyond a floor that any normal document fits in.
_UNPACKED_RATIO = 20
_UNPACKED_FLOOR = 50 * 1024 * 1024
# The main document's XML may be this many times the script limit (Word's markup around the
# words), but never less than the floor.
_XML_PER_TEXT_BYTE = 8
_XML_FLOOR = 1024 * 1024
_RELS_MAX = 1024 * 1024
_DEFAULT_MAIN = "word/document.xml"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_OFFICE_DOCUMENT = "/officeDocument"
_P, _TBL, _TR, _TC, _T = _W + "p", _W + "tbl", _W + "tr", _W + "tc", _W + "t"
# Not read aloud: text boxes (drawn apart from the text flow; their fallback copy would be
# read twice), tracked deletions and moves away, and formatting properties.
_SKIPPED = frozenset(
    {_W + "txbxContent", _MC + "Fallback", _W + "del", _W + "moveFrom", _W + "pPr", _W + "rPr"}
)
_TABS = frozenset({_W + "tab", _W + "ptab"})
_BREAKS = frozenset({_W + "br", _W + "cr"})


def _invalid(filename: str, detail: str) -> ScriptInputError:
    return ScriptInputError(
        f"Tệp «{filename}» không đọc được như tài liệu Word .docx: {detail}",
        code="script_docx_invalid",
    )


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")


def _text_too_long(filename: str, max_text_bytes: int) -> ScriptInputError:
    return ScriptInputError(
        f"Văn bản trong tệp «{filename}» dài quá mức một kịch bản được có "
        f"({_megabytes(max_text_bytes)} chữ). Hãy kiểm tra lại tệp (có thể đã chọn nhầm tệp) "
        f"hoặc chia thành nhiều bài.",
        code="script_too_large",
    )


class _TooMuchXml(Exception):
    """The inflated XML passed its limit."""


class _TextTooLong(Exception):
    """The text collected so far passed the script limit."""


class _NotWord(Exception):
    """The main part is not a WordprocessingML document."""


class _CappedReader(io.RawIOBase):
    """A read-only stream over a zip member that fails once more than ``cap`` bytes come out."""

    def __init__(self, raw: IO[bytes], cap: int) -> None:
        self._raw = raw
        self._left = cap

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(64 * 1024 if size is None or size < 0 else size)
        self._left -= len(data)
        if self._left < 0:
            raise _TooMuchXml
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def docx_text(data: bytes, filename: str, max_text_bytes: int) -> str:
    """Return the text of a .docx (paragraphs and table rows, one per line).

    ``script_too_large`` when its text passes ``max_text_bytes`` (UTF-8) or its XML is
    out of proportion to that; ``script_docx_invalid`` when it is no readable .docx."""
    if data.startswith(_OLE2):
        raise _invalid(
            filename,
            "đây là tệp Word đời cũ (.doc) bị đổi đuôi. Hãy mở bằng Word, chọn Lưu thành "
            "(Save As) kiểu «Word Document (.docx)» rồi tải lên lại.",
        )
    if not data.startswith(b"PK\x03\x04"):
        raise _invalid(filename, "nội dung không phải tài liệu Word (không phải tệp nén .docx).")
    xml_limit = max(_XML_FLOOR, _XML_PER_TEXT_BYTE * max_text_bytes)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            main = _main_part(package)
            if main is None:
                raise _invalid(
                    filename, "tệp nén này không chứa tài liệu Word (có thể là .xlsx, .pptx)."
                )
            unpacked = sum(info.file_size for info in package.infolist())
            if unpacked > max(_UNPACKED_FLOOR, _UNPACKED_RATIO * len(data)):
                raise _invalid(filename, "nội dung giải nén lớn bất thường.")
            if main.file_size > xml_limit:
                raise _text_too_long(filename, max_text_bytes)
            with package.open(main) as member:
                lines = _document_lines(_CappedReader(member, xml_limit), max_text_bytes)
    except _TooMuchXml:
        raise _text_too_long(filename, max_text_bytes) from None
    except _NotWord:
        raise _invalid(filename, "cấu trúc tài liệu không phải của Word.") from None
    except _TextTooLong:
        raise _text_too_long(filename, max_text_bytes) from None
    except etree.XMLSyntaxError:
        raise _invalid(filename, "cấu trúc tài liệu bị hỏng (XMLSyntaxError).") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _invalid(filename, "tệp nén bị hỏng hoặc chưa tải lên hết.") from None
    return "\n".join(lines)


def _parser_options() -> dict[str, bool]:
    # No entity is expanded, no DTD or network is read; libxml2's own limits on depth and
    # on the size of one text node stay on (no huge_tree).
    return {
        "resolve_entities": False,
        "load_dtd": False,
        "no_network": True,
        "huge_tree": False,
        "remove_comments": True,
        "remove_pis": True,
    }


def _main_part(package: zipfile.ZipFile) -> zipfile.ZipInfo | None:
    """The package's main document (``_rels/.rels`` says which; ``word/document.xml`` in
    every Word file), or None."""
    names = {info.filename: info for info in package.infolist()}
    target = _DEFAULT_MAIN
    rels = names.get("_rels/.rels")
    if rels is not None and rels.file_size <= _RELS_MAX:
        try:
            with package.open(rels) as member:
                parser = etree.XMLParser(**_parser_options())
                root = etree.parse(_CappedReader(member, _RELS_MAX), parser).getroot()
        except (etree.XMLSyntaxError, _TooMuchXml):
            root = None
        for rel in [] if root is None else root.iter(_REL + "Relationship"):
            if str(rel.get("Type", "")).endswith(_OFFICE_DOCUMENT):
                target = posixpath.normpath(str(rel.get("Target", "")).lstrip("/"))
                break
    return names.get(target)


def _document_lines(stream: _CappedReader, max_text_bytes: int) -> list[str]:
    lines: list[str] = []
    size = 0
    checked = False
    for _, element in etree.iterparse(stream, events=("end",), **_parser_options()):
        if not checked:
            if element.getroottree().getroot().tag != _W + "document":
                raise _NotWord
            checked = True
        if element.tag not in (_P, _TBL):
            continue
        if _inside(element, (_TBL, _TC, _P) if element.tag == _P else (_TBL,)):
            continue  # read with the table or paragraph around it
        if _inside(element, tuple(_SKIPPED)):
            continue
        found = [_paragraph_text(element)] if element.tag == _P else _table_lines(element)
        for line in found:
            size += len(line.encode("utf-8")) + 1
            if size > max_text_bytes + 1:
                raise _TextTooLong
        lines.extend(found)
        _forget(element)
    return lines


def _inside(element: etree._Element, tags: tuple[str, ...]) -> bool:
    return any(ancestor.tag in tags for ancestor in element.iterancestors())


def _forget(element: etree._Element) -> None:
    """Free what has been read: the element's content and the siblings before it."""
    element.clear(keep_tail=False)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]


def _text_of(element: etree._Element) -> str:
    # An entity reference is a child node: its name is dropped, the text after it kept.
    return (element.text or "") + "".join(child.tail or "" for child in element)


def _pieces(element: etree._Element) -> Iterator[str]:
    for child in element:
        tag = child.tag
        if not isinstance(tag, str) or tag in _SKIPPED:
            continue
        if tag == _T:
            yield _text_of(child)
        elif tag in _TABS:
            yield "\t"
        elif tag in _BREAKS:
            # A line break; page and column breaks are layout, not text.
            if child.get(_W + "type") in (None, "textWrapping"):
                yield "\n"
        elif tag == _W + "noBreakHyphen":
            yield "-"
        elif tag in (_P, _TBL):
            yield " "
            yield from _pieces(child)
        else:
            yield from _pieces(child)


def _paragraph_text(paragraph: etree._Element) -> str:
    return "".join(_pieces(paragraph))


def _grid_span(cell: etree._Element) -> int:
    span = cell.find(f"{_W}tcPr/{_W}gridSpan")
    value = None if span is None else span.get(_W + "val")
    return int(value) if value is not None and value.isdigit() and 0 < int(value) < 1000 else 1


def _continues_merge(cell: etree._Element) -> bool:
    merge = cell.find(f"{_W}tcPr/{_W}vMerge")
    return merge is not None and merge.get(_W + "val", "continue") == "continue"


def _table_lines(table: etree._Element) -> list[str]:
    """One line per row: the row's non-empty cells, comma-separated. A merged cell is read
    once per row it spans (as a reader goes through the rows)."""
    lines: list[str] = []
    merged_text: dict[int, str] = {}  # grid column -> text of a vertically merged cell
    for row in table.iter(_TR):
        if _nearest(row, _TBL) is not table:
            continue  # a row of a table nested in a cell: read with that cell
        cells: list[str] = []
        column = _grid_before(row)
        for cell in row:
            if cell.tag != _TC:
                continue
            if _continues_merge(cell):
                text = merged_text.get(column, "")
            else:
                text = " ".join("".join(_pieces(cell)).split())
                merged_text[column] = text
            column += _grid_span(cell)
            if text:
                cells.append(text)
        if cells:
            lines.append(", ".join(cells))
    return lines


def _grid_before(row: etree._Element) -> int:
    before = row.find(f"{_W}trPr/{_W}gridBefore")
    value = None if before is None else before.get(_W + "val")
    return int(value) if value is not None and value.isdigit() else 0


def _nearest(element: etree._Element, tag: str) -> etree._Element | None:
    return next(element.iterancestors(tag), None)
