"""The journaled swap: a restore cut short by a crash is rolled back from its journal."""

from __future__ import annotations

import os
from pathlib import Path

from broadcast.backup.swap import Move, _write_journal, commit, roll_back_interrupted, swap


def layout(tmp_path: Path) -> tuple[list[Move], Path]:
    data = tmp_path / "data"
    (data / "media").mkdir(parents=True)
    (data / "media" / "old.wav").write_bytes(b"old media")
    (data / "loa.db").write_bytes(b"old db")
    (data / "loa.db-wal").write_bytes(b"old wal")
    staging = data / ".restore-x"
    (staging / "media").mkdir(parents=True)
    (staging / "media" / "new.wav").write_bytes(b"new media")
    (staging / "loa.db").write_bytes(b"new db")
    aside = data / "before-restore-x"
    moves = [
        Move(data / "loa.db-wal", None, aside / "loa.db-wal"),
        Move(data / "media", staging / "media", aside / "media"),
        Move(data / "loa.db", staging / "loa.db", aside / "loa.db"),
        Move(data / "restored-files", None, aside / "restored-files"),  # absent: nothing to do
    ]
    return moves, data / ".restore-journal.json"


def contents(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*")
            if p.is_file() and "before-restore" not in str(p) and ".restore-x" not in str(p)}


def test_a_committed_swap_puts_the_new_files_in_and_keeps_the_old_aside(tmp_path: Path) -> None:
    moves, journal = layout(tmp_path)
    data = tmp_path / "data"
    swap(moves, journal)
    commit(journal)
    assert contents(data) == {"media/new.wav": b"new media", "loa.db": b"new db"}
    assert (data / "before-restore-x" / "loa.db-wal").read_bytes() == b"old wal"
    assert not roll_back_interrupted(journal)


def test_a_swap_cut_short_after_some_renames_is_rolled_back(tmp_path: Path) -> None:
    moves, journal = layout(tmp_path)
    data = tmp_path / "data"
    before = contents(data)
    _write_journal(journal, moves)  # what swap() does first
    (data / "before-restore-x").mkdir()
    os.rename(moves[0].target, moves[0].aside)  # ... then the process died mid-way
    os.rename(moves[1].target, moves[1].aside)
    os.rename(moves[1].staged, moves[1].target)  # type: ignore[arg-type]
    assert roll_back_interrupted(journal)
    assert contents(data) == before
    assert (data / ".restore-x" / "media" / "new.wav").exists()  # back where it was staged
    assert not journal.exists()


def test_a_whole_swap_not_committed_is_rolled_back(tmp_path: Path) -> None:
    moves, journal = layout(tmp_path)
    data = tmp_path / "data"
    before = contents(data)
    swap(moves, journal)  # e.g. the PostgreSQL step after it failed
    assert roll_back_interrupted(journal)
    assert contents(data) == before


def test_a_station_about_to_start_undoes_a_restore_cut_short(tmp_path: Path) -> None:
    from broadcast.backup import recover_interrupted_restore
    from broadcast.settings import Settings

    moves, journal = layout(tmp_path)
    data = tmp_path / "data"
    before = contents(data)
    swap(moves, journal)  # the restore died before it committed
    settings = Settings(data_dir=data)
    assert recover_interrupted_restore(settings)
    assert contents(data) == before
    assert not recover_interrupted_restore(settings)
