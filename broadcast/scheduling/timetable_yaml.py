"""The timetable as YAML (``version: 1``): import and export, round-tripping exactly.

Canonical form (what ``dump_timetable`` writes; a file in this form loads and dumps back byte
for byte)::

    version: 1
    timezone: Asia/Ho_Chi_Minh
    programs:
      - id: cds-sang
        title: "Chuyên mục Chuyển đổi số"
        topic: chuyen-doi-so                # omitted when empty
        bed: ../media/nhac-nen.mp3          # optional music bed, relative to this file
        segments:
          - jingle: intro                   # a shipped or uploaded jingle by name
          - script: ../scripts/cds-01.txt   # relative to this file
          - script_id: 12                   # or a script stored in the station's database
          - silence: 1.5                    # seconds
          - audio: ../media/bai-hat.mp3     # relative to this file
          - jingle: outro
    slots:
      - id: sang-246
        program: cds-sang
        time: "06:00"                       # "HH:MM" or "HH:MM:SS", local time
        days: [mon, wed, fri]               # or `days: daily`, or `date: 2026-08-01` (once)
        priority: normal                    # normal | priority | emergency
        max_duration: "10:00"               # optional, "MM:SS" (also read: seconds, "H:MM:SS")
        from: 2026-08-01                    # optional validity range, inclusive
        until: 2026-12-31
        paused: true                        # only when paused
        clusters: [local, thon-1]           # optional: speaker clusters ("local": the station)
        skips: [2026-09-02]                 # occurrences not aired (by date)
        moves:                              # occurrences aired at another time
          - date: 2026-09-07
            to: "2026-09-07 07:00"

No comments in canonical form (they are not kept). Also read: ``daily: true``, weekday names in
any case, unquoted dates, ``max_duration`` in seconds. Unknown keys are refused (a typo would
otherwise be silently ignored), and so is a file whose slots clash: nothing is half-imported.
Script, audio and bed paths are kept as written (``Segment.path``); ``Timetable.resolve`` makes
them absolute against the folder of the file they were read from.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from broadcast.programs import MAX_RELAY_SECONDS, Program, Segment
from broadcast.scheduling.localtime import local_instant
from broadcast.scheduling.model import WEEKDAYS, Adjustment, AdjustmentKind, Priority, Slot
from broadcast.scheduling.timetable_check import validate_timetable
from broadcast.scheduling.validation import TimetableError
from broadcast.scheduling.wording import clock_text

TIMETABLE_VERSION = 1
DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
MAX_SILENCE_SECONDS = 3600.0

Estimate = Callable[[Program], timedelta | None]

_TOP_KEYS = ("version", "timezone", "programs", "slots")
_PROGRAM_KEYS = ("id", "title", "topic", "bed", "segments")
_SLOT_KEYS = ("id", "program", "time", "days", "daily", "date", "priority", "max_duration",
              "from", "until", "paused", "clusters", "skips", "moves")
_MOVE_KEYS = ("date", "to")
_SEGMENT_KEYS = ("jingle", "script", "script_id", "silence", "audio", "bulletin", "relay")

_TIME = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_DURATION = re.compile(r"(?:(\d+):)?(\d+):(\d{2})")
_MOMENT = re.compile(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?")
_PLAIN = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_./+-]*")
_RESOLVER = yaml.resolver.Resolver()


def _adjustment_order(slots: Sequence[Slot]) -> Callable[[Adjustment], tuple[int, int, datetime]]:
    position = {slot.id: i for i, slot in enumerate(slots)}

    def key(adj: Adjustment) -> tuple[int, int, datetime]:
        kind = 0 if adj.kind is AdjustmentKind.SKIP else 1
        return (position.get(adj.slot_id, len(position)), kind, adj.original_start)

    return key


@dataclass
class Timetable:
    """A whole timetable. ``adjustments`` are kept in canonical order (by slot, skips first,
    then by date). ``base_dir``: the folder relative paths are resolved against (not compared).
    """

    version: int
    timezone: str
    programs: list[Program]
    slots: list[Slot]
    adjustments: list[Adjustment] = field(default_factory=list)
    base_dir: Path | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        self.adjustments = sorted(self.adjustments, key=_adjustment_order(self.slots))

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def program(self, program_id: str) -> Program:
        for program in self.programs:
            if program.id == program_id:
                return program
        raise KeyError(program_id)

    def resolve(self, ref: str) -> Path:
        """A script/audio/bed path as written in the file, made absolute against ``base_dir``."""
        path = Path(ref)
        if path.is_absolute() or self.base_dir is None:
            return path
        return Path(os.path.normpath(self.base_dir / path))

    def referenced_files(self) -> list[tuple[str, str]]:
        """(program id, path as written) for every script, audio file and bed."""
        out: list[tuple[str, str]] = []
        for program in self.programs:
            if program.bed:
                out.append((program.id, program.bed))
            out.extend((program.id, s.path) for s in program.segments if s.path is not None)
        return out


# ---------------------------------------------------------------------------------------- load


class _UniqueKeyLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """The safe loader, refusing a key written twice in one mapping."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[tuple[str, Any]] = set()
        for key_node, _ in node.value:
            key = (key_node.tag, key_node.value if isinstance(key_node, yaml.ScalarNode)
                   else id(key_node))
            if key in seen:
                line = key_node.start_mark.line + 1
                raise TimetableError(
                    f"Khoá '{key[1]}' được viết hai lần (dòng {line}).", code="duplicate_key"
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# Dates stay text until checked here: PyYAML would raise a bare ValueError on 2026-02-30.
_UniqueKeyLoader.add_constructor(
    "tag:yaml.org,2002:timestamp", lambda loader, node: loader.construct_scalar(node)
)


def load_timetable(
    source: str | os.PathLike[str],
    *,
    estimate: Estimate | None = None,
    now: datetime | None = None,
    check_files: bool = False,
) -> Timetable:
    """Parse and validate a timetable: YAML text, or a file (``os.PathLike``, or a one-line
    ``str`` ending in ``.yaml``/``.yml``).

    Raises ``TimetableError`` (a ``ScheduleError``) for a malformed file and ``SlotClash`` (a
    ``ScheduleConflict``) when slots clash. ``estimate`` gives a program's expected duration
    for the clash check of slots without ``max_duration`` (default: unknown, i.e. 1 minute).
    ``now``: only clashes not over by then count (default: every clash). ``check_files``:
    refuse a file whose script/audio/bed files do not exist.
    """
    base_dir: Path | None = None
    if isinstance(source, str) and not (
        "\n" not in source and source.strip().endswith((".yaml", ".yml"))
    ):
        text = source
    else:
        path = Path(source)
        try:
            text = path.read_bytes().decode("utf-8-sig")
        except OSError as exc:
            raise TimetableError(f"Không đọc được tệp lịch {path}: {exc.strerror}.",
                                 code="unreadable") from exc
        except UnicodeDecodeError as exc:
            raise TimetableError(f"Tệp lịch {path} không phải UTF-8.", code="bad_encoding") from exc
        base_dir = path.resolve().parent
    timetable = parse_timetable(text, base_dir=base_dir)
    if check_files:
        for program_id, ref in timetable.referenced_files():
            if not timetable.resolve(ref).is_file():
                raise TimetableError(
                    f"Chương trình '{program_id}': không tìm thấy tệp '{ref}'.",
                    code="file_not_found", where=program_id,
                )
    durations: dict[str, timedelta] = {}
    if estimate is not None:
        for program in timetable.programs:
            expected = estimate(program)
            if expected is not None:
                durations[program.id] = expected
    validate_timetable(
        timetable.programs, timetable.slots, timetable.adjustments, timetable.tz,
        durations=durations, now=now,
    )
    return timetable


def parse_timetable(text: str, *, base_dir: Path | None = None) -> Timetable:
    """Read the YAML and check every field, but not clashes (see ``validate_timetable``)."""
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a safe loader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = f" ở dòng {mark.line + 1}" if mark is not None else ""
        raise TimetableError(f"Tệp lịch không đúng cú pháp YAML{line}: {exc.problem}.",
                             code="bad_yaml") from exc
    except yaml.YAMLError as exc:
        raise TimetableError(f"Tệp lịch không đúng cú pháp YAML: {exc}.", code="bad_yaml") from exc
    if not isinstance(data, dict):
        raise TimetableError("Tệp lịch phải là một bảng khoá: version, timezone, programs, slots.",
                             code="bad_structure")
    _known_keys(data, _TOP_KEYS, "Tệp lịch", None)
    version = data.get("version")
    if version != TIMETABLE_VERSION or isinstance(version, bool):
        raise TimetableError(
            f"Phiên bản lịch {version!r} không được hỗ trợ (cần version: {TIMETABLE_VERSION}).",
            code="bad_version",
        )
    timezone = data.get("timezone", DEFAULT_TIMEZONE)
    tz = _zone(timezone)
    programs = [_program(item, n) for n, item in enumerate(_list(data, "programs", "Tệp lịch"), 1)]
    slots: list[Slot] = []
    adjustments: list[Adjustment] = []
    for n, item in enumerate(_list(data, "slots", "Tệp lịch"), 1):
        slot, adjusted = _slot(item, n, tz)
        slots.append(slot)
        adjustments.extend(adjusted)
    return Timetable(TIMETABLE_VERSION, timezone, programs, slots, adjustments, base_dir)


def _known_keys(item: dict[Any, Any], allowed: Sequence[str], where: str,
                ident: str | None) -> None:
    for key in item:
        if key not in allowed:
            raise TimetableError(
                f"{where}: khoá '{key}' không được hỗ trợ (dùng: {', '.join(allowed)}).",
                code="unknown_key", where=ident,
            )


def _list(item: dict[Any, Any], key: str, where: str, ident: str | None = None) -> list[Any]:
    value = item.get(key)
    if value is None:
        return []
    if not isinstance(value, list):
        raise TimetableError(f"{where}: '{key}' phải là một danh sách.", code="bad_structure",
                             where=ident)
    return value


def _zone(name: Any) -> ZoneInfo:
    if not isinstance(name, str) or not name:
        raise TimetableError(f"Múi giờ không hợp lệ: {name!r}.", code="bad_timezone")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:  # OSError: 'Asia' is a folder
        raise TimetableError(f"Không biết múi giờ '{name}'.", code="bad_timezone") from exc


def _ident(item: dict[Any, Any], what: str, n: int) -> str:
    ident = item.get("id")
    if not isinstance(ident, str) or not ident.strip() or ident != ident.strip():
        raise TimetableError(f"{what} thứ {n}: thiếu mã (id) hoặc mã không hợp lệ.",
                             code="bad_id")
    if any(ord(ch) < 0x20 for ch in ident):
        raise TimetableError(f"{what} thứ {n}: mã có ký tự điều khiển.", code="bad_id")
    return ident


def _text(item: dict[Any, Any], key: str, where: str, ident: str, *,
          required: bool = False) -> str | None:
    value = item.get(key)
    if value is None:
        if required:
            raise TimetableError(f"{where}: thiếu '{key}'.", code="missing_field", where=ident)
        return None
    if not isinstance(value, str) or (required and not value):
        raise TimetableError(f"{where}: '{key}' phải là chữ.", code="bad_value", where=ident)
    return value


def _program(item: Any, n: int) -> Program:
    if not isinstance(item, dict):
        raise TimetableError(f"Chương trình thứ {n} phải là một bảng khoá.",
                             code="bad_structure")
    ident = _ident(item, "Chương trình", n)
    where = f"Chương trình '{ident}'"
    _known_keys(item, _PROGRAM_KEYS, where, ident)
    title = _text(item, "title", where, ident, required=True)
    topic = _text(item, "topic", where, ident) or ""
    bed = _text(item, "bed", where, ident)
    if bed == "":
        raise TimetableError(f"{where}: 'bed' trống.", code="bad_value", where=ident)
    segments = tuple(_segment(s, where, ident) for s in _list(item, "segments", where, ident))
    if not segments:
        raise TimetableError(f"{where}: chưa có phần nào (segments).", code="empty_program",
                             where=ident)
    if any(s.kind == "relay" for s in segments) and (len(segments) != 1 or bed):
        raise TimetableError(
            f"{where}: chương trình tiếp sóng chỉ gồm đúng một phần 'relay' (không ghép với "
            "phần khác hay nhạc nền).", code="relay_alone", where=ident,
        )
    assert title is not None
    return Program(ident, title, topic, segments, bed)


def _segment(item: Any, where: str, ident: str) -> Segment:
    if not isinstance(item, dict) or len(item) != 1 or next(iter(item)) not in _SEGMENT_KEYS:
        raise TimetableError(
            f"{where}: mỗi phần phải là đúng một trong {', '.join(_SEGMENT_KEYS)}: {item!r}.",
            code="bad_segment", where=ident,
        )
    kind, value = next(iter(item.items()))
    if kind == "script_id":
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise TimetableError(f"{where}: 'script_id' phải là số của một tin bài đã lưu.",
                                 code="bad_segment", where=ident)
        return Segment.stored_script(value)
    if kind == "silence":
        if (isinstance(value, bool) or not isinstance(value, int | float)
                or not math.isfinite(value) or not 0 < value <= MAX_SILENCE_SECONDS):
            raise TimetableError(
                f"{where}: khoảng lặng phải là số giây từ 0 đến {MAX_SILENCE_SECONDS:g}.",
                code="bad_segment", where=ident,
            )
        return Segment.silence(float(value))
    if kind == "relay":
        return _relay(value, where, ident)
    if not isinstance(value, str) or not value.strip():
        raise TimetableError(f"{where}: phần '{kind}' cần một tên hoặc đường dẫn.",
                             code="bad_segment", where=ident)
    if kind == "jingle":
        return Segment.jingle(value)
    if kind == "audio":
        return Segment.audio_file(value)
    if kind == "bulletin":
        return Segment.bulletin(value)
    return Segment.script_file(value)


def _relay(value: Any, where: str, ident: str) -> Segment:
    """``relay: {url: "http://…", seconds: 1800}``."""
    if not isinstance(value, dict) or set(value) != {"url", "seconds"}:
        raise TimetableError(
            f"{where}: phần 'relay' phải có đúng hai khoá url và seconds, "
            'ví dụ relay: {url: "http://…", seconds: 1800}.',
            code="bad_segment", where=ident,
        )
    url, seconds = value["url"], value["seconds"]
    if not isinstance(url, str) or not relay_url_ok(url):
        raise TimetableError(
            f"{where}: địa chỉ tiếp sóng {url!r} không hợp lệ (cần http:// hoặc https://).",
            code="bad_segment", where=ident,
        )
    if (isinstance(seconds, bool) or not isinstance(seconds, int | float)
            or not math.isfinite(seconds) or not 0 < seconds <= MAX_RELAY_SECONDS):
        raise TimetableError(
            f"{where}: thời lượng tiếp sóng phải là số giây từ 0 đến {MAX_RELAY_SECONDS}.",
            code="bad_segment", where=ident,
        )
    return Segment.relay(url.strip(), float(seconds))


def relay_url_ok(url: str) -> bool:
    """An http(s) URL with a host (what ffmpeg can open as a radio stream)."""
    url = url.strip()
    if any(ord(ch) <= 32 or ord(ch) == 127 for ch in url):
        return False
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _slot(item: Any, n: int, tz: ZoneInfo) -> tuple[Slot, list[Adjustment]]:
    if not isinstance(item, dict):
        raise TimetableError(f"Khung thứ {n} phải là một bảng khoá.", code="bad_structure")
    ident = _ident(item, "Khung", n)
    where = f"Khung '{ident}'"
    _known_keys(item, _SLOT_KEYS, where, ident)
    program = _text(item, "program", where, ident, required=True)
    assert program is not None
    at = _time(item.get("time"), where, ident)
    days, on_date = _days(item, where, ident)
    priority = _priority(item.get("priority", "normal"), where, ident)
    max_duration = _duration(item.get("max_duration"), where, ident)
    valid_from = _date(item.get("from"), "from", where, ident)
    valid_until = _date(item.get("until"), "until", where, ident)
    paused = item.get("paused", False)
    if not isinstance(paused, bool):
        raise TimetableError(f"{where}: 'paused' phải là true hoặc false.", code="bad_value",
                             where=ident)
    clusters = item.get("clusters")
    if clusters is not None and (
        not isinstance(clusters, list) or not clusters
        or not all(isinstance(c, str) and c.strip() for c in clusters)
    ):
        raise TimetableError(
            f"{where}: 'clusters' phải là danh sách mã cụm loa (bỏ trống: mọi cụm loa).",
            code="bad_value", where=ident,
        )
    slot = Slot(ident, program, at, days, on_date, priority, max_duration, valid_from,
                valid_until, paused,
                None if clusters is None else frozenset(c.strip() for c in clusters))
    return slot, _adjustments(item, slot, tz, where)


def _time(value: Any, where: str, ident: str) -> time:
    if value is None:
        raise TimetableError(f"{where}: thiếu giờ phát (time).", code="missing_field",
                             where=ident)
    if isinstance(value, int) and not isinstance(value, bool):
        raise TimetableError(
            f"{where}: giờ phát phải đặt trong ngoặc kép, ví dụ time: \"17:00\".",
            code="bad_time", where=ident,
        )
    match = _TIME.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise TimetableError(f"{where}: giờ phát {value!r} không đúng dạng \"HH:MM\" hoặc "
                             f"\"HH:MM:SS\".", code="bad_time", where=ident)
    hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise TimetableError(f"{where}: giờ phát {value!r} không có thật.", code="bad_time",
                             where=ident)
    return time(hour, minute, second)


def _days(item: dict[Any, Any], where: str, ident: str) -> tuple[frozenset[int], date | None]:
    daily = item.get("daily", False)
    if not isinstance(daily, bool):
        raise TimetableError(f"{where}: 'daily' phải là true hoặc false.", code="bad_value",
                             where=ident)
    has_days = item.get("days") is not None
    if "date" in item:
        if has_days or daily:
            raise TimetableError(f"{where}: dùng date (phát một lần) hoặc days, không cả hai.",
                                 code="bad_slot_kind", where=ident)
        on_date = _date(item["date"], "date", where, ident)
        return frozenset(), on_date
    if daily and has_days:
        raise TimetableError(f"{where}: dùng daily hoặc days, không cả hai.",
                             code="bad_slot_kind", where=ident)
    if daily:
        return frozenset(range(7)), None
    raw = item.get("days")
    if isinstance(raw, str) and raw.strip().lower() == "daily":
        return frozenset(range(7)), None
    if not isinstance(raw, list) or not raw:
        raise TimetableError(
            f"{where}: cần days (ví dụ [mon, wed, fri] hoặc daily) hoặc date (phát một lần).",
            code="missing_days", where=ident,
        )
    days: set[int] = set()
    for name in raw:
        key = name.strip().lower() if isinstance(name, str) else None
        if key not in WEEKDAYS:
            raise TimetableError(
                f"{where}: không biết ngày '{name}' (dùng {', '.join(WEEKDAYS)}).",
                code="unknown_weekday", where=ident,
            )
        days.add(WEEKDAYS.index(key))
    return frozenset(days), None


def _priority(value: Any, where: str, ident: str) -> Priority:
    if isinstance(value, str):
        try:
            return Priority.parse(value)
        except KeyError:
            pass
    raise TimetableError(
        f"{where}: mức ưu tiên {value!r} không hợp lệ (normal, priority, emergency).",
        code="bad_priority", where=ident,
    )


def _duration(value: Any, where: str, ident: str) -> timedelta | None:
    if value is None:
        return None
    seconds: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str) and (match := _DURATION.fullmatch(value.strip())):
        hours, minutes, secs = int(match[1] or 0), int(match[2]), int(match[3])
        if secs < 60 and (match[1] is None or minutes < 60):
            seconds = float(hours * 3600 + minutes * 60 + secs)
    if seconds is None or not math.isfinite(seconds) or not seconds.is_integer():
        raise TimetableError(
            f"{where}: thời lượng tối đa {value!r} phải là số giây nguyên hoặc \"MM:SS\".",
            code="bad_duration", where=ident,
        )
    return timedelta(seconds=int(seconds))


