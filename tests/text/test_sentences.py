"""Sentence splitting for raw and normalized scripts."""

from __future__ import annotations

from broadcast.text.normalize import normalize_for_speech
from broadcast.text.preview import preview_script
from broadcast.text.sentences import split_sentences


def test_splits_at_sentence_marks_and_lines() -> None:
    text = "Câu một. Câu hai! Câu ba? Câu bốn; câu năm… Câu sáu\nDòng mới"
    assert split_sentences(text) == [
        "Câu một.", "Câu hai!", "Câu ba?", "Câu bốn;", "câu năm…", "Câu sáu", "Dòng mới",
    ]


def test_numbers_and_name_prefixes_do_not_split() -> None:
    text = "Giá 1.500 đồng, tỷ lệ 85,5%. Tại TP. Hà Nội có ThS. Hoa. TM. ỦY BAN"
    assert split_sentences(text) == [
        "Giá 1.500 đồng, tỷ lệ 85,5%.", "Tại TP. Hà Nội có ThS. Hoa.", "TM. ỦY BAN",
    ]


def test_closing_quote_stays_with_its_sentence() -> None:
    assert split_sentences('Anh nói: "Xong." Rồi về.') == ['Anh nói: "Xong."', "Rồi về."]


def test_symbol_only_pieces_are_dropped() -> None:
    assert split_sentences("Một. ... \n--- \nHai.") == ["Một.", "Hai."]


def test_normalized_text_splits_into_the_same_sentences() -> None:
    text = "Ngày 17/7/2025, tỷ lệ đạt 85,5%. Giá 1.500.000 đồng/người.\nTM. ỦY BAN NHÂN DÂN"
    assert split_sentences(normalize_for_speech(text)) == [
        "Ngày mười bảy tháng bảy năm hai nghìn không trăm hai mươi lăm, "
        "tỷ lệ đạt tám mươi lăm phẩy năm phần trăm.",
        "Giá một triệu năm trăm nghìn đồng một người.",
        "thay mặt ủy ban nhân dân",
    ]


def test_preview_pairs_each_sentence_with_its_reading() -> None:
    previews = preview_script("UBND xã thông báo. Mạng 5G phủ 27/27 thôn.\nTM. ỦY BAN NHÂN DÂN")
    assert [(p.original, p.reading) for p in previews] == [
        ("UBND xã thông báo.", "ủy ban nhân dân xã thông báo."),
        ("Mạng 5G phủ 27/27 thôn.", "Mạng năm gờ phủ hai mươi bảy trên hai mươi bảy thôn."),
        ("TM. ỦY BAN NHÂN DÂN", "thay mặt ủy ban nhân dân"),
    ]
    assert previews[0].warnings == []
    assert [w.token for w in previews[1].warnings] == ["5G"]
