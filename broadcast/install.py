"""``broadcast install``: run the station as a systemd service that comes back by itself.

What it sets up (every path can be changed; the defaults are what the README describes):

- a system user ``loa`` (no login), in the group ``audio`` for the sound card;
- ``/var/lib/loa``: the station's data (``BROADCAST_DATA_DIR``), owned by that user;
- ``/etc/loa/loa.toml`` (settings) and ``/etc/loa/loa.env`` (environment: sound server,
  secrets), written once and never overwritten;
- ``/etc/systemd/system/loa.service``: restart on failure (forever), start at boot;
- ``/usr/local/bin/loa``: the ``broadcast`` command with the service's settings, as its user
  (``sudo loa backup``, ``sudo loa users create ...``).

Run again after an update: it backs the data up first, rewrites the unit and restarts.
The unit's text is built by pure functions, so tests can check it and run it as written.
"""

from __future__ import annotations

import grp
import os
import pwd
import shlex
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from broadcast import __version__
from broadcast.errors import InstallError

SYSTEMD_RUNNING = Path("/run/systemd/system")


@dataclass(frozen=True)
class InstallPlan:
    executable: Path  # the `broadcast` command the service runs
    source_dir: Path  # where Loa's files are (the checkout): read by the service user
    name: str = "loa"
    user: str = "loa"
    data_dir: Path = Path("/var/lib/loa")
    config_dir: Path = Path("/etc/loa")
    unit_dir: Path = Path("/etc/systemd/system")
    bin_dir: Path = Path("/usr/local/bin")
    host: str = "127.0.0.1"
    port: int = 8000
    groups: tuple[str, ...] = ("audio",)

    @property
    def unit_path(self) -> Path:
        return self.unit_dir / f"{self.name}.service"

    @property
    def config_file(self) -> Path:
        return self.config_dir / "loa.toml"

    @property
    def env_file(self) -> Path:
        return self.config_dir / "loa.env"

    @property
    def wrapper(self) -> Path:
        return self.bin_dir / self.name

    def environment(self) -> dict[str, str]:
        """What the unit sets with Environment= (the env file comes on top)."""
        return {
            "BROADCAST_DATA_DIR": str(self.data_dir),
            "BROADCAST_CONFIG": str(self.config_file),
            "PYTHONUNBUFFERED": "1",
        }


def unit_text(plan: InstallPlan) -> str:
    environment = "\n".join(
        f"Environment={shlex.quote(f'{k}={v}')}" for k, v in plan.environment().items()
    )
    groups = " ".join(plan.groups)
    return f"""\
# Written by `broadcast install` (Loa {__version__}); running it again rewrites this file.
# Local changes go in a drop-in: sudo systemctl edit {plan.name}
[Unit]
Description=Loa - phát thanh tự động cho đài truyền thanh xã
Documentation=file://{plan.source_dir}/README.md
After=network-online.target sound.target time-sync.target postgresql.service
Wants=network-online.target
# Keep trying for ever: a station must come back after a power cut whatever the order in
# which the sound card, the network and the database come up.
StartLimitIntervalSec=0

[Service]
Type=exec
User={plan.user}
Group={plan.user}
SupplementaryGroups={groups}
WorkingDirectory={plan.data_dir}
{environment}
EnvironmentFile=-{plan.env_file}
ExecStart={plan.executable} serve
Restart=on-failure
RestartSec=5
TimeoutStopSec=30
UMask=0027
# Sound has priority over the web page on a small PC.
Nice=-5
NoNewPrivileges=yes
ProtectSystem=full
ReadWritePaths={plan.data_dir}

[Install]
WantedBy=multi-user.target
"""


def config_text(plan: InstallPlan) -> str:
    return f"""\
# Settings of the Loa station (names: README, "Configuration"). After a change:
#   sudo systemctl restart {plan.name}
# Environment variables (BROADCAST_*, in {plan.env_file}) take precedence over this file.

# Where the web page listens. 127.0.0.1: only this PC, or a reverse proxy (README).
# "0.0.0.0": every network card, so the office PCs reach http://<this PC>:{plan.port}/
host = "{plan.host}"
port = {plan.port}

station_name = "Đài truyền thanh xã"
# public_url = "https://loa.xa.example.vn/"   # the address people use (shown in alerts)

# The sound card (`loa devices` lists them): part of its name, or its number.
# audio_device = "USB"

# Nightly backup (to {plan.data_dir}/backups unless backup_dir is set).
# backup_time = "02:30"
# backup_keep_days = 14

# Alerts by e-mail and/or webhook (README, "Alerts").
# smtp_host = "smtp.gmail.com"
# smtp_port = 587
# smtp_security = "starttls"
# smtp_user = "dai.truyenthanh@gmail.com"
# smtp_password = "mật khẩu ứng dụng"
# alert_from = "dai.truyenthanh@gmail.com"
# alert_to = ["truongdai@example.vn"]
# alert_webhooks = ["https://bot.example.vn/loa"]
# alert_disk_min_free_percent = 10
"""


