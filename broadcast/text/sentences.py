"""Split normalized text into sentences, the unit of synthesis and of the audio cache."""

from __future__ import annotations

import re

# A sentence ends at . ! ? … or ; followed by space, or at a line break.
_BOUNDARY = re.compile(r"(?<=[.!?…;])\s+|\n+")


def split_sentences(text: str) -> list[str]:
    """Return the non-empty sentences of ``text`` in order, stripped."""
    parts = (p.strip() for p in _BOUNDARY.split(text))
    return [p for p in parts if p and any(ch.isalnum() for ch in p)]
