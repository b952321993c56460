"""The upkeep commands as an operator runs them: --version, backup/restore refusing a bad
archive with one Vietnamese line and exit code 10, alerts with nothing configured."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from broadcast.store.db import head_revision
from tests.cli.test_cli import broadcast


def test_version_comes_from_the_package_metadata(tmp_path: Path) -> None:
    result = broadcast(tmp_path, "--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"loa {version('loa')} ")
    assert head_revision() in result.stdout


def test_backup_then_a_damaged_copy_is_refused_in_one_line(tmp_path: Path) -> None:
    (tmp_path / "data").mkdir()
    created = broadcast(tmp_path, "users", "create", "lan", "--role", "editor")
    assert created.returncode == 0, created.stderr
    made = broadcast(tmp_path, "backup", "--output", str(tmp_path / "b.tar.gz"))
    assert made.returncode == 0, made.stderr
    assert "Đã sao lưu vào" in made.stdout and "SQLite" in made.stdout
    damaged = tmp_path / "hong.tar.gz"
    damaged.write_bytes((tmp_path / "b.tar.gz").read_bytes()[:-200])
    refused = broadcast(tmp_path, "restore", str(damaged), "--data-dir", str(tmp_path / "moi"),
                        "--yes")
    assert refused.returncode == 10
    [line] = refused.stderr.strip().splitlines()
    assert line.startswith("Lỗi: Bản sao lưu hong.tar.gz bị hỏng") and "[backup_corrupt]" in line
    restored = broadcast(tmp_path, "restore", str(tmp_path / "b.tar.gz"), "--data-dir",
                         str(tmp_path / "moi"), "--yes")
    assert restored.returncode == 0, restored.stderr
    assert f"Đã khôi phục vào {tmp_path / 'moi'}" in restored.stdout


def test_a_text_file_is_not_a_backup(tmp_path: Path) -> None:
    note = tmp_path / "ghi-chu.txt"
    note.write_text("xin chào", encoding="utf-8")
    refused = broadcast(tmp_path, "restore", str(note), "--yes")
    assert refused.returncode == 10
    assert "không phải bản sao lưu của Loa" in refused.stderr and "[backup_foreign]" in \
        refused.stderr


def test_alerts_without_a_channel_say_what_to_set(tmp_path: Path) -> None:
    result = broadcast(tmp_path, "alerts", "test")
    assert result.returncode == 9
    assert "smtp_host" in result.stderr and "[alert_config_missing]" in result.stderr
    listed = broadcast(tmp_path, "alerts", "list")
    assert listed.returncode == 0 and "Chưa có cảnh báo nào." in listed.stdout
