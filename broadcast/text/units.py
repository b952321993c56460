"""Units of measure and currency written after a number, and how they are read."""

from __future__ import annotations

import re

from broadcast.text.numbers import read_integer

_PER_HOURS = re.compile(r"([0-9]{1,2})h")

# Case matters: "g" is gram, "G" is not a unit (5G is a network generation).
UNIT_READINGS: dict[str, str] = {
    "%": "phần trăm",
    "‰": "phần nghìn",
    "°C": "độ xê",
    "° C": "độ xê",
    "ºC": "độ xê",
    "oC": "độ xê",
    "℃": "độ xê",
    "°N": "độ vĩ bắc",
    "°E": "độ kinh đông",
    "°S": "độ vĩ nam",
    "°W": "độ kinh tây",
    "°": "độ",
    "km²": "ki lô mét vuông",
    "km2": "ki lô mét vuông",
    "m²": "mét vuông",
    "m2": "mét vuông",
    "m³": "mét khối",
    "m3": "mét khối",
    "cm²": "xen ti mét vuông",
    "km": "ki lô mét",
    "cm": "xen ti mét",
    "mm": "mi li mét",
    "m": "mét",
    "ha": "héc ta",
    "kg": "ki lô gam",
    "mg": "mi li gam",
    "g": "gam",
    "ml": "mi li lít",
    "l": "lít",
    "kWh": "ki lô oát giờ",
    "kW": "ki lô oát",
    "MW": "mê ga oát",
    "W": "oát",
    "kV": "ki lô vôn",
    "V": "vôn",
    "Mbps": "mê ga bít trên giây",
    "GB": "gi ga bai",
    "MB": "mê ga bai",
    "Hz": "héc",
    "km/h": "ki lô mét một giờ",
    "m/s": "mét một giây",
    "đ": "đồng",
    "₫": "đồng",
    "VNĐ": "đồng",
    "VND": "đồng",
    "USD": "đô la mỹ",
    "$": "đô la",
    "k": "nghìn",
    "tr": "triệu",
    "h": "giờ",
    "ph": "phút",
    "s": "giây",
}

# Words after a slash that make it read "một" (per): đồng/người -> đồng một người.
PER_WORDS: frozenset[str] = frozenset(
    {
        "người",
        "hộ",
        "tháng",
        "năm",
        "ngày",
        "tuần",
        "quý",
        "giờ",
        "phút",
        "giây",
        "lượt",
        "lần",
        "buổi",
        "con",
        "suất",
        "khẩu",
        "em",
        "cháu",
        "học",
        "sào",
        "ha",
        "héc",
        "kg",
        "tấn",
        "km",
        "m",
        "m²",
        "m2",
        "lít",
        "chiếc",
        "cái",
        "xã",
        "thôn",
        "vụ",
        "ca",
        "bao",
        "hộp",
        "đêm",
        "ngày đêm",
        "h",
        "s",
        "đồng",
        "sản",
        "thí",
        "đợt",
        "trường",
        "lớp",
        "hội",
        "lượng",
        "chỉ",
        "tạ",
        "yến",
        "bình",
        "gói",
        "bộ",
        "cây",
        "đầu",
    }
)

UNIT_PATTERN = "|".join(
    re.escape(unit) for unit in sorted(UNIT_READINGS, key=len, reverse=True)
)
PER_PATTERN = "|".join(
    re.escape(word) for word in sorted(PER_WORDS | set(UNIT_READINGS), key=len, reverse=True)
)


def read_unit(unit: str) -> str:
    """Reading of a unit with its per-parts: "đ/người" -> "đồng một người"."""
    if unit in UNIT_READINGS:
        return UNIT_READINGS[unit]
    head, *pers = unit.split("/")
    parts = [UNIT_READINGS.get(head, head)]
    for per in pers:
        hours = _PER_HOURS.fullmatch(per)
        if hours:
            parts.append(f"trong {read_integer(int(hours.group(1)))} giờ")
        else:
            parts.append(f"một {UNIT_READINGS.get(per, per)}")
    return " ".join(parts)
