"""The case table: administrative sentences and what a trained Northern announcer reads."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from broadcast.text.normalize import normalize_for_speech

CASES_PATH = Path(__file__).with_name("cases.yaml")


def load_cases() -> list[tuple[str, str]]:
    data = yaml.safe_load(CASES_PATH.read_text(encoding="utf-8"))
    return [(case["in"], case["out"]) for case in data]


CASES = load_cases()


def test_case_table_is_large_and_unique() -> None:
    inputs = [source for source, _ in CASES]
    assert len(CASES) >= 250
    assert len(set(inputs)) == len(inputs)


@pytest.mark.parametrize(("source", "expected"), CASES, ids=[s[:40] for s, _ in CASES])
def test_reads_like_an_announcer(source: str, expected: str) -> None:
    assert normalize_for_speech(source) == expected
