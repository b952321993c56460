"""Backup and restore of a station: database, scripts, media, jingles, lexicon, settings."""

from broadcast.backup.archive import extract_verified, read_manifest
from broadcast.backup.create import BackupResult, create_backup
from broadcast.backup.manifest import FORMAT_VERSION, Manifest
from broadcast.backup.restore import RestoreResult, recover_interrupted_restore, restore_backup

__all__ = [
    "FORMAT_VERSION",
    "BackupResult",
    "Manifest",
    "RestoreResult",
    "create_backup",
    "extract_verified",
    "read_manifest",
    "recover_interrupted_restore",
    "restore_backup",
]
