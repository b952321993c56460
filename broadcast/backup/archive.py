"""Writing and reading backup archives. Reading checks everything before anything is used:
the manifest comes first, every member is listed in it with its size and sha256, no member
escapes the extraction folder, and nothing listed is missing."""

from __future__ import annotations

import hashlib
import io
import os
import tarfile
import zlib
from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from broadcast.backup.manifest import MANIFEST_NAME, Manifest, foreign, manifest_from_json
from broadcast.errors import BackupError

CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def write_archive(output: Path, manifest: Manifest, files: Sequence[tuple[str, Path]]) -> None:
    """Write manifest + files to ``output`` (atomically: a temporary file, then a rename)."""
    output.parent.mkdir(parents=True, exist_ok=True)
    temporary = output.with_name(f".{output.name}.partial")
    try:
        with tarfile.open(temporary, "w:gz", compresslevel=6) as tar:
            data = manifest.to_json().encode("utf-8")
            info = tarfile.TarInfo(MANIFEST_NAME)
            info.size = len(data)
            info.mode = 0o600
            info.mtime = int(os.path.getmtime(files[0][1])) if files else 0
            tar.addfile(info, io.BytesIO(data))
            for name, path in files:
                info = tar.gettarinfo(str(path), arcname=name)
                info.uid = info.gid = 0
                info.uname = info.gname = ""
                info.mode = 0o600
                with open(path, "rb") as f:
                    tar.addfile(info, f)
        with open(temporary, "rb") as f:
            os.fsync(f.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, output)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def read_manifest(archive: Path) -> Manifest:
    """The manifest only (for listing); the members are not checked."""
    with _open(archive) as tar:
        first = _next(tar, archive)
        return _manifest(tar, first, archive)


def extract_verified(archive: Path, folder: Path) -> Manifest:
    """Extract ``archive`` into the empty ``folder`` and check every member against the
    manifest. Raises ``BackupError`` (``backup_foreign`` / ``backup_corrupt``) on any
    mismatch; the caller then throws ``folder`` away."""
    name = archive.name
    with _open(archive) as tar:
        manifest = _manifest(tar, _next(tar, archive), archive)
        expected = {m.name: m for m in manifest.members}
        seen: set[str] = set()
        while (info := _next(tar, archive)) is not None:
            if info.isdir():
                continue
            member = expected.get(info.name)
            if member is None or not info.isfile() or not _safe(info.name):
                raise _corrupt(name, f"thành phần lạ '{info.name}'")
            if info.name in seen:
                raise _corrupt(name, f"thành phần '{info.name}' xuất hiện hai lần")
            target = folder / info.name
            target.parent.mkdir(parents=True, exist_ok=True)
            source = tar.extractfile(info)
            assert source is not None
            digest, size = hashlib.sha256(), 0
            try:
                with open(target, "wb") as out:
                    while block := source.read(CHUNK):
                        digest.update(block)
                        size += len(block)
                        out.write(block)
            except (EOFError, zlib.error, tarfile.TarError, OSError) as exc:
                if isinstance(exc, OSError) and exc.errno is not None:
                    raise  # e.g. a full disk here, not a broken archive
                raise _corrupt(name, f"không đọc hết được '{info.name}'") from exc
            if size != member.size or digest.hexdigest() != member.sha256:
                raise _corrupt(name, f"'{info.name}' sai mã kiểm tra sha256")
            seen.add(info.name)
        missing = sorted(set(expected) - seen)
        if missing:
            raise _corrupt(name, f"thiếu {len(missing)} thành phần, ví dụ '{missing[0]}'")
    return manifest


def _open(archive: Path) -> tarfile.TarFile:
    if not archive.is_file():
        raise BackupError(f"Không tìm thấy tệp sao lưu {archive}.", code="backup_not_found")
    try:
        return tarfile.open(archive, "r:gz")
    except (tarfile.TarError, zlib.error, EOFError, OSError) as exc:
        if isinstance(exc, OSError) and exc.errno is not None:
            raise BackupError(f"Không đọc được {archive}: {exc}", code="backup_unreadable") \
                from exc
        raise foreign(f"Tệp {archive.name}") from exc


def _next(tar: tarfile.TarFile, archive: Path) -> tarfile.TarInfo | None:
    try:
        return tar.next()
    except (tarfile.TarError, zlib.error, EOFError) as exc:
        raise _corrupt(archive.name, "tệp bị cắt cụt hoặc hỏng") from exc


def _manifest(tar: tarfile.TarFile, first: tarfile.TarInfo | None, archive: Path) -> Manifest:
    if first is None or first.name != "manifest.json" or not first.isfile():
        raise foreign(f"Tệp {archive.name}")
    stream = tar.extractfile(first)
    assert stream is not None
    try:
        data = stream.read(first.size)
    except (EOFError, zlib.error, tarfile.TarError) as exc:
        raise _corrupt(archive.name, "bản kê không đọc được") from exc
    return manifest_from_json(data, f"Tệp {archive.name}")


def _safe(name: str) -> bool:
    path = PurePosixPath(name)
    return not path.is_absolute() and ".." not in path.parts and name == str(path)


def _corrupt(name: str, reason: str) -> BackupError:
    return BackupError(
        f"Bản sao lưu {name} bị hỏng: {reason}. Không khôi phục gì cả; hãy dùng một bản sao "
        "lưu khác.",
        code="backup_corrupt",
    )