def _date(value: Any, key: str, where: str, ident: str) -> date | None:
    if value is None:
        return None
    # Always text here: the loader keeps YAML timestamps as strings (see _UniqueKeyLoader).
    if isinstance(value, str):
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise TimetableError(f"{where}: '{key}' phải là ngày dạng YYYY-MM-DD, không phải {value!r}.",
                         code="bad_date", where=ident)


def _moment(value: Any, where: str, ident: str, tz: ZoneInfo) -> datetime:
    match = _MOMENT.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is not None:
        try:
            day = date.fromisoformat(match[1])
            micro = int((match[5] or "0").ljust(6, "0"))
            at = time(int(match[2]), int(match[3]), int(match[4] or 0), micro)
        except ValueError:
            pass
        else:
            return local_instant(day, at, tz)
    raise TimetableError(
        f"{where}: giờ dời {value!r} phải có dạng \"YYYY-MM-DD HH:MM\".",
        code="bad_adjustment", where=ident,
    )


def _adjustments(item: dict[Any, Any], slot: Slot, tz: ZoneInfo, where: str) -> list[Adjustment]:
    out: list[Adjustment] = []

    def add(day: date, kind: AdjustmentKind, new_start: datetime | None) -> None:
        out.append(Adjustment(slot.id, local_instant(day, slot.time, tz), kind, new_start))

    for raw in _list(item, "skips", where, slot.id):
        day = _date(raw, "skips", where, slot.id)
        assert day is not None
        add(day, AdjustmentKind.SKIP, None)
    for raw in _list(item, "moves", where, slot.id):
        if not isinstance(raw, dict):
            raise TimetableError(f"{where}: mỗi mục moves cần date và to.",
                                 code="bad_adjustment", where=slot.id)
        _known_keys(raw, _MOVE_KEYS, where, slot.id)
        day = _date(raw.get("date"), "date", where, slot.id)
        if day is None or raw.get("to") is None:
            raise TimetableError(f"{where}: mỗi mục moves cần date và to.",
                                 code="bad_adjustment", where=slot.id)
        add(day, AdjustmentKind.MOVE, _moment(raw["to"], where, slot.id, tz))
    return out