def env_text(plan: InstallPlan) -> str:
    return f"""\
# Environment of the {plan.name} service (systemd EnvironmentFile: KEY=value per line).
# After a change: sudo systemctl restart {plan.name}
#
# The sound output. The service user `{plan.user}` is in the group `audio`, so it can open
# the sound card directly through ALSA (best on a PC that does nothing else): pick the
# card with BROADCAST_AUDIO_DEVICE (see `sudo loa devices`), e.g.
#BROADCAST_AUDIO_DEVICE=USB Audio
#
# To play through the PulseAudio or PipeWire server of a desktop session instead, let
# that server accept this user (README, "Sound") and point the service at its socket:
#PULSE_SERVER=unix:/tmp/loa-pulse.sock
#ALSA_CONFIG_PATH=/usr/share/alsa/alsa.conf:{plan.config_dir}/asound-pulse.conf
#
# Secrets can live here rather than in loa.toml:
#BROADCAST_SMTP_PASSWORD=...
"""


ASOUND_PULSE = """\
# ALSA's default device is the PulseAudio/PipeWire server named by PULSE_SERVER (used only
# when loa.env sets ALSA_CONFIG_PATH to include this file; needs libasound2-plugins).
pcm.!default {
    type pulse
}
ctl.!default {
    type pulse
}
"""


def wrapper_text(plan: InstallPlan) -> str:
    exports = " ".join(f"{k}={shlex.quote(v)}" for k, v in plan.environment().items())
    return f"""\
#!/bin/sh
# `{plan.name} COMMAND`: the `broadcast` command of the installed station, with the settings
# of the {plan.name} service and as its user (written by `broadcast install`).
set -a
[ -r {shlex.quote(str(plan.env_file))} ] && . {shlex.quote(str(plan.env_file))}
set +a
export {exports}
cd {shlex.quote(str(plan.data_dir))} || exit 1
if [ "$(id -u)" = 0 ]; then
    exec runuser -u {shlex.quote(plan.user)} -- {shlex.quote(str(plan.executable))} "$@"
fi
exec {shlex.quote(str(plan.executable))} "$@"
"""


@dataclass
class InstallReport:
    steps: list[str] = field(default_factory=list)  # Vietnamese, one line each
    started: bool = False


def install(plan: InstallPlan, *, start: bool = True) -> InstallReport:
    """Set the service up (or update it). Needs root."""
    if os.geteuid() != 0:
        raise InstallError(
            "Cài đặt dịch vụ cần quyền quản trị: chạy lại bằng sudo (sudo make install).",
            code="install_needs_root",
        )
    report = InstallReport()
    created = _ensure_user(plan)
    report.steps.append(
        f"{'Đã tạo' if created else 'Đã có'} người dùng hệ thống '{plan.user}' "
        f"(nhóm: {', '.join(plan.groups) or 'không'})."
    )
    uid, gid = _ids(plan.user)
    _ensure_dir(plan.data_dir, uid, gid, 0o750)
    _ensure_dir(plan.config_dir, 0, gid, 0o750)
    _check_runnable(plan)
    updating = plan.unit_path.exists()
    if updating and _has_data(plan):
        report.steps.append(_backup_before_update(plan))
    for path, text in (
        (plan.config_file, config_text(plan)),
        (plan.env_file, env_text(plan)),
        (plan.config_dir / "asound-pulse.conf", ASOUND_PULSE),
    ):
        if path.exists():
            report.steps.append(f"Giữ nguyên tệp cấu hình {path}.")
        else:
            _write(path, text, 0o640, 0, gid)
            report.steps.append(f"Đã tạo {path}.")
    _write(plan.unit_path, unit_text(plan), 0o644, 0, 0)
    _write(plan.wrapper, wrapper_text(plan), 0o755, 0, 0)
    wants = plan.unit_dir / "multi-user.target.wants" / plan.unit_path.name
    wants.parent.mkdir(parents=True, exist_ok=True)
    if not wants.is_symlink():
        wants.symlink_to(plan.unit_path)
    report.steps.append(
        f"Đã ghi dịch vụ {plan.unit_path} (tự khởi động cùng máy) và lệnh {plan.wrapper}."
    )
    if not SYSTEMD_RUNNING.is_dir():
        report.steps.append(
            "systemd không chạy trên máy này: dịch vụ sẽ chạy từ lần khởi động máy tới."
        )
        return report
    _run(["systemctl", "daemon-reload"])
    if start:
        _run(["systemctl", "restart", plan.unit_path.name])
        report.started = True
        report.steps.append(f"Đã {'khởi động lại' if updating else 'khởi động'} dịch vụ "
                            f"{plan.name}: xem nhật ký bằng journalctl -u {plan.name} -f")
    return report


