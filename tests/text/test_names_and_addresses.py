"""Words voices misread: "V/v", unit prefixes in addresses, licences and cards, web addresses
written without diacritics, app names in mixed case, and letters of other alphabets."""

from __future__ import annotations

import pytest

from broadcast.text.findings import (
    APP_NAME,
    LATIN_WORD,
    MIXED_SCRIPT,
    UNKNOWN_ABBREVIATION,
    WEB_ADDRESS,
)
from broadcast.text.normalize import normalize_for_speech, normalize_with_warnings
from broadcast.text.unaccented import build_vocabulary, restore, split_syllables, strip_diacritics

READINGS = [
    # "V/v" in the subject line of a document.
    ("V/v tổ chức Tết Trung thu cho thiếu nhi.", "về việc tổ chức Tết Trung thu cho thiếu nhi."),
    ("Công văn v/v rà soát hộ nghèo.", "Công văn về việc rà soát hộ nghèo."),
    # Ward, district, town and township prefixes, with and without a space.
    ("Số 5 ngõ 12, P. Khương Mai, Q. Thanh Xuân.", "Số năm ngõ mười hai, phường Khương Mai, "
     "quận Thanh Xuân."),
    ("Trụ sở tại P.12, Q.Gò Vấp.", "Trụ sở tại phường mười hai, quận Gò Vấp."),
    ("Cửa hàng ở Q. 1 và Q. 3.", "Cửa hàng ở quận một và quận ba."),
    ("Chợ TX. Phú Thọ và TT. Hùng Sơn.", "Chợ thị xã Phú Thọ và thị trấn Hùng Sơn."),
    ("Trường ở X. Phúc Lâm, H. Mỹ Đức.", "Trường ở xã Phúc Lâm, huyện Mỹ Đức."),
    # The same letters before a title or an organ.
    ("Ông Hải, P. Giám đốc Sở, dự họp.", "Ông Hải, phó Giám đốc Sở, dự họp."),
    ("Bà Lan, Q. Chủ tịch UBND xã.", "Bà Lan, quyền Chủ tịch ủy ban nhân dân xã."),
    ("Kính gửi TT. HĐND xã.", "Kính gửi thường trực hội đồng nhân dân xã."),
    ("Nơi nhận: TT Đảng ủy; TT UBND.", "Nơi nhận: thường trực Đảng ủy; thường trực ủy ban nhân "
     "dân."),
    # An initial at the end of a name is not a ward.
    ("Anh Nguyễn Văn P. đã nộp hồ sơ.", "Anh Nguyễn Văn pê. đã nộp hồ sơ."),
    # Licences and cards.
    ("Mang theo GPLX và CCCD.", "Mang theo giấy phép lái xe và căn cước công dân."),
    ("Xuất trình GCNĐKKD, MST và GPXD.", "Xuất trình giấy chứng nhận đăng ký kinh doanh, mã số "
     "thuế và giấy phép xây dựng."),
    ("Thi sát hạch GPLX hạng B2 và hạng C.", "Thi sát hạch giấy phép lái xe hạng bê hai và hạng "
     "xê."),
    ("Thay CMND bằng thẻ CCCD gắn chíp.", "Thay chứng minh nhân dân bằng thẻ căn cước công dân "
     "gắn chíp."),
    # Unaccented Vietnamese in web addresses.
    ("Nộp tại dichvucong.gov.vn.", "Nộp tại dịch vụ công chấm gờ o vê chấm vê en."),
    ("Xem baohiemxahoi.gov.vn hoặc thuedientu.gdt.gov.vn.",
     "Xem bảo hiểm xã hội chấm gờ o vê chấm vê en hoặc thuế điện tử chấm gờ dê tê chấm gờ o vê "
     "chấm vê en."),
    ("Cổng dichvucong.quangninh.gov.vn.", "Cổng dịch vụ công chấm quảng ninh chấm gờ o vê chấm "
     "vê en."),
    ("Trang www.chinhphu.vn.", "Trang vê kép vê kép vê kép chấm chính phủ chấm vê en."),
    # App names in mixed case.
    ("Cài đặt VNeID và iHanoi.", "Cài đặt vê en e ai đi và ai hà nội."),
    ("Ứng dụng VssID của BHXH.", "Ứng dụng vê ét ét ai đi của bảo hiểm xã hội."),
    ("Ứng dụng iLaocai.", "Ứng dụng ai lào cai."),
]


