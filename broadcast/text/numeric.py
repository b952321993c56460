"""Runs of numbers read in context: amounts with units, decimals, dates, times, ratios, ranges.

A run is one or more numeric atoms joined by dashes ("2021-2025", "15 - 20%", "7h30-11h");
the dash reads "đến". The words just before and after the run decide between readings
("thứ 4" -> thứ tư, "tháng 4" -> tháng tư, "27/27 thôn" -> hai mươi bảy trên hai mươi bảy).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from broadcast.text.dates import (
    is_clock_time,
    is_day_month,
    read_date,
    read_day_range,
    read_month_year,
    read_time,
)
from broadcast.text.numbers import (
    month_name,
    read_decimal,
    read_digits,
    read_integer,
    read_number_text,
    read_ordinal,
)
from broadcast.text.units import PER_PATTERN, UNIT_PATTERN, read_unit

_NUMBER = r"[0-9]{1,3}(?:\.[0-9]{3})+(?![0-9])(?:,[0-9]+)?|[0-9]+(?:\.[0-9]+)+|[0-9]+(?:,[0-9]+)?"
_INTEGER = r"[0-9]{1,3}(?:\.[0-9]{3})+(?![0-9])|[0-9]+"
_END = r"(?![^\W_])"

ATOM_PATTERN = (
    r"(?:(?P<timedate>(?P<tdh>[0-9]{1,2})h(?P<tdm>[0-5][0-9])?/(?P<tdd>[0-9]{1,2})/"
    r"(?P<tdmo>[0-9]{1,2})(?:/(?P<tdy>(?:19|20)[0-9][0-9]))?)"
    r"|(?P<date>(?P<dd>[0-9]{1,2})(?P<sep>[/.-])(?P<dm>[0-9]{1,2})(?P=sep)(?P<dy>(?:1[89]|20)[0-9][0-9]))"
    r"|(?P<time>(?P<th>[0-9]{1,2})(?:[hH:g](?P<tm>[0-5][0-9])(?:'|’|ph|p)?|[hH]))"
    r"|(?P<frac>(?P<fa>" + _INTEGER + r")/(?P<fb>" + _INTEGER + r"))"
    r"|(?P<num>" + _NUMBER + r")(?:\s?(?P<unit>(?:" + UNIT_PATTERN + r")(?:/(?:" + PER_PATTERN
    + r"|[0-9]{1,2}h))*))?)" + _END
)
_ATOM = re.compile(ATOM_PATTERN)
_UNNAMED_ATOM = re.sub(r"\(\?P<\w+>", "(?:", ATOM_PATTERN).replace("(?P=sep)", "[/.-]")

RUN_PATTERN = (
    r"(?<![\w.,])(?<![0-9]/)(?P<minus>(?<=[\s(:])-)?" + _UNNAMED_ATOM
    + r"(?:\s?[-–—]\s?" + _UNNAMED_ATOM + r")*"
)

# Words after "a/b" that make it a ratio ("27/27 thôn"), not a date.
COUNT_NOUNS: frozenset[str] = frozenset(
    {
        "thôn", "xã", "hộ", "người", "trường", "tổ", "xóm", "bản", "làng", "ấp", "khu", "phường",
        "huyện", "tỉnh", "đơn", "cơ", "tiêu", "chỉ", "học", "em", "cháu", "lớp", "điểm", "hồ",
        "thủ", "phiếu", "mẫu", "doanh", "hợp", "đội", "chi", "đảng", "trạm", "nhà", "căn", "công",
        "dự", "tuyến", "thành", "phòng", "xe", "con", "ha", "km", "lượt", "trẻ", "cụm", "buôn",
        "hội", "chiếc", "km2", "m2", "hạng", "khóa", "ca",
    }
)
_RATIO_PREVIOUS = frozenset({"đạt", "được", "số", "nhà", "ngõ", "ngách", "hẻm", "kiệt", "tỷ"})
# Words that already introduce a date: "ngày 17/7", "sáng 8/7" (no second "ngày").
_NO_DAY_WORD = frozenset({"ngày", "mùng", "mồng", "sáng", "trưa", "chiều", "tối", "đêm", "rạng"})
# "Đề án 06" is a name: its zero is read.
_NAME_NUMBER_PREVIOUS = frozenset({"án"})
_FRACTION_PREVIOUS = frozenset({"chiếm", "bằng", "lệ"})
# "Trực 24/7", "tổng đài 24/7": around the clock, not the 24th of July.
_AROUND_THE_CLOCK_PREVIOUS = frozenset(
    {"trực", "đài", "động", "trợ", "vụ", "cửa", "sàng", "tuyến", "nóng", "việc", "tục", "suốt",
     "nhận", "đáp", "mở", "chạy", "hotline"}
)
# "Tổng đài 1022", "đường dây nóng 1800": service numbers are read digit by digit.
_SERVICE_PREVIOUS = frozenset({"đài", "hotline", "nóng"})
_PHONE_CONTEXT = frozenset(
    {"gọi", "số", "thoại", "nóng", "đài", "hotline", "tới", "đến", "hoặc", "và"}
)
_PHONE_FOLLOWING = frozenset({"", "để", "khi", "ngay", "hoặc", "miễn"})
_EMERGENCY_NUMBERS = frozenset({"111", "112", "113", "114", "115", "116"})
_COORDINATE_UNITS = frozenset({"°N", "°E", "°S", "°W"})
_TEMPERATURE_UNITS = frozenset({"°C", "° C", "ºC", "oC", "℃", "°"})
# Words repeated before every item of a range: "thứ 2-6" -> thứ hai đến thứ sáu.
_REPEATED_CONTEXT = frozenset({"thứ", "tháng"})


def _read_plain_number(text: str, previous: str, following: str) -> str:
    if "," in text:
        integer_part, frac = text.split(",", 1)
        return read_decimal(integer_part, frac)
    if "." in text:
        groups = text.split(".")
        if all(len(g) == 3 for g in groups[1:]) and len(groups[0]) <= 3:
            return read_integer(int(text.replace(".", "")))
        return " chấm ".join(read_number_text(g) for g in groups)
    if previous == "thứ" and int(text) in (1, 4):
        return read_ordinal(int(text))  # "thứ nhất", "thứ tư"; the others read as numbers
    if previous in _NAME_NUMBER_PREVIOUS and text.startswith("0"):
        return read_digits(text)
    if previous in _SERVICE_PREVIOUS and 3 <= len(text) <= 5:
        return read_digits(text)
    if previous == "gọi" and 3 <= len(text) <= 5 and following in _PHONE_FOLLOWING:
        return read_digits(text)  # "gọi 1022 để…"; "kêu gọi 500 đoàn viên" is a number
    if previous == "giờ" and int(text) == 0 and following != "phút":
        return ""  # "14 giờ 00" is read "mười bốn giờ"
    if previous == "tháng" and int(text) == 4:
        return month_name(4)  # "tháng tư"; every other month reads as its number
    if text in _EMERGENCY_NUMBERS and (
        previous in _PHONE_CONTEXT or following in _PHONE_FOLLOWING
    ):
        return read_digits(text)
    return read_number_text(text)


def _read_part_of(a: int, b: int) -> str:
    return f"{read_integer(a)} phần {'tư' if b == 4 else read_integer(b)}"


def _read_fraction(a_raw: str, b_raw: str, previous: str, following: str) -> str:
    a_text, b_text = a_raw.replace(".", ""), b_raw.replace(".", "")
    a, b = int(a_text), int(b_text)
    if previous in _FRACTION_PREVIOUS and 0 < a < b <= 10:
        return _read_part_of(a, b)
    if previous in _RATIO_PREVIOUS:
        return f"{read_number_text(a_text)} trên {read_number_text(b_text)}"
    if len(b_raw) == 4 and 1 <= a <= 12 and len(a_raw) <= 2:
        if previous == "quý":
            return f"{read_integer(a)} năm {read_integer(b)}"
        return read_month_year(a, b, say_month_word=previous != "tháng")
    if len(a_raw) == 4 and len(b_raw) == 4:
        return f"{read_integer(a)} đến {read_integer(b)}"
    if (a, b) == (24, 7) and previous in _AROUND_THE_CLOCK_PREVIOUS:
        return f"{read_integer(a)} trên {read_integer(b)}"
    if is_day_month(a, b) and previous in _NO_DAY_WORD:
        # "Ngày 17/7 thôn họp": the word before makes it a date, whatever follows.
        return read_date(a, b, say_day_word=False)
    if is_day_month(a, b) and following not in COUNT_NOUNS:
        if following == "số":  # "1/3 số hộ" is a part; "3/3 số chỉ tiêu" a count
            if a < b:
                return _read_part_of(a, b)
            return f"{read_number_text(a_text)} trên {read_number_text(b_text)}"
        return read_date(a, b, say_day_word=previous not in _NO_DAY_WORD)
    return f"{read_number_text(a_text)} trên {read_number_text(b_text)}"


def _read_atom(atom: re.Match[str], previous: str, following: str) -> str:
    if atom.group("timedate"):
        # Hydrology bulletins: "16h/22/7" is 16 o'clock on 22 July.
        hour, minute = int(atom.group("tdh")), int(atom.group("tdm") or 0)
        day, month = int(atom.group("tdd")), int(atom.group("tdmo"))
        year = int(atom.group("tdy")) if atom.group("tdy") else None
        # A typo ("25h/22/7", "16h/32/7") is read as written, part by part.
        time = (read_time(hour, minute) if is_clock_time(hour, minute)
                else f"{read_integer(hour)} giờ {read_integer(minute)} phút")
        date = (read_date(day, month, year) if is_day_month(day, month)
                else " ".join(read_integer(v) for v in (day, month, year) if v is not None))
        return f"{time} {date}"
    if atom.group("date"):
        day, month, year = int(atom.group("dd")), int(atom.group("dm")), int(atom.group("dy"))
        if is_day_month(day, month):
            return read_date(day, month, year, say_day_word=previous not in _NO_DAY_WORD)
        return " ".join(read_integer(v) for v in (day, month, year))
    if atom.group("time"):
        hour, minute = int(atom.group("th")), int(atom.group("tm") or 0)
        if is_clock_time(hour, minute):
            if following == "phút" and minute:
                return f"{read_integer(hour)} giờ {read_integer(minute)}"
            return read_time(hour, minute)
        return f"{read_integer(hour)} giờ {read_integer(minute)} phút"
    if atom.group("frac"):
        return _read_fraction(atom.group("fa"), atom.group("fb"), previous, following)
    reading = _read_plain_number(atom.group("num"), previous, following)
    unit = atom.group("unit")
    if unit:
        reading += " " + read_unit(unit)
    return reading


def _is_day_number(atom: re.Match[str]) -> bool:
    text = atom.group("num")
    return bool(text) and text.isdigit() and not atom.group("unit") and 1 <= int(text) <= 31


def _day_month_of(atom: re.Match[str], following: str) -> tuple[int, int, int | None] | None:
    if atom.group("date"):
        return int(atom.group("dd")), int(atom.group("dm")), int(atom.group("dy"))
    if atom.group("frac") and following not in COUNT_NOUNS:
        a, b = atom.group("fa"), atom.group("fb")
        if len(b) <= 2 and is_day_month(int(a), int(b)):
            return int(a), int(b), None
    return None


def read_numeric_run(run: str, previous: Sequence[str], following: str, minus: bool = False) -> str:
    """Reading of a run; ``previous`` holds the last words before it (lowercase, oldest first)."""
    atoms = list(_ATOM.finditer(run))
    before = previous[-1] if previous else ""
    if (
        len(atoms) == 2
        and before == "ngày"
        and following != "tháng"
        and _is_day_number(atoms[0])
        and _is_day_number(atoms[1])
        and is_day_month(int(atoms[0].group("num")), int(atoms[1].group("num")))
    ):
        # "ngày 20-11" is a date written with a dash, not a range.
        return read_date(int(atoms[0].group("num")), int(atoms[1].group("num")), say_day_word=False)
    if len(atoms) == 2 and _is_day_number(atoms[0]):
        day_month = _day_month_of(atoms[1], following)
        if day_month is not None:
            last_day, month, year = day_month
            first_day = int(atoms[0].group("num"))
            if first_day < last_day:
                return read_day_range(first_day, last_day, month, year,
                                      say_day_word=before not in _NO_DAY_WORD)
    readings: list[str] = []
    for index, atom in enumerate(atoms):
        is_last = index == len(atoms) - 1
        context = before if index == 0 or before in _REPEATED_CONTEXT else ""
        reading = _read_atom(atom, context, following if is_last else "")
        if index > 0 and before in _REPEATED_CONTEXT:
            reading = f"{before} {reading}"
        readings.append(reading)
    units = {atom.group("unit") for atom in atoms}
    text = (", " if units & _COORDINATE_UNITS else " đến ").join(readings)
    # A dash before a number is often a list dash or a pause: only a temperature (of any
    # atom: "-2 - 3°C") is read as negative.
    if minus and units & _TEMPERATURE_UNITS:
        text = "âm " + text
    return text
