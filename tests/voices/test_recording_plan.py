"""Which recordings air, from a script's current text (pure: no database)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from broadcast.store.recordings import Recording, text_digest
from broadcast.voices.recordings import plan_recordings, script_sentences

TEXT = "Kính thưa bà con. Chiều nay cắt điện. Kính thưa bà con."


def rec(media: Path, sentence: int | None, text: str, name: str) -> Recording:
    (media / name).write_bytes(b"RIFF")
    return Recording(
        id=abs(hash(name)) % 10_000, script_id=1, sentence=sentence, recorded_text=text,
        text_sha256=text_digest(text), path=Path(name), duration_seconds=1.0,
        original_name="", processing={}, created_by=None, created_at=datetime.now(UTC),
    )


def test_no_recordings_means_a_voice(tmp_path: Path) -> None:
    plan = plan_recordings(TEXT, [], tmp_path)
    assert plan.kind == "voice" and plan.note is None and not plan.uses_recording


def test_whole_recording_of_the_current_text(tmp_path: Path) -> None:
    whole = rec(tmp_path, None, TEXT, "all.wav")
    plan = plan_recordings(TEXT, [whole], tmp_path)
    assert plan.kind == "whole" and plan.clips == (tmp_path / "all.wav",)
    # Spacing does not make it outdated; a changed word does.
    assert plan_recordings(TEXT.replace(". ", ".  "), [whole], tmp_path).kind == "whole"
    outdated = plan_recordings(TEXT.replace("Chiều", "Sáng"), [whole], tmp_path)
    assert outdated.kind == "voice" and "đã cũ" in (outdated.note or "")
    assert [s.current for s in outdated.states] == [False]


def test_sentences_are_matched_by_their_text(tmp_path: Path) -> None:
    first, second, third = script_sentences(TEXT)
    assert first == third  # the same sentence twice
    recs = [
        rec(tmp_path, 0, first, "s1.wav"),
        rec(tmp_path, 1, second, "s2.wav"),
        rec(tmp_path, 2, third, "s3.wav"),
    ]
    plan = plan_recordings(TEXT, recs, tmp_path)
    assert plan.kind == "sentences"
    assert [p.name for p in plan.clips] == ["s1.wav", "s2.wav", "s3.wav"]

    # A sentence added in front: the recordings still match the sentences they read.
    longer = "Thông báo. " + TEXT
    plan = plan_recordings(longer, recs, tmp_path)
    assert plan.kind == "voice" and plan.missing_sentences == (0,)
    assert "1/4 câu" in (plan.note or "")


def test_a_missing_file_counts_as_missing(tmp_path: Path) -> None:
    whole = rec(tmp_path, None, TEXT, "gone.wav")
    (tmp_path / "gone.wav").unlink()
    plan = plan_recordings(TEXT, [whole], tmp_path)
    assert plan.kind == "voice" and "Không tìm thấy tệp" in (plan.note or "")


def test_whole_recording_wins_over_sentences(tmp_path: Path) -> None:
    first, second, _ = script_sentences(TEXT)
    recs = [rec(tmp_path, None, TEXT, "all.wav"), rec(tmp_path, 0, first, "s1.wav")]
    assert plan_recordings(TEXT, recs, tmp_path).kind == "whole"
