"""What normalization reports: warnings with a stable code and a Vietnamese message."""

from __future__ import annotations

from dataclasses import dataclass, field

UNKNOWN_ABBREVIATION = "unknown_abbreviation"
UNKNOWN_ISSUER = "unknown_issuer"
DIGITS_LEFT = "digits_left"
SYMBOL_LEFT = "symbol_left"


@dataclass(frozen=True)
class TextWarning:
    """One thing the operator may want to fix in the script or the lexicon."""

    code: str
    token: str
    message: str


@dataclass
class NormalizedText:
    """The reading of a text and what normalization could not read with confidence."""

    text: str
    warnings: list[TextWarning] = field(default_factory=list)


def unknown_abbreviation(token: str, reading: str) -> TextWarning:
    return TextWarning(
        UNKNOWN_ABBREVIATION,
        token,
        f"Chữ viết tắt “{token}” chưa có trong từ điển, sẽ đọc từng chữ: “{reading}”. "
        "Hãy thêm vào từ điển của đài nếu cần đọc khác.",
    )


def unknown_issuer(token: str, reading: str) -> TextWarning:
    return TextWarning(
        UNKNOWN_ISSUER,
        token,
        f"Cơ quan ban hành “{token}” trong số hiệu văn bản chưa có trong từ điển, "
        f"sẽ đọc từng chữ: “{reading}”.",
    )


def digits_left(token: str) -> TextWarning:
    return TextWarning(
        DIGITS_LEFT,
        token,
        f"Còn chữ số chưa đọc thành lời: “{token}”. Hãy kiểm tra lại cách viết.",
    )


def symbol_left(token: str) -> TextWarning:
    return TextWarning(
        SYMBOL_LEFT,
        token,
        f"Ký hiệu “{token}” không đọc được, đã bỏ qua. Hãy viết bằng chữ nếu cần đọc.",
    )


LATIN_WORD = "latin_word"
WEB_ADDRESS = "web_address"
APP_NAME = "app_name"
MIXED_SCRIPT = "mixed_script"

# The warning codes that name a word the editor may give a reading for ("Sửa cách đọc").
CORRECTABLE = frozenset({UNKNOWN_ABBREVIATION, LATIN_WORD, WEB_ADDRESS, APP_NAME, MIXED_SCRIPT})


def latin_word(token: str) -> TextWarning:
    return TextWarning(
        LATIN_WORD,
        token,
        f"Từ “{token}” viết bằng chữ Latin không dấu, không phải tiếng Việt: giọng đọc có thể "
        "đọc sai. Hãy đề xuất cách đọc nếu cần.",
    )


def web_address(token: str, reading: str) -> TextWarning:
    return TextWarning(
        WEB_ADDRESS,
        token,
        f"Địa chỉ trang web “{token}” sẽ đọc là: “{reading}”. Hãy nghe lại và đề xuất cách "
        "đọc nếu chưa đúng.",
    )


def app_name(token: str, reading: str) -> TextWarning:
    return TextWarning(
        APP_NAME,
        token,
        f"Tên ứng dụng “{token}” chưa có trong từ điển, sẽ đọc là: “{reading}”. Hãy đề xuất "
        "cách đọc nếu chưa đúng.",
    )


def mixed_script(token: str, scripts: str) -> TextWarning:
    return TextWarning(
        MIXED_SCRIPT,
        token,
        f"Từ “{token}” có chữ của bảng chữ cái khác ({scripts}): có thể do gõ nhầm bàn phím "
        "hoặc sao chép; giọng đọc sẽ đọc sai. Hãy gõ lại từ này.",
    )
