"""Real processes for the speaker-cluster tests: a private Mosquitto broker (one the test may
kill), a station wired to it, and `broadcast agent` processes, each on its own virtual
loudspeaker (a private PulseAudio server)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.e2e.station_server import StationServer, free_port
from tests.soundpath import VirtualSpeaker

ROOT = Path(__file__).resolve().parents[2]
BROKER_SCRIPT = ROOT / "tools" / "start-mosquitto.sh"


@dataclass
class Broker:
    directory: Path
    port: int = field(default_factory=free_port)

    @property
    def url(self) -> str:
        return f"mqtt://127.0.0.1:{self.port}"

    def _run(self, command: str) -> str:
        result = subprocess.run(
            ["bash", str(BROKER_SCRIPT), command, str(self.directory), str(self.port)],
            capture_output=True, text=True, timeout=30,
        )
        if result.returncode != 0:
            raise RuntimeError(f"mosquitto {command}: {result.stderr or result.stdout}")
        return result.stdout

    def start(self) -> Broker:
        self._run("start")
        return self

    def kill9(self) -> None:
        self._run("kill")

    def stop(self) -> None:
        self._run("stop")

    def station_env(self) -> dict[str, str]:
        """What a station needs to write this broker's files and make it read them."""
        return {
            "BROADCAST_MQTT_URL": self.url,
            "BROADCAST_MQTT_PASSWORD_FILE": str(self.directory / "passwd"),
            "BROADCAST_MQTT_ACL_FILE": str(self.directory / "acl"),
            "BROADCAST_MQTT_RELOAD_COMMAND": (
                f'sh -c "kill -HUP $(cat {self.directory / "mosquitto.pid"})"'
            ),
        }


@dataclass
class AgentProcess:
    cluster: str
    token: str
    data_dir: Path
    speaker: VirtualSpeaker
    station: StationServer
    broker: Broker
    process: subprocess.Popen[bytes] | None = None

    def env(self) -> dict[str, str]:
        env = self.speaker.subprocess_env()
        env.update(
            BROADCAST_DATA_DIR=str(self.data_dir),
            BROADCAST_MQTT_URL=self.broker.url,
            BROADCAST_CLUSTER_HEARTBEAT_SECONDS="5",
            # The token as a village's unit file gives it: in the environment, not on the
            # command line (where any local user could read it in the process list).
            BROADCAST_AGENT_TOKEN=self.token,
        )
        return env

    def start(self) -> AgentProcess:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "agent.log", "ab")  # noqa: SIM115 - kept by the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "broadcast.cli", "agent", "--station", self.station.base_url,
             "--cluster", self.cluster],
            env=self.env(), stdout=log, stderr=subprocess.STDOUT, cwd=self.data_dir,
        )
        return self

    def log(self) -> str:
        path = self.data_dir / "agent.log"
        return path.read_text(errors="replace")[-4000:] if path.exists() else ""

    def kill9(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        # Its audio engine is in a session of its own: it ends when its input closes.

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)


def wait_until(predicate, timeout: float, what: str, step: float = 0.2):  # noqa: ANN001, ANN201
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(step)
    raise AssertionError(f"{what}: not within {timeout} s (last: {last!r})")


def engine_pids(data_dir: Path) -> list[int]:
    """Audio engine processes started for a data directory (by its state file)."""
    out = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if "broadcast.engine" in cmd and re.search(re.escape(str(data_dir)), cmd):
            out.append(int(proc.name))
    return out
