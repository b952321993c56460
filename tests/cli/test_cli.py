"""The `broadcast` command line as an operator uses it (real subprocesses, real files)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
import soundfile

ROOT = Path(__file__).resolve().parents[2]


def broadcast(
    tmp_path: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "BROADCAST_DATA_DIR": str(tmp_path / "data"),
        "BROADCAST_ENGINES": '["espeak"]',
        "COLUMNS": "200",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "broadcast.cli", *args],
        input=stdin, capture_output=True, text=True, timeout=180, env=environment, cwd=tmp_path,
    )


def test_help_reads_well(tmp_path: Path) -> None:
    result = broadcast(tmp_path, "--help")
    assert result.returncode == 0
    for command in ("render", "serve", "timetable", "log", "schedule", "cache", "text", "play"):
        assert command in result.stdout


ENGLISH_OF_THE_FRAMEWORK = ("Usage:", "Options", "Arguments", "Commands", "Show this message",
                            "[required]", "default:", "[OPTIONS]", "COMMAND [ARGS]")


@pytest.mark.parametrize(
    "command",
    [(), ("users", "create"), ("users", "password"), ("log",), ("render",), ("live", "start"),
     ("install",), ("voices", "sample"), ("restore",), ("alerts", "list")],
    ids=lambda c: " ".join(c) or "broadcast",
)
def test_help_is_in_vietnamese(tmp_path: Path, command: tuple[str, ...]) -> None:
    result = broadcast(tmp_path, *command, "--help")
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("Cách dùng: broadcast") and "Hiện hướng dẫn này rồi thoát." in text
    assert not [w for w in ENGLISH_OF_THE_FRAMEWORK if w in text], text
    # Every line with words of its own reads as Vietnamese (one letter with a diacritic at
    # least), except the option names, ids and paths that stay as they are typed.
    described = [line for line in text.splitlines() if re.search(r"[a-z]{4,} [a-z]{3,}", line)]
    english = [line for line in described if not re.search(r"[à-ỹđ]", line.lower())]
    assert not english, english


def test_help_imports_nothing_heavy(tmp_path: Path) -> None:
    """`broadcast --help` answers at once: no audio, database, web or numeric library (typer
    itself brings pydantic, for its option values)."""
    probe = (
        "import sys\n"
        "from broadcast import cli\n"
        "for args in (['--help'], ['users', 'create', '--help'], ['render', '--help']):\n"
        "    sys.argv = ['broadcast', *args]\n"
        "    try:\n"
        "        cli.main()\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, exc.code\n"
        "heavy = ('numpy', 'scipy', 'pydub', 'sqlalchemy', 'fastapi', 'uvicorn', 'gtts',\n"
        "         'sounddevice', 'apscheduler', 'onnxruntime', 'paho', 'pydantic_settings',\n"
        "         'rich', 'httpx', 'soundfile', 'yaml', 'broadcast.store', 'broadcast.tts')\n"
        "found = {m for m in sys.modules if m.split('.')[0] in heavy or m in heavy}\n"
        "print(sorted({m for m in heavy if m in found}), file=sys.stderr)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "COLUMNS": "100"}, cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().splitlines()[-1] == "[]"


def test_a_mistyped_command_line_is_explained_in_vietnamese(tmp_path: Path) -> None:
    missing = broadcast(tmp_path, "users", "create", "lan")
    assert missing.returncode == 2
    assert "Lỗi: Thiếu tuỳ chọn '--role'." in missing.stderr
    assert "Xem “broadcast users create --help” để biết cách dùng." in missing.stderr
    bad = broadcast(tmp_path, "log", "--limit", "nhieu")
    assert bad.returncode == 2
    assert "Lỗi: Giá trị không hợp lệ cho '--limit': phải là số nguyên." in bad.stderr
    unknown = broadcast(tmp_path, "--vesion")
    assert unknown.returncode == 2 and "Không có tuỳ chọn --vesion." in unknown.stderr
    assert "Error" not in missing.stderr + bad.stderr + unknown.stderr


def test_a_too_short_password_is_refused_and_no_account_is_made(tmp_path: Path) -> None:
    short = broadcast(tmp_path, "users", "create", "lan", "--role", "editor", "--password",
                      stdin="ngan\n")
    assert short.returncode == 9  # the settings/validation family, not the store's 8
    assert short.stderr.strip().splitlines()[-1] == (
        "Lỗi: Mật khẩu quá ngắn: cần ít nhất 8 ký tự, mới có 4. Tài khoản chưa được tạo. "
        "[password_too_short]"
    )
    assert "ít nhất 8 ký tự" in short.stdout  # the prompt says so before the error does
    # Two different entries are asked again, in Vietnamese; then the account is made.
    made = broadcast(tmp_path, "users", "create", "lan", "--role", "editor", "--password",
                     stdin="mat-khau-dai\nmat-khau-dia\nmat-khau-dai\nmat-khau-dai\n")
    assert made.returncode == 0, made.stderr
    assert "Hai lần nhập không giống nhau, hãy nhập lại." in made.stderr
    assert "Nhập lại mật khẩu để xác nhận" in made.stdout and "Repeat" not in made.stdout
    from broadcast.store.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'data' / 'loa.db'}")
    try:
        assert store.users.verify_password("lan", "mat-khau-dai") is not None
    finally:
        store.close()
    too_short = broadcast(tmp_path, "users", "password", "lan", stdin="1234567\n")
    assert too_short.returncode == 9 and "Mật khẩu chưa được đổi." in too_short.stderr


def test_render_prints_the_measurements_and_writes_broadcast_audio(tmp_path: Path) -> None:
    script = tmp_path / "bai.txt"
    script.write_text("---\ntitle: Thử\n---\nKính thưa bà con. UBND xã thông báo.\n")
    out = tmp_path / "out.wav"
    result = broadcast(tmp_path, "render", str(script), "-o", str(out), "--intro", "intro")
    assert result.returncode == 0, result.stderr
    assert "LUFS" in result.stdout and "dBTP" in result.stdout and "espeak" in result.stdout
    info = soundfile.info(str(out))
    assert info.samplerate == 48_000 and info.channels == 1
    again = broadcast(tmp_path, "render", str(script), "-o", str(tmp_path / "out.mp3"))
    assert again.returncode == 0, again.stderr
    assert "2/2 câu có sẵn" in again.stdout  # both sentences came from the cache
    stats = broadcast(tmp_path, "cache", "stats")
    assert "2 tệp" in stats.stdout
    pruned = broadcast(tmp_path, "cache", "prune", "--older-than", "0d")
    assert "Đã xoá 2 tệp" in pruned.stdout


@pytest.mark.parametrize(
    ("content", "name", "code"),
    [
        (b"", "trong.txt", "script_empty"),
        (b"\x00\x01\x02PNG\x00" * 50, "anh.txt", "script_binary"),
        ("Uû ban nh©n d©n x· th«ng b¸o".encode("latin-1"), "cu.txt", "script_legacy_encoding"),
    ],
)
def test_bad_scripts_get_one_clear_line_and_the_input_exit_code(
    tmp_path: Path, content: bytes, name: str, code: str
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    result = broadcast(tmp_path, "render", str(bad), "-o", str(tmp_path / "x.wav"))
    assert result.returncode == 3
    line = result.stderr.strip().splitlines()[-1]
    assert line.startswith("Lỗi: ") and line.endswith(f"[{code}]")
    assert not (tmp_path / "x.wav").exists()


def test_a_50_mb_file_is_refused(tmp_path: Path) -> None:
    big = tmp_path / "lon.txt"
    with big.open("wb") as f:
        f.truncate(50 * 1024 * 1024)
    result = broadcast(tmp_path, "render", str(big), "-o", str(tmp_path / "x.wav"))
    assert result.returncode == 3
    assert "[script_too_large]" in result.stderr


def test_text_normalize_writes_one_nfc_line_per_input_line(tmp_path: Path) -> None:
    lines = ["Nghị quyết 57-NQ/TW ngày 22/12/2024", "", "UBND xã họp lúc 7h30", "Tỷ lệ 85,5%"]
    decomposed = unicodedata.normalize("NFD", "\n".join(lines) + "\n")
    result = broadcast(tmp_path, "text", "normalize", stdin=decomposed)
    assert result.returncode == 0, result.stderr
    out = result.stdout.split("\n")
    assert out[-1] == "" and len(out) - 1 == len(lines)
    assert out[0] == unicodedata.normalize("NFC", out[0])
    assert out[1] == ""
    assert "ủy ban nhân dân" in out[2] and "bảy giờ ba mươi phút" in out[2]
    assert not any(ch.isdigit() for ch in result.stdout)


def test_text_preview_shows_readings_and_warnings(tmp_path: Path) -> None:
    script = tmp_path / "bai.txt"
    script.write_text("Mạng 5G phủ sóng 27/27 thôn.\n")
    result = broadcast(tmp_path, "text", "preview", str(script))
    assert result.returncode == 0, result.stderr
    assert "hai mươi bảy trên hai mươi bảy thôn" in result.stdout
    assert "“5G” chưa có trong từ điển" in result.stdout


def test_schedule_import_then_export_round_trips_exactly(tmp_path: Path) -> None:
    schedules = tmp_path / "schedules"
    shutil.copytree(ROOT / "schedules", schedules)
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    imported = broadcast(tmp_path, "schedule", "import", str(schedules / "example.yaml"))
    assert imported.returncode == 0, imported.stderr
    exported = broadcast(tmp_path, "schedule", "export", str(schedules / "copy.yaml"))
    assert exported.returncode == 0, exported.stderr
    assert (schedules / "copy.yaml").read_bytes() == (schedules / "example.yaml").read_bytes()
    day = broadcast(tmp_path, "timetable", "--day", "2026-12-07")  # a Monday
    assert day.returncode == 0, day.stderr
    assert "06:00:00" in day.stdout and "06:10:00" in day.stdout and "17:00:00" in day.stdout


def test_an_import_with_clashing_slots_is_refused_whole(tmp_path: Path) -> None:
    schedules = tmp_path / "schedules"
    shutil.copytree(ROOT / "schedules", schedules)
    shutil.copytree(ROOT / "scripts", tmp_path / "scripts")
    first = broadcast(tmp_path, "schedule", "import", str(schedules / "example.yaml"))
    assert first.returncode == 0, first.stderr
    text = (schedules / "example.yaml").read_text()
    clash = text.replace('time: "06:10"', 'time: "06:05"', 1)
    assert clash != text
    (schedules / "clash.yaml").write_text(clash)
    result = broadcast(tmp_path, "schedule", "import", str(schedules / "clash.yaml"))
    assert result.returncode == 6
    assert "[schedule_conflict]" in result.stderr and "trùng giờ" in result.stderr
    exported = broadcast(tmp_path, "schedule", "export", str(schedules / "after.yaml"))
    assert exported.returncode == 0
    assert (schedules / "after.yaml").read_bytes() == (schedules / "example.yaml").read_bytes()


def test_log_json_has_the_integration_fields(tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from broadcast.store.store import open_store

    data = tmp_path / "data"
    data.mkdir()
    store = open_store(f"sqlite:///{data / 'loa.db'}")
    start = datetime(2026, 11, 2, 23, 0, tzinfo=UTC)
    store.as_run.append(program_id="tin", priority="normal", scheduled_start=start,
                        slot_id="sang", actual_start=start, end=start + timedelta(minutes=3),
                        outcome="aired", engines=["espeak"], topic="chuyen-doi-so")
    store.close()
    result = broadcast(tmp_path, "log", "--json")
    assert result.returncode == 0, result.stderr
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(rows) == 1
    row = rows[0]
    for field in ("slot", "program", "priority", "scheduled_start", "actual_start", "end",
                  "outcome", "error"):
        assert field in row
    assert row["scheduled_start"] == "2026-11-03T06:00:00+07:00"
    assert row["outcome"] == "aired" and row["engines"] == ["espeak"]


def test_users_get_a_token_once_and_a_password_for_the_web_page(tmp_path: Path) -> None:
    created = broadcast(tmp_path, "users", "create", "lan", "--role", "editor")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("loa_")
    changed = broadcast(tmp_path, "users", "password", "lan", stdin="mat-khau-moi\nmat-khau-moi\n")
    assert changed.returncode == 0, changed.stderr

    from broadcast.store.store import open_store

    store = open_store(f"sqlite:///{tmp_path / 'data' / 'loa.db'}")
    try:
        assert store.users.verify_password("lan", "mat-khau-moi") is not None
        user = store.users.user_for_token(token)
        assert user is not None and user.role.value == "editor"
    finally:
        store.close()
    # A role that does not exist is refused before any password is asked, with the exit code
    # of the settings family (9), like every value an operator mistyped.
    refused = broadcast(tmp_path, "users", "create", "x", "--role", "boss", "--password")
    assert refused.returncode == 9 and "[invalid_role]" in refused.stderr
    assert "Mật khẩu" not in refused.stdout
    revoked = broadcast(
        tmp_path, "users", "password", "lan", "--revoke-tokens", stdin="mat-khau-ba\nmat-khau-ba\n"
    )
    assert revoked.returncode == 0, revoked.stderr
    assert "thu hồi 1 mã truy cập" in revoked.stdout
    store = open_store(f"sqlite:///{tmp_path / 'data' / 'loa.db'}")
    try:
        assert store.users.user_for_token(token) is None
        assert store.users.verify_password("lan", "mat-khau-ba") is not None
    finally:
        store.close()
