"""Reading script files: formats, normalization, front matter, and every refusal."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

import pytest

from broadcast.errors import ScriptInputError
from broadcast.script_input import Script, load_script, parse_script

LIMIT = 2_000_000
BODY = "Kính thưa bà con nhân dân!\nHôm nay Ủy ban nhân dân xã thông báo về chuyển đổi số."


def _error(data: bytes, name: str = "bai.txt", limit: int = LIMIT) -> ScriptInputError:
    with pytest.raises(ScriptInputError) as caught:
        parse_script(data, name, limit)
    return caught.value


def test_plain_utf8_text() -> None:
    script = parse_script(BODY.encode(), "thong-bao.txt", LIMIT)
    # The salutation is the same in every script: the first sentence after it is proposed.
    assert script == Script(
        title="Hôm nay Ủy ban nhân dân xã thông báo về chuyển đổi số", text=BODY, topic="",
        source="thong-bao.txt", title_source="guessed",
    )


def test_utf8_bom_is_dropped() -> None:
    script = parse_script(b"\xef\xbb\xbf" + BODY.encode(), "a.txt", LIMIT)
    assert script.text == BODY


def test_utf16_with_bom_from_notepad_is_read() -> None:
    script = parse_script(BODY.encode("utf-16"), "a.txt", LIMIT)
    assert script.text == BODY


def test_nfd_input_becomes_nfc() -> None:
    nfd = unicodedata.normalize("NFD", BODY)
    assert nfd != BODY
    script = parse_script(nfd.encode(), "a.txt", LIMIT)
    assert script.text == BODY
    assert unicodedata.is_normalized("NFC", script.title)


def test_line_endings_spaces_and_invisible_characters_are_tidied() -> None:
    raw = "Dòng\u00a0một  \r\nDòng\u200b hai\r\n\r\n\r\n\r\nDòng ba\t\n"
    script = parse_script(raw.encode(), "a.txt", LIMIT)
    assert script.text == "Dòng một\nDòng hai\n\nDòng ba"


def test_title_defaults_to_first_line_then_file_stem() -> None:
    assert parse_script(b"\n\n  Tin sang  \nNoi dung", "x.txt", LIMIT).title == "Tin sang"
    long_line = ("chữ " * 60).strip()
    title = parse_script(long_line.encode(), "x.txt", LIMIT).title
    assert title.endswith("…") and len(title) <= 121
    assert long_line.startswith(title[:-1])


def test_front_matter_sets_title_topic_voice_engine() -> None:
    raw = (
        "---\ntitle: Nghị quyết 57-NQ/TW\nchuyen_muc: chuyen-doi-so\nvoice: vi\n"
        "engine: ESPEAK\n---\n" + BODY
    )
    script = parse_script(raw.encode(), "a.txt", LIMIT)
    assert (script.title, script.topic, script.voice, script.engine) == (
        "Nghị quyết 57-NQ/TW", "chuyen-doi-so", "vi", "espeak",
    )  # fmt: skip
    assert script.text == BODY


def test_front_matter_title_with_a_colon_is_read_as_written() -> None:
    # Unquoted, YAML refuses "a: b: c"; operators write titles like this all the time.
    raw = "---\ntitle: Nghị quyết 57: ý nghĩa với xã ta\ntopic: 'chuyen-doi-so'\n---\nNội dung"
    script = parse_script(raw.encode(), "a.txt", LIMIT)
    assert (script.title, script.topic) == ("Nghị quyết 57: ý nghĩa với xã ta", "chuyen-doi-so")


@pytest.mark.parametrize("key", ["topic", "column", "chuyen_muc", "Chuyên mục"])
def test_front_matter_topic_aliases(key: str) -> None:
    script = parse_script(f"---\n{key}: an-ninh\n---\nNội dung".encode(), "a.txt", LIMIT)
    assert script.topic == "an-ninh"


@pytest.mark.parametrize(
    ("front", "expected"),
    [
        ("title: A\nauthor: B\nmood: C", "«author», «mood»"),
        ("title: A\n\ttopic: b", "YAML (dòng 3)"),
        ("- a\n- b", "khoá: giá trị"),
        ("topic: a\ncolumn: b", "lặp lại"),
        ("title:\n  nested: 1", "một dòng chữ"),
        ("engine: gtts espeak", "engine"),
    ],
    ids=["unknown-keys", "bad-yaml", "not-a-mapping", "alias-twice", "nested", "bad-engine"],
)
def test_front_matter_errors(front: str, expected: str) -> None:
    error = _error(f"---\n{front}\n---\nNội dung".encode())
    assert error.code == "script_front_matter_invalid"
    assert expected in error.message


def test_unclosed_front_matter_is_an_error() -> None:
    error = _error("---\ntitle: A\nNội dung không có dòng đóng".encode())
    assert error.code == "script_front_matter_invalid"
    assert "đóng" in error.message


def test_front_matter_alone_leaves_nothing_to_read() -> None:
    assert _error(b"---\ntitle: A\n---\n\n").code == "script_empty"


def test_markdown_is_stripped_to_speakable_text() -> None:
    raw = (
        "---\ntopic: chuyen-doi-so\n---\n"
        "# Bình dân học vụ số\n\n"
        "Bà con **hãy** truy cập [Cổng Dịch vụ công](https://dichvucong.gov.vn) để *nộp hồ sơ*.\n"
        "- Cài ứng dụng `VNeID`\n1. Kích hoạt tài khoản\n> Không cung cấp mã OTP!\n"
    )
    script = parse_script(raw.encode(), "bai.md", LIMIT)
    assert script.title == "Bình dân học vụ số"
    assert script.text == (
        "Bình dân học vụ số\n\nBà con hãy truy cập Cổng Dịch vụ công để nộp hồ sơ.\n"
        "Cài ứng dụng VNeID\nKích hoạt tài khoản\nKhông cung cấp mã OTP!"
    )


def test_txt_keeps_markdown_like_characters() -> None:
    script = parse_script(b"# 1 *2* [3](4)", "a.txt", LIMIT)
    assert script.text == "# 1 *2* [3](4)"


@pytest.mark.parametrize(
    "data", [b"", b"   \n\r\n\t  ", b"\xef\xbb\xbf"], ids=["empty", "blank", "bom"]
)
def test_empty_file_is_refused(data: bytes) -> None:
    assert _error(data).code == "script_empty"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        ("... --- !!! ?\n* * *\n", "a.txt"),
        ("# \n\n**  **\n---\n", "a.md"),
        ("<!-- ghi chú -->", "a.md"),
    ],
    ids=["punctuation", "markdown-only", "comment-only"],
)
def test_no_speakable_text_is_refused(data: str, name: str) -> None:
    error = _error(data.encode(), name)
    assert error.code == "script_empty"
    assert "không có chữ" in error.message


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"PK\x03\x04\x14\x00\x06\x00", "ZIP"),
        (b"%PDF-1.7\n", "PDF"),
        (b"Kinh thua\x00\x00ba con", "NUL"),
        (bytes(range(1, 32)) * 10, "điều khiển"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00", ".doc"),
    ],
    ids=["png", "zip", "pdf", "nul", "controls", "ole2"],
)
def test_binary_content_with_text_name_is_refused(data: bytes, what: str) -> None:
    error = _error(data)
    assert error.code == "script_binary"
    assert what in error.message


@pytest.mark.parametrize("name", ["bai.pdf", "bai.doc", "bai.odt", "bai.mp3", "bai"])
def test_unsupported_types_are_refused(name: str) -> None:
    error = _error(BODY.encode(), name)
    assert error.code == "script_unsupported_type"
    assert ".docx" in error.message


def test_rtf_content_is_refused() -> None:
    assert _error(b"{\\rtf1\\ansi Kinh thua}").code == "script_unsupported_type"


def test_too_large_bytes_are_refused() -> None:
    error = _error(b"a" * 101, limit=100)
    assert error.code == "script_too_large"


def test_50_mb_file_is_refused_from_its_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    big = tmp_path / "khong-lo.txt"
    with big.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: instant, no disk used
    opened: list[Path] = []
    real_open = Path.open

    def spy_open(self: Path, *args: object, **kwargs: object) -> object:
        opened.append(self)
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", spy_open)
    with pytest.raises(ScriptInputError) as caught:
        load_script(big, max_bytes=LIMIT)
    assert caught.value.code == "script_too_large"
    assert "50,0 MB" in caught.value.message
    assert opened == []  # refused without reading a byte


def test_endless_stream_is_read_only_up_to_the_limit(tmp_path: Path) -> None:
    # A file whose size the file system does not know (a device, a pipe): the read is
    # bounded, so /dev/zero is refused instead of filling memory.
    endless = tmp_path / "vo-tan.txt"
    os.symlink("/dev/zero", endless)
    with pytest.raises(ScriptInputError) as caught:
        load_script(endless, max_bytes=10_000)
    assert caught.value.code == "script_too_large"


def test_load_script_reads_a_file_and_records_its_path(tmp_path: Path) -> None:
    path = tmp_path / "tin.txt"
    path.write_bytes(("---\ntitle: Tin sáng\n---\n" + BODY).encode())
    script = load_script(path, max_bytes=LIMIT)
    assert script.title == "Tin sáng"
    assert script.source == str(path)


def test_load_script_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(ScriptInputError) as missing:
        load_script(tmp_path / "khong-co.txt", max_bytes=LIMIT)
    assert missing.value.code == "script_not_found"
    folder = tmp_path / "thu-muc.txt"
    folder.mkdir()
    with pytest.raises(ScriptInputError) as directory:
        load_script(folder, max_bytes=LIMIT)
    assert directory.value.code == "script_unreadable"


def test_messages_are_vietnamese_nfc() -> None:
    error = _error(b"")
    assert unicodedata.is_normalized("NFC", error.message)
    assert str(error).endswith("[script_empty]")
