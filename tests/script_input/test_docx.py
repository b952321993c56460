"""Word .docx scripts: paragraphs and tables in document order, content-checked."""

from __future__ import annotations

import io
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest

from broadcast.errors import ScriptInputError
from broadcast.script_input import load_script, parse_script
from tests.script_input.legacy_encoders import to_tcvn3

LIMIT = 2_000_000


def _docx_bytes(build: object) -> bytes:
    document = docx.Document()
    build(document)  # type: ignore[operator]
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _content(document: docx.document.Document) -> None:
    document.add_heading("Thông báo lịch tiêm chủng", level=1)
    document.add_paragraph("Kính thưa bà con nhân dân!")
    table = document.add_table(rows=2, cols=3)
    rows = [("Thôn", "Ngày", "Giờ"), ("Đông", "22/12/2024", "7:30")]
    for row, cells in zip(table.rows, rows, strict=True):
        for cell, text in zip(row.cells, cells, strict=True):
            cell.text = text
    document.add_paragraph("")
    document.add_paragraph(unicodedata.normalize("NFD", "Trân trọng thông báo."))


def test_docx_roundtrip_keeps_document_order(tmp_path: Path) -> None:
    path = tmp_path / "thong-bao.docx"
    path.write_bytes(_docx_bytes(_content))
    script = load_script(path, max_bytes=LIMIT)
    assert script.title == "Thông báo lịch tiêm chủng"
    assert script.text == (
        "Thông báo lịch tiêm chủng\nKính thưa bà con nhân dân!\n"
        "Thôn, Ngày, Giờ\nĐông, 22/12/2024, 7:30\n\nTrân trọng thông báo."
    )
    assert unicodedata.is_normalized("NFC", script.text)


def test_merged_table_cells_are_read_once() -> None:
    def build(document: docx.document.Document) -> None:
        table = document.add_table(rows=1, cols=3)
        merged = table.cell(0, 0).merge(table.cell(0, 1))
        merged.text = "Lịch họp thôn"
        table.cell(0, 2).text = "Tối thứ Bảy"

    script = parse_script(_docx_bytes(build), "a.docx", LIMIT)
    assert script.text == "Lịch họp thôn, Tối thứ Bảy"


def test_docx_front_matter_is_honoured() -> None:
    def build(document: docx.document.Document) -> None:
        for line in ("---", "title: Tin sáng", "topic: thong-tin-chung", "---", "Nội dung."):
            document.add_paragraph(line)

    script = parse_script(_docx_bytes(build), "a.docx", LIMIT)
    assert (script.title, script.topic, script.text) == ("Tin sáng", "thong-tin-chung", "Nội dung.")


def test_empty_docx_is_refused() -> None:
    error_data = _docx_bytes(lambda d: d.add_paragraph("   "))
    with pytest.raises(ScriptInputError) as caught:
        parse_script(error_data, "a.docx", LIMIT)
    assert caught.value.code == "script_empty"


def test_docx_typed_in_vntime_font_is_refused() -> None:
    garbled = to_tcvn3("Kính thưa bà con nhân dân, Ủy ban nhân dân xã thông báo.").decode("cp1252")
    data = _docx_bytes(lambda d: d.add_paragraph(garbled))
    with pytest.raises(ScriptInputError) as caught:
        parse_script(data, "a.docx", LIMIT)
    assert caught.value.code == "script_legacy_encoding"
    assert "TCVN3" in caught.value.message and "Văn bản trong tệp" in caught.value.message


def _zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name, content in files.items():
            package.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"Kinh thua ba con", "không phải tệp nén"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, ".doc"),
        (b"PK\x03\x04" + b"\x00" * 50, "hỏng"),
        (_zip({"xl/workbook.xml": b"<x/>"}), "không chứa tài liệu Word"),
        (_zip({"word/document.xml": b"<not-docx/>"}), "cấu trúc"),
        (_zip({"word/document.xml": b"\x00" * (60 * 1024 * 1024)}), "giải nén"),
    ],
    ids=["text", "old-doc", "truncated-zip", "xlsx", "broken-docx", "zip-bomb"],
)
def test_invalid_docx_is_refused(data: bytes, expected: str) -> None:
    with pytest.raises(ScriptInputError) as caught:
        parse_script(data, "a.docx", LIMIT)
    assert caught.value.code == "script_docx_invalid"
    assert expected in caught.value.message
