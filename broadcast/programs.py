"""What a program is made of: an ordered list of segments (descriptions, not audio).

Used by the timetable (YAML), the store and the renderer; the mixer receives these
segments resolved to audio.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

SegmentKind = Literal["jingle", "script", "silence", "audio"]


@dataclass(frozen=True)
class Segment:
    """One part of a program.

    - ``jingle``: ``ref`` is a jingle name (shipped ``intro``/``outro`` or an uploaded one);
    - ``script``: ``ref`` is a script path (YAML import) or a script id (database);
    - ``audio``: ``ref`` is an audio file path (WAV/MP3);
    - ``silence``: ``seconds`` of silence.
    """

    kind: SegmentKind
    ref: str = ""
    seconds: float = 0.0


@dataclass(frozen=True)
class Program:
    id: str
    title: str
    topic: str = ""
    segments: tuple[Segment, ...] = field(default_factory=tuple)
    bed: str | None = None  # optional music bed (audio path) under the speech
