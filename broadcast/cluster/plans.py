"""What each speaker cluster airs: the station's airings, as plan items (pure).

A cluster gets every airing whose choice of clusters includes it (no choice: every
cluster), with the audio to play (the program's render, by sha256) or, when the program
could not be rendered, the reason. Skipped occurrences are left out (nothing airs).

A relay is a ``stream`` item: the clusters play the station's published output (``stream``,
None when the station publishes none) for the relay's length, behind the station by the
stream's delay; its audio is the relay's render, which is its fallback (what covers an
outage of the stream, as at the station).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from broadcast.cluster.protocol import AudioRef, Item, Plan, StreamRef
from broadcast.programs import Program
from broadcast.scheduling.model import Priority
from broadcast.station.live_desk import LIVE_PROGRAM, LIVE_TITLE, LIVE_TOPIC
from broadcast.station.planner import Airing

NOT_PUBLISHED = (
    "Đài chưa phát luồng cho các cụm loa (cần BROADCAST_ICECAST_URL): cụm loa không tiếp "
    "sóng được."
)


def item_of(
    airing: Airing,
    programs: Mapping[str, Program],
    audio: Mapping[str, AudioRef],
    errors: Mapping[str, str],
    tz: ZoneInfo,
    stream: StreamRef | None = None,
) -> Item:
    program = programs.get(airing.program_id)
    found = audio.get(airing.program_id)
    named = Item(
        start=airing.start.astimezone(tz),
        program=airing.program_id,
        priority=airing.priority.label,
        slot=airing.key.slot_id,
        announcement=airing.key.announcement_id,
        title=program.title if program is not None else airing.program_id,
        topic=program.topic if program is not None else "",
        audio=found,
    )
    longest = None if airing.max_duration is None else airing.max_duration.total_seconds()
    relay = program.relay if program is not None else None
    if relay is not None and relay.seconds is not None:
        return replace(
            named, kind="stream", stream=stream,
            max_duration=relay.seconds if longest is None else min(relay.seconds, longest),
            error=None if stream is not None else NOT_PUBLISHED,
        )
    return replace(
        named, max_duration=longest,
        error=None if found is not None else errors.get(airing.program_id, "Chưa có âm thanh."),
    )


def live_item(
    entry_id: int,
    ordered_at: datetime,
    priority: Priority,
    stream: StreamRef | None,
    fallback: AudioRef | None,
    tz: ZoneInfo,
) -> Item:
    """A live broadcast for the clusters: the station's published output from the instant it
    was ordered, until a ``stop`` says where it ended."""
    return Item(
        start=ordered_at.astimezone(tz), program=LIVE_PROGRAM, priority=priority.label,
        live=entry_id, title=LIVE_TITLE, topic=LIVE_TOPIC, kind="stream", stream=stream,
        audio=fallback, error=None if stream is not None else NOT_PUBLISHED,
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
    stream: StreamRef | None = None,
) -> dict[str, Plan]:
    """One plan per cluster; clusters with the same airings share the items."""
    items = [(a, item_of(a, programs, audio, errors, tz, stream))
             for a in airings if not a.skipped]
    out: dict[str, Plan] = {}
    shared: tuple[Item, ...] | None = None
    for cluster in clusters:
        mine = tuple(i for a, i in items if a.airs_on(cluster))
        if len(mine) == len(items):
            shared = shared if shared is not None else mine
            mine = shared
        out[cluster] = Plan(cluster, issued_at.timestamp(), until.timestamp(), mine)
    return out
