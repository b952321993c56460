"""The voice tables on SQLite and PostgreSQL: the station lexicon, script recordings, column
voices and saved API keys."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from broadcast.errors import StoreError
from broadcast.store.recordings import text_digest
from broadcast.store.store import Store
from broadcast.store.voices import mask_key

NOW = datetime(2025, 11, 28, 3, 0, tzinfo=UTC)


def test_lexicon_flow(store: Store) -> None:
    first = store.lexicon.propose(word="VNeID", reading="vê nờ e ai đi", by="lan", now=NOW)
    assert first.status == "proposed" and store.lexicon.approved_readings() == {}
    empty = store.lexicon.fingerprint()

    store.lexicon.approve(first.id, by="hung", now=NOW)
    assert store.lexicon.approved_readings() == {"VNeID": "vê nờ e ai đi"}
    assert store.lexicon.fingerprint() != empty

    second = store.lexicon.propose(word="VNeID", reading="vê en e ai đi", by="lan")
    approved = store.lexicon.approve(second.id, by="hung")
    assert approved.decided_by == "hung" and approved.decided_at is not None
    assert store.lexicon.get(first.id).status == "retired"
    assert store.lexicon.approved_readings() == {"VNeID": "vê en e ai đi"}
    assert store.lexicon.approve(second.id, by="hung").status == "approved"  # no-op

    retired = store.lexicon.retire(second.id, by="hung")
    assert retired.status == "retired" and store.lexicon.approved_readings() == {}
    assert store.lexicon.fingerprint() == empty


def test_lexicon_refusals(store: Store) -> None:
    entry = store.lexicon.propose(word="online", reading="ôn lai", by="lan", script_id=7)
    assert store.lexicon.reject(entry.id, by="hung").status == "rejected"
    with pytest.raises(StoreError) as caught:
        store.lexicon.approve(entry.id, by="hung")
    assert caught.value.code == "lexicon_entry_closed"
    with pytest.raises(StoreError) as caught:
        store.lexicon.reject(entry.id, by="hung")
    assert caught.value.code == "lexicon_entry_closed"
    with pytest.raises(StoreError) as caught:
        store.lexicon.get(999)
    assert caught.value.code == "not_found"
    assert [e.script_id for e in store.lexicon.list("rejected")] == [7]
    assert store.lexicon.list("approved") == []


def test_recordings_replace_and_follow_their_script(store: Store) -> None:
    script = store.scripts.create(title="Tin", text="Câu một. Câu hai.")
    whole, replaced = store.recordings.save(
        script_id=script.id, sentence=None, recorded_text=script.text,
        path=Path("recordings/a.wav"), duration_seconds=2.5, processing={"gain_db": 3.0},
        by="lan", now=NOW,
    )
    assert replaced is None and whole.sentence is None
    assert whole.text_sha256 == text_digest("Câu một.  Câu hai.")  # whitespace does not count
    again, replaced = store.recordings.save(
        script_id=script.id, sentence=None, recorded_text=script.text,
        path=Path("recordings/b.wav"), duration_seconds=2.4,
    )
    assert replaced == Path("recordings/a.wav")
    store.recordings.save(
        script_id=script.id, sentence=1, recorded_text="Câu hai.",
        path=Path("recordings/c.wav"), duration_seconds=1.0,
    )
    assert [(r.sentence, r.path.name) for r in store.recordings.list(script.id)] == [
        (None, "b.wav"), (1, "c.wav"),
    ]
    assert store.recordings.get(script.id, 1) is not None
    assert store.recordings.delete(script.id, 1) == Path("recordings/c.wav")
    assert store.recordings.delete(script.id, 1) is None

    store.scripts.delete(script.id)
    assert store.recordings.list(script.id) == []  # cascade

    with pytest.raises(StoreError) as caught:
        store.recordings.save(
            script_id=script.id, sentence=None, recorded_text="x", path=Path("x.wav"),
            duration_seconds=1.0,
        )
    assert caught.value.code == "not_found"


def test_topic_voices(store: Store) -> None:
    assert store.topic_voices.voice_for("chuyen-doi-so") is None
    store.topic_voices.set("chuyen-doi-so", "fpt:banmai", by="lan", now=NOW)
    store.topic_voices.set("chuyen-doi-so", "piper", by="hung")
    store.topic_voices.set("thong-tin-chung", "espeak", by="lan")
    assert store.topic_voices.voice_for("chuyen-doi-so") == "piper"
    assert {t: v.voice for t, v in store.topic_voices.all().items()} == {
        "chuyen-doi-so": "piper", "thong-tin-chung": "espeak",
    }
    assert store.topic_voices.delete("chuyen-doi-so") is True
    assert store.topic_voices.delete("chuyen-doi-so") is False


def test_saved_keys_are_shown_masked(store: Store) -> None:
    store.voice_keys.set("fpt", "abcdefghijklmnop1234", by="admin", now=NOW)
    assert store.voice_keys.key("fpt") == "abcdefghijklmnop1234"
    saved = store.voice_keys.saved()["fpt"]
    assert saved.hint == "…1234" and "abcdefgh" not in repr(saved)
    store.voice_keys.set("fpt", "another-key-0000-9999", by="admin")
    assert store.voice_keys.key("fpt") == "another-key-0000-9999"
    assert store.voice_keys.delete("fpt") and store.voice_keys.key("fpt") is None


def test_mask_key() -> None:
    assert mask_key(None) is None
    assert mask_key("short") == "…"  # too short to show any of it
    assert mask_key("0123456789abcdefWXYZ") == "…WXYZ"
