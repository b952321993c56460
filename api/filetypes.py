"""What an uploaded file really is, judged by its bytes (the client's name is not trusted)."""

from __future__ import annotations

from pathlib import PurePath
from typing import Literal

from api.errors import ApiError

AudioType = Literal["wav", "mp3"]

_ZIP = b"PK\x03\x04"


def script_parse_name(data: bytes, display_name: str) -> str:
    """The name to hand the script parser: its suffix is chosen from the content.

    A ZIP container is parsed as .docx whatever it is called; anything else is parsed as text
    (.md if the client called it so), which refuses binaries with a clear message.
    """
    stem = PurePath(display_name).stem or "bai-viet"
    suffix = PurePath(display_name).suffix.lower()
    if data.startswith(_ZIP):
        return f"{stem}.docx"
    if suffix == ".docx":
        raise ApiError(
            422,
            f"Tệp «{display_name}» có đuôi .docx nhưng nội dung không phải tệp Word (.docx).",
            code="upload_wrong_type",
        )
    return f"{stem}.md" if suffix in (".md", ".markdown") else f"{stem}.txt"


def _is_mp3_frame(data: bytes) -> bool:
    # MPEG audio frame sync: 11 set bits; layer bits != 00; bitrate index != 1111.
    return (
        len(data) >= 4
        and data[0] == 0xFF
        and data[1] & 0xE0 == 0xE0
        and data[1] & 0x06 != 0
        and data[2] & 0xF0 != 0xF0
    )


def audio_type(data: bytes, display_name: str) -> AudioType:
    """``wav`` or ``mp3`` from the magic bytes, else ``upload_wrong_type`` (422)."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    if data[:3] == b"ID3" or _is_mp3_frame(data):
        return "mp3"
    raise ApiError(
        422,
        f"Tệp «{display_name}» không phải âm thanh WAV hoặc MP3.",
        code="upload_wrong_type",
    )
