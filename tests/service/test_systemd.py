"""The station under a real systemd (PID 1 of a systemd-nspawn container), installed with
`broadcast install` at its default paths: it starts at boot, comes back when its process
dies, and after a power cut airs the next slot without anyone touching it."""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.station_server import TOKEN, TZ, free_port, whole_second_ahead
from tests.e2e.test_on_air import heard_at, reference
from tests.service.conftest import ROOT
from tests.service.container import Container
from tests.soundpath import VirtualSpeaker

pytestmark = pytest.mark.soundpath

TEXT = "Kính thưa bà con. Đài truyền thanh xã tự khởi động lại sau khi mất điện."


@pytest.fixture
def container(system_venv: Path, speaker: VirtualSpeaker) -> Iterator[Container]:
    if shutil.which("systemd-nspawn") is None:
        pytest.fail("systemd-nspawn is missing: apt-get install systemd-container")
    # The system venv is an editable install of this checkout: bind it too (nspawn puts a
    # fresh tmpfs on /tmp, where a CI clone may live).
    box = Container(binds=[speaker.directory, system_venv, ROOT]).create()
    try:
        yield box
    finally:
        box.destroy()


class Station:
    def __init__(self, port: int) -> None:
        self.base = f"http://127.0.0.1:{port}"

    def healthy(self) -> dict[str, Any] | None:
        try:
            response = httpx.get(f"{self.base}/api/health", timeout=2)
        except httpx.HTTPError:
            return None
        return response.json() if response.status_code == 200 else None

    def wait_healthy(self, timeout: float, why: Any = "") -> dict[str, Any]:
        """The station's health once it answers with its sound output open (the audio
        engine, a process of its own, opens it a moment after the API answers)."""
        deadline = time.time() + timeout
        health = None
        while time.time() < deadline:
            health = self.healthy()
            if health is not None and health["sound_device"]:
                return health
            time.sleep(0.3)
        reason = why() if callable(why) else why
        raise AssertionError(f"the station was not ready in {timeout} s ({health}): {reason}")

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = httpx.request(method, self.base + path, timeout=60,
                                 headers={"Authorization": f"Bearer {TOKEN}"}, **kwargs)
        assert response.status_code < 300, response.text
        return response.json()

    def slot(self, program_id: str, at: Any) -> str:
        local = at.astimezone(TZ)
        return str(self.ok("POST", "/api/slots", json={
            "program_id": program_id, "time": local.strftime("%H:%M:%S"),
            "date": local.date().isoformat(),
        })["id"])

    def outcome(self, slot_id: str, timeout: float) -> dict[str, Any]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for entry in self.ok("GET", "/api/log"):
                if entry["slot"] == slot_id and entry["outcome"] is not None:
                    return dict(entry)
            time.sleep(0.25)
        raise AssertionError(f"no outcome for {slot_id}")


def test_systemd_starts_it_at_boot_restarts_it_and_it_survives_a_power_cut(
    container: Container, system_venv: Path, speaker: VirtualSpeaker
) -> None:
    installed = container.run(str(system_venv / "bin" / "broadcast"), "install", "--no-start")
    assert installed.returncode == 0, installed.stderr + installed.stdout
    assert "systemd không chạy" in installed.stdout  # installed offline: starts at next boot
    port = free_port()
    env_file = container.root / "etc" / "loa" / "loa.env"
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
    station = Station(port)

    container.boot()
    health = station.wait_healthy(90, lambda: container.journal("loa"))
    assert health["scheduler_running"] and health["sound_device"], health
    assert container.show("loa", "ActiveState") == "active"
    assert container.show("loa", "UnitFileState") == "enabled"
    assert container.show("loa", "User") == "loa"

    script = station.ok("POST", "/api/scripts", json={"title": "Mất điện", "text": TEXT,
                                                      "topic": "thu-nghiem"})
    station.ok("POST", f"/api/scripts/{script['id']}/approve")
    program = station.ok("POST", "/api/programs", json={
        "title": "Mất điện", "segments": [{"type": "script", "script_id": script["id"]}],
    })["id"]

    # 1. It airs, as the service.
    first_at = whole_second_ahead(8)
    first = station.slot(program, first_at)
    with speaker.recorder() as rec:
        entry = station.outcome(first, 60)
    assert entry["outcome"] == "aired", entry
    rendered = sorted((container.root / "var/lib/loa/audio_cache/programs").glob(
        f"{program}-*.wav"))[-1]
    score, when = heard_at(rec.recording, reference(rendered), first_at.timestamp() - 2)
    assert score > 0.9 and abs(when - first_at.timestamp()) < 0.1, (score, when)

    # 2. Its process dies: systemd brings it back.
    main_pid = container.show("loa", "MainPID")
    killed = container.inside("kill", "-9", main_pid)
    assert killed.returncode == 0, killed.stderr
    deadline = time.time() + 60
    while time.time() < deadline and (
        container.show("loa", "MainPID") in ("0", main_pid) or station.healthy() is None
    ):
        time.sleep(0.3)
    assert int(container.show("loa", "NRestarts")) >= 1, container.journal("loa")
    station.wait_healthy(60, lambda: container.journal("loa"))

    # 3. A power cut, then the power comes back: nobody touches anything.
    after_at = whole_second_ahead(45)
    after = station.slot(program, after_at)
    container.power_cut()
    assert station.healthy() is None
    container.boot()
    station.wait_healthy(60, lambda: container.journal("loa"))
    assert time.time() < after_at.timestamp() - 2, "the station came back too late to test"
    with speaker.recorder() as rec:
        entry = station.outcome(after, 90)
    assert entry["outcome"] == "aired", entry
    score, when = heard_at(rec.recording, reference(rendered), after_at.timestamp() - 2)
    assert score > 0.9 and abs(when - after_at.timestamp()) < 0.1, (score, when)
