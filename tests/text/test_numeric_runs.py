"""read_numeric_run called directly, as the doc-code and phone fallbacks call it."""

from __future__ import annotations

from broadcast.text.numeric import read_numeric_run


def test_a_run_is_not_negative_unless_told() -> None:
    assert read_numeric_run("5°C", [], "") == "năm độ xê"
    assert read_numeric_run("5°C", [], "", minus=True) == "âm năm độ xê"
