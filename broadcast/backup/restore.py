"""``broadcast restore``: bring a station back from a backup archive, never half-way.

1. The archive is extracted into a staging folder and every member checked (a foreign or
   corrupt archive is refused before anything else happens).
2. The staged database is checked, brought to this version's schema, and adapted: the
   station lock of the old machine is cleared, and program paths are moved to where this
   station keeps its files (files that lived outside the station's folders are restored
   under ``<data dir>/restored-files`` unless the very same file is already in place).
3. Only then are the current files moved aside (kept in ``before-restore-<time>``) and the
   staged ones renamed in, under a journal; PostgreSQL is replaced in one transaction after
   that, and a failure there rolls the files back too.
A station serving the target database is never touched: stop it first.
"""

from __future__ import annotations

import logging
import os
import shutil
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, text
from sqlalchemy.orm import Session

from broadcast.backup.archive import extract_verified, sha256_of
from broadcast.backup.contents import Layout, relocated
from broadcast.backup.database import (
    backend,
    prepare_sqlite,
    restore_postgresql,
    running_holder,
)
from broadcast.backup.manifest import CONFIG_ROLE, DIRECTORY_ROLES, Manifest, Reference
from broadcast.backup.swap import JOURNAL_NAME, Move, commit, roll_back_interrupted, swap
from broadcast.errors import BackupError, StoreError
from broadcast.settings import Settings
from broadcast.store.sqlite_copy import sqlite_file
from broadcast.store.timetable import ProgramRepo

log = logging.getLogger(__name__)

RESTORED_FILES = "restored-files"


@dataclass
class RestoreResult:
    data_dir: Path
    backup_created_at: str
    backup_host: str
    kept_aside: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # Vietnamese, for the operator


def restore_backup(archive: Path, settings: Settings, now: datetime) -> RestoreResult:
    layout = Layout.of(settings)
    data_dir = layout.data_dir
    data_dir.mkdir(parents=True, exist_ok=True)
    journal = data_dir / JOURNAL_NAME
    if roll_back_interrupted(journal):
        log.warning("an interrupted restore into %s was rolled back first", data_dir)
    stamp = now.astimezone(ZoneInfo(settings.timezone)).strftime("%Y%m%d-%H%M%S")
    staging = data_dir / f".restore-{stamp}"
    staging.mkdir()
    extra_staged: list[Path] = []
    try:
        extracted = staging / "archive"
        manifest = extract_verified(archive.resolve(), extracted)
        _check_target(manifest, settings, now)
        result = RestoreResult(data_dir, manifest.created_at, manifest.host)
        plan = Plan(layout, stamp, staging, extra_staged, result)
        for role in DIRECTORY_ROLES + ("lexicon",):
            member_root = extracted / "files" / role
            single = [m for m in manifest.members if m.kind == "files" and m.role == role]
            if not single:
                continue  # the station had none: what is here stays
            source = member_root if role in DIRECTORY_ROLES else extracted / single[0].name
            plan.replace(layout.roots[role], source)
        if any(m.kind == "config" for m in manifest.members):
            plan.replace_config(layout.roots[CONFIG_ROLE], extracted / "config" / "loa.toml")
        rewrites = plan.externals(manifest, extracted)
        prepare = _preparation(manifest, layout, rewrites, now)
        database = extracted / manifest.database.member
        if manifest.database.kind == "sqlite":
            try:
                prepare_sqlite(database, prepare)
            except StoreError as exc:
                raise _unusable(exc) from exc
            target_db = sqlite_file(settings.db_url)
            assert target_db is not None
            for suffix in ("-wal", "-shm"):  # a stale log must never meet the new database
                plan.move_aside(target_db.with_name(target_db.name + suffix))
            plan.replace(target_db, database)
        plan.own_like(data_dir)
        swap(plan.moves, journal)
        if manifest.database.kind == "postgresql":
            try:
                assert manifest.database.schema is not None
                restore_postgresql(settings.db_url, database, manifest.database.schema, prepare)
            except BaseException:
                roll_back_interrupted(journal)
                raise
        commit(journal)
        result.kept_aside = plan.aside_roots()
        return result
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        for path in extra_staged:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _check_target(manifest: Manifest, settings: Settings, now: datetime) -> None:
    kind = backend(settings.db_url)
    if manifest.database.kind != kind:
        raise BackupError(
            f"Bản sao lưu chứa cơ sở dữ liệu {manifest.database.kind}, còn trạm phát này dùng "
            f"{kind}: không khôi phục chéo được.",
            code="backup_database_kind",
        )
    holder = running_holder(settings.db_url, now)
    if holder is not None:
        raise BackupError(
            f"Trạm phát đang chạy trên dữ liệu này (máy {holder.host}, tiến trình "
            f"{holder.pid}). Hãy dừng nó trước khi khôi phục (sudo systemctl stop loa).",
            code="station_running",
        )


def _unusable(exc: StoreError) -> BackupError:
    return BackupError(
        f"Không dùng được cơ sở dữ liệu trong bản sao lưu: {exc.message} Không có gì bị thay "
        "đổi.",
        code="restore_failed",
    )


