"""Legacy Vietnamese encodings: TCVN3 and VNI refused by name, Windows-1258 converted."""

from __future__ import annotations

import pytest

from broadcast.errors import ScriptInputError
from broadcast.script_input import parse_script
from broadcast.script_input.legacy import decode_tcvn3, decode_vni
from tests.script_input.legacy_encoders import to_cp1258, to_tcvn3, to_vni

LIMIT = 2_000_000
SENTENCE = (
    "Kính thưa bà con nhân dân! Ủy ban nhân dân xã thông báo kế hoạch chuyển đổi số "
    "năm 2025 của Việt Nam, mời bà con đến nhà văn hoá thôn để được hướng dẫn."
)
KNOWN_WORDS = ["Việt Nam", "Ủy ban nhân dân", "chuyển đổi số", "Độc lập - Tự do - Hạnh phúc"]


def test_test_encoders_match_text_seen_in_the_wild() -> None:
    motto = "Cộng hoà xã hội chủ nghĩa Việt Nam. Độc lập - Tự do - Hạnh phúc"
    assert to_tcvn3(motto).decode("latin-1") == (
        "Céng hoµ x· héi chñ nghÜa ViÖt Nam. §éc lËp - Tù do - H¹nh phóc"
    )
    assert to_vni("Cộng hòa xã hội chủ nghĩa Việt Nam").decode("cp1252") == (
        "Coäng hoøa xaõ hoäi chuû nghóa Vieät Nam"
    )


@pytest.mark.parametrize("words", KNOWN_WORDS)
def test_decoders_read_known_words(words: str) -> None:
    # TCVN3 has no codes for capitals with a tone ("Ủ"): .VnTimeH fonts draw the lowercase
    # code as a capital, so the case of such letters is lost in the file itself.
    assert decode_tcvn3(to_tcvn3(words)).lower() == words.lower()
    assert decode_tcvn3(to_tcvn3(words.lower())) == words.lower()
    assert decode_vni(to_vni(words)) == words


def test_vni_capitals_decode() -> None:
    assert decode_vni(to_vni("ỦY BAN NHÂN DÂN XÃ ĐỒNG TÂM")) == "ỦY BAN NHÂN DÂN XÃ ĐỒNG TÂM"


def _error(data: bytes, name: str = "bai.txt") -> ScriptInputError:
    with pytest.raises(ScriptInputError) as caught:
        parse_script(data, name, LIMIT)
    return caught.value


def test_tcvn3_text_is_refused_naming_the_encoding() -> None:
    error = _error(to_tcvn3(SENTENCE))
    assert error.code == "script_legacy_encoding"
    assert "TCVN3" in error.message
    assert "Unikey" in error.message and "UTF-8" in error.message
    # The message shows how the start reads in TCVN3 so the operator can recognise it.
    assert "Kính thưa bà con nhân dân" in error.message


def test_vni_text_is_refused_naming_the_encoding() -> None:
    error = _error(to_vni(SENTENCE))
    assert error.code == "script_legacy_encoding"
    assert "VNI" in error.message and "TCVN3" not in error.message
    assert "Kính thưa bà con nhân dân" in error.message


def test_windows_1258_text_is_converted() -> None:
    data = to_cp1258(SENTENCE)
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    script = parse_script(data, "bai.txt", LIMIT)
    assert script.text == SENTENCE
    for words in ("Việt Nam", "Ủy ban nhân dân", "chuyển đổi số"):
        assert words in script.text


def test_windows_1258_front_matter_is_read_after_conversion() -> None:
    data = to_cp1258("---\ntitle: Thông báo tiêm chủng\ntopic: y-te\n---\n" + SENTENCE)
    script = parse_script(data, "bai.txt", LIMIT)
    assert script.title == "Thông báo tiêm chủng"
    assert script.topic == "y-te"


def test_text_in_no_known_encoding_gets_a_clear_error() -> None:
    error = _error("Café au lait très bon, à la française, s'il vous plaît.".encode("cp1252"))
    assert error.code == "script_encoding_unknown"
    assert "UTF-8" in error.message


@pytest.mark.parametrize(
    ("encode", "name"), [(to_tcvn3, "TCVN3"), (to_vni, "VNI")], ids=["tcvn3", "vni"]
)
def test_legacy_font_text_inside_unicode_is_refused(encode: object, name: str) -> None:
    # A document typed with a .VnTime / VNI-Times font and saved as UTF-8: every character
    # is valid Unicode ("ViÖt Nam"), but the words are legacy codes.
    garbled = encode(SENTENCE).decode("cp1252")  # type: ignore[operator]
    error = _error(garbled.encode("utf-8"))
    assert error.code == "script_legacy_encoding"
    assert name in error.message
    assert "Kính thưa bà con nhân dân" in error.message
