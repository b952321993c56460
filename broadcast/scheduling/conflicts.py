"""Clashes between slots of the same priority: exact, without sampling a horizon.

Two slots of the same priority clash when an occurrence of one overlaps an occurrence of the
other (half-open intervals: one ending at 06:10 and one starting at 06:10 do not clash).
Different priorities never clash: the higher one interrupts (see ``interruption``). Slots
that air on different speaker clusters never clash either (``Slot.clusters``; a slot without
a choice airs on every cluster, so it meets any other). Paused
slots do not clash (re-check a slot with ``check_slot`` before un-pausing it); skipped
occurrences and occurrences moved away do not clash; moved occurrences clash at their new time.

How long an occurrence holds the air, for this check: the slot's ``max_duration`` if set (a
slot reserves its maximum: scripts change from day to day), else the program's known duration
(``durations``), else ``DEFAULT_CONFLICT_DURATION`` (1 minute).

Method: a slot is a weekly pattern (time of day, duration, weekdays, a range of dates; a
one-off slot or a moved occurrence is the same with a one-day range). Occurrences on local
dates dA and dB = dA + k overlap iff tA - tB - DB < k * 1 day < tA + DA - tB, so only a few
day offsets k are possible, and for each the earliest date with a matching weekday in both
ranges is found in at most 7 steps (plus one per skipped or moved occurrence). This is exact on
the local wall clock, which is the real timeline in a zone without DST (Vietnam). Around UTC
offset changes between ``now`` and ``now + horizon`` the occurrences are compared as real
instants instead; beyond the horizon (or without ``now``) DST nights are judged on the wall
clock.

Only clashes whose overlap has not ended by ``now`` count; without ``now`` every clash counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from broadcast.errors import ScheduleConflict
from broadcast.scheduling.localtime import local_instant, offset_change_days, require_aware
from broadcast.scheduling.model import Adjustment, AdjustmentKind, Slot, share_a_cluster
from broadcast.scheduling.recurrence import AdjustmentIndex, index_adjustments
from broadcast.scheduling.validation import validate_slot
from broadcast.scheduling.wording import local_moment_text

DEFAULT_CONFLICT_DURATION = timedelta(minutes=1)
DEFAULT_EXACT_HORIZON = timedelta(days=366)

_US = 1_000_000
_DAY = 86_400 * _US
_WEEK = 7 * _DAY
_FIRST_ORDINAL = date.min.toordinal()
_LAST_ORDINAL = date.max.toordinal()


class SlotClash(ScheduleConflict):
    """A slot would overlap another slot of the same priority."""

    def __init__(
        self,
        message: str,
        *,
        slot_id: str,
        other_slot_id: str,
        clash_at: datetime,
        code: str | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.slot_id = slot_id
        self.other_slot_id = other_slot_id
        self.clash_at = clash_at


@dataclass(frozen=True)
class Clash:
    """``slot_id`` overlaps ``other_slot_id`` from ``at`` (aware, station-local)."""

    slot_id: str
    other_slot_id: str
    at: datetime

    def message(self, tz: ZoneInfo) -> str:
        when = local_moment_text(self.at, tz)
        if self.slot_id == self.other_slot_id:
            return (
                f"Khung '{self.slot_id}': lần phát được dời trùng giờ với một lần phát khác "
                f"của chính khung này lúc {when}."
            )
        return f"Khung '{self.slot_id}' trùng giờ với khung '{self.other_slot_id}' lúc {when}."

    def to_error(self, tz: ZoneInfo) -> SlotClash:
        return SlotClash(
            self.message(tz),
            slot_id=self.slot_id,
            other_slot_id=self.other_slot_id,
            clash_at=self.at,
        )


def conflict_duration(slot: Slot, durations: Mapping[str, timedelta] | None) -> timedelta:
    """How long an occurrence of ``slot`` holds the air for the clash check (see module doc)."""
    if slot.max_duration is not None and slot.max_duration > timedelta(0):
        return slot.max_duration
    known = durations.get(slot.program_id) if durations else None
    if known is None or known <= timedelta(0):
        return DEFAULT_CONFLICT_DURATION
    return known


@dataclass(frozen=True)
class _Pattern:
    """Occurrences at ``tod`` (µs after local midnight) lasting ``dur`` µs, on local dates
    (ordinals) in ``[lo, hi]`` whose weekday is in ``weekdays``, minus ``excluded``."""

    slot_id: str
    moved: bool
    tod: int
    dur: int
    weekdays: frozenset[int]
    lo: int
    hi: int
    excluded: frozenset[int]

    @property
    def single(self) -> bool:
        return self.lo == self.hi


def _micros(value: timedelta) -> int:
    return (value.days * 86_400 + value.seconds) * _US + value.microseconds


def _tod(at: time) -> int:
    return ((at.hour * 60 + at.minute) * 60 + at.second) * _US + at.microsecond


def _patterns(
    slot: Slot,
    index: AdjustmentIndex,
    by_slot: Mapping[str, list[Adjustment]],
    tz: ZoneInfo,
    durations: Mapping[str, timedelta] | None,
) -> list[_Pattern]:
    dur = _micros(conflict_duration(slot, durations))
    excluded: set[int] = set()
    out: list[_Pattern] = []
    for adj in by_slot.get(slot.id, ()):
        if index.get((adj.slot_id, adj.original_start.astimezone(UTC))) is not adj:
            continue  # stale, or overridden by a later adjustment of the same occurrence
        excluded.add(adj.original_start.astimezone(tz).date().toordinal())
        if adj.kind is AdjustmentKind.MOVE:
            assert adj.new_start is not None
            local = adj.new_start.astimezone(tz)
            ordinal = local.date().toordinal()
            # A move to the occurrence's own instant changes nothing: not a moved occurrence
            # (occurrences of one slot clash only when one of them was really moved).
            moved = adj.new_start != adj.original_start
            out.append(_Pattern(slot.id, moved, _tod(local.time()), dur,
                                frozenset({local.weekday()}), ordinal, ordinal, frozenset()))
    if slot.on_date is not None:
        ordinal = slot.on_date.toordinal()
        if ordinal not in excluded:
            out.append(_Pattern(slot.id, False, _tod(slot.time), dur,
                                frozenset({slot.on_date.weekday()}), ordinal, ordinal,
                                frozenset()))
    elif slot.days:
        lo = slot.valid_from.toordinal() if slot.valid_from else _FIRST_ORDINAL
        hi = slot.valid_until.toordinal() if slot.valid_until else _LAST_ORDINAL
        if lo <= hi:
            out.append(_Pattern(slot.id, False, _tod(slot.time), dur, frozenset(slot.days),
                                lo, hi, frozenset(excluded)))
    return out


@dataclass(frozen=True)
class _Context:
    tz: ZoneInfo
    floor: int | None  # wall-clock µs of `now`; overlaps ending at or before it do not count
    now: datetime | None
    near: frozenset[int]  # ordinals compared as real instants (around UTC offset changes)
    window: tuple[int, ...]  # ordinals whose occurrences may overlap one on a `near` ordinal
    span_days: int
    slack: int  # µs: the largest UTC offset change in the window


def _context(
    patterns: Sequence[_Pattern], tz: ZoneInfo, now: datetime | None, horizon: timedelta
) -> _Context:
    longest = max((p.dur for p in patterns), default=0)
    span_days = -(-longest // _DAY)
    if now is None:
        return _Context(tz, None, None, frozenset(), (), span_days, 0)
    require_aware(now, "now")
    local = now.astimezone(tz)
    floor = local.date().toordinal() * _DAY + _tod(local.time())
    first = local.date() - timedelta(days=span_days + 2)
    last = (now + horizon).astimezone(tz).date()
    changes = offset_change_days(tz, first, last)
    reach = span_days + 1
    near = frozenset(
        day.toordinal() + j for day in changes for j in range(-reach, reach + 1)
    )
    window = tuple(sorted({o + j for o in near for j in range(-reach, reach + 1)}))
    slack = max((_offset_jump(day, tz) for day in changes), default=0)
    return _Context(tz, floor, now, near, window, span_days, slack)


def _offset_jump(day: date, tz: ZoneInfo) -> int:
    before = datetime.combine(day, time(0), tzinfo=tz).utcoffset()
    after = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz).utcoffset()
    assert before is not None and after is not None
    return abs(_micros(after - before))


def _day_offsets(a: _Pattern, b: _Pattern, slack: int = 0) -> range:
    """Day offsets k (dB - dA) at which occurrences could overlap on the wall clock, with
    each occurrence widened by ``slack`` on both sides."""
    kmin = (a.tod - b.tod - b.dur - 2 * slack) // _DAY + 1
    kmax = -((b.tod - a.tod - a.dur - 2 * slack) // _DAY) - 1
    return range(kmin, kmax + 1)


def _weekday(ordinal: int) -> int:
    return (ordinal + 6) % 7


def _wall_clash(a: _Pattern, b: _Pattern, ctx: _Context) -> int | None:
    """Earliest wall-clock µs at which ``a`` and ``b`` overlap, outside ``ctx.near``."""
    best: int | None = None
    for k in _day_offsets(a, b):
        weekdays = {w for w in a.weekdays if (w + k) % 7 in b.weekdays}
        if not weekdays:
            continue
        lo = max(a.lo, b.lo - k)
        hi = min(a.hi, b.hi - k)
        if ctx.floor is not None:
            lo = max(lo, (ctx.floor - a.tod - a.dur) // _DAY + 1,
                     (ctx.floor - b.tod - b.dur) // _DAY + 1 - k)
        # The first day that qualifies is at most 7 days (plus one per excluded or `near`
        # day) after `lo`, however far away `hi` is.
        for ordinal in range(lo, hi + 1):
            other = ordinal + k
            if (_weekday(ordinal) not in weekdays or ordinal in a.excluded
                    or other in b.excluded or ordinal in ctx.near or other in ctx.near):
                continue
            at = max(ordinal * _DAY + a.tod, other * _DAY + b.tod)
            if best is None or at < best:
                best = at
            break
    return best


def _instants(p: _Pattern, ordinals: Sequence[int], tz: ZoneInfo
              ) -> list[tuple[int, datetime, datetime]]:
    start_tod = _time_of(p.tod)
    out = []
    for ordinal in ordinals:
        if (p.lo <= ordinal <= p.hi and _weekday(ordinal) in p.weekdays
                and ordinal not in p.excluded):
            # In UTC: arithmetic on datetimes sharing a zone is wall-clock arithmetic.
            start = local_instant(date.fromordinal(ordinal), start_tod, tz).astimezone(UTC)
            out.append((ordinal, start, start + timedelta(microseconds=p.dur)))
    return out


def _time_of(tod: int) -> time:
    seconds, micro = divmod(tod, _US)
    minutes, second = divmod(seconds, 60)
    hour, minute = divmod(minutes, 60)
    return time(hour, minute, second, micro)


def _instant_clash(a: _Pattern, b: _Pattern, ctx: _Context) -> datetime | None:
    """Earliest real instant at which ``a`` and ``b`` overlap, for pairs touching ``ctx.near``."""
    if not ctx.near:
        return None
    # Real instants differ from wall times by at most the offset change: far apart on the
    # wall clock, they cannot meet.
    if not any((w + k) % 7 in b.weekdays for k in _day_offsets(a, b, ctx.slack)
               for w in a.weekdays):
        return None
    best: datetime | None = None
    for oa, sa, ea in _instants(a, ctx.window, ctx.tz):
        for ob, sb, eb in _instants(b, ctx.window, ctx.tz):
            if oa not in ctx.near and ob not in ctx.near:
                continue
            if not (sa < eb and sb < ea):
                continue
            if ctx.now is not None and min(ea, eb) <= ctx.now:
                continue
            at = max(sa, sb)
            if best is None or at < best:
                best = at
    return None if best is None else best.astimezone(ctx.tz)


def _pair_clash(a: _Pattern, b: _Pattern, ctx: _Context) -> datetime | None:
    wall = _wall_clash(a, b, ctx)
    found = None
    if wall is not None:
        ordinal, tod = divmod(wall, _DAY)
        found = local_instant(date.fromordinal(ordinal), _time_of(tod), ctx.tz)
    real = _instant_clash(a, b, ctx)
    if real is not None and (found is None or real < found):
        found = real
    return found


def _by_slot(adjustments: Sequence[Adjustment]) -> dict[str, list[Adjustment]]:
    out: dict[str, list[Adjustment]] = {}
    for adj in adjustments:
        out.setdefault(adj.slot_id, []).append(adj)
    return out


def check_slot(
    new: Slot,
    existing: Sequence[Slot],
    adjustments: Sequence[Adjustment],
    tz: ZoneInfo,
    durations: Mapping[str, timedelta] | None,
    now: datetime,
    horizon: timedelta = DEFAULT_EXACT_HORIZON,
) -> None:
    """Raise ``SlotClash`` naming the earliest clash of ``new`` with ``existing``.

    ``existing`` may contain an older version of ``new`` (same id): it is ignored. Also raises
    ``ScheduleError`` if ``new`` is malformed.
    """
    validate_slot(new)
    if new.paused:
        return
    others = [s for s in existing
              if s.id != new.id and s.priority == new.priority and not s.paused
              and share_a_cluster(s.clusters, new.clusters)]
    index = index_adjustments([new, *others], adjustments, tz)
    by_slot = _by_slot(adjustments)
    mine = _patterns(new, index, by_slot, tz, durations)
    theirs = [(s.id, _patterns(s, index, by_slot, tz, durations)) for s in others]
    ctx = _context([*mine, *(p for _, ps in theirs for p in ps)], tz, now, horizon)

    best: Clash | None = None
    for i, a in enumerate(mine):
        for b in mine[i + 1:]:
            if a.moved or b.moved:
                at = _pair_clash(a, b, ctx)
                if at is not None and (best is None or at < best.at):
                    best = Clash(new.id, new.id, at)
    for other_id, patterns in theirs:
        for a in mine:
            for b in patterns:
                at = _pair_clash(a, b, ctx)
                if at is not None and (best is None or at < best.at):
                    best = Clash(new.id, other_id, at)
    if best is not None:
        raise best.to_error(tz)


def find_conflicts(
    slots: Sequence[Slot],
    adjustments: Sequence[Adjustment],
    tz: ZoneInfo,
    durations: Mapping[str, timedelta] | None = None,
    now: datetime | None = None,
    horizon: timedelta = DEFAULT_EXACT_HORIZON,
) -> list[Clash]:
    """Every pair of clashing slots in a whole timetable, with its earliest clash, by time.

    In each ``Clash`` the slot listed later in ``slots`` is ``slot_id``. Runs in
    O(n log n + candidate pairs): occurrences are swept on the weekly clock (and one-off
    occurrences on the calendar) and only pairs that meet there are checked exactly.
    """
    order = {slot.id: i for i, slot in enumerate(slots)}
    active = [s for s in slots if not s.paused]
    clusters = {s.id: s.clusters for s in active}
    index = index_adjustments(active, adjustments, tz)
    by_slot = _by_slot(adjustments)
    groups: dict[int, list[_Pattern]] = {}
    for slot in active:
        groups.setdefault(int(slot.priority), []).extend(
            _patterns(slot, index, by_slot, tz, durations))
    everything = [p for ps in groups.values() for p in ps]
    ctx = _context(everything, tz, now, horizon)

    earliest: dict[tuple[str, str], datetime] = {}
    for patterns in groups.values():
        for a, b in _candidate_pairs(patterns, ctx):
            if a.slot_id == b.slot_id and not (a.moved or b.moved):
                continue  # a guard: a slot has one regular pattern, the others are moved
            if not share_a_cluster(clusters[a.slot_id], clusters[b.slot_id]):
                continue
            at = _pair_clash(a, b, ctx)
            if at is None:
                continue
            first, second = sorted((a.slot_id, b.slot_id), key=order.__getitem__)
            key = (second, first)
            if key not in earliest or at < earliest[key]:
                earliest[key] = at
    clashes = [Clash(sid, oid, at) for (sid, oid), at in earliest.items()]
    clashes.sort(key=lambda c: (c.at, order[c.slot_id], order[c.other_slot_id]))
    return clashes


def _candidate_pairs(patterns: Sequence[_Pattern], ctx: _Context
                     ) -> list[tuple[_Pattern, _Pattern]]:
    """Pairs whose occurrences meet on the weekly clock (or, both one-off, on the calendar),
    or in real time around an offset change."""
    found: set[tuple[int, int]] = set()

    def meet(i: int, j: int) -> None:
        if i != j:
            found.add((i, j) if i < j else (j, i))

    def sweep(events: list[tuple[Any, int, Any]]) -> None:
        events.sort(key=lambda e: (e[0], e[1]))
        running: list[tuple[Any, int]] = []
        for start, i, end in events:
            running = [(e, j) for e, j in running if e > start]
            for _, j in running:
                meet(i, j)
            running.append((end, i))

    if ctx.near:
        sweep([(start, i, end) for i, p in enumerate(patterns)
               for _, start, end in _instants(p, ctx.window, ctx.tz)])

    # One-off against one-off: a sweep over the calendar.
    sweep([(p.lo * _DAY + p.tod, i, p.lo * _DAY + p.tod + p.dur)
           for i, p in enumerate(patterns) if p.single])

    # Anything recurring: a sweep over the weekly clock, wrapping at the end of the week.
    if all(p.single for p in patterns):
        return [(patterns[i], patterns[j]) for i, j in found]
    spans: list[tuple[int, int, int]] = []
    for i, p in enumerate(patterns):
        if p.dur >= _WEEK:  # holds the air all week: meets everything
            for j, q in enumerate(patterns):
                if not (p.single and q.single):
                    meet(i, j)
            continue
        for weekday in p.weekdays:
            start = weekday * _DAY + p.tod
            spans.append((start, i, start + p.dur))
            if start + p.dur > _WEEK:
                spans.append((start - _WEEK, i, start + p.dur - _WEEK))
    spans.sort()
    open_recurring: list[tuple[int, int]] = []
    open_single: list[tuple[int, int]] = []
    for start, i, end in spans:
        open_recurring = [(e, j) for e, j in open_recurring if e > start]
        for _, j in open_recurring:
            meet(i, j)
        if patterns[i].single:
            open_single.append((end, i))
        else:
            open_single = [(e, j) for e, j in open_single if e > start]
            for _, j in open_single:
                meet(i, j)
            open_recurring.append((end, i))
    return [(patterns[i], patterns[j]) for i, j in sorted(found)]