def uninstall(plan: InstallPlan) -> list[str]:
    """Stop and remove the service and the `loa` command; data, settings and user stay."""
    if os.geteuid() != 0:
        raise InstallError("Gỡ dịch vụ cần quyền quản trị: chạy lại bằng sudo.",
                           code="install_needs_root")
    steps = []
    if SYSTEMD_RUNNING.is_dir() and plan.unit_path.exists():
        _run(["systemctl", "disable", "--now", plan.unit_path.name], check=False)
    for path in (plan.unit_dir / "multi-user.target.wants" / plan.unit_path.name,
                 plan.unit_path, plan.wrapper):
        if path.exists() or path.is_symlink():
            path.unlink()
            steps.append(f"Đã xoá {path}.")
    if SYSTEMD_RUNNING.is_dir():
        _run(["systemctl", "daemon-reload"], check=False)
    steps.append(f"Dữ liệu ({plan.data_dir}), cấu hình ({plan.config_dir}) và người dùng "
                 f"'{plan.user}' được giữ lại.")
    return steps


# --- steps ------------------------------------------------------------------------------------


def _ensure_user(plan: InstallPlan) -> bool:
    created = False
    try:
        pwd.getpwnam(plan.user)
    except KeyError:
        _run(["useradd", "--system", "--user-group", "--home-dir", str(plan.data_dir),
              "--no-create-home", "--shell", "/usr/sbin/nologin", "--comment",
              "Loa broadcast station", plan.user])
        created = True
    for group in plan.groups:
        try:
            members = grp.getgrnam(group).gr_mem
        except KeyError:
            raise InstallError(f"Không có nhóm '{group}' trên máy này.",
                               code="install_group_missing") from None
        if plan.user not in members:
            _run(["usermod", "--append", "--groups", group, plan.user])
    return created


def _ids(user: str) -> tuple[int, int]:
    entry = pwd.getpwnam(user)
    return entry.pw_uid, entry.pw_gid


def _ensure_dir(path: Path, uid: int, gid: int, mode: int) -> None:
    path.mkdir(parents=True, exist_ok=True)
    os.chown(path, uid, gid)
    path.chmod(mode)


def _check_runnable(plan: InstallPlan) -> None:
    """The service user must be able to run the command (a checkout under /root, or a
    Python only root can read, would fail at every start)."""
    if not plan.executable.exists():
        raise InstallError(f"Không tìm thấy lệnh {plan.executable}.", code="install_failed")
    result = subprocess.run(
        ["runuser", "-u", plan.user, "--", str(plan.executable), "--version"],
        capture_output=True, text=True, timeout=120, cwd="/",
    )
    if result.returncode != 0:
        reason = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["?"]
        raise InstallError(
            f"Người dùng '{plan.user}' không chạy được {plan.executable} ({reason[0]}). Đặt "
            f"mã nguồn Loa ở nơi mọi người đọc được, ví dụ /opt/loa (hiện ở "
            f"{plan.source_dir}), tạo lại .venv bằng python3 của hệ thống, rồi cài lại.",
            code="install_not_runnable",
        )


def _has_data(plan: InstallPlan) -> bool:
    """A station database to protect: the SQLite file, or a configured database server."""
    if (plan.data_dir / "loa.db").exists():
        return True
    for path in (plan.config_file, plan.env_file):
        if path.exists() and "database_url" in path.read_text(encoding="utf-8").lower():
            return True
    return False


def _backup_before_update(plan: InstallPlan) -> str:
    """A backup made by the service user with the service's settings, before the update."""
    result = subprocess.run(
        [str(plan.wrapper), "backup"], capture_output=True, text=True, timeout=3600
    ) if plan.wrapper.exists() else None
    if result is None or result.returncode != 0:
        reason = "" if result is None else (result.stderr or result.stdout).strip()
        raise InstallError(
            f"Không sao lưu được dữ liệu trước khi cập nhật ({reason}); chưa thay đổi gì. "
            "Sửa lỗi rồi chạy lại, hoặc sao lưu bằng tay.",
            code="install_backup_failed",
        )
    return result.stdout.strip() or "Đã sao lưu dữ liệu trước khi cập nhật."


def _write(path: Path, text: str, mode: int, uid: int, gid: int) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.chown(temporary, uid, gid)
    temporary.chmod(mode)
    os.replace(temporary, path)


def _run(command: list[str], *, check: bool = True) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise InstallError(
            f"Lệnh '{' '.join(command)}' thất bại: {(result.stderr or result.stdout).strip()}",
            code="install_failed",
        )
