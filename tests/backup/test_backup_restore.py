"""Backing up a station and restoring it onto another data folder (SQLite and PostgreSQL):
what comes back, where its files go, and every way a restore refuses without changing
anything."""

from __future__ import annotations

import gzip
import io
import json
import shutil
import subprocess
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from broadcast.backup import create_backup, read_manifest, restore_backup
from broadcast.backup.manifest import FORMAT_VERSION
from broadcast.errors import BackupError
from broadcast.programs import Program, Segment
from broadcast.render import Renderer
from broadcast.scheduling.model import Slot
from broadcast.settings import Settings
from broadcast.station.program_files import ProgramFiles
from broadcast.store.lock import StationLock
from broadcast.store.store import Store, open_store

NOW = datetime(2025, 11, 21, 19, 30, tzinfo=UTC)  # 02:30 in Hà Nội
SCRIPT_TEXT = "Kính thưa bà con. Xã tổ chức tiêm phòng dại cho chó mèo vào sáng chủ nhật."


@dataclass
class Station:
    settings: Settings
    store: Store

    @property
    def data_dir(self) -> Path:
        return self.settings.data_dir


def station(folder: Path, url: str) -> Settings:
    folder.mkdir(parents=True, exist_ok=True)
    return Settings(data_dir=folder, database_url=url, engines=["fake"],
                    load_example_timetable=False)


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A script file that lives outside the station's folders (e.g. in a git checkout)."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    path = folder / "ban-tin-ngoai.txt"
    path.write_text("Bản tin từ thư mục ngoài. Kính chúc bà con sức khỏe.\n", encoding="utf-8")
    return path


@pytest.fixture
def source(tmp_path: Path, two_databases: tuple[str, str], outside: Path) -> Iterator[Station]:
    """Station A with something of everything a station keeps."""
    settings = station(tmp_path / "a", two_databases[0])
    a = settings.data_dir
    (a / "media" / "audios").mkdir(parents=True)
    (a / "media" / "audios" / "nhac-nen.wav").write_bytes(b"RIFF-nhac-nen" * 100)
    (a / "jingles").mkdir()
    (a / "jingles" / "intro.wav").write_bytes(b"RIFF-intro" * 100)
    (a / "scripts").mkdir()
    (a / "scripts" / "tiem-phong.txt").write_text(SCRIPT_TEXT + "\n", encoding="utf-8")
    (a / "lexicon.yaml").write_text("HTX: hợp tác xã\n", encoding="utf-8")
    (a / "loa.toml").write_text('station_name = "Đài truyền thanh xã Tân Lập"\n',
                                encoding="utf-8")
    (a / "audio_cache").mkdir()
    (a / "audio_cache" / "big.wav").write_bytes(b"0" * 10_000)  # regenerated, not backed up
    store = open_store(settings.db_url)
    script = store.scripts.create(title="Thông báo tiêm phòng", text=SCRIPT_TEXT,
                                  topic="thong-tin-chung")
    store.scripts.approve(script.id, by="lan")
    store.programs.create(Program(
        id="tiem-phong", title="Thông báo tiêm phòng", topic="thong-tin-chung",
        segments=(
            Segment.jingle("intro"),
            Segment.script_file(str(a / "scripts" / "tiem-phong.txt")),
            Segment.stored_script(script.id),
            Segment.script_file(str(outside)),
            Segment.audio_file("audios/nhac-nen.wav"),
        ),
        bed=str(a / "media" / "audios" / "nhac-nen.wav"),
    ))
    store.slots.create(Slot(id="sang", program_id="tiem-phong",
                            time=datetime(2025, 1, 1, 6, 0).time(), days=frozenset({0, 2, 4})))
    yesterday = NOW - timedelta(days=1)
    store.as_run.append(program_id="tiem-phong", priority="normal", slot_id="sang",
                        scheduled_start=yesterday, actual_start=yesterday,
                        end=yesterday + timedelta(minutes=2), outcome="aired", engines=["fake"])
    store.users.create("lan", "editor", password="mat-khau-cua-lan")
    lock = store.station_lock(stale_after=timedelta(seconds=30))
    assert lock.acquire(NOW)  # the source station was serving when it was backed up
    lock.release()
    lock.acquire(datetime.now(UTC) - timedelta(hours=1))  # an old machine's stale lock
    yield Station(settings, store)
    store.close()


