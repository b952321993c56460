"""Timetable YAML in and out of the store: `broadcast schedule import|export`.

Script and audio paths are written relative to the YAML file; in the store they are kept
absolute, so an export written beside the imported file gives back the same text.
An import is validated whole (format, clashes, referenced files, scripts readable) before
anything is stored, and then replaces the timetable in one transaction.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from broadcast.programs import Program
from broadcast.scheduling.timetable_yaml import Timetable, dump_timetable, load_timetable
from broadcast.script_input import load_script
from broadcast.store.store import Store

PATH_KINDS = ("script", "audio")


def _map_paths(program: Program, convert: Callable[[str], str]) -> Program:
    segments = tuple(
        replace(s, ref=convert(s.ref)) if s.kind in PATH_KINDS and not s.ref.isdigit() else s
        for s in program.segments
    )
    return replace(program, segments=segments, bed=convert(program.bed) if program.bed else None)


def import_timetable(
    store: Store, path: Path, *, now: datetime, max_script_bytes: int
) -> Timetable:
    """Validate ``path`` whole, then replace the stored timetable with it."""
    timetable = load_timetable(Path(path), now=now, check_files=True)
    programs = [_map_paths(p, lambda ref: str(timetable.resolve(ref))) for p in timetable.programs]
    for program in programs:  # a script that cannot be read is refused before storing
        for segment in program.segments:
            if segment.kind == "script" and not segment.ref.isdigit():
                load_script(Path(segment.ref), max_script_bytes)
    store.replace_timetable(programs, timetable.slots, timetable.adjustments, now=now)
    return timetable


def export_timetable(store: Store, path: Path, *, timezone: str) -> str:
    """Write the stored timetable to ``path`` (atomically) and return the text."""
    base = Path(path).resolve().parent

    def relative(ref: str) -> str:
        return os.path.relpath(ref, base) if Path(ref).is_absolute() else ref

    timetable = Timetable(
        version=1,
        timezone=timezone,
        programs=[_map_paths(p, relative) for p in store.programs.list()],
        slots=store.slots.list(),
        adjustments=store.adjustments.list(),
    )
    text = dump_timetable(timetable)
    fd, tmp = tempfile.mkstemp(prefix=".export-", suffix=".yaml", dir=base)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)
    return text
