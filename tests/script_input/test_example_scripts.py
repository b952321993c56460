"""The example scripts the station ships load cleanly and are the promised length."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from broadcast.script_input import load_script
from broadcast.text.sentences import split_sentences

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
EXAMPLES = {
    "cds-01-nghi-quyet-57.txt": ("chuyen-doi-so", "57-NQ/TW"),
    "cds-02-binh-dan-hoc-vu-so.txt": ("chuyen-doi-so", "Bình dân học vụ số"),
    "cds-03-dich-vu-cong-truc-tuyen.txt": ("chuyen-doi-so", "VNeID"),
    "ban-tin-sang.txt": ("thong-tin-chung", "tiêm chủng"),
    "ban-tin-chieu.txt": ("thong-tin-chung", "nghĩa vụ quân sự"),
}
# Words per minute of a commune announcer reading Vietnamese at a calm pace, and a brisk one.
SLOW_WPM, FAST_WPM = 140, 200


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_script_loads_with_front_matter(name: str) -> None:
    topic, must_mention = EXAMPLES[name]
    raw = (SCRIPTS / name).read_bytes()
    assert unicodedata.is_normalized("NFC", raw.decode("utf-8"))
    script = load_script(SCRIPTS / name, max_bytes=2_000_000)
    assert script.topic == topic
    assert script.title and script.title != Path(name).stem
    assert must_mention in script.text
    assert not script.text.startswith("---")
    assert len(split_sentences(script.text)) >= 10


@pytest.mark.parametrize(
    ("name", "min_minutes", "max_minutes"),
    [
        ("cds-01-nghi-quyet-57.txt", 2, 5),
        ("cds-02-binh-dan-hoc-vu-so.txt", 2, 5),
        ("cds-03-dich-vu-cong-truc-tuyen.txt", 2, 5),
        ("ban-tin-sang.txt", 1.5, 2.5 * FAST_WPM / SLOW_WPM),
        ("ban-tin-chieu.txt", 1.5, 2.5 * FAST_WPM / SLOW_WPM),
    ],
)
def test_example_script_reads_in_the_promised_time(
    name: str, min_minutes: float, max_minutes: float
) -> None:
    words = len(load_script(SCRIPTS / name, max_bytes=2_000_000).text.split())
    assert words / FAST_WPM >= min_minutes
    assert words / SLOW_WPM <= max_minutes


def test_the_column_has_at_least_three_scripts() -> None:
    column = [
        p for p in SCRIPTS.glob("*.txt") if load_script(p, 2_000_000).topic == "chuyen-doi-so"
    ]
    assert len(column) >= 3
