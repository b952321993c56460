"""Dates and times read in full: 17/7/2025 -> ngày mười bảy tháng bảy năm hai nghìn..."""

from __future__ import annotations

from broadcast.text.numbers import month_name, read_integer


def is_day_month(day: int, month: int) -> bool:
    return 1 <= day <= 31 and 1 <= month <= 12


def read_date(day: int, month: int, year: int | None = None, *, say_day_word: bool = True) -> str:
    """"ngày D tháng M [năm Y]"; without the leading "ngày" when the text already says it."""
    words = [f"{read_integer(day)} tháng {month_name(month)}"]
    if say_day_word:
        words.insert(0, "ngày")
    if year is not None:
        words.append(f"năm {read_integer(year)}")
    return " ".join(words)


def read_day_range(first_day: int, last_day: int, month: int, year: int | None = None,
                   *, say_day_word: bool = True) -> str:
    """15-20/7 -> "ngày mười lăm đến hai mươi tháng bảy"."""
    head = f"{read_integer(first_day)} đến {read_date(last_day, month, year, say_day_word=False)}"
    return f"ngày {head}" if say_day_word else head


def read_month_year(month: int, year: int, *, say_month_word: bool = True) -> str:
    """7/2025 -> "tháng bảy năm hai nghìn không trăm hai mươi lăm"."""
    body = f"{month_name(month)} năm {read_integer(year)}"
    return f"tháng {body}" if say_month_word else body


def is_clock_time(hour: int, minute: int) -> bool:
    return 0 <= hour <= 24 and 0 <= minute <= 59


def read_time(hour: int, minute: int = 0) -> str:
    """6h30 -> "sáu giờ ba mươi phút"; 17:00 -> "mười bảy giờ"."""
    if minute == 0:
        return f"{read_integer(hour)} giờ"
    return f"{read_integer(hour)} giờ {read_integer(minute)} phút"
