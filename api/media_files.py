"""Uploaded jingles and audio files on disk.

Jingles live in ``settings.jingles_path/<name>.wav|mp3`` (where the mixer looks them up by
name); other audio in ``settings.media_path/audios/<name>.wav|mp3``. ``name`` is a checked
identifier chosen by the operator; the uploaded file's own name is never used.
"""

from __future__ import annotations

import errno
import os
import re
import secrets
from pathlib import Path
from typing import cast

from api import schemas
from api.errors import ApiError
from api.filetypes import AudioType
from broadcast.errors import RenderError
from broadcast.mixing.audio_io import probe_duration, read_audio
from broadcast.settings import Settings

EXTENSIONS: tuple[AudioType, ...] = ("wav", "mp3")
_NAME = re.compile(schemas.NAME_PATTERN)


def media_dir(settings: Settings, kind: schemas.MediaKind) -> Path:
    return settings.jingles_path if kind == "jingle" else settings.media_path / "audios"


def media_file(settings: Settings, kind: schemas.MediaKind, name: str) -> Path | None:
    """The stored file of an uploaded jingle or audio file, if there is one (also for the
    renderer: a program's ``audio`` segment ``ref`` is such a name)."""
    if not _NAME.match(name):
        return None
    folder = media_dir(settings, kind)
    for ext in EXTENSIONS:
        path = folder / f"{name}.{ext}"
        if path.is_file():
            return path
    return None


def audio_ref(settings: Settings, name: str) -> str:
    """What a program stores for an uploaded audio file (segment ref or bed): its path relative
    to ``settings.media_path``, which is how the station resolves audio refs."""
    path = media_file(settings, "audio", name)
    if path is None:
        raise ApiError(422, f"Không có tệp âm thanh «{name}».", code="unknown_audio", name=name)
    return path.relative_to(settings.media_path).as_posix()


_AUDIO_REF = re.compile(r"^audios/(?P<name>[a-z0-9][a-z0-9_-]{0,63})\.(wav|mp3)$")


def audio_name(ref: str) -> str:
    """The media name of an audio ref made by ``audio_ref`` (other refs are shown as they are:
    paths from an imported timetable)."""
    found = _AUDIO_REF.match(ref)
    return found.group("name") if found else ref


def _describe(path: Path, kind: schemas.MediaKind) -> schemas.MediaOut:
    try:
        duration = probe_duration(path)
    except RenderError:
        duration = 0.0
    return schemas.MediaOut(
        name=path.stem,
        kind=kind,
        duration_seconds=round(duration, 3),
        size_bytes=path.stat().st_size,
    )


def list_media(settings: Settings) -> list[schemas.MediaOut]:
    found: list[schemas.MediaOut] = []
    for kind in cast(tuple[schemas.MediaKind, ...], ("jingle", "audio")):
        folder = media_dir(settings, kind)
        if not folder.is_dir():
            continue
        for path in sorted(folder.iterdir()):
            if path.suffix[1:] in EXTENSIONS and _NAME.match(path.stem) and path.is_file():
                found.append(_describe(path, kind))
    return found


def save_media(
    settings: Settings,
    kind: schemas.MediaKind,
    name: str,
    data: bytes,
    audio_type: AudioType,
    *,
    display_name: str,
    replace: bool,
) -> schemas.MediaOut:
    """Write the file under a temporary name, check that it decodes, then move it in place;
    on any failure nothing is left behind."""
    folder = media_dir(settings, kind)
    existing = media_file(settings, kind, name)
    if existing is not None and not replace:
        raise ApiError(
            409,
            f"Đã có {'nhạc hiệu' if kind == 'jingle' else 'tệp âm thanh'} tên «{name}»; "
            "gửi kèm replace=true để thay.",
            code="duplicate_id",
        )
    if existing is not None and existing.suffix != f".{audio_type}":
        # Programs refer to the file by its path: a format change would leave them dangling.
        raise ApiError(
            409,
            f"Tệp «{name}» đang là {existing.suffix[1:].upper()}; tệp thay thế phải cùng định "
            "dạng (hoặc xoá tệp cũ rồi tải lên lại).",
            code="media_format_change",
        )
    temp = folder / f".upload-{secrets.token_hex(8)}.{audio_type}"
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temp.write_bytes(data)
        except OSError as exc:
            if exc.errno in _DISK_FULL:
                raise disk_full(len(data)) from exc
            raise
        try:
            read_audio(temp, settings.sample_rate, max_seconds=1.0)
            duration = probe_duration(temp)
        except RenderError as exc:
            raise ApiError(
                422,
                f"Không giải mã được tệp âm thanh «{display_name}»: tệp hỏng hoặc không đúng "
                f"định dạng {audio_type.upper()}.",
                code="upload_unreadable",
            ) from exc
        if duration <= 0:
            raise ApiError(422, f"Tệp «{display_name}» không có âm thanh.", code="upload_empty")
        final = folder / f"{name}.{audio_type}"
        os.replace(temp, final)
    finally:
        temp.unlink(missing_ok=True)
    return schemas.MediaOut(
        name=name, kind=kind, duration_seconds=round(duration, 3), size_bytes=len(data)
    )


_DISK_FULL = frozenset({errno.ENOSPC, errno.EDQUOT})


def disk_full(size: int) -> ApiError:
    """507: the upload did not fit on the station's disk (nothing was kept)."""
    megabytes = f"{size / (1024 * 1024):.1f}".replace(".", ",")
    return ApiError(
        507,
        f"Ổ đĩa của đài đã đầy, không lưu được tệp ({megabytes} MB); không có gì bị thay đổi. "
        "Hãy xoá bớt tệp âm thanh cũ hoặc dọn bộ nhớ đệm (broadcast cache prune) rồi tải lên "
        "lại.",
        code="disk_full",
    )


def delete_media(settings: Settings, kind: schemas.MediaKind, name: str) -> None:
    path = media_file(settings, kind, name)
    if path is None:
        raise ApiError(404, f"Không tìm thấy tệp «{name}».", code="not_found")
    path.unlink()
