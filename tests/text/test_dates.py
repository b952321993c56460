"""Dates and clock times read by themselves: the bounds of what counts as one, and the
wording of each form (the sentence-level readings are in cases.yaml)."""

from __future__ import annotations

import pytest

from broadcast.text.dates import (
    is_clock_time,
    is_day_month,
    read_date,
    read_day_range,
    read_month_year,
    read_time,
)

YEAR = "năm hai nghìn không trăm hai mươi lăm"


def test_what_counts_as_a_day_and_month() -> None:
    for day, month in ((1, 1), (31, 12), (17, 7)):
        assert is_day_month(day, month)
    for day, month in ((0, 5), (32, 5), (5, 0), (5, 13)):
        assert not is_day_month(day, month)


def test_what_counts_as_a_clock_time() -> None:
    for hour, minute in ((0, 0), (24, 0), (6, 59), (17, 30)):
        assert is_clock_time(hour, minute)
    for hour, minute in ((-1, 0), (25, 0), (6, 60), (6, -1)):
        assert not is_clock_time(hour, minute)


def test_dates() -> None:
    assert read_date(17, 7, 2025) == f"ngày mười bảy tháng bảy {YEAR}"
    assert read_date(1, 4) == "ngày một tháng tư"
    assert read_date(1, 4, say_day_word=False) == "một tháng tư"


def test_day_ranges() -> None:
    assert read_day_range(15, 20, 7) == "ngày mười lăm đến hai mươi tháng bảy"
    assert read_day_range(15, 20, 7, 2025, say_day_word=False) == \
        f"mười lăm đến hai mươi tháng bảy {YEAR}"


def test_months_of_a_year() -> None:
    assert read_month_year(7, 2025) == f"tháng bảy {YEAR}"
    assert read_month_year(4, 2025, say_month_word=False) == f"tư {YEAR}"


def test_clock_times() -> None:
    assert read_time(6) == "sáu giờ"
    assert read_time(6, 30) == "sáu giờ ba mươi phút"
    assert read_time(17, 0) == "mười bảy giờ"


def test_the_wording_switches_are_passed_by_name() -> None:
    with pytest.raises(TypeError):
        read_date(1, 4, 2025, False)  # type: ignore[misc]
    with pytest.raises(TypeError):
        read_day_range(15, 20, 7, 2025, False)  # type: ignore[misc]
    with pytest.raises(TypeError):
        read_month_year(7, 2025, False)  # type: ignore[misc]
