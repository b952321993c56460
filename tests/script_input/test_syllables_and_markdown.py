"""The building blocks: the Vietnamese syllable check and the Markdown stripper."""

from __future__ import annotations

import unicodedata

import pytest

from broadcast.script_input.markdown import strip_markdown
from broadcast.script_input.syllables import is_vietnamese_syllable

REAL_TEXT = (
    "Việt Nam Ủy ban nhân dân chuyển đổi số nghị quyết khuya người giếng gìn quốc của ở "
    "thuở yêu quy xoong hoạch tuyết nghiêng ươm ngoẵng được những chỉ thị Mỹ trường "
    "khoảng huấn luyện kỹ ghế gì giữa ngày kiểm ỦY BAN"
)
REAL = REAL_TEXT.split()
GARBLED_TEXT = "ViÖt Vieät Viờũt nghÜa hoµ Coäng chuû nghóa ñoäc café online ge ka ngi"
GARBLED = GARBLED_TEXT.split()


@pytest.mark.parametrize("word", REAL)
def test_real_syllables_pass(word: str) -> None:
    assert is_vietnamese_syllable(word)
    assert is_vietnamese_syllable(unicodedata.normalize("NFD", word))


@pytest.mark.parametrize("word", GARBLED)
def test_garbled_words_fail(word: str) -> None:
    assert not is_vietnamese_syllable(word)


def test_stop_codas_take_only_sac_or_nang() -> None:
    assert is_vietnamese_syllable("học") and is_vietnamese_syllable("các")
    assert not is_vietnamese_syllable("hòc") and not is_vietnamese_syllable("cảt")


@pytest.mark.parametrize(
    ("markdown", "speakable"),
    [
        ("## Tin sáng ##", "Tin sáng"),
        ("Xem ![ảnh](a.png) tại <https://dichvucong.gov.vn>", "Xem  tại https://dichvucong.gov.vn"),
        ("[Cổng][dvc] và ~~cũ~~ mới\n\n[dvc]: https://x.vn", "Cổng và cũ mới\n\n"),
        ("| Thôn | Giờ |\n|---|:--:|\n| Đông | 7h30 |", "Thôn, Giờ\n\nĐông, 7h30"),
        ("***Rất*** quan trọng, __nhớ__ _kỹ_", "Rất quan trọng, nhớ kỹ"),
        ("mã_số_thuế và 5*3*2", "mã_số_thuế và 5*3*2"),
        ("```\nDòng mã\n```\n<!-- ghi chú\nnội bộ -->Hết", "\nDòng mã\n\nHết"),
        ("- [x] Đã xong\n  * mục con\n10) mục mười", "Đã xong\nmục con\nmục mười"),
        ("Giá 100\\*2 \\[tạm\\]", "Giá 100*2 [tạm]"),
        ("Dòng<br>hai <b>đậm</b><BR/>", "Dòng\nhai đậm\n"),
    ],
    ids=[
        "heading", "image-autolink", "ref-link-strike", "table", "nested-emphasis",
        "intraword", "fence-comment", "lists", "escapes", "html",
    ],
)  # fmt: skip
def test_strip_markdown(markdown: str, speakable: str) -> None:
    assert strip_markdown(markdown) == speakable
