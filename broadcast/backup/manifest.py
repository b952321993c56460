"""The backup format: a tar.gz whose first member, ``manifest.json``, says what it holds.

    manifest.json                 format, version, source, database, every member + sha256
    database/loa.db               SQLite: a snapshot taken with the online backup API
    database/loa.sql              PostgreSQL: pg_dump (plain SQL, one schema)
    files/<role>/...              the station's files by role: media, jingles, scripts,
    files/lexicon.yaml            lexicon (station-local abbreviations)
    config/loa.toml               the settings file
    external/<n>/<name>           files programs refer to that live elsewhere

``format_version`` changes only when an older Loa could not read the archive.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from broadcast.errors import BackupError

FORMAT = "loa-backup"
FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"

# Roles of the station's files: where each is found is a setting; restoring puts each
# where the target station's settings say.
DIRECTORY_ROLES = ("media", "jingles", "scripts")
FILE_ROLES = ("lexicon",)
CONFIG_ROLE = "config"


@dataclass(frozen=True)
class Member:
    name: str  # path inside the archive
    sha256: str
    size: int
    kind: str  # "database" | "files" | "config" | "external"
    role: str | None = None  # files: which role; config: "config"
    original: str | None = None  # external: the absolute path it had


@dataclass(frozen=True)
class DatabaseInfo:
    kind: str  # "sqlite" | "postgresql"
    member: str
    revision: str | None  # schema revision (Alembic) at the time of the backup
    schema: str | None = None  # PostgreSQL: the schema that was dumped


@dataclass(frozen=True)
class Reference:
    """A file a program refers to by path (segment or music bed)."""

    program_id: str
    where: str  # "segment:<index>" | "bed"
    ref: str  # as stored in the program
    member: str | None  # the archive member holding it (None: inside a role's folder)


@dataclass
class Manifest:
    created_at: str
    loa_version: str
    host: str
    data_dir: str
    roots: dict[str, str]  # role -> absolute path on the source station
    database: DatabaseInfo
    members: list[Member] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    format: str = FORMAT
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2) + "\n"

    def member(self, name: str) -> Member | None:
        return next((m for m in self.members if m.name == name), None)


def foreign(what: str) -> BackupError:
    return BackupError(
        f"{what} không phải bản sao lưu của Loa; không khôi phục gì cả.", code="backup_foreign"
    )


def manifest_from_json(text: bytes, source: str) -> Manifest:
    """Parse and check a manifest; a foreign or too new one is refused with the reason."""
    try:
        data: dict[str, Any] = json.loads(text.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise foreign(source) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise foreign(source)
    version = data.get("format_version")
    if not isinstance(version, int) or version < 1:
        raise foreign(source)
    if version > FORMAT_VERSION:
        raise BackupError(
            f"{source} được tạo bởi phiên bản Loa mới hơn (định dạng sao lưu {version}; "
            f"phiên bản này đọc được đến {FORMAT_VERSION}). Hãy cập nhật Loa trước khi khôi "
            "phục.",
            code="backup_version_unsupported",
        )
    try:
        return Manifest(
            created_at=str(data["created_at"]),
            loa_version=str(data["loa_version"]),
            host=str(data["host"]),
            data_dir=str(data["data_dir"]),
            roots={str(k): str(v) for k, v in data["roots"].items()},
            database=DatabaseInfo(**data["database"]),
            members=[Member(**m) for m in data["members"]],
            references=[Reference(**r) for r in data.get("references", [])],
            format=FORMAT,
            format_version=version,
        )
    except (KeyError, TypeError, AttributeError) as exc:
        raise BackupError(
            f"Bản kê của {source} bị hỏng ({exc}); không khôi phục gì cả.",
            code="backup_corrupt",
        ) from exc