@dataclass
class Plan:
    """The moves that put the staged files in place, built before anything is moved."""

    layout: Layout
    stamp: str
    staging: Path
    extra_staged: list[Path]
    result: RestoreResult
    moves: list[Move] = field(default_factory=list)

    def aside_for(self, target: Path) -> Path:
        if target.is_relative_to(self.layout.data_dir):
            return self.aside_root / target.relative_to(self.layout.data_dir)
        return target.with_name(f"{target.name}.before-restore-{self.stamp}")

    @property
    def aside_root(self) -> Path:
        return self.layout.data_dir / f"before-restore-{self.stamp}"

    def aside_roots(self) -> list[Path]:
        roots = {self.aside_for(m.target) for m in self.moves if m.target.exists()}
        inside = any(r.is_relative_to(self.aside_root) for r in roots)
        found = [r for r in roots if not r.is_relative_to(self.aside_root)]
        return ([self.aside_root] if inside else []) + sorted(found)

    def replace(self, target: Path, source: Path) -> None:
        self.moves.append(Move(target, self._beside(target, source), self.aside_for(target)))

    def move_aside(self, target: Path) -> None:
        if target.exists():
            self.moves.append(Move(target, None, self.aside_for(target)))

    def replace_config(self, target: Path, source: Path) -> None:
        if target.is_relative_to(self.layout.data_dir) or os.access(target.parent, os.W_OK):
            self.replace(target, source)
            if target.exists():
                shutil.copymode(target, source)
            return
        kept = self.layout.data_dir / "loa.toml.from-backup"
        shutil.copy2(source, kept)
        self.result.notes.append(
            f"Không ghi được tệp cấu hình {target}; bản trong sao lưu được đặt ở {kept}: "
            "so sánh và chép sang nếu cần."
        )

    def externals(self, manifest: Manifest, extracted: Path) -> dict[str, dict[str, str]]:
        """Stage the outside files programs need; program -> where -> new reference."""
        rewrites: dict[str, dict[str, str]] = defaultdict(dict)
        restored = self.staging / RESTORED_FILES
        for reference in manifest.references:
            new = self._new_reference(reference, manifest, extracted, restored)
            if new is not None and new != reference.ref:
                rewrites[reference.program_id][reference.where] = new
        if restored.exists():
            self.replace(self.layout.data_dir / RESTORED_FILES, restored)
        return rewrites

    def _new_reference(
        self, reference: Reference, manifest: Manifest, extracted: Path, restored: Path
    ) -> str | None:
        if reference.member is None:
            return relocated(reference, manifest.roots, self.layout)
        member = manifest.member(reference.member)
        assert member is not None and member.original is not None
        original = Path(member.original)
        if original.is_file() and sha256_of(original) == member.sha256:
            return None  # the very same file is in place on this machine
        relative = Path(member.name).relative_to("external")
        staged = restored / relative
        if not staged.exists():
            staged.parent.mkdir(parents=True, exist_ok=True)
            os.rename(extracted / member.name, staged)
        return str(self.layout.data_dir / RESTORED_FILES / relative)

    def own_like(self, folder: Path) -> None:
        """Run as root for a service user: the restored files belong to the folder's owner."""
        if os.geteuid() != 0:
            return
        info = folder.stat()
        if info.st_uid == 0:
            return
        for move in self.moves:
            if move.staged is None or not move.target.is_relative_to(folder):
                continue
            for path in [move.staged, *move.staged.rglob("*")] if move.staged.is_dir() else [
                move.staged
            ]:
                os.chown(path, info.st_uid, info.st_gid, follow_symlinks=False)

    def _beside(self, target: Path, source: Path) -> Path:
        """``source``, on the file system of ``target`` (a copy beside it if need be)."""
        parent = target.parent
        parent.mkdir(parents=True, exist_ok=True)
        if os.stat(parent).st_dev == os.stat(source).st_dev:
            return source
        beside = parent / f".{target.name}.restore-{self.stamp}"
        if source.is_dir():
            shutil.copytree(source, beside)
        else:
            shutil.copy2(source, beside)
        self.extra_staged.append(beside)
        return beside


def _preparation(
    manifest: Manifest, layout: Layout, rewrites: dict[str, dict[str, str]], now: datetime
) -> Callable[[Connection], None]:
    """What the restored database needs on this station, run in its own transaction."""

    def prepare(conn: Connection) -> None:
        # The old machine's lock would keep this station from starting.
        conn.execute(text("DELETE FROM station_lock"))
        if not rewrites:
            return
        with Session(bind=conn) as session:
            programs = ProgramRepo(session)
            for program_id, changes in rewrites.items():
                program = programs.find(program_id)
                if program is None:
                    continue
                segments = list(program.segments)
                bed = program.bed
                for where, new in changes.items():
                    if where == "bed":
                        bed = new
                    else:
                        index = int(where.split(":")[1])
                        segments[index] = replace(segments[index], path=new)
                programs.upsert(replace(program, segments=tuple(segments), bed=bed), now=now)

    return prepare


def recover_interrupted_restore(settings: Settings) -> bool:
    """Undo a restore the process died in the middle of (its journal is still there), so a
    station never starts on half-swapped data. Call before opening the store. True if one
    was rolled back."""
    return roll_back_interrupted(Layout.of(settings).data_dir / JOURNAL_NAME)
