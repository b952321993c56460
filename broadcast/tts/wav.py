"""Small WAV helpers shared by the engines (no audio library needed)."""

from __future__ import annotations

import struct


def fix_riff_sizes(data: bytes) -> bytes:
    """Rewrite the RIFF and ``data`` chunk sizes to match the bytes actually present.

    Programs that write WAV to a pipe (espeak-ng ``--stdout``) cannot seek back, so they
    leave placeholder sizes (0x7ffff000...) that some readers reject or read past.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        return data
    out = bytearray(data)
    struct.pack_into("<I", out, 4, len(out) - 8)
    pos = 12
    while pos + 8 <= len(out):
        chunk_id = bytes(out[pos : pos + 4])
        (size,) = struct.unpack_from("<I", out, pos + 4)
        if chunk_id == b"data":
            struct.pack_into("<I", out, pos + 4, len(out) - pos - 8)
            break
        pos += 8 + size + (size & 1)
    return bytes(out)


def pcm16_mono_wav(samples: bytes, sample_rate: int) -> bytes:
    """A complete WAV file around 16-bit little-endian mono PCM ``samples``."""
    header = struct.pack(
        "<4sI4s4sIHHIIHH4sI",
        b"RIFF",
        36 + len(samples),
        b"WAVE",
        b"fmt ",
        16,
        1,  # PCM
        1,  # mono
        sample_rate,
        sample_rate * 2,
        2,
        16,
        b"data",
        len(samples),
    )
    return header + samples
