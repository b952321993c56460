"""Playout: programs to the loudspeaker output.

``sounddevice`` is imported only by :mod:`broadcast.playout.sounddevice_sink`, lazily;
importing this package never touches PortAudio.
"""

from broadcast.playout.file_sink import FilePlayback, FileSink
from broadcast.playout.player import Playback, PlaybackReport, Player
from broadcast.playout.sink import DeviceInfo, EndReason, PlaybackHandle, Sink, SinkHealth
from broadcast.playout.source import ProgramSource

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
