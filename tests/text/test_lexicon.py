"""The shipped lexicon and the station-local override."""

from __future__ import annotations

from pathlib import Path

import pytest

from broadcast.errors import TextError
from broadcast.text.lexicon import load_lexicon, parse_lexicon, shipped_lexicon
from broadcast.text.normalize import normalize_for_speech, normalize_with_warnings


def test_shipped_lexicon_has_the_commune_vocabulary() -> None:
    lexicon = shipped_lexicon()
    assert len(lexicon.abbreviations) >= 150
    for key in ("UBND", "HĐND", "UBMTTQ", "MTTQ", "VHTT&TT", "VH-XH", "KH&CN", "CNTT", "CĐS",
                "ĐMST", "THCS", "THPT", "QLNN", "DVCQG", "CCVC", "PCT", "Đ/c"):
        assert key in lexicon.abbreviations, key
    assert lexicon.line_start["TM."] == "thay mặt"
    assert lexicon.line_start["KT."] == "ký thay"
    assert lexicon.filing["VT"] == "văn thư"
    assert {"Zalo", "YouTube", "TikTok"} <= lexicon.keep


def test_shipped_lexicon_readings_are_lowercase_words() -> None:
    lexicon = shipped_lexicon()
    for section in (lexicon.abbreviations, lexicon.document_types, lexicon.issuers):
        for key, reading in section.items():
            assert reading == reading.lower(), key
            assert not any(ch.isdigit() for ch in reading), key


def test_load_without_local_file_is_the_shipped_one() -> None:
    assert load_lexicon() is shipped_lexicon()


def test_local_file_overrides_and_adds(tmp_path: Path) -> None:
    local = tmp_path / "lexicon.yaml"
    local.write_text(
        "version: 1\n"
        "abbreviations:\n"
        "  UBND: ủy ban\n"
        "  HTXDV: hợp tác xã dịch vụ\n"
        "keep:\n"
        "  - Loa\n",
        encoding="utf-8",
    )
    lexicon = load_lexicon(local)
    assert lexicon.abbreviations["UBND"] == "ủy ban"
    assert lexicon.abbreviations["HĐND"] == "hội đồng nhân dân"
    assert "Loa" in lexicon.keep and "Zalo" in lexicon.keep
    assert normalize_for_speech("UBND và HTXDV.", lexicon) == "ủy ban và hợp tác xã dịch vụ."
    assert shipped_lexicon().abbreviations["UBND"] == "ủy ban nhân dân"


def test_local_entry_silences_the_warning(tmp_path: Path) -> None:
    assert normalize_with_warnings("Mạng XYZ.").warnings
    local = tmp_path / "lexicon.yaml"
    local.write_text("abbreviations:\n  XYZ: ích y dét\n", encoding="utf-8")
    result = normalize_with_warnings("Mạng XYZ.", load_lexicon(local))
    assert result.text == "Mạng ích y dét."
    assert result.warnings == []


def test_missing_local_file_means_the_shipped_lexicon(tmp_path: Path) -> None:
    assert load_lexicon(tmp_path / "none.yaml") is shipped_lexicon()


def test_missing_local_file_required_is_a_text_error(tmp_path: Path) -> None:
    with pytest.raises(TextError) as caught:
        load_lexicon(tmp_path / "none.yaml", missing_ok=False)
    assert caught.value.code == "lexicon_not_found"


def test_unreadable_local_file_is_a_text_error(tmp_path: Path) -> None:
    local = tmp_path / "lexicon.yaml"
    local.write_bytes(b"\xff\xfe abbreviations")
    with pytest.raises(TextError) as caught:
        load_lexicon(local)
    assert caught.value.code == "lexicon_invalid"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("abbreviations: [UBND]\n", "lexicon_invalid"),
        ("abbreviations:\n  UBND:\n", "lexicon_invalid"),
        ("abbreviations: {UBND: 'a'\n", "lexicon_invalid"),
        ("- a\n- b\n", "lexicon_invalid"),
        ("version: 2\n", "lexicon_version"),
        ("keep: Zalo\n", "lexicon_invalid"),
    ],
)
def test_malformed_lexicon_is_reported(text: str, code: str) -> None:
    with pytest.raises(TextError) as caught:
        parse_lexicon(text, source="đài.yaml")
    assert caught.value.code == code
    assert "đài.yaml" in caught.value.message


def test_empty_file_is_an_empty_lexicon() -> None:
    assert parse_lexicon("").entry_count == 0
