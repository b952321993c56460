"""The normalization entry points: warnings, lines, punctuation, symbols, Unicode."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from broadcast.text.findings import DIGITS_LEFT, SYMBOL_LEFT, UNKNOWN_ABBREVIATION
from broadcast.text.lexicon import load_lexicon
from broadcast.text.normalize import (
    normalize_for_speech,
    normalize_lines,
    normalize_with_warnings,
)


def codes(text: str) -> list[tuple[str, str]]:
    return [(w.code, w.token) for w in normalize_with_warnings(text).warnings]


def test_unknown_capitals_are_spelled_and_reported() -> None:
    result = normalize_with_warnings("Mạng 5G và hệ thống GIS của VNPT.")
    assert result.text == "Mạng năm gờ và hệ thống gờ i ét của vê en pê tê."
    assert [(w.code, w.token) for w in result.warnings] == [
        (UNKNOWN_ABBREVIATION, "5G"),
        (UNKNOWN_ABBREVIATION, "GIS"),
        (UNKNOWN_ABBREVIATION, "VNPT"),
    ]
    assert "VNPT" in result.warnings[2].message


def test_known_text_has_no_warnings() -> None:
    assert codes("Kế hoạch số 179/KH-UBND ngày 17/7/2025 của UBND xã, đạt 85,5%.") == []


def test_capital_vietnamese_words_are_not_reported() -> None:
    assert codes("THÔNG BÁO KHẨN VỀ PHÒNG CHỐNG BÃO") == []


def test_unknown_issuer_in_a_code_is_reported() -> None:
    result = normalize_with_warnings("Kế hoạch số 12/KH-XYZ.")
    assert result.text == "Kế hoạch số mười hai của ích i dét."
    assert [(w.code, w.token) for w in result.warnings] == [("unknown_issuer", "XYZ")]


def test_stray_symbols_are_dropped_and_reported() -> None:
    result = normalize_with_warnings("Liên hệ @xa_tanlap ngay §.")
    assert result.text == "Liên hệ xa tanlap ngay."
    assert (SYMBOL_LEFT, "@") in [(w.code, w.token) for w in result.warnings]
    assert (SYMBOL_LEFT, "§") in [(w.code, w.token) for w in result.warnings]


def test_quotes_brackets_and_markers_are_silent() -> None:
    assert codes("- “Ngày hội” (xã) [thôn] {tổ} *ghi chú* #tin") == []
    assert normalize_for_speech("- “Ngày hội” của xã *mới*") == "Ngày hội của xã mới"


def test_digits_left_are_reported(tmp_path: Path) -> None:
    local = tmp_path / "lexicon.yaml"
    local.write_text("abbreviations:\n  MS: mã 12\n", encoding="utf-8")
    result = normalize_with_warnings("Nhập MS vào ô.", load_lexicon(local))
    assert result.text == "Nhập mã 12 vào ô."
    assert [(w.code, w.token) for w in result.warnings] == [(DIGITS_LEFT, "12")]


def test_unusual_digit_forms_are_read() -> None:
    assert normalize_for_speech("Diện tích 25 km² và ２０ hộ.") == (
        "Diện tích hai mươi lăm ki lô mét vuông và hai mươi hộ."
    )


def test_sentence_punctuation_is_kept() -> None:
    text = "Bão số 3 đã vào! Người dân cần làm gì? Hãy ở trong nhà; theo dõi tin… Hết."
    assert normalize_for_speech(text) == (
        "Bão số ba đã vào! Người dân cần làm gì? Hãy ở trong nhà; theo dõi tin… Hết."
    )


def test_output_is_nfc_even_from_decomposed_input() -> None:
    decomposed = unicodedata.normalize("NFD", "Ủy ban nhân dân xã Tân Lập thông báo.")
    out = normalize_for_speech(decomposed)
    assert out == unicodedata.normalize("NFC", out)
    assert out == "Ủy ban nhân dân xã Tân Lập thông báo."


def test_lines_are_kept_and_blank_lines_dropped() -> None:
    text = "THÔNG BÁO\n\n  Về việc   cắt điện  \r\nNgày 17/7/2025.\n"
    assert normalize_for_speech(text) == (
        "thông báo\nVề việc cắt điện\n"
        "Ngày mười bảy tháng bảy năm hai nghìn không trăm hai mươi lăm."
    )


def test_normalize_lines_gives_one_line_per_line() -> None:
    lines = ["UBND xã", "", "Ngày 2/9", "  ", "- Lưu: VT."]
    out = list(normalize_lines(lines))
    assert out == ["ủy ban nhân dân xã", "", "Ngày hai tháng chín", "", "Lưu: văn thư."]


def test_normalize_lines_is_lazy() -> None:
    def endless() -> object:
        while True:
            yield "UBND"

    out = normalize_lines(endless())  # type: ignore[arg-type]
    assert [next(out) for _ in range(3)] == ["ủy ban nhân dân"] * 3


@pytest.mark.parametrize("text", ["", "   ", "\n\n", "“”()", "- * •"])
def test_empty_or_symbol_only_text(text: str) -> None:
    assert normalize_for_speech(text) == ""


def test_tm_is_only_thay_mat_at_the_start_of_a_line() -> None:
    assert normalize_for_speech("TM. ỦY BAN NHÂN DÂN") == "thay mặt ủy ban nhân dân"
    assert normalize_for_speech("Lưu: VT.") == "Lưu: văn thư."
    assert normalize_for_speech("Hồ sơ VT của ông.") == "Hồ sơ vê tê của ông."


def test_date_after_ngay_never_doubles_the_word() -> None:
    for text in ("ngày 17/7/2025", "Ngày 17/7", "ngày 17 tháng 7 năm 2025", "ngày 15-20/7"):
        assert "ngày ngày" not in normalize_for_speech(text).lower()


def test_document_code_after_so_never_doubles_the_word() -> None:
    assert normalize_for_speech("số 57-NQ/TW").count("số") == 1
    assert normalize_for_speech("Nghị quyết số 57-NQ/TW").lower().count("nghị quyết") == 1
