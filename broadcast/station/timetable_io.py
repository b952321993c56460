"""Timetable YAML and the store's paths: `broadcast schedule import|export`.

Script and audio paths are written relative to the YAML file; in the store they are kept
absolute, so an export written beside the imported file gives back the same text. (The
import itself is the timetable service's: validated whole, then swapped in one transaction.)
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from broadcast.programs import Program
from broadcast.scheduling.timetable_yaml import Timetable, dump_timetable
from broadcast.store.store import Store


def _map_paths(program: Program, convert: Callable[[str], str]) -> Program:
    segments = tuple(
        replace(s, path=convert(s.path)) if s.path is not None else s for s in program.segments
    )
    return replace(program, segments=segments, bed=convert(program.bed) if program.bed else None)


def absolute_paths(timetable: Timetable) -> list[Program]:
    """The timetable's programs with their file paths made absolute (as the store keeps them)."""
    return [_map_paths(p, lambda ref: str(timetable.resolve(ref))) for p in timetable.programs]


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