# ---------------------------------------------------------------------------------------- dump


def dump_timetable(timetable: Timetable) -> str:
    """The timetable in canonical form (see the module docstring)."""
    tz = timetable.tz
    lines = [f"version: {timetable.version}", f"timezone: {_scalar(timetable.timezone)}"]
    lines.append("programs:" if timetable.programs else "programs: []")
    for program in timetable.programs:
        lines.append(f"  - id: {_scalar(program.id)}")
        lines.append(f"    title: {_quoted(program.title)}")
        if program.topic:
            lines.append(f"    topic: {_scalar(program.topic)}")
        if program.bed is not None:
            lines.append(f"    bed: {_scalar(program.bed)}")
        lines.append("    segments:")
        for segment in program.segments:
            lines.append(f"      - {_segment_line(segment)}")
    lines.append("slots:" if timetable.slots else "slots: []")
    by_slot: dict[str, list[Adjustment]] = {}
    for adj in timetable.adjustments:
        by_slot.setdefault(adj.slot_id, []).append(adj)
    unknown = set(by_slot) - {slot.id for slot in timetable.slots}
    if unknown:
        raise ValueError(f"adjustments for unknown slots: {sorted(unknown)}")
    for slot in timetable.slots:
        lines.extend(_slot_lines(slot, by_slot.get(slot.id, []), tz))
    return "\n".join(lines) + "\n"


