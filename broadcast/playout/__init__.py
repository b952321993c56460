"""Playout: programs to the loudspeaker output.

``sounddevice`` is imported only by :mod:`broadcast.playout.sounddevice_sink`, lazily;
importing this package never touches PortAudio. The names below are loaded on first use,
so that a process needing one module (the audio engine needs the sinks, not the player)
imports only that one.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from broadcast.playout.file_sink import FilePlayback, FileSink
    from broadcast.playout.player import Playback, PlaybackReport, Player
    from broadcast.playout.sink import DeviceInfo, EndReason, PlaybackHandle, Sink, SinkHealth
    from broadcast.playout.source import ProgramSource

_WHERE = {
    "DeviceInfo": "sink",
    "EndReason": "sink",
    "FilePlayback": "file_sink",
    "FileSink": "file_sink",
    "Playback": "player",
    "PlaybackHandle": "sink",
    "PlaybackReport": "player",
    "Player": "player",
    "ProgramSource": "source",
    "Sink": "sink",
    "SinkHealth": "sink",
}

__all__ = [
    "DeviceInfo",
    "EndReason",
    "FilePlayback",
    "FileSink",
    "Playback",
    "PlaybackHandle",
    "PlaybackReport",
    "Player",
    "ProgramSource",
    "Sink",
    "SinkHealth",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"broadcast.playout.{module}"), name)
