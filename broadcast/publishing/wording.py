"""How published items are named and described for listeners (Vietnamese), and their slugs."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from datetime import date, datetime

from broadcast.columns import default_name

WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
NO_COLUMN = "Chương trình khác"


def column_name(topic: str, names: Mapping[str, str]) -> str:
    """The Vietnamese name of a column (topic slug), from the station's managed list, else
    as the columns module names a topic found in old data."""
    if topic in names and names[topic].strip():
        return unicodedata.normalize("NFC", names[topic].strip())
    return default_name(topic) if topic else NO_COLUMN


def item_title(program_title: str, aired_local: datetime) -> str:
    """"Bản tin sáng — 06:00 ngày 01/12/2025": programmes repeat, so the time tells them
    apart in a podcast app."""
    name = program_title.strip() or "Chương trình"
    return f"{name} — {aired_local:%H:%M} ngày {aired_local:%d/%m/%Y}"


def day_title(day: date) -> str:
    return f"{WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y}"


def duration_text(seconds: float | None) -> str:
    """"3 phút 5 giây"."""
    if seconds is None:
        return ""
    total = int(round(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = []
    if hours:
        parts.append(f"{hours} giờ")
    if minutes:
        parts.append(f"{minutes} phút")
    if secs or not parts:
        parts.append(f"{secs} giây")
    return " ".join(parts)


def clock_duration(seconds: float | None) -> str:
    """"H:MM:SS" (itunes:duration)."""
    total = int(round(seconds or 0))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def excerpt(text: str, limit: int = 200) -> str:
    """The start of a text, cut at a word, for link previews and lists."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0].rstrip(",.;:–—-")
    return cut + "…"


def slugify(text: str) -> str:
    """ASCII lower-case words joined by hyphens ("Bản tin sáng" -> "ban-tin-sang")."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:120]


def item_slug(program_id: str, aired_local: datetime) -> str:
    """"2025-12-01-0600-ban-tin-sang": readable in a shared link, unique per airing."""
    return f"{aired_local:%Y-%m-%d-%H%M}-{slugify(program_id) or 'chuong-trinh'}"


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a script (blank lines separate them; single line breaks inside a
    paragraph are kept as spaces)."""
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip())
    return [" ".join(b.split()) for b in blocks if b.strip()]
