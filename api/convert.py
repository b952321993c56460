"""Core records -> response bodies, and request values -> core values."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from api import schemas
from api.media_files import audio_name
from broadcast.columns import default_name
from broadcast.programs import Program, Segment
from broadcast.scheduling.model import WEEKDAYS, Adjustment, Priority, Slot
from broadcast.station.control import OnAir, TimetableEntry
from broadcast.store.scripts import ScriptRecord, ScriptRevision


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slugify(text: str, *, fallback: str = "muc") -> str:
    """ASCII id from Vietnamese text: ``Bản tin Chuyển đổi số`` -> ``ban-tin-chuyen-doi-so``."""
    plain = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch)).lower()
    slug = _NOT_SLUG.sub("-", plain).strip("-")[:48].strip("-")
    return slug or fallback


def parse_time(text: str) -> time:
    parts = [int(p) for p in text.split(":")]
    return time(parts[0], parts[1], parts[2] if len(parts) > 2 else 0)


def days_in(value: Sequence[str] | str) -> frozenset[int]:
    if value == "daily":
        return frozenset(range(7))
    return frozenset(WEEKDAYS.index(d) for d in value)


def aware(value: datetime, tz: ZoneInfo) -> datetime:
    """A naive datetime from a client is station-local time."""
    return value.replace(tzinfo=tz) if value.tzinfo is None else value


def local_iso(value: datetime, tz: ZoneInfo) -> datetime:
    return value.astimezone(tz)


def script_out(
    record: ScriptRecord, tz: ZoneInfo, names: Mapping[str, str] | None = None
) -> schemas.ScriptOut:
    return schemas.ScriptOut(
        topic_name=(names or {}).get(record.topic) or default_name(record.topic),
        air_date=record.air_date,
        id=record.id,
        title=record.title,
        topic=record.topic,
        text=record.text,
        voice=record.voice,
        engine=record.engine,
        status=record.status,
        revision=record.revision,
        approved_by=record.approved_by,
        approved_at=None if record.approved_at is None else local_iso(record.approved_at, tz),
        approved_revision=record.approved_revision,
        created_by=record.created_by,
        created_at=local_iso(record.created_at, tz),
        updated_at=local_iso(record.updated_at, tz),
    )


def revision_out(rev: ScriptRevision, tz: ZoneInfo) -> schemas.RevisionOut:
    return schemas.RevisionOut(
        number=rev.number,
        title=rev.title,
        topic=rev.topic,
        text=rev.text,
        voice=rev.voice,
        engine=rev.engine,
        edited_by=rev.edited_by,
        created_at=local_iso(rev.created_at, tz),
        approved_by=rev.approved_by,
        approved_at=None if rev.approved_at is None else local_iso(rev.approved_at, tz),
    )


def segment_in(segment: Any, audio_ref: Callable[[str], str]) -> Segment:
    if isinstance(segment, schemas.ScriptSegment):
        return Segment.stored_script(segment.script_id)
    if isinstance(segment, schemas.BulletinSegment):
        return Segment.bulletin(segment.column)
    if isinstance(segment, schemas.FileSegment):
        return Segment.script_file(segment.path)
    if isinstance(segment, schemas.JingleSegment):
        return Segment.jingle(segment.name)
    if isinstance(segment, schemas.AudioSegment):
        return Segment.audio_file(audio_ref(segment.name))
    if isinstance(segment, schemas.RelaySegment):
        return Segment.relay(segment.url.strip(), segment.seconds)
    assert isinstance(segment, schemas.SilenceSegment)
    return Segment.silence(segment.seconds)


def segment_out(segment: Segment) -> schemas.SegmentOut:
    if segment.kind == "script" and segment.path is not None:
        # A script file (from a YAML import): the page offers to import it as a script.
        return schemas.SegmentOut(type="file", path=segment.path, name=segment.path.rsplit("/")[-1])
    if segment.kind == "script":
        return schemas.SegmentOut(type="script", script_id=segment.script_id)
    if segment.kind == "bulletin":
        return schemas.SegmentOut(type="bulletin", column=segment.column)
    if segment.kind == "silence":
        return schemas.SegmentOut(type="silence", seconds=segment.seconds)
    if segment.kind == "relay":
        return schemas.SegmentOut(type="relay", url=segment.url, seconds=segment.seconds)
    if segment.kind == "audio":
        assert segment.path is not None
        return schemas.SegmentOut(type="audio", name=audio_name(segment.path))
    assert segment.kind == "jingle"
    return schemas.SegmentOut(type="jingle", name=segment.name)


def program_out(program: Program, names: Mapping[str, str] | None = None) -> schemas.ProgramOut:
    return schemas.ProgramOut(
        topic_name=(names or {}).get(program.topic) or default_name(program.topic),
        id=program.id,
        title=program.title,
        topic=program.topic,
        segments=[segment_out(s) for s in program.segments],
        bed=None if program.bed is None else audio_name(program.bed),
    )


def priority_name(priority: Priority | int | str) -> schemas.PriorityName:
    return cast(schemas.PriorityName, Priority.parse(priority).label)


def slot_out(slot: Slot) -> schemas.SlotOut:
    return schemas.SlotOut(
        id=slot.id,
        program_id=slot.program_id,
        time=slot.time.strftime("%H:%M:%S"),
        date=slot.on_date,
        days=[cast(schemas.WeekdayName, WEEKDAYS[d]) for d in sorted(slot.days)],
        priority=priority_name(slot.priority),
        max_duration_seconds=(
            None if slot.max_duration is None else int(slot.max_duration.total_seconds())
        ),
        valid_from=slot.valid_from,
        valid_until=slot.valid_until,
        paused=slot.paused,
        clusters=None if slot.clusters is None else sorted(slot.clusters),
    )


def seconds_to_delta(seconds: int | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=seconds)


def adjustment_out(adj: Adjustment, tz: ZoneInfo) -> schemas.AdjustmentOut:
    return schemas.AdjustmentOut(
        slot_id=adj.slot_id,
        kind=adj.kind.value,
        original_start=local_iso(adj.original_start, tz),
        new_start=None if adj.new_start is None else local_iso(adj.new_start, tz),
    )


def entry_out(
    entry: TimetableEntry, tz: ZoneInfo, names: Mapping[str, str] | None = None
) -> schemas.TimetableEntryOut:
    return schemas.TimetableEntryOut(
        topic_name=(names or {}).get(entry.topic) or default_name(entry.topic),
        warning=entry.warning,
        warning_script_id=entry.warning_script_id,
        render_id=entry.render_id,
        log_id=entry.log_id,
        slot_id=entry.slot_id,
        announcement_id=entry.announcement_id,
        program_id=entry.program_id,
        program_title=entry.program_title,
        topic=entry.topic,
        priority=priority_name(entry.priority),
        start=local_iso(entry.start, tz),
        original_start=local_iso(entry.original_start, tz),
        duration_seconds=entry.duration_seconds,
        status=entry.status,
        moved=entry.moved,
        error=entry.error,
        note=entry.note,
    )


def on_air_out(on_air: OnAir, tz: ZoneInfo) -> schemas.OnAirOut:
    return schemas.OnAirOut(
        slot_id=on_air.slot_id,
        announcement_id=on_air.announcement_id,
        program_id=on_air.program_id,
        program_title=on_air.program_title,
        priority=priority_name(on_air.priority),
        scheduled_start=local_iso(on_air.scheduled_start, tz),
        actual_start=local_iso(on_air.actual_start, tz),
        duration_seconds=on_air.duration_seconds,
    )
