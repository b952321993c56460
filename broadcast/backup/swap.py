"""Putting staged files in place: each target is renamed aside and its staged replacement
renamed in (renames within one file system, so each step is atomic). A journal written
before the first rename lets an interrupted swap be rolled back; a failure during the swap
rolls back at once. Nothing is deleted: the old files stay in the aside places."""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from broadcast.errors import BackupError

log = logging.getLogger(__name__)

JOURNAL_NAME = ".restore-journal.json"


@dataclass(frozen=True)
class Move:
    target: Path
    staged: Path | None  # None: the target is only moved aside (nothing replaces it)
    aside: Path


def swap(moves: list[Move], journal: Path) -> None:
    """Move every target aside and its staged replacement in; all or nothing. The journal
    stays until :func:`commit` (or :func:`roll_back_interrupted` undoes the swap), so that
    a step after the swap (the database) can still fail and leave everything as it was."""
    _write_journal(journal, moves)
    done: list[tuple[str, Move]] = []
    try:
        for move in moves:
            if move.target.exists() or move.target.is_symlink():
                move.aside.parent.mkdir(parents=True, exist_ok=True)
                os.rename(move.target, move.aside)
                done.append(("aside", move))
            if move.staged is not None:
                move.target.parent.mkdir(parents=True, exist_ok=True)
                os.rename(move.staged, move.target)
                done.append(("in", move))
    except OSError as exc:
        _undo(done)
        journal.unlink(missing_ok=True)
        raise BackupError(
            f"Không thay được {exc.filename}: {exc.strerror}. Dữ liệu cũ đã được để lại "
            "nguyên chỗ.",
            code="restore_swap_failed",
        ) from exc
    _fsync_dir(journal.parent)


def commit(journal: Path) -> None:
    journal.unlink(missing_ok=True)
    _fsync_dir(journal.parent)


def roll_back_interrupted(journal: Path) -> bool:
    """If a swap was cut short (the process died), put the old files back. True if it
    found one to roll back."""
    if not journal.exists():
        return False
    data = json.loads(journal.read_text(encoding="utf-8"))
    moves = [
        Move(Path(m["target"]), Path(m["staged"]) if m["staged"] else None, Path(m["aside"]))
        for m in data["moves"]
    ]
    for move in reversed(moves):
        moved_in = move.staged is not None and not move.staged.exists() and (
            move.target.exists() or move.target.is_symlink()
        )
        if moved_in and move.staged is not None:
            os.rename(move.target, move.staged)
        if (move.aside.exists() or move.aside.is_symlink()) and not move.target.exists():
            os.rename(move.aside, move.target)
    journal.unlink()
    log.warning("rolled back an interrupted restore (journal %s)", journal)
    return True


def _undo(done: list[tuple[str, Move]]) -> None:
    for step, move in reversed(done):
        try:
            if step == "in" and move.staged is not None:
                os.rename(move.target, move.staged)
            elif step == "aside":
                os.rename(move.aside, move.target)
        except OSError:
            log.exception("could not undo the restore step for %s", move.target)


def _write_journal(journal: Path, moves: list[Move]) -> None:
    data = {"moves": [
        {k: (str(v) if v is not None else None) for k, v in asdict(m).items()} for m in moves
    ]}
    temporary = journal.with_name(journal.name + ".tmp")
    with open(temporary, "w", encoding="utf-8") as out:
        json.dump(data, out, ensure_ascii=False)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, journal)
    _fsync_dir(journal.parent)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
