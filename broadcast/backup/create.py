"""``broadcast backup``: one archive with the database and the station's files, taken
while the station serves."""

from __future__ import annotations

import socket
import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from broadcast import __version__
from broadcast.backup.archive import sha256_of, write_archive
from broadcast.backup.contents import Layout, program_references, role_files
from broadcast.backup.database import snapshot, stored_programs
from broadcast.backup.manifest import Manifest, Member, Reference
from broadcast.settings import Settings

ARCHIVE_PREFIX = "loa-backup-"
ARCHIVE_SUFFIX = ".tar.gz"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size: int
    files: int  # members besides the database
    database: str  # "sqlite" | "postgresql"
    missing: list[str] = field(default_factory=list)  # referenced files that do not exist


def archive_name(now: datetime, timezone: str) -> str:
    return f"{ARCHIVE_PREFIX}{now.astimezone(ZoneInfo(timezone)):%Y%m%d-%H%M%S}{ARCHIVE_SUFFIX}"


def create_backup(settings: Settings, now: datetime, output: Path | None = None) -> BackupResult:
    layout = Layout.of(settings)
    output = (output or settings.backups_path / archive_name(now, settings.timezone)).resolve()
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".loa-backup-", dir=output.parent) as tmp:
        info, db_file = snapshot(settings.db_url, Path(tmp))
        files: list[tuple[str, Path]] = [(info.member, db_file)]
        members = [Member(info.member, sha256_of(db_file), db_file.stat().st_size, "database")]
        for role, name, path in role_files(layout):
            kind = "config" if role == "config" else "files"
            members.append(Member(name, sha256_of(path), path.stat().st_size, kind, role))
            files.append((name, path))
        programs = stored_programs(settings.db_url)
        references: list[Reference] = []
        external: dict[Path, str] = {}
        missing: list[str] = []
        for found in program_references(programs, layout):
            if layout.role_of(found.path) is not None:
                references.append(Reference(found.program_id, found.where, found.ref, None))
                continue
            if not found.path.is_file():
                missing.append(found.ref)
                continue
            name = external.get(found.path, "")
            if not name:
                name = f"external/{len(external) + 1}/{found.path.name}"
                external[found.path] = name
                members.append(Member(name, sha256_of(found.path), found.path.stat().st_size,
                                      "external", original=str(found.path)))
                files.append((name, found.path))
            references.append(Reference(found.program_id, found.where, found.ref, name))
        manifest = Manifest(
            created_at=now.isoformat(timespec="seconds"),
            loa_version=__version__,
            host=socket.gethostname(),
            data_dir=str(layout.data_dir),
            roots={role: str(path) for role, path in layout.roots.items()},
            database=info,
            members=members,
            references=references,
        )
        write_archive(output, manifest, files)
    return BackupResult(output, output.stat().st_size, len(members) - 1, info.kind, missing)
