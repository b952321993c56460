from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from broadcast.store import Store

T0 = datetime(2025, 8, 1, 1, 0, tzinfo=UTC)


def test_last_good_is_the_newest_successful_render(store: Store) -> None:
    assert store.renders.last_good("sang") is None
    store.renders.record(
        program_id="sang",
        content_hash="h1",
        ok=True,
        wav_path=Path("/cache/a.wav"),
        duration_seconds=61.5,
        loudness_lufs=-16.1,
        engines=["gtts"],
        now=T0,
    )
    good = store.renders.record(
        program_id="sang",
        content_hash="h2",
        ok=True,
        wav_path="/cache/b.wav",
        engines=["gtts", "espeak"],
        now=T0 + timedelta(hours=1),
    )
    store.renders.record(
        program_id="sang",
        content_hash="h3",
        ok=False,
        error="TTS hỏng",
        now=T0 + timedelta(hours=2),
    )
    store.renders.record(
        program_id="chieu", content_hash="h9", ok=True, now=T0 + timedelta(hours=3)
    )
    last = store.renders.last_good("sang")
    assert last == good
    assert last is not None
    assert last.wav_path == Path("/cache/b.wav")
    assert last.engines == ("gtts", "espeak")
    assert last.created_at == T0 + timedelta(hours=1)


def test_find_good_matches_the_content_hash(store: Store) -> None:
    first = store.renders.record(
        program_id="sang", content_hash="h1", ok=True, duration_seconds=3.0, now=T0
    )
    store.renders.record(program_id="sang", content_hash="h2", ok=False, error="x", now=T0)
    assert store.renders.find_good("sang", "h1") == first
    assert store.renders.find_good("sang", "h2") is None
    failed = store.renders.list("sang")
    assert {r.content_hash for r in failed} == {"h1", "h2"}
    assert [r.error for r in failed if not r.ok] == ["x"]


def test_newest_good_and_good_contents_cover_every_program_in_one_query(store: Store) -> None:
    store.renders.record(program_id="a", content_hash="h1", ok=True, wav_path="/x/a1.wav",
                         duration_seconds=10.0)
    store.renders.record(program_id="a", content_hash="h2", ok=True, wav_path="/x/a2.wav",
                         duration_seconds=12.0)
    store.renders.record(program_id="a", content_hash="h3", ok=False, error="hỏng")
    store.renders.record(program_id="b", content_hash="h4", ok=True, wav_path="/x/b.wav",
                         duration_seconds=5.0)
    newest = store.renders.newest_good()
    assert {pid: r.content_hash for pid, r in newest.items()} == {"a": "h2", "b": "h4"}
    assert store.renders.good_contents() == {("a", "h1"), ("a", "h2"), ("b", "h4")}
