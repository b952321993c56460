"""What a program is made of: an ordered list of segments (descriptions, not audio).

Used by the timetable (YAML), the store and the renderer; the mixer receives these
segments resolved to audio.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

SegmentKind = Literal["jingle", "script", "silence", "audio", "bulletin", "relay"]
SEGMENT_KINDS: tuple[SegmentKind, ...] = (
    "jingle", "script", "silence", "audio", "bulletin", "relay"
)
MAX_RELAY_SECONDS = 6 * 3600


@dataclass(frozen=True)
class Segment:
    """One part of a program. Each kind uses its own fields, and only those:

    - ``jingle``: ``name`` (shipped ``intro``/``outro`` or an uploaded jingle);
    - ``script``: ``script_id`` (a stored script) or ``path`` (a script file), never both;
    - ``audio``: ``path`` (WAV/MP3; a relative path is in the station's media folder);
    - ``silence``: ``seconds``;
    - ``bulletin``: ``column`` — the bulletin of the day of that column (chuyên mục): the
      approved script written for the column and the airing's local date.
    - ``relay``: ``url`` (an Icecast/Shoutcast or HLS stream) and ``seconds`` (how long the
      slot relays it). A relay program is that one segment alone.

    Build them with the class methods (``Segment.stored_script(12)``...).
    """

    kind: SegmentKind
    name: str | None = None
    script_id: int | None = None
    path: str | None = None
    seconds: float = 0.0
    column: str | None = None
    url: str | None = None

    def __post_init__(self) -> None:
        given = {
            "name": self.name is not None,
            "script_id": self.script_id is not None,
            "path": self.path is not None,
            "seconds": bool(self.seconds),
            "column": self.column is not None,
            "url": self.url is not None,
        }
        allowed = {
            "jingle": {"name"},
            "script": {"script_id", "path"},
            "audio": {"path"},
            "silence": {"seconds"},
            "bulletin": {"column"},
            "relay": {"url", "seconds"},
        }.get(self.kind)
        if allowed is None:
            raise ValueError(f"unknown segment kind {self.kind!r}")
        extra = {name for name, present in given.items() if present} - allowed
        if extra:
            raise ValueError(f"a {self.kind} segment has no {', '.join(sorted(extra))}")
        if self.kind == "script" and (self.script_id is None) == (self.path is None):
            raise ValueError("a script segment names a stored script or a file, exactly one")
        if self.kind == "jingle" and not self.name:
            raise ValueError("a jingle segment needs a name")
        if self.kind == "audio" and not self.path:
            raise ValueError("an audio segment needs a path")
        if self.kind == "bulletin" and not self.column:
            raise ValueError("a bulletin segment needs a column")
        if self.kind == "relay" and (
            not self.url or not 0 < self.seconds <= MAX_RELAY_SECONDS
        ):
            raise ValueError("a relay segment needs a url and 0 < seconds <= 6 hours")

    @classmethod
    def jingle(cls, name: str) -> Segment:
        return cls("jingle", name=name)

    @classmethod
    def stored_script(cls, script_id: int) -> Segment:
        return cls("script", script_id=script_id)

    @classmethod
    def script_file(cls, path: str) -> Segment:
        return cls("script", path=path)

    @classmethod
    def audio_file(cls, path: str) -> Segment:
        return cls("audio", path=path)

    @classmethod
    def silence(cls, seconds: float) -> Segment:
        return cls("silence", seconds=float(seconds))

    @classmethod
    def bulletin(cls, column: str) -> Segment:
        return cls("bulletin", column=column)

    @classmethod
    def relay(cls, url: str, seconds: float) -> Segment:
        return cls("relay", url=url, seconds=float(seconds))

    def to_json(self) -> dict[str, Any]:
        """The stored form: the kind and the fields that kind uses."""
        data: dict[str, Any] = {"kind": self.kind}
        if self.name is not None:
            data["name"] = self.name
        if self.script_id is not None:
            data["script_id"] = self.script_id
        if self.path is not None:
            data["path"] = self.path
        if self.column is not None:
            data["column"] = self.column
        if self.url is not None:
            data["url"] = self.url
        if self.kind in ("silence", "relay"):
            data["seconds"] = self.seconds
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Segment:
        script_id = data.get("script_id")
        return cls(
            kind=data["kind"],
            name=data.get("name"),
            script_id=None if script_id is None else int(script_id),
            path=data.get("path"),
            seconds=float(data.get("seconds", 0.0)),
            column=data.get("column"),
            url=data.get("url"),
        )


def relay_durations(
    programs: Iterable[Program], only: Iterable[str] | None = None
) -> dict[str, timedelta]:
    """The length of each relay program (known from its segment, before any render)."""
    wanted = None if only is None else set(only)
    return {
        p.id: timedelta(seconds=p.relay.seconds)
        for p in programs
        if p.relay is not None and (wanted is None or p.id in wanted)
    }


@dataclass(frozen=True)
class Program:
    id: str
    title: str
    topic: str = ""
    segments: tuple[Segment, ...] = field(default_factory=tuple)
    bed: str | None = None  # optional music bed (audio path) under the speech

    @property
    def script_ids(self) -> list[int]:
        """The stored scripts the program reads, in order."""
        return [s.script_id for s in self.segments if s.script_id is not None]

    @property
    def bulletin_columns(self) -> list[str]:
        """The columns whose bulletin of the day the program reads, in order."""
        return [s.column for s in self.segments if s.column is not None]

    @property
    def relay(self) -> Segment | None:
        """The relay segment of a relay program (None for a rendered program)."""
        return next((s for s in self.segments if s.kind == "relay"), None)
