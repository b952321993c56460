"""What each speaker cluster airs: the station's airings, as plan items (pure).

A cluster gets every airing whose choice of clusters includes it (no choice: every
cluster), with the audio to play (the program's render, by sha256) or, when the program
could not be rendered, the reason. Skipped occurrences are left out (nothing airs).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from broadcast.cluster.protocol import AudioRef, Item, Plan
from broadcast.programs import Program
from broadcast.station.planner import Airing


def item_of(
    airing: Airing,
    programs: Mapping[str, Program],
    audio: Mapping[str, AudioRef],
    errors: Mapping[str, str],
    tz: ZoneInfo,
) -> Item:
    program = programs.get(airing.program_id)
    found = audio.get(airing.program_id)
    return Item(
        start=airing.start.astimezone(tz),
        program=airing.program_id,
        priority=airing.priority.label,
        slot=airing.key.slot_id,
        announcement=airing.key.announcement_id,
        title=program.title if program is not None else airing.program_id,
        topic=program.topic if program is not None else "",
        audio=found,
        max_duration=(
            None if airing.max_duration is None else airing.max_duration.total_seconds()
        ),
        error=None if found is not None else errors.get(airing.program_id, "Chưa có âm thanh."),
    )


def plans_for(
    clusters: Iterable[str],
    airings: Sequence[Airing],
    programs: Mapping[str, Program],
    audio: Mapping[str, AudioRef],
    errors: Mapping[str, str],
    tz: ZoneInfo,
    *,
    issued_at: datetime,
    until: datetime,
) -> dict[str, Plan]:
    """One plan per cluster; clusters with the same airings share the items."""
    items = [(a, item_of(a, programs, audio, errors, tz)) for a in airings if not a.skipped]
    out: dict[str, Plan] = {}
    shared: tuple[Item, ...] | None = None
    for cluster in clusters:
        mine = tuple(i for a, i in items if a.airs_on(cluster))
        if len(mine) == len(items):
            shared = shared if shared is not None else mine
            mine = shared
        out[cluster] = Plan(cluster, issued_at.timestamp(), until.timestamp(), mine)
    return out
