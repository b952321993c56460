"""Timetable benchmark: a week's occurrences, clash checks and YAML import/export over a
timetable of 10,000 slots, each against a baseline doing the bare minimum in the same run.

Target: a week's timetable of 10,000 slots in <= 200 ms (the pure part, here; the store and
the API add their own cost on top).

Two timetables, both free of clashes:
- "daily": 10,000 slots airing every day, 8 s apart (the worst case: 70,000 occurrences a week);
- "mixed": 1,500 weekly slots on random weekdays and 8,500 one-off slots over a year.
"""

from __future__ import annotations

import random
import sys
import time as clock
from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from broadcast.programs import Program, Segment  # noqa: E402
from broadcast.scheduling.conflicts import SlotClash, check_slot, find_conflicts  # noqa: E402
from broadcast.scheduling.model import Priority, Slot  # noqa: E402
from broadcast.scheduling.recurrence import expand  # noqa: E402
from broadcast.scheduling.timetable_yaml import (  # noqa: E402
    Timetable,
    dump_timetable,
    load_timetable,
)

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
N = 10_000
CELL = 8  # seconds per slot
WEEK_START = datetime(2026, 8, 3, tzinfo=TZ)
NOW = datetime(2026, 8, 1, tzinfo=TZ)


def cell_time(cell: int) -> time:
    seconds = cell * CELL
    return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


def daily_slots() -> list[Slot]:
    return [
        Slot(f"d{i}", "p", cell_time(i), frozenset(range(7)),
             max_duration=timedelta(seconds=CELL))
        for i in range(N)
    ]


def mixed_slots(rng: random.Random) -> list[Slot]:
    cells = list(range(86_400 // CELL))
    rng.shuffle(cells)
    slots: list[Slot] = []
    # Weekly slots take a cell of the day each, so they never meet one another.
    for i in range(1_500):
        days = frozenset(rng.sample(range(7), rng.randint(1, 7)))
        slots.append(Slot(f"w{i}", "p", cell_time(cells[i]), days,
                          max_duration=timedelta(seconds=CELL)))
    # One-off slots use the remaining cells, on any day of a year.
    free = cells[1_500:]
    used: set[tuple[int, int]] = set()
    while len(slots) < N:
        key = (rng.randrange(365), rng.choice(free))
        if key in used:
            continue
        used.add(key)
        day = date(2026, 8, 1) + timedelta(days=key[0])
        slots.append(Slot(f"o{len(slots)}", "p", cell_time(key[1]), on_date=day,
                          max_duration=timedelta(seconds=CELL)))
    return slots


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, object]:
    times = []
    result: object = None
    for _ in range(runs):
        start = clock.perf_counter()
        result = work()
        times.append(clock.perf_counter() - start)
    return min(times), result


def baseline_week(slots: list[Slot]) -> list[tuple[datetime, str]]:
    """The bare minimum: one aware datetime per slot per airing day, as tuples, sorted."""
    out = []
    for n in range(7):
        day = WEEK_START.date() + timedelta(days=n)
        weekday = day.weekday()
        for slot in slots:
            if (slot.on_date == day) or (slot.on_date is None and weekday in slot.days):
                out.append((datetime.combine(day, slot.time, tzinfo=TZ), slot.id))
    out.sort()
    return out


def sampled_conflicts(slots: list[Slot], weeks: int) -> int:
    """The sampling way of finding clashes: expand a horizon, sweep the occurrences."""
    occ = expand(slots, [], NOW, NOW + timedelta(weeks=weeks), TZ)
    clashes = 0
    running_end: datetime | None = None
    for o in occ:
        assert o.end is not None
        if running_end is not None and o.start < running_end:
            clashes += 1
        running_end = o.end if running_end is None else max(running_end, o.end)
    return clashes


def report(name: str, seconds: float, baseline: float | None = None, note: str = "") -> None:
    ratio = f"  ({seconds / baseline:5.1f}x baseline)" if baseline else ""
    print(f"  {name:<46} {seconds * 1000:9.1f} ms{ratio} {note}")


def run(label: str, slots: list[Slot]) -> None:
    print(f"{label}: {len(slots)} slots")
    week = (WEEK_START, WEEK_START + timedelta(days=7))
    base, expected = best_of(3, lambda: baseline_week(slots))
    took, occ = best_of(5, lambda: expand(slots, [], *week, TZ))
    assert isinstance(occ, list) and isinstance(expected, list) and len(occ) == len(expected)
    report("baseline: combine() per slot-day + sort", base)
    report(f"expand one week -> {len(occ)} occurrences", took, base,
           "[target <= 200 ms]")

    new_ok = Slot("moi", "p", time(23, 59, 59), frozenset({6}),
                  max_duration=timedelta(seconds=1), priority=Priority.NORMAL)
    new_bad = Slot("moi", "p", time(12), frozenset({2}), max_duration=timedelta(minutes=5))

    def check(new: Slot) -> str:
        try:
            check_slot(new, slots, [], TZ, None, NOW)
        except SlotClash as exc:
            return exc.other_slot_id
        return ""

    took_ok, _ = best_of(3, lambda: check(new_ok))
    took_bad, other = best_of(3, lambda: check(new_bad))
    report("check_slot: one new slot, no clash", took_ok, base)
    report("check_slot: one new slot, clashing", took_bad, base, f"(with {other!r})")

    sample_took, _ = best_of(1, lambda: sampled_conflicts(slots, 4))
    took, clashes = best_of(1, lambda: find_conflicts(slots, [], TZ, now=NOW))
    assert clashes == [], clashes
    report("baseline: sample 4 weeks and sweep (inexact)", sample_took)
    report("find_conflicts: whole timetable, exact", took, sample_took)

    tt = Timetable(1, TZ.key, [Program("p", "Chương trình", "", (Segment.jingle("intro"),))],
                   slots)
    took, text = best_of(3, lambda: dump_timetable(tt))
    assert isinstance(text, str)
    yaml_took, _ = best_of(1, lambda: yaml.load(text, Loader=yaml.CSafeLoader))
    report(f"dump_timetable ({len(text) // 1024} KiB)", took)
    report("baseline: yaml.load (libyaml), no checks", yaml_took)
    took, loaded = best_of(1, lambda: load_timetable(text))
    assert loaded == tt
    report("load_timetable: parse, validate, clash check", took, yaml_took)


def main() -> None:
    rng = random.Random(57)
    print(f"python {sys.version.split()[0]}; best of several runs (a shared, noisy machine)\n")
    run("daily (worst case)", daily_slots())
    print()
    run("mixed", mixed_slots(rng))


if __name__ == "__main__":
    main()
