"""The station's corrected readings laid over a lexicon (with_readings), and its size."""

from __future__ import annotations

from dataclasses import FrozenInstanceError

import pytest

from broadcast.text.lexicon import Lexicon, with_readings


def base() -> Lexicon:
    return Lexicon(abbreviations={"UBND": "ủy ban nhân dân"}, issuers={"BYT": "Bộ Y tế"},
                   keep=frozenset({"Zalo", "Google"}))


def test_a_lexicon_counts_every_entry_of_every_section() -> None:
    assert base().entry_count == 4
    with pytest.raises(FrozenInstanceError):
        base().keep = frozenset()  # type: ignore[misc]


def test_no_readings_leave_the_lexicon_as_it_is() -> None:
    lexicon = base()
    assert with_readings(lexicon, {}) is lexicon


def test_readings_replace_cover_the_capitalized_form_and_leave_keep() -> None:
    merged = with_readings(base(), {"online": "on lai", "Zalo": "da lô", "UBND": "ủy ban"})
    assert merged.abbreviations["online"] == "on lai"
    assert merged.abbreviations["Online"] == "on lai"  # at the start of a sentence
    assert merged.abbreviations["Zalo"] == "da lô" and "zalo" not in merged.abbreviations
    assert merged.abbreviations["UBND"] == "ủy ban"
    assert merged.keep == frozenset({"Google"})  # read now, no longer kept as written
    assert merged.issuers == base().issuers
    assert merged.entry_count == 1 + 4 + 1  # Google; UBND, online, Online, Zalo; BYT
