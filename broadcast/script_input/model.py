"""A script as the rest of the station sees it: a title, speakable text, and labels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Script:
    title: str
    text: str  # NFC, speakable (markup removed), paragraphs separated by newlines
    topic: str = ""  # the column, e.g. "chuyen-doi-so"; counted by airtime reports
    voice: str | None = None
    engine: str | None = None
    source: str = ""  # the file name or path it came from
    # The editor's own reading, ready to air (processed WAVs in order); empty: a voice reads.
    recording: tuple[Path, ...] = ()
    # Where the title came from: "given" (front matter), "heading" (a heading line of the
    # text) or "guessed" (the first sentence: the editor should check it).
    title_source: str = "given"
