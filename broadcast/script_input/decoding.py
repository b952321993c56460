"""Bytes of a text script -> Unicode text, refusing what is not text.

Accepts UTF-8 (with or without BOM) and UTF-16/32 with a BOM (Notepad's "Unicode").
Windows-1258 is converted when the reading is unambiguous; TCVN3 and VNI are refused
with a message that names the encoding and says how to convert it.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from broadcast.errors import ScriptInputError
from broadcast.script_input.legacy import (
    LegacyEncoding,
    decode_cp1252,
    decode_cp1258,
    decode_tcvn3,
    decode_vni,
    judge_bytes,
    unicode_to_legacy_bytes,
)

SUPPORTED_HINT = "Hãy dùng tệp văn bản .txt, .md (mã UTF-8) hoặc tệp Word .docx."

# (magic bytes, what the file is, in words an operator knows)
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "một ảnh PNG"),
    (b"\xff\xd8\xff", "một ảnh JPEG"),
    (b"GIF87a", "một ảnh GIF"),
    (b"GIF89a", "một ảnh GIF"),
    (b"%PDF-", "một tệp PDF"),
    (b"PK\x03\x04", "một tệp nén ZIP (có thể là tệp .docx bị đổi đuôi)"),
    (b"PK\x05\x06", "một tệp nén ZIP"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "một tệp Word/Excel đời cũ (.doc, .xls)"),
    (b"\x1f\x8b", "một tệp nén gzip"),
    (b"Rar!", "một tệp nén RAR"),
    (b"7z\xbc\xaf\x27\x1c", "một tệp nén 7z"),
    (b"RIFF", "một tệp âm thanh hoặc hình ảnh (RIFF/WAV)"),
    (b"ID3", "một tệp âm thanh MP3"),
    (b"OggS", "một tệp âm thanh Ogg"),
    (b"fLaC", "một tệp âm thanh FLAC"),
    (b"\x7fELF", "một chương trình máy tính"),
)
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_TEXT_CONTROLS = frozenset(b"\t\n\r\x0c\x0b\x1a")  # \x1a: DOS end-of-file mark
_CONTROL_SHARE_MAX = 0.05
_SAMPLE = 64 * 1024

# Thresholds on the share of non-ASCII words that read as Vietnamese syllables.
_CONVERT_MIN = 0.9  # Windows-1258 is converted only above this...
_OTHERS_MAX = 0.5  # ...and when no other reading comes close.
_NAME_MIN = 0.6  # a legacy encoding is named in the error above this.


def binary_reason(data: bytes) -> str | None:
    """Why ``data`` is not a text file, in Vietnamese; None when it may be text."""
    for magic, what in _MAGIC:
        if data.startswith(magic):
            return f"đây là {what}"
    if data[4:8] == b"ftyp":
        return "đây là một tệp video hoặc âm thanh (MP4/M4A)"
    sample = data[:_SAMPLE]
    if b"\x00" in sample:
        return "tệp có byte NUL, là tệp nhị phân (hoặc văn bản UTF-16 không có BOM)"
    controls = sum(1 for b in sample if (b < 0x20 and b not in _TEXT_CONTROLS) or b == 0x7F)
    if sample and controls / len(sample) > _CONTROL_SHARE_MAX:
        return "tệp chứa nhiều ký tự điều khiển, là tệp nhị phân"
    return None


def decode_text_bytes(data: bytes, filename: str) -> str:
    """Decode a .txt/.md file; raise ScriptInputError when it is not usable text."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(codec)
            except UnicodeDecodeError:
                raise ScriptInputError(
                    f"Tệp «{filename}» bắt đầu bằng dấu BOM của {codec.upper()} nhưng nội dung "
                    f"không đúng mã đó. {SUPPORTED_HINT}",
                    code="script_binary",
                ) from None
    if data.lstrip()[:5].lower() == b"{\\rtf":
        raise ScriptInputError(
            f"Tệp «{filename}» là văn bản RTF, chưa đọc được. Hãy mở bằng Word và lưu thành "
            f".docx, hoặc lưu thành văn bản thuần .txt (UTF-8).",
            code="script_unsupported_type",
        )
    reason = binary_reason(data)
    if reason is not None:
        raise ScriptInputError(
            f"Tệp «{filename}» không phải văn bản: {reason}. {SUPPORTED_HINT}",
            code="script_binary",
        )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _decode_legacy(data, filename, exc.start)


