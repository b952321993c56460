"""What a backup holds besides the database: the station's files by role, and the files
programs refer to by path. Also where each of them goes on the station being restored."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from broadcast.backup.manifest import CONFIG_ROLE, DIRECTORY_ROLES, Reference
from broadcast.settings import Settings

SKIPPED_SUFFIXES = (".partial", ".tmp", ".part")


@dataclass(frozen=True)
class Layout:
    """Where a station keeps each role's files (absolute paths)."""

    data_dir: Path
    roots: dict[str, Path]

    @classmethod
    def of(cls, settings: Settings) -> Layout:
        data_dir = settings.data_dir.resolve()
        roots = {
            "media": settings.media_path,
            "jingles": settings.jingles_path,
            "scripts": data_dir / "scripts",
            "lexicon": settings.local_lexicon,
            CONFIG_ROLE: settings.config_file,
        }
        return cls(data_dir, {k: _absolute(v, data_dir) for k, v in roots.items()})

    def member_name(self, role: str, path: Path) -> str:
        if role in DIRECTORY_ROLES:
            return f"files/{role}/{path.relative_to(self.roots[role]).as_posix()}"
        if role == CONFIG_ROLE:
            return "config/loa.toml"
        return f"files/{role}{path.suffix or '.yaml'}"

    def role_of(self, path: Path) -> str | None:
        """The folder role ``path`` lies in, if any."""
        for role in DIRECTORY_ROLES:
            if path.is_relative_to(self.roots[role]):
                return role
        return None


def _absolute(path: Path, base: Path) -> Path:
    path = Path(path).expanduser()
    return Path(os.path.normpath(path if path.is_absolute() else base / path))


def role_files(layout: Layout) -> Iterator[tuple[str, str, Path]]:
    """(role, member name, path) of every file to back up by role."""
    for role in DIRECTORY_ROLES:
        root = layout.roots[role]
        if not root.is_dir():
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                path = Path(folder) / name
                if name.startswith(".") or name.endswith(SKIPPED_SUFFIXES) or not path.is_file():
                    continue
                yield role, layout.member_name(role, path), path
    for role in ("lexicon", CONFIG_ROLE):
        path = layout.roots[role]
        if path.is_file():
            yield role, layout.member_name(role, path), path


@dataclass(frozen=True)
class FileReference:
    program_id: str
    where: str  # "segment:<index>" | "bed"
    ref: str
    path: Path  # resolved on this station


@dataclass(frozen=True)
class StoredProgram:
    """A program as the database holds it, read without the ORM (see ``stored_programs``)."""

    id: str
    segments: list[dict[str, Any]]
    bed: str | None


def program_references(programs: Iterable[StoredProgram], layout: Layout) -> list[FileReference]:
    """Every file a program names by path: script files (relative to the data folder) and
    audio files and music beds (relative to the media folder), as the renderer finds them."""
    found: list[FileReference] = []
    media = layout.roots["media"]
    for program in programs:
        for index, segment in enumerate(program.segments):
            kind = str(segment.get("kind", ""))
            # "path" since schema 0002 (typed segments); "ref" before, where a script was a
            # decimal id or a path.
            ref = str(segment.get("path") or segment.get("ref") or "")
            if kind == "script" and ref and not ref.isdigit():
                base = layout.data_dir
            elif kind == "audio" and ref:
                base = media
            else:
                continue
            found.append(FileReference(
                program.id, f"segment:{index}", ref, _absolute(Path(ref), base)
            ))
        if program.bed:
            found.append(FileReference(
                program.id, "bed", program.bed, _absolute(Path(program.bed), media)
            ))
    return found


def relocated(reference: Reference, source_roots: dict[str, str], target: Layout) -> str | None:
    """The new text of an absolute reference into one of the source's role folders, when
    that folder is somewhere else on the target; None when the reference stays as it is."""
    ref = Path(reference.ref)
    if not ref.is_absolute():
        return None  # relative: resolved against the target's own folders
    for role in DIRECTORY_ROLES:
        root = source_roots.get(role)
        if root is not None and ref.is_relative_to(root):
            moved = target.roots[role] / ref.relative_to(root)
            return str(moved) if moved != ref else None
    return None
