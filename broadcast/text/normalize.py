"""The single normalization entry point the render pipeline calls.

Minimal for now (NFC, whitespace); the full Vietnamese normalizer replaces the body.
"""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def normalize_for_speech(text: str) -> str:
    """Return ``text`` as an engine should read it (NFC, single spaces)."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text)).strip()
