"""One shape for an as-run entry, shared by `broadcast log --json` and `GET /api/log`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.store.asrun import AsRunEntry


def _iso(value: datetime | None, tz: ZoneInfo) -> str | None:
    return None if value is None else value.astimezone(tz).isoformat()


def entry_to_json(entry: AsRunEntry, tz: ZoneInfo) -> dict[str, Any]:
    """Times in ISO 8601 with the station's offset; ``outcome`` is null while on air."""
    return {
        "id": entry.id,
        "slot": entry.slot_id,
        "announcement": entry.announcement_id,
        "cluster": entry.cluster,
        "program": entry.program_id,
        "program_title": entry.program_title,
        "topic": entry.topic,
        "priority": entry.priority.label,
        "scheduled_start": _iso(entry.scheduled_start, tz),
        "actual_start": _iso(entry.actual_start, tz),
        "end": _iso(entry.end, tz),
        "outcome": None if entry.outcome is None else entry.outcome.value,
        "lateness_seconds": None if entry.lateness is None else entry.lateness.total_seconds(),
        "engines": list(entry.engines),
        "error": entry.error,
        "note": entry.note,
        "render_id": entry.render_id,
        "stopped_by_operator": bool(entry.details.get("stopped_by_operator")),
        "details": dict(entry.details),
    }
