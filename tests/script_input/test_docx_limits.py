"""A .docx is read within limits: the text it unpacks to, the XML it inflates to (whatever its
zip headers say), and entities that are never expanded (the text around them is kept)."""

from __future__ import annotations

import io
import struct
import zipfile

import docx
import pytest

from broadcast.errors import ScriptInputError
from broadcast.script_input import parse_script

LIMIT = 2_000_000
_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _docx(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _with_document_xml(xml: bytes) -> bytes:
    """A real .docx (made by python-docx) whose main part is replaced by ``xml``."""
    source = zipfile.ZipFile(io.BytesIO(_docx(["x"])))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for info in source.infolist():
            body = xml if info.filename == "word/document.xml" else source.read(info)
            package.writestr(info.filename, body)
    return out.getvalue()


def _body(inner: str, doctype: str = "") -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>{doctype}'
        f'<w:document xmlns:w="{_W}"><w:body>{inner}</w:body></w:document>'
    ).encode()


def _refusal(data: bytes, limit: int = LIMIT) -> ScriptInputError:
    with pytest.raises(ScriptInputError) as caught:
        parse_script(data, "bai.docx", limit)
    return caught.value


def test_a_small_docx_whose_text_passes_the_limit_is_refused() -> None:
    # The case: under 100 KB packed, megabytes of text once unpacked.
    paragraph = "Kính thưa bà con nhân dân trong toàn xã, " * 20
    data = _docx([paragraph] * 4000)
    assert len(data) < 200_000 < LIMIT
    error = _refusal(data)
    assert error.code == "script_too_large"
    assert "2,0 MB" in error.message or "1,9 MB" in error.message


def test_a_docx_just_under_the_limit_is_read_whole() -> None:
    paragraph = "Kính thưa bà con nhân dân trong toàn xã. " * 20
    data = _docx([paragraph] * 100)
    limit = 100 * len(paragraph.encode()) + 100
    assert len(data) < limit
    script = parse_script(data, "bai.docx", limit)
    assert script.text.count("Kính thưa") == 2000
    assert _refusal(data, limit - 1000).code == "script_too_large"


def test_a_docx_holding_megabytes_of_markup_is_refused_before_it_is_parsed() -> None:
    # 45 MB of XML (empty runs: almost no text) in a package of a few hundred KB.
    xml = _body("<w:p>" + "<w:r><w:rPr><w:b/></w:rPr></w:r>" * 1_500_000 + "</w:p>")
    data = _with_document_xml(xml)
    assert len(xml) > 40_000_000 and len(data) < 400_000
    error = _refusal(data)
    assert error.code == "script_too_large"


def _lie_about_sizes(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size of ``name`` in its local and central headers."""
    raw = bytearray(data)
    encoded = name.encode()
    at = raw.find(b"PK\x03\x04" + raw[4:4])  # first local header
    while at != -1:
        name_len = struct.unpack_from("<H", raw, at + 26)[0]
        if raw[at + 30 : at + 30 + name_len] == encoded:
            struct.pack_into("<I", raw, at + 22, size)
        at = raw.find(b"PK\x03\x04", at + 4)
    at = raw.find(b"PK\x01\x02")
    while at != -1:
        name_len = struct.unpack_from("<H", raw, at + 28)[0]
        if raw[at + 46 : at + 46 + name_len] == encoded:
            struct.pack_into("<I", raw, at + 24, size)
        at = raw.find(b"PK\x01\x02", at + 4)
    return bytes(raw)


def test_zip_headers_that_understate_the_inflated_size_do_not_help() -> None:
    xml = _body("<w:p><w:r><w:t>a</w:t></w:r></w:p>" * 700_000)
    data = _lie_about_sizes(_with_document_xml(xml), "word/document.xml", 4096)
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("word/document.xml").file_size == 4096
    error = _refusal(data)
    assert error.code in ("script_too_large", "script_docx_invalid")


XXE = '<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    '<!DOCTYPE w:document [<!ENTITY a "hahahahahaha">'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)


def test_an_external_entity_is_dropped_and_the_text_after_it_kept() -> None:
    xml = _body(
        "<w:p><w:r><w:t>Kính thưa &xxe; bà con</w:t></w:r><w:r><w:t> nhân dân.</w:t></w:r></w:p>"
        "<w:p><w:r><w:t>Trân trọng.</w:t></w:r></w:p>",
        XXE,
    )
    script = parse_script(_with_document_xml(xml), "bai.docx", LIMIT)
    assert script.text == "Kính thưa  bà con nhân dân.\nTrân trọng."
    assert "root:" not in script.text and "xxe" not in script.text


def test_nested_internal_entities_are_not_expanded() -> None:
    xml = _body("<w:p><w:r><w:t>Trước &c; sau.</w:t></w:r></w:p>", LAUGHS)
    script = parse_script(_with_document_xml(xml), "bai.docx", LIMIT)
    assert script.text == "Trước  sau."