def _segment_line(segment: Segment) -> str:
    if segment.kind == "silence":
        return f"silence: {_number(segment.seconds)}"
    if segment.kind == "relay":
        assert segment.url is not None
        return f"relay: {{url: {_quoted(segment.url)}, seconds: {_number(segment.seconds)}}}"
    if segment.script_id is not None:
        return f"script_id: {segment.script_id}"
    if segment.column is not None:
        return f"bulletin: {_scalar(segment.column)}"
    value = segment.name if segment.kind == "jingle" else segment.path
    assert value is not None
    return f"{segment.kind}: {_scalar(value)}"


def _slot_lines(slot: Slot, adjustments: list[Adjustment], tz: ZoneInfo) -> list[str]:
    lines = [
        f"  - id: {_scalar(slot.id)}",
        f"    program: {_scalar(slot.program_id)}",
        f"    time: \"{clock_text(slot.time)}\"",
    ]
    if slot.on_date is not None:
        lines.append(f"    date: {slot.on_date.isoformat()}")
    elif len(slot.days) == 7:
        lines.append("    days: daily")
    else:
        lines.append(f"    days: [{', '.join(WEEKDAYS[d] for d in sorted(slot.days))}]")
    lines.append(f"    priority: {slot.priority.label}")
    if slot.max_duration is not None:
        minutes, seconds = divmod(int(slot.max_duration.total_seconds()), 60)
        lines.append(f"    max_duration: \"{minutes:02d}:{seconds:02d}\"")
    if slot.valid_from is not None:
        lines.append(f"    from: {slot.valid_from.isoformat()}")
    if slot.valid_until is not None:
        lines.append(f"    until: {slot.valid_until.isoformat()}")
    if slot.paused:
        lines.append("    paused: true")
    if slot.clusters is not None:
        lines.append(f"    clusters: [{', '.join(_scalar(c) for c in sorted(slot.clusters))}]")
    skips = [a for a in adjustments if a.kind is AdjustmentKind.SKIP]
    moves = [a for a in adjustments if a.kind is AdjustmentKind.MOVE]
    if skips:
        days = ", ".join(a.original_start.astimezone(tz).date().isoformat() for a in skips)
        lines.append(f"    skips: [{days}]")
    if moves:
        lines.append("    moves:")
        for adj in moves:
            assert adj.new_start is not None
            lines.append(f"      - date: {adj.original_start.astimezone(tz).date().isoformat()}")
            lines.append(f"        to: \"{_moment_text(adj.new_start.astimezone(tz))}\"")
    return lines


def _moment_text(local: datetime) -> str:
    text = f"{local.date().isoformat()} {clock_text(local.time())}"
    if local.microsecond:
        text += f".{local.microsecond:06d}".rstrip("0")
    return text


def _number(value: float) -> str:
    if value.is_integer():
        return str(int(value))
    text = repr(value)
    mantissa, _, exponent = text.partition("e")
    if exponent and "." not in mantissa:  # YAML 1.1 floats need a dot: 1e-05 -> 1.0e-05
        text = f"{mantissa}.0e{exponent}"
    return text


def _scalar(value: str) -> str:
    """Plain when that reads back as the same string, double-quoted otherwise."""
    if _PLAIN.fullmatch(value) and _RESOLVER.resolve(
        yaml.ScalarNode, value, (True, False)
    ) == "tag:yaml.org,2002:str":
        return value
    return _quoted(value)


def _quoted(value: str) -> str:
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == "\\" or ch == '"':
            out.append("\\" + ch)
        elif (0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
              or 0x10000 <= code <= 0x10FFFF) and code not in (0x2028, 0x2029, 0xFEFF):
            out.append(ch)
        elif code <= 0xFF:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)