def _decode_legacy(data: bytes, filename: str, bad_offset: int) -> str:
    verdict = judge_bytes(data)
    cp1258 = LegacyEncoding.CP1258
    unambiguous = verdict.scores[cp1258] >= _CONVERT_MIN and all(
        verdict.beats(cp1258, other, win=_CONVERT_MIN, lose=_OTHERS_MAX)
        for other in LegacyEncoding
        if other is not cp1258
    )
    if unambiguous:
        text = decode_cp1258(data)
        if text is not None:
            return text
    name, score = verdict.best()
    if score >= _NAME_MIN:
        encoding = LegacyEncoding(name)
        preview = _preview(_decode_as(encoding, data[:600]))
        raise legacy_encoding_error(filename, encoding, preview)
    raise ScriptInputError(
        f"Tệp «{filename}» không phải văn bản Unicode (UTF-8) và không nhận ra bảng mã "
        f"(byte lạ ở vị trí {bad_offset}). Hãy mở tệp bằng Notepad hoặc Word và lưu lại với "
        f"mã hoá UTF-8 (Unicode), rồi tải lên lại.",
        code="script_encoding_unknown",
    )


def _decode_as(encoding: LegacyEncoding, data: bytes) -> str:
    if encoding is LegacyEncoding.TCVN3:
        return decode_tcvn3(data)
    if encoding is LegacyEncoding.VNI:
        return decode_vni(data)
    return decode_cp1258(data) or ""


_UNIKEY_SOURCE = {
    LegacyEncoding.TCVN3: "TCVN3 (ABC)",
    LegacyEncoding.VNI: "VNI Windows",
    LegacyEncoding.CP1258: "Vietnamese locale CP 1258",
}


def legacy_encoding_error(
    filename: str, encoding: LegacyEncoding, preview: str, *, in_document: bool = False
) -> ScriptInputError:
    """The error for text typed in a legacy Vietnamese encoding, with how to convert it."""
    where = "Văn bản trong tệp" if in_document else "Tệp"
    return ScriptInputError(
        f"{where} «{filename}» không phải chữ Unicode mà có vẻ được gõ bằng bảng mã "
        f"{encoding.label}; đọc theo bảng mã đó, đoạn đầu là: «{preview}». Hãy chuyển sang "
        f"Unicode rồi tải lên lại: chép toàn bộ văn bản, mở Công cụ chuyển mã của Unikey "
        f"(Ctrl+Shift+F6), chọn nguồn «{_UNIKEY_SOURCE[encoding]}», đích «Unicode», bấm "
        f"Chuyển mã, dán vào Word hoặc Notepad rồi lưu dưới dạng UTF-8 (Unicode) hoặc .docx.",
        code="script_legacy_encoding",
    )


def check_not_legacy_font(text: str, filename: str, *, in_document: bool) -> None:
    """Refuse Unicode text whose letters are really TCVN3 or VNI codes ("ViÖt Nam").

    Happens when a document typed with a .VnTime or VNI-Times font is saved as .docx or
    as UTF-8: every character is valid Unicode, yet the words are not Vietnamese.
    """
    sample = text[:_SAMPLE]
    non_ascii = [ch for ch in sample if not ch.isascii()]
    beyond_bytes = sum(1 for ch in non_ascii if ord(ch) > 0xFF and ch not in _CP1252_EXTRA)
    if not non_ascii or beyond_bytes >= 0.2 * len(non_ascii):
        return  # the usual case: real Vietnamese has letters no legacy byte can stand for
    verdict = judge_bytes(unicode_to_legacy_bytes(sample), extra={_AS_IS: decode_cp1252})
    for encoding in (LegacyEncoding.TCVN3, LegacyEncoding.VNI):
        # Only the words the legacy reading changes are evidence: "Xin chào bà con trong xã"
        # reads the same in VNI as it is, which says nothing for VNI.
        if verdict.evidence_for(encoding, _AS_IS, win=_NAME_MIN, lose=_OTHERS_MAX):
            head = unicode_to_legacy_bytes(text[:400])
            preview = _preview(_decode_as(encoding, head))
            raise legacy_encoding_error(filename, encoding, preview, in_document=in_document)


_AS_IS = "as-is"
_CP1252_EXTRA = frozenset(bytes(range(0x80, 0xA0)).decode("cp1252", errors="ignore"))
_SPACES = re.compile(r"\s+")


def _preview(text: str, limit: int = 80) -> str:
    flat = _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
    if len(flat) <= limit:
        return flat
    cut = flat.rfind(" ", 0, limit)
    return flat[: cut if cut > 0 else limit] + "…"