def snapshot_folder(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_backup_holds_everything_with_checksums_and_not_the_cache(source: Station) -> None:
    result = create_backup(source.settings, NOW)
    assert result.path.parent == source.data_dir / "backups"
    assert result.path.name == "loa-backup-20251122-023000.tar.gz"
    manifest = read_manifest(result.path)
    assert manifest.format_version == FORMAT_VERSION
    names = {m.name for m in manifest.members}
    assert {"files/media/audios/nhac-nen.wav", "files/jingles/intro.wav",
            "files/scripts/tiem-phong.txt", "files/lexicon.yaml", "config/loa.toml",
            "external/1/ban-tin-ngoai.txt", manifest.database.member} <= names
    assert not any("audio_cache" in n or "backups" in n for n in names)
    with tarfile.open(result.path) as tar:
        assert tar.getnames()[0] == "manifest.json"
        assert set(tar.getnames()[1:]) == names
    assert oct(result.path.stat().st_mode & 0o777) == "0o600"


def test_restore_onto_another_folder_brings_the_station_back(
    source: Station, tmp_path: Path, two_databases: tuple[str, str], outside: Path
) -> None:
    archive = create_backup(source.settings, NOW, tmp_path / "sao-luu.tar.gz").path
    target = station(tmp_path / "b", two_databases[1])
    result = restore_backup(archive, target, NOW)
    b = target.data_dir
    assert result.data_dir == b.resolve()
    for name in ("media/audios/nhac-nen.wav", "jingles/intro.wav", "scripts/tiem-phong.txt",
                 "lexicon.yaml", "loa.toml"):
        assert (b / name).read_bytes() == (source.data_dir / name).read_bytes(), name
    assert not (b / "audio_cache" / "big.wav").exists()
    store = open_store(target.db_url)
    try:
        program = store.programs.get("tiem-phong")
        segments = program.segments
        assert segments[1].path == str(b.resolve() / "scripts" / "tiem-phong.txt")  # moved
        stored = segments[2].script_id
        assert stored is not None
        assert segments[3].path == str(outside)  # the same file is in place on this machine
        assert segments[4].path == "audios/nhac-nen.wav"  # relative to the media folder
        assert program.bed == str(b.resolve() / "media" / "audios" / "nhac-nen.wav")
        assert store.scripts.get(stored).text == SCRIPT_TEXT
        assert store.scripts.get(stored).approved
        assert [s.id for s in store.slots.list()] == ["sang"]
        [entry] = store.as_run.query()
        assert entry.outcome is not None and entry.outcome.value == "aired"
        assert store.users.verify_password("lan", "mat-khau-cua-lan") is not None
        assert store.station_lock().holder() is None  # the old machine's lock is gone
        files = ProgramFiles(target, store, Renderer(target))
        for segment in program.segments:  # every reference resolves on the new station
            if segment.kind == "script":
                assert files.script(segment).text.strip()
            elif segment.kind == "audio":
                assert segment.path is not None and files.audio(segment.path).is_file()
        assert files.audio(program.bed or "").is_file()
    finally:
        store.close()


def test_a_file_missing_on_this_machine_is_restored_in_the_data_folder(
    source: Station, tmp_path: Path, two_databases: tuple[str, str], outside: Path
) -> None:
    archive = create_backup(source.settings, NOW, tmp_path / "sao-luu.tar.gz").path
    content = outside.read_bytes()
    outside.unlink()  # restoring on a new machine: the outside file is not there
    target = station(tmp_path / "b", two_databases[1])
    restore_backup(archive, target, NOW)
    store = open_store(target.db_url)
    try:
        ref = store.programs.get("tiem-phong").segments[3].path
    finally:
        store.close()
    assert ref == str(target.data_dir.resolve() / "restored-files" / "1" / "ban-tin-ngoai.txt")
    assert Path(ref).read_bytes() == content


def test_restore_keeps_the_old_data_aside(
    source: Station, tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    archive = create_backup(source.settings, NOW, tmp_path / "sao-luu.tar.gz").path
    target = station(tmp_path / "b", two_databases[1])
    (target.data_dir / "jingles").mkdir()
    (target.data_dir / "jingles" / "intro.wav").write_bytes(b"old jingle")
    result = restore_backup(archive, target, NOW)
    [aside] = result.kept_aside
    assert aside == target.data_dir.resolve() / "before-restore-20251122-023000"
    assert (aside / "jingles" / "intro.wav").read_bytes() == b"old jingle"
    assert (target.data_dir / "jingles" / "intro.wav").read_bytes() == b"RIFF-intro" * 100


def prepared_target(tmp_path: Path, url: str) -> tuple[Settings, dict[str, bytes], list[str]]:
    """Station B with data of its own, to check a refused restore leaves it alone."""
    settings = station(tmp_path / "b", url)
    (settings.data_dir / "jingles").mkdir()
    (settings.data_dir / "jingles" / "intro.wav").write_bytes(b"B's own jingle")
    store = open_store(settings.db_url)
    store.programs.create(Program(id="cua-b", title="Chương trình của B",
                                  segments=(Segment.jingle("intro"),)))
    store.close()
    return settings, snapshot_folder(settings.data_dir), programs_of(settings)


def programs_of(settings: Settings) -> list[str]:
    store = open_store(settings.db_url, run_migrations=False)
    try:
        return [p.id for p in store.programs.list()]
    finally:
        store.close()


def assert_untouched(settings: Settings, files: dict[str, bytes], programs: list[str]) -> None:
    assert snapshot_folder(settings.data_dir) == files
    assert programs_of(settings) == programs
    leftovers = [p.name for p in settings.data_dir.iterdir() if p.name.startswith(".")]
    assert leftovers == [], leftovers


def test_a_corrupt_archive_is_refused_and_nothing_changes(
    source: Station, tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    archive = create_backup(source.settings, NOW, tmp_path / "sao-luu.tar.gz").path
    target, files, programs = prepared_target(tmp_path, two_databases[1])
    damaged = tmp_path / "hong.tar.gz"
    data = bytearray(archive.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 16] = bytes(b ^ 0xFF for b in data[middle:middle + 16])
    damaged.write_bytes(bytes(data))
    cut = tmp_path / "cut.tar.gz"
    cut.write_bytes(archive.read_bytes()[: len(data) * 2 // 3])
    for bad in (damaged, cut):
        with pytest.raises(BackupError) as caught:
            restore_backup(bad, target, NOW)
        assert caught.value.code == "backup_corrupt", caught.value
        assert "bị hỏng" in caught.value.message and "Không khôi phục gì cả" in caught.value.message
        assert_untouched(target, files, programs)


def test_a_member_that_does_not_match_its_checksum_is_refused(
    source: Station, tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    archive = create_backup(source.settings, NOW, tmp_path / "sao-luu.tar.gz").path
    target, files, programs = prepared_target(tmp_path, two_databases[1])
    tampered = tmp_path / "sua.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(tampered, "w:gz") as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read()  # type: ignore[union-attr]
            if info.name == "files/lexicon.yaml":
                data = data.replace("hợp tác xã".encode(), "hội tác xã".encode())
            info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    with pytest.raises(BackupError) as caught:
        restore_backup(tampered, target, NOW)
    assert caught.value.code == "backup_corrupt"
    assert "lexicon.yaml" in caught.value.message and "sha256" in caught.value.message
    assert_untouched(target, files, programs)


def foreign_archives(tmp_path: Path) -> list[Path]:
    plain = tmp_path / "ghi-chu.txt"
    plain.write_text("không phải bản sao lưu", encoding="utf-8")
    other = tmp_path / "khac.tar.gz"
    with tarfile.open(other, "w:gz") as tar:
        data = b"hello"
        info = tarfile.TarInfo("readme.txt")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    wrong_format = tmp_path / "khac-dinh-dang.tar.gz"
    with tarfile.open(wrong_format, "w:gz") as tar:
        data = json.dumps({"format": "azuracast-backup", "format_version": 1}).encode()
        info = tarfile.TarInfo("manifest.json")
        info.size = len(data)
        tar.addfile(info, io.BytesIO(data))
    gz_not_tar = tmp_path / "chi-gzip.tar.gz"
    gz_not_tar.write_bytes(gzip.compress(b"just some text, not a tar file" * 40))
    return [plain, other, wrong_format, gz_not_tar]


def test_a_foreign_archive_is_refused_in_vietnamese(
    tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    target, files, programs = prepared_target(tmp_path, two_databases[1])
    for foreign in foreign_archives(tmp_path):
        with pytest.raises(BackupError) as caught:
            restore_backup(foreign, target, NOW)
        assert caught.value.code == "backup_foreign", (foreign, caught.value)
        assert "không phải bản sao lưu của Loa" in caught.value.message
        assert_untouched(target, files, programs)


def test_an_archive_of_a_newer_format_asks_for_an_update(
    source: Station, tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    archive = create_backup(source.settings, NOW, tmp_path / "sao-luu.tar.gz").path
    newer = tmp_path / "moi-hon.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(newer, "w:gz") as dst:
        for info in src.getmembers():
            data = src.extractfile(info).read()  # type: ignore[union-attr]
            if info.name == "manifest.json":
                manifest = json.loads(data)
                manifest["format_version"] = FORMAT_VERSION + 1
                data = json.dumps(manifest).encode()
                info.size = len(data)
            dst.addfile(info, io.BytesIO(data))
    target, files, programs = prepared_target(tmp_path, two_databases[1])
    with pytest.raises(BackupError) as caught:
        restore_backup(newer, target, NOW)
    assert caught.value.code == "backup_version_unsupported"
    assert "cập nhật Loa" in caught.value.message
    assert_untouched(target, files, programs)


def test_a_database_from_a_newer_loa_is_refused_and_nothing_changes(
    source: Station, tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    with source.store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999_future'"))
    archive = create_backup(source.settings, NOW, tmp_path / "sao-luu.tar.gz").path
    target, files, programs = prepared_target(tmp_path, two_databases[1])
    with pytest.raises(BackupError) as caught:
        restore_backup(archive, target, NOW)
    assert caught.value.code == "restore_failed"
    assert "Không có gì bị thay đổi" in caught.value.message or "không có gì bị thay đổi" in \
        caught.value.message
    assert_untouched(target, files, programs)


def test_a_serving_station_is_not_restored_over(
    source: Station, tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    archive = create_backup(source.settings, NOW, tmp_path / "sao-luu.tar.gz").path
    target, files, programs = prepared_target(tmp_path, two_databases[1])
    store = open_store(target.db_url)
    lock = StationLock(store.engine)
    assert lock.acquire(datetime.now(UTC))  # this very process serves station B
    try:
        with pytest.raises(BackupError) as caught:
            restore_backup(archive, target, datetime.now(UTC))
        assert caught.value.code == "station_running"
        assert "dừng nó trước khi khôi phục" in caught.value.message
    finally:
        lock.release()
        store.close()
    files.pop("loa.db", None)  # this test wrote the lock into it
    assert {k: v for k, v in snapshot_folder(target.data_dir).items() if k != "loa.db"} == files
    assert programs_of(target) == programs


def test_a_swap_that_fails_half_way_puts_everything_back(
    source: Station, tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    """The target's jingles folder is a mount point: it cannot be renamed aside, which the
    restore finds out only while swapping (after the database and media were moved)."""
    archive = create_backup(source.settings, NOW, tmp_path / "sao-luu.tar.gz").path
    target, files, programs = prepared_target(tmp_path, two_databases[1])
    (target.data_dir / "media").mkdir()
    (target.data_dir / "media" / "b.wav").write_bytes(b"B media")
    files = snapshot_folder(target.data_dir)
    jingles = target.data_dir / "jingles"
    held = tmp_path / "held"
    shutil.copytree(jingles, held)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "tmpfs", str(jingles)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.fail(f"this test mounts a tmpfs (needs root): {mounted.stderr}")
    try:
        shutil.copytree(held, jingles, dirs_exist_ok=True)
        with pytest.raises(BackupError) as caught:
            restore_backup(archive, target, NOW)
        assert caught.value.code == "restore_swap_failed"
        assert "để lại nguyên chỗ" in caught.value.message
        assert snapshot_folder(target.data_dir) == files
        assert programs_of(target) == programs
        assert not (target.data_dir / ".restore-journal.json").exists()
    finally:
        subprocess.run(["umount", "-l", str(jingles)], check=False)


def test_a_database_of_the_previous_version_is_backed_up_and_restored_upgraded(
    tmp_path: Path, two_databases: tuple[str, str]
) -> None:
    """What `make install` does when updating: the new code backs up the old database
    (before its first start migrates it); restoring that backup upgrades it."""
    from broadcast.store.db import current_revision, head_revision
    from tests.store.test_upgrade import PREVIOUS, previous_version_database

    source = station(tmp_path / "a", two_databases[0])
    previous_version_database(source.db_url)
    archive = create_backup(source, NOW, tmp_path / "truoc-cap-nhat.tar.gz").path
    assert read_manifest(archive).database.revision == PREVIOUS
    target = station(tmp_path / "b", two_databases[1])
    restore_backup(archive, target, NOW)
    store = open_store(target.db_url, run_migrations=False)
    try:
        assert current_revision(store.engine) == head_revision()
        assert store.scripts.get(1).title == "Bản tin sáng"
        assert store.programs.get("ban-tin-sang").segments[1] == Segment.stored_script(1)
    finally:
        store.close()


def test_restoring_onto_the_same_station_goes_back_to_the_backup(
    source: Station, tmp_path: Path
) -> None:
    archive = create_backup(source.settings, NOW, tmp_path / "hom-qua.tar.gz").path
    source.store.slots.delete("sang")
    source.store.programs.delete("tiem-phong")
    (source.data_dir / "jingles" / "intro.wav").write_bytes(b"changed since")
    source.store.close()
    result = restore_backup(archive, source.settings, datetime.now(UTC))
    store = open_store(source.settings.db_url)
    try:
        assert [p.id for p in store.programs.list()] == ["tiem-phong"]
        assert [s.id for s in store.slots.list()] == ["sang"]
    finally:
        store.close()
    assert (source.data_dir / "jingles" / "intro.wav").read_bytes() == b"RIFF-intro" * 100
    assert result.kept_aside
    assert (result.kept_aside[0] / "jingles" / "intro.wav").read_bytes() == b"changed since"
