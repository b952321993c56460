"""A real `broadcast serve` process for end-to-end tests, talking to the virtual loudspeaker."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from tests.soundpath import VirtualSpeaker

TOKEN = "loa_e2e_admin_token_0123456789abcdef"
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class StationServer:
    data_dir: Path
    speaker: VirtualSpeaker
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self) -> dict[str, str]:
        env = self.speaker.subprocess_env()
        env.update(
            BROADCAST_DATA_DIR=str(self.data_dir),
            BROADCAST_ENGINES='["espeak"]',
            BROADCAST_BOOTSTRAP_TOKEN=TOKEN,
            BROADCAST_LOAD_EXAMPLE_TIMETABLE="false",
            BROADCAST_PORT=str(self.port),
        )
        env.update(self.extra_env)
        return env

    def start(self, timeout: float = 30.0) -> StationServer:
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - kept by the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "broadcast.cli", "serve"],
            env=self.env(), stdout=log, stderr=subprocess.STDOUT, cwd=self.data_dir,
        )
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited ({self.process.returncode}):\n{self.log()}")
            try:
                if httpx.get(f"{self.base_url}/api/health", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not answer within {timeout} s:\n{self.log()}")

    def log(self) -> str:
        path = self.data_dir / "server.log"
        return path.read_text(errors="replace")[-6000:] if path.exists() else ""

    def kill9(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return httpx.request(method, self.base_url + path, headers=headers, timeout=60, **kwargs)

    def ok(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.api(method, path, **kwargs)
        assert response.status_code < 300, (response.status_code, response.text)
        return response.json()

    # --- building a timetable through the API ---------------------------------------------

    def approved_program(self, title: str, text: str, *, jingle: bool = True) -> str:
        body = {"title": title, "text": text, "topic": "thu-nghiem"}
        script = self.ok("POST", "/api/scripts", json=body)
        self.ok("POST", f"/api/scripts/{script['id']}/approve")
        segments: list[dict[str, Any]] = []
        if jingle:
            segments.append({"type": "jingle", "name": "intro"})
        segments.append({"type": "script", "script_id": script["id"]})
        program = self.ok("POST", "/api/programs", json={"title": title, "segments": segments})
        return str(program["id"])

    def one_off_slot(self, program_id: str, at: datetime, priority: str = "normal") -> str:
        local = at.astimezone(TZ)
        slot = self.ok(
            "POST",
            "/api/slots",
            json={
                "program_id": program_id,
                "time": local.strftime("%H:%M:%S"),
                "date": local.date().isoformat(),
                "priority": priority,
            },
        )
        return str(slot["id"])

    def log_entries(self) -> list[dict[str, Any]]:
        return list(self.ok("GET", "/api/log"))

    def wait_for_outcome(self, slot_id: str, timeout: float) -> dict[str, Any]:
        deadline = time.time() + timeout
        while time.time() < deadline:
            for entry in self.log_entries():
                if entry["slot"] == slot_id and entry["outcome"] is not None:
                    return entry
            time.sleep(0.25)
        raise AssertionError(f"no outcome for slot {slot_id} in {timeout} s:\n{self.log()}")

    def wait_for_render(self, program_id: str, timeout: float = 30.0) -> Path:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                return self.rendered_file(program_id)
            except AssertionError:
                time.sleep(0.1)
        raise AssertionError(f"{program_id} was not rendered in {timeout} s:\n{self.log()}")

    def rendered_file(self, program_id: str) -> Path:
        files = sorted((self.data_dir / "audio_cache" / "programs").glob(f"{program_id}-*.wav"))
        assert files, f"no render of {program_id}"
        return max(files, key=lambda p: p.stat().st_mtime)


def whole_second_ahead(seconds: float) -> datetime:
    """An instant ``seconds`` from now, on a whole second (slot times have seconds)."""
    at = datetime.now(TZ) + timedelta(seconds=seconds)
    return at.replace(microsecond=0) + timedelta(seconds=1)