@pytest.mark.parametrize(("source", "expected"), READINGS, ids=[s[:32] for s, _ in READINGS])
def test_reads(source: str, expected: str) -> None:
    assert normalize_for_speech(source) == expected


def _codes(text: str) -> dict[str, str]:
    return {w.token: w.code for w in normalize_with_warnings(text).warnings}


def test_known_words_are_not_flagged() -> None:
    assert _codes("Cài VNeID, GPLX hạng A1, P. Trần Phú, V/v họp, Zalo, YouTube.") == {}


def test_unaccented_latin_words_are_flagged() -> None:
    codes = _codes("Đăng ký online trên website và Facebook, xem livestream.")
    assert codes == {"online": LATIN_WORD, "website": LATIN_WORD, "livestream": LATIN_WORD}


def test_vietnamese_without_diacritics_spelled_as_one_word_is_flagged() -> None:
    assert _codes("Đến Hanoi.") == {"Hanoi": LATIN_WORD}


def test_web_address_is_flagged_with_its_reading() -> None:
    warnings = normalize_with_warnings("Xem dichvucong.gov.vn.").warnings
    assert [w.code for w in warnings] == [WEB_ADDRESS]
    assert "dịch vụ công chấm gờ o vê chấm vê en" in warnings[0].message


def test_unknown_app_name_is_read_and_flagged() -> None:
    warnings = normalize_with_warnings("Tải ứng dụng iBacninh.").warnings
    assert [(w.code, w.token) for w in warnings] == [(APP_NAME, "iBacninh")]
    assert "ai bắc ninh" in warnings[0].message


def test_other_mixed_case_names_stay_and_are_flagged() -> None:
    assert normalize_for_speech("Dùng SmartCA.") == "Dùng SmartCA."
    assert _codes("Dùng SmartCA.") == {"SmartCA": LATIN_WORD}


def test_letters_of_another_alphabet_are_flagged() -> None:
    # "Мọi" with a Cyrillic capital em, "ΑN" with a Greek alpha: typed on a wrong layout.
    warnings = normalize_with_warnings("Мọi người tới dự. Thôn ΑN Hòa.").warnings
    mixed = [w for w in warnings if w.code == MIXED_SCRIPT]
    assert [w.token for w in mixed] == ["Мọi", "ΑN"]
    assert "Kirin" in mixed[0].message and "Hy Lạp" in mixed[1].message


def test_unknown_acronym_is_still_an_unknown_abbreviation() -> None:
    assert _codes("Mạng XYZ.") == {"XYZ": UNKNOWN_ABBREVIATION}


def test_restore_prefers_whole_names_and_known_phrases() -> None:
    vocabulary = build_vocabulary(["Hà Nội", "hà", "nội vụ"], ["dịch vụ công"])
    assert restore("hanoi", vocabulary) == "hà nội"
    assert restore("HaNoi", vocabulary) == "hà nội"
    assert restore("dichvucong", vocabulary) == "dịch vụ công"
    assert restore("noivu", vocabulary) == "nội vụ"
    assert restore("hanoivu", vocabulary) == "hà nội vụ"  # "vụ" is known from "dịch vụ"
    assert restore("hanoiabc", vocabulary) is None
    assert restore("dich-vu", vocabulary) is None


def test_strip_diacritics_and_syllables() -> None:
    assert strip_diacritics("Đắk Lắk") == "Dak Lak"
    assert split_syllables("tanlap") == ["tan", "lap"]
    assert split_syllables("nghiaphuong") == ["nghia", "phuong"]
    assert split_syllables("xyz") is None
