"""Deciding whether a script airs in the editor's own voice: pure, from the script's text and
its recordings.

- A recording of the whole script is used while the text is the one recorded.
- Recordings sentence by sentence are used when every sentence of the current text has one
  (matched by the sentence's text, so reordering or editing other sentences keeps them).
- Otherwise the script is read by a voice, as a whole (never a voice change in the middle of
  a script), and ``note`` says why: the operator sees it.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from broadcast.store.recordings import Recording, text_digest
from broadcast.text.sentences import split_sentences


def script_sentences(text: str) -> list[str]:
    """The sentences an editor records one by one (as the reading preview shows them)."""
    return split_sentences(unicodedata.normalize("NFC", text))


@dataclass(frozen=True)
class RecordingState:
    recording: Recording
    current: bool  # matches the script's current text


@dataclass(frozen=True)
class RecordingPlan:
    """What airs for one script: ``clips`` (the processed recordings, in order) or, when
    empty, a voice; ``kind`` says which; ``note`` (Vietnamese) why recordings are not used."""

    kind: str  # "whole", "sentences" or "voice"
    clips: tuple[Path, ...] = ()
    note: str | None = None
    states: list[RecordingState] = field(default_factory=list)
    missing_sentences: tuple[int, ...] = ()

    @property
    def uses_recording(self) -> bool:
        return bool(self.clips)


def plan_recordings(
    text: str, recordings: Sequence[Recording], media_dir: Path
) -> RecordingPlan:
    """The plan for a script whose current text is ``text``; recording paths are relative
    to ``media_dir`` (a recording whose file is gone counts as missing)."""
    if not recordings:
        return RecordingPlan("voice")
    whole_digest = text_digest(text)
    sentences = script_sentences(text)
    sentence_digests = {text_digest(s) for s in sentences}
    states = [
        RecordingState(
            r,
            (r.text_sha256 == whole_digest) if r.sentence is None
            else r.text_sha256 in sentence_digests,
        )
        for r in recordings
    ]
    whole = next((s for s in states if s.recording.sentence is None), None)
    if whole is not None and whole.current and (media_dir / whole.recording.path).is_file():
        return RecordingPlan("whole", (media_dir / whole.recording.path,), None, states)

    per_sentence = [s.recording for s in states if s.recording.sentence is not None]
    clips: list[Path] = []
    missing: list[int] = []
    if per_sentence:
        for index, sentence in enumerate(sentences):
            found = _best_match(sentence, index, per_sentence)
            path = media_dir / found.path if found is not None else None
            if path is None or not path.is_file():
                missing.append(index)
            else:
                clips.append(path)
        if not missing:
            return RecordingPlan("sentences", tuple(clips), None, states)

    return RecordingPlan("voice", (), _why_not(whole, missing, len(sentences)), states,
                         tuple(missing))


def _best_match(sentence: str, index: int, recordings: Sequence[Recording]) -> Recording | None:
    digest = text_digest(sentence)
    same_text = [r for r in recordings if r.text_sha256 == digest]
    if not same_text:
        return None
    # The same sentence may occur twice: prefer the recording made at this position.
    return min(same_text, key=lambda r: abs((r.sentence or 0) - index))


def _why_not(whole: RecordingState | None, missing: list[int], total: int) -> str:
    if whole is not None and not whole.current:
        return (
            "Bản tự đọc của cả bài đã cũ (nội dung bài đã sửa sau khi thu): bài sẽ được đọc "
            "bằng giọng máy cho đến khi thu lại"
        )
    if whole is not None:
        return "Không tìm thấy tệp bản tự đọc của cả bài: bài sẽ được đọc bằng giọng máy"
    numbers = ", ".join(str(i + 1) for i in missing[:10])
    more = "…" if len(missing) > 10 else ""
    return (
        f"Còn thiếu bản thu của {len(missing)}/{total} câu (câu {numbers}{more}): cả bài sẽ "
        "được đọc bằng giọng máy cho đến khi thu đủ"
    )
