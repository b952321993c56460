"""`broadcast install` as a technician runs it: the unit it writes passes
`systemd-analyze verify`, and started by hand exactly as the unit says (its command, user,
groups, folder and environment), the station answers on /api/health and airs a slot that
the virtual loudspeaker hears. The installed `loa` command runs as the service user."""

from __future__ import annotations

import pwd
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest
import soundfile

from tests.e2e.station_server import TOKEN, TZ, free_port, whole_second_ahead
from tests.service.unit_file import ServiceCommand, service_command
from tests.soundpath import VirtualSpeaker, best_alignment

pytestmark = pytest.mark.soundpath


@dataclass
class Installed:
    base: Path
    user: str
    name: str
    venv: Path

    @property
    def unit(self) -> Path:
        return self.base / "etc/systemd/system" / f"{self.name}.service"

    @property
    def data_dir(self) -> Path:
        return self.base / "var/lib/loa"

    @property
    def config_dir(self) -> Path:
        return self.base / "etc/loa"

    @property
    def command(self) -> Path:
        return self.base / "bin" / self.name


def run_install(venv: Path, base: Path, user: str, name: str, *extra: str) -> str:
    result = subprocess.run(
        [str(venv / "bin" / "broadcast"), "install", "--user", user, "--name", name,
         "--data-dir", str(base / "var/lib/loa"), "--config-dir", str(base / "etc/loa"),
         "--unit-dir", str(base / "etc/systemd/system"), "--bin-dir", str(base / "bin"),
         "--no-start", *extra],
        capture_output=True, text=True, timeout=300, cwd="/",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    return result.stdout


@pytest.fixture
def installed(system_venv: Path, reachable_dir: Path, service_user: str) -> Installed:
    name = f"loa-{service_user}"
    run_install(system_venv, reachable_dir, service_user, name)
    return Installed(reachable_dir, service_user, name, system_venv)


def test_install_sets_up_user_folders_and_a_unit_that_systemd_accepts(
    installed: Installed,
) -> None:
    user = pwd.getpwnam(installed.user)
    assert user.pw_shell == "/usr/sbin/nologin"
    groups = subprocess.run(["id", "-nG", installed.user], capture_output=True, text=True)
    assert "audio" in groups.stdout.split()
    data = installed.data_dir.stat()
    assert (data.st_uid, oct(data.st_mode & 0o777)) == (user.pw_uid, "0o750")
    config = (installed.config_dir / "loa.toml").stat()
    assert (config.st_uid, config.st_gid, oct(config.st_mode & 0o777)) == (
        0, user.pw_gid, "0o640"
    )
    wants = installed.unit.parent / "multi-user.target.wants" / installed.unit.name
    assert wants.resolve() == installed.unit  # starts at boot
    verify = subprocess.run(["systemd-analyze", "verify", str(installed.unit)],
                            capture_output=True, text=True, timeout=120)
    assert verify.returncode == 0, verify.stderr
    assert verify.stderr.strip() == "", verify.stderr  # not even a warning
    text = installed.unit.read_text(encoding="utf-8")
    assert "Restart=on-failure" in text and "StartLimitIntervalSec=0" in text
    assert "WantedBy=multi-user.target" in text
    command = service_command(installed.unit)
    assert command.argv == [str(installed.venv / "bin" / "broadcast"), "serve"]
    assert command.env["BROADCAST_DATA_DIR"] == str(installed.data_dir)
    assert command.env["BROADCAST_CONFIG"] == str(installed.config_dir / "loa.toml")


def test_installing_again_keeps_the_settings(installed: Installed) -> None:
    config = installed.config_dir / "loa.toml"
    config.write_text(config.read_text(encoding="utf-8") + 'station_name = "Xã Tân Lập"\n',
                      encoding="utf-8")
    out = run_install(installed.venv, installed.base, installed.user, installed.name)
    assert "Giữ nguyên tệp cấu hình" in out
    assert 'station_name = "Xã Tân Lập"' in config.read_text(encoding="utf-8")


def test_a_checkout_the_service_user_cannot_read_is_refused_clearly(
    system_venv: Path, reachable_dir: Path, service_user: str
) -> None:
    """Loa in a folder only root may enter (a checkout under /root, or a venv of a Python
    installed there): the installer says what is wrong and writes nothing."""
    private = reachable_dir / "private"
    private.mkdir(mode=0o700)
    venv = private / "venv"
    subprocess.run(["/usr/bin/python3", "-m", "venv", "--without-pip", str(venv)], check=True,
                   capture_output=True, timeout=120)
    [site] = (venv / "lib").glob("python3*/site-packages")
    [shared] = (system_venv / "lib").glob("python3*/site-packages")
    (site / "loa-shared.pth").write_text(f"import site; site.addsitedir({str(shared)!r})\n",
                                         encoding="utf-8")
    command = venv / "bin" / "broadcast"
    command.write_text(f"#!{venv}/bin/python\nfrom broadcast.cli import main\nmain()\n")
    command.chmod(0o755)
    result = subprocess.run(
        [str(command), "install", "--user", service_user,
         "--name", f"loa-{service_user}", "--data-dir", str(reachable_dir / "data"),
         "--config-dir", str(reachable_dir / "etc"), "--unit-dir", str(reachable_dir / "u"),
         "--bin-dir", str(reachable_dir / "bin"), "--no-start"],
        capture_output=True, text=True, timeout=300, cwd="/",
    )
    assert result.returncode == 10, result
    assert "install_not_runnable" in result.stderr
    assert f"Người dùng '{service_user}' không chạy được {command}" in result.stderr
    assert not (reachable_dir / "u").exists()  # nothing written


@pytest.fixture
def service(installed: Installed, speaker: VirtualSpeaker) -> Iterator[tuple[ServiceCommand,
                                                                             subprocess.Popen[bytes],
                                                                             str]]:
    """The technician's env file for this machine's sound (the virtual loudspeaker's
    PulseAudio server), then the service started exactly as the unit says."""
    port = free_port()
    env_file = installed.config_dir / "loa.env"
    env_file.write_text(
        env_file.read_text(encoding="utf-8")
        + f"PULSE_SERVER={speaker.env['PULSE_SERVER']}\n"
        + f"ALSA_CONFIG_PATH={speaker.env['ALSA_CONFIG_PATH']}\n"
        + "BROADCAST_ENGINES='[\"espeak\"]'\n"
        + "BROADCAST_LOAD_EXAMPLE_TIMETABLE=false\n"
        + f"BROADCAST_BOOTSTRAP_TOKEN={TOKEN}\n"
        + f"BROADCAST_PORT={port}\n",
        encoding="utf-8",
    )
    command = service_command(installed.unit)
    log = open(installed.base / "service.log", "wb")  # noqa: SIM115 - kept by the process
    process = command.popen(stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while time.time() < deadline:
            assert process.poll() is None, (installed.base / "service.log").read_text()
            try:
                if httpx.get(f"{base_url}/api/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        else:
            raise AssertionError((installed.base / "service.log").read_text())
        yield command, process, base_url
    finally:
        process.terminate()  # systemd's stop: SIGTERM
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


def test_started_as_the_unit_says_the_station_serves_and_airs_a_slot(
    installed: Installed, service: tuple[ServiceCommand, subprocess.Popen[bytes], str],
    speaker: VirtualSpeaker,
) -> None:
    command, process, base_url = service
    headers = {"Authorization": f"Bearer {TOKEN}"}
    # The audio engine (a process of its own) opens the output while the API already
    # answers: on a busy machine the first seconds say "degraded", then the device is open.
    deadline = time.time() + 30
    while True:
        health = httpx.get(f"{base_url}/api/health", timeout=10).json()
        if health["sound_device"] or time.time() > deadline:
            break
        time.sleep(0.2)
    assert health["scheduler_running"] and health["database"], health
    assert health["sound_device"], health  # the service user reaches the sound server
    status = Path(f"/proc/{process.pid}/status").read_text()  # nice, setpriv exec: same pid
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    assert uid_line.split()[1] == str(command.uid)  # runs as the service user, not root
    assert "NoNewPrivs:\t1" in status

    def ok(method: str, path: str, **kwargs: object) -> dict:
        response = httpx.request(method, base_url + path, headers=headers, timeout=60,
                                 **kwargs)  # type: ignore[arg-type]
        assert response.status_code < 300, response.text
        return response.json()

    script = ok("POST", "/api/scripts", json={
        "title": "Thông báo", "topic": "thu-nghiem",
        "text": "Kính thưa bà con. Đài truyền thanh xã chạy như một dịch vụ của máy.",
    })
    ok("POST", f"/api/scripts/{script['id']}/approve")
    program = ok("POST", "/api/programs", json={
        "title": "Thông báo", "segments": [{"type": "script", "script_id": script["id"]}],
    })
    at = whole_second_ahead(8)
    local = at.astimezone(TZ)
    slot = ok("POST", "/api/slots", json={
        "program_id": program["id"], "time": local.strftime("%H:%M:%S"),
        "date": local.date().isoformat(),
    })
    with speaker.recorder() as rec:
        entry = None
        deadline = time.time() + 60
        while entry is None and time.time() < deadline:
            entry = next((e for e in ok("GET", "/api/log")
                          if e["slot"] == slot["id"] and e["outcome"] is not None), None)
            time.sleep(0.25)
    assert entry is not None and entry["outcome"] == "aired", entry
    rendered = sorted((installed.data_dir / "audio_cache" / "programs").glob(
        f"{program['id']}-*.wav"))
    assert rendered, "the station rendered into its data folder"
    reference, rate = soundfile.read(str(rendered[-1]), dtype="float32", always_2d=True)
    reference = reference.mean(axis=1)
    recording = rec.recording
    start = recording.index_at(at.timestamp() - 2)
    score, lag = best_alignment(recording.samples[start:], reference[: 3 * rate])
    assert score > 0.9, f"what was heard does not match the program (ncc {score:.2f})"
    heard = recording.time_of(start + lag)
    assert abs(heard - at.timestamp()) < 0.1
    # Everything the station wrote belongs to the service user.
    owner = pwd.getpwnam(installed.user).pw_uid
    written = list(installed.data_dir.rglob("*"))
    assert written and all(p.stat().st_uid == owner for p in written)

    # The `loa` command: the service's settings, as its user (a backup while it serves).
    backup = subprocess.run([str(installed.command), "backup"], capture_output=True,
                            text=True, timeout=300)
    assert backup.returncode == 0, backup.stderr
    [archive] = (installed.data_dir / "backups").glob("loa-backup-*.tar.gz")
    assert archive.stat().st_uid == owner
    assert timedelta(0) <= datetime.now() - datetime.fromtimestamp(archive.stat().st_mtime) \
        < timedelta(minutes=5)
