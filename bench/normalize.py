"""Normalization benchmark: a ~12,000-character administrative document, read in full.

Prints the median time of ``normalize_for_speech`` on the document (target < 50 ms on a
2-core machine) and, measured in the same run, a baseline that only does what any text
pass must do (NFC and a whitespace regex), with the ratio between the two.
"""

from __future__ import annotations

import re
import statistics
import sys
import time
import unicodedata
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from broadcast.text.lexicon import shipped_lexicon  # noqa: E402
from broadcast.text.normalize import normalize_for_speech, normalize_with_warnings  # noqa: E402

TARGET_CHARS = 12_000
RUNS = 30

SAMPLE = """\
ỦY BAN NHÂN DÂN XÃ TÂN LẬP
CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc
Số: 179/KH-UBND
Tân Lập, ngày 17 tháng 7 năm 2025
KẾ HOẠCH
Tuyên truyền chuyển đổi số trên hệ thống truyền thanh cơ sở năm 2025
Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị; Thông tư số 39/2020/TT-BTTTT \
ngày 04/12/2020 của Bộ TTTT; Quyết định số 749/QĐ-TTg ngày 03/6/2020 của Thủ tướng Chính phủ, \
UBND xã xây dựng Kế hoạch như sau:
I. MỤC ĐÍCH, YÊU CẦU
1. Nâng cao nhận thức của CCVC và Nhân dân về CĐS, ĐMST; phấn đấu 100% thôn có Tổ công nghệ \
số cộng đồng, 85,5% hộ gia đình sử dụng DVC trực tuyến.
2. Tỷ lệ người dân từ 14 tuổi trở lên có tài khoản VNeID đạt trên 80%; 27/27 thôn phát bản tin \
lúc 6h30 và 17:00 hằng ngày, từ thứ 2 đến thứ 6.
II. NỘI DUNG
- Tuyên truyền trên trang Zalo, Facebook và kênh YouTube của xã; cảnh giác lừa đảo qua TikTok.
- Kinh phí: 125.500.000 đồng (giai đoạn 2021-2025), hỗ trợ 50.000 đồng/người/ngày.
- Bản tin thời tiết: nhiệt độ 20-25°C, gió cấp 6, giật cấp 8, lượng mưa 100 - 150 mm; mực nước \
sông lúc 7h ngày 10/9 là 9,5 m, trên BĐ2 là 0,5 m.
- Liên hệ: Đ/c Nguyễn Văn An, PCT UBND xã, điện thoại 0912 345 678; khi có cháy gọi 114.
- Quý III/2025 tổ chức Ngày hội CĐS; diện tích 1.200 m², 12 gian hàng OCOP, mạng 5G.
TM. ỦY BAN NHÂN DÂN
KT. CHỦ TỊCH
PHÓ CHỦ TỊCH
Nơi nhận:
- Như trên;
- Lưu: VT, VP.
"""


def document() -> str:
    copies = TARGET_CHARS // len(SAMPLE) + 1
    return (SAMPLE * copies)[:TARGET_CHARS].rsplit("\n", 1)[0] + "\n"


_SPACES = re.compile(r"\s+")


def baseline(text: str) -> str:
    """The pass every engine input gets anyway: NFC and collapsed whitespace."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()


def median_ms(function: Callable[[str], object], text: str, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        function(text)
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    text = document()
    start = time.perf_counter()
    shipped_lexicon()
    lexicon_ms = (time.perf_counter() - start) * 1000
    start = time.perf_counter()
    normalize_for_speech(text)
    first_ms = (time.perf_counter() - start) * 1000

    loa_ms = median_ms(normalize_for_speech, text)
    warnings_ms = median_ms(normalize_with_warnings, text)
    base_ms = median_ms(baseline, text)
    print(f"document: {len(text)} characters, {text.count(chr(10))} lines")
    print(f"lexicon load (once, cached): {lexicon_ms:.1f} ms")
    print(f"first call:                  {first_ms:.1f} ms")
    print(f"normalize_for_speech median: {loa_ms:.2f} ms  (target < 50 ms)")
    print(f"normalize_with_warnings:     {warnings_ms:.2f} ms")
    print(f"baseline NFC + whitespace:   {base_ms:.3f} ms")
    print(f"ratio loa / baseline:        {loa_ms / base_ms:.0f}x")
    print(f"throughput:                  {len(text) / loa_ms * 1000 / 1e6:.2f} M characters/s")


if __name__ == "__main__":
    main()
