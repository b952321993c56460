"""The held-out set stays held out, and the normalizer keeps reading it (issue 16: 95 %+)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import yaml

from tools.heldout_accuracy import DEFAULT_CASES, loa_readings, load_cases, score

CASES = Path(__file__).parent / "cases.yaml"


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def test_no_held_out_sentence_is_a_test_case() -> None:
    held_out = {_nfc(case.text) for case in load_cases(DEFAULT_CASES)}
    tested = {_nfc(case["in"]) for case in yaml.safe_load(CASES.read_text(encoding="utf-8"))}
    assert held_out & tested == set()


def test_the_normalizer_reads_at_least_95_percent_of_the_held_out_set() -> None:
    cases = load_cases(DEFAULT_CASES)
    result = score(cases, loa_readings([case.text for case in cases]), unify_tone_placement=True)
    assert len(cases) >= 200
    assert result.accuracy >= 0.95, [f.case.text for f in result.failures]
